//! Household visit plans (V-1, V-2): a month's plan of an estate (`GET
//! /api/estates/{id}/visit-plans/{month}`: the saved one, or the proposal `shared::plan`
//! makes from the estate's households, visits and caretakers), saved as a draft (`PUT`) or
//! approved (`POST …/approve`) by a supervisor, each caretaker seeing only their part of an
//! approved plan; and a household's move-in day, entered by the desk (`PUT
//! /api/estates/{id}/households/{household}/moved-in`), which makes the household a new
//! resident to visit within the policy's days.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};

use anju_shared::model::Role;
use anju_shared::plan::{self, PlanEdit, PlanHome, PlanStatus, VisitPlan};

use crate::AppState;
use crate::auth::Staff;
use crate::db::Estate;
use crate::error::ApiError;
use crate::security::{ClientIp, refuse, require_estate, require_role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/estates/{estate_id}/visit-plans/{month}",
            get(read).put(save),
        )
        .route(
            "/estates/{estate_id}/visit-plans/{month}/approve",
            post(approve),
        )
        .route(
            "/estates/{estate_id}/households/{household_id}/moved-in",
            put(moved_in),
        )
}

async fn estate(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    estate_id: &str,
) -> Result<Estate, ApiError> {
    require_estate(state, staff, ip, estate_id, "estate").await?;
    state
        .db
        .estates_by_ids(&[estate_id.to_string()])
        .await?
        .pop()
        .ok_or(ApiError::NotFound("estate"))
}

/// The estate's date now.
fn today(estate: &Estate) -> Result<NaiveDate, ApiError> {
    let (_, calendar) = estate
        .rules()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("estate {}: {e}", estate.id)))?;
    Ok(Utc::now().with_timezone(&calendar.utc_offset).date_naive())
}

/// The plan as `staff` may see it: every item for the desk and supervisors, only their own
/// of an approved plan for a caretaker; the proposal when nothing was saved.
async fn plan_for(
    state: &AppState,
    staff: &Staff,
    estate: &Estate,
    month: &str,
) -> Result<VisitPlan, ApiError> {
    let first = plan::parse_month(month)?;
    let today = today(estate)?;
    let stored = state.db.visit_plan(&estate.id, month).await?;
    let caretakers = state.db.estate_caretakers(&estate.id).await?;
    let (status, approved_by, approved_at, mut items) = match stored {
        Some(p) => (
            if p.approved {
                PlanStatus::Approved
            } else {
                PlanStatus::Draft
            },
            p.approved_by,
            p.approved_ms
                .and_then(DateTime::from_timestamp_millis)
                .map(|t| t.to_rfc3339()),
            p.items,
        ),
        None => {
            let (policy, _) = estate
                .rules()
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("estate {}: {e}", estate.id)))?;
            let rows = state.db.plan_homes(&estate.id).await?;
            let homes: Vec<PlanHome<'_>> = rows
                .iter()
                .map(|h| PlanHome {
                    id: &h.id,
                    building: &h.building_id,
                    unit: &h.unit_id,
                    floor: h.floor,
                    room: &h.room,
                    important: h.important,
                    moved_in: h.moved_in,
                })
                .collect();
            let visits = state.db.estate_visits(&estate.id).await?;
            let ids: Vec<&str> = caretakers.iter().map(|(id, _)| id.as_str()).collect();
            let items = plan::propose(&policy.visits, &homes, &visits, &ids, first);
            (PlanStatus::Proposed, None, None, items)
        }
    };
    let approved = status == PlanStatus::Approved;
    if staff.role == Role::Caretaker {
        if approved {
            items.retain(|i| i.caretaker_id == staff.id);
        } else {
            items.clear();
        }
    }
    Ok(VisitPlan {
        month: month.to_string(),
        status,
        deadline: plan::deadline(first),
        late: plan::late(first, approved, today),
        approved_by,
        approved_at,
        items,
        caretakers,
    })
}

async fn read(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, month)): Path<(String, String)>,
) -> Result<Json<VisitPlan>, ApiError> {
    let estate = estate(&state, &staff, &ip, &estate_id).await?;
    if staff.role == Role::Technician {
        return Err(refuse(&state, &staff.id, &ip, &format!("visit plan {estate_id}")).await);
    }
    Ok(Json(plan_for(&state, &staff, &estate, &month).await?))
}

/// Checks and stores a supervisor's plan (`approve`: and approves it).
async fn store(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    estate_id: &str,
    month: &str,
    body: &[u8],
    approve: bool,
) -> Result<VisitPlan, ApiError> {
    let estate = estate(state, staff, ip, estate_id).await?;
    require_role(
        state,
        staff,
        ip,
        plan::may_plan(staff.role),
        &format!("visit plan {estate_id}"),
    )
    .await?;
    plan::parse_month(month)?;
    let edit: PlanEdit = crate::routes::parse_json(body)?;
    let homes = state.db.plan_homes(&estate.id).await?;
    let caretakers = state.db.estate_caretakers(&estate.id).await?;
    let home_ids: HashSet<&str> = homes.iter().map(|h| h.id.as_str()).collect();
    let carer_ids: HashSet<&str> = caretakers.iter().map(|(id, _)| id.as_str()).collect();
    plan::check(&edit, &home_ids, &carer_ids)?;
    // Why a household is planned and a new resident's deadline are the estate's facts, not
    // the client's: settled from the household whatever the body said.
    let (policy, _) = estate
        .rules()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("estate {}: {e}", estate.id)))?;
    let mut edit = edit;
    for item in &mut edit.items {
        if let Some(h) = homes.iter().find(|h| h.id == item.household_id) {
            plan::settle(&policy.visits, item, h.important, h.moved_in);
        }
    }
    let now = Utc::now().timestamp_millis();
    state
        .db
        .save_visit_plan(&estate.id, month, &edit.items, &staff.id, now, approve)
        .await?;
    let action = if approve {
        "visit_plan_approved"
    } else {
        "visit_plan_saved"
    };
    state
        .db
        .audit(
            &staff.id,
            ip,
            action,
            &format!("{estate_id} {month}"),
            &format!("{} households", edit.items.len()),
        )
        .await?;
    plan_for(state, staff, &estate, month).await
}

async fn save(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, month)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<VisitPlan>, ApiError> {
    Ok(Json(
        store(&state, &staff, &ip, &estate_id, &month, &body, false).await?,
    ))
}

async fn approve(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, month)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<VisitPlan>, ApiError> {
    Ok(Json(
        store(&state, &staff, &ip, &estate_id, &month, &body, true).await?,
    ))
}

/// `{"moved_in": "2026-12-02"}` or `{"moved_in": null}`.
#[derive(serde::Deserialize)]
struct MovedIn {
    moved_in: Option<String>,
}

async fn moved_in(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, household_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let estate = estate(&state, &staff, &ip, &estate_id).await?;
    require_role(
        &state,
        &staff,
        &ip,
        staff.role.may_use_desk(),
        &format!("household {household_id}"),
    )
    .await?;
    let body: MovedIn = crate::routes::parse_json(&body)?;
    let day = match body.moved_in.as_deref() {
        None => None,
        Some(text) => Some(plan::parse_moved_in(text, today(&estate)?)?),
    };
    if !state
        .db
        .set_moved_in(&estate.id, &household_id, day)
        .await?
    {
        return Err(ApiError::NotFound("household"));
    }
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "household_moved_in",
            &household_id,
            &body.moved_in.unwrap_or_default(),
        )
        .await?;
    Ok(Json(serde_json::json!({
        "household_id": household_id,
        "moved_in": day.map(|d| d.format("%Y-%m-%d").to_string()),
    })))
}
