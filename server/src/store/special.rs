//! Major customer events' special reports (C-6): one per order, saved whole (checked by
//! `complaint::SpecialReport::check` before), read for the order screen and its print view,
//! and listed for a month's report and workbook.

use anju_shared::complaint::{SavedReport, SpecialReport, Trigger};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;

fn saved(r: &AnyRow) -> sqlx::Result<SavedReport> {
    let triggers: String = r.try_get("triggers")?;
    // Written by `save_special_report` from the shared list; an id it does not know (never
    // expected) is left out rather than failing the page.
    let triggers = serde_json::from_str::<Vec<String>>(&triggers)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| Trigger::parse(t))
        .collect();
    Ok(SavedReport {
        estate_id: r.try_get("estate_id")?,
        order_id: r.try_get("order_id")?,
        reference: r.try_get("reference")?,
        triggers,
        report: SpecialReport {
            description: r.try_get("description")?,
            cause: r.try_get("cause")?,
            responsibility: r.try_get("responsibility")?,
            corrective: r.try_get("corrective")?,
            preventive: r.try_get("preventive")?,
            people: r.try_get("people")?,
        },
        saved_by: r.try_get("saved_by")?,
        saved_ms: r.try_get("saved_ms")?,
        timeline: Vec::new(),
    })
}

impl Db {
    /// The order's special report, if one was saved.
    pub async fn special_report(
        &self,
        estate_id: &str,
        order_id: &str,
    ) -> sqlx::Result<Option<SavedReport>> {
        let row = sqlx::query(
            "SELECT s.estate_id, s.order_id, o.reference, s.description, s.cause, s.responsibility, \
             s.corrective, s.preventive, s.people, s.triggers, s.saved_by, s.saved_ms \
             FROM special_reports s JOIN orders o ON o.id = s.order_id \
             WHERE s.estate_id = $1 AND s.order_id = $2",
        )
        .bind(estate_id.to_string())
        .bind(order_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(saved).transpose()
    }

    /// Saves (or replaces) the order's special report.
    pub async fn save_special_report(
        &self,
        estate_id: &str,
        order_id: &str,
        triggers: &[Trigger],
        report: &SpecialReport,
        by: &str,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let ids: Vec<&str> = triggers.iter().map(Trigger::as_str).collect();
        let triggers = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO special_reports (estate_id, order_id, description, cause, responsibility, \
             corrective, preventive, people, triggers, saved_by, saved_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (estate_id, order_id) DO UPDATE SET description = $3, cause = $4, \
             responsibility = $5, corrective = $6, preventive = $7, people = $8, triggers = $9, \
             saved_by = $10, saved_ms = $11",
        )
        .bind(estate_id.to_string())
        .bind(order_id.to_string())
        .bind(report.description.trim().to_string())
        .bind(report.cause.trim().to_string())
        .bind(report.responsibility.trim().to_string())
        .bind(report.corrective.trim().to_string())
        .bind(report.preventive.trim().to_string())
        .bind(report.people.trim().to_string())
        .bind(triggers)
        .bind(by.to_string())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The estates' special reports saved in `[from_ms, to_ms)`, oldest first: a month's.
    pub async fn special_reports_between(
        &self,
        estate_ids: &[String],
        from_ms: i64,
        to_ms: i64,
    ) -> sqlx::Result<Vec<SavedReport>> {
        let mut out = Vec::new();
        for estate_id in estate_ids {
            let rows = sqlx::query(
                "SELECT s.estate_id, s.order_id, o.reference, s.description, s.cause, s.responsibility, \
             s.corrective, s.preventive, s.people, s.triggers, s.saved_by, s.saved_ms \
                 FROM special_reports s JOIN orders o ON o.id = s.order_id \
                 WHERE s.estate_id = $1 AND s.saved_ms >= $2 AND s.saved_ms < $3 \
                 ORDER BY s.saved_ms, s.order_id",
            )
            .bind(estate_id.clone())
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push(saved(r)?);
            }
        }
        out.sort_by_key(|s| s.saved_ms);
        Ok(out)
    }
}
