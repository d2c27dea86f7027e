//! The public, login-free API behind the resident's report page `/r/{estate}`: the estate's site
//! plan for the form, and the report itself.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{FixedOffset, Utc};

use anju_shared::hlc::Hlc;
use anju_shared::order::{Event, EventBody, Reported};
use anju_shared::report::{self, FieldError, Problem, Receipt, ReportField, ReportInput};
use anju_shared::site::Site;
use anju_shared::subject::Subject;

use crate::AppState;
use crate::auth::{new_session_token, token_hash};
use crate::db::{Estate, NewOrder};
use crate::error::ApiError;
use crate::routes::parse_json;
use crate::security::{ClientIp, Limit, REPORT_WINDOW_MS, throttle};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public/estates/{slug}", get(site))
        .route("/public/estates/{slug}/reports", post(create_report))
        .route("/public/estates/{slug}/units/{unit_id}/rooms", get(rooms))
}

/// The room numbers of one unit, for the form to offer: what the building's mailboxes show,
/// nothing of who lives there.
#[derive(serde::Serialize)]
struct Rooms {
    rooms: Vec<String>,
}

async fn rooms(
    State(state): State<AppState>,
    Path((slug, unit_id)): Path<(String, String)>,
) -> Result<Json<Rooms>, ApiError> {
    let estate = estate(&state, &slug).await?;
    let rooms = state.db.rooms_of_unit(&estate.id, &unit_id).await?;
    if rooms.is_empty() {
        return Err(ApiError::NotFound("unit"));
    }
    Ok(Json(Rooms { rooms }))
}

async fn estate(state: &AppState, slug: &str) -> Result<Estate, ApiError> {
    state
        .db
        .estate_by_slug(slug)
        .await?
        .ok_or(ApiError::NotFound("estate"))
}

async fn site(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Site>, ApiError> {
    let estate = estate(&state, &slug).await?;
    let buildings = state.db.site(&estate.id).await?;
    Ok(Json(Site {
        id: estate.id,
        slug: estate.slug,
        name: estate.name,
        buildings,
    }))
}

/// The estate's offset, e.g. `+08:00`; falls back to China's, where every demo estate is.
pub fn estate_offset(estate: &Estate) -> FixedOffset {
    let fallback = FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset");
    chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{}", estate.utc_offset))
        .map(|t| *t.offset())
        .unwrap_or(fallback)
}

async fn create_report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    // The form needs no login: a per-address limit keeps one client from flooding the desk.
    let limit = Limit {
        max: state.config.report_limit,
        window_ms: REPORT_WINDOW_MS,
    };
    throttle(&state, &format!("report:ip:{ip}"), limit).await?;
    let estate = estate(&state, &slug).await?;
    let input: ReportInput = parse_json(&body)?;
    report::validate(&input).map_err(ApiError::Fields)?;
    let phone = report::normalize_phone(&input.phone).ok_or_else(|| {
        ApiError::Fields(vec![FieldError::new(
            ReportField::Phone,
            Problem::Malformed,
        )])
    })?;

    // The building and unit must be this estate's; the room, when given, that unit's.
    let site = state.db.site(&estate.id).await?;
    let building = site
        .iter()
        .find(|b| b.id == input.building)
        .ok_or_else(|| {
            ApiError::Fields(vec![FieldError::new(
                ReportField::Building,
                Problem::Unknown,
            )])
        })?;
    let unit = building
        .units
        .iter()
        .find(|u| u.id == input.unit)
        .ok_or_else(|| {
            ApiError::Fields(vec![FieldError::new(ReportField::Unit, Problem::Unknown)])
        })?;
    let room = input.room.trim();
    if !room.is_empty() && !state.db.room_exists(&unit.id, room).await? {
        return Err(ApiError::Fields(vec![FieldError::new(
            ReportField::Room,
            Problem::Unknown,
        )]));
    }

    // Photos must have been uploaded to this estate (the public photo endpoint cleaned them).
    for hash in &input.photos {
        let found = sqlx::query("SELECT 1 FROM photos WHERE hash = $1 AND estate_id = $2")
            .bind(hash.to_ascii_lowercase())
            .bind(estate.id.clone())
            .fetch_optional(&state.db.pool)
            .await?;
        if found.is_none() {
            return Err(ApiError::Fields(vec![FieldError::new(
                ReportField::Photos,
                Problem::Unknown,
            )]));
        }
    }

    let text = input.text.trim().to_string();
    // The same classifier the form ran in the browser, run again here so the stored suggestion
    // does not depend on what a client claims.
    let suggestion = anju_shared::classify::classify(&text);
    // The resident's yes to the safety question makes it urgent; the server's own reading
    // of the text is the rest of the answer, whatever the form decided.
    let urgent = report::urgent(&input, suggestion.urgent);
    let now = Utc::now().with_timezone(&estate_offset(&estate));
    let order_id = uuid::Uuid::now_v7().to_string();
    let location = format!("{}{}{}", building.name, unit.name, room);
    let place = suggestion
        .place
        .clone()
        .or_else(|| Some(format!("B{}", building.number)));
    let reported = Reported {
        text,
        channel: "web_form".into(),
        category: input.category,
        suggested: suggestion.category,
        urgent,
        topic: suggestion.topic.clone(),
        place,
        building_id: building.id.clone(),
        unit_id: unit.id.clone(),
        location,
        phone_masked: report::mask_phone(&phone),
    };
    let event = Event {
        id: uuid::Uuid::now_v7().to_string(),
        subject: Subject::order(order_id.clone()),
        // A resident's browser has no device identity: the form is a device used once.
        device_id: format!("form-{order_id}"),
        device_seq: 1,
        hlc: Hlc::new(u64::try_from(now.timestamp_millis()).unwrap_or(0), 0),
        actor: "resident".into(),
        at: now,
        body: EventBody::Reported(reported),
        seq: None,
    };
    // Each photo is an event of the order, as a caretaker's would be, right after the report.
    let mut events = vec![event];
    for (n, hash) in input.photos.iter().enumerate() {
        let n = n as u64 + 1;
        events.push(Event {
            id: uuid::Uuid::now_v7().to_string(),
            subject: Subject::order(order_id.clone()),
            device_id: format!("form-{order_id}"),
            device_seq: 1 + n,
            hlc: Hlc::new(u64::try_from(now.timestamp_millis()).unwrap_or(0), n as u32),
            actor: "resident".into(),
            at: now,
            body: EventBody::Photo {
                hash: hash.to_ascii_lowercase(),
            },
            seq: None,
        });
    }
    let tracking_token = new_session_token();
    let new_order = NewOrder {
        id: order_id.clone(),
        estate_id: estate.id.clone(),
        tracking_hash: token_hash(&tracking_token),
        reported_ms: now.timestamp_millis(),
        contact_name: input.name.trim().to_string(),
        contact_phone: phone,
        notice_version: input.notice_version.trim().to_string(),
    };
    let reference = state.db.insert_order(&new_order, &events).await?;
    tracing::info!(estate = %estate.slug, %reference, "report received");
    Ok((
        StatusCode::CREATED,
        Json(Receipt {
            order_id,
            reference,
            tracking_token,
            category: input.category.unwrap_or(suggestion.category),
            urgent,
        }),
    ))
}
