//! Major customer events over HTTP: the C-6 triggers the server decides from the stored events,
//! a special report refused by name (zh and en) when a field is missing or the order is no
//! major customer event — changing nothing —, saved by a supervisor only, audited, read back
//! with the order's timeline and carried into the month's workbook (read back with calamine).

use anju_shared::model::{Category, Channel};
use anju_shared::order::{Assessment, EventBody, Reported};
use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};

use super::devices::Device;
use super::{TestApp, audit_count, logged_in, send_json};

fn url(order: &str) -> String {
    format!("/api/estates/est-cuihu/orders/{order}/special-report")
}

fn complaint(text: &str) -> EventBody {
    let mut r = Reported::by_staff(text, Channel::Phone, Category::Complaint);
    r.location = "5栋1单元301".into();
    EventBody::Reported(r)
}

fn report() -> Value {
    json!({
        "description": "5栋外墙渗水,业主联系电视台报道",
        "cause": "雨季前未做外墙防水检查",
        "responsibility": "工程部主管负主要责任",
        "corrective": "三日内完成外墙修补并逐户回访",
        "preventive": "每年雨季前检查外墙防水",
        "people": "工程部刘洋、客服主管赵丽、5栋住户"
    })
}

pub async fn story_special_reports(app: &TestApp) {
    let mut d = Device::login(app, "desk", "special-tablet", 0).await;
    let now = Utc::now().timestamp_millis();
    let event = uuid::Uuid::now_v7().to_string();
    let plain = uuid::Uuid::now_v7().to_string();
    d.record(&event, complaint("外墙渗水三个月没人管"), now - 60_000);
    d.record(
        &event,
        EventBody::Assessed(Assessment {
            flags: Some(vec!["media".into()]),
            ..Assessment::default()
        }),
        now - 50_000,
    );
    d.record(
        &event,
        EventBody::Note {
            text: "业主情绪激动".into(),
        },
        now - 45_000,
    );
    d.record(&event, EventBody::Responded, now - 40_000);
    d.record(&plain, complaint("保安态度不好"), now - 30_000);
    d.sync_all().await;
    assert!(d.rejected.is_empty(), "{:?}", d.rejected);

    let (desk, _) = logged_in(app, "desk").await;
    let (cs, _) = logged_in(app, "cs").await;
    let view = app.get_json(&desk, &url(&event)).await;
    assert_eq!(view["triggers"], json!(["media"]), "{view}");
    assert_eq!(view["saved"], Value::Null);
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["reported", "assessed", "responded"],
        "notes stay out: {view}"
    );

    // The desk reads, a supervisor writes.
    let (status, _) = send_json(app, &desk, Method::PUT, &url(&event), report()).await;
    assert_eq!(status, 403);
    // A missing part is named, in both languages.
    for (field, body, order) in [
        ("cause", json!({"cause": "  "}), &event),
        ("people", json!({"people": ""}), &event),
    ] {
        let mut sent = report();
        if let (Some(m), Some(patch)) = (sent.as_object_mut(), body.as_object()) {
            for (k, v) in patch {
                m.insert(k.clone(), v.clone());
            }
        }
        let (status, err) = send_json(app, &cs, Method::PUT, &url(order), sent).await;
        assert_eq!((status, err["field"].as_str()), (400, Some(field)), "{err}");
        assert!(
            err["message_zh"].as_str().is_some_and(|m| !m.is_empty()),
            "{err}"
        );
    }
    assert_eq!(
        app.get_json(&cs, &url(&event)).await["saved"],
        Value::Null,
        "nothing saved"
    );
    assert_eq!(audit_count(app, "special_report_saved").await, 0);

    let (status, saved) = send_json(app, &cs, Method::PUT, &url(&event), report()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["saved"]["report"]["cause"], "雨季前未做外墙防水检查");
    assert_eq!(saved["saved"]["triggers"], json!(["media"]));
    assert_eq!(audit_count(app, "special_report_saved").await, 1);
    let read = app.get_json(&desk, &url(&event)).await;
    assert_eq!(read["saved"]["report"], report(), "{read}");
    let reference = read["reference"].as_str().expect("reference").to_string();
    // An order without a trigger keeps an empty list of them; one of no estate is not found.
    let (status, other) = send_json(app, &cs, Method::PUT, &url(&plain), report()).await;
    assert_eq!(
        (status, &other["saved"]["triggers"]),
        (200, &json!([])),
        "{other}"
    );
    let (status, _) = send_json(app, &cs, Method::PUT, &url("no-such-order"), report()).await;
    assert_eq!(status, 404);

    // The month's workbook carries it, with its timeline.
    let month = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00"))
        .format("%Y-%m")
        .to_string();
    let (pm, _) = logged_in(app, "pm").await;
    let resp = pm
        .get(app.url(&format!(
            "/api/reports/monthly.xlsx?scope=estate&id=est-cuihu&month={month}"
        )))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("bytes");
    let rows = super::kpi::sheet(&bytes, "重大客户事件");
    assert_eq!(rows.len(), 3, "a header and two reports: {rows:?}");
    let row: Vec<String> = rows
        .iter()
        .map(|r| r.iter().map(ToString::to_string).collect::<Vec<String>>())
        .find(|r| r.get(1) == Some(&reference))
        .expect("the event's row");
    assert_eq!(row[1], reference);
    assert_eq!(row[2], "媒体负面报道");
    assert_eq!(row[4], "雨季前未做外墙防水检查");
    assert_eq!(row[8], "工程部刘洋、客服主管赵丽、5栋住户");
    let steps: Vec<&str> = row[9].lines().collect();
    assert_eq!(steps.len(), 3, "{steps:?}");
    assert!(
        steps[0].ends_with("报事") && steps[2].ends_with("到场/响应"),
        "{steps:?}"
    );
    // The month's JSON report carries the same.
    let json = app
        .get_json(
            &pm,
            &format!("/api/reports/monthly?scope=estate&id=est-cuihu&month={month}"),
        )
        .await;
    assert_eq!(json["special_reports"][0]["reference"], reference.as_str());
}
