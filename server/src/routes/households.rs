//! One household as the manager's site map opens it: its residents with their names and
//! phone numbers masked (PIPL: the full number only through an audited reveal). Only for
//! staff of the household's estate; not kept on devices.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use sqlx::Row;

use crate::AppState;
use crate::auth::Staff;
use crate::error::ApiError;
use crate::security::{ClientIp, require_estate};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/estates/{estate_id}/households/{household_id}/contacts",
        get(contacts),
    )
}

/// A resident, masked: `王*`, `138****5678`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Contact {
    pub name: String,
    pub phone_masked: String,
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
