use std::net::SocketAddr;
use std::sync::Arc;

use crate::{AppState, ServeError, bind, serve};

/// Serves `state` on `addr` until Ctrl-C, on a runtime of its own, so callers
/// need no async code. `on_ready` is called with the bound address (useful when
/// `addr` has port 0) before the first request is accepted.
pub fn run_blocking(
    addr: SocketAddr,
    state: Arc<AppState>,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Server)?;
    runtime.block_on(async move {
        let listener = bind(addr).await?;
        on_ready(listener.local_addr().map_err(ServeError::Server)?);
        let shutdown = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            tracing::info!("Ctrl-C: finishing the requests in progress");
        };
        serve(listener, state, shutdown).await
    })
}
