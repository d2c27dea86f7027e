//! `/field`: the caretaker's tablet app, offline-first. The estate's orders are folded from the
//! events on the device (`anju_shared::order::fold`), every action is recorded there first and
//! sent by the sync engine when there is a network; the sync state is always in view.
//! Tablet-first: big touch targets, one column, one thing at a time (list, order, visit).
//!
//! Reactive parts go through `lean::dynamic`/`lean::text` and lists are rebuilt whole rather
//! than keyed: the wasm stays smaller, and these lists change only on a tap or a sync.

use anju_shared::model::Category;
use anju_shared::order::{ConflictKind, EventBody, OrderState, Status, fold};
use chrono::{DateTime, FixedOffset};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, sort_by, sorted_indices, text};
use crate::pages::login::Login;
use crate::pages::visit::{visit_form, visits};
use crate::pages::widgets::{button, select, text_area};
use crate::sync::{Engine, Phase, SyncBadge, use_engine};

#[component]
pub(crate) fn FieldPage() -> impl IntoView {
    let engine = use_engine();
    engine.boot();
    dynamic(move || {
        match engine.phase.get() {
        Phase::Idle | Phase::Opening => view! {
            <section class="card"><p class="muted">{tr("正在加载…", "Loading…")}</p></section>
        }
        .into_any(),
        Phase::NeedsLogin => view! {
            <Login title=tr("管家登录", "Caretaker login") on_done=Callback::new(move |_| engine.after_login())/>
        }
        .into_any(),
        Phase::Failed(zh, en) => view! {
            <section class="card">
                <p role="alert" class="error">{tr(zh, en)}</p>
                <button type="button" class="button" on:click=move |_| engine.boot()>{tr("重试", "Try again")}</button>
            </section>
        }
        .into_any(),
        Phase::Ready => field_app(engine).into_any(),
    }
    })
}

/// What the page shows below its bar.
#[derive(Clone, PartialEq)]
enum Screen {
    List,
    Order(String),
    Visit,
}

/// The estate's orders folded from the device's events, work still to do first, newest first.
fn folded(engine: Engine) -> Vec<OrderState> {
    engine.events.with(|events| {
        // Grouped by order first, so each fold sees only its own order's events.
        let by_order = sorted_indices(events.len(), &|a, b| {
            events[a].order_id.cmp(&events[b].order_id)
        });
        let mut orders = Vec::new();
        let mut group = Vec::new();
        for (n, &i) in by_order.iter().enumerate() {
            let e = &events[i];
            group.push(e.clone());
            let last = by_order
                .get(n + 1)
                .is_none_or(|&j| events[j].order_id != e.order_id);
            if last {
                if !e.order_id.is_empty() {
                    orders.extend(fold(&e.order_id, &group));
                }
                group.clear();
            }
        }
        sort_by(&mut orders, |a, b| {
            (a.status >= Status::Completed)
                .cmp(&(b.status >= Status::Completed))
                .then(b.reported_at.cmp(&a.reported_at))
        });
        orders
    })
}

fn field_app(engine: Engine) -> impl IntoView {
    let screen = RwSignal::new(Screen::List);
    let orders = Memo::new(move |_| folded(engine));
    let me = move |f: fn(&crate::api::Me) -> String| {
        text(move || engine.me.with(|m| m.as_ref().map(f).unwrap_or_default()))
    };
    let estate = me(|m| {
        m.estates
            .first()
            .map(|e| e.name.clone())
            .unwrap_or_default()
    });
    let user = me(|m| m.display_name.clone());
    let back = Callback::new(move |()| screen.set(Screen::List));

    view! {
        <section class="desk field">
            <div class="desk-bar">
                <h1>{estate} " · " {tr("管家", "Caretaker")}</h1>
                <SyncBadge/>
                {button("button secondary", tr("立即同步", "Sync now"), false.into(), Callback::new(move |()| engine.sync_now()))}
                <span class="muted">{user}</span>
                {button("button secondary", tr("退出", "Log out"), false.into(), Callback::new(move |()| engine.logout()))}
            </div>
            {dynamic(move || engine.session_lost.get().then(|| view! {
                <p role="alert" class="error">
                    {tr("登录已过期:记录仍保存在本机,重新登录后会自动发送。", "Your session ended: records stay on this device and are sent once you log in again.")}
                </p>
                <Login title=tr("重新登录", "Log in again") on_done=Callback::new(move |_| engine.after_login())/>
            }))}
            {rejections(engine)}
            {dynamic(move || match screen.get() {
                Screen::List => view! {
                    {button("button primary", tr("登记走访", "Record visit"), false.into(), Callback::new(move |()| screen.set(Screen::Visit)))}
                    <h2>{tr("工单", "Orders")}</h2>
                    {dynamic(move || {
                        let list = orders.get();
                        if list.is_empty() {
                            return view! { <p class="card muted">{tr("暂无工单", "No orders")}</p> }.into_any();
                        }
                        view! {
                            <ul class="inbox" aria-label=tr("工单", "Orders")>
                                {list.into_iter().map(|o| order_row(o, screen).into_any()).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })}
                    {visits(engine)}
                }
                .into_any(),
                Screen::Order(id) => order_detail(engine, id, orders, back).into_any(),
                Screen::Visit => visit_form(engine, back).into_any(),
            })}
        </section>
    }
}

fn status_chip(status: Status) -> impl IntoView {
    view! { <span class="chip" data-testid="order-status">{tr(status.zh(), status.en())}</span> }
}

fn order_row(o: OrderState, screen: RwSignal<Screen>) -> impl IntoView {
    let id = o.id.clone();
    let category = o.category;
    let mut details = o.location.clone();
    if let Some(a) = &o.assignee {
        details += " · ";
        details += a;
    }
    view! {
        <li class="order" class:urgent=o.urgent data-testid="field-order">
            <button type="button" class="order-open" on:click=move |_| screen.set(Screen::Order(id.clone()))>
                <span class="order-head">
                    {status_chip(o.status)}
                    <strong class="chip">{tr(category.zh(), category.en())}</strong>
                    {(!o.conflicts.is_empty()).then(|| view! { <strong class="chip urgent">{tr("有冲突", "Conflict")}</strong> })}
                    <span class="muted">{clock::short(&o.reported_at)}</span>
                </span>
                <span class="order-text">{o.text}</span>
                <span class="muted">{details} " · " {tr("备注 ", "notes ")} {o.notes.len()}</span>
            </button>
        </li>
    }
}

/// The notes of an order, oldest first.
pub(crate) fn notes(notes: Vec<(DateTime<FixedOffset>, String, String)>) -> impl IntoView {
    (!notes.is_empty()).then(|| {
        view! {
            <ul class="notes" aria-label=tr("备注列表", "Notes")>
                {notes
                    .into_iter()
                    .map(|(at, who, text)| view! {
                        <li data-testid="note">
                            <span class="muted">{clock::short(&at)} " · " {who}</span> " " {text}
                        </li>
                    }.into_any())
                    .collect_view()}
            </ul>
        }
    })
}

/// The order's photos, by their content hash; served only to staff of the estate.
fn photos(hashes: Vec<String>) -> impl IntoView {
    (!hashes.is_empty()).then(|| {
        view! {
            <div class="photos" data-testid="photos">
                {hashes
                    .into_iter()
                    .map(|h| {
                        let href = format!("/api/photos/{h}");
                        let src = href.clone();
                        view! {
                            <a href=href target="_blank" rel="noopener">
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
        EventBody::Closed => tr("关闭", "Close"),
        EventBody::Note { .. } => tr("备注", "Note"),
        EventBody::Photo { .. } => tr("照片", "Photo"),
        EventBody::ConflictResolved { .. } => tr("处理冲突", "Conflict settled"),
        EventBody::Erased => tr("删除个人信息", "Personal data erased"),
        EventBody::Visited { .. } => tr("走访", "Visit"),
        EventBody::Assessed(_) => tr("认定", "Assessment"),
    }
}

/// The order as the fold sees it: what, where, who, its conflicts (with a button to settle
/// each, for a supervisor) and notes.
fn order_card(engine: Engine, s: OrderState, settle: Option<Callback<String>>) -> impl IntoView {
    let category = s.category;
    // The name for people, the id beside it for when two colleagues share a name.
    let assignee = s.assignee.as_ref().map_or_else(
        || "—".into(),
        |a| format!("{} ({a})", staff_name(engine, a)),
    );
    view! {
        <article class="card order-detail" data-testid="field-order-detail">
            <div class="order-head">
                {status_chip(s.status)}
                <strong class="chip">{tr(category.zh(), category.en())}</strong>
                {s.urgent.then(|| view! { <strong class="chip urgent">{tr("紧急", "Urgent")}</strong> })}
                <span class="muted">{clock::short(&s.reported_at)}</span>
            </div>
            <p class="order-text">{s.text}</p>
            <p class="muted">{s.location} " · " {s.phone_masked}</p>
            <p data-testid="order-assignee">
                {tr("处理人:", "Assigned to: ")}
                {assignee}
            </p>
            {conflicts(s.conflicts, settle)}
            {photos(s.photos)}
            {notes(s.notes)}
        </article>
    }
}

/// One order with every action the user's role may take on it; the desk opens the same view
/// from its inbox. Each action is one event recorded on the device and sent by the engine.
pub(crate) fn order_detail(
    engine: Engine,
    id: String,
    orders: Memo<Vec<OrderState>>,
    on_back: Callback<()>,
) -> impl IntoView {
    let id = StoredValue::new(id);
    let state = move || orders.with(|o| o.iter().find(|s| s.id == id.get_value()).cloned());
    let status = move || state().map_or(Status::Received, |s| s.status);
    let assigned = move || state().is_some_and(|s| s.assignee.is_some());
    let note = RwSignal::new(String::new());
    let assign_to = RwSignal::new(String::new());
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
    let assign = Callback::new(move |()| {
        let to = assign_to.get_untracked().trim().to_string();
        if to.is_empty() {
            return;
        }
        assign_to.set(String::new());
        act(if assigned() {
            EventBody::Reassigned { to }
        } else {
            EventBody::Dispatched { to: Some(to) }
        });
    });
    let lang = use_lang();
    // A photo is uploaded first (the server cleans it and names it by its content), then
    // recorded on the order as an event like any other. Uploading needs a connection.
    let add_photo = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let Some(estate) = engine.me.with_untracked(|m| {
            m.as_ref()
                .and_then(|m| m.estates.first().map(|e| e.id.clone()))
        }) else {
            return;
        };
        let l = lang.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let url = format!("/api/estates/{estate}/photos");
            match api::upload::<api::StoredPhoto>(&url, file).await {
                Ok(stored) => {
                    busy.set(false);
                    act(EventBody::Photo { hash: stored.hash });
                }
                Err(api::ApiFailure::Status(_, body)) => {
                    busy.set(false);
                    error.set(format!(
                        "{}{}",
                        l.pick("照片未上传:", "Photo not uploaded: "),
                        body.error
                    ));
                }
                Err(api::ApiFailure::Network(_)) => {
                    busy.set(false);
                    error.set(
                        l.pick("照片需要联网上传", "Uploading a photo needs a connection")
                            .into(),
                    );
                }
            }
        });
    };
    let idle = Signal::derive(move || busy.get());
    let arrived = Signal::derive(move || busy.get() || status() >= Status::InProgress);
    let completed = Signal::derive(move || busy.get() || status() >= Status::Completed);

    let settle =
        Callback::new(move |event_id: String| act(EventBody::ConflictResolved { event_id }));
    view! {
        {button("button secondary", tr("← 返回列表", "← Back to the list"), false.into(), on_back)}
        {dynamic(move || state().map(|s| order_card(engine, s, may_settle.then_some(settle))))}
        <div class="card form">
            <p role="alert" class="error">{error}</p>
            {text_area("field-note", tr("备注", "Note"), note)}
            <div class="actions">
                {button("button", tr("添加备注", "Add note"), idle, add_note)}
                <label class="button file">
                    {tr("拍照/添加照片", "Take or add a photo")}
                    <input type="file" accept="image/jpeg,image/png,image/webp" capture="environment"
                        on:change=add_photo/>
                </label>
                {button("button", tr("到场", "Arrived"), arrived, Callback::new(move |()| act(EventBody::Responded)))}
                {button("button", tr("完工", "Complete"), completed, Callback::new(move |()| act(EventBody::Completed)))}
            </div>
            {may_assign.then(|| view! {
                <label for="field-assign">{tr("指派给(员工编号)", "Assign to (staff id)")}</label>
                <input id="field-assign" list="field-staff" autocomplete="off"
                    prop:value=assign_to on:input=move |ev| assign_to.set(event_target_value(&ev))/>
                <datalist id="field-staff">{dynamic(move || known_staff(engine))}</datalist>
                <div class="actions">
                    {button(
                        "button",
                        Signal::derive(move || {
                            let l = lang.get();
                            if assigned() { l.pick("转派", "Reassign") } else { l.pick("派单", "Dispatch") }
                        }),
                        idle,
                        assign,
                    )}
                </div>
            })}
            {may_close.then(|| desk_actions(id, status, busy, act))}
        </div>
    }
}

/// What the desk does to an order after the work: confirm its category, call the resident
/// back with their score, close it, or send it back to work.
fn desk_actions(
    order_id: StoredValue<String>,
    status: impl Fn() -> Status + Copy + Send + Sync + 'static,
    busy: RwSignal<bool>,
    act: impl Fn(EventBody) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
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
        if let Some(category) = Category::parse(&value) {
            act(EventBody::Classified {
                category,
                urgent: None,
            });
        }
    });
    // A callback and a close make sense once the work is done; a reopen once it was.
    let not_done = Signal::derive(move || busy.get() || status() < Status::Completed);
    let closed = Signal::derive(move || busy.get() || status() == Status::Closed);
    let callback = Callback::new(move |value: String| {
        if let Ok(score) = value.parse::<u8>() {
            act(EventBody::CalledBack { score });
        }
    });
    let scores = Signal::derive(move || {
        let lang = lang.get();
        [
            (5, "非常满意", "very satisfied"),
            (4, "基本满意", "basically satisfied"),
            (3, "一般", "neutral"),
            (2, "不满意", "unsatisfied"),
            (1, "非常不满意", "very unsatisfied"),
        ]
        .into_iter()
        .map(|(n, zh, en)| (n.to_string(), format!("{n} · {}", lang.pick(zh, en))))
        .collect::<Vec<_>>()
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
    view! {
        <div class="desk-actions">
            <div class="actions">
                {button("button secondary", tr("显示完整号码(记入审计日志)", "Show the full number (audited)"), false.into(), reveal)}
            </div>
            <p data-testid="contact">{contact}</p>
            {select("desk-category", tr("确认分类", "Confirm the category"), categories, classify)}
            {dynamic(move || (!not_done.get()).then(|| {
                select("desk-callback", tr("回访评分", "Callback score"), scores, callback)
            }))}
            {text_area("desk-reopen", tr("重新打开的原因", "Why reopen"), reason)}
            <div class="actions">
                {button("button", tr("关闭工单", "Close the order"), Signal::derive(move || not_done.get() || closed.get()), Callback::new(move |()| act(EventBody::Closed)))}
                {button("button secondary", tr("重新打开", "Reopen"), not_done, reopen)}
            </div>
        </div>
    }
}

/// The estate's staff directory (kept on the device for offline work), offered for
/// (re)assignment by id with the name beside it.
fn known_staff(engine: Engine) -> impl IntoView {
    engine
        .staff
        .get()
        .into_iter()
        .map(|c| {
            let label = format!("{} · {}", c.display_name, role_label(&c.role));
            view! { <option value=c.id label=label></option> }.into_any()
        })
        .collect_view()
}

/// A role's name as the directory shows it (Chinese: the desk's working language).
fn role_label(role: &str) -> &'static str {
    anju_shared::model::Role::parse(role).map_or("", |r| r.zh())
}

/// A staff id as people know it: the directory's name, or the id when the device has none.
fn staff_name(engine: Engine, id: &str) -> String {
    engine.staff.with(|list| {
        list.iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.display_name.clone())
    })
}

/// Edits kept but not applied (made after a close, or arriving after one): shown to whoever
/// opens the order, for a supervisor to settle.
fn conflicts(
    list: Vec<anju_shared::order::Conflict>,
    settle: Option<Callback<String>>,
) -> impl IntoView {
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
                        view! {
                            <li data-testid="conflict">
                                {kind_label(&c.event.body)} " · " {c.event.actor} " · "
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

/// The device's events the server refused, with the reason: kept and shown, never dropped.
fn rejections(engine: Engine) -> impl IntoView {
    dynamic(move || {
        let rejected = engine.rejected.get();
        (!rejected.is_empty()).then(|| {
            view! {
                <div class="card error-summary" role="alert" data-testid="rejected">
                    <strong>{tr("服务器未接受的记录", "Records the server refused")}</strong>
                    <ul>
                        {rejected.into_iter().map(|r| view! {
                            <li>
                                {kind_label(&r.event.body)} " · " {clock::short(&r.event.at)} " · " {r.reason}
                            </li>
                        }.into_any()).collect_view()}
                    </ul>
                </div>
            }
        })
    })
}
