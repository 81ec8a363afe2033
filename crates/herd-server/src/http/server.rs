//! The server: one thread, a current-thread runtime, hyper's HTTP/1.1 with keep-alive, a
//! read timeout for request heads, a cap on request head size and on open connections.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

/// Longest wait for a request's head once a connection is open.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head (request line and headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most connections open at once; more are closed at once.
const MAX_CONNECTIONS: usize = 256;
/// How often the accept loop looks at the stop flag.
const POLL: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `stop` is set. Runs on the calling thread.
pub fn serve(listener: TcpListener, router: &Router, stop: &AtomicBool) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build();
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            crate::log::warn(&format!("HTTP listener: cannot start its runtime: {e}"));
            return;
        }
    };
    runtime.block_on(async {
        let listener = match listener
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpListener::from_std(listener))
        {
            Ok(l) => l,
            Err(e) => {
                crate::log::warn(&format!("HTTP listener: {e}"));
                return;
            }
        };
        let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let mut tick = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let Ok(permit) = open.clone().try_acquire_owned() else {
                        continue;
                    };
                    let service = TowerToHyperService::new(router.clone());
                    tokio::spawn(async move {
                        let _permit = permit;
                        let _ = http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(HEAD_TIMEOUT)
                            .max_buf_size(MAX_HEAD_BYTES)
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                _ = tick.tick() => {
                    if stop.load(Relaxed) {
                        break;
                    }
                }
            }
        }
    });
}
