//! A resident's personal data for their PIPL requests, for the company's admins: everything
//! held about one phone number (the household register, the orders they reported and the
//! photos they attached), and its erasure, which reaches the tablets at their next sync. Every
//! export and erasure is written to the audit log.

use anju_shared::wire::{Erased, ExportedOrder, ExportedResident, PhoneRequest, ResidentExport};
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use sqlx::Row;

use anju_shared::report::normalize_phone;

use crate::AppState;
use crate::error::ApiError;
use crate::routes::admin::AdminUser;
use crate::routes::parse_json;
use crate::security::ClientIp;

pub fn router() -> Router<AppState> {
    Router::new()
        // The number goes in the body: an address is kept by proxies and browsers.
        .route("/admin/residents/export", post(export))
        .route("/admin/residents/erase", post(erase))
}

/// The resident's phone as a request gives it, normalised; refused by name otherwise.
fn phone_field(raw: &str) -> Result<String, ApiError> {
    normalize_phone(raw).ok_or_else(|| ApiError::BadField {
        field: "phone".into(),
        message: "not a mainland mobile number".into(),
    })
}

async fn export(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> Result<Json<ResidentExport>, ApiError> {
    let request: PhoneRequest = parse_json(&body)?;
    let phone = phone_field(&request.phone)?;
    // Only the admin's own company's estates.
    let residents = sqlx::query(
        "SELECT r.name, r.phone, r.household_id FROM residents r JOIN households h ON h.id = r.household_id \
         JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id \
         JOIN estates e ON e.id = b.estate_id WHERE r.phone = $1 AND e.company_id = $2",
    )
    .bind(phone.clone())
    .bind(admin.company_id.clone())
    .fetch_all(&state.db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(ExportedResident {
            name: r.try_get("name")?,
            phone: r.try_get("phone")?,
            household_id: r.try_get("household_id")?,
        })
    })
    .collect::<sqlx::Result<Vec<_>>>()?;
    let rows = sqlx::query(
        "SELECT o.id, o.estate_id, o.reference, o.contact_name, o.contact_phone, o.notice_version \
         FROM orders o JOIN estates e ON e.id = o.estate_id \
         WHERE o.contact_phone = $1 AND e.company_id = $2 ORDER BY o.reported_ms",
    )
    .bind(phone.clone())
    .bind(admin.company_id.clone())
    .fetch_all(&state.db.pool)
    .await?;
    let mut orders = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get("id")?;
        let estate_id: String = r.try_get("estate_id")?;
        orders.push(ExportedOrder {
            events: state.db.order_events(&estate_id, &id).await?,
            photos: state
                .db
                .photos_attached_by_resident(&estate_id, &id)
                .await?,
            id,
            estate_id,
            reference: r.try_get("reference")?,
            contact_name: r.try_get("contact_name")?,
            contact_phone: r.try_get("contact_phone")?,
            notice_version: r.try_get("notice_version")?,
        });
    }
    state
        .db
        .audit(
            &admin.id,
            &ip,
            "export",
            &anju_shared::report::mask_phone(&phone),
            &format!("{} orders", orders.len()),
        )
        .await?;
    Ok(Json(ResidentExport {
        phone,
        residents,
        orders,
    }))
}

async fn erase(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> Result<Json<Erased>, ApiError> {
    let request: PhoneRequest = parse_json(&body)?;
    let phone = phone_field(&request.phone)?;
    let now = chrono::Utc::now().fixed_offset();
    let erasure = state
        .db
        .erase_resident(&admin.company_id, &phone, &admin.id, now)
        .await?;
    state
        .db
        .audit(
            &admin.id,
            &ip,
            "erase",
            &anju_shared::report::mask_phone(&phone),
            &if erasure.households.is_empty() {
                format!("{} orders, {} photos", erasure.orders.len(), erasure.photos)
            } else {
                format!(
                    "{} orders, {} photos, {} households",
                    erasure.orders.len(),
                    erasure.photos,
                    erasure.households.len()
                )
            },
        )
        .await?;
    Ok(Json(Erased {
        orders: erasure.orders,
        households: erasure.households,
        photos: erasure.photos,
    }))
}
