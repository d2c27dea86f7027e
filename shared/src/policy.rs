//! Policies: every number of DOMAIN.md §3, C-5 and §6 as data. Four presets ship as
//! JSON files under `policies/` (each number citing its rule id); an estate copies one
//! and overrides numbers with a JSON merge, validated on load with errors naming the field.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::FieldError;
use crate::json::{self, Node, Path, R};
use crate::model::{Category, Escalation, RepairScope, RepairSize};

/// Errors from loading a policy name the field (`dispatch.rule.minutes: …`), or
/// `policy: unknown preset "foo"`.
pub type PolicyError = FieldError;

/// The presets shipped with the product, by name.
pub const PRESETS: &[(&str, &str)] = &[
    ("cmsk", include_str!("../policies/cmsk.json")),
    ("crland", include_str!("../policies/crland.json")),
    ("cgy", include_str!("../policies/cgy.json")),
    ("kwy", include_str!("../policies/kwy.json")),
];

/// The longest offset a rule may add: a year. It keeps date arithmetic far from
/// chrono's limits, and no rulebook counts further.
const MAX_MINUTES: i64 = 366 * 24 * 60;
const MAX_WORKING_DAYS: i64 = 366;

/// The moment a deadline is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// `reported_at`.
    Reported,
    /// End of the handling day: 00:00 after the report day, or after the next day for
    /// a report at or after the end of day service hours (EVAL.md).
    HandlingDayEnd,
    /// The earliest `dispatched` event (crland D-2); absent → the rule's fallback.
    Dispatched,
    /// The order's response deadline (cmsk D-3: "counted from the response deadline").
    ResponseDue,
    /// The earliest `completed` event (callbacks, D-4).
    Completed,
}

impl Anchor {
    fn parse(s: &str) -> Option<Anchor> {
        Some(match s {
            "reported" => Anchor::Reported,
            "handling_day_end" => Anchor::HandlingDayEnd,
            "dispatched" => Anchor::Dispatched,
            "response_due" => Anchor::ResponseDue,
            "completed" => Anchor::Completed,
            _ => return None,
        })
    }
}

/// How one deadline is computed from an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// What the deadline counts from.
    pub from: Anchor,
    /// Minutes after the anchor (data files may also say `hours` or `days`).
    #[serde(skip_serializing_if = "is_zero")]
    pub minutes: i64,
    /// Instead of minutes: the N-th working day strictly after the anchor's date (D-8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u32>,
    /// With `working_days`: the clock time on that day; without it, the end of the day.
    #[serde(skip_serializing_if = "Option::is_none", with = "clock_opt")]
    pub at: Option<NaiveTime>,
    /// A non-urgent order reported at night is due at the next start of day service
    /// hours instead (cmsk D-1, D-2).
    #[serde(skip_serializing_if = "is_false")]
    pub night_deferred: bool,
    /// A due time in a forbidden callback time moves back to the last allowed moment
    /// before it (D-7).
    #[serde(skip_serializing_if = "is_false")]
    pub callback_window: bool,
    /// Used when the anchor event has not happened (crland D-2: without a dispatch,
    /// +30 min). Without a fallback the deadline is not listed yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Box<Rule>>,
    /// Used instead for public-area repairs (cgy D-2 [003 10.4.2]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<Box<Rule>>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Rule {
    /// `minutes` after the report.
    pub fn after_report(minutes: i64) -> Rule {
        Rule {
            from: Anchor::Reported,
            minutes,
            working_days: None,
            at: None,
            night_deferred: false,
            callback_window: false,
            fallback: None,
            public: None,
        }
    }

    /// The rule that applies to an order of this scope.
    pub fn for_scope(&self, scope: Option<RepairScope>) -> &Rule {
        match (&self.public, scope) {
            (Some(public), Some(RepairScope::Public)) => public,
            _ => self,
        }
    }
}

/// A deadline rule with the rule ids behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timed {
    pub source: String,
    pub rule: Rule,
}

/// D-3: completion by repair size; non-repair categories use `general`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completion {
    pub source: String,
    pub general: Rule,
    pub small: Rule,
    pub medium: Rule,
    pub major: Rule,
}

impl Completion {
    pub fn for_size(&self, size: RepairSize) -> &Rule {
        match size {
            RepairSize::General => &self.general,
            RepairSize::Small => &self.small,
            RepairSize::Medium => &self.medium,
            RepairSize::Major => &self.major,
        }
    }
}

/// The deadlines beyond dispatch of a tracked category (repairs and complaints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tracked {
    pub response: Timed,
    pub completion: Completion,
    pub callback: Timed,
    /// D-9: the special callback after a re-repair (orders flagged `rework`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rework_callback: Option<Timed>,
}

/// D-2: day service hours; night is the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceHours {
    pub source: String,
    #[serde(with = "clock")]
    pub day_start: NaiveTime,
    #[serde(with = "clock")]
    pub day_end: NaiveTime,
}

/// D-7: the times a callback may be made, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackWindow {
    pub source: String,
    #[serde(with = "clock_pairs")]
    pub allowed: Vec<(NaiveTime, NaiveTime)>,
}

/// D-4 (kwy [001 3]): only a share of each week's completed orders of these categories is
/// called back, drawn reproducibly per estate and week (`crate::callback::weekly_sample`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackSample {
    pub source: String,
    /// The share drawn, over 0 and at most 1: ⌈share × n⌉ of a week's n orders.
    pub share: f64,
    pub categories: Vec<Category>,
}

/// One rung of the D-6 ladder: reached once the reference moment is strictly after the
/// rule's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub level: Escalation,
    #[serde(flatten)]
    pub rule: Rule,
}

/// D-6: which categories escalate, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationPolicy {
    pub source: String,
    pub categories: Vec<Category>,
    pub steps: Vec<Step>,
}

/// C-5 thresholds for `major`; a `None` disables that test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MajorRules {
    /// Any of these flags makes a complaint major (`media`, `litigation`).
    pub flags: Vec<String>,
    /// A collective complaint of at least this many people.
    pub people: Option<u32>,
    /// At least this many same-issue complaints by the same reporter.
    pub same_reporter: Option<u32>,
    /// Not completed and `now` more than this many days after the report.
    pub unresolved_days: Option<u32>,
}

/// C-5 thresholds for `hotspot`; a `None` disables that test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotspotRules {
    pub people: Option<u32>,
    /// At least this many different reporters of the same issue …
    pub reporters: Option<u32>,
    /// … within a span of this many days, both ends included.
    pub window_days: u32,
    pub unresolved_days: Option<u32>,
}

/// C-5: complaint severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityPolicy {
    pub source: String,
    pub major: MajorRules,
    pub hotspot: HotspotRules,
}

/// D-5's reports of a complaint and C-6's thresholds: the deadlines a complaint's
/// severity adds to its order (`complaint::report_deadlines`), and when compensation makes a
/// major customer event (`complaint::triggers`). A `None` turns that deadline off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintRules {
    pub source: String,
    /// A major complaint's unified response, this many hours after it became major.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unified_response_hours: Option<u32>,
    /// A complaint still unresolved at the end of this many working days after its report is
    /// reported to the company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_report_working_days: Option<u32>,
    /// A hotspot complaint is reported to the quality centre within this many working days
    /// of becoming one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotspot_report_working_days: Option<u32>,
    /// C-6: compensation above this many yuan makes a major customer event.
    pub major_event_compensation_yuan: u32,
    /// C-6: a group complaint is a collective complaint of at least this many people, or this
    /// many households about the same issue (cmsk [000 4.4.1a]: five).
    pub group_complaint_people: u32,
}

impl Default for ComplaintRules {
    /// cmsk's D-5 (a major or group complaint's unified response within 24 hours) and C-6
    /// (compensation above 5,000 yuan): what a policy without its own complaint rules follows.
    fn default() -> Self {
        ComplaintRules {
            source: "D-5 [000 4.4.1c], C-6 [000 4.3.4]".into(),
            unified_response_hours: Some(24),
            company_report_working_days: None,
            hotspot_report_working_days: None,
            major_event_compensation_yuan: 5000,
            group_complaint_people: 5,
        }
    }
}

/// A KPI target (§6): the ratio must be at least `min` or at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Target {
    /// Whether a ratio meets the target.
    pub fn met_by(&self, ratio: f64) -> bool {
        self.min.is_none_or(|m| ratio >= m) && self.max.is_none_or(|m| ratio <= m)
    }
}

/// Plain `{"min": …, "max": …}`, for reading a [`crate::kpi::Kpi`] back.
impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            min: Option<f64>,
            max: Option<f64>,
        }
        let raw = Raw::deserialize(d)?;
        Ok(Target {
            min: raw.min,
            max: raw.max,
        })
    }
}

/// §6 targets by measure id (see [`crate::kpi::Measure`]); a measure without a target
/// is simply absent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiTargets {
    pub source: String,
    /// Satisfaction over the scored (sampled) callbacks instead of all orders (crland).
    #[serde(skip_serializing_if = "is_false")]
    pub satisfaction_over_scored: bool,
    pub targets: BTreeMap<String, Target>,
}

/// One visit round (V-1): every household of a tier once per `months` (a divisor of 12, so
/// rounds are the calendar's quarters, half-years or years), at least `min` of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VisitRound {
    pub months: u32,
    pub min: f64,
}

/// V-1, V-2: the visit rounds of important and ordinary customers, and how soon a new
/// resident is visited after moving in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitRules {
    pub source: String,
    pub important: VisitRound,
    pub ordinary: VisitRound,
    pub new_resident_days: u32,
}

impl Default for VisitRules {
    /// cmsk's V-1 (every household every half-year) and V-2 (3 days): what a policy without
    /// its own visit rules follows.
    fn default() -> Self {
        let half_year = VisitRound {
            months: 6,
            min: 1.0,
        };
        VisitRules {
            source: "V-1 [000 4.4.5], V-2 [004 004-4.3.2]".into(),
            important: half_year,
            ordinary: half_year,
            new_resident_days: 3,
        }
    }
}

impl VisitRules {
    /// The round of a tier.
    pub fn round(&self, important: bool) -> VisitRound {
        if important {
            self.important
        } else {
            self.ordinary
        }
    }
}

/// V-3: the share of a patrol round's checkpoints that must be scanned for the round to comply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolRules {
    pub source: String,
    /// Whole percent.
    pub threshold: u32,
}

impl Default for PatrolRules {
    /// 70%: the compliance threshold of the most complete open guard-tour model, for a policy
    /// whose rulebook names none.
    fn default() -> Self {
        PatrolRules {
            source: "V-3 [003 12, 004 5-9]".into(),
            threshold: 70,
        }
    }
}

/// A company's or an estate's rules, all numbers as data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    /// Readings chosen where DOMAIN.md is silent or ambiguous.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
    pub hours: ServiceHours,
    pub callback_window: CallbackWindow,
    /// D-4: the weekly callback sample, when the rulebook samples instead of calling back
    /// every order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_sample: Option<CallbackSample>,
    /// D-1, for every category.
    pub dispatch: Timed,
    /// Response, completion and callback for the categories that have them.
    pub tracked: BTreeMap<Category, Tracked>,
    pub escalation: EscalationPolicy,
    pub severity: SeverityPolicy,
    pub kpi: KpiTargets,
    /// V-1, V-2 (the shipped default when a document has none).
    pub visits: VisitRules,
    /// V-3 (the shipped default when a document has none).
    pub patrols: PatrolRules,
    /// D-5's complaint reports and C-6's threshold (the shipped default when a document has
    /// none).
    pub complaints: ComplaintRules,
}

impl<'de> Deserialize<'de> for Policy {
    /// Through the validating loader, so a stored policy cannot bypass validation.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Policy::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl Policy {
    /// Names of the shipped presets.
    pub fn preset_names() -> impl Iterator<Item = &'static str> {
        PRESETS.iter().map(|(name, _)| *name)
    }

    /// A shipped preset: `cmsk`, `crland`, `cgy` or `kwy`.
    pub fn preset(name: &str) -> Result<Policy, PolicyError> {
        let value = preset_value(name)?;
        Policy::from_value(&value).map_err(|e| e.within("policy"))
    }

    /// Loads a policy document. With a `"base": "<preset>"` key the rest of the document
    /// is an override merged onto that preset; without it, a complete policy.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let value = json::parse_document(text, "policy")?;
        Policy::from_value(&value)
    }

    /// As [`Policy::from_json`], from a parsed value.
    pub fn from_value(value: &Value) -> Result<Policy, PolicyError> {
        let root = Path::Root("");
        let node = Node::new(value, &root);
        let map = node.object()?;
        match map.get("base") {
            None | Some(Value::Null) => load(node),
            Some(Value::String(base)) => {
                let mut merged = preset_value(base)
                    .map_err(|_| FieldError::new("base", format!("unknown preset \"{base}\"")))?;
                let mut patch = map.clone();
                patch.remove("base");
                merge(&mut merged, &Value::Object(patch));
                let root = Path::Root("");
                load(Node::new(&merged, &root))
            }
            Some(_) => Err(FieldError::new("base", "not a string")),
        }
    }

    /// This policy with an estate's override merged on: objects merge key by key,
    /// anything else replaces; the result is validated.
    pub fn with_override(&self, patch: &Value) -> Result<Policy, PolicyError> {
        if !patch.is_object() {
            return Err(FieldError::new("override", "not an object"));
        }
        let mut merged = serde_json::to_value(self)
            .map_err(|e| FieldError::new("policy", format!("cannot be written ({e})")))?;
        merge(&mut merged, patch);
        Policy::from_value(&merged)
    }

    /// The deadlines beyond dispatch for a category, if it has them.
    pub fn tracked(&self, category: Category) -> Option<&Tracked> {
        self.tracked.get(&category)
    }

    /// The KPI target for a measure id, if the policy sets one.
    pub fn target(&self, measure: &str) -> Option<Target> {
        self.kpi.targets.get(measure).copied()
    }

    /// The policy as pretty JSON in the data-file format (for "copy this preset").
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn preset_value(name: &str) -> Result<Value, PolicyError> {
    let text = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| FieldError::new("policy", format!("unknown preset \"{name}\"")))?;
    json::parse_document(text, "policy")
}

/// The keys a rule object may have (`Rule`, with the `hours`/`days` spellings data files
/// use for `minutes`).
const RULE_KEYS: [&str; 10] = [
    "from",
    "minutes",
    "hours",
    "days",
    "working_days",
    "at",
    "night_deferred",
    "callback_window",
    "fallback",
    "public",
];

/// Objects whose keys are names the loader checks itself (categories, measures): any key
/// goes through here, and the loader names a wrong one.
const OPEN_MAPS: [&str; 2] = ["tracked", "kpi.targets"];

/// The first key of an estate's override that no rule of any preset has, as its path
/// (`dispatch_minutes`, `dispatch.rule.minute`). Merging such a key changes nothing, so a
/// manager who saved it would believe a rule changed when none did: the rules page refuses
/// it by name instead. Known keys are those the shipped presets use at the same place, and
/// every rule key wherever a preset has a rule.
pub fn unknown_override_key(patch: &Value) -> Option<String> {
    let mut known = std::collections::BTreeSet::new();
    let mut rules = std::collections::BTreeSet::new();
    for (name, _) in PRESETS {
        if let Ok(doc) = preset_value(name) {
            shape(String::new(), &doc, &mut known, &mut rules);
        }
    }
    first_unknown(String::new(), String::new(), patch, &known, &rules)
}

/// `path` with `key` below it, where the keys of an open map all read `*` and array items
/// `[]`.
fn below(path: &str, key: &str) -> String {
    if OPEN_MAPS.contains(&path) {
        format!("{path}.*")
    } else if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn shape(
    path: String,
    value: &Value,
    known: &mut std::collections::BTreeSet<String>,
    rules: &mut std::collections::BTreeSet<String>,
) {
    match value {
        Value::Object(map) => {
            if map.contains_key("from") {
                rules.insert(path.clone());
            }
            for (k, v) in map {
                let child = below(&path, k);
                known.insert(child.clone());
                shape(child, v, known, rules);
            }
        }
        Value::Array(items) => {
            for v in items {
                shape(format!("{path}[]"), v, known, rules);
            }
        }
        _ => {}
    }
}

fn first_unknown(
    shape_path: String,
    shown_path: String,
    value: &Value,
    known: &std::collections::BTreeSet<String>,
    rules: &std::collections::BTreeSet<String>,
) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = below(&shape_path, k);
            let shown = if shown_path.is_empty() {
                k.clone()
            } else {
                format!("{shown_path}.{k}")
            };
            // A rule's fallback or public variant is a rule too.
            let in_rule = rules.contains(&shape_path)
                || shape_path.ends_with(".fallback")
                || shape_path.ends_with(".public");
            let ok = known.contains(&child) || (in_rule && RULE_KEYS.contains(&k.as_str()));
            if v.is_null() {
                // Removing a key is how an override goes back to the preset's value.
                return (!ok).then_some(shown);
            }
            if !ok {
                return Some(shown);
            }
            first_unknown(child, shown, v, known, rules)
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            first_unknown(
                format!("{shape_path}[]"),
                format!("{shown_path}[{i}]"),
                v,
                known,
                rules,
            )
        }),
        _ => None,
    }
}

/// JSON merge: objects merge recursively, `null` removes a key, anything else replaces.
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(existing) = b.get_mut(k) {
                    merge(existing, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn text(node: &Node<'_>, map: &Map<String, Value>, key: &str) -> R<String> {
    Ok(json::opt(node, map, key, |n| n.str().map(str::to_string))?.unwrap_or_default())
}

fn load(node: Node<'_>) -> R<Policy> {
    let map = node.object()?;
    let name = json::req(&node, map, "name", |n| n.str().map(str::to_string))?;
    let label_zh = text(&node, map, "label_zh")?;
    let label_en = text(&node, map, "label_en")?;
    let notes = text(&node, map, "notes")?;

    let hours = json::req(&node, map, "hours", |n| {
        let m = n.object()?;
        let day_start = json::req(&n, m, "day_start", |x| x.clock())?;
        let day_end = json::req(&n, m, "day_end", |x| {
            let t = x.clock()?;
            if t <= day_start {
                return Err(x.err("must be after day_start"));
            }
            Ok(t)
        })?;
        Ok(ServiceHours {
            source: text(&n, m, "source")?,
            day_start,
            day_end,
        })
    })?;

    let callback_window = json::req(&node, map, "callback_window", |n| {
        let m = n.object()?;
        let allowed = json::req(&n, m, "allowed", |list| {
            let pairs = json::each(&list, |pair| {
                let items = pair.array()?;
                let (Some(a), Some(b), 2) = (items.first(), items.get(1), items.len()) else {
                    return Err(pair.err("not a [start, end] pair"));
                };
                let start = json::parse_clock(a.as_str().unwrap_or(""))
                    .ok_or_else(|| pair.err("start is not a clock time (HH:MM)"))?;
                let end = json::parse_clock(b.as_str().unwrap_or(""))
                    .ok_or_else(|| pair.err("end is not a clock time (HH:MM)"))?;
                if end < start {
                    return Err(pair.err("end is before start"));
                }
                Ok((start, end))
            })?;
            if pairs.is_empty() {
                return Err(list.err("needs at least one allowed period"));
            }
            if pairs.windows(2).any(|w| w[1].0 <= w[0].1) {
                return Err(list.err("periods must be in order and not overlap"));
            }
            Ok(pairs)
        })?;
        Ok(CallbackWindow {
            source: text(&n, m, "source")?,
            allowed,
        })
    })?;

    let dispatch = json::req(&node, map, "dispatch", |n| {
        timed(n, &[Anchor::Reported, Anchor::HandlingDayEnd])
    })?;

    let tracked = json::req(&node, map, "tracked", |n| {
        let m = n.object()?;
        let mut out = BTreeMap::new();
        for key in m.keys() {
            let category = Category::parse(key);
            let t = json::req(&n, m, key.as_str(), |t| {
                let Some(category) = category else {
                    return Err(t.err(format!("unknown category \"{key}\"")));
                };
                tracked_rules(t).map(|r| (category, r))
            })?;
            out.insert(t.0, t.1);
        }
        Ok(out)
    })?;

    let escalation = json::req(&node, map, "escalation", |n| {
        let m = n.object()?;
        let categories = json::req(&n, m, "categories", |c| json::each(&c, category))?;
        let steps = json::req(&n, m, "steps", |s| {
            json::each(&s, |step| {
                let sm = step.object()?;
                let level = json::req(&step, sm, "level", |l| {
                    let s = l.str()?;
                    Escalation::parse(s)
                        .filter(|e| *e != Escalation::None)
                        .ok_or_else(|| l.err(format!("unknown escalation level \"{s}\"")))
                })?;
                let rule = rule(step, &[Anchor::Reported, Anchor::HandlingDayEnd])?;
                Ok(Step { level, rule })
            })
        })?;
        Ok(EscalationPolicy {
            source: text(&n, m, "source")?,
            categories,
            steps,
        })
    })?;

    let severity = json::req(&node, map, "severity", |n| {
        let m = n.object()?;
        let major = json::req(&n, m, "major", |mj| {
            let mm = mj.object()?;
            Ok(MajorRules {
                flags: json::opt(&mj, mm, "flags", |f| {
                    json::each(&f, |s| s.str().map(str::to_string))
                })?
                .unwrap_or_default(),
                people: count(&mj, mm, "people")?,
                same_reporter: count(&mj, mm, "same_reporter")?,
                unresolved_days: count(&mj, mm, "unresolved_days")?,
            })
        })?;
        let hotspot = json::req(&n, m, "hotspot", |h| {
            let hm = h.object()?;
            Ok(HotspotRules {
                people: count(&h, hm, "people")?,
                reporters: count(&h, hm, "reporters")?,
                window_days: json::req(&h, hm, "window_days", |w| w.int(0, 366))? as u32,
                unresolved_days: count(&h, hm, "unresolved_days")?,
            })
        })?;
        Ok(SeverityPolicy {
            source: text(&n, m, "source")?,
            major,
            hotspot,
        })
    })?;

    let kpi = json::req(&node, map, "kpi", |n| {
        let m = n.object()?;
        let targets = json::req(&n, m, "targets", |t| {
            let tm = t.object()?;
            let mut out = BTreeMap::new();
            for key in tm.keys() {
                let target = json::req(&t, tm, key.as_str(), |x| {
                    if crate::kpi::Measure::parse(key).is_none() {
                        return Err(x.err(format!("unknown measure \"{key}\"")));
                    }
                    let xm = x.object()?;
                    let min = json::opt(&x, xm, "min", |v| v.number(0.0, 1.0))?;
                    let max = json::opt(&x, xm, "max", |v| v.number(0.0, 1.0))?;
                    if min.is_none() && max.is_none() {
                        return Err(x.err("needs min or max"));
                    }
                    Ok(Target { min, max })
                })?;
                out.insert(key.clone(), target);
            }
            Ok(out)
        })?;
        Ok(KpiTargets {
            source: text(&n, m, "source")?,
            satisfaction_over_scored: json::opt(&n, m, "satisfaction_over_scored", |b| b.bool())?
                .unwrap_or(false),
            targets,
        })
    })?;

    let callback_sample = json::opt(&node, map, "callback_sample", |n| {
        let m = n.object()?;
        let share = json::req(&n, m, "share", |x| {
            let v = x.number(0.0, 1.0)?;
            if v <= 0.0 {
                return Err(x.err("must be above 0"));
            }
            Ok(v)
        })?;
        Ok(CallbackSample {
            source: text(&n, m, "source")?,
            share,
            categories: json::req(&n, m, "categories", |c| json::each(&c, category))?,
        })
    })?;

    let visits = json::opt(&node, map, "visits", |n| {
        let m = n.object()?;
        let round = |key: &str| {
            json::req(&n, m, key, |r| {
                let rm = r.object()?;
                let months = json::req(&r, rm, "months", |x| {
                    let v = x.int(1, 12)?;
                    if 12 % v != 0 {
                        return Err(x.err("must divide the year: 1, 2, 3, 4, 6 or 12"));
                    }
                    Ok(v as u32)
                })?;
                let min = json::req(&r, rm, "min", |x| x.number(0.0, 1.0))?;
                Ok(VisitRound { months, min })
            })
        };
        Ok(VisitRules {
            source: text(&n, m, "source")?,
            important: round("important")?,
            ordinary: round("ordinary")?,
            new_resident_days: json::req(&n, m, "new_resident_days", |x| {
                x.int(0, 366).map(|v| v as u32)
            })?,
        })
    })?
    .unwrap_or_default();

    let patrols = json::opt(&node, map, "patrols", |n| {
        let m = n.object()?;
        Ok(PatrolRules {
            source: text(&n, m, "source")?,
            threshold: json::req(&n, m, "threshold", |x| x.int(0, 100).map(|v| v as u32))?,
        })
    })?
    .unwrap_or_default();

    let complaints = json::opt(&node, map, "complaints", |n| {
        let m = n.object()?;
        let hours = |key: &str| json::opt(&n, m, key, |x| x.int(1, 24 * 366).map(|v| v as u32));
        let days = |key: &str| json::opt(&n, m, key, |x| x.int(0, 366).map(|v| v as u32));
        Ok(ComplaintRules {
            source: text(&n, m, "source")?,
            unified_response_hours: hours("unified_response_hours")?,
            company_report_working_days: days("company_report_working_days")?,
            hotspot_report_working_days: days("hotspot_report_working_days")?,
            major_event_compensation_yuan: json::opt(
                &n,
                m,
                "major_event_compensation_yuan",
                |x| x.int(0, 100_000_000).map(|v| v as u32),
            )?
            .unwrap_or(ComplaintRules::default().major_event_compensation_yuan),
            group_complaint_people: json::opt(&n, m, "group_complaint_people", |x| {
                x.int(2, 100_000).map(|v| v as u32)
            })?
            .unwrap_or(ComplaintRules::default().group_complaint_people),
        })
    })?
    .unwrap_or_default();

    Ok(Policy {
        name,
        label_zh,
        label_en,
        notes,
        hours,
        callback_window,
        callback_sample,
        dispatch,
        tracked,
        escalation,
        severity,
        kpi,
        visits,
        patrols,
        complaints,
    })
}

fn count(node: &Node<'_>, map: &Map<String, Value>, key: &str) -> R<Option<u32>> {
    json::opt(node, map, key, |n| n.int(1, 100_000).map(|v| v as u32))
}

fn category(node: Node<'_>) -> R<Category> {
    let s = node.str()?;
    Category::parse(s).ok_or_else(|| node.err(format!("unknown category \"{s}\"")))
}

fn tracked_rules(node: Node<'_>) -> R<Tracked> {
    use Anchor::*;
    let m = node.object()?;
    let response = json::req(&node, m, "response", |n| {
        timed(n, &[Reported, HandlingDayEnd, Dispatched])
    })?;
    let completion = json::req(&node, m, "completion", |n| {
        let cm = n.object()?;
        let allowed = [Reported, HandlingDayEnd, Dispatched, ResponseDue];
        let default = json::opt(&n, cm, "rule", |r| rule(r, &allowed))?;
        let sized = |key: &'static str| -> R<Rule> {
            json::opt(&n, cm, key, |r| rule(r, &allowed))?
                .or_else(|| default.clone())
                .ok_or_else(|| FieldError::new(format!("{}.{key}", n.path()), "missing"))
        };
        Ok(Completion {
            source: text(&n, cm, "source")?,
            general: sized("general")?,
            small: sized("small")?,
            medium: sized("medium")?,
            major: sized("major")?,
        })
    })?;
    let all = [Reported, HandlingDayEnd, Dispatched, ResponseDue, Completed];
    let callback = json::req(&node, m, "callback", |n| timed(n, &all))?;
    let rework_callback = json::opt(&node, m, "rework_callback", |n| timed(n, &all))?;
    Ok(Tracked {
        response,
        completion,
        callback,
        rework_callback,
    })
}

fn timed(node: Node<'_>, anchors: &[Anchor]) -> R<Timed> {
    let m = node.object()?;
    Ok(Timed {
        source: text(&node, m, "source")?,
        rule: json::req(&node, m, "rule", |r| rule(r, anchors))?,
    })
}

fn rule(node: Node<'_>, anchors: &[Anchor]) -> R<Rule> {
    let m = node.object()?;
    let from = json::req(&node, m, "from", |f| {
        let s = f.str()?;
        let a = Anchor::parse(s).ok_or_else(|| f.err(format!("unknown anchor \"{s}\"")))?;
        if !anchors.contains(&a) {
            return Err(f.err(format!("\"{s}\" cannot be used here")));
        }
        Ok(a)
    })?;
    // One unit per rule, so an override that says `hours` cannot silently add to a
    // preset's `minutes`.
    let units = [("minutes", 1), ("hours", 60), ("days", 24 * 60)];
    let given: Vec<_> = units.iter().filter(|(k, _)| m.contains_key(*k)).collect();
    if given.len() > 1 {
        return Err(node.err("give only one of minutes, hours, days"));
    }
    let minutes = match given.first() {
        Some((key, scale)) => json::req(&node, m, key, |n| n.int(0, MAX_MINUTES / scale))? * scale,
        None => 0,
    };
    let working_days = json::opt(&node, m, "working_days", |n| {
        n.int(0, MAX_WORKING_DAYS).map(|v| v as u32)
    })?;
    if working_days.is_some() && minutes != 0 {
        return Err(node.err("give either working_days or a duration, not both"));
    }
    let at = json::opt(&node, m, "at", |n| n.clock())?;
    if at.is_some() && working_days.is_none() {
        return Err(node.err("\"at\" needs working_days"));
    }
    let flag =
        |key: &'static str| json::opt(&node, m, key, |n| n.bool()).map(Option::unwrap_or_default);
    let night_deferred = flag("night_deferred")?;
    let callback_window = flag("callback_window")?;
    let fallback = json::opt(&node, m, "fallback", |n| rule(n, anchors).map(Box::new))?;
    let public = json::opt(&node, m, "public", |n| rule(n, anchors).map(Box::new))?;
    Ok(Rule {
        from,
        minutes,
        working_days,
        at,
        night_deferred,
        callback_window,
        fallback,
        public,
    })
}

/// Clock times as `HH:MM`, the form the data files use.
mod clock {
    use chrono::NaiveTime;
    use serde::Serializer;

    pub(super) fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }
}

mod clock_opt {
    use chrono::NaiveTime;
    use serde::Serializer;

    pub(super) fn serialize<S: Serializer>(t: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.format("%H:%M").to_string()),
            None => s.serialize_none(),
        }
    }
}

mod clock_pairs {
    use chrono::NaiveTime;
    use serde::Serializer;
    use serde::ser::SerializeSeq;

    pub(super) fn serialize<S: Serializer>(
        pairs: &[(NaiveTime, NaiveTime)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(pairs.len()))?;
        for (a, b) in pairs {
            seq.serialize_element(&[a.format("%H:%M").to_string(), b.format("%H:%M").to_string()])?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads_and_round_trips() {
        for name in Policy::preset_names() {
            let p = Policy::preset(name);
            assert!(p.is_ok(), "{name}: {p:?}");
            let Ok(p) = p else { continue };
            assert_eq!(p.name, name);
            let again = Policy::from_json(&p.to_json_pretty());
            assert_eq!(again.as_ref().ok(), Some(&p), "{name}: {again:?}");
        }
    }

    #[test]
    fn unknown_preset_is_named() {
        assert_eq!(
            Policy::preset("foo").map(|_| ()).map_err(|e| e.to_string()),
            Err("policy: unknown preset \"foo\"".to_string())
        );
    }

    #[test]
    fn override_merges_and_validates() {
        let Ok(base) = Policy::preset("cmsk") else {
            panic!("cmsk preset must load");
        };
        let patch = serde_json::json!({"dispatch": {"rule": {"minutes": 15}}});
        let p = base.with_override(&patch);
        assert_eq!(p.as_ref().map(|p| p.dispatch.rule.minutes).ok(), Some(15));
        let bad = serde_json::json!({"dispatch": {"rule": {"minutes": -5}}});
        assert_eq!(
            base.with_override(&bad)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err("dispatch.rule.minutes: must be between 0 and 527040".to_string())
        );
        let both = serde_json::json!({"dispatch": {"rule": {"hours": 1}}});
        assert_eq!(
            base.with_override(&both)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err("dispatch.rule: give only one of minutes, hours, days".to_string())
        );
    }

    #[test]
    fn override_keys_no_preset_has_are_named() {
        let cases = [
            (
                serde_json::json!({"dispatch_minutes": 5}),
                Some("dispatch_minutes"),
            ),
            (
                serde_json::json!({"dispatch": {"rule": {"minute": 5}}}),
                Some("dispatch.rule.minute"),
            ),
            (
                serde_json::json!({"dispatch": {"rule": {"minutes": 5}}}),
                None,
            ),
            (
                serde_json::json!({"dispatch": {"rule": {"hours": 1, "night_deferred": false}}}),
                None,
            ),
            (
                serde_json::json!({"dispatch": {"rule": {"fallback": {"minutes": 5, "from": "reported"}}}}),
                None,
            ),
            (serde_json::json!({"hours": {"day_end": "17:30"}}), None),
            (
                serde_json::json!({"hours": {"day_ends": "17:30"}}),
                Some("hours.day_ends"),
            ),
            (serde_json::json!({"tracked": {"repair": {}}}), None),
        ];
        for (patch, unknown) in cases {
            assert_eq!(unknown_override_key(&patch).as_deref(), unknown, "{patch}");
        }
    }

    #[test]
    fn base_key_starts_from_a_preset() {
        let p = Policy::from_json(
            r#"{"base": "crland", "name": "estate-7", "hours": {"day_end": "17:30"}}"#,
        );
        let Ok(p) = p else {
            panic!("{p:?}");
        };
        assert_eq!(p.name, "estate-7");
        assert_eq!(
            p.hours.day_end,
            NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default()
        );
        let e = Policy::from_json(r#"{"base": "nope"}"#)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(e, Err("base: unknown preset \"nope\"".to_string()));
    }
}
