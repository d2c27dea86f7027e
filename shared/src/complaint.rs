//! Complaints as the desk and supervisors read them: each complaint's severity with the tests
//! that made it (C-5, from `sla`'s one implementation) in words, the group of complaints about
//! the same issue, the deadlines D-5 adds to a graded complaint (a major one's unified
//! response, crland's report to the company and to the quality centre), and the major
//! customer event (C-6): its triggers and its special report's fields, with the check the app
//! and the server both run.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::arrival::Refusal;
use crate::calendar::Calendar;
use crate::lang::Lang;
use crate::model::{Category, DeadlineKind, Escalation, EventKind, Severity, flags, labelled_enum};
use crate::order::{Event, EventBody, OrderState};
use crate::policy::Policy;
use crate::sla::{self, Deadline, OrderFacts, Reason};

type Time = DateTime<FixedOffset>;

/// A complaint's severity and the tests that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub severity: Severity,
    /// The tests passed at `severity` (a general complaint has none): what the words say.
    pub reasons: Vec<Reason>,
    /// The tests passed below `severity` too (a major complaint by the media may also be a
    /// hotspot of five households): what C-6's group complaint reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Reason>,
}

/// The grade of every complaint of a batch at `now` (`None` for other categories): the same
/// tests as [`sla::severities`], with why.
pub fn grades<F: AsRef<OrderFacts>>(
    policy: &Policy,
    orders: &[F],
    now: Time,
) -> Vec<Option<Grade>> {
    let orders: Vec<&OrderFacts> = orders.iter().map(AsRef::as_ref).collect();
    let mut why = vec![Vec::new(); orders.len()];
    let severities = sla::grade(policy, &orders, now, Some(&mut why));
    severities
        .into_iter()
        .zip(why)
        .map(|(severity, reasons)| {
            let severity = severity?;
            let (top, below): (Vec<_>, Vec<_>) =
                reasons.into_iter().partition(|(s, _)| *s == severity);
            let mut reasons: Vec<Reason> = top.into_iter().map(|(_, r)| r).collect();
            reasons.dedup();
            let mut also: Vec<Reason> = below.into_iter().map(|(_, r)| r).collect();
            also.dedup();
            Some(Grade {
                severity,
                reasons,
                also,
            })
        })
        .collect()
}

/// Where a complaint is, in words: `B5` → 「5栋」 / "building 5", the classifier's public
/// areas by name, anything else as written.
pub fn place_words(place: &str, lang: Lang) -> String {
    const AREAS: &[(&str, &str, &str)] = &[
        ("basement", "地下室", "basement"),
        ("car_park", "停车场", "car park"),
        ("corridor", "走廊", "corridor"),
        ("elevator", "电梯", "elevator"),
        ("garden", "花园", "garden"),
        ("gym", "健身房", "gym"),
        ("lobby", "大堂", "lobby"),
        ("main_gate", "小区大门", "main gate"),
        ("playground", "儿童乐园", "playground"),
        ("plaza", "广场", "plaza"),
        ("pool", "泳池", "pool"),
        ("roof", "天台", "roof"),
    ];
    if let Some(n) = place.strip_prefix('B').filter(|n| !n.is_empty()) {
        return match lang {
            Lang::Zh => format!("{n}栋"),
            Lang::En => format!("building {n}"),
        };
    }
    AREAS.iter().find(|(id, _, _)| *id == place).map_or_else(
        || place.to_string(),
        |(_, zh, en)| lang.pick(zh, en).to_string(),
    )
}

fn topic_words(topic: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => crate::classify::topic_zh(topic).to_string(),
        Lang::En => crate::classify::topic_en(topic).to_lowercase(),
    }
}

fn flag_words(flag: &str, lang: Lang) -> String {
    flags::ALL
        .iter()
        .find(|(id, _, _)| *id == flag)
        .map_or_else(
            || flag.to_string(),
            |(_, zh, en)| lang.pick(zh, en).to_string(),
        )
}

/// One reason in words, e.g. 「3 户 · 5栋 · 漏水渗水 · 30 天内」 / "3 households, building 5,
/// water leak, within 30 days" for the same issue reported by several households.
pub fn reason_words(reason: &Reason, order: &OrderFacts, lang: Lang) -> String {
    match (reason, lang) {
        (Reason::Flag { flag }, _) => flag_words(flag, lang),
        (Reason::People { people, .. }, Lang::Zh) => format!("集体投诉 {people} 人"),
        (Reason::People { people, .. }, Lang::En) => {
            format!("a collective complaint of {people} people")
        }
        (Reason::SameReporter { times, .. }, Lang::Zh) => format!("同一客户同一事项 {times} 次"),
        (Reason::SameReporter { times, .. }, Lang::En) => {
            format!("the same customer {times} times on the same matter")
        }
        (Reason::Unresolved { days }, Lang::Zh) => format!("超过 {days} 天未解决"),
        (Reason::Unresolved { days }, Lang::En) => format!("unresolved for over {days} days"),
        (
            Reason::Reporters {
                reporters,
                window_days,
                ..
            },
            _,
        ) => {
            let mut parts = vec![match lang {
                Lang::Zh => format!("{reporters} 户"),
                Lang::En => format!("{reporters} households"),
            }];
            if let Some((place, topic)) = order.issue_key() {
                parts.push(place_words(place, lang));
                parts.push(topic_words(topic, lang));
            }
            parts.push(match lang {
                Lang::Zh => format!("{window_days} 天内"),
                Lang::En => format!("within {window_days} days"),
            });
            parts.join(lang.pick(" · ", ", "))
        }
    }
}

/// A grade in words: 「热点:3 户 · 5栋 · 漏水渗水 · 30 天内」 / "Hotspot: 3 households, …".
pub fn grade_words(grade: &Grade, order: &OrderFacts, lang: Lang) -> String {
    let name = lang.pick(grade.severity.zh(), grade.severity.en());
    if grade.reasons.is_empty() {
        return name.to_string();
    }
    let reasons: Vec<String> = grade
        .reasons
        .iter()
        .map(|r| reason_words(r, order, lang))
        .collect();
    format!(
        "{name}{}{}",
        lang.pick(":", ": "),
        reasons.join(lang.pick(";", "; "))
    )
}

/// The complaints about the same issue as `orders[of]` (C-5's "same issue": the same place
/// and topic), oldest first, `of` among them; just `of` for a complaint without an issue key
/// or an order that is not a complaint.
pub fn group(orders: &[&OrderFacts], of: usize) -> Vec<usize> {
    let Some(me) = orders.get(of) else {
        return Vec::new();
    };
    let key = me
        .issue_key()
        .filter(|_| me.category == Category::Complaint);
    let mut list: Vec<usize> = match key {
        None => vec![of],
        Some(key) => (0..orders.len())
            .filter(|&i| {
                orders[i].category == Category::Complaint && orders[i].issue_key() == Some(key)
            })
            .collect(),
    };
    list.sort_by_key(|&i| (orders[i].reported_at, i));
    list
}

/// When the complaint first reached `severity` by the records of the server's clock, or its
/// report when it was graded so from the start (or the clock has not recorded it yet).
fn since(order: &OrderState, severity: Severity) -> Time {
    order
        .gradings
        .iter()
        .filter(|(s, _, _)| *s >= severity)
        .map(|(_, at, _)| *at)
        .min()
        .unwrap_or(order.reported_at)
}

/// The first moment the order was reported to the company's quality centre: a step of the
/// ladder at that level, recorded by the server's clock or by a supervisor.
fn reported_up(order: &OrderState) -> Option<Time> {
    order
        .escalations
        .iter()
        .filter(|(level, _, _)| *level >= Escalation::QualityCentre)
        .map(|(_, at, _)| *at)
        .min()
}

fn end_of_working_day(cal: &Calendar, from: Time, n: u32) -> Option<Time> {
    let day = cal.nth_working_day_after(cal.local(from).date(), n)?;
    cal.at_date(day.succ_opt()?, NaiveTime::MIN)
        .map(|t| cal.in_offset(t))
}

fn deadline(kind: DeadlineKind, due: Time, done_at: Option<Time>, now: Time) -> Deadline {
    Deadline {
        kind,
        due,
        status: sla::status(due, done_at, now),
        done_at,
    }
}

/// The deadlines D-5 adds to a complaint of `severity` under the estate's rules:
/// - a major complaint's unified response, `unified_response_hours` after it became major,
///   met by the first arrival or completion from then on;
/// - crland: a complaint still unresolved at the end of the `company_report_working_days`-th
///   working day after its report is reported to the company — met by its completion by then,
///   or by the report (a step of the ladder at the quality centre, the company's);
/// - crland: a hotspot complaint reported to the quality centre by the end of the
///   `hotspot_report_working_days`-th working day after it became one.
pub fn report_deadlines(
    policy: &Policy,
    cal: &Calendar,
    order: &OrderState,
    severity: Option<Severity>,
    now: Time,
) -> Vec<Deadline> {
    let rules = &policy.complaints;
    let mut out = Vec::new();
    if order.category != Category::Complaint {
        return out;
    }
    let first = |kinds: &[EventKind], after: Time| {
        order
            .milestones
            .iter()
            .filter(|(k, at, _)| kinds.contains(k) && *at >= after)
            .map(|(_, at, _)| *at)
            .min()
    };
    if let (Some(Severity::Major), Some(hours)) = (severity, rules.unified_response_hours) {
        let from = since(order, Severity::Major);
        if let Some(due) = from.checked_add_signed(Duration::hours(i64::from(hours))) {
            let done = first(&[EventKind::Responded, EventKind::Completed], from);
            out.push(deadline(DeadlineKind::UnifiedResponse, due, done, now));
        }
    }
    if let Some(n) = rules.company_report_working_days
        && let Some(due) = end_of_working_day(cal, order.reported_at, n)
    {
        let done = [order.first(EventKind::Completed), reported_up(order)]
            .into_iter()
            .flatten()
            .min();
        out.push(deadline(DeadlineKind::CompanyReport, due, done, now));
    }
    if let (Some(s), Some(n)) = (severity, rules.hotspot_report_working_days)
        && s >= Severity::Hotspot
        && let Some(due) = end_of_working_day(cal, since(order, Severity::Hotspot), n)
    {
        out.push(deadline(
            DeadlineKind::QualityReport,
            due,
            reported_up(order),
            now,
        ));
    }
    out
}

labelled_enum! {
    /// C-6: what makes an order a major customer event (重大客户事件) [000 4.3.4].
    Trigger {
        GroupComplaint = "group_complaint", "群体投诉", "Group complaint";
        Media = "media", "媒体负面报道", "Negative media report";
        IndustryNotice = "industry_notice", "行业通报", "Public industry notice";
        Petition = "petition", "越级上访", "Petition to a higher authority";
        Compensation = "compensation", "赔偿超过限额", "Compensation above the limit";
        Litigation = "litigation", "诉讼", "Litigation";
    }
}

/// The C-6 triggers an order meets, in [`Trigger::ALL`] order: a group complaint (C-5's
/// collective tests with at least the policy's `group_complaint_people` — a collective
/// complaint of that many people, or that many households about the same issue within the
/// hotspot window), a media report, an industry notice, a petition, litigation (the flags a
/// person sets), or compensation above the policy's limit.
pub fn triggers(policy: &Policy, order: &OrderState, grade: Option<&Grade>) -> Vec<Trigger> {
    let flagged = |f: &str| {
        order
            .assessment
            .flags
            .as_ref()
            .is_some_and(|list| list.iter().any(|x| x == f))
    };
    let at_least = policy.complaints.group_complaint_people;
    let group = order.category == Category::Complaint
        && grade.is_some_and(|g| {
            g.reasons.iter().chain(&g.also).any(|r| match r {
                Reason::People { people, .. } => *people >= at_least,
                Reason::Reporters { reporters, .. } => *reporters >= at_least,
                _ => false,
            })
        });
    let compensation = order
        .assessment
        .compensation_yuan
        .is_some_and(|y| y > policy.complaints.major_event_compensation_yuan);
    Trigger::ALL
        .iter()
        .copied()
        .filter(|t| match t {
            Trigger::GroupComplaint => group,
            Trigger::Media => flagged(flags::MEDIA),
            Trigger::IndustryNotice => flagged(flags::INDUSTRY_NOTICE),
            Trigger::Petition => flagged(flags::PETITION),
            Trigger::Compensation => compensation,
            Trigger::Litigation => flagged(flags::LITIGATION),
        })
        .collect()
}

/// The most characters a field of a special report holds.
pub const MAX_FIELD: usize = 4000;

/// A major customer event's special report (C-6: description, cause, responsibility,
/// corrective measures; with the preventive measures and the people involved). The timeline
/// is not written: it is drawn from the order's events ([`timeline`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialReport {
    pub description: String,
    pub cause: String,
    pub responsibility: String,
    pub corrective: String,
    pub preventive: String,
    /// Who was involved (staff, residents, outside parties), in words.
    pub people: String,
}

impl SpecialReport {
    /// Every field, with its name on the wire and its label.
    pub fn fields(&self) -> [(&'static str, &'static str, &'static str, &str); 6] {
        [
            ("description", "事件描述", "Description", &self.description),
            ("cause", "原因分析", "Cause", &self.cause),
            (
                "responsibility",
                "责任认定",
                "Responsibility",
                &self.responsibility,
            ),
            (
                "corrective",
                "纠正措施",
                "Corrective measures",
                &self.corrective,
            ),
            (
                "preventive",
                "预防措施",
                "Preventive measures",
                &self.preventive,
            ),
            ("people", "涉及人员", "People involved", &self.people),
        ]
    }

    /// The one check of a report, in the app before it is sent and on the server before it is
    /// stored: every field written, none longer than [`MAX_FIELD`]. The refusal names the
    /// first field at fault, in zh and en.
    pub fn check(&self) -> Result<(), Refusal> {
        for (field, zh, en, value) in self.fields() {
            let chars = value.trim().chars().count();
            if chars == 0 {
                return Err(Refusal::new(
                    field,
                    format!("{en}: required"),
                    format!("{zh}:必填"),
                ));
            }
            if chars > MAX_FIELD {
                return Err(Refusal::new(
                    field,
                    format!("{en}: at most {MAX_FIELD} characters"),
                    format!("{zh}:最多 {MAX_FIELD} 字"),
                ));
            }
        }
        Ok(())
    }
}

/// A special report as stored: the order's, what the order met of C-6 when it was saved, who
/// saved it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReport {
    pub order_id: String,
    pub estate_id: String,
    pub reference: String,
    pub triggers: Vec<Trigger>,
    pub report: SpecialReport,
    pub saved_by: String,
    pub saved_ms: i64,
    /// The order's timeline ([`timeline`]), where the reader needs it (the month's workbook).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Step>,
}

/// One line of a special report's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub at: Time,
    /// The event's type on the wire (`reported`, `dispatched`, …).
    pub kind: String,
    pub zh: String,
    pub en: String,
    /// The staff id who recorded it, `resident` or `system`.
    pub actor: String,
}

/// An event's type in words, for a report's timeline.
pub fn event_words(body: &EventBody) -> (&'static str, &'static str) {
    match body {
        EventBody::Reported(_) => ("报事", "Reported"),
        EventBody::Classified { .. } => ("分类", "Classified"),
        EventBody::Dispatched { .. } => ("派单", "Dispatched"),
        EventBody::Reassigned { .. } => ("转派", "Reassigned"),
        EventBody::Responded => ("到场/响应", "Responded"),
        EventBody::Appointment { .. } => ("预约", "Appointment"),
        EventBody::Completed => ("完工", "Completed"),
        EventBody::CalledBack { .. } => ("回访", "Called back"),
        EventBody::Reopened { .. } => ("重新打开", "Reopened"),
        EventBody::Escalated { .. } => ("升级", "Escalated"),
        EventBody::Graded { .. } => ("投诉定级", "Complaint graded"),
        EventBody::Closed => ("关闭", "Closed"),
        EventBody::Note { .. } => ("备注", "Note"),
        EventBody::Photo { .. } => ("照片", "Photo"),
        EventBody::ConflictResolved { .. } => ("处理冲突", "Conflict settled"),
        EventBody::Erased => ("删除个人信息", "Personal data erased"),
        EventBody::Assessed(_) => ("认定", "Assessed"),
        EventBody::Round(_) => ("巡查", "Patrol"),
        EventBody::Accepted => ("接单", "Accepted"),
        EventBody::Confirmed { .. } => ("业主确认完工", "Resident confirmed"),
        EventBody::Quoted { .. } => ("业主确认报价", "Quote agreed"),
        EventBody::Rated { .. } => ("业主评价", "Resident's rating"),
        EventBody::Visited { .. } => ("走访", "Visit"),
    }
}

/// The timeline of a special report: the order's events in their fold order, each with its
/// level or severity where it has one; notes and photos are left out (the report says what
/// happened, not every remark).
pub fn timeline(order_id: &str, events: &[Event]) -> Vec<Step> {
    let mut mine: Vec<&Event> = events
        .iter()
        .filter(|e| e.order_id() == order_id)
        .filter(|e| !matches!(e.body, EventBody::Note { .. } | EventBody::Photo { .. }))
        .collect();
    mine.sort_by(|a, b| {
        (a.hlc, a.device_id.as_str(), a.id.as_str()).cmp(&(
            b.hlc,
            b.device_id.as_str(),
            b.id.as_str(),
        ))
    });
    mine.dedup_by(|a, b| a.id == b.id);
    mine.into_iter()
        .map(|e| {
            let (mut zh, mut en) = {
                let (z, n) = event_words(&e.body);
                (z.to_string(), n.to_string())
            };
            match &e.body {
                EventBody::Escalated { level, .. } => {
                    zh += &format!(" {}", level.zh());
                    en += &format!(" to {}", level.en().to_lowercase());
                }
                EventBody::Graded { severity, .. } => {
                    zh += &format!(" {}", severity.zh());
                    en += &format!(" {}", severity.en().to_lowercase());
                }
                EventBody::CalledBack { score, .. } | EventBody::Rated { score, .. } => {
                    zh += &format!(" {score} 分");
                    en += &format!(" {score}/5");
                }
                _ => {}
            }
            Step {
                at: e.at,
                kind: e.body.kind().to_string(),
                zh,
                en,
                actor: e.actor.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_read_as_words() {
        assert_eq!(place_words("B5", Lang::Zh), "5栋");
        assert_eq!(place_words("B5", Lang::En), "building 5");
        assert_eq!(place_words("car_park", Lang::Zh), "停车场");
        assert_eq!(place_words("somewhere", Lang::En), "somewhere");
    }

    #[test]
    fn an_empty_or_long_field_is_named() {
        let mut r = SpecialReport {
            description: "d".into(),
            cause: "c".into(),
            responsibility: "r".into(),
            corrective: "x".into(),
            preventive: "p".into(),
            people: "w".into(),
        };
        assert_eq!(r.check(), Ok(()));
        r.cause = "  ".into();
        let e = r.check().err().map(|e| e.field);
        assert_eq!(e.as_deref(), Some("cause"));
        r.cause = "c".into();
        r.people = "长".repeat(MAX_FIELD + 1);
        let e = r.check().err();
        assert_eq!(e.as_ref().map(|e| e.field.as_str()), Some("people"));
        assert!(e.is_some_and(|e| e.zh.contains("涉及人员")));
    }
}
