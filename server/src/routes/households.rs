//! One household as the manager's site map opens it: its residents with their names and
//! phone numbers masked (PIPL: the full number only through an audited reveal); and the
//! households a caller's number belongs to, for the desk registering a phone report (000 3.5),
//! shown masked the same way. Only for staff of the estate; not kept on devices.

pub use anju_shared::wire::{Caller, MaskedResident as Contact};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::Row;

use crate::AppState;
use crate::auth::Staff;
use crate::error::ApiError;
use crate::security::{ClientIp, require_estate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/estates/{estate_id}/households/{household_id}/contacts",
            get(contacts),
        )
        .route("/estates/{estate_id}/callers", post(callers))
}

#[derive(serde::Deserialize)]
struct CallerQuery {
    phone: String,
}

/// `POST /api/estates/{id}/callers` with `{"phone": …}`: the households of the estate where a
/// resident has exactly this number (the caller ID the desk sees). A POST so the full number
/// travels in the body, never in an address a proxy or access log keeps. Desk roles only; every search is
/// audited with the number masked, and the answer shows no full number.
async fn callers(
    State(state): State<AppState>,
    crate::auth::DeskUser(staff): crate::auth::DeskUser,
    ClientIp(ip): ClientIp,
    Path(estate_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Vec<Caller>>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "estate").await?;
    crate::security::throttle(
        &state,
        &format!("personal:staff:{}", staff.id),
        crate::security::PERSONAL_DATA_PER_STAFF,
    )
    .await?;
    let q: CallerQuery = crate::routes::parse_json(&body)?;
    let phone =
        anju_shared::report::normalize_phone(&q.phone).ok_or_else(|| ApiError::BadFieldZh {
            field: "phone".into(),
            message: "not a phone number".into(),
            message_zh: "电话:不是有效的电话号码".into(),
        })?;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "caller_lookup",
            &estate_id,
            &anju_shared::report::mask_phone(&phone),
        )
        .await?;
    let rows = sqlx::query(
        "SELECT h.id, b.id, u.id, h.room, b.name, u.number FROM residents r \
         JOIN households h ON h.id = r.household_id JOIN units u ON u.id = h.unit_id \
         JOIN buildings b ON b.id = u.building_id \
         WHERE b.estate_id = $1 AND r.phone = $2 ORDER BY b.id, u.id, h.room",
    )
    .bind(estate_id)
    .bind(phone)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out: Vec<Caller> = Vec::new();
    for r in rows {
        let household_id: String = r.try_get(0)?;
        if out.iter().any(|c| c.household_id == household_id) {
            continue;
        }
        let residents =
            sqlx::query("SELECT name, phone FROM residents WHERE household_id = $1 ORDER BY id")
                .bind(household_id.clone())
                .fetch_all(&state.db.pool)
                .await?
                .iter()
                .map(|p| {
                    Ok(Contact {
                        name: mask_name(&p.try_get::<String, _>(0)?),
                        phone_masked: anju_shared::report::mask_phone(&p.try_get::<String, _>(1)?),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let room: String = r.try_get(3)?;
        let (building, unit): (String, i64) = (r.try_get(4)?, r.try_get(5)?);
        out.push(Caller {
            household_id,
            building_id: r.try_get(1)?,
            unit_id: r.try_get(2)?,
            // As the report form writes it (`routes/public.rs`).
            location: format!("{building}{unit}单元{room}"),
            room,
            residents,
        });
    }
    Ok(Json(out))
}

/// The first character of a name, the rest starred.
fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

async fn contacts(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path((estate_id, household_id)): Path<(String, String)>,
) -> Result<Json<Vec<Contact>>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "estate").await?;
    if !state
        .db
        .household_in_estate(&household_id, &estate_id)
        .await?
    {
        return Err(ApiError::NotFound("household"));
    }
    let rows = sqlx::query("SELECT name, phone FROM residents WHERE household_id = $1 ORDER BY id")
        .bind(household_id)
        .fetch_all(&state.db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let name: String = r.try_get(0)?;
        let phone: String = r.try_get(1)?;
        out.push(Contact {
            name: mask_name(&name),
            phone_masked: anju_shared::report::mask_phone(&phone),
        });
    }
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_masked_after_the_first_character() {
        for (name, masked) in [
            ("王伟", "王*"),
            ("欧阳秀英", "欧***"),
            ("李", "李*"),
            ("", ""),
        ] {
            assert_eq!(super::mask_name(name), masked);
        }
    }
}
