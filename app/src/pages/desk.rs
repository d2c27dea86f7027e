//! `/desk`: the front desk. Staff log in and see the estate's inbox — urgent open work pinned
//! on top, then by the nearest deadline — with live countdowns computed in the browser by the
//! shared rules under the estate's policy, each complaint with its severity and reasons,
//! filtered by state, category, channel, building, deadline and escalation level and searched
//! by reference, room or phone tail. An order opens at its own address (`/desk/orders/{id}`)
//! in the same order view as the caretaker's field app — beside the list on a wide screen —,
//! so the desk keeps working through a network outage too, and Back, reload and bookmarks work
//! as people expect. Supervisors have their own view at `/desk/supervise`.

use anju_shared::lang::Lang;
use anju_shared::model::{Category, Channel, DeadlineStatus, Escalation, Role, Severity};
use anju_shared::order::{Event, EventBody, OrderState, Status, fold};
use anju_shared::sla::{self, Deadline};
use chrono::{TimeZone, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Me};
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, sorted_indices, text};
use crate::pages::login::Login;
use crate::pages::nav::{role_label, who};
use crate::pages::order::{Countdown, notes, order_detail, order_href, person};
use crate::pages::widgets::button;
use crate::sync::{SyncBadge, use_engine};

#[derive(Clone, PartialEq)]
enum Session {
    Checking,
    LoggedOut,
    LoggedIn(Me),
}

#[component]
pub(crate) fn DeskPage() -> impl IntoView {
    // The desk's actions go through the device's event store and outbox, as the field's do.
    let engine = use_engine();
    engine.boot();
    let who = who();
    let session = RwSignal::new(Session::Checking);
    let check = move || {
        spawn_local(async move {
            match api::get::<Me>("/api/me").await {
                Ok(me) => {
                    who.set(Some(me.clone()));
                    session.set(Session::LoggedIn(me));
                }
                Err(_) => {
                    who.set(None);
                    session.set(Session::LoggedOut);
                }
            }
        });
    };
    check();
    // Logging out, or the server ending the session, wipes the residents' data from the
    // device (the engine's logout keeps what waits to be sent).
    let logged_out = Callback::new(move |()| {
        engine.logout();
        who.set(None);
        session.set(Session::LoggedOut);
    });
    // The child routes (the list, an order) draw nothing themselves: this page reads the
    // address. Their outlet must still be in the page, or the router never finishes the
    // navigation and the address bar keeps the old address.
    let page = dynamic(move || {
        match session.get() {
        Session::Checking => view! { <section class="card"><p class="muted">"…"</p></section> }.into_any(),
        Session::LoggedOut => view! { <Login title=tr("客服前台登录", "Front desk login") on_done=Callback::new(move |_| { check(); engine.after_login(); })/> }.into_any(),
        Session::LoggedIn(me) if me.estates.is_empty() => no_estate(logged_out).into_any(),
        Session::LoggedIn(me) => view! { <DeskInbox me=me on_logout=logged_out/> }.into_any(),
    }
    });
    view! { {page} <leptos_router::components::Outlet/> }
}

/// An account that is given no estate has nothing to work on: say so, and let them out.
fn no_estate(on_logout: Callback<()>) -> impl IntoView {
    view! {
        <section class="card">
            <p role="alert" class="error">{tr("您的账号没有负责的小区,请联系管理员分配。", "Your account has no estate; ask an administrator to give you one.")}</p>
            <div class="actions">
                {button("button", tr("退出", "Log out"), false.into(), on_logout)}
            </div>
        </section>
    }
}

/// An order folded from its events, with its deadlines at the moment of the last tick and,
/// for a complaint, its severity with its reasons in both languages.
#[derive(Clone, PartialEq)]
struct Row {
    reference: String,
    state: OrderState,
    deadlines: Vec<Deadline>,
    grade: Option<(Severity, String, String)>,
}

/// Which deadlines the inbox lists by.
#[derive(Clone, Copy, PartialEq)]
enum Due {
    Any,
    /// A deadline past and unmet.
    Overdue,
    /// A deadline due within the hour (or past).
    Soon,
}

/// Whether the window is wide enough for the list and the open order side by side (a desk's
/// laptop, not a tablet held in one hand).
fn wide_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w >= 1400.0)
}

/// Which orders the inbox lists.
#[derive(Clone, Copy, PartialEq)]
enum Show {
    Open,
    Closed,
    All,
}

#[component]
fn DeskInbox(me: Me, on_logout: Callback<()>) -> impl IntoView {
    let engine = use_engine();
    let lang = use_lang();
    let now_ms = clock::ticking_now_ms();
    // The order open for handling is the address's: `/desk/orders/{id}`.
    let location = leptos_router::hooks::use_location();
    let path = Memo::new(move |_| {
        location
            .pathname
            .get()
            .strip_prefix("/desk/orders/")
            .filter(|id| !id.is_empty())
            .map(str::to_string)
    });
    // `/desk/orders/{id}/special-report` is the order's special report, printable.
    let printing = Memo::new(move |_| {
        path.get()
            .and_then(|p| p.strip_suffix("/special-report").map(str::to_string))
    });
    let open = Memo::new(move |_| path.get().filter(|p| !p.contains('/')));
    let on_supervise = Memo::new(move |_| location.pathname.with(|p| p == "/desk/supervise"));
    let my_role = Role::parse(&me.role);
    let supervises = my_role.is_some_and(Role::is_supervisor);
    let wide = RwSignal::new(wide_screen());
    let resize = window_event_listener(leptos::ev::resize, move |_| wide.set(wide_screen()));
    on_cleanup(move || resize.remove());
    let on_callbacks = Memo::new(move |_| location.pathname.with(|p| p == "/desk/callbacks"));
    let on_new = Memo::new(move |_| location.pathname.with(|p| p == "/desk/new"));
    let show = RwSignal::new(Show::Open);
    let only = RwSignal::new(None::<Category>);
    let query = RwSignal::new(String::new());
    let building = RwSignal::new(None::<String>);
    let channel = RwSignal::new(None::<Channel>);
    let level = RwSignal::new(None::<Escalation>);
    let due_filter = RwSignal::new(Due::Any);

    // The server ended the session (timed out, account disabled): out, as at a logout.
    Effect::new(move |_| {
        if engine.session_lost.get() {
            on_logout.run(());
        }
    });
    // The estate's orders folded from what sync brought to this device (one read path: the
    // desk asks the server for no list of its own), with this desk's actions not yet sent;
    // recomputed when the events change, not every tick. Another estate picked in the top
    // bar: the engine holds that one's events, and this follows.
    let folded = Memo::new(move |_| {
        let estate = engine.current()?;
        let rules = estate.rules().ok();
        // (reference, state, building): the building from the report, for the filter.
        let orders: Vec<(String, OrderState, String)> = engine.events.with(|local| {
            let by_order = sorted_indices(local.len(), &|a, b| {
                local[a].order_id().cmp(local[b].order_id())
            });
            engine.references.with(|refs| {
                let mut orders = Vec::new();
                let mut at = 0;
                while at < by_order.len() {
                    let id = local[by_order[at]].order_id();
                    let end = at + by_order[at..].partition_point(|&n| local[n].order_id() == id);
                    if !id.is_empty() {
                        let events: Vec<Event> = by_order[at..end]
                            .iter()
                            .map(|&n| local[n].clone())
                            .collect();
                        let building = events
                            .iter()
                            .find_map(|e| match &e.body {
                                EventBody::Reported(r) => Some(r.building_id.clone()),
                                _ => None,
                            })
                            .unwrap_or_default();
                        // Not yet numbered: reported here and not yet through the server.
                        let reference = refs.get(id).cloned().unwrap_or_else(|| "—".into());
                        if let Some(state) = fold(id, &events) {
                            orders.push((reference, state, building));
                        }
                    }
                    at = end;
                }
                orders
            })
        });
        Some((rules, orders))
    });
    let states = Memo::new(move |_| {
        folded.with(|f| {
            f.as_ref()
                .map(|(_, orders)| orders.iter().map(|(_, s, _)| s.clone()).collect())
                .unwrap_or_default()
        })
    });
    let events: Signal<Vec<Event>> = engine.events.into();
    let reference = Signal::derive(move || {
        let id = open.get()?;
        engine.references.with(|m| m.get(&id).cloned())
    });
    // Complaints' grades over every order on the device (the same issue counts across them),
    // recomputed when the orders change and once a minute, not every tick.
    let minute = Memo::new(move |_| now_ms.get() / 60_000);
    let grades = Memo::new(move |_| {
        let at = minute.get() * 60_000;
        folded.with(|f| {
            let Some((Some((policy, calendar)), orders)) = f else {
                return std::collections::HashMap::new();
            };
            let now = Utc
                .timestamp_millis_opt(at)
                .single()
                .unwrap_or_default()
                .with_timezone(&calendar.utc_offset);
            let facts: Vec<_> = orders.iter().map(|(_, s, _)| s.facts()).collect();
            anju_shared::complaint::grades(policy, &facts, now)
                .into_iter()
                .zip(&facts)
                .filter_map(|(g, f)| {
                    let g = g?;
                    let zh = crate::pages::complaint::grade_text(&g, f, Lang::Zh);
                    let en = crate::pages::complaint::grade_text(&g, f, Lang::En);
                    Some((f.id.clone(), (g.severity, zh, en)))
                })
                .collect::<std::collections::HashMap<_, _>>()
        })
    });
    let rows = Memo::new(move |_| {
        let now_ms = now_ms.get();
        let (show, only, in_building) = (show.get(), only.get(), building.get());
        let (by_channel, at_level, due_by) = (channel.get(), level.get(), due_filter.get());
        let q = query.get().trim().to_lowercase();
        folded.with(|f| {
            let Some((Some((policy, calendar)), orders)) = f else {
                return Vec::new();
            };
            let now = Utc
                .timestamp_millis_opt(now_ms)
                .single()
                .unwrap_or_default()
                .with_timezone(&calendar.utc_offset);
            let mut rows: Vec<Row> = orders
                .iter()
                .filter(|(reference, s, building)| {
                    let closed = s.status == Status::Closed;
                    let shown = match show {
                        Show::Open => !closed,
                        Show::Closed => closed,
                        Show::All => true,
                    };
                    // A reference, a room (part of the place) or the phone's last digits.
                    let found = q.is_empty()
                        || reference.to_lowercase().contains(&q)
                        || s.location.to_lowercase().contains(&q)
                        || s.phone_masked.ends_with(&q)
                        || s.text.to_lowercase().contains(&q);
                    shown
                        && found
                        && only.is_none_or(|c| c == s.category)
                        && in_building.as_ref().is_none_or(|b| b == building)
                        && by_channel.is_none_or(|c| c.as_str() == s.channel)
                        && at_level.is_none_or(|l| l == s.escalated)
                })
                .map(|(reference, state, _)| Row {
                    reference: reference.clone(),
                    deadlines: sla::deadlines(policy, calendar, &state.facts(), now),
                    grade: grades.with(|g| g.get(&state.id).cloned()),
                    state: state.clone(),
                })
                .filter(|r| {
                    let hour = now + chrono::Duration::hours(1);
                    match due_by {
                        Due::Any => true,
                        Due::Overdue => r
                            .deadlines
                            .iter()
                            .any(|d| d.status == DeadlineStatus::Overdue),
                        Due::Soon => r.deadlines.iter().any(|d| {
                            matches!(d.status, DeadlineStatus::Open | DeadlineStatus::Overdue)
                                && d.due <= hour
                        }),
                    }
                })
                .collect();
            // Urgent work not yet done is pinned on top (「电梯困人了」 does not wait behind a
            // dripping tap); then the nearest deadline still to meet; orders with none last.
            rows.sort_by_key(|r| {
                let pinned = r.state.urgent && r.state.status < Status::Completed;
                let due = r
                    .deadlines
                    .iter()
                    .filter(|d| matches!(d.status, DeadlineStatus::Open | DeadlineStatus::Overdue))
                    .map(|d| d.due)
                    .min()
                    .map_or((1, i64::MAX), |d| (0, d.timestamp_millis()));
                (!pinned, due)
            });
            rows
        })
    });

    let categories = move || {
        let l = lang.get();
        Category::ALL
            .iter()
            .map(|&c| view! { <option value=c.as_str() selected=move || only.get() == Some(c)>{l.pick(c.zh(), c.en())}</option> })
            .collect_view()
    };
    // The estate's buildings from the site plan the device keeps.
    let buildings = move || {
        engine.site.with(|site| {
            site.iter()
                .flat_map(|s| &s.buildings)
                .map(|b| {
                    let id = b.id.clone();
                    let chosen = id.clone();
                    view! { <option value=id selected=move || building.get().as_deref() == Some(chosen.as_str())>{b.name.clone()}</option> }
                })
                .collect_view()
        })
    };
    let filters = move || {
        view! {
            <div class="filters card form" role="search">
                <div class="row">
                    <div class="col">
                        <label for="desk-show">{tr("状态", "State")}</label>
                        <select id="desk-show" on:change=move |ev| show.set(match event_target_value(&ev).as_str() {
                            "closed" => Show::Closed,
                            "all" => Show::All,
                            _ => Show::Open,
                        })>
                            // `selected` rather than the select's value: the options are built after it.
                            <option value="open" selected=move || show.get() == Show::Open>{tr("未关闭", "Not closed")}</option>
                            <option value="closed" selected=move || show.get() == Show::Closed>{tr("已关闭", "Closed")}</option>
                            <option value="all" selected=move || show.get() == Show::All>{tr("全部", "All")}</option>
                        </select>
                    </div>
                    <div class="col">
                        <label for="desk-only">{tr("类别", "Category")}</label>
                        <select id="desk-only" on:change=move |ev| only.set(Category::parse(&event_target_value(&ev)))>
                            <option value="">{tr("全部类别", "Every category")}</option>
                            {categories}
                        </select>
                    </div>
                    <div class="col">
                        <label for="desk-building">{tr("楼栋", "Building")}</label>
                        <select id="desk-building" on:change=move |ev| {
                            let b = event_target_value(&ev);
                            building.set((!b.is_empty()).then_some(b));
                        }>
                            <option value="">{tr("全部楼栋", "Every building")}</option>
                            {buildings}
                        </select>
                    </div>
                    <div class="col">
                        <label for="desk-channel">{tr("渠道", "Channel")}</label>
                        <select id="desk-channel" on:change=move |ev| channel.set(Channel::parse(&event_target_value(&ev)))>
                            <option value="">{tr("全部渠道", "Every channel")}</option>
                            {move || {
                                let l = lang.get();
                                Channel::ALL.iter().map(|&c| view! { <option value=c.as_str() selected=move || channel.get() == Some(c)>{l.pick(c.zh(), c.en())}</option> }).collect_view()
                            }}
                        </select>
                    </div>
                    <div class="col">
                        <label for="desk-due">{tr("时限", "Deadline")}</label>
                        <select id="desk-due" on:change=move |ev| due_filter.set(match event_target_value(&ev).as_str() {
                            "overdue" => Due::Overdue,
                            "soon" => Due::Soon,
                            _ => Due::Any,
                        })>
                            <option value="" selected=move || due_filter.get() == Due::Any>{tr("全部", "Any")}</option>
                            <option value="overdue" selected=move || due_filter.get() == Due::Overdue>{tr("已超时", "Overdue")}</option>
                            <option value="soon" selected=move || due_filter.get() == Due::Soon>{tr("1 小时内到期", "Due within the hour")}</option>
                        </select>
                    </div>
                    <div class="col">
                        <label for="desk-level">{tr("升级级别", "Escalation level")}</label>
                        <select id="desk-level" on:change=move |ev| level.set(Escalation::parse(&event_target_value(&ev)))>
                            <option value="">{tr("全部级别", "Every level")}</option>
                            {move || {
                                let l = lang.get();
                                Escalation::ALL.iter().map(|&e| view! { <option value=e.as_str() selected=move || level.get() == Some(e)>{l.pick(e.zh(), e.en())}</option> }).collect_view()
                            }}
                        </select>
                    </div>
                    <div class="col">
                        <label for="desk-search">{tr("搜索(编号、房号、手机尾号)", "Search (reference, room, phone tail)")}</label>
                        <input id="desk-search" type="search" prop:value=query
                            on:input=move |ev| query.set(event_target_value(&ev))/>
                    </div>
                </div>
            </div>
        }
    };
    let role = role_label(&me.role);
    let list = move || {
        view! {
            {crate::pages::plan::new_residents(engine)}
            {filters()}
            <Show
                when=move || !rows.get().is_empty()
                fallback=move || view! { <p class="card muted">{tr("暂无工单", "No orders")}</p> }
            >
                <ul class="inbox" aria-label=tr("工单", "Orders")>
                    <For each=move || rows.get() key=row_key let:row>
                        <OrderRow row=row now_ms=now_ms/>
                    </For>
                </ul>
            </Show>
        }
    };

    view! {
        <section class="desk">
            <div class="desk-bar">
                <h1>
                    {move || engine.current().map(|e| e.name).unwrap_or_default()}
                    " · "
                    {tr("客服前台", "Front desk")}
                </h1>
                <SyncBadge/>
                {button("button secondary", tr("立即同步", "Sync now"), false.into(), Callback::new(move |()| engine.sync_now()))}
                <span class="muted" data-testid="me">{me.display_name.clone()} " · " {role}</span>
                {button("button secondary", tr("退出", "Log out"), false.into(), on_logout)}
            </div>
            <nav class="tabs" aria-label=tr("前台", "Front desk")>
                <a class="tab" href="/desk" aria-current=move || (path.get().is_none() && !on_callbacks.get() && !on_new.get() && !on_supervise.get()).then_some("page")>{tr("工单", "Orders")}</a>
                <a class="tab" href="/desk/callbacks" aria-current=move || on_callbacks.get().then_some("page")>{tr("回访队列", "Callback queue")}</a>
                <a class="tab" href="/desk/new" aria-current=move || on_new.get().then_some("page")>{tr("登记报事", "Register a report")}</a>
                {supervises.then(|| view! {
                    <a class="tab" href="/desk/supervise" aria-current=move || on_supervise.get().then_some("page")>{tr("督办", "Supervise")}</a>
                })}
            </nav>
            {move || match (open.get(), printing.get()) {
                (_, Some(id)) => crate::pages::complaint::special_report_print(engine, id).into_any(),
                // A laptop's wide screen: the list and the open order side by side.
                (Some(id), None) if wide.get() => view! {
                    <div class="desk-split">
                        <div class="split-list">{list()}</div>
                        <div class="split-order">{order_detail(engine, id, states, events, reference, "/desk")}</div>
                    </div>
                }.into_any(),
                (Some(id), None) => order_detail(engine, id, states, events, reference, "/desk").into_any(),
                (None, None) if on_supervise.get() => match my_role {
                    Some(r) if supervises => crate::pages::supervise::supervise_view(engine, r, states, now_ms).into_any(),
                    _ => view! { <p class="card muted">{tr("督办视图供主管使用", "The supervisors' view is for supervisors")}</p> }.into_any(),
                },
                (None, None) if on_callbacks.get() => crate::pages::callbacks::callback_queue(engine, states, engine.references.into()).into_any(),
                (None, None) if on_new.get() => crate::pages::intake::intake(engine).into_any(),
                (None, None) => list().into_any(),
            }}
        </section>
    }
}

/// A row is rebuilt when anything it shows changes, except the ticking countdowns.
fn row_key(
    r: &Row,
) -> (
    String,
    String,
    u8,
    usize,
    Option<String>,
    usize,
    Category,
    Option<String>,
) {
    let s = &r.state;
    (
        s.id.clone(),
        r.deadlines.iter().map(|d| d.status.as_str()).collect(),
        s.status as u8,
        // Notes, callbacks and the rating only grow: one count for the three.
        s.notes.len() + s.callbacks.len() + usize::from(s.rating.is_some()),
        s.assignee.clone(),
        s.conflicts.len(),
        s.category,
        r.grade.as_ref().map(|g| g.1.clone()),
    )
}

#[component]
fn OrderRow(row: Row, now_ms: ReadSignal<i64>) -> impl IntoView {
    let engine = use_engine();
    let lang = use_lang();
    let state = row.state.clone();
    let href = order_href("/desk", &state.id);
    let category = state.category;
    let status = state.status;
    let urgent = state.urgent;
    let reported = clock::short(&state.reported_at);
    let deadlines = row.deadlines.clone();
    let assignee = state.assignee.clone();
    let place = format!("{} · {}", state.location, state.phone_masked);
    let details = text(move || {
        let mut t = place.clone();
        if let Some(a) = &assignee {
            let l = lang.get();
            t += l.pick(" · 处理人 ", " · assigned to ");
            t += &person(engine, a, l);
        }
        t
    });
    // A note written after the close (「业主又打电话说还有点渗水」) is news the desk must see.
    let closed_at = state
        .milestones
        .iter()
        .filter(|(k, _, _)| *k == anju_shared::model::EventKind::Closed)
        .map(|(_, at, _)| *at)
        .max();
    let note_after_close = status == Status::Closed
        && closed_at.is_some_and(|c| state.notes.iter().any(|(at, _, _)| *at > c));
    // The latest callback's score, and the resident's own rating beside it.
    let last = state.callbacks.last().map(|c| c.score);
    let rated = state.rating.as_ref().map(|r| r.score);
    let score = (last.is_some() || rated.is_some()).then(|| {
        text(move || {
            let l = lang.get();
            let mut t = String::new();
            if let Some(n) = last {
                t += l.pick("回访 ", "Callback ");
                t += &crate::pages::callbacks::score_text(n, l);
            }
            if let Some(n) = rated {
                t += l.pick(" 业主评价 ", " rated ");
                t += &crate::pages::callbacks::score_text(n, l);
            }
            t.trim().to_string()
        })
    });
    let grade = row.grade.clone().map(|(severity, zh, en)| {
        let words = text(move || lang.get().pick(&zh, &en).to_string());
        view! { <p class=format!("grade grade-{}", severity.as_str()) data-testid="row-grade">{words}</p> }
    });
    let reference = row.reference.clone();
    let label = text(move || match lang.get() {
        Lang::Zh => format!("处理 {reference}"),
        Lang::En => format!("Handle {reference}"),
    });
    view! {
        <li class="order" class:urgent=urgent data-testid="order-row">
            <div class="order-head">
                <span class="reference">{row.reference.clone()}</span>
                <strong class="chip">{tr(category.zh(), category.en())}</strong>
                <span class="chip" data-testid="order-status">{tr(status.zh(), status.en())}</span>
                {urgent.then(|| view! { <strong class="chip urgent">{tr("紧急", "Urgent")}</strong> })}
                {(!state.conflicts.is_empty()).then(|| view! { <strong class="chip urgent">{tr("有冲突", "Conflict")}</strong> })}
                {note_after_close.then(|| view! { <strong class="chip urgent" data-testid="note-after-close">{tr("关闭后有新备注", "New note after close")}</strong> })}
                {score.map(|t| view! { <span class="chip" data-testid="row-score">{t}</span> })}
                // Paid work: the amount once completed, the agreed quote before.
                {state.amount_fen.or(state.quote.as_ref().map(|q| q.total_fen)).map(|fen| view! {
                    <span class="chip" data-testid="row-amount">{format!("¥{}", anju_shared::price::yuan(fen))}</span>
                })}
                <span class="muted">{reported}</span>
                <a class="button secondary" href=href aria-label=label>{tr("处理", "Handle")}</a>
            </div>
            <p class="order-text">{state.text.clone()}</p>
            {grade}
            <p class="muted">{details}</p>
            {notes(engine, state.notes.clone())}
            <div class="deadlines">
                {deadlines.into_iter().map(|d| view! { <Countdown deadline=d now_ms=now_ms/> }).collect_view()}
            </div>
        </li>
    }
}
