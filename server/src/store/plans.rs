//! Visit rounds' storage (V-1, V-2): an estate's households with where they stand (building,
//! unit) and when a new resident moved in, its visits, its caretakers, and each month's visit
//! plan with its items, saved and approved in one transaction.

use anju_shared::coverage::{self, Visit};
use anju_shared::plan::{PlanItem, Reason};
use chrono::NaiveDate;
use sqlx::Row;

use crate::db::{Db, readable_event};

/// A household as a plan needs it, with its building.
#[derive(Debug, Clone)]
pub struct PlanHomeRow {
    pub id: String,
    pub building_id: String,
    pub unit_id: String,
    pub floor: i64,
    pub room: String,
    pub important: bool,
    pub moved_in: Option<NaiveDate>,
}

/// A month's plan as stored.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub approved: bool,
    pub approved_by: Option<String>,
    pub approved_ms: Option<i64>,
    pub items: Vec<PlanItem>,
}

fn day(text: Option<String>) -> Option<NaiveDate> {
    text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

impl Db {
    /// Every household of the estate in walking order, with its building and move-in day.
    pub async fn plan_homes(&self, estate_id: &str) -> sqlx::Result<Vec<PlanHomeRow>> {
        let rows = sqlx::query(
            "SELECT h.id, b.id AS building_id, h.unit_id, h.floor, h.room, h.important, h.moved_in \
             FROM households h JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id \
             WHERE b.estate_id = $1 ORDER BY b.number, u.number, h.floor, h.room",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let important: i64 = r.try_get("important")?;
                Ok(PlanHomeRow {
                    id: r.try_get("id")?,
                    building_id: r.try_get("building_id")?,
                    unit_id: r.try_get("unit_id")?,
                    floor: r.try_get("floor")?,
                    room: r.try_get("room")?,
                    important: important != 0,
                    moved_in: day(r.try_get("moved_in")?),
                })
            })
            .collect()
    }

    /// Every visit (and attempt) recorded in the estate, oldest first.
    pub async fn estate_visits(&self, estate_id: &str) -> sqlx::Result<Vec<Visit>> {
        let rows = sqlx::query(
            "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body \
             FROM events WHERE estate_id = $1 AND kind = 'visited' ORDER BY seq",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            events.extend(readable_event(r)?);
        }
        Ok(coverage::visits(&events))
    }

    /// The enabled caretakers given this estate (id, name), by name.
    pub async fn estate_caretakers(&self, estate_id: &str) -> sqlx::Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT s.id, s.display_name FROM staff s JOIN staff_estates se ON se.staff_id = s.id \
             WHERE se.estate_id = $1 AND s.role = 'caretaker' AND s.disabled = 0 \
             ORDER BY s.display_name, s.id",
        )
        .bind(estate_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A household's move-in day (`None` clears it). False when the household is not the
    /// estate's.
    pub async fn set_moved_in(
        &self,
        estate_id: &str,
        household_id: &str,
        moved_in: Option<NaiveDate>,
    ) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "UPDATE households SET moved_in = $1 WHERE id = $2 AND unit_id IN \
             (SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.estate_id = $3)",
        )
        .bind(moved_in.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(household_id.to_string())
        .bind(estate_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The month's stored plan, if a supervisor saved one.
    pub async fn visit_plan(
        &self,
        estate_id: &str,
        month: &str,
    ) -> sqlx::Result<Option<StoredPlan>> {
        let Some(head) = sqlx::query(
            "SELECT status, approved_by, approved_ms FROM visit_plans WHERE estate_id = $1 AND month = $2",
        )
        .bind(estate_id.to_string())
        .bind(month.to_string())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let status: String = head.try_get(0)?;
        let rows = sqlx::query(
            "SELECT household_id, caretaker_id, reason, due FROM visit_plan_items \
             WHERE estate_id = $1 AND month = $2 ORDER BY position",
        )
        .bind(estate_id.to_string())
        .bind(month.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let reason: String = r.try_get(2)?;
            items.push(PlanItem {
                household_id: r.try_get(0)?,
                caretaker_id: r.try_get(1)?,
                reason: Reason::parse(&reason).unwrap_or(Reason::Ordinary),
                due: day(r.try_get(3)?),
            });
        }
        Ok(Some(StoredPlan {
            approved: status == "approved",
            approved_by: head.try_get(1)?,
            approved_ms: head.try_get(2)?,
            items,
        }))
    }

    /// Saves the month's plan as `items` (a draft, or approved by `by`), replacing what was
    /// saved before, in one transaction.
    pub async fn save_visit_plan(
        &self,
        estate_id: &str,
        month: &str,
        items: &[PlanItem],
        by: &str,
        now_ms: i64,
        approve: bool,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        let (status, approved_by, approved_ms) = if approve {
            ("approved", Some(by.to_string()), Some(now_ms))
        } else {
            ("draft", None, None)
        };
        sqlx::query(
            "INSERT INTO visit_plans (estate_id, month, status, saved_by, saved_ms, approved_by, approved_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (estate_id, month) DO UPDATE SET status = $3, saved_by = $4, saved_ms = $5, \
             approved_by = $6, approved_ms = $7",
        )
        .bind(estate_id.to_string())
        .bind(month.to_string())
        .bind(status)
        .bind(by.to_string())
        .bind(now_ms)
        .bind(approved_by)
        .bind(approved_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM visit_plan_items WHERE estate_id = $1 AND month = $2")
            .bind(estate_id.to_string())
            .bind(month.to_string())
            .execute(&mut *tx)
            .await?;
        for (i, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO visit_plan_items (estate_id, month, household_id, caretaker_id, reason, due, position) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(estate_id.to_string())
            .bind(month.to_string())
            .bind(item.household_id.clone())
            .bind(item.caretaker_id.clone())
            .bind(item.reason.as_str())
            .bind(item.due.map(|d| d.format("%Y-%m-%d").to_string()))
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }
}
