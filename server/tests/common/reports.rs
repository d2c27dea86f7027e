//! The reports' stories: the list of monthly reports with where each stands and when it is
//! due, last month's drafts opened by the server's clock in each estate's own time (once, and
//! never over a submitted report), the weekly complaint, order and rectification report of an
//! ISO week in 2001 (no demo history reaches it) as JSON and as a workbook read back, and the
//! tenancy of all of them.

#![allow(dead_code, unreachable_pub)]

use anju_server::jobs;
use anju_shared::hlc::Hlc;
use anju_shared::model::{Category, Channel};
use anju_shared::order::{Event, EventBody, Reported};
use anju_shared::sync::{Outcome, SyncRequest, SyncResponse};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::Value;
use sqlx::Row;

use super::kpi::{seed_march_2001, sheet};
use super::{CSRF, TestApp, audit_count, logged_in, send_json};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("time")
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    let resp = client.get(app.url(path)).send().await.expect("get");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Pushes each order's events (body, time) into `estate` as `me` on `device`.
async fn push_orders(
    app: &TestApp,
    client: &reqwest::Client,
    me: &str,
    device: &str,
    estate: &str,
    orders: Vec<(&str, Vec<(EventBody, &str)>)>,
) {
    let mut push = Vec::new();
    let mut seq = 0u64;
    for (id, events) in orders {
        for (body, at) in events {
            seq += 1;
            let at = t(at);
            push.push(Event {
                id: format!("{id}-{device}-{seq}"),
                subject: anju_shared::subject::Subject::order(id),
                device_id: device.into(),
                device_seq: seq,
                hlc: Hlc::new(at.timestamp_millis() as u64, seq as u32),
                actor: me.into(),
                at,
                body,
                seq: None,
            });
        }
    }
    let resp = client
        .post(app.url("/api/sync"))
        .header(CSRF.0, CSRF.1)
        .json(&SyncRequest {
            device_id: device.into(),
            estate_id: estate.into(),
            push,
            cursor: 0,
            limit: Some(1),
            contacts: Vec::new(),
        })
        .send()
        .await
        .expect("push");
    assert_eq!(resp.status(), 200);
    let answer: SyncResponse = resp.json().await.expect("answer");
    for ack in &answer.acks {
        assert!(matches!(ack.outcome, Outcome::Stored { .. }), "{ack:?}");
    }
}

fn reported(text: &str, channel: Channel, category: Category) -> EventBody {
    EventBody::Reported(Reported::by_staff(text, channel, category))
}

/// The month before today's in Beijing, worked out here by hand.
fn last_month_in_beijing() -> (String, NaiveDate) {
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("first");
    let last = first - Duration::days(1);
    (format!("{:04}-{:02}", last.year(), last.month()), today)
}

/// A stored report's status and author, if any.
async fn stored(app: &TestApp, estate: &str, month: &str) -> Option<(String, Option<String>)> {
    sqlx::query(
        "SELECT status, updated_by FROM monthly_reports WHERE estate_id = $1 AND month = $2",
    )
    .bind(estate.to_string())
    .bind(month.to_string())
    .fetch_optional(&app.db.pool)
    .await
    .expect("monthly_reports")
    .map(|r| (r.try_get(0).expect("status"), r.try_get(1).expect("by")))
}

fn rows<'a>(list: &'a Value, month: &str) -> Vec<&'a Value> {
    list["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["month"] == month)
        .collect()
}

/// The list: every month that is over, each estate's status and due date, a region's
/// roll-up; last month opened as a draft by the clock, once, in each estate's own time, and a
/// submitted report left as it is; other scopes refused and audited; bad input named.
pub async fn story_report_list(app: &TestApp) {
    seed_march_2001(app).await;
    let (pm, _) = logged_in(app, "pm").await;
    let (month, today) = last_month_in_beijing();

    // Before the clock: last month listed, not started.
    let (status, list) = get(app, &pm, "/api/reports?scope=estate&id=est-cuihu").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["rows"].as_array().map(Vec::len), Some(12), "{list}");
    assert_eq!(list["rows"][0]["month"], month, "newest first: {list}");
    let row = &list["rows"][0];
    assert_eq!(
        (row["id"].as_str(), row["status"].as_str()),
        (Some("est-cuihu"), Some("not_started")),
        "{row}"
    );
    let due = NaiveDate::from_ymd_opt(today.year(), today.month(), 5).expect("the 5th");
    assert_eq!(
        row["due"],
        due.to_string(),
        "due by the 5th of the next month"
    );
    assert_eq!(row["overdue"], today > due, "{row}");

    // The clock opens last month's draft for every estate, once.
    let pass = jobs::pass(&app.db, Utc::now()).await.expect("pass");
    assert!(pass.reports >= 3, "{pass:?}");
    assert_eq!(
        stored(app, "est-cuihu", &month).await,
        Some(("draft".to_string(), None))
    );
    let again = jobs::pass(&app.db, Utc::now()).await.expect("pass");
    assert_eq!(again.reports, 0, "a second pass opens nothing");
    let (_, list) = get(app, &pm, "/api/reports?scope=estate&id=est-cuihu&months=3").await;
    assert_eq!(list["rows"].as_array().map(Vec::len), Some(3), "{list}");
    assert_eq!(list["rows"][0]["status"], "draft", "{list}");
    assert_eq!(list["rows"][1]["status"], "not_started", "{list}");

    // In the estate's own time: 23:59 on 31 March in Beijing is still March there, 00:30 on
    // 1 April is not, though both are 31 March in UTC.
    let before = t("2001-03-31T23:59:00+08:00").with_timezone(&Utc);
    let after = t("2001-04-01T00:30:00+08:00").with_timezone(&Utc);
    assert_eq!(before.date_naive(), after.date_naive());
    jobs::open_report_drafts(&app.db, before)
        .await
        .expect("drafts");
    assert_eq!(stored(app, "est-cuihu", "2001-03").await, None);
    assert_eq!(
        stored(app, "est-cuihu", "2001-02").await,
        Some(("draft".to_string(), None))
    );

    // A submitted report is never put back to a draft by the clock.
    let (status, saved) = send_json(
        app,
        &pm,
        reqwest::Method::PUT,
        "/api/estates/est-cuihu/reports/2001-03",
        serde_json::json!({"analysis": "夜班人手不足", "measures": "增加夜班", "status": "submitted"}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    let opened = jobs::open_report_drafts(&app.db, after)
        .await
        .expect("drafts");
    assert!(opened >= 2, "the other estates' March: {opened}");
    assert_eq!(
        stored(app, "est-cuihu", "2001-03").await.map(|s| s.0),
        Some("submitted".to_string())
    );
    assert_eq!(
        jobs::open_report_drafts(&app.db, after)
            .await
            .expect("drafts"),
        0
    );
    // The month's report still reads what the manager wrote, and a clock's draft is listed
    // by nobody.
    let (_, report) = get(
        app,
        &pm,
        "/api/reports/monthly?scope=estate&id=est-cuihu&month=2001-03",
    )
    .await;
    assert_eq!(report["notes"][0]["status"], "submitted", "{report}");
    assert_eq!(report["notes"][0]["analysis"], "夜班人手不足", "{report}");
    let (_, report) = get(
        app,
        &pm,
        "/api/reports/monthly?scope=estate&id=est-cuihu&month=2001-02",
    )
    .await;
    assert_eq!(report["notes"][0]["status"], "draft", "{report}");
    assert_eq!(report["notes"][0]["updated_by"], "", "{report}");

    // Last month submitted by 翠湖: the area manager's region rolls up its estates.
    let path = format!("/api/estates/est-cuihu/reports/{month}");
    let (status, _) = send_json(
        app,
        &pm,
        reqwest::Method::PUT,
        &path,
        serde_json::json!({"analysis": "", "measures": "", "status": "submitted"}),
    )
    .await;
    assert_eq!(status, 200);
    let (area, _) = logged_in(app, "area").await;
    let (status, list) = get(app, &area, "/api/reports?scope=region&id=rg-south").await;
    assert_eq!(status, 200, "{list}");
    let month_rows = rows(&list, &month);
    let rollup = month_rows[0];
    assert_eq!(
        (rollup["scope"].as_str(), rollup["id"].as_str()),
        (Some("region"), Some("rg-south")),
        "{list}"
    );
    let estates: Vec<&str> = month_rows[1..]
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert!(
        estates.contains(&"est-cuihu") && estates.contains(&"est-south-2"),
        "{estates:?}"
    );
    assert!(!estates.contains(&"est-kpi-north"), "{estates:?}");
    assert_eq!(
        rollup["submitted"],
        serde_json::json!([1, estates.len()]),
        "{rollup}"
    );
    assert_eq!(rollup["status"], "draft", "some begun, not all submitted");
    let ten = NaiveDate::from_ymd_opt(today.year(), today.month(), 10).expect("the 10th");
    assert_eq!(
        rollup["due"],
        ten.to_string(),
        "a roll-up is due by the 10th"
    );
    let cuihu = month_rows
        .iter()
        .find(|r| r["id"] == "est-cuihu")
        .expect("翠湖");
    assert_eq!(
        (cuihu["status"].as_str(), cuihu["overdue"].as_bool()),
        (Some("submitted"), Some(false))
    );

    // Tenancy: never another region's or estate's list; each refusal audited.
    let refused = audit_count(app, "access_refused").await;
    for (who, query) in [
        (&area, "scope=region&id=rg-kpi-north"),
        (&area, "scope=estate&id=est-kpi-north"),
        (&area, "scope=company"),
        (&pm, "scope=region&id=rg-south"),
        (&pm, "scope=estate&id=est-kpi-north"),
    ] {
        let (status, body) = get(app, who, &format!("/api/reports?{query}")).await;
        assert_eq!(status, 403, "{query}: {body}");
    }
    assert_eq!(audit_count(app, "access_refused").await, refused + 5);
    let (quality, _) = logged_in(app, "quality").await;
    let (status, list) = get(app, &quality, "/api/reports?scope=company&months=1").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["rows"][0]["scope"], "company", "{list}");
    assert!(list.to_string().contains("est-kpi-north"), "{list}");

    // Bad input names the field.
    for (query, field) in [
        ("scope=estate&id=est-cuihu&months=0", "months"),
        ("scope=estate&id=est-cuihu&months=37", "months"),
        ("scope=estate&id=est-cuihu&months=twelve", "months"),
        ("scope=galaxy&id=est-cuihu", "scope"),
    ] {
        let (status, body) = get(app, &pm, &format!("/api/reports?{query}")).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{query}: {body}"
        );
    }
}

/// A cell written as a number; anything else fails the test.
fn num(cell: &calamine::Data) -> f64 {
    match cell {
        calamine::Data::Float(f) => *f,
        calamine::Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect()
}

fn count_of(pairs: &Value, key: &str) -> u64 {
    pairs
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| p[0] == key)
        .and_then(|p| p[1].as_u64())
        .unwrap_or_else(|| panic!("{key} in {pairs}"))
}

/// The week 2001-W10 (Monday 5 to Sunday 11 March 2001) of 翠湖: a complaint just after
/// midnight on the Monday in Beijing (still Sunday in UTC), a patrol finding made an order, and
/// a repair of the week before reopened in this one by a failed callback, a February repair
/// sent back to work in this week by the quality centre; a complaint of the next week and a
/// repair of the Sunday before do not count.
pub async fn story_weekly_report(app: &TestApp) {
    super::add_second_south_estate(app).await;
    super::kpi::add_north_region(app).await;
    let (quality, me) = logged_in(app, "quality").await;
    push_orders(
        app,
        &quality,
        &me,
        "wk-q-1",
        "est-cuihu",
        vec![
            (
                "wk-c-1",
                vec![(
                    reported("物业态度差", Channel::Phone, Category::Complaint),
                    "2001-03-05T00:10:00+08:00",
                )],
            ),
            (
                "wk-c-2",
                vec![(
                    reported("噪音扰民", Channel::Phone, Category::Complaint),
                    "2001-03-12T09:00:00+08:00",
                )],
            ),
            (
                "wk-x-1",
                vec![(
                    reported("水龙头滴水", Channel::Phone, Category::Repair),
                    "2001-03-04T23:50:00+08:00",
                )],
            ),
            (
                "wk-p-1",
                vec![(
                    reported("5栋门口垃圾堆放", Channel::Patrol, Category::Environment),
                    "2001-03-07T10:00:00+08:00",
                )],
            ),
            (
                "wk-r-1",
                vec![
                    (
                        reported("卫生间漏水", Channel::Phone, Category::Repair),
                        "2001-03-01T10:00:00+08:00",
                    ),
                    (EventBody::Responded, "2001-03-01T10:20:00+08:00"),
                    (EventBody::Completed, "2001-03-02T10:00:00+08:00"),
                    (
                        EventBody::CalledBack {
                            score: 1,
                            solved: Some(false),
                            override_reason: None,
                        },
                        "2001-03-06T10:30:00+08:00",
                    ),
                ],
            ),
            (
                "wk-s-1",
                vec![
                    (
                        reported("楼道灯不亮", Channel::Phone, Category::Repair),
                        "2001-02-20T10:00:00+08:00",
                    ),
                    (EventBody::Responded, "2001-02-20T10:20:00+08:00"),
                    (EventBody::Completed, "2001-02-21T10:00:00+08:00"),
                    (
                        EventBody::Reopened {
                            reason: "品质抽查不合格".into(),
                        },
                        "2001-03-07T15:00:00+08:00",
                    ),
                ],
            ),
        ],
    )
    .await;

    let (pm, _) = logged_in(app, "pm").await;
    let q = "scope=estate&id=est-cuihu&week=2001-W10";
    let (status, week) = get(app, &pm, &format!("/api/reports/weekly?{q}")).await;
    assert_eq!(status, 200, "{week}");
    let d = &week["dashboard"];
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str()),
        (Some("2001-03-05"), Some("2001-03-11")),
        "Monday to Sunday"
    );
    let total = &d["total"];
    assert_eq!(count_of(&total["by_category"], "complaint"), 1, "{total}");
    assert_eq!(count_of(&total["by_category"], "environment"), 1, "{total}");
    assert_eq!(count_of(&total["by_category"], "repair"), 0, "{total}");
    assert_eq!(count_of(&total["by_channel"], "patrol"), 1, "{total}");
    assert_eq!(count_of(&total["by_channel"], "phone"), 1, "{total}");
    assert_eq!(total["complaints_unjudged"], 1, "{total}");
    assert_eq!(count_of(&total["complaints_by_severity"], "general"), 1);
    assert_eq!(ids(&week["complaints"]), ["wk-c-1"]);
    assert_eq!(
        ids(&week["reopened"]),
        ["wk-s-1", "wk-r-1"],
        "sent back in the week whenever reported: by a person, by a failed callback"
    );
    assert_eq!(week["due"], "2001-03-12", "due the Monday after the week");
    assert_eq!(ids(&week["patrol_findings"]), ["wk-p-1"]);

    // The same function as the dashboard's for those seven days.
    let (_, board) = get(
        app,
        &pm,
        "/api/kpi?scope=estate&id=est-cuihu&period=custom&from=2001-03-05&to=2001-03-11",
    )
    .await;
    assert_eq!(board["total"]["by_category"], total["by_category"]);

    // The week before: the repair of Sunday night, nothing reopened.
    let (_, before) = get(
        app,
        &pm,
        "/api/reports/weekly?scope=estate&id=est-cuihu&week=2001-W09",
    )
    .await;
    assert_eq!(
        count_of(&before["dashboard"]["total"]["by_category"], "repair"),
        2
    );
    assert_eq!(ids(&before["reopened"]), Vec::<String>::new());

    // The workbook, read back: numbers as numbers, each list on its sheet; audited.
    let exports = audit_count(app, "export").await;
    let resp = pm
        .get(app.url(&format!("/api/reports/weekly.xlsx?{q}")))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.contains("spreadsheetml")),
        "{:?}",
        resp.headers()
    );
    let bytes = resp.bytes().await.expect("bytes");
    assert_eq!(audit_count(app, "export").await, exports + 1, "audited");
    let categories = sheet(&bytes, "类别");
    let row = |name: &str| {
        categories
            .iter()
            .find(|r| r[0].to_string().starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {categories:?}"))
            .clone()
    };
    assert_eq!(num(&row("投诉")[1]), 1.0);
    assert_eq!(num(&row("环境管理")[1]), 1.0);
    assert_eq!(num(&row("报修")[1]), 0.0);
    let channels = sheet(&bytes, "渠道");
    assert!(
        channels
            .iter()
            .any(|r| r[0].to_string().starts_with("巡查发现") && num(&r[1]) == 1.0),
        "{channels:?}"
    );
    let reference = |list: &str| -> String {
        week[list][0]["reference"]
            .as_str()
            .expect("reference")
            .to_string()
    };
    for (name, list) in [
        ("投诉清单", "complaints"),
        ("返工整改", "reopened"),
        ("巡查整改", "patrol_findings"),
    ] {
        let rows = sheet(&bytes, name);
        assert_eq!(
            rows.len(),
            1 + week[list].as_array().map_or(0, Vec::len),
            "{name}: a header and the report's orders: {rows:?}"
        );
        assert_eq!(rows[1][0].to_string(), reference(list), "{name}");
    }
    let complaints = sheet(&bytes, "投诉清单");
    assert_eq!(complaints[1][10].to_string(), "一般");
    assert_eq!(complaints[1][11].to_string(), "未认定");

    // Tenancy and bad input: refused before anything is exported.
    let (area, _) = logged_in(app, "area").await;
    let exports = audit_count(app, "export").await;
    for path in [
        "/api/reports/weekly.xlsx?scope=region&id=rg-kpi-north&week=2001-W10",
        "/api/reports/weekly?scope=region&id=rg-kpi-north&week=2001-W10",
        "/api/reports/weekly?scope=estate&id=est-kpi-north&week=2001-W10",
    ] {
        let (status, body) = get(app, &area, path).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    let (status, _) = get(
        app,
        &pm,
        "/api/reports/weekly.xlsx?scope=region&id=rg-south&week=2001-W10",
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(audit_count(app, "export").await, exports);
    let (status, region) = get(
        app,
        &area,
        "/api/reports/weekly?scope=region&id=rg-south&week=2001-W10",
    )
    .await;
    assert_eq!(status, 200, "{region}");
    assert_eq!(ids(&region["complaints"]), ["wk-c-1"]);
    for (query, field) in [
        ("scope=estate&id=est-cuihu", "week"),
        ("scope=estate&id=est-cuihu&week=2001-W60", "week"),
        ("scope=estate&id=est-cuihu&week=2001-10", "week"),
        ("scope=estate&id=est-cuihu&week=1999-W10", "week"),
    ] {
        let (status, body) = get(app, &pm, &format!("/api/reports/weekly.xlsx?{query}")).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{query}: {body}"
        );
    }
    assert_eq!(audit_count(app, "export").await, exports);
}

/// Each order's kept folded state (`store/folded.rs`): kept by the refresher, stale the moment
/// an event of the order is stored and then never trusted (the figures fold it again from the
/// events), and never trusted either when another build folded it; such states are marked
/// stale at start and folded again in the background. A read keeps nothing.
pub async fn story_kept_states(app: &TestApp) {
    let (quality, me) = logged_in(app, "quality").await;
    push_orders(
        app,
        &quality,
        &me,
        "ks-q-1",
        "est-cuihu",
        vec![(
            "ks-1",
            vec![
                (
                    reported("3栋电梯异响", Channel::Phone, Category::Repair),
                    "2001-04-03T10:00:00+08:00",
                ),
                (EventBody::Responded, "2001-04-03T10:10:00+08:00"),
            ],
        )],
    )
    .await;
    let (pm, _) = logged_in(app, "pm").await;
    let path = "/api/kpi?scope=estate&id=est-cuihu&period=custom&from=2001-04-01&to=2001-04-30";
    let open = |board: &Value| -> u64 {
        board["total"]["open_by_age"]
            .as_array()
            .expect("ages")
            .iter()
            .map(|n| n.as_u64().expect("a count"))
            .sum()
    };
    let row = || async {
        let r = sqlx::query(
            "SELECT touches, folded_touches, CAST(is_open AS BIGINT), folded_by, folded FROM orders WHERE id = 'ks-1'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("the order's row");
        (
            r.try_get::<i64, _>(0).expect("touches"),
            r.try_get::<i64, _>(1).expect("folded_touches"),
            r.try_get::<i64, _>(2).expect("is_open"),
            r.try_get::<String, _>(3).expect("folded_by"),
            r.try_get::<Option<String>, _>(4).expect("folded"),
        )
    };
    let (status, board) = get(app, &pm, path).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(
        open(&board),
        1,
        "reported and answered: open, folded by the reader"
    );
    let (touches, folded_touches, ..) = row().await;
    assert!(touches > 0, "the push touched it");
    assert_eq!(folded_touches, -1, "a read keeps nothing");
    while app.db.refresh_folded(1_000).await.expect("refresh") > 0 {}
    let (_, board) = get(app, &pm, path).await;
    assert_eq!(open(&board), 1, "the same from the kept state");
    let (touches, folded_touches, is_open, folded_by, open_state) = row().await;
    assert_eq!(folded_touches, touches, "the refresher kept what it folded");
    assert_eq!(is_open, 1);
    assert_eq!(folded_by, anju_shared::SOURCE);
    let open_state = open_state.expect("a kept state");

    // Completed on another tablet: the kept state is stale at once and the figures fold it.
    push_orders(
        app,
        &quality,
        &me,
        "ks-q-2",
        "est-cuihu",
        vec![(
            "ks-1",
            vec![(EventBody::Completed, "2001-04-04T09:00:00+08:00")],
        )],
    )
    .await;
    let (touches, folded_touches, ..) = row().await;
    assert!(touches > folded_touches, "stale until folded again");
    let (_, board) = get(app, &pm, path).await;
    assert_eq!(open(&board), 0, "a stale state is never trusted");
    while app.db.refresh_folded(1_000).await.expect("refresh") > 0 {}
    let (touches, folded_touches, is_open, ..) = row().await;
    assert_eq!((folded_touches, is_open), (touches, 0), "kept again");

    // A state another build folded (here: the open one from before, as an older server left
    // it) is not trusted either, and is marked stale at start and folded in the background.
    sqlx::query("UPDATE orders SET folded_by = 'another build', folded = $1 WHERE id = 'ks-1'")
        .bind(open_state)
        .execute(&app.db.pool)
        .await
        .expect("an older build's state");
    let (_, board) = get(app, &pm, path).await;
    assert_eq!(open(&board), 0, "another build's state is folded again");
    sqlx::query("UPDATE orders SET folded_by = 'another build' WHERE id = 'ks-1'")
        .execute(&app.db.pool)
        .await
        .expect("an older build's state");
    assert!(app.db.forget_foreign_folds().await.expect("forget") >= 1);
    let (touches, folded_touches, ..) = row().await;
    assert_ne!(touches, folded_touches, "marked stale for the refresher");
    while app.db.refresh_folded(1_000).await.expect("refresh") > 0 {}
    let (touches, folded_touches, is_open, folded_by, _) = row().await;
    assert_eq!((folded_touches, is_open), (touches, 0));
    assert_eq!(folded_by, anju_shared::SOURCE);

    // A kept state that does not read back (written around the server) is folded again, and
    // the others of the estate are still read.
    sqlx::query("UPDATE orders SET folded = '{\"not\": \"a state\"}' WHERE id = 'ks-1'")
        .execute(&app.db.pool)
        .await
        .expect("a broken state");
    let (_, board) = get(app, &pm, path).await;
    let repairs = board["total"]["by_category"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|p| p[0] == "repair")
        .and_then(|p| p[1].as_u64());
    assert_eq!(repairs, Some(1), "still counted: {board}");
    assert_eq!(open(&board), 0);
}
