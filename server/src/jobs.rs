//! The server's clock: a job that, once a minute, records on each estate's orders the steps of
//! the escalation ladder that have come due (D-6) and the complaints that became hotspots or
//! major (C-5), naming the staff each now concerns, as events in the same log that sync sends
//! to every tablet. What is due is decided by
//! `anju_shared::due` (pure); this module only reads, asks and writes. Once a month is over in
//! an estate's own time, the pass also opens that month's statistics report as a draft (000
//! 4.3.6), so the managers' list of reports shows it before anyone opened it.
//!
//! Safe with several instances on one database: an estate's pass runs in one transaction that
//! first locks the estate's row (as every push does), so a second instance waits and then
//! finds the steps already recorded. After downtime the first pass records every missed step
//! once, in order, each with the moment it became due.

use std::time::Duration;

use anju_shared::dashboard::ReportStatus;
use anju_shared::reporting;
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::db::Db;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub estates: usize,
    /// Escalation steps and complaint severity rises recorded.
    pub steps: usize,
    /// Last month's report drafts opened.
    pub reports: usize,
}

/// One pass over every estate at `now` (the caller's clock: tests inject theirs).
pub async fn pass(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Pass> {
    let mut done = Pass::default();
    for estate_id in db.estate_ids().await? {
        done.estates += 1;
        done.steps += db.record_escalations(&estate_id, now).await?;
    }
    done.reports = open_report_drafts(db, now).await?;
    Ok(done)
}

/// Opens, for every estate, the draft of the month that is over at `now` in the estate's own
/// offset (at 00:30 on the 1st in Beijing it is still the last day of the month in UTC);
/// the number of drafts opened.
pub async fn open_report_drafts(db: &Db, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let estates = sqlx::query("SELECT id, utc_offset FROM estates ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    let mut opened = 0;
    for r in &estates {
        let id: String = r.try_get(0)?;
        let offset: String = r.try_get(1)?;
        let offset = anju_shared::calendar::parse_offset(&offset)
            .unwrap_or_else(anju_shared::calendar::china_offset);
        let month = reporting::last_month(now.with_timezone(&offset).date_naive());
        let done = sqlx::query(
            "INSERT INTO monthly_reports (estate_id, month, analysis, measures, status, updated_by, updated_ms) \
             VALUES ($1, $2, '', '', $3, NULL, $4) ON CONFLICT (estate_id, month) DO NOTHING",
        )
        .bind(id)
        .bind(month)
        .bind(ReportStatus::Draft.as_str())
        .bind(now.timestamp_millis())
        .execute(&db.pool)
        .await?;
        opened += usize::try_from(done.rows_affected()).unwrap_or(0);
    }
    Ok(opened)
}

/// Runs [`pass`] every `every` on the server's clock until the process ends; a failed pass is
/// logged and the next one tries again (it catches up on whatever the failed one missed).
pub fn spawn(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    repeat(every, move || {
        let db = db.clone();
        async move {
            match pass(&db, Utc::now()).await {
                Ok(p) if p.steps > 0 || p.reports > 0 => {
                    tracing::info!(steps = p.steps, reports = p.reports, "the clock recorded");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "the clock's pass failed"),
            }
        }
    })
}

/// Runs `round` every `every` until the process ends, the server's background work (the
/// clock, the kept states' refresher): a round that overran is not followed by a burst of
/// missed ones, the next simply does what is due by then.
pub fn repeat<F, R>(every: Duration, mut round: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> R + Send + 'static,
    R: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            round().await;
        }
    })
}
