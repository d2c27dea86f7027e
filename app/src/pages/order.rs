//! One order, as the desk (`/desk/orders/{id}`) and the field app (`/field/orders/{id}`) show
//! it: what, where, who has it, its deadlines with their due times, the timeline of every
//! event (who, when, what), and only the actions its state and the user's role allow. Every
//! action is one event recorded on the device and sent by the sync engine.
//!
//! People are shown by name and role, never by staff id: the id is what the events carry,
//! the estate's staff directory (kept on the device) says who that is.

use anju_shared::lang::Lang;
use anju_shared::model::{Category, DeadlineKind, DeadlineStatus, Role};
use anju_shared::order::{ConflictKind, Event, EventBody, OrderState, Status, sort_events};
use anju_shared::sla::Deadline;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Colleague};
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, sort_by, text};
use crate::pages::callbacks::score_text;
use crate::pages::widgets::{button, select, text_area};
use crate::sync::{Engine, use_engine};

/// The address of an order on a surface (`/desk` or `/field`): linkable, bookmarkable, and
/// what a reload opens again.
pub(crate) fn order_href(surface: &str, id: &str) -> String {
    format!("{surface}/orders/{id}")
}

/// Deletes the photos the service worker keeps for offline use (app/static/sw.js): they are
/// residents' data, and leave the tablet with the rest at a logout.
pub(crate) fn forget_photos() {
    if let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) {
        let _ = caches.delete("anju-photos");
    }
}

/// A staff id as people know it: `张强 · 维修人员` from the directory on the device; the
/// reporting resident as such; a colleague the device does not know yet as "a colleague"
/// rather than an id.
pub(crate) fn person(engine: Engine, id: &str, lang: Lang) -> String {
    if id == "resident" {
        return lang.pick("业主", "Resident").into();
    }
    // The server's clock (escalations, gradings): not a person.
    if id == "system" {
        return lang.pick("系统(自动)", "System (automatic)").into();
    }
    engine.staff.with(|list| {
        list.iter().find(|c| c.id == id).map_or_else(
            || lang.pick("同事", "A colleague").to_string(),
            |c| colleague_label(c, lang),
        )
    })
}

fn colleague_label(c: &Colleague, lang: Lang) -> String {
    match Role::parse(&c.role) {
        Some(r) => format!("{} · {}", c.display_name, lang.pick(r.zh(), r.en())),
        None => c.display_name.clone(),
    }
}

/// `剩 7 分 55 秒`'s number part: days and hours when far away, down to seconds when near.
pub(crate) fn span(ms: i64, lang: Lang) -> String {
    let s = ms.abs() / 1000;
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    match (lang, d > 0, h > 0) {
        (Lang::Zh, true, _) => format!("{d} 天 {h} 小时"),
        (Lang::Zh, false, true) => format!("{h} 小时 {m} 分 {sec} 秒"),
        (Lang::Zh, false, false) => format!("{m} 分 {sec} 秒"),
        (Lang::En, true, _) => format!("{d} d {h} h"),
        (Lang::En, false, true) => format!("{h} h {m} min {sec} s"),
        (Lang::En, false, false) => format!("{m} min {sec} s"),
    }
}

/// A moment as the desk reads it: `12:01` today, `12-08 12:01` on another day.
fn due_text(due: &DateTime<FixedOffset>, now_ms: i64) -> String {
    let now = Utc
        .timestamp_millis_opt(now_ms)
        .single()
        .unwrap_or_default()
        .with_timezone(due.offset());
    let full = clock::short(due);
    if now.date_naive() == due.date_naive() {
        full[6..].to_string()
    } else {
        full
    }
}

/// A deadline in words, the due time always visible (no hover on a touchscreen):
/// `派单 剩 7 分 55 秒 · 12:01 前`, `响应 已超时 3 分 2 秒 · 应于 12:01`, `完工 按时 · 15:20 完成`.
pub(crate) fn deadline_text(d: &Deadline, now_ms: i64, lang: Lang) -> String {
    let name = lang.pick(d.kind.zh(), d.kind.en());
    let due = due_text(&d.due, now_ms);
    let left = d.due.timestamp_millis() - now_ms;
    match (d.status, lang) {
        (DeadlineStatus::Met | DeadlineStatus::Missed, _) => {
            let done = d
                .done_at
                .as_ref()
                .map(|t| due_text(t, now_ms))
                .unwrap_or_default();
            match lang {
                Lang::Zh => format!("{name} {} · {done} 完成(时限 {due})", d.status.zh()),
                Lang::En => format!("{name} {} · done {done} (due {due})", d.status.en()),
            }
        }
        (_, Lang::Zh) if left >= 0 => format!("{name} 剩 {} · {due} 前", span(left, lang)),
        (_, Lang::En) if left >= 0 => format!("{name}: {} left · by {due}", span(left, lang)),
        (_, Lang::Zh) => format!("{name} 已超时 {} · 应于 {due}", span(left, lang)),
        (_, Lang::En) => format!("{name}: {} overdue · was due {due}", span(left, lang)),
    }
}

/// A live deadline: its text and colour follow the ticking clock.
#[component]
pub(crate) fn Countdown(deadline: Deadline, now_ms: ReadSignal<i64>) -> impl IntoView {
    let lang = use_lang();
    let testid = match deadline.kind {
        DeadlineKind::Dispatch => "countdown-dispatch",
        DeadlineKind::Response => "countdown-response",
        DeadlineKind::Completion => "countdown-completion",
        DeadlineKind::Callback => "countdown-callback",
        DeadlineKind::UnifiedResponse => "countdown-unified-response",
        DeadlineKind::CompanyReport => "countdown-company-report",
        DeadlineKind::QualityReport => "countdown-quality-report",
    };
    let due_ms = deadline.due.timestamp_millis();
    let status = deadline.status;
    let class = move || {
        let left = due_ms - now_ms.get();
        match status {
            DeadlineStatus::Met => "countdown met",
            DeadlineStatus::Missed => "countdown missed",
            _ if left < 0 => "countdown overdue",
            _ if left < 10 * 60 * 1000 => "countdown soon",
            _ => "countdown",
        }
    };
    let words = text(move || deadline_text(&deadline, now_ms.get(), lang.get()));
    view! { <span class=class data-testid=testid>{words}</span> }
}

fn status_chip(status: Status) -> impl IntoView {
    view! { <span class="chip" data-testid="order-status">{tr(status.zh(), status.en())}</span> }
}

/// The notes of an order, oldest first, with who wrote them.
pub(crate) fn notes(
    engine: Engine,
    notes: Vec<(DateTime<FixedOffset>, String, String)>,
) -> impl IntoView {
    let lang = use_lang();
    (!notes.is_empty()).then(|| {
        view! {
            <ul class="notes" aria-label=tr("备注列表", "Notes")>
                {notes
                    .into_iter()
                    .map(|(at, who, words)| {
                        let who = text(move || person(engine, &who, lang.get()));
                        view! {
                            <li data-testid="note">
                                <span class="muted">{clock::short(&at)} " · " {who}</span> " " {words}
                            </li>
                        }
                        .into_any()
                    })
                    .collect_view()}
            </ul>
        }
    })
}

/// The order's photos, by their content hash; served only to staff of the estate. Each
/// thumbnail link is named (a link around an image without text has no name otherwise).
fn photos(hashes: Vec<String>) -> impl IntoView {
    let lang = use_lang();
    // A photo taken on this device and not yet uploaded is shown from the device.
    let local = use_engine().local_photos;
    (!hashes.is_empty()).then(|| {
        view! {
            <div class="photos" data-testid="photos">
                {hashes
                    .into_iter()
                    .enumerate()
                    .map(|(n, h)| {
                        let href = local
                            .with_untracked(|m| m.get(&h).cloned())
                            .unwrap_or_else(|| format!("/api/photos/{h}"));
                        let src = href.clone();
                        let name = text(move || match lang.get() {
                            Lang::Zh => format!("查看照片 {}", n + 1),
                            Lang::En => format!("Open photo {}", n + 1),
                        });
                        view! {
                            <a href=href target="_blank" rel="noopener external" aria-label=name>
                                <img src=src alt="" loading="lazy" width="96" height="96"/>
                            </a>
                        }
                        .into_any()
                    })
                    .collect_view()}
            </div>
        }
    })
}

/// An event's type for people.
pub(crate) fn kind_label(body: &EventBody) -> Signal<&'static str> {
    match body {
        EventBody::Reported(_) => tr("报事", "Report"),
        EventBody::Classified { .. } => tr("分类", "Classification"),
        EventBody::Dispatched { .. } => tr("派单", "Dispatch"),
        EventBody::Reassigned { .. } => tr("转派", "Reassignment"),
        EventBody::Responded => tr("到场", "Arrival"),
        EventBody::Appointment { .. } => tr("预约", "Appointment"),
        EventBody::Completed => tr("完工", "Completion"),
        EventBody::CalledBack { .. } => tr("回访", "Callback"),
        EventBody::Reopened { .. } => tr("重新打开", "Reopening"),
        EventBody::Escalated { .. } => tr("升级", "Escalation"),
        EventBody::Graded { .. } => tr("投诉升级", "Complaint graded"),
        EventBody::Closed => tr("关闭", "Close"),
        EventBody::Note { .. } => tr("备注", "Note"),
        EventBody::Photo { .. } => tr("照片", "Photo"),
        EventBody::ConflictResolved { .. } => tr("处理冲突", "Conflict settled"),
        EventBody::Erased => tr("删除个人信息", "Personal data erased"),
        EventBody::Visited { .. } => tr("走访", "Visit"),
        EventBody::Assessed(_) => tr("认定", "Assessment"),
        EventBody::Round(_) => tr("巡查", "Patrol"),
        EventBody::Rated { .. } => tr("业主评价", "Resident's rating"),
        EventBody::Accepted => tr("接单", "Accepted"),
        EventBody::Confirmed { .. } => tr("业主确认完工", "Resident confirmed"),
        EventBody::Quoted { .. } => tr("业主确认报价", "Quote agreed"),
    }
}

/// What an event says beyond its type: to whom, which category, what score.
fn event_detail(engine: Engine, body: &EventBody, lang: Lang) -> String {
    match body {
        EventBody::Reported(r) => r.text.clone(),
        EventBody::Classified { category, urgent } => {
            let mut t = lang.pick(category.zh(), category.en()).to_string();
            if *urgent == Some(true) {
                t += lang.pick(" · 紧急", " · urgent");
            }
            t
        }
        EventBody::Dispatched { to: Some(to) } | EventBody::Reassigned { to } => {
            format!("→ {}", person(engine, to, lang))
        }
        EventBody::Appointment { at } => clock::short(at),
        EventBody::CalledBack {
            score,
            solved,
            override_reason,
        } => {
            let mut t = score_text(*score, lang);
            match solved {
                Some(true) => t += lang.pick(" · 已解决", " · solved"),
                Some(false) => t += lang.pick(" · 未解决", " · not solved"),
                None => {}
            }
            if let Some(r) = override_reason {
                t += &format!(
                    "{}{r}",
                    lang.pick(
                        " · 时段外紧急回访:",
                        " · emergency call outside the hours: "
                    )
                );
            }
            t
        }
        EventBody::Rated { score, comment } => format!("{} {comment}", score_text(*score, lang)),
        EventBody::Confirmed {
            signature: Some(_), ..
        } => lang.pick("业主签名", "signed by the resident").into(),
        EventBody::Confirmed { who, .. } => {
            format!("{}{who}", lang.pick("电话确认:", "confirmed by phone: "))
        }
        EventBody::Quoted { total_fen, .. } => {
            format!(
                "{} {}",
                anju_shared::price::yuan(*total_fen),
                lang.pick("元", "yuan")
            )
        }
        EventBody::Reopened { reason } => reason.clone(),
        EventBody::Escalated { level, .. } => lang.pick(level.zh(), level.en()).to_string(),
        EventBody::Graded { severity, .. } => lang.pick(severity.zh(), severity.en()).to_string(),
        EventBody::Note { text } => text.clone(),
        _ => String::new(),
    }
}

/// Every event of the order, oldest first: when, who, what.
fn timeline(engine: Engine, mut events: Vec<Event>) -> impl IntoView {
    let lang = use_lang();
    sort_events(&mut events);
    events.dedup_by(|a, b| a.id == b.id);
    view! {
        <section class="card">
            <h2>{tr("处理记录", "History")}</h2>
            <ol class="timeline" data-testid="timeline">
                {events
                    .into_iter()
                    .map(|e| {
                        let words = text(move || {
                            let l = lang.get();
                            let detail = event_detail(engine, &e.body, l);
                            let what = kind_label(&e.body).get();
                            let mut t = format!(
                                "{} · {} · {what}",
                                clock::short(&e.at),
                                person(engine, &e.actor, l)
                            );
                            if !detail.is_empty() {
                                t += " ";
                                t += &detail;
                            }
                            if e.seq.is_none() {
                                t += l.pick("(待发送)", " (to send)");
                            }
                            t
                        });
                        view! { <li data-testid="timeline-event">{words}</li> }.into_any()
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

/// The order as the fold sees it: what, where, who has it, when they come, the score, the
/// deadlines, its conflicts (with a button to settle each, for a supervisor), photos, notes.
fn order_card(
    engine: Engine,
    s: OrderState,
    reference: Option<String>,
    now_ms: ReadSignal<i64>,
    settle: Option<Callback<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let category = s.category;
    let assignee = s.assignee.clone();
    let assignee = text(move || match &assignee {
        Some(a) => person(engine, a, lang.get()),
        None => lang.get().pick("未派单", "Not dispatched").into(),
    });
    let appointment = s.appointment.map(|at| clock::short(&at));
    let score = s
        .milestones
        .iter()
        .rev()
        .find_map(|(_, _, score)| *score)
        .map(|n| text(move || score_text(n, lang.get())));
    let rating = s
        .rating
        .clone()
        .map(|r| text(move || crate::pages::callbacks::rating_text(&r, lang.get())));
    // The deadlines under the estate's rules (its preset with its manager's changes).
    let rules = engine.estate().and_then(|e| e.rules().ok());
    let deadlines = rules
        .map(|(policy, calendar)| {
            let now = Utc
                .timestamp_millis_opt(now_ms.get_untracked())
                .single()
                .unwrap_or_default()
                .with_timezone(&calendar.utc_offset);
            // With an appointment as the response deadline (D-2) and the special callback
            // after a re-repair (D-9).
            anju_shared::work::order_deadlines(&policy, &calendar, &s, now)
        })
        .unwrap_or_default();
    let confirmed = if s.category_confirmed {
        tr("已确认", "confirmed")
    } else {
        tr("系统建议", "suggested")
    };
    view! {
        <article class="card order-detail" data-testid="field-order-detail">
            <div class="order-head">
                {reference.map(|r| view! { <span class="reference">{r}</span> })}
                {status_chip(s.status)}
                <strong class="chip">{tr(category.zh(), category.en())}</strong>
                {s.urgent.then(|| view! { <strong class="chip urgent">{tr("紧急", "Urgent")}</strong> })}
            </div>
            <p class="order-text">{s.text.clone()}</p>
            <dl class="facts">
                <dt>{tr("报事时间", "Reported")}</dt><dd>{clock::short(&s.reported_at)}</dd>
                <dt>{tr("位置", "Place")}</dt><dd>{s.location.clone()}</dd>
                <dt>{tr("联系电话", "Phone")}</dt><dd>{s.phone_masked.clone()}</dd>
                <dt>{tr("类别", "Category")}</dt>
                <dd data-testid="order-category">{tr(category.zh(), category.en())} " (" {confirmed} ")"</dd>
                <dt>{tr("处理人", "Assigned to")}</dt><dd data-testid="order-assignee">{assignee}</dd>
                <dt>{tr("预约", "Appointment")}</dt><dd>{appointment.unwrap_or_else(|| "—".into())}</dd>
                <dt>{tr("回访评分", "Callback score")}</dt>
                <dd data-testid="order-score">{score.map_or_else(|| "—".into_any(), IntoAny::into_any)}</dd>
                {rating.map(|r| view! {
                    <dt>{tr("业主评价", "Resident's rating")}</dt>
                    <dd data-testid="order-rating">{r}</dd>
                })}
                // Paid work: what the resident agreed, and what the completed work costs.
                {s.quote.as_ref().map(|q| view! {
                    <dt>{tr("已确认报价", "Quote agreed")}</dt>
                    <dd data-testid="order-quote">{format!("¥{}", anju_shared::price::yuan(q.total_fen))}</dd>
                })}
                {s.amount_fen.map(|fen| view! {
                    <dt>{tr("应收金额", "Amount due")}</dt>
                    <dd data-testid="order-amount">{format!("¥{}", anju_shared::price::yuan(fen))}</dd>
                })}
                {s.graded.map(|severity| view! {
                    <dt>{tr("投诉级别", "Complaint severity")}</dt>
                    <dd data-testid="order-severity">{tr(severity.zh(), severity.en())}</dd>
                })}
                // The highest step of the ladder the server's clock has recorded.
                {(s.escalated != anju_shared::model::Escalation::None).then(|| {
                    let level = s.escalated;
                    view! {
                        <dt>{tr("已升级至", "Escalated to")}</dt>
                        <dd data-testid="order-escalation">{tr(level.zh(), level.en())}</dd>
                    }
                })}
            </dl>
            {(!deadlines.is_empty()).then(|| view! {
                <div class="deadlines">
                    {deadlines.into_iter().map(|d| view! { <Countdown deadline=d now_ms=now_ms/> }).collect_view()}
                </div>
            })}
            {conflicts(engine, s.conflicts, settle)}
            {photos(s.photos)}
            {notes(engine, s.notes)}
        </article>
    }
}

/// One order with the actions its state and the user's role allow. `events` are the
/// device's known events (of any order: this one's are picked out); `back` is the list's
/// address.
pub(crate) fn order_detail(
    engine: Engine,
    id: String,
    orders: Memo<Vec<OrderState>>,
    events: Signal<Vec<Event>>,
    reference: Signal<Option<String>>,
    back: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    let id = StoredValue::new(id);
    let now_ms = clock::ticking_now_ms();
    let state =
        Memo::new(move |_| orders.with(|o| o.iter().find(|s| s.id == id.get_value()).cloned()));
    let status = move || state.with(|s| s.as_ref().map_or(Status::Received, |s| s.status));
    let own_events = Memo::new(move |_| {
        events.with(|all| {
            all.iter()
                .filter(|e| e.order_id() == id.get_value())
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let note = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let may = |body: EventBody| {
        engine
            .me
            .with_untracked(|m| m.as_ref().is_some_and(|m| m.may(&body)))
    };
    let may_assign = may(EventBody::Dispatched { to: None });
    // Closing, calling back and classifying are the desk's; settling conflicts a supervisor's.
    let may_close = may(EventBody::Closed);
    let may_settle = may(EventBody::ConflictResolved {
        event_id: String::new(),
    });

    // Every action is one event, recorded on the device; the sync engine sends it.
    let act = move |body: EventBody| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            error.set(
                engine
                    .record(&id.get_value(), body)
                    .await
                    .err()
                    .unwrap_or_default(),
            );
            busy.set(false);
        });
    };
    let add_note = Callback::new(move |()| {
        let text = note.get_untracked().trim().to_string();
        if !text.is_empty() {
            note.set(String::new());
            act(EventBody::Note { text });
        }
    });
    // A photo is kept on the device and named by its content at once, offline too, then
    // recorded on the order as an event like any other; the sync uploads it before the event.
    let add_photo = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        busy.set(true);
        spawn_local(async move {
            let kept = engine.keep_photo_file(file).await;
            busy.set(false);
            match kept {
                Ok(hash) => act(EventBody::Photo { hash }),
                Err(e) => error.set(e),
            }
        });
    };
    let idle = Signal::derive(move || busy.get());
    let settle =
        Callback::new(move |event_id: String| act(EventBody::ConflictResolved { event_id }));
    let open = move || status() < Status::Completed;

    view! {
        <a class="button secondary back" href=back>{tr("← 返回列表", "← Back to the list")}</a>
        {dynamic(move || {
            state.get().map(|s| order_card(engine, s, reference.get(), now_ms, may_settle.then_some(settle)))
        })}
        {dynamic(move || state.with(Option::is_none).then(|| view! {
            <p class="card muted" role="status">{tr("本机还没有这张工单:联网同步后显示。", "This device does not have this order yet: it shows once synced.")}</p>
        }))}
        <div class="card form">
            <p role="alert" class="error" data-testid="order-error">{error}</p>
            {text_area("field-note", tr("备注", "Note"), note)}
            <div class="actions">
                {button("button", tr("添加备注", "Add note"), idle, add_note)}
                <label class="button file">
                    {tr("拍照/添加照片", "Take or add a photo")}
                    <input type="file" accept="image/jpeg,image/png,image/webp" capture="environment"
                        on:change=add_photo/>
                </label>
                // Only the steps still ahead of the order: no arrival once someone arrived,
                // no completion once done.
                {dynamic(move || (status() < Status::InProgress).then(|| {
                    button("button", tr("到场", "Arrived"), idle, Callback::new(move |()| act(EventBody::Responded)))
                }))}
                // A special service waits for its agreed quote (the rule the server applies too).
                {dynamic(move || open().then(|| {
                    button("button", tr("完工", "Complete"), idle, Callback::new(move |()| {
                        match state.with_untracked(|s| s.as_ref().and_then(anju_shared::arrival::complete_refusal)) {
                            Some(r) => error.set(r.message(lang.get_untracked())),
                            None => act(EventBody::Completed),
                        }
                    }))
                }))}
            </div>
            {dynamic(move || (may_assign && open()).then(|| {
                let category = state.with_untracked(|s| s.as_ref().map_or(Category::Other, |s| s.category));
                let assigned = state.with_untracked(|s| s.as_ref().and_then(|s| s.assignee.clone()));
                assign_picker(engine, category, assigned, idle, Callback::new(act))
            }))}
            {may_close.then(|| desk_actions(engine, id, state, busy, act))}
            {(back == "/field").then(|| crate::pages::technician::field_actions(engine, state, busy, error, act))}
            {may_close.then(|| {
                let preset = engine.estate().map(|e| e.policy).unwrap_or_default();
                crate::pages::assess::assessment_form(state, preset, idle, act)
            })}
        </div>
        // A complaint's grade, group and reports, and a major customer event's special report.
        {(back == "/desk").then(|| crate::pages::complaint::complaint_panel(engine, id, orders, now_ms, idle, Callback::new(act)))}
        {dynamic(move || timeline(engine, own_events.get()))}
    }
}

/// Who can take the order: the estate's active staff from the directory on the device, by
/// name and role, searchable, the technicians first for a repair (the caretakers first
/// otherwise). A free-text id could name nobody; a choice from this list cannot.
fn assign_picker(
    engine: Engine,
    category: Category,
    assigned: Option<String>,
    idle: Signal<bool>,
    on_assign: Callback<EventBody>,
) -> impl IntoView {
    let lang = use_lang();
    let query = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<String>);
    let first = if category == Category::Repair {
        Role::Technician
    } else {
        Role::Caretaker
    };
    let rank = move |role: &str| match Role::parse(role) {
        Some(r) if r == first => 0,
        Some(Role::Technician | Role::Caretaker) => 1,
        _ => 2,
    };
    let people = Memo::new(move |_| {
        let q = query.get().trim().to_lowercase();
        let l = lang.get();
        let mut list: Vec<(String, String, u8)> = engine.staff.with(|staff| {
            staff
                .iter()
                .map(|c| (c.id.clone(), colleague_label(c, l), rank(&c.role)))
                .filter(|(_, label, _)| q.is_empty() || label.to_lowercase().contains(&q))
                .collect()
        });
        sort_by(&mut list, |a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
        list
    });
    let reassign = assigned.is_some();
    let assign = Callback::new(move |()| {
        let Some(to) = chosen.get_untracked() else {
            return;
        };
        chosen.set(None);
        on_assign.run(if reassign {
            EventBody::Reassigned { to }
        } else {
            EventBody::Dispatched { to: Some(to) }
        });
    });
    let cannot = Signal::derive(move || idle.get() || chosen.with(Option::is_none));
    view! {
        <fieldset class="assign" data-testid="assign">
            <legend>{if reassign { tr("转派给", "Reassign to") } else { tr("指派给", "Assign to") }}</legend>
            <label for="assign-search">{tr("查找员工(姓名或岗位)", "Find a colleague (name or role)")}</label>
            <input id="assign-search" type="search" autocomplete="off"
                prop:value=query on:input=move |ev| query.set(event_target_value(&ev))/>
            // The fieldset is the group; a radiogroup role here would be empty (and wrong)
            // when the search finds no one.
            <div class="people">
                {dynamic(move || {
                    let list = people.get();
                    if list.is_empty() {
                        return view! { <p class="muted">{tr("没有找到员工", "No one found")}</p> }.into_any();
                    }
                    list.into_iter().map(|(id, label, _)| {
                        let value = id.clone();
                        let mine = assigned.as_deref() == Some(id.as_str());
                        view! {
                            <label class="choice person">
                                <input type="radio" name="assign-to" value=id.clone()
                                    prop:checked=Signal::derive(move || chosen.get().as_deref() == Some(id.as_str()))
                                    on:change=move |_| chosen.set(Some(value.clone()))/>
                                {label}
                                {mine.then(|| view! { <span class="muted">{tr("(当前)", " (now)")}</span> })}
                            </label>
                        }
                        .into_any()
                    }).collect_view().into_any()
                })}
            </div>
            <div class="actions">
                {button("button primary", if reassign { tr("转派", "Reassign") } else { tr("派单", "Dispatch") }, cannot, assign)}
            </div>
        </fieldset>
    }
}

/// What the desk does to an order after the work, as its state allows: confirm its category
/// (the current one selected), call the resident back with their score once it is done,
/// close it once done, send it back to work once done or closed.
fn desk_actions(
    engine: Engine,
    order_id: StoredValue<String>,
    state: Memo<Option<OrderState>>,
    busy: RwSignal<bool>,
    act: impl Fn(EventBody) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let status = move || state.with(|s| s.as_ref().map_or(Status::Received, |s| s.status));
    let current = move || state.with(|s| s.as_ref().map(|s| s.category));
    let categories = Signal::derive(move || {
        let lang = lang.get();
        Category::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_string(),
                    lang.pick(c.zh(), c.en()).to_string(),
                )
            })
            .collect::<Vec<_>>()
    });
    let classify = Callback::new(move |value: String| {
        if let Some(category) = Category::parse(&value)
            && current() != Some(category)
        {
            act(EventBody::Classified {
                category,
                urgent: None,
            });
        }
    });
    let reason = RwSignal::new(String::new());
    let reopen = Callback::new(move |()| {
        act(EventBody::Reopened {
            reason: reason.get_untracked().trim().to_string(),
        });
        reason.set(String::new());
    });
    // The resident's full number, for calling back: asked of the server, which writes the
    // reveal to the audit log (PIPL); lists only ever show it masked.
    let contact = RwSignal::new(String::new());
    let reveal = Callback::new(move |()| {
        let l = lang.get_untracked();
        spawn_local(async move {
            let url = format!("/api/orders/{}/reveal-phone", order_id.get_value());
            contact.set(
                match api::post::<_, serde_json::Value>(&url, &serde_json::json!({})).await {
                    Ok(c) => format!(
                        "{} {}",
                        c["name"].as_str().unwrap_or_default(),
                        c["phone"].as_str().unwrap_or_default()
                    ),
                    Err(_) => l
                        .pick(
                            "无法获取号码(需联网)",
                            "Cannot get the number (needs a connection)",
                        )
                        .into(),
                },
            );
        });
    });
    let idle = Signal::derive(move || busy.get());
    view! {
        <div class="desk-actions">
            <div class="actions">
                {button("button secondary", tr("显示完整号码(记入审计日志)", "Show the full number (audited)"), false.into(), reveal)}
            </div>
            <p data-testid="contact">{contact}</p>
            {dynamic(move || (status() < Status::Closed).then(|| {
                // Rebuilt when the category changes, so the saved one is the selected one.
                let now = current().map(|c| c.as_str().to_string()).unwrap_or_default();
                select("desk-category", tr("确认分类", "Confirm the category"), categories, classify, Some(now))
            }))}
            {dynamic(move || (status() == Status::Completed).then(|| {
                crate::pages::callbacks::callback_form(engine, busy, act)
            }))}
            {dynamic(move || (status() >= Status::Completed).then(|| view! {
                {text_area("desk-reopen", tr("重新打开的原因", "Why reopen"), reason)}
                <div class="actions">
                    {(status() < Status::Closed).then(|| button("button", tr("关闭工单", "Close the order"), idle, Callback::new(move |()| act(EventBody::Closed))))}
                    {button("button secondary", tr("重新打开", "Reopen"), idle, reopen)}
                </div>
            }))}
        </div>
    }
}

/// Edits kept but not applied (made after a close, or arriving after one): shown to whoever
/// opens the order, for a supervisor to settle.
fn conflicts(
    engine: Engine,
    list: Vec<anju_shared::order::Conflict>,
    settle: Option<Callback<String>>,
) -> impl IntoView {
    let lang = use_lang();
    (!list.is_empty()).then(|| {
        view! {
            <div class="error-summary" role="alert" data-testid="order-conflicts">
                <strong>{tr("冲突(未生效,待主管处理)", "Conflicts (not applied; for a supervisor)")}</strong>
                <ul>
                    {list.into_iter().map(|c| {
                        let why = match c.kind {
                            ConflictKind::AfterClose => tr("关闭后的修改", "made after the close"),
                            ConflictKind::Stale => tr("关闭前做出、关闭后送达", "made before the close, arrived after it"),
                        };
                        let id = c.event.id.clone();
                        let actor = c.event.actor.clone();
                        let who = text(move || person(engine, &actor, lang.get()));
                        view! {
                            <li data-testid="conflict">
                                {kind_label(&c.event.body)} " · " {who} " · "
                                {clock::short(&c.event.at)} " · " {why}
                                {settle.map(|settle| button(
                                    "button secondary",
                                    tr("已处理", "Settled"),
                                    false.into(),
                                    Callback::new(move |()| settle.run(id.clone())),
                                ))}
                            </li>
                        }
                        .into_any()
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}
