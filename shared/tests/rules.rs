//! Table-driven cases for every rule the engine implements, each citing its rule id
//! (DOMAIN.md C-1…C-7, D-1…D-8), written as `check(input, expect)`: the input is an
//! EVAL.md document, the expectation a compact rendering of the answer.

use anju_shared::classify::classify;
use anju_shared::eval::{EvalOutput, eval_str};
use anju_shared::model::{Category, RepairScope};
use serde_json::{Value, json};

/// Which part of the answer a case looks at.
#[derive(Clone, Copy, PartialEq)]
enum Show {
    All,
    Escalation,
    Severity,
    Category,
}

/// Renders an answer compactly: one header line per order, then its deadlines
/// (`MM-DD HH:MM` in the calendar's offset), escalation and severity.
fn render(out: &EvalOutput, show: Show) -> String {
    let mut s = String::new();
    for o in &out.orders {
        let urgent = if o.urgent { " urgent" } else { "" };
        match show {
            Show::Escalation => s.push_str(&format!("{} {}\n", o.id, o.escalation)),
            Show::Severity => s.push_str(&format!(
                "{} {}\n",
                o.id,
                o.complaint.map_or("-", |c| c.severity.as_str())
            )),
            Show::Category => s.push_str(&format!("{} {}{urgent}\n", o.id, o.category)),
            Show::All => {
                s.push_str(&format!("{} {}{urgent}\n", o.id, o.category));
                for d in &o.deadlines {
                    s.push_str(&format!(
                        "  {} {} {}\n",
                        d.kind,
                        d.due.format("%m-%d %H:%M"),
                        d.status
                    ));
                }
                s.push_str(&format!("  escalation {}\n", o.escalation));
                if let Some(c) = o.complaint {
                    s.push_str(&format!("  severity {}\n", c.severity));
                }
            }
        }
    }
    s
}

fn normalise(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn run(input: &Value, show: Show) -> String {
    match eval_str(&input.to_string()) {
        Ok(text) => match serde_json::from_str::<EvalOutput>(&text) {
            Ok(out) => render(&out, show),
            Err(e) => format!("unreadable output: {e}"),
        },
        Err(e) => format!("error: {e}"),
    }
}

#[track_caller]
fn check(input: Value, expect: &str) {
    check_show(input, Show::All, expect);
}

#[track_caller]
fn check_show(input: Value, show: Show, expect: &str) {
    let got = normalise(&run(&input, show));
    let want = normalise(expect);
    assert_eq!(got, want, "\n--- got ---\n{got}\n--- want ---\n{want}\n");
}

/// An error case: the one-line message, exactly.
#[track_caller]
fn check_err(input: &str, expect: &str) {
    match eval_str(input) {
        Ok(out) => panic!("expected error {expect:?}, got output {out}"),
        Err(e) => {
            let line = e.to_string();
            assert!(
                !line.contains('\n'),
                "error is more than one line: {line:?}"
            );
            assert_eq!(line, expect);
        }
    }
}

// ---- C-1, C-2, C-7: classification ---------------------------------------------

#[test]
fn c1_every_category_is_reachable_from_text() {
    let cases = [
        ("我要投诉,管家态度很差", Category::Complaint),
        ("卫生间漏水,麻烦派师傅来修", Category::Repair),
        ("楼上装修电钻声太大", Category::Renovation),
        ("我的电动车被偷了", Category::Security),
        ("我的车位被别人占了", Category::Vehicles),
        ("门禁卡消磁了,想重新办一张", Category::Equipment),
        ("楼下垃圾桶满了没人清理", Category::Environment),
        ("保安上班时间一直在玩手机", Category::Staff),
        ("电梯里贴满了小广告", Category::CommunityBusiness),
        ("建议在小区里多放几个垃圾分类桶", Category::Suggestion),
        ("表扬3号楼的保洁阿姨", Category::Praise),
        ("请问物业费可以在网上缴纳吗?", Category::Consultation),
        ("想预约上门保洁", Category::SpecialService),
        ("你好", Category::Other),
    ];
    assert_eq!(cases.len(), Category::ALL.len());
    for (text, want) in cases {
        let got = classify(text);
        assert_eq!(got.category, want, "{text}: {got:?}");
        assert!(
            want == Category::Other || !got.evidence.is_empty(),
            "{text}: no evidence"
        );
    }
}

#[test]
fn c2_scope_in_home_or_public() {
    let cases = [
        ("我家厨房水龙头漏水", Some(RepairScope::InHome)),
        ("楼道灯不亮", Some(RepairScope::Public)),
        ("8栋电梯坏了", Some(RepairScope::Public)),
        ("bathroom sink is leaking", Some(RepairScope::InHome)),
        ("你好", None),
    ];
    for (text, want) in cases {
        assert_eq!(classify(text).scope, want, "{text}");
    }
}

#[test]
fn c2_place_and_topic_form_the_issue_key() {
    let cases = [
        ("3栋电梯困人", Some("B3"), Some("elevator")),
        ("3号楼门口垃圾堆了好几天", Some("B3"), Some("garbage")),
        (
            "building 3: the lift is broken",
            Some("B3"),
            Some("elevator"),
        ),
        ("地库里有车乱停", Some("car_park"), Some("parking")),
        ("电梯坏了", Some("elevator"), Some("elevator")),
        ("楼上太吵了", None, Some("noise")),
    ];
    for (text, place, topic) in cases {
        let c = classify(text);
        assert_eq!(c.place.as_deref(), place, "{text}");
        assert_eq!(c.topic.as_deref(), topic, "{text}");
    }
    assert_eq!(classify("5栋2单元楼道灯不亮").unit.as_deref(), Some("U2"));
}

#[test]
fn c7_urgent_words_in_three_scripts() {
    let urgent = [
        "楼道里有烟,好像着火了!",
        "樓道有濃煙,好像火災",
        "There's smoke coming out of the flat, fire!",
        "闻到很大的煤气味",
        "聞到煤氣味",
        "I smell gas in the corridor",
        "地下室水浸了",
        "車庫水浸",
        "The basement is flooded",
        "3栋电梯困人",
        "電梯困人",
        "Someone is trapped in the elevator",
        "小孩摔倒了,头流血了",
        "my neighbour fell and is bleeding",
        "有位老人晕倒了,请叫120",
        "An old man collapsed, call an ambulance",
    ];
    for text in urgent {
        assert!(classify(text).urgent, "C-7: {text} should be urgent");
    }
    let calm = [
        "电梯没有困人,只是门关得慢",
        "灭火器放在楼道里挡路了",
        "火锅店的油烟太大了",
        "消防演习是几点开始?",
        "The fire exit is blocked by boxes",
        "卫生间漏水",
        "请问燃气费怎么交",
    ];
    for text in calm {
        assert!(!classify(text).urgent, "C-7: {text} is not urgent");
    }
}

#[test]
fn c7_eval_classifies_when_absent_and_explicit_values_win() {
    check_show(
        json!({
            "policy": "cmsk",
            "now": "2026-03-10T12:00:00+08:00",
            "orders": [
                {"id": "derived", "text": "3栋电梯困人", "reported_at": "2026-03-10T10:00:00+08:00"},
                {"id": "override_urgent", "text": "楼道里有烟,好像着火了", "urgent": false,
                 "reported_at": "2026-03-10T10:00:00+08:00"},
                {"id": "override_category", "text": "楼道里有烟,好像着火了", "category": "repair",
                 "reported_at": "2026-03-10T10:00:00+08:00"},
                {"id": "no_text", "reported_at": "2026-03-10T10:00:00+08:00"}
            ]
        }),
        Show::Category,
        "derived repair urgent
         override_urgent security
         override_category repair urgent
         no_text other",
    );
}

// ---- D-1 dispatch -----------------------------------------------------------------

#[test]
fn d1_cmsk_dispatch_by_day_and_night() {
    let order = |id: &str, at: &str, urgent: bool| {
        json!({"id": id, "category": "consultation", "urgent": urgent,
               "reported_at": format!("2026-03-10T{at}:00+08:00")})
    };
    check(
        json!({
            "policy": "cmsk",
            "now": "2026-03-10T00:00:00+08:00",
            "orders": [
                order("day", "10:00", false),
                order("nine", "09:00", false),
                order("early", "08:59", false),
                order("six", "18:00", false),
                order("night", "19:30", false),
                order("urgent_night", "22:00", true),
            ]
        }),
        "day consultation
           dispatch 03-10 10:10 open
           escalation none
         nine consultation
           dispatch 03-10 09:10 open
           escalation none
         early consultation
           dispatch 03-10 09:00 open
           escalation none
         six consultation
           dispatch 03-11 09:00 open
           escalation none
         night consultation
           dispatch 03-11 09:00 open
           escalation none
         urgent_night consultation urgent
           dispatch 03-10 22:10 open
           escalation none",
    );
}

#[test]
fn d1_crland_and_cgy_dispatch() {
    let input = |policy: &str| {
        json!({
            "policy": policy,
            "now": "2026-03-10T00:00:00+08:00",
            "orders": [
                {"id": "night", "category": "security", "urgent": false,
                 "reported_at": "2026-03-10T22:00:00+08:00"},
                {"id": "public", "category": "security", "urgent": false, "scope": "public",
                 "reported_at": "2026-03-10T22:00:00+08:00"}
            ]
        })
    };
    // crland dispatches around the clock, 10 minutes.
    check(
        input("crland"),
        "night security
           dispatch 03-10 22:10 open
           escalation none
         public security
           dispatch 03-10 22:10 open
           escalation none",
    );
    // cgy: notify engineering within 3 minutes; public facilities within 10 [003 10.4].
    check(
        input("cgy"),
        "night security
           dispatch 03-10 22:03 open
           escalation none
         public security
           dispatch 03-10 22:10 open
           escalation none",
    );
}

// ---- D-2 response, D-3 completion, D-5 complaints ------------------------------------

#[test]
fn d2_d3_cmsk_repairs_by_time_and_size() {
    let repair = |id: &str, at: &str, size: &str, urgent: bool| {
        json!({"id": id, "category": "repair", "urgent": urgent, "repair_size": size,
               "reported_at": format!("2026-03-10T{at}:00+08:00")})
    };
    check(
        json!({
            "policy": "cmsk",
            "now": "2026-03-10T00:00:00+08:00",
            "orders": [
                repair("general", "10:00", "general", false),
                repair("small", "10:00", "small", false),
                repair("small_late", "18:30", "small", false),
                repair("medium", "10:00", "medium", false),
                repair("major", "10:00", "major", false),
                repair("night", "19:30", "general", false),
                repair("urgent_night", "22:00", "general", true),
            ]
        }),
        "general repair
           dispatch 03-10 10:10 open
           response 03-10 11:00 open
           completion 03-10 19:00 open
           escalation none
         small repair
           dispatch 03-10 10:10 open
           response 03-10 11:00 open
           completion 03-11 00:00 open
           escalation none
         small_late repair
           dispatch 03-11 09:00 open
           response 03-11 09:00 open
           completion 03-12 00:00 open
           escalation none
         medium repair
           dispatch 03-10 10:10 open
           response 03-10 11:00 open
           completion 03-13 10:00 open
           escalation none
         major repair
           dispatch 03-10 10:10 open
           response 03-10 11:00 open
           completion 03-15 10:00 open
           escalation none
         night repair
           dispatch 03-11 09:00 open
           response 03-11 09:00 open
           completion 03-11 17:00 open
           escalation none
         urgent_night repair urgent
           dispatch 03-10 22:10 open
           response 03-10 23:00 open
           completion 03-11 07:00 open
           escalation none",
    );
}

#[test]
fn d2_crland_response_follows_the_first_dispatch() {
    check(
        json!({
            "policy": "crland",
            "now": "2026-03-10T10:40:00+08:00",
            "orders": [
                {"id": "dispatched", "category": "repair", "reported_at": "2026-03-10T10:00:00+08:00",
                 "repair_size": "major",
                 "events": [{"type": "dispatched", "at": "2026-03-10T10:20:00+08:00"},
                            {"type": "dispatched", "at": "2026-03-10T10:05:00+08:00"},
                            {"type": "responded", "at": "2026-03-10T10:25:00+08:00"}]},
                {"id": "not_dispatched", "category": "repair", "reported_at": "2026-03-10T10:00:00+08:00"}
            ]
        }),
        "dispatched repair
           dispatch 03-10 10:10 met
           response 03-10 10:25 met
           completion 03-11 00:00 open
           escalation none
         not_dispatched repair
           dispatch 03-10 10:10 overdue
           response 03-10 10:30 overdue
           completion 03-11 00:00 open
           escalation none",
    );
}

#[test]
fn d5_complaints_same_day_and_within_30_minutes() {
    check(
        json!({
            "policy": "cmsk",
            "now": "2026-03-16T22:00:00+08:00",
            "orders": [
                {"id": "evening", "category": "complaint", "reported_at": "2026-03-10T19:30:00+08:00",
                 "events": [{"type": "responded", "at": "2026-03-10T19:50:00+08:00"},
                            {"type": "completed", "at": "2026-03-11T10:00:00+08:00"},
                            {"type": "called_back", "at": "2026-03-16T21:00:00+08:00", "score": 4}]}
            ]
        }),
        "evening complaint
           dispatch 03-11 09:00 overdue
           response 03-10 20:00 met
           completion 03-12 00:00 met
           callback 03-16 21:00 met
           escalation none
           severity general",
    );
}

// ---- D-4, D-7, D-8 callbacks ---------------------------------------------------------

#[test]
fn d4_d8_cmsk_callback_in_working_days() {
    let done = |id: &str, completed: &str, called: Option<&str>| {
        let mut events = vec![json!({"type": "completed", "at": completed})];
        if let Some(at) = called {
            events.push(json!({"type": "called_back", "at": at, "score": 5}));
        }
        json!({"id": id, "category": "repair", "reported_at": "2026-02-10T10:00:00+08:00",
               "events": events})
    };
    check_show(
        json!({
            "policy": "cmsk",
            "now": "2026-03-20T12:00:00+08:00",
            "orders": [done("fri", "2026-03-13T15:00:00+08:00", Some("2026-03-18T21:00:00+08:00"))],
        }),
        Show::All,
        "fri repair
           dispatch 02-10 10:10 overdue
           response 02-10 11:00 overdue
           completion 02-10 19:00 missed
           callback 03-18 21:00 met
           escalation quality_centre",
    );
    // Spring Festival 2026: 02-14 (Sat) is a make-up working day, 02-15…02-23 are off.
    let holidays: Vec<String> = (15..=23).map(|d| format!("2026-02-{d:02}")).collect();
    let input = json!({
        "policy": "cmsk",
        "calendar": {"utc_offset": "+08:00", "holidays": holidays, "workdays": ["2026-02-14"]},
        "now": "2026-03-20T12:00:00+08:00",
        "orders": [
            done("sat", "2026-03-14T15:00:00+08:00", Some("2026-03-18T21:00:01+08:00")),
            done("festival", "2026-02-13T15:00:00+08:00", None),
        ]
    });
    let got = run(&input, Show::All);
    assert!(
        got.contains("callback 03-18 21:00 missed"),
        "D-8 Saturday: {got}"
    );
    assert!(
        got.contains("callback 02-25 21:00 overdue"),
        "D-8 festival: {got}"
    );
}

#[test]
fn d7_crland_callback_moves_out_of_forbidden_times() {
    let done = |id: &str, at: &str| {
        json!({"id": id, "category": "repair", "reported_at": "2026-03-10T08:00:00+08:00",
               "events": [{"type": "completed", "at": format!("2026-03-10T{at}:00+08:00")}]})
    };
    let input = json!({
        "policy": "crland",
        "now": "2026-03-10T08:00:00+08:00",
        "orders": [
            done("lunch", "12:30"), done("late", "22:00"), done("morning", "09:30"),
            done("before_two", "13:59"), done("two", "14:00"), done("ten", "10:00"),
            done("noon", "12:00"), done("nine_pm", "21:00"),
        ]
    });
    let got = run(&input, Show::All);
    let callbacks: Vec<&str> = got
        .lines()
        .filter(|l| l.trim_start().starts_with("callback"))
        .map(str::trim)
        .collect();
    assert_eq!(
        callbacks,
        [
            "callback 03-11 12:00 open",
            "callback 03-11 21:00 open",
            "callback 03-10 21:00 open",
            "callback 03-11 12:00 open",
            "callback 03-11 14:00 open",
            "callback 03-11 10:00 open",
            "callback 03-11 12:00 open",
            "callback 03-11 21:00 open",
        ]
    );
}

#[test]
fn d4_no_callback_deadline_before_completion() {
    let got = run(
        &json!({"policy": "crland", "now": "2026-03-10T12:00:00+08:00",
                "orders": [{"id": "a", "category": "repair", "reported_at": "2026-03-10T10:00:00+08:00",
                            "events": [{"type": "called_back", "at": "2026-03-10T11:00:00+08:00"}]}]}),
        Show::All,
    );
    assert!(!got.contains("callback"), "{got}");
}

// ---- D-6 escalation ----------------------------------------------------------------

#[test]
fn d6_escalation_ladder_thresholds_are_strict() {
    let order = |id: &str, at: &str| json!({"id": id, "category": "repair", "reported_at": format!("2026-03-{at}:00+08:00")});
    check_show(
        json!({
            "policy": "crland",
            "now": "2026-03-30T12:00:00+08:00",
            "orders": [
                order("fresh", "30T11:00"),
                order("yesterday", "29T13:00"),
                order("evening", "29T18:30"),
                order("exactly_48h", "28T12:00"),
                order("over_48h", "28T11:59"),
                order("over_72h", "27T11:59"),
                order("over_7d", "23T11:59"),
                order("over_15d", "15T11:59"),
                {"id": "completed", "category": "complaint", "reported_at": "2026-03-15T11:59:00+08:00",
                 "events": [{"type": "completed", "at": "2026-03-15T20:00:00+08:00"}]},
                {"id": "completed_late", "category": "repair", "reported_at": "2026-03-15T11:59:00+08:00",
                 "events": [{"type": "completed", "at": "2026-03-19T12:00:00+08:00"}]},
                {"id": "not_tracked", "category": "consultation", "reported_at": "2026-03-01T10:00:00+08:00"},
            ]
        }),
        Show::Escalation,
        "fresh none
         yesterday department_supervisor
         evening none
         exactly_48h department_supervisor
         over_48h cs_supervisor
         over_72h project_manager
         over_7d area_manager
         over_15d quality_centre
         completed none
         completed_late project_manager
         not_tracked none",
    );
}

// ---- C-5 complaint severity ---------------------------------------------------------

#[test]
fn c5_complaint_severity() {
    let done = |id: &str, day: u32, extra: Value| {
        let mut o = json!({
            "id": id, "category": "complaint",
            "reported_at": format!("2026-03-{day:02}T10:00:00+08:00"),
            "events": [{"type": "completed", "at": format!("2026-03-{day:02}T11:00:00+08:00")}]
        });
        if let (Some(o), Some(extra)) = (o.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                o.insert(k.clone(), v.clone());
            }
        }
        o
    };
    let issue = |place: &str, topic: &str, reporter: Option<&str>| {
        let mut v = json!({"place": place, "topic": topic});
        if let (Some(r), Some(m)) = (reporter, v.as_object_mut()) {
            m.insert("reporter".into(), json!(r));
        }
        v
    };
    check_show(
        json!({
            "policy": "crland",
            "now": "2026-03-31T12:00:00+08:00",
            "orders": [
                done("media", 20, json!({"flags": ["media"]})),
                done("litigation", 20, json!({"flags": ["litigation"]})),
                done("ten_people", 20, json!({"people": 10})),
                done("three_people", 20, json!({"people": 3})),
                done("two_people", 20, json!({"people": 2})),
                done("same1", 1, issue("B1", "noise", Some("r1"))),
                done("same2", 5, issue("B1", "noise", Some("r1"))),
                done("same3", 20, issue("B1", "noise", Some("r1"))),
                done("twice1", 1, issue("B1", "water_leak", Some("r2"))),
                done("twice2", 2, issue("B1", "water_leak", Some("r2"))),
                done("span1", 1, issue("B2", "elevator", Some("p1"))),
                done("span2", 15, issue("B2", "elevator", Some("p2"))),
                done("span3", 31, issue("B2", "elevator", Some("p3"))),
                {"id": "wide1", "category": "complaint", "place": "B3", "topic": "elevator", "reporter": "q1",
                 "reported_at": "2026-03-01T09:59:00+08:00",
                 "events": [{"type": "completed", "at": "2026-03-01T11:00:00+08:00"}]},
                done("wide2", 15, issue("B3", "elevator", Some("q2"))),
                done("wide3", 31, issue("B3", "elevator", Some("q3"))),
                done("anon1", 20, issue("B4", "garbage", None)),
                done("anon2", 21, issue("B4", "garbage", None)),
                done("anon3", 22, issue("B4", "garbage", None)),
                done("noplace1", 20, json!({"topic": "noise", "reporter": "x1"})),
                done("noplace2", 20, json!({"topic": "noise", "reporter": "x2"})),
                done("noplace3", 20, json!({"topic": "noise", "reporter": "x3"})),
                done("now1", 30, issue("B5", "noise", Some("y1"))),
                done("now2", 30, issue("B5", "noise", Some("y2"))),
                {"id": "future", "category": "complaint", "place": "B5", "topic": "noise", "reporter": "y3",
                 "reported_at": "2026-04-01T10:00:00+08:00"},
                {"id": "open_week", "category": "complaint", "reported_at": "2026-03-24T11:59:00+08:00"},
                {"id": "open_6d", "category": "complaint", "reported_at": "2026-03-25T12:00:00+08:00"},
                {"id": "open_month", "category": "complaint", "reported_at": "2026-02-28T11:59:00+08:00"},
                {"id": "repair", "category": "repair", "flags": ["media"],
                 "reported_at": "2026-03-20T10:00:00+08:00"},
            ]
        }),
        Show::Severity,
        "media major
         litigation major
         ten_people major
         three_people hotspot
         two_people general
         same1 major
         same2 major
         same3 major
         twice1 general
         twice2 general
         span1 hotspot
         span2 hotspot
         span3 hotspot
         wide1 general
         wide2 general
         wide3 general
         anon1 hotspot
         anon2 hotspot
         anon3 hotspot
         noplace1 general
         noplace2 general
         noplace3 general
         now1 general
         now2 general
         future general
         open_week hotspot
         open_6d general
         open_month major
         repair -",
    );
}

// ---- output form and errors (EVAL.md) ------------------------------------------------

#[test]
fn times_are_written_in_the_calendars_offset_to_the_second() {
    let out = eval_str(
        &json!({
            "policy": "crland",
            "calendar": {"utc_offset": "+08:00"},
            "now": "2026-03-10T04:00:00Z",
            "orders": [{"id": "utc", "category": "other", "reported_at": "2026-03-10T01:30:00.750Z",
                        "extra": "ignored"}],
            "extra": true
        })
        .to_string(),
    );
    let out: Value = out
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    assert_eq!(
        out["orders"][0]["deadlines"][0]["due"],
        json!("2026-03-10T09:40:00+08:00")
    );
    assert_eq!(out["orders"][0]["complaint"], Value::Null);
}

#[test]
fn bad_input_names_the_field() {
    let ok_order = r#"{"id": "a", "reported_at": "2026-03-10T10:00:00+08:00"}"#;
    let doc = |policy: &str, now: &str, orders: &str| {
        format!(r#"{{"policy": {policy}, "now": {now}, "orders": {orders}}}"#)
    };
    let now = r#""2026-03-10T12:00:00+08:00""#;
    check_err(
        &doc(
            r#""cmsk""#,
            now,
            &format!(r#"[{ok_order}, {{"id": "b", "reported_at": "yesterday"}}]"#),
        ),
        "orders[1].reported_at: not an RFC 3339 time",
    );
    check_err(
        &doc(r#""foo""#, now, "[]"),
        "policy: unknown preset \"foo\"",
    );
    check_err(r#"{"policy": "cmsk", "orders": []}"#, "now: missing");
    check_err(&doc(r#""cmsk""#, now, "{}"), "orders: not an array");
    check_err(
        &doc(
            r#""cmsk""#,
            now,
            r#"[{"reported_at": "2026-03-10T10:00:00+08:00"}]"#,
        ),
        "orders[0].id: missing",
    );
    check_err(
        &doc(
            r#""cmsk""#,
            now,
            r#"[{"id": "a", "category": "fix", "reported_at": "2026-03-10T10:00:00+08:00"}]"#,
        ),
        "orders[0].category: unknown category \"fix\"",
    );
    check_err(
        &doc(
            r#""cmsk""#,
            now,
            r#"[{"id": "a", "reported_at": "2026-03-10T10:00:00+08:00",
                 "events": [{"type": "done", "at": "2026-03-10T10:00:00+08:00"}]}]"#,
        ),
        "orders[0].events[0].type: unknown event type \"done\"",
    );
    check_err(
        &doc(
            r#""cmsk""#,
            now,
            r#"[{"id": "a", "reported_at": "2026-03-10T10:00:00+08:00",
                 "events": [{"type": "called_back", "at": "2026-03-10T10:00:00+08:00", "score": 6}]}]"#,
        ),
        "orders[0].events[0].score: must be between 1 and 5",
    );
    check_err(
        r#"{"policy": "cmsk", "calendar": {"holidays": ["2026-13-01"]}, "now": "2026-03-10T12:00:00+08:00", "orders": []}"#,
        "calendar.holidays[0]: not a date (YYYY-MM-DD)",
    );
    check_err(
        &doc(
            r#"{"base": "cmsk", "dispatch": {"rule": {"minutes": -1}}}"#,
            now,
            "[]",
        ),
        "policy.dispatch.rule.minutes: must be between 0 and 527040",
    );
    let not_json = eval_str("{not json").map_err(|e| e.to_string());
    assert!(
        not_json
            .as_ref()
            .is_err_and(|e| e.starts_with("input: not valid JSON")),
        "{not_json:?}"
    );
}

#[test]
fn a_what_if_policy_changes_the_answer() {
    // An estate that dispatches within 5 minutes, given inline as a cmsk override.
    check_show(
        json!({
            "policy": {"base": "cmsk", "name": "estate-7", "dispatch": {"rule": {"minutes": 5}}},
            "now": "2026-03-10T00:00:00+08:00",
            "orders": [{"id": "a", "category": "other", "reported_at": "2026-03-10T10:00:00+08:00"}]
        }),
        Show::All,
        "a other
           dispatch 03-10 10:05 open
           escalation none",
    );
}
