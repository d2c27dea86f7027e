//! `/desk`: the front desk. Staff log in and see the estate's inbox sorted by the nearest
//! deadline, with live countdowns computed in the browser by the shared rules under the
//! estate's policy, and open an order to handle it: dispatch, classify, call back, close,
//! reopen and (supervisors) settle conflicts — the same order view and event store as the
//! caretaker's field app, so the desk keeps working through a network outage too.

use anju_shared::lang::Lang;
use anju_shared::model::{DeadlineKind, DeadlineStatus};
use anju_shared::order::{Inbox, OrderState, fold};
use anju_shared::sla::{self, Deadline};
// Dates are formatted by hand: chrono's strftime machinery costs the wasm more than it saves.
use chrono::{TimeZone, Timelike, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure, Me};
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::sorted_indices;
use crate::pages::field::order_detail;
use crate::pages::login::Login;
use crate::sync::{SyncBadge, use_engine};

/// How often the inbox asks the server for news, in milliseconds.
const REFRESH_MS: u64 = 15_000;

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
    let session = RwSignal::new(Session::Checking);
    let check = move || {
        spawn_local(async move {
            session.set(match api::get::<Me>("/api/me").await {
                Ok(me) => Session::LoggedIn(me),
                Err(_) => Session::LoggedOut,
            });
        });
    };
    check();
    view! {
        {move || match session.get() {
            Session::Checking => view! { <section class="card"><p class="muted">"…"</p></section> }.into_any(),
            Session::LoggedOut => view! { <Login title=tr("客服前台登录", "Front desk login") on_done=Callback::new(move |_| { check(); engine.after_login(); })/> }.into_any(),
            Session::LoggedIn(me) => view! { <DeskInbox me=me on_logout=Callback::new(move |_| session.set(Session::LoggedOut))/> }.into_any(),
        }}
    }
}

/// An order folded from its events, with its deadlines at the moment of the last tick.
#[derive(Clone, PartialEq)]
struct Row {
    reference: String,
    state: OrderState,
    deadlines: Vec<Deadline>,
}

#[component]
fn DeskInbox(me: Me, on_logout: Callback<()>) -> impl IntoView {
    let engine = use_engine();
    let inbox = RwSignal::new(None::<Inbox>);
    let now_ms = clock::ticking_now_ms();
    // The order open for handling, if any.
    let open = RwSignal::new(None::<String>);

    let load = move || {
        spawn_local(async move {
            match api::get::<Inbox>("/api/desk/orders").await {
                Ok(i) => inbox.set(Some(i)),
                Err(ApiFailure::Status(401, _)) => on_logout.run(()),
                // Offline: the engine's badge says so, and the device's events still show.
                Err(_) => {}
            }
        });
    };
    // Loads at once and again after every sync, so what this desk sent shows with its
    // server-side reference, and others' work arrives without a reload.
    Effect::new(move |_| {
        engine.state.with(|s| s.last_sync);
        load();
    });
    if let Ok(handle) = set_interval_with_handle(load, std::time::Duration::from_millis(REFRESH_MS))
    {
        on_cleanup(move || handle.clear());
    }

    // The inbox's orders folded with what the device knows of them, including this desk's
    // actions not yet sent; recomputed when either changes, not every tick.
    let folded = Memo::new(move |_| {
        inbox.with(|i| {
            i.as_ref().map(|i| {
                // The estate's preset with its manager's changes, and its calendar.
                let rules = i.estate.rules().ok();
                let orders: Vec<(String, OrderState)> = engine.events.with(|local| {
                    let by_order = sorted_indices(local.len(), &|a, b| {
                        local[a].order_id.cmp(&local[b].order_id)
                    });
                    i.orders
                        .iter()
                        .filter_map(|o| {
                            let start = by_order.partition_point(|&n| local[n].order_id < o.id);
                            let mut events = o.events.clone();
                            events.extend(
                                by_order[start..]
                                    .iter()
                                    .map(|&n| &local[n])
                                    .take_while(|e| e.order_id == o.id)
                                    .cloned(),
                            );
                            fold(&o.id, &events).map(|s| (o.reference.clone(), s))
                        })
                        .collect()
                });
                (rules, orders)
            })
        })
    });
    let states = Memo::new(move |_| {
        folded.with(|f| {
            f.as_ref()
                .map(|(_, orders)| orders.iter().map(|(_, s)| s.clone()).collect())
                .unwrap_or_default()
        })
    });
    let rows = Memo::new(move |_| {
        let now_ms = now_ms.get();
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
                .map(|(reference, state)| Row {
                    reference: reference.clone(),
                    deadlines: sla::deadlines(policy, calendar, &state.facts(), now),
                    state: state.clone(),
                })
                .collect();
            // The nearest deadline still to meet comes first; orders with none go last.
            rows.sort_by_key(|r| {
                r.deadlines
                    .iter()
                    .filter(|d| matches!(d.status, DeadlineStatus::Open | DeadlineStatus::Overdue))
                    .map(|d| d.due)
                    .min()
                    .map_or((1, i64::MAX), |d| (0, d.timestamp_millis()))
            });
            rows
        })
    });

    let logout = move |_| {
        engine.logout();
        on_logout.run(());
    };
    let back = Callback::new(move |()| open.set(None));

    view! {
        <section class="desk">
            <div class="desk-bar">
                <h1>
                    {move || inbox.with(|i| i.as_ref().map(|i| i.estate.name.clone()).unwrap_or_default())}
                    " · "
                    {tr("客服前台", "Front desk")}
                </h1>
                <SyncBadge/>
                <button type="button" class="button secondary" on:click=move |_| engine.sync_now()>
                    {tr("立即同步", "Sync now")}
                </button>
                <span class="muted">{me.display_name.clone()} " (" {me.role.clone()} ")"</span>
                <button type="button" class="button secondary" on:click=logout>
                    {tr("退出", "Log out")}
                </button>
            </div>
            {move || match open.get() {
                Some(id) => order_detail(engine, id, states, back).into_any(),
                None => view! {
                    <Show
                        when=move || !rows.get().is_empty()
                        fallback=move || view! { <p class="card muted">{tr("暂无工单", "No orders")}</p> }
                    >
                        <ul class="inbox" aria-label=tr("工单", "Orders")>
                            <For each=move || rows.get() key=row_key let:row>
                                <OrderRow row=row now_ms=now_ms open=open/>
                            </For>
                        </ul>
                    </Show>
                }
                .into_any(),
            }}
        </section>
    }
}

/// A row is rebuilt when anything it shows changes, except the ticking countdowns.
fn row_key(r: &Row) -> (String, String, u8, usize, Option<String>, usize) {
    let s = &r.state;
    (
        s.id.clone(),
        r.deadlines.iter().map(|d| d.status.as_str()).collect(),
        s.status as u8,
        s.notes.len(),
        s.assignee.clone(),
        s.conflicts.len(),
    )
}

/// `1:02:03`, `12:34`, or days and hours when far away.
fn format_span(ms: i64, lang: Lang) -> String {
    let s = ms.abs() / 1000;
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    if d > 0 {
        match lang {
            Lang::Zh => format!("{d}天{h}小时"),
            Lang::En => format!("{d}d {h}h"),
        }
    } else if h > 0 {
        format!("{h}:{m:02}:{sec:02}")
    } else {
        format!("{m:02}:{sec:02}")
    }
}

#[component]
fn OrderRow(row: Row, now_ms: ReadSignal<i64>, open: RwSignal<Option<String>>) -> impl IntoView {
    let state = row.state.clone();
    let id = state.id.clone();
    let category = state.category;
    let status = state.status;
    let urgent = state.urgent;
    let reported = clock::short(&state.reported_at);
    let deadlines = row.deadlines.clone();
    view! {
        <li class="order" class:urgent=urgent data-testid="order-row">
            <div class="order-head">
                <span class="reference">{row.reference.clone()}</span>
                <strong class="chip">{tr(category.zh(), category.en())}</strong>
                <span class="chip" data-testid="order-status">{tr(status.zh(), status.en())}</span>
                {urgent.then(|| view! { <strong class="chip urgent">{tr("紧急", "Urgent")}</strong> })}
                {(!state.conflicts.is_empty()).then(|| view! { <strong class="chip urgent">{tr("有冲突", "Conflict")}</strong> })}
                <span class="muted">{reported}</span>
                <button type="button" class="button secondary" on:click=move |_| open.set(Some(id.clone()))>
                    {tr("处理", "Handle")}
                </button>
            </div>
            <p class="order-text">{state.text.clone()}</p>
            <p class="muted">
                {state.location.clone()} " · " {state.phone_masked.clone()}
                {state.assignee.clone().map(|a| view! { " · " {tr("处理人 ", "Assigned to ")} {a} })}
            </p>
            {crate::pages::field::notes(state.notes.clone())}
            <div class="deadlines">
                {deadlines.into_iter().map(|d| view! { <Countdown deadline=d now_ms=now_ms/> }).collect_view()}
            </div>
        </li>
    }
}

#[component]
fn Countdown(deadline: Deadline, now_ms: ReadSignal<i64>) -> impl IntoView {
    let lang = use_lang();
    let kind = deadline.kind;
    let testid = match kind {
        DeadlineKind::Dispatch => "countdown-dispatch",
        DeadlineKind::Response => "countdown-response",
        DeadlineKind::Completion => "countdown-completion",
        DeadlineKind::Callback => "countdown-callback",
    };
    let due_ms = deadline.due.timestamp_millis();
    let status = deadline.status;
    let due_label = format!("{:02}:{:02}", deadline.due.hour(), deadline.due.minute());
    let text = move || {
        let l = lang.get();
        let name = if l == Lang::Zh { kind.zh() } else { kind.en() };
        let left = due_ms - now_ms.get();
        match status {
            DeadlineStatus::Met | DeadlineStatus::Missed => {
                let s = if l == Lang::Zh {
                    status.zh()
                } else {
                    status.en()
                };
                format!("{name} · {s}")
            }
            _ if left >= 0 => match l {
                Lang::Zh => format!("{name} 剩余 {}", format_span(left, l)),
                Lang::En => format!("{name} in {}", format_span(left, l)),
            },
            _ => match l {
                Lang::Zh => format!("{name} 超时 {}", format_span(left, l)),
                Lang::En => format!("{name} overdue {}", format_span(left, l)),
            },
        }
    };
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
    view! {
        <span class=class data-testid=testid title=due_label>{text}</span>
    }
}
