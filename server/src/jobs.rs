//! The server's clock: a job that, once a minute, records on each estate's orders the steps of
//! the escalation ladder that have come due (D-6) and the complaints that became hotspots or
//! major (C-5), naming the staff each now concerns, as events in the same log that sync sends
//! to every tablet. What is due is decided by
//! `anju_shared::due` (pure); this module only reads, asks and writes.
//!
//! Safe with several instances on one database: an estate's pass runs in one transaction that
//! first locks the estate's row (as every push does), so a second instance waits and then
//! finds the steps already recorded. After downtime the first pass records every missed step
//! once, in order, each with the moment it became due.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::Db;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub estates: usize,
    /// Escalation steps and complaint severity rises recorded.
    pub steps: usize,
}

/// One pass over every estate at `now` (the caller's clock: tests inject theirs).
pub async fn pass(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Pass> {
    let mut done = Pass::default();
    for estate_id in db.estate_ids().await? {
        done.estates += 1;
        done.steps += db.record_escalations(&estate_id, now).await?;
    }
    Ok(done)
}

/// Runs [`pass`] every `every` on the server's clock until the process ends; a failed pass is
/// logged and the next one tries again (it catches up on whatever the failed one missed).
pub fn spawn(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match pass(&db, Utc::now()).await {
                Ok(p) if p.steps > 0 => tracing::info!(steps = p.steps, "escalations recorded"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "the clock's pass failed"),
            }
        }
    })
}
