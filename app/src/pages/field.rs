//! `/field`: the caretaker's tablet app, offline-first. The estate's orders are folded from the
//! events on the device (`anju_shared::order::fold`), every action is recorded there first and
//! sent by the sync engine when there is a network; the sync state is always in view.
//! Tablet-first: big touch targets, one column, one thing at a time, each with its address:
//! the list (`/field`), an order (`/field/orders/{id}`), the visit form (`/field/visit`).
//!
//! Reactive parts go through `lean::dynamic`/`lean::text` and lists are rebuilt whole rather
//! than keyed: the wasm stays smaller, and these lists change only on a tap or a sync.

use anju_shared::order::{OrderState, Status, fold};
use leptos::prelude::*;

use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, sort_by, sorted_indices, text};
use crate::pages::login::Login;
use crate::pages::nav::who;
use crate::pages::order::{kind_label, order_detail, order_href, person};
use crate::pages::visit::{visit_form, visits};
use crate::pages::widgets::button;
use crate::sync::{Engine, Phase, SyncBadge, use_engine};

#[component]
pub(crate) fn FieldPage() -> impl IntoView {
    let engine = use_engine();
    engine.boot();
    // The menu follows whoever the engine works for.
    let who = who();
    Effect::new(move |_| who.set(engine.me.get()));
    // Set when the server ended the session (timed out, or the account was disabled): the
    // residents' data leaves the tablet as at a logout, and the login says why.
    let ended = RwSignal::new(false);
    Effect::new(move |_| {
        if engine.session_lost.get() && !ended.get_untracked() {
            ended.set(true);
            engine.logout();
        }
    });
    // The child routes draw nothing (the page reads the address), but their outlet must be in
    // the page for the router to finish a navigation and update the address bar.
    let page = dynamic(move || {
        match engine.phase.get() {
        Phase::Idle | Phase::Opening => view! {
            <section class="card"><p class="muted">{tr("正在加载…", "Loading…")}</p></section>
        }
        .into_any(),
        Phase::NeedsLogin => view! {
            {dynamic(move || ended.get().then(|| view! {
                <p role="alert" class="card error" data-testid="session-ended">
                    {tr(
                        "登录已失效(超时或账号已停用),本机的业主数据已清除;未发送的记录仍保留,重新登录后发送。",
                        "Your session ended (timed out or the account was disabled): residents' data was removed from this device; unsent records are kept and go out at your next login.",
                    )}
                </p>
            }))}
            <Login title=tr("管家登录", "Caretaker login") on_done=Callback::new(move |_| { ended.set(false); engine.after_login(); })/>
        }
        .into_any(),
        // Whatever stops the app (no estate on the account, no device database), the user
        // can always log out and let someone else in.
        Phase::Failed(zh, en) => view! {
            <section class="card">
                <p role="alert" class="error">{tr(zh, en)}</p>
                <div class="actions">
                    {button("button", tr("重试", "Try again"), false.into(), Callback::new(move |()| engine.boot()))}
                    {button("button secondary", tr("退出", "Log out"), false.into(), Callback::new(move |()| engine.logout()))}
                </div>
            </section>
        }
        .into_any(),
        Phase::Ready => field_app(engine).into_any(),
    }
    });
    view! { {page} <leptos_router::components::Outlet/> }
}

/// What the page shows below its bar, from the address.
#[derive(Clone, PartialEq)]
enum Screen {
    List,
    Order(String),
    Visit,
    Round,
    /// `/field/patrol` (today's routes) and `/field/patrol/{round}` (`pages/patrol.rs`).
    Patrol(String),
}

fn screen_of(path: &str) -> Screen {
    match path.strip_prefix("/field/") {
        Some("visit") => Screen::Visit,
        Some("round") => Screen::Round,
        Some("patrol") => Screen::Patrol(String::new()),
        Some(rest) if rest.starts_with("patrol/") => {
            Screen::Patrol(rest["patrol/".len()..].to_string())
        }
        Some(rest) => rest
            .strip_prefix("orders/")
            .filter(|id| !id.is_empty())
            .map_or(Screen::List, |id| Screen::Order(id.to_string())),
        None => Screen::List,
    }
}

/// The estate's orders folded from the device's events, work still to do first (urgent work
/// before the rest), newest first.
pub(crate) fn folded(engine: Engine) -> Vec<OrderState> {
    engine.events.with(|events| {
        // Grouped by order first, so each fold sees only its own order's events.
        let by_order = sorted_indices(events.len(), &|a, b| {
            events[a].order_id().cmp(events[b].order_id())
        });
        let mut orders = Vec::new();
        let mut group = Vec::new();
        for (n, &i) in by_order.iter().enumerate() {
            let e = &events[i];
            group.push(e.clone());
            let last = by_order
                .get(n + 1)
                .is_none_or(|&j| events[j].order_id() != e.order_id());
            if last {
                if !e.order_id().is_empty() {
                    orders.extend(fold(e.order_id(), &group));
                }
                group.clear();
            }
        }
        sort_by(&mut orders, |a, b| {
            let done = |o: &OrderState| o.status >= Status::Completed;
            let calm = |o: &OrderState| !o.urgent || done(o);
            (done(a), calm(a))
                .cmp(&(done(b), calm(b)))
                .then(b.reported_at.cmp(&a.reported_at))
        });
        orders
    })
}

fn field_app(engine: Engine) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let screen = Memo::new(move |_| screen_of(&location.pathname.get()));
    let orders = Memo::new(move |_| folded(engine));
    // The orders with events still on this device only, to mark them in the list.
    let unsent = Memo::new(move |_| {
        engine.events.with(|events| {
            let mut ids: Vec<String> = events
                .iter()
                .filter(|e| e.seq.is_none() && !e.order_id().is_empty())
                .map(|e| e.order_id().to_string())
                .collect();
            ids.dedup();
            ids
        })
    });
    let me = move |f: fn(&crate::api::Me) -> String| {
        text(move || engine.me.with(|m| m.as_ref().map(f).unwrap_or_default()))
    };
    let estate = text(move || engine.current().map(|e| e.name).unwrap_or_default());
    let user = me(|m| m.display_name.clone());
    let events: Signal<Vec<anju_shared::order::Event>> = engine.events.into();
    let navigate = leptos_router::hooks::use_navigate();
    let done = Callback::new(move |()| navigate("/field", Default::default()));

    view! {
        <section class="desk field">
            <div class="desk-bar">
                <h1>{estate} " · " {tr("现场工作", "Field work")}</h1>
                <SyncBadge/>
                {button("button secondary", tr("立即同步", "Sync now"), false.into(), Callback::new(move |()| engine.sync_now()))}
                <span class="muted">{user}</span>
                // The next person on this tablet starts at the list, not inside the last
                // user's order.
                {button("button secondary", tr("退出", "Log out"), false.into(), Callback::new(move |()| {
                    engine.logout();
                    done.run(());
                }))}
            </div>
            {rejections(engine)}
            {dynamic(move || match screen.get() {
                Screen::List => view! {
                    // Visits and patrols are the caretakers' (a technician records neither).
                    {(!crate::pages::technician::is_technician(engine)).then(|| view! {
                        <div class="actions">
                            <a class="button primary" href="/field/visit">{tr("登记走访", "Record visit")}</a>
                            <a class="button primary" href="/field/patrol" data-testid="open-patrol">{tr("巡查", "Patrol")}</a>
                            <a class="button secondary" href="/field/round" data-testid="open-round">{tr("本月走访", "My visits")}</a>
                        </div>
                    })}
                    {crate::pages::technician::is_technician(engine).then(|| crate::pages::technician::work_lists(engine, orders))}
                    <h2>{tr("工单", "Orders")}</h2>
                    {dynamic(move || {
                        let list = orders.get();
                        if list.is_empty() {
                            return view! { <p class="card muted">{tr("暂无工单", "No orders")}</p> }.into_any();
                        }
                        let waiting = unsent.get();
                        view! {
                            <ul class="inbox" aria-label=tr("工单", "Orders")>
                                {list.into_iter().map(|o| {
                                    let pending = waiting.contains(&o.id);
                                    order_row(engine, o, pending).into_any()
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })}
                    {visits(engine)}
                }
                .into_any(),
                Screen::Order(id) => order_detail(engine, id, orders, events, Signal::derive(|| None), "/field").into_any(),
                Screen::Visit => visit_form(engine, done).into_any(),
                Screen::Round => match engine.me.get_untracked() {
                    Some(me) => crate::pages::plan::round_list(engine, me).into_any(),
                    None => ().into_any(),
                },
                Screen::Patrol(round) => crate::pages::patrol::patrol_screen(engine, round).into_any(),
            })}
        </section>
    }
}

fn order_row(engine: Engine, o: OrderState, pending: bool) -> impl IntoView {
    let lang = use_lang();
    let href = order_href("/field", &o.id);
    let category = o.category;
    let location = o.location.clone();
    let assignee = o.assignee.clone();
    let details = text(move || {
        let mut t = location.clone();
        if let Some(a) = &assignee {
            t += " · ";
            t += &person(engine, a, lang.get());
        }
        t
    });
    view! {
        <li class="order" class:urgent=o.urgent data-testid="field-order">
            <a class="order-open" href=href>
                <span class="order-head">
                    <span class="chip" data-testid="order-status">{tr(o.status.zh(), o.status.en())}</span>
                    <strong class="chip">{tr(category.zh(), category.en())}</strong>
                    {o.urgent.then(|| view! { <strong class="chip urgent">{tr("紧急", "Urgent")}</strong> })}
                    {(!o.conflicts.is_empty()).then(|| view! { <strong class="chip urgent">{tr("有冲突", "Conflict")}</strong> })}
                    {pending.then(|| view! { <strong class="chip pending" data-testid="unsent">{tr("待发送", "To send")}</strong> })}
                    <span class="muted">{clock::short(&o.reported_at)}</span>
                </span>
                <span class="order-text">{o.text}</span>
                <span class="muted">{details} " · " {tr("备注 ", "notes ")} {o.notes.len()}</span>
            </a>
        </li>
    }
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
