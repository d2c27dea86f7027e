//! The monthly statistics report (月度客户信息统计分析表, 000 4.3.6): a scope's month with the
//! dashboard's own figures and what each estate wrote (`GET /api/reports/monthly`), the same
//! as a workbook (`GET /api/reports/monthly.xlsx`, every export audited), and an estate's
//! analysis and measures saved with its month (`PUT /api/estates/{id}/reports/{month}`, by
//! its project manager and above).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use sqlx::Row;

use anju_shared::dashboard::{self, MonthlyReport, ReportChange, ReportNote, ReportStatus};

use crate::AppState;
use crate::auth::{DeskUser, Staff};
use crate::error::ApiError;
use crate::figures;
use crate::routes::kpi::parse_query;
use crate::security::{ClientIp, refuse, require_estate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/monthly", get(monthly))
        .route("/reports/monthly.xlsx", get(workbook))
        .route("/estates/{estate_id}/reports/{month}", put(save))
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::BadField {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The report of the scope and month the query names.
pub async fn build(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    raw: &HashMap<String, String>,
) -> Result<MonthlyReport, ApiError> {
    let q = parse_query(raw)?;
    let month = raw
        .get("month")
        .ok_or_else(|| bad("month", "needed, like 2026-03"))?;
    let range = dashboard::month_range(month).map_err(|e| bad(&e.field, e.message))?;
    let scope = figures::resolve(state, staff, ip, q.scope, &q.id).await?;
    let data = figures::load(&state.db, &scope, range.0, range.1).await?;
    let board = dashboard::dashboard(
        scope.kind,
        &scope.id,
        &scope.name,
        &data,
        range,
        Utc::now().fixed_offset(),
    );
    let mut notes = Vec::new();
    for e in &scope.estates {
        let row = sqlx::query(
            "SELECT analysis, measures, status, updated_by, updated_ms FROM monthly_reports \
             WHERE estate_id = $1 AND month = $2",
        )
        .bind(e.id.clone())
        .bind(month.clone())
        .fetch_optional(&state.db.pool)
        .await?;
        if let Some(r) = row {
            let status: String = r.try_get(2)?;
            notes.push(ReportNote {
                estate_id: e.id.clone(),
                analysis: r.try_get(0)?,
                measures: r.try_get(1)?,
                status: ReportStatus::parse(&status).unwrap_or(ReportStatus::Draft),
                updated_by: r.try_get(3)?,
                updated_ms: r.try_get(4)?,
            });
        }
    }
    // The month's special reports, in each estate's own time, each with its order's timeline.
    let mut special_reports = Vec::new();
    for e in &scope.estates {
        let offset = anju_shared::calendar::parse_offset(&e.utc_offset)
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00"));
        let ms = |d: chrono::NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_local_timezone(offset)
                .single()
                .map_or(0, |t| t.timestamp_millis())
        };
        let list = state
            .db
            .special_reports_between(std::slice::from_ref(&e.id), ms(range.0), ms(range.1))
            .await?;
        for mut r in list {
            let events = state.db.order_events(&e.id, &r.order_id).await?;
            r.timeline = anju_shared::complaint::timeline(&r.order_id, &events);
            special_reports.push(r);
        }
    }
    Ok(MonthlyReport {
        month: month.clone(),
        due: dashboard::report_due(scope.kind, range.1 - Duration::days(1)),
        dashboard: board,
        notes,
        special_reports,
    })
}

async fn monthly(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Json<MonthlyReport>, ApiError> {
    Ok(Json(build(&state, &staff, &ip, &raw).await?))
}

async fn workbook(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, ApiError> {
    let report = build(&state, &staff, &ip, &raw).await?;
    let bytes = crate::export::monthly_workbook(&report)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    let d = &report.dashboard;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "export",
            &format!(
                "monthly report {} {} {}",
                d.scope.as_str(),
                d.id,
                report.month
            ),
            &format!("{} bytes", bytes.len()),
        )
        .await?;
    let name = format!("monthly-{}-{}.xlsx", d.scope.as_str(), report.month);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    ))
}

async fn save(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Path((estate_id, month)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<ReportNote>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "estate").await?;
    if !staff.role.sets_estate_rules() {
        return Err(refuse(
            &state,
            &staff.id,
            &ip,
            &format!("report {estate_id} {month}"),
        )
        .await);
    }
    dashboard::month_range(&month).map_err(|e| bad(&e.field, e.message))?;
    let change: ReportChange = crate::routes::parse_json(&body)?;
    change.check().map_err(|e| bad(&e.field, e.message))?;
    let now = Utc::now().timestamp_millis();
    sqlx::query(
        "INSERT INTO monthly_reports (estate_id, month, analysis, measures, status, updated_by, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (estate_id, month) DO UPDATE SET analysis = $3, measures = $4, status = $5, \
         updated_by = $6, updated_ms = $7",
    )
    .bind(estate_id.clone())
    .bind(month.clone())
    .bind(change.analysis.clone())
    .bind(change.measures.clone())
    .bind(change.status.as_str())
    .bind(staff.id.clone())
    .bind(now)
    .execute(&state.db.pool)
    .await?;
    state
        .db
        .audit(
            &staff.id,
            &ip,
            "report_saved",
            &format!("{estate_id} {month}"),
            change.status.as_str(),
        )
        .await?;
    Ok(Json(ReportNote {
        estate_id,
        analysis: change.analysis,
        measures: change.measures,
        status: change.status,
        updated_by: staff.id,
        updated_ms: now,
    }))
}
