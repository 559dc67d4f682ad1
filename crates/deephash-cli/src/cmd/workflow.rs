//! What `train`, `demo` and `reproduce` take from the library until their training moves
//! into it too: the evaluation and report (in `deephash::evaluation`), and `deephash train`
//! as a child process.

use std::path::Path;

use anyhow::{Context, bail};

/// Evaluating runs and writing their report: the library's, with the device as text.
pub mod evaluation {
    use std::path::Path;

    use deephash::DeviceSpec;
    use deephash::data::Dataset;
    use deephash::metrics::EvalConfig;

    pub use deephash::RunEval;
    pub use deephash::evaluation::report::{protocol_facts, write_report};
    pub use deephash::labels::labels_pair;

    /// [`deephash::evaluate_run`] on the device named `device` (cpu, cuda or cuda:N).
    pub fn evaluate_run(
        run: &Path,
        device: &str,
        config: &EvalConfig,
    ) -> anyhow::Result<(RunEval, Dataset)> {
        let device: DeviceSpec = device.parse()?;
        Ok(deephash::evaluate_run(run, &device, config)?)
    }
}

/// The codes a training run keeps for later evaluations: the library's.
pub mod final_codes {
    pub use deephash::evaluation::final_codes::save_final_codes;
}

/// `deephash train` as a child process of this binary: each run gets its own Ctrl-C
/// handling and exactly the train command's recipe and flags.
pub fn train_command() -> anyhow::Result<std::process::Command> {
    let exe = std::env::current_exe().context("cannot find the deephash binary")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("train");
    Ok(cmd)
}

/// Adds the flags every workflow run passes on, runs the `train_command` child and
/// turns its failure into an error naming the run.
pub fn run_train_child(
    mut cmd: std::process::Command,
    bits: usize,
    run: &Path,
    max_per_class: Option<usize>,
    quiet: bool,
) -> anyhow::Result<()> {
    if let Some(m) = max_per_class {
        cmd.args(["--max-per-class", &m.to_string()]);
    }
    if quiet {
        cmd.arg("--quiet");
    }
    eprintln!("training {bits}-bit codes into {}", run.display());
    let status = cmd.status().context("cannot start `deephash train`")?;
    if !status.success() {
        bail!(
            "training the {bits}-bit run in {} failed ({status})",
            run.display()
        );
    }
    Ok(())
}
