//! Major customer events' special reports (C-6 [000 4.3.4]):
//! `GET /api/estates/{id}/orders/{order}/special-report` gives the C-6 triggers the order meets
//! now (decided by `shared::complaint` from the estate's stored events), the saved report if
//! any, and the timeline drawn from the order's events — for the order screen and its A4 print
//! view (the desk's roles); `PUT` saves the report (supervisors) with the triggers met then —
//! the app offers it when `complaint::triggers` finds one, and a supervisor may still write one
//! for an event they judge major —, refused by name in zh and en when a part is missing,
//! changing nothing; every save audited.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde::Serialize;

use anju_shared::complaint::{self, SavedReport, SpecialReport, Step, Trigger};
use anju_shared::order::{fold, order_ids};

use crate::AppState;
use crate::auth::DeskUser;
use crate::error::ApiError;
use crate::security::{ClientIp, require_estate, require_role};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/estates/{estate_id}/orders/{order_id}/special-report",
        get(show).put(save),
    )
}

/// What the order screen and the print view read.
#[derive(Serialize)]
struct View {
    reference: String,
    /// The C-6 triggers the order meets now; empty: no special report is needed.
    triggers: Vec<Trigger>,
    saved: Option<SavedReport>,
    timeline: Vec<Step>,
}

/// The order's triggers and timeline from the estate's stored events: the grade of a
/// complaint counts the estate's other complaints (the same issue), so they are folded too.
async fn facts_of(
    state: &AppState,
    estate_id: &str,
    order_id: &str,
) -> Result<(Vec<Trigger>, Vec<Step>), ApiError> {
    let own = state.db.order_events(estate_id, order_id).await?;
    let folded = fold(order_id, &own).ok_or(ApiError::NotFound("order"))?;
    let estate = state
        .db
        .estates_by_ids(&[estate_id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound("estate"))?;
    let (policy, _) = estate
        .rules()
        .map_err(|e| anyhow::anyhow!("estate {estate_id}: stored rules do not load: {e}"))?;
    let events = state.db.rule_events(estate_id).await?;
    let mut facts = vec![folded.facts()];
    facts.extend(
        order_ids(&events)
            .iter()
            .filter(|id| id.as_str() != order_id)
            .filter_map(|id| fold(id, &events))
            .map(|s| s.facts()),
    );
    let grade = complaint::grades(&policy, &facts, Utc::now().fixed_offset()).swap_remove(0);
    let triggers = complaint::triggers(&policy, &folded, grade.as_ref());
    Ok((triggers, complaint::timeline(order_id, &own)))
}

async fn reference(state: &AppState, estate_id: &str, order_id: &str) -> Result<String, ApiError> {
    use sqlx::Row;
    let row = sqlx::query("SELECT reference FROM orders WHERE id = $1 AND estate_id = $2")
        .bind(order_id.to_string())
        .bind(estate_id.to_string())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(row.try_get(0)?)
}

async fn show(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Path((estate_id, order_id)): Path<(String, String)>,
) -> Result<Json<View>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "special report").await?;
    let reference = reference(&state, &estate_id, &order_id).await?;
    let (triggers, timeline) = facts_of(&state, &estate_id, &order_id).await?;
    Ok(Json(View {
        reference,
        triggers,
        saved: state.db.special_report(&estate_id, &order_id).await?,
        timeline,
    }))
}

async fn save(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Path((estate_id, order_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<View>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "special report").await?;
    require_role(
        &state,
        &staff,
        &ip,
        staff.role.is_supervisor(),
        &format!("special report {order_id}"),
    )
    .await?;
    let reference = reference(&state, &estate_id, &order_id).await?;
    let report: SpecialReport = crate::routes::parse_json(&body)?;
    report.check()?;
    let (triggers, timeline) = facts_of(&state, &estate_id, &order_id).await?;
    state
        .db
        .save_special_report(
            &estate_id,
            &order_id,
            &triggers,
            &report,
            &staff.id,
            Utc::now().timestamp_millis(),
        )
        .await?;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "special_report_saved",
            &order_id,
            &reference,
        )
        .await?;
    Ok(Json(View {
        reference,
        triggers,
        saved: state.db.special_report(&estate_id, &order_id).await?,
        timeline,
    }))
}
