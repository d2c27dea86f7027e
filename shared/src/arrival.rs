//! The arrival check: whether a pushed event may enter an estate's log. One function, called by
//! the server on every event it receives and by the app before it records one, so a tablet never
//! keeps offline what the server will refuse, and a hostile or buggy client cannot store what a
//! reader would choke on (a five-digit year, a clock stamp that overflows, a megabyte of text).
//!
//! Everything that needs no database is decided here; what a side knows of the estate
//! (households, photos, staff) comes in through [`Lookup`], whose answers may be "unknown" on a
//! tablet that has not got the list, never on the server.

use chrono::{DateTime, FixedOffset};

use crate::hlc::{Hlc, MAX_COUNTER};
use crate::model::{Channel, Role, VisitMethod};
use crate::order::{Event, EventBody};
use crate::patrol::{self, RoundStep};
use crate::report::{mask_phone, normalize_phone};

/// 2000-01-01T00:00:00Z: nothing of this product happened before it.
pub const EARLIEST_MS: i64 = 946_684_800_000;
/// 2101-01-01T00:00:00Z: the end of the years a stored time may have (2000–2100), so every
/// accepted time prints as RFC 3339 with a four-digit year and reads back the same.
pub const LATEST_MS: i64 = 4_133_980_800_000;
/// How far ahead of the receiver's clock an event's time or stamp may be. A tablet a day off
/// is tolerated by design (hybrid clocks order its events anyway); two hours more cover a
/// wrong time zone on top. Beyond it a stamp would win every last-writer-wins field until then
/// and drag every tablet that sees it into the future.
pub const MAX_AHEAD_MS: i64 = 26 * 3_600_000;
/// How far ahead an appointment agreed with a resident may be (a year and a day).
pub const APPOINTMENT_AHEAD_MS: i64 = 366 * 24 * 3_600_000;
/// The widest UTC offset in use (UTC+14); offsets are whole minutes.
pub const MAX_OFFSET_S: i32 = 14 * 3600;

/// Lengths, in characters.
pub const ID_MAX: usize = 64;
pub const TEXT_MAX: usize = 2000;
pub const LOCATION_MAX: usize = 100;
pub const REASON_MAX: usize = 500;
pub const KEY_MAX: usize = 32;
/// The most people a collective complaint can name.
pub const MAX_PEOPLE: u32 = 100_000;
/// The most people one escalation step names.
pub const MAX_NOTIFIED: usize = 50;
/// The largest compensation an order can carry, in yuan.
pub const MAX_YUAN: u32 = 100_000_000;

/// Who pushes: the device and the logged-in staff member, as the receiver knows them.
#[derive(Debug, Clone, Copy)]
pub struct Pusher<'a> {
    pub device_id: &'a str,
    pub actor: &'a str,
    pub role: Role,
}

/// What one side knows of the estate. `None` means "cannot tell here" (a tablet that has not
/// got the staff list, a photo waiting in the upload queue): the check is then left to the
/// server, whose lookup answers every question.
pub trait Lookup {
    /// Whether a household of this estate has this id.
    fn household(&self, _id: &str) -> Option<bool> {
        None
    }
    /// Whether this estate has this building and, in it, this unit.
    fn unit(&self, _building: &str, _unit: &str) -> Option<bool> {
        None
    }
    /// Whether a photo with this hash is stored for this estate.
    fn photo(&self, _hash: &str) -> Option<bool> {
        None
    }
    /// Whether this id is an active staff member who works in this estate.
    fn staff(&self, _id: &str) -> Option<bool> {
        None
    }
    /// Whether the estate's price list has an item with this id (paid work's quotes).
    fn price_item(&self, _id: &str) -> Option<bool> {
        None
    }
    /// The verdict on a code scanned at a checkpoint: the server's is signed and current
    /// (`patrol::judge_code`); a tablet can only match the code's digest to the checkpoint's.
    fn code(&self, _checkpoint_id: &str, _token: &str) -> Option<Result<(), Refusal>> {
        None
    }
}

/// A lookup that knows nothing: only the checks that need no list run.
pub struct Unknown;
impl Lookup for Unknown {}

/// Why an event was refused: the field, and the problem in English and Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub en: String,
    pub zh: String,
}

impl Refusal {
    pub fn new(field: impl Into<String>, en: impl Into<String>, zh: impl Into<String>) -> Refusal {
        Refusal {
            field: field.into(),
            en: en.into(),
            zh: zh.into(),
        }
    }
}

impl Refusal {
    /// The refusal as a person reads it, naming the field in their language.
    pub fn message(&self, lang: crate::lang::Lang) -> String {
        match lang {
            crate::lang::Lang::Zh => format!("{}:{}", field_zh(&self.field), self.zh),
            crate::lang::Lang::En => self.to_string(),
        }
    }
}

/// A field's name in Chinese, for the messages people read.
fn field_zh(field: &str) -> &str {
    match field {
        "text" => "内容",
        "reason" => "原因",
        "note" => "走访备注",
        "to" => "指派对象",
        "at" => "时间",
        "hlc" => "时钟",
        "hash" => "照片",
        "score" => "评分",
        "override_reason" => "紧急回访原因",
        "comment" => "评价",
        "solved" => "问题是否解决",
        "signature" => "业主签名",
        "who" => "确认人",
        "method" => "走访方式",
        "household_id" => "住户",
        "phone_masked" => "电话",
        "channel" => "渠道",
        "location" => "位置",
        "building_id" => "楼栋",
        "unit_id" => "单元",
        "people" => "人数",
        "compensation_yuan" => "赔偿金额",
        "flags" => "标记",
        "reporter" => "报事人",
        "topic" => "问题类型",
        "place" => "地点",
        "type" => "操作",
        "actor" => "操作人",
        "device_id" => "设备",
        "device_seq" => "设备序号",
        "order_id" => "工单",
        "subject.id" => "记录对象",
        "subject.kind" => "记录类型",
        "checkpoint_id" => "巡查点",
        "item" => "检查项",
        "token" => "巡查码",
        "photos" => "照片",
        "route_id" => "巡查路线",
        "route_name" => "路线名称",
        "checkpoints" => "巡查点",
        "earliest" => "最早时间",
        "latest" => "最晚时间",
        "day" => "日期",
        "event_id" => "冲突记录",
        "assessment" => "认定",
        "quote" => "报价",
        "price_item" => "收费项目",
        "quantity" => "数量",
        "price_fen" => "单价",
        "total_fen" => "合计",
        "service" => "服务项目",
        "unit" => "单位",
        "notes" => "说明",
        other => other,
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.en)
    }
}

/// Checks one pushed event at the receiver's clock `now_ms`. Order ownership (the order exists
/// in this estate, or a report opens a new one) needs the batch's context: see
/// [`order_refusal`].
pub fn check(
    e: &Event,
    pusher: &Pusher<'_>,
    now_ms: i64,
    lookup: &dyn Lookup,
) -> Result<(), Refusal> {
    ident("id", &e.id, false)?;
    // The ids the server gives the events it records itself (an erasure, a resident's
    // rating): a device taking one would block the server's own record.
    if SERVER_ID_PREFIXES.iter().any(|p| e.id.starts_with(p)) {
        return Err(Refusal::new(
            "id",
            "this id is kept for the server's own records",
            "该编号留给服务器自身的记录",
        ));
    }
    ident("device_id", &e.device_id, false)?;
    ident("subject.id", &e.subject.id, true)?;
    if e.device_id != pusher.device_id {
        return Err(Refusal::new(
            "device_id",
            "not the pushing device",
            "不是推送的设备",
        ));
    }
    if e.actor != pusher.actor {
        return Err(Refusal::new(
            "actor",
            "not the logged-in user",
            "不是当前登录的用户",
        ));
    }
    if e.device_seq == 0 || e.device_seq > i64::MAX as u64 {
        return Err(Refusal::new(
            "device_seq",
            "must be 1 or more",
            "须为正整数",
        ));
    }
    if !e.body.may_be_recorded_by(pusher.role) {
        return Err(Refusal::new(
            "type",
            format!(
                "a {} may not record {}",
                pusher.role.as_str(),
                e.body.kind()
            ),
            format!("{}无权记录此操作", pusher.role.zh()),
        ));
    }
    time("at", &e.at, now_ms + MAX_AHEAD_MS)?;
    stamp(e.hlc, now_ms)?;
    subject(e)?;
    if let EventBody::Appointment { at } = &e.body {
        appointment(at, &e.at)?;
    }
    body(&e.body, now_ms, lookup)
}

/// Whether the event's body is about its subject's kind, and names the subject it is about.
fn subject(e: &Event) -> Result<(), Refusal> {
    let kinds = e.body.subject_kinds();
    let kind = kinds[0];
    if !kinds.contains(&e.subject.kind) {
        return Err(Refusal::new(
            "subject.kind",
            format!(
                "a {} event is about a {}, not a {}",
                e.body.kind(),
                kind.as_str(),
                e.subject.kind.as_str()
            ),
            format!("此操作属于{},不属于{}", kind.zh(), e.subject.kind.zh()),
        ));
    }
    if e.subject.id.is_empty() {
        return Err(Refusal::new(
            "subject.id",
            format!("missing the {}", kind.as_str()),
            format!("缺少{}编号", kind.zh()),
        ));
    }
    match &e.body {
        EventBody::Visited { household_id, .. } if *household_id != e.subject.id => {
            Err(Refusal::new(
                "household_id",
                "not the household the event is about",
                "与记录所属住户不一致",
            ))
        }
        EventBody::Round(RoundStep::Started(s))
            if crate::patrol::round_id(&s.route_id, s.day) != e.subject.id =>
        {
            Err(Refusal::new(
                "subject.id",
                "a round is named by its route and day",
                "巡查轮次编号须由路线和日期组成",
            ))
        }
        _ => Ok(()),
    }
}

/// The id prefixes of events the server records itself (`erased-…`, `rated-…`).
pub const SERVER_ID_PREFIXES: [&str; 2] = ["erased-", "rated-"];

/// How far before the moment it is recorded an appointment may lie: the same minute, typed
/// while the clock turned.
pub const APPOINTMENT_SLACK_MS: i64 = 60_000;

/// An appointment agreed with the resident (D-2: it becomes the response deadline) lies ahead
/// of the moment it is recorded: one in the past could only be a typing error, and would make
/// a deadline already missed. Judged against the event's own time, so a tablet that sends it
/// a day later gets the same answer.
pub fn appointment(
    at: &DateTime<FixedOffset>,
    recorded: &DateTime<FixedOffset>,
) -> Result<(), Refusal> {
    if at.timestamp_millis() + APPOINTMENT_SLACK_MS < recorded.timestamp_millis() {
        return Err(Refusal::new(
            "at",
            "the appointment is in the past",
            "预约时间已过",
        ));
    }
    Ok(())
}

/// The checks of each kind of event's own fields.
fn body(b: &EventBody, now_ms: i64, lookup: &dyn Lookup) -> Result<(), Refusal> {
    match b {
        EventBody::Reported(r) => {
            text("text", &r.text, 1, TEXT_MAX)?;
            if Channel::parse(&r.channel).is_none() {
                return Err(Refusal::new(
                    "channel",
                    "not a known channel",
                    "不是已知的渠道",
                ));
            }
            if let Some(topic) = &r.topic {
                text("topic", topic, 0, KEY_MAX)?;
            }
            if let Some(place) = &r.place {
                text("place", place, 0, KEY_MAX)?;
            }
            text("location", &r.location, 0, LOCATION_MAX)?;
            ident("building_id", &r.building_id, true)?;
            ident("unit_id", &r.unit_id, true)?;
            if r.building_id.is_empty() != r.unit_id.is_empty() {
                return Err(Refusal::new(
                    "unit_id",
                    "a building and a unit go together",
                    "楼栋与单元须同时填写",
                ));
            }
            if !r.building_id.is_empty() && lookup.unit(&r.building_id, &r.unit_id) == Some(false) {
                return Err(Refusal::new(
                    "unit_id",
                    "no such building and unit in this estate",
                    "本小区没有该楼栋单元",
                ));
            }
            if !r.phone_masked.is_empty() && !is_masked_phone(&r.phone_masked) {
                return Err(Refusal::new(
                    "phone_masked",
                    "must be masked like 138****5678 (the full number travels apart)",
                    "须为掩码形式,如 138****5678(完整号码另行提交)",
                ));
            }
        }
        EventBody::Dispatched { to: Some(to) } | EventBody::Reassigned { to } => {
            ident("to", to, false)?;
            if lookup.staff(to) == Some(false) {
                return Err(Refusal::new(
                    "to",
                    "not an active staff member of this estate",
                    "不是本小区在职员工",
                ));
            }
        }
        EventBody::Dispatched { to: None } => {}
        EventBody::Appointment { at } => time("at", at, now_ms + APPOINTMENT_AHEAD_MS)?,
        EventBody::CalledBack {
            score,
            override_reason,
            ..
        } => {
            crate::callback::check_score("score", *score)?;
            if let Some(reason) = override_reason {
                text("override_reason", reason, 0, REASON_MAX)?;
            }
        }
        EventBody::Confirmed { signature, who } => {
            text("who", who, 0, LOCATION_MAX)?;
            match signature {
                Some(hash) => {
                    if !is_photo_hash(hash) {
                        return Err(Refusal::new(
                            "signature",
                            "not a stored signature",
                            "不是已保存的签名",
                        ));
                    }
                    if lookup.photo(hash) == Some(false) {
                        return Err(Refusal::new(
                            "signature",
                            "no such signature uploaded to this estate",
                            "本小区没有该签名",
                        ));
                    }
                }
                None if who.trim().is_empty() => {
                    return Err(Refusal::new(
                        "who",
                        "the resident's signature, or who confirmed by phone",
                        "须有业主签名,或填写电话确认人",
                    ));
                }
                None => {}
            }
        }
        EventBody::Quoted { items, total_fen } => {
            let quote = crate::price::Quote {
                items: items.clone(),
            };
            crate::price::check_quoted(&quote, *total_fen, &|id| lookup.price_item(id))?;
        }
        EventBody::Rated { score, comment } => {
            crate::callback::check_score("score", *score)?;
            text("comment", comment, 0, REASON_MAX)?;
        }
        EventBody::Reopened { reason } => text("reason", reason, 0, REASON_MAX)?,
        EventBody::Note { text: t } => {
            if t.trim().is_empty() {
                return Err(Refusal::new(
                    "text",
                    "a note cannot be empty",
                    "备注不能为空",
                ));
            }
            text("text", t, 1, TEXT_MAX)?;
        }
        EventBody::Photo { hash } => {
            if !is_photo_hash(hash) {
                return Err(Refusal::new(
                    "hash",
                    "not a photo's SHA-256 (64 lowercase hex digits)",
                    "不是照片的 SHA-256 摘要",
                ));
            }
            if lookup.photo(hash) == Some(false) {
                return Err(Refusal::new(
                    "hash",
                    "no such photo in this estate (upload it first)",
                    "本小区没有这张照片(请先上传)",
                ));
            }
        }
        EventBody::ConflictResolved { event_id } => ident("event_id", event_id, false)?,
        EventBody::Visited {
            household_id,
            method,
            note,
            ..
        } => {
            ident("household_id", household_id, false)?;
            if VisitMethod::parse(method).is_none() {
                return Err(Refusal::new(
                    "method",
                    "must be phone, door or outdoor",
                    "须为电话、上门或户外",
                ));
            }
            text("note", note, 0, TEXT_MAX)?;
            if lookup.household(household_id) == Some(false) {
                return Err(Refusal::new(
                    "household_id",
                    "no such household in this estate",
                    "本小区没有该住户",
                ));
            }
        }
        EventBody::Assessed(a) => {
            if a.is_empty() {
                return Err(Refusal::new(
                    "assessment",
                    "names nothing",
                    "未填写任何内容",
                ));
            }
            if let Some(people) = a.people
                && !(1..=MAX_PEOPLE).contains(&people)
            {
                return Err(Refusal::new(
                    "people",
                    format!("1 to {MAX_PEOPLE}"),
                    format!("须为 1 至 {MAX_PEOPLE} 人"),
                ));
            }
            if let Some(yuan) = a.compensation_yuan
                && yuan > MAX_YUAN
            {
                return Err(Refusal::new(
                    "compensation_yuan",
                    format!("at most {MAX_YUAN} yuan"),
                    format!("最多 {MAX_YUAN} 元"),
                ));
            }
            if let Some(reporter) = &a.reporter {
                ident("reporter", reporter, false)?;
            }
            if let Some(topic) = &a.topic {
                text("topic", topic, 1, KEY_MAX)?;
            }
            if let Some(place) = &a.place {
                text("place", place, 1, KEY_MAX)?;
            }
            if let Some(flags) = &a.flags
                && (flags.len() > crate::model::flags::ALL.len()
                    || !flags.iter().all(|f| crate::model::flags::is_known(f)))
            {
                return Err(Refusal::new(
                    "flags",
                    "only media, litigation, government, petition, industry notice, written, forum, rework",
                    "只能是媒体曝光、诉讼、政府转办、上访、行业通报、书面投诉、论坛发帖、返修",
                ));
            }
        }
        EventBody::Escalated { to, .. } | EventBody::Graded { to, .. } => {
            if to.len() > MAX_NOTIFIED {
                return Err(Refusal::new(
                    "to",
                    format!("at most {MAX_NOTIFIED} people"),
                    format!("最多 {MAX_NOTIFIED} 人"),
                ));
            }
            for id in to {
                ident("to", id, false)?;
            }
        }
        EventBody::Round(step) => round_step(step, lookup)?,
        EventBody::Classified { .. }
        | EventBody::Responded
        | EventBody::Completed
        | EventBody::Closed
        | EventBody::Accepted
        | EventBody::Erased => {}
    }
    Ok(())
}

/// The most checkpoints a route has, and checklist items a checkpoint has.
pub const MAX_CHECKPOINTS: usize = 200;
pub const MAX_ITEMS: usize = 20;
/// The most photos one finding carries.
pub const MAX_PHOTOS: usize = 9;
/// A checkpoint code's longest form (see `patrol::token`).
pub const TOKEN_MAX: usize = 200;

/// The checks of a round step's own fields.
fn round_step(step: &RoundStep, lookup: &dyn Lookup) -> Result<(), Refusal> {
    match step {
        RoundStep::Started(s) => {
            ident("route_id", &s.route_id, false)?;
            text("route_name", &s.route_name, 1, LOCATION_MAX)?;
            if !patrol::is_hhmm(&s.earliest) {
                return Err(Refusal::new("earliest", "a time as HH:MM", "须为 时:分"));
            }
            if !patrol::is_hhmm(&s.latest) {
                return Err(Refusal::new("latest", "a time as HH:MM", "须为 时:分"));
            }
            if !(2000..=2100).contains(&chrono::Datelike::year(&s.day)) {
                return Err(Refusal::new(
                    "day",
                    "outside 2000–2100",
                    "超出 2000–2100 年",
                ));
            }
            if s.checkpoints.is_empty() || s.checkpoints.len() > MAX_CHECKPOINTS {
                return Err(Refusal::new(
                    "checkpoints",
                    format!("1 to {MAX_CHECKPOINTS} checkpoints"),
                    format!("须为 1 至 {MAX_CHECKPOINTS} 个巡查点"),
                ));
            }
            for c in &s.checkpoints {
                ident("checkpoint_id", &c.id, false)?;
                text("checkpoints", &c.name, 1, LOCATION_MAX)?;
                ident("building_id", &c.building_id, true)?;
                text("place", &c.place, 0, LOCATION_MAX)?;
                if c.checklist.len() > MAX_ITEMS {
                    return Err(Refusal::new(
                        "item",
                        format!("at most {MAX_ITEMS} items a checkpoint"),
                        format!("每个巡查点最多 {MAX_ITEMS} 项"),
                    ));
                }
                for i in &c.checklist {
                    text("item", i, 1, LOCATION_MAX)?;
                }
            }
        }
        RoundStep::Scanned {
            checkpoint_id,
            proof,
            token,
        } => {
            ident("checkpoint_id", checkpoint_id, false)?;
            text("token", token, 0, TOKEN_MAX)?;
            if (*proof == patrol::Proof::Manual) != token.is_empty() {
                return Err(Refusal::new(
                    "token",
                    "a scanned code goes with QR or NFC, none with a manual pick",
                    "扫码或 NFC 须带巡查码,手动选择不带",
                ));
            }
            if !token.is_empty()
                && let Some(Err(refusal)) = lookup.code(checkpoint_id, token)
            {
                return Err(refusal);
            }
        }
        RoundStep::Checked {
            checkpoint_id,
            item,
            note,
            photos,
            ..
        } => {
            ident("checkpoint_id", checkpoint_id, false)?;
            text("item", item, 1, LOCATION_MAX)?;
            text("note", note, 0, TEXT_MAX)?;
            if photos.len() > MAX_PHOTOS {
                return Err(Refusal::new(
                    "photos",
                    format!("at most {MAX_PHOTOS}"),
                    format!("最多 {MAX_PHOTOS} 张"),
                ));
            }
            for hash in photos {
                if !is_photo_hash(hash) {
                    return Err(Refusal::new(
                        "photos",
                        "not a photo's SHA-256 (64 lowercase hex digits)",
                        "不是照片的 SHA-256 摘要",
                    ));
                }
                if lookup.photo(hash) == Some(false) {
                    return Err(Refusal::new(
                        "photos",
                        "no such photo in this estate (upload it first)",
                        "本小区没有这张照片(请先上传)",
                    ));
                }
            }
        }
        RoundStep::Raised {
            checkpoint_id,
            item,
            order_id,
        } => {
            ident("checkpoint_id", checkpoint_id, false)?;
            text("item", item, 1, LOCATION_MAX)?;
            ident("order_id", order_id, false)?;
        }
        RoundStep::Doubted { event_id, .. } => ident("event_id", event_id, false)?,
    }
    Ok(())
}

/// Whether an order-bound event may go to the order it names: a report opens a new order,
/// everything else needs the order to exist in this estate. `owner` is the estate the order
/// belongs to, if it exists (stored, or reported earlier in the same push).
pub fn order_refusal(estate_id: &str, e: &Event, owner: Option<&str>) -> Option<Refusal> {
    if e.subject.kind != crate::subject::SubjectKind::Order {
        return None;
    }
    match (&e.body, owner) {
        (EventBody::Reported(_), None) => None,
        (EventBody::Reported(_), Some(_)) => Some(Refusal::new(
            "order_id",
            "the order exists already",
            "工单已存在",
        )),
        (_, Some(owner)) if owner == estate_id => None,
        _ => Some(Refusal::new("order_id", "no such order", "没有该工单")),
    }
}

/// Whether `taker` may take (`accepted`) an order in this state: one nobody has, or one
/// given to them already, while its work is not yet done.
pub fn accept_refusal(order: &crate::order::OrderState, taker: &str) -> Option<Refusal> {
    use crate::order::Status;
    if matches!(
        order.status,
        Status::Completed | Status::CalledBack | Status::Closed
    ) {
        return Some(Refusal::new(
            "type",
            "the order's work is done already",
            "该工单已完工,不能再接单",
        ));
    }
    match order.assignee.as_deref() {
        None | Some("") => None,
        Some(a) if a == taker => None,
        Some(_) => Some(Refusal::new(
            "type",
            "the order is someone else's",
            "该工单已由他人负责",
        )),
    }
}

/// Whether an order in this state may be completed: a special service (特约服务) is paid
/// work whose price the resident agrees before it starts (000 4.4.3, 003 10.4.1(4)), so it
/// is not completed without an agreed quote — otherwise the month's bill would have nothing
/// to charge. The app asks before it records; the server asks again of what it stored.
pub fn complete_refusal(order: &crate::order::OrderState) -> Option<Refusal> {
    (order.category == crate::model::Category::SpecialService && order.quote.is_none()).then(|| {
        Refusal::new(
            "quote",
            "a special service is completed only after the resident agreed its quote",
            "特约服务须先由业主确认报价,才能完工",
        )
    })
}

/// Whether a contact number sent beside a staff-made report matches the report's masked one:
/// the full number goes to the order's private contact, the log keeps only the mask.
pub fn contact_refusal(e: &Event, phone: &str) -> Option<Refusal> {
    let EventBody::Reported(r) = &e.body else {
        return Some(Refusal::new(
            "contacts.order_id",
            "names no report of this push",
            "不对应本次推送的报事",
        ));
    };
    let Some(phone) = normalize_phone(phone) else {
        return Some(Refusal::new(
            "contacts.phone",
            "not a mobile number",
            "不是有效的手机号码",
        ));
    };
    (r.phone_masked != mask_phone(&phone)).then(|| {
        Refusal::new(
            "phone_masked",
            "does not match the contact's number",
            "与联系电话不一致",
        )
    })
}

/// `138****5678`: three digits, four stars, four digits.
pub fn is_masked_phone(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3..7].iter().all(|c| *c == b'*')
        && b[7..].iter().all(u8::is_ascii_digit)
}

/// A photo's name: the lowercase hex SHA-256 of its cleaned bytes.
pub fn is_photo_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// An identifier: at most [`ID_MAX`] printable ASCII characters without spaces (ids are UUIDs
/// and slugs); empty only where `may_be_empty`.
fn ident(field: &str, s: &str, may_be_empty: bool) -> Result<(), Refusal> {
    if s.is_empty() {
        return if may_be_empty {
            Ok(())
        } else {
            Err(Refusal::new(field, "missing", "不能为空"))
        };
    }
    if s.len() > ID_MAX || !s.bytes().all(|c| c.is_ascii_graphic()) {
        return Err(Refusal::new(
            field,
            format!("an id of 1 to {ID_MAX} letters, digits or -_:."),
            format!("须为 1 至 {ID_MAX} 个字母、数字或 -_:."),
        ));
    }
    Ok(())
}

fn text(field: &str, s: &str, min: usize, max: usize) -> Result<(), Refusal> {
    let n = s.chars().count();
    if n < min || n > max {
        return Err(Refusal::new(
            field,
            format!("{min} to {max} characters"),
            format!("须为 {min} 至 {max} 个字符"),
        ));
    }
    Ok(())
}

/// A time between 2000 and `latest_ms` (and never past 2100), in an offset of whole minutes
/// within ±14 h: such a time always reads back as it was written.
fn time(field: &str, at: &DateTime<FixedOffset>, latest_ms: i64) -> Result<(), Refusal> {
    let offset = at.offset().local_minus_utc();
    if offset.abs() > MAX_OFFSET_S || offset % 60 != 0 {
        return Err(Refusal::new(
            field,
            "the UTC offset must be whole minutes within ±14:00",
            "时区偏移须为 ±14:00 以内的整分钟",
        ));
    }
    let ms = at.timestamp_millis();
    if ms < EARLIEST_MS {
        return Err(Refusal::new(field, "before the year 2000", "早于 2000 年"));
    }
    if ms >= LATEST_MS || ms > latest_ms {
        return Err(Refusal::new(
            field,
            "too far in the future",
            "时间超出允许的未来范围",
        ));
    }
    Ok(())
}

/// A clock stamp in the same window as times, with a counter its text form can hold.
fn stamp(hlc: Hlc, now_ms: i64) -> Result<(), Refusal> {
    let ms = i64::try_from(hlc.ms).unwrap_or(i64::MAX);
    if ms < EARLIEST_MS || ms > now_ms + MAX_AHEAD_MS || ms >= LATEST_MS {
        return Err(Refusal::new(
            "hlc",
            "clock stamp outside 2000 and a day ahead of the server",
            "时钟戳超出允许范围",
        ));
    }
    if hlc.counter > MAX_COUNTER {
        return Err(Refusal::new(
            "hlc",
            "clock counter too large",
            "时钟计数过大",
        ));
    }
    Ok(())
}
