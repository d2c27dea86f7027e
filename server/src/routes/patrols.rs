//! Patrols' definitions (V-3), per estate: every staff member of the estate reads its
//! checkpoints and routes (a tablet caches them for rounds offline); the customer-service
//! supervisor, the project manager and those above define them, print the sheet of signed
//! codes and reissue it (which revokes every code printed before). Every change is checked by
//! `shared` (the error names the field, in English and Chinese) and audited.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};

use anju_shared::arrival::Refusal;
use anju_shared::patrol::{self, CheckpointInput, CodeSheet, PatrolPlan, PrintedCode, RouteInput};

use crate::AppState;
use crate::auth::Staff;
use crate::db::Estate;
use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, require_estate, require_role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/estates/{estate_id}/patrols", get(plan))
        .route(
            "/estates/{estate_id}/patrols/checkpoints/{checkpoint_id}",
            put(put_checkpoint).delete(retire_checkpoint),
        )
        .route(
            "/estates/{estate_id}/patrols/routes/{route_id}",
            put(put_route).delete(retire_route),
        )
        .route("/estates/{estate_id}/patrols/codes", get(codes))
        .route("/estates/{estate_id}/patrols/codes/reissue", post(reissue))
}

/// The estate, for staff of it; for a change, only for those who define patrols.
async fn estate_for(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    estate_id: &str,
    defining: bool,
) -> Result<Estate, ApiError> {
    require_estate(state, staff, ip, estate_id, "patrols").await?;
    require_role(
        state,
        staff,
        ip,
        !defining || patrol::may_define(staff.role),
        &format!("patrols {estate_id}"),
    )
    .await?;
    state
        .db
        .estates_by_ids(&[estate_id.to_string()])
        .await?
        .pop()
        .ok_or(ApiError::NotFound("estate"))
}

async fn plan_of(state: &AppState, estate: &Estate) -> Result<PatrolPlan, ApiError> {
    let threshold = estate
        .rules()
        .map(|(policy, _)| policy.patrols.threshold)
        .unwrap_or_else(|_| anju_shared::policy::PatrolRules::default().threshold);
    Ok(state.db.patrol_plan(&estate.id, threshold).await?)
}

fn id_field(field: &str, id: &str) -> Result<(), ApiError> {
    if patrol::is_definition_id(id) {
        Ok(())
    } else {
        Err(ApiError::from(Refusal::new(
            field,
            "1 to 40 letters, digits, - or _",
            "须为 1 至 40 个字母、数字、- 或 _",
        )))
    }
}

async fn plan(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<Json<PatrolPlan>, ApiError> {
    let estate = estate_for(&state, &staff, &ip, &estate_id, false).await?;
    Ok(Json(plan_of(&state, &estate).await?))
}

async fn put_checkpoint(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, checkpoint_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<PatrolPlan>, ApiError> {
    let estate = estate_for(&state, &staff, &ip, &estate_id, true).await?;
    id_field("checkpoint_id", &checkpoint_id)?;
    let input: CheckpointInput = parse_json(&body)?;
    let buildings = state.db.site(&estate.id).await?;
    input.check(|b| buildings.iter().any(|x| x.id == b))?;
    let before = state.db.patrol_counts(&estate.id).await?;
    if before.0 >= patrol::MAX_DEFINED as i64
        && state
            .db
            .patrol_plan(&estate.id, 0)
            .await?
            .checkpoint(&checkpoint_id)
            .is_none()
    {
        return Err(ApiError::from(Refusal::new(
            "checkpoint_id",
            "at most 500 checkpoints an estate",
            "每个小区最多 500 个巡查点",
        )));
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    // The estate's key is made with its first checkpoint, so reading the sheet writes nothing.
    state.db.patrol_key(&estate.id, now_ms).await?;
    state
        .db
        .put_checkpoint(&estate.id, &checkpoint_id, &input, now_ms)
        .await?;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "checkpoint_saved",
            &estate.id,
            &checkpoint_id,
        )
        .await?;
    Ok(Json(plan_of(&state, &estate).await?))
}

async fn retire_checkpoint(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, checkpoint_id)): Path<(String, String)>,
) -> Result<Json<PatrolPlan>, ApiError> {
    let estate = estate_for(&state, &staff, &ip, &estate_id, true).await?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    // Idempotent: retiring a retired checkpoint answers as the first time.
    if !state
        .db
        .retire_checkpoint(&estate.id, &checkpoint_id, now_ms)
        .await?
    {
        return Err(ApiError::NotFound("checkpoint"));
    }
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "checkpoint_retired",
            &estate.id,
            &checkpoint_id,
        )
        .await?;
    Ok(Json(plan_of(&state, &estate).await?))
}

async fn put_route(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, route_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<PatrolPlan>, ApiError> {
    let estate = estate_for(&state, &staff, &ip, &estate_id, true).await?;
    id_field("route_id", &route_id)?;
    let input: RouteInput = parse_json(&body)?;
    let current = plan_of(&state, &estate).await?;
    let crew = state.db.staff_of_estate(&estate.id).await?;
    input.check(
        |c| current.checkpoint(c).is_some(),
        |s| crew.iter().any(|x| x == s),
    )?;
    if current.routes.len() >= patrol::MAX_DEFINED
        && !current.routes.iter().any(|r| r.id == route_id)
    {
        return Err(ApiError::from(Refusal::new(
            "route_id",
            "at most 500 routes an estate",
            "每个小区最多 500 条路线",
        )));
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    state
        .db
        .put_route(&estate.id, &route_id, &input, now_ms)
        .await?;
    state
        .db
        .audit(&staff.id, &ip, "route_saved", &estate.id, &route_id)
        .await?;
    Ok(Json(plan_of(&state, &estate).await?))
}

async fn retire_route(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, route_id)): Path<(String, String)>,
) -> Result<Json<PatrolPlan>, ApiError> {
    let estate = estate_for(&state, &staff, &ip, &estate_id, true).await?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    if !state.db.retire_route(&estate.id, &route_id, now_ms).await? {
        return Err(ApiError::NotFound("route"));
    }
    state
        .db
        .audit(&staff.id, &ip, "route_retired", &estate.id, &route_id)
        .await?;
    Ok(Json(plan_of(&state, &estate).await?))
}

async fn sheet(
    state: &AppState,
    estate: &Estate,
    key: Option<&crate::patrols::CodeKey>,
) -> Result<CodeSheet, ApiError> {
    let plan = plan_of(state, estate).await?;
    let Some(key) = key else {
        return Ok(CodeSheet {
            estate_id: estate.id.clone(),
            estate_name: estate.name.clone(),
            generation: 0,
            codes: Vec::new(),
        });
    };
    Ok(CodeSheet {
        estate_id: estate.id.clone(),
        estate_name: estate.name.clone(),
        generation: key.generation,
        codes: plan
            .checkpoints
            .into_iter()
            .map(|c| {
                let token = key.code(&estate.id, &c.id);
                PrintedCode {
                    svg: crate::patrols::qr_svg(&token),
                    checkpoint_id: c.id,
                    name: c.name,
                    place: c.place,
                    token,
                }
            })
            .collect(),
    })
}

/// The print sheet: the codes themselves, so only for those who define patrols, and audited
/// as an export (empty until the estate has its first checkpoint).
async fn codes(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<Json<CodeSheet>, ApiError> {
    let estate = estate_for(&state, &staff, &ip, &estate_id, true).await?;
    let key = state.db.patrol_key_if_any(&estate.id).await?;
    let sheet = sheet(&state, &estate, key.as_ref()).await?;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "export",
            &estate.id,
            &format!("patrol codes, generation {}", sheet.generation),
        )
        .await?;
    Ok(Json(sheet))
}

/// A new generation: the sheet printed before stops working at once.
async fn reissue(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
) -> Result<(StatusCode, Json<CodeSheet>), ApiError> {
    let estate = estate_for(&state, &staff, &ip, &estate_id, true).await?;
    let key = state
        .db
        .reissue_patrol_codes(&estate.id, chrono::Utc::now().timestamp_millis())
        .await?;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "patrol_codes_reissued",
            &estate.id,
            &format!("generation {}", key.generation),
        )
        .await?;
    Ok((
        StatusCode::OK,
        Json(sheet(&state, &estate, Some(&key)).await?),
    ))
}
