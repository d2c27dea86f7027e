//! An estate's rules as its manager sets them: which company preset it follows, the numbers
//! it changes on that preset, and its working-day calendar (D-8). Every change is validated
//! by the shared rule engine before it is stored — the error names the field — and audited.

use anju_shared::wire::{EstateRules, RulesChange};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use anju_shared::calendar::Calendar;
use anju_shared::policy::Policy;

use crate::AppState;
use crate::auth::Staff;
use crate::db::Estate;
use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, refuse, require_estate};

pub fn router() -> Router<AppState> {
    Router::new().route("/estates/{estate_id}/rules", get(show).put(change))
}

async fn estate_for(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    estate_id: &str,
    writing: bool,
) -> Result<Estate, ApiError> {
    require_estate(state, staff, ip, estate_id, "estate rules").await?;
    if writing && !staff.role.sets_estate_rules() {
        return Err(refuse(state, &staff.id, ip, &format!("estate rules {estate_id}")).await);
    }
    state
        .db
        .estates_by_ids(&[estate_id.to_string()])
        .await?
        .pop()
        .ok_or(ApiError::NotFound("estate"))
}

fn answer(estate: Estate) -> Result<Json<EstateRules>, ApiError> {
    let (effective_policy, effective_calendar) = estate.rules().map_err(bad)?;
    let effective_policy = serde_json::to_value(&effective_policy)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("policy: {e}")))?;
    Ok(Json(EstateRules {
        preset: estate.policy,
        presets: Policy::preset_names().map(str::to_string).collect(),
        policy_override: estate.policy_override,
        calendar: estate.calendar,
        effective_policy,
        effective_calendar,
    }))
}

fn bad(e: anju_shared::FieldError) -> ApiError {
    ApiError::BadField {
        field: e.field,
        message: e.message,
    }
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<Json<EstateRules>, ApiError> {
    answer(estate_for(&state, &staff, &ip, &estate_id, false).await?)
}

async fn change(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
    body: Bytes,
) -> Result<Json<EstateRules>, ApiError> {
    let mut estate = estate_for(&state, &staff, &ip, &estate_id, true).await?;
    let change: RulesChange = parse_json(&body)?;
    estate.policy = change.preset;
    estate.policy_override = change
        .policy_override
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    // A key no rule has would be merged and change nothing: refused by name, so "saved"
    // always means a rule changed.
    if let Some(key) = anju_shared::policy::unknown_override_key(&estate.policy_override) {
        return Err(ApiError::BadField {
            field: format!("policy_override.{key}"),
            message: "unknown key: no rule of the preset has it".into(),
        });
    }
    estate.calendar = match change.calendar {
        None | Some(Value::Null) => None,
        Some(value) => Some(Calendar::from_value(&value).map_err(|e| bad(e.within("calendar")))?),
    };
    // Validated as the desk and the server will use it: nothing unusable is ever stored.
    estate.rules().map_err(bad)?;
    state.db.set_estate_rules(&estate).await?;
    let detail = serde_json::json!({
        "preset": estate.policy,
        "policy_override": estate.policy_override,
        "calendar": estate.calendar.is_some(),
    });
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "estate_rules_changed",
            &estate.id,
            &detail.to_string(),
        )
        .await?;
    answer(estate)
}
