//! The monthly statistics report (月度客户信息统计分析表, 000 4.3.6): a scope's month with the
//! dashboard's own figures and what each estate wrote (`GET /api/reports/monthly`), the same
//! as a workbook (`GET /api/reports/monthly.xlsx`, every export audited), and an estate's
//! analysis and measures saved with its month (`PUT /api/estates/{id}/reports/{month}`, by
//! its project manager and above). `GET /api/reports` lists a scope's months with where each
//! report stands and when it is due; `GET /api/reports/weekly` (and `.xlsx`) is the weekly
//! complaint, order and rectification report of an ISO week, from the same figures.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use sqlx::Row;

use anju_shared::dashboard::{self, MonthlyReport, ReportChange, ReportNote, ReportStatus};
use anju_shared::reporting::{self, ReportList, Stored, WeeklyReport};

use crate::AppState;
use crate::auth::{DeskUser, Staff};
use crate::error::ApiError;
use crate::figures;
use crate::routes::kpi::parse_query;
use crate::security::{ClientIp, require_estate, require_role};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list))
        .route("/reports/monthly", get(monthly))
        .route("/reports/weekly", get(weekly))
        .route("/reports/weekly.xlsx", get(weekly_workbook))
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
                // Empty for a draft the clock opened and nobody saved.
                updated_by: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
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

/// The scope's own date at `now`: its first estate's offset, as the dashboard's periods.
fn scope_today(scope: &figures::Scope, now: chrono::DateTime<Utc>) -> chrono::NaiveDate {
    let offset = scope
        .estates
        .first()
        .and_then(|e| anju_shared::calendar::parse_offset(&e.utc_offset))
        .unwrap_or_else(anju_shared::calendar::china_offset);
    now.with_timezone(&offset).date_naive()
}

/// `GET /api/reports?scope=…&id=…&months=12`: the scope's reports of the last `months`
/// months that are over.
async fn list(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Json<ReportList>, ApiError> {
    let q = parse_query(&raw)?;
    let months = match raw.get("months").filter(|v| !v.is_empty()) {
        None => 12,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=reporting::MAX_MONTHS).contains(n))
            .ok_or_else(|| {
                bad(
                    "months",
                    format!("a whole number from 1 to {}", reporting::MAX_MONTHS),
                )
            })?,
    };
    let scope = figures::resolve(&state, &staff, &ip, q.scope, &q.id).await?;
    let today = scope_today(&scope, Utc::now());
    let months = reporting::recent_months(today, months);
    let oldest = months.last().cloned().unwrap_or_default();
    let mut stored = Vec::new();
    for e in &scope.estates {
        let rows = sqlx::query(
            "SELECT month, status, updated_ms FROM monthly_reports \
             WHERE estate_id = $1 AND month >= $2",
        )
        .bind(e.id.clone())
        .bind(oldest.clone())
        .fetch_all(&state.db.pool)
        .await?;
        for r in rows {
            let status: String = r.try_get(1)?;
            stored.push(Stored {
                estate_id: e.id.clone(),
                month: r.try_get(0)?,
                status: ReportStatus::parse(&status).unwrap_or(ReportStatus::Draft),
                updated_ms: r.try_get(2)?,
            });
        }
    }
    let estates: Vec<(String, String)> = scope
        .estates
        .iter()
        .map(|e| (e.id.clone(), e.name.clone()))
        .collect();
    Ok(Json(reporting::report_list(
        (scope.kind, scope.id.as_str(), scope.name.as_str()),
        &estates,
        &stored,
        &months,
        today,
    )))
}

/// The weekly report of the scope and ISO week (`week=2026-W10`) the query names.
async fn build_week(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    raw: &HashMap<String, String>,
) -> Result<WeeklyReport, ApiError> {
    let q = parse_query(raw)?;
    let week = raw
        .get("week")
        .filter(|w| !w.is_empty())
        .ok_or_else(|| bad("week", "needed, like 2026-W10"))?;
    let range = reporting::week_range(week).map_err(|e| bad(&e.field, e.message))?;
    let scope = figures::resolve(state, staff, ip, q.scope, &q.id).await?;
    let data = figures::load_week(&state.db, &scope, range.0, range.1).await?;
    Ok(reporting::weekly(
        (scope.kind, scope.id.as_str(), scope.name.as_str()),
        week,
        &data,
        range,
        Utc::now().fixed_offset(),
    ))
}

async fn weekly(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Json<WeeklyReport>, ApiError> {
    Ok(Json(build_week(&state, &staff, &ip, &raw).await?))
}

async fn weekly_workbook(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, ApiError> {
    let report = build_week(&state, &staff, &ip, &raw).await?;
    let bytes = crate::export::weekly_workbook(&report)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    let d = &report.dashboard;
    let scope = d.scope.as_str();
    crate::routes::audited_xlsx(
        &state,
        &staff.id,
        &ip,
        &format!("weekly report {scope} {} {}", d.id, report.week),
        &format!("weekly-{scope}-{}.xlsx", report.week),
        bytes,
    )
    .await
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
    let scope = d.scope.as_str();
    crate::routes::audited_xlsx(
        &state,
        &staff.id,
        &ip,
        &format!("monthly report {scope} {} {}", d.id, report.month),
        &format!("monthly-{scope}-{}.xlsx", report.month),
        bytes,
    )
    .await
}

async fn save(
    State(state): State<AppState>,
    DeskUser(staff): DeskUser,
    ClientIp(ip): ClientIp,
    Path((estate_id, month)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<ReportNote>, ApiError> {
    require_estate(&state, &staff, &ip, &estate_id, "estate").await?;
    require_role(
        &state,
        &staff,
        &ip,
        staff.role.sets_estate_rules(),
        &format!("report {estate_id} {month}"),
    )
    .await?;
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
