//! Ctrl-C handling: the first Ctrl-C asks the training loop to checkpoint and stop at the
//! next batch; a second one exits immediately.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::TrainError;

/// Installs the process-wide Ctrl-C handler and returns the flag it sets.
pub fn install_ctrlc() -> Result<Arc<AtomicBool>, TrainError> {
    let flag = Arc::new(AtomicBool::new(false));
    let seen = flag.clone();
    ctrlc::set_handler(move || {
        if seen.swap(true, Ordering::SeqCst) {
            eprintln!("second Ctrl-C: exiting without a checkpoint");
            std::process::exit(130);
        }
        eprintln!("Ctrl-C: saving a checkpoint and stopping (Ctrl-C again to quit now)");
    })
    .map_err(|e| TrainError::Config(format!("cannot install the Ctrl-C handler: {e}")))?;
    Ok(flag)
}
