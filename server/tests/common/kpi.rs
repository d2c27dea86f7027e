//! The dashboard's stories: orders pushed through `/api/sync` into three estates of two
//! regions, in a month of 2001 that no demo history reaches, then the figures each role gets:
//! a project manager their estate and nothing more, an area manager their region's estates
//! summed and no other region, the quality centre the company; the drill-down lists the
//! orders behind a figure; bad queries are refused by name.

#![allow(dead_code, unreachable_pub)]

use anju_shared::hlc::Hlc;
use anju_shared::model::{Category, Channel};
use anju_shared::order::{Event, EventBody, Reported};
use anju_shared::sync::{Outcome, SyncRequest, SyncResponse};
use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::{CSRF, TestApp, add_second_south_estate, audit_count, logged_in};

/// The period of every query: March 2001.
pub const MARCH_2001: &str = "period=custom&from=2001-03-01&to=2001-03-31";

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("time")
}

/// A region of its own with one estate, 北苑 (`est-kpi-north`), under cmsk.
pub async fn add_north_region(app: &TestApp) {
    for sql in [
        "INSERT INTO regions (id, company_id, name) VALUES ('rg-kpi-north', 'co-anju', '测试北区')",
        "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
         VALUES ('est-kpi-north', 'co-anju', 'rg-kpi-north', 'kpi-north', '北苑', 'cmsk', '+08:00', 0)",
    ] {
        sqlx::query(sql).execute(&app.db.pool).await.expect("north");
    }
}

/// Pushes, as `client` (staff id `me`) on device `device`, one repair per `(id, reported,
/// responded)` into `estate`; answers the orders' ids.
pub async fn push_repairs(
    app: &TestApp,
    client: &reqwest::Client,
    me: &str,
    device: &str,
    estate: &str,
    repairs: &[(&str, &str, &str)],
) {
    let mut push = Vec::new();
    let mut seq = 0u64;
    for (id, reported, responded) in repairs {
        for (at, body) in [
            (
                *reported,
                EventBody::Reported(Reported::by_staff(
                    "水管漏水",
                    Channel::Phone,
                    Category::Repair,
                )),
            ),
            (*responded, EventBody::Responded),
        ] {
            seq += 1;
            let at = t(at);
            push.push(Event {
                id: format!("{id}-{seq}"),
                subject: anju_shared::subject::Subject::order(*id),
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

/// Three estates' March 2001: 翠湖 one repair on time and one late, 兰亭苑 (same region) one on
/// time, 北苑 (another region) one late.
pub async fn seed_march_2001(app: &TestApp) {
    add_second_south_estate(app).await;
    add_north_region(app).await;
    let (quality, me) = logged_in(app, "quality").await;
    push_repairs(
        app,
        &quality,
        &me,
        "kpi-q-1",
        "est-cuihu",
        &[
            (
                "kpi-c-1",
                "2001-03-05T10:00:00+08:00",
                "2001-03-05T10:30:00+08:00",
            ),
            (
                "kpi-c-2",
                "2001-03-06T10:00:00+08:00",
                "2001-03-06T12:00:00+08:00",
            ),
        ],
    )
    .await;
    push_repairs(
        app,
        &quality,
        &me,
        "kpi-q-2",
        "est-south-2",
        &[(
            "kpi-s-1",
            "2001-03-07T10:00:00+08:00",
            "2001-03-07T10:20:00+08:00",
        )],
    )
    .await;
    push_repairs(
        app,
        &quality,
        &me,
        "kpi-q-3",
        "est-kpi-north",
        &[(
            "kpi-n-1",
            "2001-03-08T10:00:00+08:00",
            "2001-03-08T13:00:00+08:00",
        )],
    )
    .await;
}

/// `(numerator, denominator)` of a measure in a dashboard's total.
pub fn counts(board: &Value, measure: &str) -> (u64, u64) {
    let k = board["total"]["measures"]
        .as_array()
        .expect("measures")
        .iter()
        .find(|k| k["measure"] == measure)
        .unwrap_or_else(|| panic!("{measure} in {board}"));
    (
        k["numerator"].as_u64().expect("numerator"),
        k["denominator"].as_u64().expect("denominator"),
    )
}

fn estate_ids(board: &Value) -> Vec<String> {
    let mut ids: Vec<String> = board["estates"]
        .as_array()
        .expect("estates")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    let resp = client.get(app.url(path)).send().await.expect("get");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub async fn story_kpi_scopes(app: &TestApp) {
    seed_march_2001(app).await;
    let refused_before = audit_count(app, "access_refused").await;
    let q = MARCH_2001;

    // The project manager: their estate, and only it.
    let (pm, _) = logged_in(app, "pm").await;
    let (status, board) = get(app, &pm, &format!("/api/kpi?scope=estate&id=est-cuihu&{q}")).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(counts(&board, "repair_response_on_time"), (1, 2));
    assert_eq!(estate_ids(&board), ["est-cuihu"]);
    assert_eq!(
        (board["from"].as_str(), board["to"].as_str()),
        (Some("2001-03-01"), Some("2001-03-31"))
    );
    for other in [
        "scope=estate&id=est-south-2",
        "scope=region&id=rg-south",
        "scope=region&id=rg-kpi-north",
        "scope=company",
    ] {
        let (status, body) = get(app, &pm, &format!("/api/kpi?{other}&{q}")).await;
        assert_eq!(status, 403, "pm {other}: {body}");
    }

    // The area manager: their region summed, no other region, not the company.
    let (area, _) = logged_in(app, "area").await;
    let (status, board) = get(
        app,
        &area,
        &format!("/api/kpi?scope=region&id=rg-south&{q}"),
    )
    .await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(
        counts(&board, "repair_response_on_time"),
        (2, 3),
        "翠湖 1/2 + 兰亭苑 1/1"
    );
    let ids = estate_ids(&board);
    assert!(
        ids.contains(&"est-cuihu".to_string()) && ids.contains(&"est-south-2".to_string()),
        "{ids:?}"
    );
    assert!(!ids.contains(&"est-kpi-north".to_string()), "{ids:?}");
    let per_estate: u64 = board["estates"]
        .as_array()
        .expect("estates")
        .iter()
        .map(|e| {
            e["figures"]["measures"]
                .as_array()
                .and_then(|m| m.iter().find(|k| k["measure"] == "repair_response_on_time"))
                .and_then(|k| k["denominator"].as_u64())
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(per_estate, 3, "the total is the sum of the estates");
    for other in [
        "scope=region&id=rg-kpi-north",
        "scope=company",
        "scope=estate&id=est-kpi-north",
    ] {
        let (status, body) = get(app, &area, &format!("/api/kpi?{other}&{q}")).await;
        assert_eq!(status, 403, "area {other}: {body}");
    }

    // The quality centre: the company, every region.
    let (quality, _) = logged_in(app, "quality").await;
    let (status, board) = get(app, &quality, &format!("/api/kpi?scope=company&{q}")).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(counts(&board, "repair_response_on_time"), (2, 4));
    let (status, board) = get(
        app,
        &quality,
        &format!("/api/kpi?scope=region&id=rg-kpi-north&{q}"),
    )
    .await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(counts(&board, "repair_response_on_time"), (0, 1));

    // The drill-down: the orders behind each side of the figure, by reference.
    let (status, drill) = get(
        app,
        &area,
        &format!("/api/kpi/orders?scope=region&id=rg-south&measure=repair_response_on_time&{q}"),
    )
    .await;
    assert_eq!(status, 200, "{drill}");
    let ids = |side: &str| {
        let mut v: Vec<String> = drill[side]
            .as_array()
            .expect("side")
            .iter()
            .map(|o| o["id"].as_str().expect("id").to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("numerator"), ["kpi-c-1", "kpi-s-1"]);
    assert_eq!(ids("denominator"), ["kpi-c-1", "kpi-c-2", "kpi-s-1"]);
    let (status, _) = get(
        app,
        &pm,
        &format!("/api/kpi/orders?scope=region&id=rg-south&measure=repair_response_on_time&{q}"),
    )
    .await;
    assert_eq!(status, 403, "no drill-down around the scope check");

    // Twelve months of trend, each month's figures.
    let (status, trend) = get(app, &pm, "/api/kpi/trend?scope=estate&id=est-cuihu").await;
    assert_eq!(status, 200, "{trend}");
    assert_eq!(trend["months"].as_array().map(Vec::len), Some(12));

    // Bad queries name the field.
    for (query, field) in [
        ("scope=estate&id=est-cuihu&period=fortnight", "period"),
        (
            "scope=estate&id=est-cuihu&period=custom&to=2001-03-31",
            "from",
        ),
        (
            "scope=estate&id=est-cuihu&period=custom&from=2001-03-31&to=2001-03-01",
            "to",
        ),
        (
            "scope=estate&id=est-cuihu&period=custom&from=2001-02-30&to=2001-03-01",
            "from",
        ),
        ("scope=galaxy&id=est-cuihu", "scope"),
    ] {
        let (status, body) = get(app, &pm, &format!("/api/kpi?{query}")).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{query}: {body}"
        );
    }
    let (status, body) = get(
        app,
        &pm,
        &format!("/api/kpi/orders?scope=estate&id=est-cuihu&{q}"),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("measure")),
        "{body}"
    );

    // What each may ask for.
    let (_, scopes) = get(app, &pm, "/api/kpi/scopes").await;
    assert!(scopes["company"].is_null(), "{scopes}");
    assert!(
        !scopes["regions"].to_string().contains("rg-kpi-north"),
        "{scopes}"
    );
    let (_, scopes) = get(app, &area, "/api/kpi/scopes").await;
    assert!(
        scopes["regions"].to_string().contains("rg-south"),
        "{scopes}"
    );
    assert!(
        !scopes["regions"].to_string().contains("rg-kpi-north"),
        "{scopes}"
    );
    assert!(scopes["company"].is_null(), "{scopes}");
    let (_, scopes) = get(app, &quality, "/api/kpi/scopes").await;
    assert!(scopes["company"].is_string(), "{scopes}");

    // Every refusal was audited.
    assert!(audit_count(app, "access_refused").await >= refused_before + 8);
}

/// A workbook's sheet as rows of cells.
pub fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let range = book.worksheet_range(name).expect("the sheet");
    range.rows().map(<[calamine::Data]>::to_vec).collect()
}

pub fn number(cell: &calamine::Data) -> f64 {
    match cell {
        calamine::Data::Float(f) => *f,
        calamine::Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// The monthly report: the dashboard's figures for the same month, in the page's JSON and in
/// the workbook read back cell by cell; the estate's analysis saved with it by its project
/// manager only; every export audited.
pub async fn story_monthly_report(app: &TestApp) {
    seed_march_2001(app).await;
    let (pm, _) = logged_in(app, "pm").await;
    let (status, board) = get(
        app,
        &pm,
        &format!("/api/kpi?scope=estate&id=est-cuihu&{MARCH_2001}"),
    )
    .await;
    assert_eq!(status, 200, "{board}");
    let (status, report) = get(
        app,
        &pm,
        "/api/reports/monthly?scope=estate&id=est-cuihu&month=2001-03",
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["dashboard"]["total"], board["total"],
        "the report's figures are the dashboard's"
    );
    assert_eq!(
        report["due"], "2001-04-05",
        "an estate's report is due by the 5th"
    );

    // The estate's analysis, saved with the month by its project manager, not by the desk.
    let analysis = "维修响应超时一单:夜间值班人手不足";
    let (status, saved) = super::send_json(
        app,
        &pm,
        reqwest::Method::PUT,
        "/api/estates/est-cuihu/reports/2001-03",
        serde_json::json!({"analysis": analysis, "measures": "增加夜班维修人员", "status": "submitted"}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    let (desk, _) = logged_in(app, "desk").await;
    let (status, _) = super::send_json(
        app,
        &desk,
        reqwest::Method::PUT,
        "/api/estates/est-cuihu/reports/2001-03",
        serde_json::json!({"analysis": "x", "measures": "", "status": "draft"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, err) = super::send_json(
        app,
        &pm,
        reqwest::Method::PUT,
        "/api/estates/est-cuihu/reports/2001-03",
        serde_json::json!({"analysis": "长".repeat(4001), "measures": "", "status": "draft"}),
    )
    .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("analysis")),
        "{err}"
    );
    let (status, err) = super::send_json(
        app,
        &pm,
        reqwest::Method::PUT,
        "/api/estates/est-cuihu/reports/2001-13",
        serde_json::json!({"analysis": "", "measures": "", "status": "draft"}),
    )
    .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("month")),
        "{err}"
    );

    // The workbook, read back: the same numbers, as numbers.
    let exports = audit_count(app, "export").await;
    let resp = pm
        .get(app.url("/api/reports/monthly.xlsx?scope=estate&id=est-cuihu&month=2001-03"))
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
    assert_eq!(
        audit_count(app, "export").await,
        exports + 1,
        "every export is audited"
    );
    let rows = sheet(&bytes, "指标");
    let measures = board["total"]["measures"].as_array().expect("measures");
    assert!(rows.len() > measures.len(), "{rows:?}");
    for (i, k) in measures.iter().enumerate() {
        let row = &rows[i + 1];
        let name = row[0].to_string();
        let measure = k["measure"]
            .as_str()
            .and_then(anju_shared::kpi::Measure::parse)
            .expect("a measure");
        assert!(name.starts_with(measure.zh()), "{name}");
        assert_eq!(
            number(&row[2]),
            k["numerator"].as_f64().expect("n"),
            "{name}"
        );
        assert_eq!(
            number(&row[3]),
            k["denominator"].as_f64().expect("d"),
            "{name}"
        );
        match k["ratio"].as_f64() {
            Some(r) => assert!((number(&row[1]) - r).abs() < 1e-9, "{name}"),
            None => assert_eq!(row[1].to_string(), "—", "{name}"),
        }
    }
    let categories = sheet(&bytes, "类别");
    let repair = categories
        .iter()
        .find(|r| r[0].to_string().starts_with("报修"))
        .expect("the repairs' row");
    assert_eq!(number(&repair[1]), 2.0);
    let notes = sheet(&bytes, "分析");
    assert!(
        notes.iter().any(|r| r.iter().any(|c| *c == analysis)),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|r| r.iter().any(|c| *c == "已提交")),
        "{notes:?}"
    );

    // The area manager's region, summed; another region's workbook is refused and not
    // exported.
    let (area, _) = logged_in(app, "area").await;
    let resp = area
        .get(app.url("/api/reports/monthly.xlsx?scope=region&id=rg-south&month=2001-03"))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("bytes");
    let rows = sheet(&bytes, "指标");
    let on_time = rows
        .iter()
        .find(|r| r[0].to_string().starts_with("报修及时响应率"))
        .expect("repair response row");
    assert_eq!((number(&on_time[2]), number(&on_time[3])), (2.0, 3.0));
    let exports = audit_count(app, "export").await;
    let status = area
        .get(app.url("/api/reports/monthly.xlsx?scope=region&id=rg-kpi-north&month=2001-03"))
        .send()
        .await
        .expect("xlsx")
        .status();
    assert_eq!(status, 403);
    assert_eq!(audit_count(app, "export").await, exports);
}
