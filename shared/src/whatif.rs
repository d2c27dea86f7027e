//! The what-if of `/manage/rules`: every number of a policy as a labelled field (zh, en and
//! the DOMAIN.md rule it carries), the override an edited set of numbers makes against the
//! preset, and how a period's orders would have fared under two policies side by side — the
//! measures of §6, the deadlines missed and the escalation steps reached. Pure, so the
//! browser computes it before anything is saved.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use crate::calendar::Calendar;
use crate::kpi::{self, Kpi, KpiInput};
use crate::model::{DeadlineStatus, Escalation};
use crate::policy::Policy;
use crate::sla::{self, OrderFacts};

type Time = DateTime<FixedOffset>;

/// One number of a policy, where it lives in the policy's JSON and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// Path segments in the policy's JSON (`["dispatch", "rule", "minutes"]`; array items
    /// by their index).
    pub path: Vec<String>,
    pub value: f64,
    /// DOMAIN.md's rule id (`D-1`, `D-6`, `C-5`, `§6`, `V-1`).
    pub rule: &'static str,
    pub zh: String,
    pub en: String,
}

/// Words of a path, in both languages.
const WORDS: &[(&str, &str, &str)] = &[
    ("dispatch", "派单", "dispatch"),
    ("repair", "报修", "repair"),
    ("complaint", "投诉", "complaint"),
    ("response", "响应", "response"),
    ("completion", "完成", "completion"),
    ("callback", "回访", "callback"),
    ("rework_callback", "返修回访", "rework callback"),
    ("general", "一般故障", "general fault"),
    ("small", "小修", "small repair"),
    ("medium", "中修", "medium repair"),
    ("major", "大修/重大", "major"),
    ("hotspot", "热点", "hotspot"),
    ("fallback", "未派单时", "without a dispatch"),
    ("public", "公共区域", "public area"),
    ("minutes", "分钟", "minutes"),
    ("working_days", "工作日", "working days"),
    ("people", "人数", "people"),
    ("same_reporter", "同一客户次数", "same reporter times"),
    ("unresolved_days", "未解决天数", "days unresolved"),
    ("reporters", "不同投诉人数", "reporters"),
    ("window_days", "统计天数", "window days"),
    ("min", "下限", "at least"),
    ("max", "上限", "at most"),
    ("months", "轮次月数", "round months"),
    ("important", "重要客户", "important customers"),
    ("ordinary", "普通客户", "ordinary customers"),
    (
        "new_resident_days",
        "新入住拜访天数",
        "days to visit a new resident",
    ),
    ("steps", "升级", "escalation step"),
    ("patrols", "巡查", "patrols"),
    (
        "threshold",
        "轮次达标率(%)",
        "round compliance threshold (%)",
    ),
    ("callback_sample", "回访抽样", "callback sample"),
    ("share", "比例", "share"),
    ("complaints", "投诉上报", "complaint reports"),
    (
        "unified_response_hours",
        "重大投诉统一答复(小时)",
        "major complaint's unified response (hours)",
    ),
    (
        "company_report_working_days",
        "未解决报公司(工作日)",
        "unresolved → company report (working days)",
    ),
    (
        "hotspot_report_working_days",
        "热点报品质中心(工作日)",
        "hotspot → quality centre report (working days)",
    ),
    (
        "group_complaint_people",
        "群体投诉人数",
        "people of a group complaint",
    ),
    (
        "major_event_compensation_yuan",
        "重大客户事件赔偿额(元)",
        "major customer event compensation (yuan)",
    ),
];

fn word(key: &str) -> (String, String) {
    if let Some(m) = crate::kpi::Measure::parse(key) {
        return (m.zh().to_string(), m.en().to_string());
    }
    WORDS.iter().find(|(k, _, _)| *k == key).map_or_else(
        || (key.to_string(), key.replace('_', " ")),
        |(_, zh, en)| ((*zh).to_string(), (*en).to_string()),
    )
}

fn rule_of(path: &[String]) -> &'static str {
    let first = path.first().map(String::as_str).unwrap_or("");
    let has = |k: &str| path.iter().any(|p| p == k);
    match first {
        "dispatch" => "D-1",
        "callback_sample" => "D-4",
        "tracked" if has("response") => "D-2",
        "tracked" if has("completion") => "D-3",
        "tracked" if has("rework_callback") => "D-9",
        "tracked" => "D-4",
        "escalation" => "D-6",
        "severity" => "C-5",
        "kpi" => "§6",
        "visits" if has("new_resident_days") => "V-2",
        "visits" => "V-1",
        "patrols" => "V-3",
        "complaints" if has("major_event_compensation_yuan") || has("group_complaint_people") => {
            "C-6"
        }
        "complaints" => "D-5",
        _ => "",
    }
}

/// Every number of `policy` a manager may change, in the order of its JSON.
pub fn numbers(policy: &Policy) -> Vec<Number> {
    let value = serde_json::to_value(policy).unwrap_or(Value::Null);
    let mut out = Vec::new();
    walk(&value, &mut Vec::new(), &mut Vec::new(), &mut out);
    out
}

/// Path segments that only structure the document and say nothing to a reader.
const SILENT: [&str; 7] = [
    "tracked",
    "rule",
    "kpi",
    "targets",
    "visits",
    "severity",
    "escalation",
];

fn walk(
    v: &Value,
    path: &mut Vec<String>,
    words: &mut Vec<(String, String)>,
    out: &mut Vec<Number>,
) {
    match v {
        Value::Object(map) => {
            // A ladder step reads by its level, not its place in the list.
            let level = map
                .get("level")
                .and_then(Value::as_str)
                .and_then(Escalation::parse)
                .map(|l| (l.zh().to_string(), l.en().to_string()));
            let pushed = level.is_some();
            if let Some(l) = level {
                words.push(l);
            }
            for (k, child) in map {
                path.push(k.clone());
                let named = !SILENT.contains(&k.as_str());
                if named {
                    words.push(word(k));
                }
                walk(child, path, words, out);
                if named {
                    words.pop();
                }
                path.pop();
            }
            if pushed {
                words.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                walk(child, path, words, out);
                path.pop();
            }
        }
        Value::Number(n) => out.push(Number {
            path: path.clone(),
            value: n.as_f64().unwrap_or(0.0),
            rule: rule_of(path),
            zh: words
                .iter()
                .map(|w| w.0.as_str())
                .collect::<Vec<_>>()
                .join(" · "),
            en: words
                .iter()
                .map(|w| w.1.as_str())
                .collect::<Vec<_>>()
                .join(" · "),
        }),
        _ => {}
    }
}

/// `policy`'s JSON with the numbers of `changes` (path, value) set.
pub fn with_numbers(policy: &Policy, changes: &[(Vec<String>, f64)]) -> Value {
    let mut value = serde_json::to_value(policy).unwrap_or(Value::Null);
    for (path, n) in changes {
        let number = if n.fract() == 0.0 && n.abs() < 1e15 {
            Value::from(*n as i64)
        } else {
            Value::from(*n)
        };
        if let Some(slot) = slot(&mut value, path) {
            *slot = number;
        }
    }
    value
}

/// The value at `path`, if the document has it.
fn slot<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    let child = match value {
        Value::Object(m) => m.get_mut(first)?,
        Value::Array(items) => items.get_mut(first.parse::<usize>().ok()?)?,
        _ => return None,
    };
    slot(child, rest)
}

/// The smallest override that turns `base` into `new`: objects key by key, anything else
/// (numbers, arrays such as the escalation ladder) whole where it differs.
pub fn diff(base: &Value, new: &Value) -> Value {
    match (base, new) {
        (Value::Object(b), Value::Object(n)) => {
            let mut out = Map::new();
            for (k, nv) in n {
                match b.get(k) {
                    Some(bv) if bv == nv => {}
                    Some(bv) => {
                        out.insert(k.clone(), diff(bv, nv));
                    }
                    None => {
                        out.insert(k.clone(), nv.clone());
                    }
                }
            }
            Value::Object(out)
        }
        _ => new.clone(),
    }
}

/// How a period's orders fare under a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub measures: Vec<Kpi>,
    /// Deadlines missed or overdue at `now`.
    pub missed: u32,
    /// Orders that reached each level of the ladder at `now`, in [`Escalation::ALL`] order.
    pub escalated: Vec<(Escalation, u32)>,
}

/// The orders reported in `[from, to)` under `policy`, judged at `now`.
pub fn outcome(
    policy: &Policy,
    calendar: &Calendar,
    orders: &[OrderFacts],
    from: Time,
    to: Time,
    now: Time,
) -> Outcome {
    let input = KpiInput {
        policy,
        calendar,
        orders,
        from,
        to,
        now,
        households: None,
        visited_households: None,
    };
    let measures = kpi::all(&input);
    let period: Vec<&OrderFacts> = orders
        .iter()
        .filter(|o| from <= o.reported_at && o.reported_at < to)
        .collect();
    let mut missed = 0u32;
    let mut levels = vec![0u32; Escalation::ALL.len()];
    for o in &period {
        missed += sla::deadlines(policy, calendar, o, now)
            .iter()
            .filter(|d| matches!(d.status, DeadlineStatus::Missed | DeadlineStatus::Overdue))
            .count() as u32;
        let level = sla::escalation(policy, calendar, o, now);
        if let Some(i) = Escalation::ALL.iter().position(|l| *l == level) {
            levels[i] += 1;
        }
    }
    Outcome {
        measures,
        missed,
        escalated: Escalation::ALL.iter().copied().zip(levels).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, EventKind};

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap_or_default()
    }

    #[test]
    fn every_number_is_labelled_with_its_rule() {
        let Ok(policy) = Policy::preset("crland") else {
            panic!("preset");
        };
        let list = numbers(&policy);
        let find = |path: &str| list.iter().find(|n| n.path.join(".") == path).cloned();
        let dispatch = find("dispatch.rule.minutes");
        assert_eq!(
            dispatch.as_ref().map(|n| (n.rule, n.value)),
            Some(("D-1", 10.0))
        );
        assert!(dispatch.is_some_and(|n| n.zh.contains("派单") && n.en.contains("dispatch")));
        let visit = find("visits.ordinary.min");
        assert_eq!(visit.map(|n| (n.rule, n.value)), Some(("V-1", 0.8)));
        assert!(list.iter().any(|n| n.rule == "D-6"), "the ladder's numbers");
        assert!(list.iter().all(|n| !n.rule.is_empty()), "{list:?}");
    }

    #[test]
    fn an_edit_becomes_the_smallest_override_and_changes_the_outcome() {
        let Ok(preset) = Policy::preset("cmsk") else {
            panic!("preset");
        };
        let path: Vec<String> = ["tracked", "repair", "response", "rule", "minutes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let edited = with_numbers(&preset, &[(path, 120.0)]);
        let base = serde_json::to_value(&preset).unwrap_or_default();
        let patch = diff(&base, &edited);
        assert_eq!(
            patch,
            serde_json::json!({"tracked": {"repair": {"response": {"rule": {"minutes": 120}}}}})
        );
        let Ok(proposed) = preset.with_override(&patch) else {
            panic!("a valid override");
        };
        // A repair answered after 90 minutes: late under cmsk's hour, on time under two.
        let mut late = OrderFacts::new("a", Category::Repair, t("2026-03-10T10:00:00+08:00"));
        late.events = vec![sla::Event::new(
            EventKind::Responded,
            t("2026-03-10T11:30:00+08:00"),
        )];
        let orders = [late];
        let cal = Calendar::default();
        let (from, to, now) = (
            t("2026-03-01T00:00:00+08:00"),
            t("2026-04-01T00:00:00+08:00"),
            t("2026-04-01T00:00:00+08:00"),
        );
        let on_time = |o: &Outcome| {
            o.measures
                .iter()
                .find(|k| k.measure == crate::kpi::Measure::RepairResponseOnTime)
                .map(|k| k.numerator)
        };
        let now_ = outcome(&preset, &cal, &orders, from, to, now);
        let then = outcome(&proposed, &cal, &orders, from, to, now);
        assert_eq!((on_time(&now_), on_time(&then)), (Some(0), Some(1)));
        assert!(
            then.missed < now_.missed,
            "{} vs {}",
            then.missed,
            now_.missed
        );
    }
}
