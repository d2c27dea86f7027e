//! Patrols (V-3): an estate's checkpoints and routes as the manager defines them, and a day's
//! round as the log records it — started with a snapshot of its route (a later change of the
//! route rewrites no history), checkpoints scanned (QR, NFC tag, or picked by hand: the weaker
//! proof), checklist items found OK or not, findings raised as orders — and the fold that says
//! which checkpoints were missed, which scans are doubtful and the round's compliance.
//!
//! Doubtful scans are flagged, never refused: a caretaker whose tablet was in a basement with a
//! wrong clock still did the round.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::model::{Role, labelled_enum};
use crate::order::{Event, EventBody};
use crate::subject::SubjectKind;

labelled_enum! {
    /// How a caretaker showed they stood at a checkpoint.
    Proof {
        Qr = "qr", "扫码", "QR code";
        Nfc = "nfc", "NFC 标签", "NFC tag";
        /// Tag lost or camera broken: allowed, and shown as the weaker proof everywhere.
        Manual = "manual", "手动选择", "Picked by hand";
    }
}

labelled_enum! {
    /// Why a scan is doubtful.
    Flag {
        Early = "early", "早于时段", "Before the window";
        Late = "late", "晚于时段", "After the window";
        Manual = "manual", "手动选择", "Picked by hand";
        /// The tablet's clock was far from the server's when it synced.
        Clock = "clock", "设备时钟偏差", "Device clock off";
    }
}

/// A checkpoint as a round's snapshot keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointSnap {
    pub id: String,
    pub name: String,
    /// The building it stands in or by, when it is one (site plan).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub building_id: String,
    /// Where it is, in words (lobby of building 3, east car park).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<String>,
}

/// What a round starts with: its route as it was at that moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundStart {
    pub route_id: String,
    pub route_name: String,
    /// The estate's local day the round is for.
    pub day: NaiveDate,
    /// The window the checkpoints are expected in, `HH:MM` local.
    pub earliest: String,
    pub latest: String,
    pub checkpoints: Vec<CheckpointSnap>,
}

/// A step of a round: the body of an event whose subject is a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RoundStep {
    Started(RoundStart),
    Scanned {
        checkpoint_id: String,
        proof: Proof,
        /// The code read (QR or tag), verified by the server at sync; empty for manual.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        token: String,
    },
    /// One checklist item found OK or not (a finding: words, photos, urgent or not).
    Checked {
        checkpoint_id: String,
        item: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        urgent: bool,
    },
    /// A finding became an order (channel `patrol`).
    Raised {
        checkpoint_id: String,
        item: String,
        order_id: String,
    },
    /// Recorded by the server: a scan pushed from a device whose clock was this far from the
    /// server's at sync.
    Doubted {
        event_id: String,
        skew_ms: i64,
    },
}

impl RoundStep {
    /// The event's kind as the log stores it.
    pub fn kind(&self) -> &'static str {
        match self {
            RoundStep::Started(_) => "round_started",
            RoundStep::Scanned { .. } => "round_scanned",
            RoundStep::Checked { .. } => "round_checked",
            RoundStep::Raised { .. } => "round_raised",
            RoundStep::Doubted { .. } => "round_doubted",
        }
    }

    /// Caretakers and everyone above them walk rounds; technicians do not; only the server
    /// doubts a scan.
    pub fn may_be_recorded_by(&self, role: Role) -> bool {
        match self {
            RoundStep::Doubted { .. } => false,
            _ => role != Role::Technician,
        }
    }
}

/// A round's id: one round per route and local day, so two tablets that start the same route
/// offline record one round.
pub fn round_id(route_id: &str, day: NaiveDate) -> String {
    format!("{route_id}@{}", day.format("%Y%m%d"))
}

/// A checkpoint's scan as the round counts it: the first one (by clock stamp) of the
/// checkpoint, with what makes it doubtful.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scan {
    pub event_id: String,
    pub at: DateTime<FixedOffset>,
    pub actor: String,
    pub proof: Proof,
    pub flags: Vec<Flag>,
}

/// A checklist item's latest verdict at a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub event_id: String,
    pub checkpoint_id: String,
    pub item: String,
    pub ok: bool,
    pub note: String,
    pub photos: Vec<String>,
    pub urgent: bool,
    pub at: DateTime<FixedOffset>,
    /// The order the finding became, once raised.
    pub order_id: Option<String>,
}

/// A round folded from its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundState {
    pub id: String,
    pub start: RoundStart,
    pub started_at: DateTime<FixedOffset>,
    pub started_by: String,
    /// By checkpoint id, the scan that counts.
    pub scans: BTreeMap<String, Scan>,
    /// Each (checkpoint, item)'s latest verdict, in the snapshot's order.
    pub checks: Vec<Check>,
}

/// A round's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    pub expected: usize,
    pub scanned: usize,
    /// Scanned with at least one flag.
    pub doubtful: usize,
    /// Whole percent of expected checkpoints scanned (100 for a round of none).
    pub percent: u32,
}

impl Compliance {
    /// Whether the round meets the estate's threshold (whole percent).
    pub fn meets(&self, threshold: u32) -> bool {
        self.percent >= threshold
    }
}

fn hhmm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// Whether a `HH:MM` time is well formed.
pub fn is_hhmm(s: &str) -> bool {
    s.len() == 5 && hhmm(s).is_some()
}

/// What makes a scan at `at` doubtful for a round of `start`: outside its day and window,
/// recorded by hand. (A clock far off is known only at sync: `RoundStep::Doubted`.)
pub fn flags(start: &RoundStart, at: DateTime<FixedOffset>, proof: Proof) -> Vec<Flag> {
    let mut out = Vec::new();
    let local = at.naive_local();
    let (earliest, latest) = (hhmm(&start.earliest), hhmm(&start.latest));
    if local.date() < start.day
        || (local.date() == start.day && earliest.is_some_and(|t| local.time() < t))
    {
        out.push(Flag::Early);
    } else if local.date() > start.day
        || latest.is_some_and(|t| local.time() > t + chrono::Duration::seconds(59))
    {
        out.push(Flag::Late);
    }
    if proof == Proof::Manual {
        out.push(Flag::Manual);
    }
    out
}

/// Folds one round's events into its state: `None` until its start is known. The earliest
/// start (by clock stamp) wins when two tablets started the same round.
pub fn fold_round(round_id: &str, events: &[Event]) -> Option<RoundState> {
    let mut mine: Vec<&Event> = events
        .iter()
        .filter(|e| e.subject.kind == SubjectKind::Round && e.subject.id == round_id)
        .collect();
    mine.sort_by(|a, b| (a.hlc, &a.device_id, &a.id).cmp(&(b.hlc, &b.device_id, &b.id)));
    mine.dedup_by(|a, b| a.id == b.id);
    let (first, start) = mine.iter().find_map(|e| match &e.body {
        EventBody::Round(RoundStep::Started(s)) => Some((*e, s)),
        _ => None,
    })?;
    let mut state = RoundState {
        id: round_id.to_string(),
        start: start.clone(),
        started_at: first.at,
        started_by: first.actor.clone(),
        scans: BTreeMap::new(),
        checks: Vec::new(),
    };
    let known = |id: &str| start.checkpoints.iter().any(|c| c.id == id);
    let mut doubted: Vec<&str> = Vec::new();
    let mut checks: BTreeMap<(String, String), Check> = BTreeMap::new();
    let mut raised: Vec<(&str, &str, &str)> = Vec::new();
    for e in &mine {
        let EventBody::Round(step) = &e.body else {
            continue;
        };
        match step {
            RoundStep::Started(_) => {}
            RoundStep::Scanned {
                checkpoint_id,
                proof,
                ..
            } if known(checkpoint_id) => {
                state
                    .scans
                    .entry(checkpoint_id.clone())
                    .or_insert_with(|| Scan {
                        event_id: e.id.clone(),
                        at: e.at,
                        actor: e.actor.clone(),
                        proof: *proof,
                        flags: flags(start, e.at, *proof),
                    });
            }
            RoundStep::Scanned { .. } => {}
            RoundStep::Checked {
                checkpoint_id,
                item,
                ok,
                note,
                photos,
                urgent,
            } if known(checkpoint_id) => {
                checks.insert(
                    (checkpoint_id.clone(), item.clone()),
                    Check {
                        event_id: e.id.clone(),
                        checkpoint_id: checkpoint_id.clone(),
                        item: item.clone(),
                        ok: *ok,
                        note: note.clone(),
                        photos: photos.clone(),
                        urgent: *urgent,
                        at: e.at,
                        order_id: None,
                    },
                );
            }
            RoundStep::Checked { .. } => {}
            RoundStep::Raised {
                checkpoint_id,
                item,
                order_id,
            } => raised.push((checkpoint_id, item, order_id)),
            RoundStep::Doubted { event_id, .. } => doubted.push(event_id),
        }
    }
    for scan in state.scans.values_mut() {
        if doubted.contains(&scan.event_id.as_str()) {
            scan.flags.push(Flag::Clock);
        }
    }
    for (checkpoint, item, order) in raised {
        if let Some(c) = checks.get_mut(&(checkpoint.to_string(), item.to_string())) {
            c.order_id.get_or_insert_with(|| order.to_string());
        }
    }
    // The snapshot's order: checkpoints in route order, items in checklist order.
    for cp in &start.checkpoints {
        let mut of_cp: Vec<Check> = checks
            .iter()
            .filter(|((c, _), _)| c == &cp.id)
            .map(|(_, v)| v.clone())
            .collect();
        of_cp.sort_by_key(|c| {
            cp.checklist
                .iter()
                .position(|i| *i == c.item)
                .unwrap_or(usize::MAX)
        });
        state.checks.extend(of_cp);
    }
    Some(state)
}

impl RoundState {
    /// The checkpoints expected and not scanned, in route order.
    pub fn missed(&self) -> Vec<&CheckpointSnap> {
        self.start
            .checkpoints
            .iter()
            .filter(|c| !self.scans.contains_key(&c.id))
            .collect()
    }

    pub fn compliance(&self) -> Compliance {
        let expected = self.start.checkpoints.len();
        let scanned = self.scans.len();
        let doubtful = self.scans.values().filter(|s| !s.flags.is_empty()).count();
        let percent = (scanned * 100).checked_div(expected).unwrap_or(100) as u32;
        Compliance {
            expected,
            scanned,
            doubtful,
            percent,
        }
    }

    /// The findings (items not OK), in route order.
    pub fn findings(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }
}

labelled_enum! {
    /// Where a checkpoint of a day's routes stands, for the manager's site map.
    MarkStatus {
        Scanned = "scanned", "已巡", "Scanned";
        /// Scanned, but early, late, by hand or from a tablet with a wrong clock.
        Doubtful = "doubtful", "存疑", "Doubtful";
        /// Not scanned and its route's window has closed.
        Missed = "missed", "漏巡", "Missed";
        /// Not scanned yet, its route's window still open (or not yet opened).
        Due = "due", "待巡", "Due";
    }
}

/// A checkpoint of a route walked on a day, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub checkpoint_id: String,
    pub name: String,
    /// The building it stands in or by (site plan), empty when none.
    pub building_id: String,
    pub place: String,
    pub route_name: String,
    pub status: MarkStatus,
}

/// The checkpoints of every route scheduled on `day`, each with where it stands at the local
/// moment `now`: from the day's round when one started (its snapshot is what was expected),
/// from the estate's current routes otherwise. A checkpoint on two routes is marked once for
/// each. Routes of every caretaker: this is the manager's view.
pub fn day_marks(
    plan: &PatrolPlan,
    events: &[Event],
    day: NaiveDate,
    now: chrono::NaiveDateTime,
) -> Vec<Mark> {
    let mut marks = Vec::new();
    for route in plan
        .routes
        .iter()
        .filter(|r| scheduled_on(&r.weekdays, day))
    {
        let round = fold_round(&round_id(&route.id, day), events);
        let start = round
            .as_ref()
            .map_or_else(|| plan.snapshot(route, day), |r| r.start.clone());
        // The window closes at its `latest` minute of the day; a day gone is closed.
        let closed = now.date() > day
            || (now.date() == day && hhmm(&start.latest).is_some_and(|latest| now.time() > latest));
        for cp in &start.checkpoints {
            let scan = round.as_ref().and_then(|r| r.scans.get(&cp.id));
            let status = match scan {
                Some(s) if s.flags.is_empty() => MarkStatus::Scanned,
                Some(_) => MarkStatus::Doubtful,
                None if closed => MarkStatus::Missed,
                None => MarkStatus::Due,
            };
            marks.push(Mark {
                checkpoint_id: cp.id.clone(),
                name: cp.name.clone(),
                building_id: cp.building_id.clone(),
                place: cp.place.clone(),
                route_name: start.route_name.clone(),
                status,
            });
        }
    }
    marks
}

/// Every round id mentioned by the events, in first-seen order.
pub fn round_ids(events: &[Event]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut ids = Vec::new();
    for e in events {
        if e.subject.kind == SubjectKind::Round && seen.insert(e.subject.id.as_str()) {
            ids.push(e.subject.id.clone());
        }
    }
    ids
}

/// Whether a route's schedule has a round on `day`: every day when no weekday is named, else
/// on the named ones (1 = Monday … 7 = Sunday).
pub fn scheduled_on(weekdays: &[u8], day: NaiveDate) -> bool {
    weekdays.is_empty() || weekdays.contains(&(day.weekday().number_from_monday() as u8))
}

// ---- Definitions: checkpoints, routes, codes ----

/// A checkpoint as the estate defines it now. `digest` is the digest of its current code
/// ([`digest`]): a tablet matches a scanned code to its checkpoint offline without holding
/// the code itself or the estate's key, so it cannot make a scan it did not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub building_id: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub checklist: Vec<String>,
    #[serde(default)]
    pub digest: String,
}

/// A route: checkpoints in the order walked, the caretakers assigned and the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub id: String,
    pub name: String,
    pub checkpoints: Vec<String>,
    pub caretakers: Vec<String>,
    /// 1 = Monday … 7 = Sunday; empty: every day.
    #[serde(default)]
    pub weekdays: Vec<u8>,
    pub earliest: String,
    pub latest: String,
}

/// What a manager sends to make or change a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointInput {
    pub name: String,
    #[serde(default)]
    pub building_id: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub checklist: Vec<String>,
}

/// What a manager sends to make or change a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteInput {
    pub name: String,
    pub checkpoints: Vec<String>,
    #[serde(default)]
    pub caretakers: Vec<String>,
    #[serde(default)]
    pub weekdays: Vec<u8>,
    pub earliest: String,
    pub latest: String,
}

/// An estate's patrols as every staff member of it reads them (`GET
/// /api/estates/{id}/patrols`), and as a tablet caches them for offline rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolPlan {
    pub estate_id: String,
    pub checkpoints: Vec<Checkpoint>,
    pub routes: Vec<Route>,
    /// The generation of the codes in force: a reprint with a new generation revokes the old.
    pub generation: i64,
    /// The round compliance the estate aims at, whole percent (policy `patrols`).
    pub threshold: u32,
}

impl PatrolPlan {
    pub fn checkpoint(&self, id: &str) -> Option<&Checkpoint> {
        self.checkpoints.iter().find(|c| c.id == id)
    }

    /// The routes with a round on `day` for this staff member (a route with no caretaker
    /// assigned is everyone's); a route whose checkpoints were all retired has nothing to
    /// walk and is left out.
    pub fn routes_for(&self, staff_id: &str, day: NaiveDate) -> Vec<&Route> {
        self.routes
            .iter()
            .filter(|r| scheduled_on(&r.weekdays, day))
            .filter(|r| r.checkpoints.iter().any(|id| self.checkpoint(id).is_some()))
            .filter(|r| r.caretakers.is_empty() || r.caretakers.iter().any(|c| c == staff_id))
            .collect()
    }

    /// The snapshot a round of `route` on `day` starts with: its checkpoints as they are now.
    pub fn snapshot(&self, route: &Route, day: NaiveDate) -> RoundStart {
        RoundStart {
            route_id: route.id.clone(),
            route_name: route.name.clone(),
            day,
            earliest: route.earliest.clone(),
            latest: route.latest.clone(),
            checkpoints: route
                .checkpoints
                .iter()
                .filter_map(|id| self.checkpoint(id))
                .map(|c| CheckpointSnap {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    building_id: c.building_id.clone(),
                    place: c.place.clone(),
                    checklist: c.checklist.clone(),
                })
                .collect(),
        }
    }

    /// The checkpoint whose current code has this digest.
    pub fn by_digest(&self, token: &str) -> Option<&Checkpoint> {
        let d = digest(token);
        self.checkpoints.iter().find(|c| c.digest == d)
    }
}

/// A preset checklist (V-3; 004 品质检查标准 item 9): a key, its labels and its items.
pub struct ChecklistPreset {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub items: &'static [&'static str],
}

/// The presets a manager picks a checkpoint's checklist from, then edits.
pub const CHECKLIST_PRESETS: &[ChecklistPreset] = &[
    ChecklistPreset {
        key: "doors",
        zh: "大堂与单元门",
        en: "Lobby & unit doors",
        items: &[
            "门禁与闭门器正常",
            "大堂照明正常",
            "地面与信报箱整洁",
            "无闲杂人员滞留",
        ],
    },
    ChecklistPreset {
        key: "lifts",
        zh: "电梯与电梯厅",
        en: "Lift & lift lobby",
        items: &[
            "电梯运行正常无异响",
            "轿厢照明与对讲正常",
            "电梯厅整洁无堆物",
        ],
    },
    ChecklistPreset {
        key: "plant",
        zh: "水泵房与机房",
        en: "Pump & machine rooms",
        items: &["设备运行无异响渗漏", "门锁完好", "运行记录已填写"],
    },
    ChecklistPreset {
        key: "fire",
        zh: "消防通道与灭火器",
        en: "Fire exits & extinguishers",
        items: &[
            "消防通道畅通无堆物",
            "灭火器在有效期内",
            "应急灯与疏散指示正常",
        ],
    },
    ChecklistPreset {
        key: "car_park",
        zh: "停车场",
        en: "Car park",
        items: &["车辆停放有序", "照明与道闸正常", "无积水与油污"],
    },
    ChecklistPreset {
        key: "green",
        zh: "绿化与游乐场",
        en: "Green areas & playground",
        items: &["绿化无枯死与践踏", "游乐设施完好无松动", "地面无尖锐杂物"],
    },
    ChecklistPreset {
        key: "bins",
        zh: "垃圾桶与收集点",
        en: "Bins & collection points",
        items: &["垃圾桶未满溢", "收集点无异味与蚊蝇", "分类标识清楚"],
    },
    ChecklistPreset {
        key: "roof",
        zh: "屋面与外墙",
        en: "Roof & outer walls",
        items: &["屋面无积水与杂物", "外墙无脱落与裂缝", "天台门锁完好"],
    },
];

/// The most routes and checkpoints an estate defines.
pub const MAX_DEFINED: usize = 500;
/// How far a tablet's clock may be from the server's at sync before its scans are doubted.
pub const CLOCK_DOUBT_MS: i64 = 5 * 60_000;

fn refusal(field: &str, en: &str, zh: &str) -> crate::arrival::Refusal {
    crate::arrival::Refusal::new(field, en, zh)
}

fn words(field: &str, s: &str, min: usize, max: usize) -> Result<(), crate::arrival::Refusal> {
    let n = s.trim().chars().count();
    if n < min || s.chars().count() > max {
        return Err(crate::arrival::Refusal::new(
            field,
            format!("{min} to {max} characters"),
            format!("须为 {min} 至 {max} 个字符"),
        ));
    }
    Ok(())
}

impl CheckpointInput {
    /// Whether the input may be stored; `building` says whether a building id is the
    /// estate's. The refusal names the field in both languages.
    pub fn check(&self, building: impl Fn(&str) -> bool) -> Result<(), crate::arrival::Refusal> {
        words("name", &self.name, 1, 40)?;
        words("place", &self.place, 0, 100)?;
        if !self.building_id.is_empty() && !building(&self.building_id) {
            return Err(refusal(
                "building_id",
                "no such building in this estate",
                "本小区没有该楼栋",
            ));
        }
        if self.checklist.len() > crate::arrival::MAX_ITEMS {
            return Err(refusal("checklist", "at most 20 items", "最多 20 项"));
        }
        for item in &self.checklist {
            words("checklist", item, 1, 100)?;
        }
        Ok(())
    }
}

impl RouteInput {
    /// Whether the input may be stored: its checkpoints are the estate's (each once), its
    /// caretakers its staff, its weekdays 1–7 and its window a time span of the day.
    pub fn check(
        &self,
        checkpoint: impl Fn(&str) -> bool,
        caretaker: impl Fn(&str) -> bool,
    ) -> Result<(), crate::arrival::Refusal> {
        words("name", &self.name, 1, 40)?;
        if self.checkpoints.is_empty() || self.checkpoints.len() > crate::arrival::MAX_CHECKPOINTS {
            return Err(refusal(
                "checkpoints",
                "1 to 200 checkpoints",
                "须为 1 至 200 个巡查点",
            ));
        }
        for (n, id) in self.checkpoints.iter().enumerate() {
            if !checkpoint(id) {
                return Err(refusal(
                    "checkpoints",
                    "no such checkpoint in this estate",
                    "本小区没有该巡查点",
                ));
            }
            if self.checkpoints[..n].contains(id) {
                return Err(refusal(
                    "checkpoints",
                    "a checkpoint appears twice",
                    "巡查点重复",
                ));
            }
        }
        for id in &self.caretakers {
            if !caretaker(id) {
                return Err(refusal(
                    "caretakers",
                    "not an active staff member of this estate",
                    "不是本小区在职员工",
                ));
            }
        }
        if self.weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return Err(refusal(
                "weekdays",
                "1 (Monday) to 7 (Sunday)",
                "须为 1(周一)至 7(周日)",
            ));
        }
        let (Some(a), Some(b)) = (hhmm(&self.earliest), hhmm(&self.latest)) else {
            let field = if hhmm(&self.earliest).is_none() {
                "earliest"
            } else {
                "latest"
            };
            return Err(refusal(field, "a time as HH:MM", "须为 时:分"));
        };
        if a >= b {
            return Err(refusal(
                "latest",
                "must be after the earliest time",
                "须晚于最早时间",
            ));
        }
        Ok(())
    }
}

/// A checkpoint code: `anju-cp:<estate>:<checkpoint>:<generation>:<mac>`, the MAC an
/// HMAC-SHA256 over [`signed_text`] with the estate's key, kept on the server only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code<'a> {
    pub estate_id: &'a str,
    pub checkpoint_id: &'a str,
    pub generation: i64,
    pub mac: &'a str,
}

const CODE_PREFIX: &str = "anju-cp";

impl<'a> Code<'a> {
    /// Reads a code; `None` for anything that is not one.
    pub fn parse(token: &'a str) -> Option<Code<'a>> {
        let mut parts = token.split(':');
        let (
            Some(CODE_PREFIX),
            Some(estate_id),
            Some(checkpoint_id),
            Some(generation),
            Some(mac),
            None,
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        let generation = generation.parse().ok()?;
        (!estate_id.is_empty() && !checkpoint_id.is_empty() && mac.len() == 32).then_some(Code {
            estate_id,
            checkpoint_id,
            generation,
            mac,
        })
    }

    pub fn text(&self) -> String {
        format!(
            "{CODE_PREFIX}:{}:{}:{}:{}",
            self.estate_id, self.checkpoint_id, self.generation, self.mac
        )
    }
}

/// What a code's MAC signs.
pub fn signed_text(estate_id: &str, checkpoint_id: &str, generation: i64) -> String {
    format!("{CODE_PREFIX}\u{0}{estate_id}\u{0}{checkpoint_id}\u{0}{generation}")
}

/// A code's digest: the first 32 hex digits of its SHA-256.
pub fn digest(token: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(token.as_bytes());
    hash.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The verdict on a scanned code at the server, which knows the estate's generation and
/// computes the MAC a code of it should carry (`mac_of`). The refusal says what is wrong:
/// not a code, another estate's, another checkpoint's, forged, or revoked by a reprint.
pub fn judge_code(
    estate_id: &str,
    checkpoint_id: &str,
    token: &str,
    generation: i64,
    mac_of: impl Fn(&str, &str, i64) -> String,
) -> Result<(), crate::arrival::Refusal> {
    let Some(code) = Code::parse(token) else {
        return Err(refusal(
            "token",
            "not a checkpoint code",
            "不是巡查点二维码",
        ));
    };
    if code.estate_id != estate_id {
        return Err(crate::arrival::Refusal::new(
            "token",
            format!(
                "the code of another estate ({}), not of this one",
                code.estate_id
            ),
            format!("这是其他小区({})的巡查码,不属于本小区", code.estate_id),
        ));
    }
    if code.checkpoint_id != checkpoint_id {
        return Err(refusal(
            "token",
            "the code of another checkpoint",
            "这是另一个巡查点的巡查码",
        ));
    }
    let expected = mac_of(code.estate_id, code.checkpoint_id, code.generation);
    // Compared whole, without stopping at the first difference.
    let same = expected.len() == code.mac.len()
        && expected
            .bytes()
            .zip(code.mac.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(refusal(
            "token",
            "forged: its signature is not this estate's",
            "伪造的巡查码:签名不符",
        ));
    }
    if code.generation != generation {
        return Err(crate::arrival::Refusal::new(
            "token",
            format!(
                "revoked: a sheet of generation {} replaced it (this one is {})",
                generation, code.generation
            ),
            format!(
                "已作废:巡查码已重新打印(第 {} 版,此码为第 {} 版)",
                generation, code.generation
            ),
        ));
    }
    Ok(())
}

/// Who defines an estate's checkpoints and routes and prints its codes: the customer-service
/// supervisor, the project manager, those above them and the administrator.
pub fn may_define(role: Role) -> bool {
    matches!(
        role,
        Role::CsSupervisor | Role::ProjectManager | Role::AreaManager | Role::Admin
    )
}

/// Who sees every round of the estate (the rounds view): those who define them and the other
/// supervisors; a caretaker sees the rounds on their tablet.
pub fn may_review(role: Role) -> bool {
    may_define(role) || role.is_supervisor()
}

/// A checkpoint's or route's id: 1 to 40 letters, digits, `-` or `_` (codes and round ids
/// are built from them with `:` and `@`).
pub fn is_definition_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// One code of the print sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintedCode {
    pub checkpoint_id: String,
    pub name: String,
    pub place: String,
    pub token: String,
    /// The QR drawing, SVG made by the server.
    pub svg: String,
}

/// The A4 sheet of an estate's codes (`GET /api/estates/{id}/patrols/codes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSheet {
    pub estate_id: String,
    pub estate_name: String,
    pub generation: i64,
    pub codes: Vec<PrintedCode>,
}
