//! `shop worker`: the shop's background job runner. Every half second it takes a batch of
//! "order e-mails" off a simulated queue and records `shop.worker.jobs` (count, by outcome),
//! `shop.worker.job_time` (histogram, ms) and `shop.worker.queue_depth` (gauge); the service
//! check `shop.worker.can_process` says it runs.

use std::time::{Duration, Instant};

use cadence::prelude::*;

use crate::metrics::{Check, Metrics};

/// Processes batches until SIGTERM or SIGINT, then sends what is buffered.
pub fn run() -> Result<(), String> {
    let metrics = Metrics::from_env()?;
    crate::runtime()?.block_on(async move {
        println!("shop worker: started");
        metrics.service_check("shop.worker.can_process", Check::Ok, "processing", &[]);
        metrics.spawn_flusher(Duration::from_millis(500));
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        let mut batch: u64 = 0;
        let stop = crate::stopping();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = tick.tick() => {}
            }
            batch += 1;
            // A queue that fills and drains in waves of 20 batches.
            let depth = (batch % 20) * 3;
            let c = &metrics.client;
            let _ = c.gauge("worker.queue_depth", depth);
            for job in 0..depth.min(5) {
                let started = Instant::now();
                tokio::time::sleep(Duration::from_millis(1 + job)).await;
                let outcome = if (batch + job) % 37 == 0 {
                    "retry"
                } else {
                    "sent"
                };
                c.count_with_tags("worker.jobs", 1)
                    .with_tag("outcome", outcome)
                    .send();
                let _ = c.histogram("worker.job_time", started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        metrics.service_check("shop.worker.can_process", Check::Warning, "stopping", &[]);
        metrics.flush();
        println!("shop worker: stopped after {batch} batches");
        Ok(())
    })
}
