//! What the dashboard, its drill-down and trends, and the monthly report read from storage:
//! the scope a staff member asks for resolved to the estates they may see (the tenancy
//! check: a region or the company only when every one of its estates is theirs), and each
//! estate's orders of a period (with those still open, and for a week those reopened in it),
//! households and visits folded into
//! `anju_shared::dashboard::EstateData`. The figures themselves are computed by `shared`.

use anju_shared::dashboard::{EstateData, ScopeKind, start_of};
use chrono::NaiveDate;
use sqlx::Row;

use crate::AppState;
use crate::auth::Staff;
use crate::db::{Db, Estate};
use crate::error::ApiError;
use crate::security::refuse;

/// A scope resolved: its name and estates, each the caller may see.
#[derive(Debug, Clone)]
pub struct Scope {
    pub kind: ScopeKind,
    pub id: String,
    pub name: String,
    pub estates: Vec<Estate>,
}

/// The estates of `kind`/`id` for `staff`: an estate they may see; a region of their company
/// or the company itself when they may see every estate of it (an area manager their
/// region, the quality centre the company). Anything else is refused (403, audited) — an
/// area manager never gets another region's figures, a project manager only their estates.
pub async fn resolve(
    state: &AppState,
    staff: &Staff,
    ip: &str,
    kind: ScopeKind,
    id: &str,
) -> Result<Scope, ApiError> {
    let all = state.db.company_estates(&staff.company_id).await?;
    let (name, ids): (String, Vec<String>) = match kind {
        ScopeKind::Estate => {
            let Some((eid, name, _, _)) = all.iter().find(|(e, ..)| e == id) else {
                return Err(refuse(state, &staff.id, ip, &format!("kpi estate {id}")).await);
            };
            (name.clone(), vec![eid.clone()])
        }
        ScopeKind::Region => {
            let of: Vec<_> = all.iter().filter(|(_, _, r, _)| r == id).collect();
            let Some((_, _, _, region)) = of.first() else {
                return Err(refuse(state, &staff.id, ip, &format!("kpi region {id}")).await);
            };
            (region.clone(), of.iter().map(|(e, ..)| e.clone()).collect())
        }
        ScopeKind::Company => {
            let name: String = sqlx::query("SELECT name FROM companies WHERE id = $1")
                .bind(staff.company_id.clone())
                .fetch_one(&state.db.pool)
                .await?
                .try_get(0)?;
            (name, all.iter().map(|(e, ..)| e.clone()).collect())
        }
    };
    if ids.is_empty() || !ids.iter().all(|e| staff.may_see_estate(e)) {
        return Err(refuse(state, &staff.id, ip, &format!("kpi {} {id}", kind.as_str())).await);
    }
    let estates = state.db.estates_by_ids(&ids).await?;
    Ok(Scope {
        kind,
        id: id.to_string(),
        name,
        estates,
    })
}

impl Db {
    /// An estate's data for the figures of local dates `[from, to)`: the orders reported
    /// then, and those reported before `to` not yet completed (open work), with their
    /// reference numbers; every household and every visit.
    pub async fn estate_data(
        &self,
        estate: &Estate,
        from: NaiveDate,
        to: NaiveDate,
    ) -> anyhow::Result<EstateData> {
        self.estate_data_with(estate, from, to, false).await
    }

    /// [`Db::estate_data`], and with `reopened` also the orders called back from `from` on
    /// whenever reported (a failed callback reopens one) (the weekly report's rectification items). Their events'
    /// times are the devices' own, so the rows are picked by arrival: an event arrives at the
    /// earliest `MAX_AHEAD_MS` before its time, so everything timed from `from` on is among
    /// those that arrived from `from − MAX_AHEAD_MS` on; `shared` then keeps the exact ones.
    pub async fn estate_data_with(
        &self,
        estate: &Estate,
        from: NaiveDate,
        to: NaiveDate,
        reopened: bool,
    ) -> anyhow::Result<EstateData> {
        let (policy, calendar) = estate
            .rules()
            .map_err(|e| anyhow::anyhow!("estate {}: {e}", estate.id))?;
        let offset = calendar.utc_offset;
        let from_ms = start_of(from, offset).timestamp_millis();
        let to_ms = start_of(to, offset).timestamp_millis();
        let since = reopened.then(|| from_ms - anju_shared::arrival::MAX_AHEAD_MS);
        let (orders, references): (Vec<_>, Vec<_>) = self
            .period_orders(&estate.id, from_ms, to_ms, since)
            .await?
            .into_iter()
            .unzip();
        let visits = self.estate_visits(&estate.id).await?;
        let homes = self
            .households(&estate.id)
            .await?
            .into_iter()
            .map(|h| (h.id, h.important))
            .collect();
        Ok(EstateData {
            id: estate.id.clone(),
            name: estate.name.clone(),
            policy,
            calendar,
            orders,
            references,
            homes,
            visits,
        })
    }
}

/// Estates read at once by [`load`]: each on a task of its own, so reading and parsing a
/// company's month use every core (and the pool's connections: SQLite's pool has four).
const READ_AT_ONCE: usize = 4;

/// The data of every estate of a scope, in the scope's order.
pub async fn load(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<EstateData>, ApiError> {
    load_with(db, scope, from, to, false).await
}

/// [`load`] for a weekly report: with the orders reopened in the period.
pub async fn load_week(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<EstateData>, ApiError> {
    load_with(db, scope, from, to, true).await
}

async fn load_with(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    reopened: bool,
) -> Result<Vec<EstateData>, ApiError> {
    let mut out: Vec<Option<EstateData>> = scope.estates.iter().map(|_| None).collect();
    let mut reading = tokio::task::JoinSet::new();
    let mut queue = scope.estates.iter().cloned().enumerate();
    loop {
        while reading.len() < READ_AT_ONCE {
            let Some((i, estate)) = queue.next() else {
                break;
            };
            let db = db.clone();
            reading
                .spawn(async move { (i, db.estate_data_with(&estate, from, to, reopened).await) });
        }
        let Some(done) = reading.join_next().await else {
            break;
        };
        let (i, data) =
            done.map_err(|e| ApiError::Internal(anyhow::anyhow!("reading an estate: {e}")))?;
        out[i] = Some(data?);
    }
    Ok(out.into_iter().flatten().collect())
}
