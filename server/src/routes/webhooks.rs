//! The company administrator's webhooks (`/api/admin/webhooks`): register an HTTPS endpoint
//! for kinds of events (the secret shown once), change, enable or disable, rotate the secret,
//! delete; the delivery log with "send again". Everything is the admin's own company's: another
//! company's webhook or delivery is answered 404. Every change is audited (never the secret,
//! and of a URL only its host). Refusals name the field, in English and Chinese.

use anju_shared::wire::{
    CreatedWebhook, Delivery, NewWebhook, RotatedSecret, Webhook, WebhookChange,
};
use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use sqlx::Row;

use anju_shared::webhook::{HookKind, Payload};

use crate::AppState;
use crate::error::ApiError;
use crate::routes::admin::{AdminUser, bad, check_estates, unreadable};
use crate::routes::parse_json;
use crate::security::ClientIp;
use crate::webhooks::{self, MAX_WEBHOOKS, NAME_MAX, Reach};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(list).post(create))
        .route("/admin/webhooks/{webhook_id}", patch(update).delete(remove))
        .route("/admin/webhooks/{webhook_id}/secret", post(rotate))
        .route("/admin/webhooks/{webhook_id}/deliveries", get(deliveries))
        .route(
            "/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
            post(retry),
        )
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

async fn hooks_of(
    state: &AppState,
    company_id: &str,
    only: Option<&str>,
) -> Result<Vec<Webhook>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, name, url, kinds, estate_ids, enabled, created_ms FROM webhooks \
         WHERE company_id = $1 ORDER BY created_ms, id",
    )
    .bind(company_id.to_string())
    .fetch_all(&state.db.pool)
    .await?;
    let mut counts: HashMap<(String, String), i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT webhook_id, status, COUNT(*) FROM webhook_deliveries WHERE company_id = $1 \
         GROUP BY webhook_id, status",
    )
    .bind(company_id.to_string())
    .fetch_all(&state.db.pool)
    .await?
    {
        counts.insert((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?);
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get("id")?;
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let count = |status: &str| {
            counts
                .get(&(id.clone(), status.to_string()))
                .copied()
                .unwrap_or(0)
        };
        out.push(Webhook {
            pending: count("pending"),
            delivered: count("delivered"),
            failed: count("failed"),
            name: r.try_get("name")?,
            url: r.try_get("url")?,
            kinds: split(&r.try_get::<String, _>("kinds")?),
            estate_ids: split(&r.try_get::<String, _>("estate_ids")?),
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            created_ms: r.try_get("created_ms")?,
            id,
        });
    }
    Ok(out)
}

async fn list(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    Ok(Json(hooks_of(&state, &admin.company_id, None).await?))
}

/// The host the administrator reached this server by (a URL naming it is refused).
fn request_host(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.chars().count() > NAME_MAX {
        return Err(bad(
            "name",
            format!("at most {NAME_MAX} characters"),
            format!("最多 {NAME_MAX} 个字符"),
        ));
    }
    Ok(name.to_string())
}

/// The kinds, each known, at least one, without repeats.
fn check_kinds(kinds: &[String]) -> Result<Vec<HookKind>, ApiError> {
    if kinds.is_empty() {
        return Err(bad(
            "kinds",
            "choose at least one kind of event",
            "请至少选择一种事件",
        ));
    }
    if kinds.len() > HookKind::ALL.len() * 2 {
        return Err(bad("kinds", "too many", "太多"));
    }
    let mut out = Vec::new();
    for k in kinds {
        let kind = HookKind::parse(k.trim()).ok_or_else(|| {
            let shown = crate::security::capped(k, 40);
            bad(
                "kinds",
                format!("unknown kind of event: {shown}"),
                format!("未知的事件类型:{shown}"),
            )
        })?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    out.sort();
    Ok(out)
}

/// The URL as registration takes it: every check, DNS included.
async fn check_url(state: &AppState, raw: &str, headers: &HeaderMap) -> Result<String, ApiError> {
    let reach = Reach::of(&state.config);
    webhooks::check_url(raw, &reach, request_host(headers).as_deref())
        .await
        .map(|_| raw.trim().to_string())
        .map_err(|r| bad("url", r.en, r.zh))
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

fn kinds_text(kinds: &[HookKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

async fn create(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CreatedWebhook>, ApiError> {
    let input: NewWebhook = parse_json(&body).map_err(unreadable)?;
    // Everything is checked before anything is written: a bad field changes nothing.
    let name = check_name(&input.name)?;
    webhooks::parse_url(&input.url, &Reach::of(&state.config))
        .map_err(|r| bad("url", r.en, r.zh))?;
    let kinds = check_kinds(&input.kinds)?;
    let estate_ids = check_estates(&state, &admin.company_id, &input.estate_ids).await?;
    let url = check_url(&state, &input.url, &headers).await?;
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM webhooks WHERE company_id = $1")
        .bind(admin.company_id.clone())
        .fetch_one(&state.db.pool)
        .await?
        .try_get(0)?;
    if count >= MAX_WEBHOOKS {
        return Err(bad(
            "url",
            format!("at most {MAX_WEBHOOKS} webhooks per company; delete one first"),
            format!("每个公司最多 {MAX_WEBHOOKS} 个 webhook,请先删除一个"),
        ));
    }
    let id = format!("wh-{}", uuid::Uuid::now_v7().simple());
    let secret = webhooks::new_secret();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO webhooks (company_id, id, name, url, kinds, estate_ids, secret, enabled, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(admin.company_id.clone())
    .bind(id.clone())
    .bind(name)
    .bind(url.clone())
    .bind(kinds_text(&kinds))
    .bind(estate_ids.join(","))
    .bind(secret.clone())
    .bind(i64::from(input.enabled))
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    cursors_to_now(&mut tx, &admin.company_id, &id).await?;
    tx.commit().await?;
    state
        .db
        .audit(
            &admin.id,
            &ip,
            "webhook_created",
            &id,
            &format!("{} {}", host_of(&url), kinds_text(&kinds)),
        )
        .await?;
    let webhook = hooks_of(&state, &admin.company_id, Some(&id))
        .await?
        .pop()
        .ok_or(ApiError::NotFound("webhook"))?;
    Ok(Json(CreatedWebhook { webhook, secret }))
}

/// The webhook's stored (url, enabled) when it is the company's.
/// A webhook hears of what happens from now on (when made, and when switched back on): each
/// of the company's estates is read from its log's present end. The fan-out skips disabled
/// webhooks, so this is the one place that rule lives.
async fn cursors_to_now(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    company_id: &str,
    webhook_id: &str,
) -> Result<(), ApiError> {
    // `WHERE true`: SQLite's parser needs it between a SELECT and ON CONFLICT.
    sqlx::query(
        "INSERT INTO webhook_cursors (company_id, webhook_id, estate_id, seq) \
         SELECT company_id, $1, id, seq FROM estates WHERE company_id = $2 AND true \
         ON CONFLICT (company_id, webhook_id, estate_id) DO UPDATE SET seq = excluded.seq",
    )
    .bind(webhook_id.to_string())
    .bind(company_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn own_hook(
    state: &AppState,
    company_id: &str,
    webhook_id: &str,
) -> Result<(String, bool), ApiError> {
    let row = sqlx::query("SELECT url, enabled FROM webhooks WHERE company_id = $1 AND id = $2")
        .bind(company_id.to_string())
        .bind(webhook_id.to_string())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ApiError::NotFound("webhook"))?;
    Ok((row.try_get(0)?, row.try_get::<i64, _>(1)? != 0))
}

async fn update(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    Path(webhook_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Webhook>, ApiError> {
    let (_, was_enabled) = own_hook(&state, &admin.company_id, &webhook_id).await?;
    let change: WebhookChange = parse_json(&body).map_err(unreadable)?;
    let name = change.name.as_deref().map(check_name).transpose()?;
    if let Some(url) = &change.url {
        webhooks::parse_url(url, &Reach::of(&state.config)).map_err(|r| bad("url", r.en, r.zh))?;
    }
    let kinds = change.kinds.as_deref().map(check_kinds).transpose()?;
    let estate_ids = match &change.estate_ids {
        Some(ids) => Some(check_estates(&state, &admin.company_id, ids).await?),
        None => None,
    };
    let url = match &change.url {
        Some(url) => Some(check_url(&state, url, &headers).await?),
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let mut what = Vec::new();
    if let Some(name) = name {
        sqlx::query("UPDATE webhooks SET name = $1 WHERE company_id = $2 AND id = $3")
            .bind(name)
            .bind(admin.company_id.clone())
            .bind(webhook_id.clone())
            .execute(&mut *tx)
            .await?;
        what.push("name".to_string());
    }
    if let Some(url) = &url {
        sqlx::query("UPDATE webhooks SET url = $1 WHERE company_id = $2 AND id = $3")
            .bind(url.clone())
            .bind(admin.company_id.clone())
            .bind(webhook_id.clone())
            .execute(&mut *tx)
            .await?;
        what.push(format!("url={}", host_of(url)));
    }
    if let Some(kinds) = &kinds {
        sqlx::query("UPDATE webhooks SET kinds = $1 WHERE company_id = $2 AND id = $3")
            .bind(kinds_text(kinds))
            .bind(admin.company_id.clone())
            .bind(webhook_id.clone())
            .execute(&mut *tx)
            .await?;
        what.push(format!("kinds={}", kinds_text(kinds)));
    }
    if let Some(ids) = &estate_ids {
        sqlx::query("UPDATE webhooks SET estate_ids = $1 WHERE company_id = $2 AND id = $3")
            .bind(ids.join(","))
            .bind(admin.company_id.clone())
            .bind(webhook_id.clone())
            .execute(&mut *tx)
            .await?;
        what.push(format!("estates={}", ids.join(",")));
    }
    if let Some(enabled) = change.enabled {
        sqlx::query("UPDATE webhooks SET enabled = $1 WHERE company_id = $2 AND id = $3")
            .bind(i64::from(enabled))
            .bind(admin.company_id.clone())
            .bind(webhook_id.clone())
            .execute(&mut *tx)
            .await?;
        if enabled && !was_enabled {
            // Switched back on: it hears of what happens from now on, not of the time off.
            cursors_to_now(&mut tx, &admin.company_id, &webhook_id).await?;
        }
        what.push(format!("enabled={enabled}"));
    }
    tx.commit().await?;
    if !what.is_empty() {
        state
            .db
            .audit(
                &admin.id,
                &ip,
                "webhook_changed",
                &webhook_id,
                &what.join(" "),
            )
            .await?;
    }
    hooks_of(&state, &admin.company_id, Some(&webhook_id))
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound("webhook"))
}

async fn remove(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    Path(webhook_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (url, _) = own_hook(&state, &admin.company_id, &webhook_id).await?;
    let mut tx = state.db.begin().await?;
    for sql in [
        "DELETE FROM webhook_deliveries WHERE company_id = $1 AND webhook_id = $2",
        "DELETE FROM webhook_cursors WHERE company_id = $1 AND webhook_id = $2",
        "DELETE FROM webhooks WHERE company_id = $1 AND id = $2",
    ] {
        sqlx::query(sql)
            .bind(admin.company_id.clone())
            .bind(webhook_id.clone())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    state
        .db
        .audit(
            &admin.id,
            &ip,
            "webhook_deleted",
            &webhook_id,
            &host_of(&url),
        )
        .await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

/// A new secret, shown this once; the old one stops signing at once.
async fn rotate(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    Path(webhook_id): Path<String>,
) -> Result<Json<RotatedSecret>, ApiError> {
    own_hook(&state, &admin.company_id, &webhook_id).await?;
    let secret = webhooks::new_secret();
    sqlx::query("UPDATE webhooks SET secret = $1 WHERE company_id = $2 AND id = $3")
        .bind(secret.clone())
        .bind(admin.company_id.clone())
        .bind(webhook_id.clone())
        .execute(&state.db.pool)
        .await?;
    state
        .db
        .audit(&admin.id, &ip, "webhook_secret_rotated", &webhook_id, "")
        .await?;
    Ok(Json(RotatedSecret { secret }))
}

/// The webhook's newest 100 deliveries, newest first.
async fn deliveries(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(webhook_id): Path<String>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    own_hook(&state, &admin.company_id, &webhook_id).await?;
    let rows = sqlx::query(
        "SELECT id, kind, event_id, estate_id, body, status, attempts, created_ms, last_ms, last_status, \
         last_error, next_ms FROM webhook_deliveries WHERE company_id = $1 AND webhook_id = $2 \
         ORDER BY created_ms DESC, id DESC LIMIT 100",
    )
    .bind(admin.company_id.clone())
    .bind(webhook_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let body: String = r.try_get("body")?;
        let payload: Option<Payload> = serde_json::from_str(&body).ok();
        out.push(Delivery {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            event_id: r.try_get("event_id")?,
            estate_id: r.try_get("estate_id")?,
            order_id: payload
                .as_ref()
                .map(|p| p.order_id.clone())
                .unwrap_or_default(),
            estate_name: payload
                .as_ref()
                .map(|p| p.estate_name.clone())
                .unwrap_or_default(),
            reference: payload.map(|p| p.reference).unwrap_or_default(),
            status: r.try_get("status")?,
            attempts: r.try_get("attempts")?,
            created_ms: r.try_get("created_ms")?,
            last_ms: r.try_get("last_ms")?,
            last_status: r.try_get("last_status")?,
            last_error: r.try_get("last_error")?,
            next_ms: r.try_get("next_ms")?,
        });
    }
    Ok(Json(out))
}

/// "Send again": the delivery is due now, with a new day of retries.
async fn retry(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ClientIp(ip): ClientIp,
    Path((webhook_id, delivery_id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, enabled) = own_hook(&state, &admin.company_id, &webhook_id).await?;
    // A disabled webhook sends nothing: "sent again" would be a promise not kept.
    if !enabled {
        return Err(bad(
            "enabled",
            "enable the webhook first",
            "请先启用此 webhook",
        ));
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    // A new run of retries: its backoff starts again at a minute.
    let changed = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_ms = $1, since_ms = $2, attempts = 0 \
         WHERE company_id = $3 AND webhook_id = $4 AND id = $5",
    )
    .bind(now_ms)
    .bind(now_ms)
    .bind(admin.company_id.clone())
    .bind(webhook_id.clone())
    .bind(delivery_id.clone())
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(ApiError::NotFound("delivery"));
    }
    state
        .db
        .audit(
            &admin.id,
            &ip,
            "webhook_delivery_retried",
            &delivery_id,
            &webhook_id,
        )
        .await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}
