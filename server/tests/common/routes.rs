//! Every route of the API in one table — who may call it, how to aim it at an estate and its
//! objects — read by the tenancy matrix, the "no GET changes state" test and the SQL-injection
//! test; a scan of `src/routes/*.rs` makes sure no registered route is missing from it.

use std::collections::{BTreeMap, BTreeSet};

use anju_server::auth::Role;
use anju_server::db::Backend;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use sqlx::{Column, Row};

use super::{CSRF, TestApp};

/// Who may reach a route, as far as tenancy goes.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// No login. The reason it is safe is part of the table, so that adding a public route
    /// means writing one down.
    Public(&'static str),
    /// Any logged-in staff member; nothing in the request names an estate, a company or an
    /// object of one: the answer is about the caller's own (their estates, their company).
    Caller,
    /// The request names an estate or an object of one (in its path, query or body); the
    /// server must check it against the caller's estates or company.
    Scoped,
}

/// What a request sends besides its path and query.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    None,
    /// JSON with placeholders (see [`Target::value`]), filled in before it is parsed.
    Json(&'static str),
    /// A small PNG, as a photo upload.
    Photo,
}

/// What the matrix expects of a request aimed at another company's estate.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// 403 or 404: refused, or answered as if the thing did not exist.
    Refused,
    /// Refused like `Refused`, or 400 naming this field (an id in the body the caller may not
    /// use is "unknown").
    Unknown(&'static str),
    /// Any answer below 500, 2xx included: the request is about the caller's own company
    /// (a list of their staff, a search by phone), so it may succeed — with nothing of the
    /// other company in it.
    Answered,
    /// A sync push through the caller's own estate: answered 200, every pushed event refused.
    PushRefused,
}

/// One request of a route: its query, body and what the matrix expects.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub query: &'static str,
    pub body: Body,
    pub expect: Expect,
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// As registered, under `/api`.
    pub path: &'static str,
    pub access: Access,
    /// Who may call it about their own estate or company (an anonymous client: only public
    /// routes).
    pub may: fn(Role) -> bool,
    pub probes: &'static [Probe],
}

const fn probe(query: &'static str, body: Body, expect: Expect) -> Probe {
    Probe {
        query,
        body,
        expect,
    }
}

fn anyone(_: Role) -> bool {
    true
}
fn not_technician(role: Role) -> bool {
    role != Role::Technician
}

fn supervisor(role: Role) -> bool {
    role.is_supervisor()
}

fn desk(role: Role) -> bool {
    role.may_use_desk()
}
fn admin(role: Role) -> bool {
    role == Role::Admin
}
fn rule_setter(role: Role) -> bool {
    role.sets_estate_rules()
}
fn patrol_definer(role: Role) -> bool {
    anju_shared::patrol::may_define(role)
}

/// A report as the public form sends it.
const REPORT: &str = r#"{"text": "楼道灯坏了", "category": "repair", "building": "{building_id}",
    "unit": "{unit_id}", "room": "101", "phone": "13700001111", "name": "测试", "notice_version": "2026-01",
    "photos": ["{hash}"]}"#;
/// A pull of the target estate (with an empty push).
const SYNC_PULL: &str = r#"{"device_id": "dev-{me}", "estate_id": "{estate_id}", "push": [], "cursor": 0, "limit": 10}"#;
/// A note on the target's order, pushed through the caller's own estate.
const SYNC_NOTE: &str = r#"{"device_id": "dev-{me}", "estate_id": "{own_estate_id}", "cursor": 0, "push": [
    {"id": "ev-{me}-note", "order_id": "{order_id}", "device_id": "dev-{me}", "device_seq": 1,
     "hlc": "001773139800000-00000", "actor": "{me}", "at": "2026-03-10T09:30:00+08:00",
     "body": {"type": "note", "text": "越权"}}]}"#;
/// A visit to the target's household, pushed through the caller's own estate.
const SYNC_VISIT: &str = r#"{"device_id": "dev-{me}", "estate_id": "{own_estate_id}", "cursor": 0, "push": [
    {"id": "ev-{me}-visit", "order_id": "", "device_id": "dev-{me}", "device_seq": 2,
     "hlc": "001773139800000-00001", "actor": "{me}", "at": "2026-03-10T09:31:00+08:00",
     "body": {"type": "visited", "household_id": "{household_id}", "method": "door", "note": "越权"}}]}"#;
/// A note on the target's order, pushed to the target's estate.
const SYNC_NOTE_THERE: &str = r#"{"device_id": "dev-{me}", "estate_id": "{estate_id}", "cursor": 0, "push": [
    {"id": "ev-{me}-there", "order_id": "{order_id}", "device_id": "dev-{me}", "device_seq": 3,
     "hlc": "001773139800000-00002", "actor": "{me}", "at": "2026-03-10T09:32:00+08:00",
     "body": {"type": "note", "text": "越权"}}]}"#;
/// Read marks of the caller's own notifications.
const READS: &str = r#"{"keys": ["escalated:{order_id}:cs_supervisor"]}"#;
const EVAL: &str = r#"{"policy": "cmsk", "now": "2026-03-12T12:00:00+08:00", "orders": [{"id": "a",
    "category": "repair", "urgent": false, "reported_at": "2026-03-10T09:30:00+08:00",
    "events": [{"type": "dispatched", "at": "2026-03-10T09:35:00+08:00"}]}]}"#;
const NEW_STAFF: &str = r#"{"username": "probe-{me}", "display_name": "探针", "role": "caretaker",
    "password": "翠湖春水 lamp 7", "estate_ids": ["{estate_id}"]}"#;
/// An area manager created with the target's region and no estate.
const NEW_AREA_MANAGER: &str = r#"{"username": "probe-area-{me}", "display_name": "探针", "role": "area_manager",
    "password": "翠湖春水 lamp 7", "estate_ids": [], "region_ids": ["{region_id}"]}"#;

/// A webhook registered with the target's estate (refused for another company's).
const NEW_WEBHOOK: &str = r#"{"name": "短信网关", "url": "https://192.0.2.10/anju/{me}",
    "kinds": ["order.escalated", "order.reported"], "estate_ids": ["{estate_id}"]}"#;
/// A change of the target's webhook.
const WEBHOOK_CHANGE: &str = r#"{"name": "网关", "kinds": ["order.closed"], "estate_ids": ["{estate_id}"],
    "enabled": true}"#;

/// Every route of the API. `tests/api.rs` checks that it equals what `src/routes/*.rs`
/// registers, so a new route cannot be added without saying here who may reach it.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/health",
        access: Access::Public(
            "liveness for load balancers: the version and the kind of database, no data",
        ),
        may: anyone,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "POST",
        path: "/eval",
        access: Access::Public(
            "the rule engine over the request's own orders; reads and writes no database",
        ),
        may: anyone,
        probes: &[probe("", Body::Json(EVAL), Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/public/estates/{slug}",
        access: Access::Public(
            "the resident form's site plan (buildings and units, no households or people): \
             what the estate's own posters and QR codes give every resident",
        ),
        may: anyone,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/public/estates/{slug}/units/{unit_id}/rooms",
        access: Access::Public(
            "a unit's room numbers for the form to offer (no one's name or phone): what the \
             building's mailboxes show every visitor",
        ),
        may: anyone,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "POST",
        path: "/public/estates/{slug}/reports",
        access: Access::Public(
            "a resident's report: it only adds a new order, is throttled per address, and \
             may attach only photos uploaded to the same estate",
        ),
        may: anyone,
        probes: &[probe("", Body::Json(REPORT), Expect::Answered)],
    },
    Route {
        method: "POST",
        path: "/public/estates/{slug}/photos",
        access: Access::Public(
            "a resident's photo for the form: throttled per address, cleaned, stored under the \
             estate and served only to its staff",
        ),
        may: anyone,
        probes: &[probe("", Body::Photo, Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/public/track/{token}",
        access: Access::Public(
            "the 256-bit token given to the reporter is the credential: one order, its \
             personal fields masked",
        ),
        may: anyone,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "POST",
        path: "/public/track/{token}/rating",
        access: Access::Public(
            "the tracking token is the credential: one rating of one completed order, once, \
             throttled per address",
        ),
        may: anyone,
        probes: &[probe(
            "",
            Body::Json(r#"{"score": 5, "comment": "好"}"#),
            Expect::Answered,
        )],
    },
    Route {
        method: "POST",
        path: "/login",
        access: Access::Public("before a session exists; throttled per account and address"),
        may: anyone,
        probes: &[probe(
            "",
            Body::Json(r#"{"username": "nobody", "password": "wrong password"}"#),
            Expect::Answered,
        )],
    },
    Route {
        method: "POST",
        path: "/logout",
        access: Access::Public("ends only the session whose cookie the request carries"),
        may: anyone,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/me",
        access: Access::Caller,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/me/reads",
        access: Access::Caller,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "POST",
        path: "/me/reads",
        access: Access::Caller,
        may: anyone,
        probes: &[probe("", Body::Json(READS), Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/desk/orders",
        access: Access::Scoped,
        may: desk,
        probes: &[probe("estate={estate_id}", Body::None, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/site",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/households",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/households/{household_id}/contacts",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "POST",
        path: "/estates/{estate_id}/callers",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "",
            Body::Json(r#"{"phone": "13800138000"}"#),
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/kpi",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}&period=last_month",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/kpi/orders",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}&period=last_month&measure=repair_response_on_time",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/kpi/scopes",
        access: Access::Caller,
        may: desk,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/kpi/trend",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/reports",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/reports/weekly",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}&week=2026-W10",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/reports/weekly.xlsx",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}&week=2026-W10",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/reports/monthly",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}&month=2026-03",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/reports/monthly.xlsx",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "scope=estate&id={estate_id}&month=2026-03",
            Body::None,
            Expect::Refused,
        )],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/reports/{month}",
        access: Access::Scoped,
        may: rule_setter,
        probes: &[probe(
            "",
            Body::Json(r#"{"analysis": "原因", "measures": "措施", "status": "draft"}"#),
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/visit-plans/{month}",
        access: Access::Scoped,
        may: not_technician,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/visit-plans/{month}",
        access: Access::Scoped,
        may: supervisor,
        probes: &[probe("", Body::Json(r#"{"items": []}"#), Expect::Refused)],
    },
    Route {
        method: "POST",
        path: "/estates/{estate_id}/visit-plans/{month}/approve",
        access: Access::Scoped,
        may: supervisor,
        probes: &[probe("", Body::Json(r#"{"items": []}"#), Expect::Refused)],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/households/{household_id}/moved-in",
        access: Access::Scoped,
        may: desk,
        probes: &[probe(
            "",
            Body::Json(r#"{"moved_in": "2026-03-02"}"#),
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/staff",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    // Patrols: read by every staff member of the estate, defined by those `may_define` lets.
    // The order matters to the role matrix: each caller makes the checkpoint, the route on it,
    // then retires both.
    Route {
        method: "GET",
        path: "/estates/{estate_id}/patrols",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/patrols/checkpoints/{checkpoint_id}",
        access: Access::Scoped,
        may: patrol_definer,
        probes: &[probe(
            "",
            Body::Json(
                r#"{"name": "1号楼大堂", "building_id": "{building_id}", "checklist": ["门禁正常"]}"#,
            ),
            Expect::Unknown("building_id"),
        )],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/patrols/routes/{route_id}",
        access: Access::Scoped,
        may: patrol_definer,
        probes: &[probe(
            "",
            Body::Json(
                r#"{"name": "早巡", "checkpoints": ["{checkpoint_id}"], "caretakers": [], "earliest": "08:00", "latest": "10:00"}"#,
            ),
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/patrols/codes",
        access: Access::Scoped,
        may: patrol_definer,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "POST",
        path: "/estates/{estate_id}/patrols/codes/reissue",
        access: Access::Scoped,
        may: patrol_definer,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "DELETE",
        path: "/estates/{estate_id}/patrols/routes/{route_id}",
        access: Access::Scoped,
        may: patrol_definer,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "DELETE",
        path: "/estates/{estate_id}/patrols/checkpoints/{checkpoint_id}",
        access: Access::Scoped,
        may: patrol_definer,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/rules",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/rules",
        access: Access::Scoped,
        may: rule_setter,
        probes: &[probe(
            "",
            Body::Json(r#"{"preset": "kwy", "policy_override": {}, "calendar": null}"#),
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/orders/{order_id}/special-report",
        access: Access::Scoped,
        may: desk,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/orders/{order_id}/special-report",
        access: Access::Scoped,
        may: supervisor,
        probes: &[probe(
            "",
            Body::Json(
                r#"{"description": "d", "cause": "c", "responsibility": "r", "corrective": "x", "preventive": "p", "people": "w"}"#,
            ),
            Expect::Refused,
        )],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/prices",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "PUT",
        path: "/estates/{estate_id}/prices",
        access: Access::Scoped,
        may: rule_setter,
        probes: &[probe("", Body::Json(r#"{"items": []}"#), Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/billing",
        access: Access::Scoped,
        may: desk,
        probes: &[probe("month=2026-03", Body::None, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/estates/{estate_id}/billing.xlsx",
        access: Access::Scoped,
        may: desk,
        probes: &[probe("month=2026-03", Body::None, Expect::Refused)],
    },
    Route {
        method: "POST",
        path: "/estates/{estate_id}/photos",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::Photo, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/photos/{hash}",
        access: Access::Scoped,
        may: anyone,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/orders/{order_id}",
        access: Access::Scoped,
        may: anyone,
        probes: &[
            probe("", Body::None, Expect::Refused),
            probe(
                "?now=2026-03-12T12:00:00%2B08:00",
                Body::None,
                Expect::Refused,
            ),
        ],
    },
    Route {
        method: "POST",
        path: "/orders/{order_id}/reveal-phone",
        access: Access::Scoped,
        may: desk,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "POST",
        path: "/sync",
        access: Access::Scoped,
        may: anyone,
        probes: &[
            probe("", Body::Json(SYNC_PULL), Expect::Refused),
            probe("", Body::Json(SYNC_NOTE_THERE), Expect::Refused),
            probe("", Body::Json(SYNC_NOTE), Expect::PushRefused),
            probe("", Body::Json(SYNC_VISIT), Expect::PushRefused),
        ],
    },
    Route {
        method: "GET",
        path: "/admin/staff",
        access: Access::Caller,
        may: admin,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "POST",
        path: "/admin/staff",
        access: Access::Scoped,
        may: admin,
        probes: &[
            probe("", Body::Json(NEW_STAFF), Expect::Unknown("estate_ids")),
            probe(
                "",
                Body::Json(NEW_AREA_MANAGER),
                Expect::Unknown("region_ids"),
            ),
        ],
    },
    Route {
        method: "GET",
        path: "/admin/regions",
        access: Access::Caller,
        may: admin,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "GET",
        path: "/admin/estates",
        access: Access::Caller,
        may: admin,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "PATCH",
        path: "/admin/staff/{staff_id}",
        access: Access::Scoped,
        may: admin,
        probes: &[
            // The other company's staff member, disabled and promoted.
            probe(
                "",
                Body::Json(r#"{"disabled": true, "role": "admin", "password": "翠湖春水 lamp 7"}"#),
                Expect::Refused,
            ),
            // … and made an area manager of a region.
            probe(
                "",
                Body::Json(r#"{"role": "area_manager", "region_ids": ["{region_id}"]}"#),
                Expect::Refused,
            ),
        ],
    },
    Route {
        method: "PATCH",
        path: "/admin/staff/{me}",
        access: Access::Scoped,
        may: admin,
        probes: &[
            // The caller given the other company's estate. (Regions: an admin answers for
            // none, so that probe would be refused on its own estate too; the other
            // company's region given to one's own staff is `admin_regions_…` in api.rs.)
            probe(
                "",
                Body::Json(r#"{"estate_ids": ["{estate_id}"]}"#),
                Expect::Unknown("estate_ids"),
            ),
        ],
    },
    Route {
        method: "POST",
        path: "/admin/residents/export",
        access: Access::Scoped,
        may: admin,
        probes: &[probe(
            "",
            Body::Json(r#"{"phone": "{phone}"}"#),
            Expect::Answered,
        )],
    },
    Route {
        method: "POST",
        path: "/admin/residents/erase",
        access: Access::Scoped,
        may: admin,
        probes: &[probe(
            "",
            Body::Json(r#"{"phone": "{phone}"}"#),
            Expect::Answered,
        )],
    },
    Route {
        method: "GET",
        path: "/admin/webhooks",
        access: Access::Caller,
        may: admin,
        probes: &[probe("", Body::None, Expect::Answered)],
    },
    Route {
        method: "POST",
        path: "/admin/webhooks",
        access: Access::Scoped,
        may: admin,
        probes: &[probe(
            "",
            Body::Json(NEW_WEBHOOK),
            Expect::Unknown("estate_ids"),
        )],
    },
    Route {
        method: "PATCH",
        path: "/admin/webhooks/{webhook_id}",
        access: Access::Scoped,
        may: admin,
        probes: &[probe("", Body::Json(WEBHOOK_CHANGE), Expect::Refused)],
    },
    Route {
        method: "POST",
        path: "/admin/webhooks/{webhook_id}/secret",
        access: Access::Scoped,
        may: admin,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "GET",
        path: "/admin/webhooks/{webhook_id}/deliveries",
        access: Access::Scoped,
        may: admin,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    Route {
        method: "POST",
        path: "/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
        access: Access::Scoped,
        may: admin,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
    // Last of the webhook rows: the role matrix's administrator deletes the webhook the rows
    // above used.
    Route {
        method: "DELETE",
        path: "/admin/webhooks/{webhook_id}",
        access: Access::Scoped,
        may: admin,
        probes: &[probe("", Body::None, Expect::Refused)],
    },
];

/// The rows of the table that need a login (every route but the public ones).
pub fn staff_routes() -> impl Iterator<Item = &'static Route> {
    ROUTES
        .iter()
        .filter(|r| !matches!(r.access, Access::Public(_)))
}

/// The route a table row stands for, as registered: `{me}` is a table-only name for the
/// caller's own id in the `{staff_id}` segment.
pub fn registered_path(route: &Route) -> String {
    route.path.replace("{me}", "{staff_id}")
}

/// Every `(METHOD, path)` that `src/routes/*.rs` registers with `.route(…)`, under `/api`.
/// Fails on a way of adding routes the scan does not read (`nest`, `route_service`).
pub fn registered() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut out = BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("src/routes")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let src = std::fs::read_to_string(&file).expect("route source");
        for unread in [
            ".nest(",
            ".nest_service(",
            ".route_service(",
            ".method_service(",
        ] {
            assert!(
                !src.contains(unread),
                "{}: {unread} adds routes this scan does not read; teach it",
                file.display()
            );
        }
        let mut rest = src.as_str();
        while let Some(at) = rest.find(".route(") {
            let after = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = after
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or_else(|| panic!("{}: unclosed .route(", file.display()));
            let args = &after[..end];
            let mut quoted = args.splitn(3, '"');
            quoted.next();
            let path = quoted
                .next()
                .unwrap_or_else(|| panic!("{}: .route without a literal path", file.display()));
            let handlers = quoted.next().unwrap_or("");
            let mut methods = 0;
            for method in [
                "get", "post", "put", "patch", "delete", "head", "options", "any",
            ] {
                let call = format!("{method}(");
                let mut from = 0;
                while let Some(i) = handlers[from..].find(&call) {
                    let i = from + i;
                    let before = handlers[..i].chars().next_back();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        out.insert((method.to_uppercase(), path.to_string()));
                        methods += 1;
                    }
                    from = i + call.len();
                }
            }
            assert!(methods > 0, "{}: no method for {path}", file.display());
            rest = &after[end..];
        }
    }
    out
}

/// One company's estate and the objects a request can name, for filling the table's
/// placeholders.
#[derive(Debug, Clone)]
pub struct Target {
    pub company_id: String,
    pub estate_id: String,
    pub slug: String,
    pub region_id: String,
    pub building_id: String,
    pub unit_id: String,
    pub household_id: String,
    pub order_id: String,
    pub token: String,
    pub photo: String,
    pub phone: String,
    pub staff_id: String,
    /// A webhook of the company's and one of its deliveries.
    pub webhook_id: String,
    pub delivery_id: String,
    /// One login per role, every role of `Role::ALL`.
    pub users: Vec<(Role, String)>,
    /// Strings found only in this company's data: none may reach the other company.
    pub markers: Vec<String>,
}

impl Target {
    /// A placeholder's value; `me` is the caller's staff id, `own` their own company.
    pub fn value(&self, name: &str, me: &str, own: &Target) -> Option<String> {
        Some(match name {
            "estate_id" => self.estate_id.clone(),
            "slug" => self.slug.clone(),
            "region_id" => self.region_id.clone(),
            "building_id" => self.building_id.clone(),
            "unit_id" => self.unit_id.clone(),
            "household_id" => self.household_id.clone(),
            "order_id" => self.order_id.clone(),
            "token" => self.token.clone(),
            "hash" => self.photo.clone(),
            "phone" => self.phone.clone(),
            "staff_id" => self.staff_id.clone(),
            "webhook_id" => self.webhook_id.clone(),
            "delivery_id" => self.delivery_id.clone(),
            "me" => me.to_string(),
            "own_estate_id" => own.estate_id.clone(),
            // A month of a monthly report: not an object of either company.
            "month" => "2026-03".to_string(),
            // A checkpoint and a route each caller defines in their own estate (ids are per
            // estate): the same names aimed at another company's estate find nothing of it.
            "checkpoint_id" => "cp-probe".to_string(),
            "route_id" => "route-probe".to_string(),
            _ => return None,
        })
    }

    /// `template` with every `{name}` replaced; each value passes through `encode` (for a
    /// path or a query; JSON takes them as they are).
    pub fn fill(
        &self,
        template: &str,
        me: &str,
        own: &Target,
        encode: fn(&str) -> String,
    ) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}');
            let name = close.map(|c| &after[..c]);
            match name.and_then(|n| self.value(n, me, own)) {
                Some(v) => {
                    out.push_str(&encode(&v));
                    rest = &after[close.unwrap_or(0) + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub fn login_of(&self, role: Role) -> &str {
        self.users
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, u)| u.as_str())
            .unwrap_or_else(|| panic!("no {role:?} in {}", self.company_id))
    }
}

/// Percent-encodes everything but unreserved characters: a value as one path segment or one
/// query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn verbatim(value: &str) -> String {
    value.to_string()
}

/// A request of the table, filled in.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: reqwest::Method,
    /// Under `/api`, with its query.
    pub path: String,
    pub body: Option<RequestBody>,
}

#[derive(Debug, Clone)]
pub enum RequestBody {
    Json(Value),
    Bytes(Vec<u8>),
}

impl Request {
    /// `route` and `probe` aimed at `target` by the staff member `me` of `own`.
    pub fn aim(route: &Route, probe: &Probe, target: &Target, me: &str, own: &Target) -> Request {
        Self::aim_path(route.path, route, probe, target, me, own)
    }

    /// Like `aim`, with another path template (one of its parameters already replaced).
    pub fn aim_path(
        template: &str,
        route: &Route,
        probe: &Probe,
        target: &Target,
        me: &str,
        own: &Target,
    ) -> Request {
        let mut path = format!("/api{}", target.fill(template, me, own, encode));
        if !probe.query.is_empty() {
            path.push('?');
            path.push_str(&target.fill(probe.query, me, own, encode));
        }
        let body = match probe.body {
            Body::None => None,
            Body::Json(template) => Some(RequestBody::Json(
                serde_json::from_str(&target.fill(template, me, own, verbatim)).unwrap_or_else(
                    |e| panic!("{} {}: body template: {e}", route.method, route.path),
                ),
            )),
            Body::Photo => Some(RequestBody::Bytes(super::photos::png(6, 6, 99))),
        };
        Request {
            method: route.method.parse().expect("method"),
            path,
            body,
        }
    }

    /// Everything the request says, to tell an echo of it from a leak.
    pub fn text(&self) -> String {
        let body = match &self.body {
            Some(RequestBody::Json(v)) => v.to_string(),
            _ => String::new(),
        };
        format!("{} {}", self.path, body)
    }

    pub async fn send(&self, app: &TestApp, client: &reqwest::Client) -> (u16, Vec<u8>) {
        let mut req = client
            .request(self.method.clone(), app.url(&self.path))
            .header(CSRF.0, CSRF.1);
        req = match &self.body {
            None => req,
            Some(RequestBody::Json(v)) => req.json(v),
            Some(RequestBody::Bytes(b)) => req.header("content-type", "image/png").body(b.clone()),
        };
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.method, self.path));
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body").to_vec();
        (status, bytes)
    }
}

/// The two companies of the tenancy tests: the demo company (estate `est-cuihu`, the demo
/// accounts) and a second one (`est-other`) with one account per role, each with an order
/// reported on the form with a photo attached.
pub async fn two_companies(app: &TestApp) -> (Target, Target) {
    super::seed_second_company(app).await;
    let hash = anju_server::auth::hash_password(anju_server::seed::DEMO_PASSWORD).expect("hash");
    let mut other_users = Vec::new();
    for role in Role::ALL {
        let username = if *role == Role::FrontDesk {
            // Made by `seed_second_company`.
            "other-desk".to_string()
        } else {
            let username = format!("other-{}", role.as_str());
            let id = format!("stf-{username}");
            sqlx::query(
                "INSERT INTO staff (id, company_id, username, display_name, role, password_hash, disabled) \
                 VALUES ($1, 'co-other', $2, '别家员工', $3, $4, 0)",
            )
            .bind(id.clone())
            .bind(username.clone())
            .bind(role.as_str())
            .bind(hash.clone())
            .execute(&app.db.pool)
            .await
            .expect("staff");
            sqlx::query("INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, 'est-other')")
                .bind(id.clone())
                .execute(&app.db.pool)
                .await
                .expect("staff estate");
            if *role == Role::AreaManager {
                sqlx::query(
                    "INSERT INTO staff_regions (staff_id, region_id) VALUES ($1, 'rg-other')",
                )
                .bind(id)
                .execute(&app.db.pool)
                .await
                .expect("staff region");
            }
            username
        };
        other_users.push((*role, username));
    }
    // A colleague in each company for the requests that change a staff member.
    for (id, company, username, estate) in [
        ("stf-spare", "co-anju", "spare", "est-cuihu"),
        ("stf-other-spare", "co-other", "other-spare", "est-other"),
    ] {
        sqlx::query(
            "INSERT INTO staff (id, company_id, username, display_name, role, password_hash, disabled) \
             VALUES ($1, $2, $3, '备用', 'caretaker', $4, 0)",
        )
        .bind(id)
        .bind(company)
        .bind(username)
        .bind(hash.clone())
        .execute(&app.db.pool)
        .await
        .expect("spare staff");
        sqlx::query("INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, $2)")
            .bind(id)
            .bind(estate)
            .execute(&app.db.pool)
            .await
            .expect("spare staff estate");
    }
    let demo_users = Role::ALL
        .iter()
        .map(|role| {
            let (username, _, _) = anju_server::seed::DEMO_STAFF
                .iter()
                .find(|(_, _, r)| r == role)
                .expect("a demo account per role");
            (*role, username.to_string())
        })
        .collect();
    let mut a = Target {
        company_id: "co-anju".into(),
        estate_id: "est-cuihu".into(),
        slug: "cuihu".into(),
        region_id: "rg-south".into(),
        building_id: "bld-cuihu-1".into(),
        unit_id: "bld-cuihu-1-u1".into(),
        household_id: "bld-cuihu-1-u1-101".into(),
        order_id: String::new(),
        token: String::new(),
        photo: String::new(),
        phone: "13812345678".into(),
        staff_id: "stf-spare".into(),
        webhook_id: "wh-cuihu".into(),
        delivery_id: "dl-cuihu".into(),
        users: demo_users,
        markers: vec![
            "co-anju".into(),
            "rg-south".into(),
            "est-cuihu".into(),
            "翠湖花园".into(),
            "bld-cuihu".into(),
            "stf-desk".into(),
            "stf-guanjia".into(),
            "stf-admin".into(),
            "stf-spare".into(),
            "13812345678".into(),
            "138****5678".into(),
            "水管爆了".into(),
        ],
    };
    let mut b = Target {
        company_id: "co-other".into(),
        estate_id: "est-other".into(),
        slug: "other".into(),
        region_id: "rg-other".into(),
        building_id: "bld-other-1".into(),
        unit_id: "bld-other-1-u1".into(),
        household_id: "bld-other-1-u1-101".into(),
        order_id: String::new(),
        token: String::new(),
        photo: String::new(),
        phone: "13900009999".into(),
        staff_id: "stf-other-spare".into(),
        webhook_id: "wh-other".into(),
        delivery_id: "dl-other".into(),
        users: other_users,
        markers: vec![
            "co-other".into(),
            "rg-other".into(),
            "est-other".into(),
            "别家小区".into(),
            "别家物业".into(),
            "bld-other".into(),
            "stf-other".into(),
            "13900009999".into(),
            "139****9999".into(),
            "门禁坏了".into(),
            "other-gateway".into(),
            "whsec_other".into(),
        ],
    };
    // A webhook of each company, with one delivery in its log.
    for (company, hook, delivery, url, secret, estate) in [
        (
            "co-anju",
            "wh-cuihu",
            "dl-cuihu",
            "https://192.0.2.20/anju-gateway",
            "whsec_anju",
            "est-cuihu",
        ),
        (
            "co-other",
            "wh-other",
            "dl-other",
            "https://192.0.2.21/other-gateway",
            "whsec_other",
            "est-other",
        ),
    ] {
        sqlx::query(
            "INSERT INTO webhooks (company_id, id, name, url, kinds, estate_ids, secret, enabled, created_ms) \
             VALUES ($1, $2, '网关', $3, 'order.escalated', '', $4, 1, 0)",
        )
        .bind(company)
        .bind(hook)
        .bind(url)
        .bind(secret)
        .execute(&app.db.pool)
        .await
        .expect("webhook");
        sqlx::query(
            "INSERT INTO webhook_deliveries (company_id, id, webhook_id, estate_id, event_id, kind, body, \
             created_ms, status, attempts, since_ms, next_ms, last_ms, last_status, last_error, lease, lease_ms) \
             VALUES ($1, $2, $3, $4, 'ev-none', 'order.escalated', '{}', 0, 'failed', 3, 0, 0, 0, 500, 'HTTP 500', '', 0)",
        )
        .bind(company)
        .bind(delivery)
        .bind(hook)
        .bind(estate)
        .execute(&app.db.pool)
        .await
        .expect("delivery");
    }
    for (t, tint) in [(&mut a, 1u8), (&mut b, 2u8)] {
        let resp = super::post_bytes(
            &app.browser(),
            app.url(&format!("/api/public/estates/{}/photos", t.slug)),
            "image/png",
            super::photos::png(8, 8, tint),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.expect("json");
        t.photo = body["hash"].as_str().expect("hash").to_string();
        let text = if t.estate_id == "est-cuihu" {
            "水管爆了"
        } else {
            "门禁坏了"
        };
        let receipt: Value = app
            .browser()
            .post(app.url(&format!("/api/public/estates/{}/reports", t.slug)))
            .header(CSRF.0, CSRF.1)
            .json(&json!({
                "text": text, "building": t.building_id, "unit": t.unit_id, "room": "101",
                "phone": t.phone, "name": "住户", "photos": [t.photo],
            }))
            .send()
            .await
            .expect("report")
            .json()
            .await
            .expect("receipt");
        t.order_id = receipt["order_id"].as_str().expect("order").to_string();
        t.token = receipt["tracking_token"]
            .as_str()
            .expect("token")
            .to_string();
        t.markers.push(t.order_id.clone());
        t.markers.push(t.photo.clone());
    }
    (a, b)
}

/// Every table's rows, as text (binary columns by their SHA-256), sorted: two digests are equal
/// when the database holds the same data. Tables and columns are read from the database, so a
/// table added later is covered without a change here.
pub async fn digest(app: &TestApp) -> Digest {
    let tables: Vec<String> = match app.db.backend {
        Backend::Sqlite => sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '_sqlx%'",
        ),
        Backend::Postgres => sqlx::query(
            "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx%'",
        ),
    }
    .fetch_all(&app.db.pool)
    .await
    .expect("tables")
    .iter()
    .map(|r| r.try_get(0).expect("name"))
    .collect();
    assert!(tables.len() >= 15, "{tables:?}");
    let mut out = BTreeMap::new();
    for table in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(&app.db.pool)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        let mut list: Vec<BTreeMap<String, String>> = rows
            .iter()
            .map(|row| {
                row.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name().to_string(), cell(row, i)))
                    .collect()
            })
            .collect();
        list.sort();
        out.insert(table, list);
    }
    out
}

fn cell(row: &sqlx::any::AnyRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
        return format!("{:?}", v.map(|b| hex::encode(Sha256::digest(b))));
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return format!("{v:?}");
    }
    panic!("column {i}: a type the digest does not read")
}

/// A digest's rows as text, keyed by table.
pub type Digest = BTreeMap<String, Vec<BTreeMap<String, String>>>;

/// `digest` without one column of one table (a value a request may legitimately touch).
pub fn forget(mut digest: Digest, table: &str, column: &str) -> Digest {
    if let Some(rows) = digest.get_mut(table) {
        for row in rows.iter_mut() {
            row.remove(column);
        }
        rows.sort();
    }
    digest
}

/// What changed between two digests: `(table, row, "added" | "removed")`.
pub fn changes(
    before: &Digest,
    after: &Digest,
) -> Vec<(String, BTreeMap<String, String>, &'static str)> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let empty = Vec::new();
    for table in tables {
        let old = before.get(table).unwrap_or(&empty);
        let new = after.get(table).unwrap_or(&empty);
        if old == new {
            continue;
        }
        let old_set: BTreeSet<_> = old.iter().collect();
        let new_set: BTreeSet<_> = new.iter().collect();
        for row in old_set.difference(&new_set) {
            out.push((table.clone(), (*row).clone(), "removed"));
        }
        for row in new_set.difference(&old_set) {
            out.push((table.clone(), (*row).clone(), "added"));
        }
    }
    out
}

/// A text column's value in a digest row (`None` when absent or NULL).
pub fn text<'a>(row: &'a BTreeMap<String, String>, column: &str) -> Option<&'a str> {
    row.get(column)?
        .strip_prefix("Some(\"")?
        .strip_suffix("\")")
}
