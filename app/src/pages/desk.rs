//! `/desk`: the front desk. Staff log in and see the estate's inbox sorted by the nearest
//! deadline, with live countdowns computed in the browser by the shared rules under the
//! estate's policy.

use anju_shared::calendar::Calendar;
use anju_shared::lang::Lang;
use anju_shared::model::{DeadlineKind, DeadlineStatus};
use anju_shared::order::{Inbox, OrderState, fold};
use anju_shared::policy::Policy;
use anju_shared::sla::{self, Deadline};
// Dates are formatted by hand: chrono's strftime machinery costs the wasm more than it saves.
use chrono::{TimeZone, Timelike, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure, Me};
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::pages::login::Login;

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
            Session::LoggedOut => view! { <Login title=tr("客服前台登录", "Front desk login") on_done=Callback::new(move |_| check())/> }.into_any(),
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

/// When the inbox last heard from the server, for the always-visible sync state.
#[derive(Clone, Copy, PartialEq)]
enum SyncState {
    Loading,
    Fresh(i64),
    Offline(Option<i64>),
}

#[component]
fn DeskInbox(me: Me, on_logout: Callback<()>) -> impl IntoView {
    let inbox = RwSignal::new(None::<Inbox>);
    let sync = RwSignal::new(SyncState::Loading);
    let now_ms = clock::ticking_now_ms();

    let load = move || {
        spawn_local(async move {
            match api::get::<Inbox>("/api/desk/orders").await {
                Ok(i) => {
                    inbox.set(Some(i));
                    sync.set(SyncState::Fresh(js_sys::Date::now() as i64));
                }
                Err(ApiFailure::Status(401, _)) => on_logout.run(()),
                Err(_) => sync.update(|s| {
                    let last = match *s {
                        SyncState::Fresh(t) => Some(t),
                        SyncState::Offline(t) => t,
                        SyncState::Loading => None,
                    };
                    *s = SyncState::Offline(last);
                }),
            }
        });
    };
    load();
    if let Ok(handle) = set_interval_with_handle(load, std::time::Duration::from_millis(REFRESH_MS))
    {
        on_cleanup(move || handle.clear());
    }

    // The folded orders change only when the inbox does; deadlines are recomputed every tick.
    let folded = Memo::new(move |_| {
        inbox.with(|i| {
            i.as_ref().map(|i| {
                let offset = clock::parse_offset(&i.estate.utc_offset);
                let policy = Policy::preset(&i.estate.policy).ok();
                let orders: Vec<(String, OrderState)> = i
                    .orders
                    .iter()
                    .filter_map(|o| fold(&o.id, &o.events).map(|s| (o.reference.clone(), s)))
                    .collect();
                (offset, policy, orders)
            })
        })
    });
    let rows = Memo::new(move |_| {
        let now_ms = now_ms.get();
        folded.with(|f| {
            let Some((offset, Some(policy), orders)) = f else {
                return Vec::new();
            };
            let mut calendar = Calendar::cn_2026();
            calendar.utc_offset = *offset;
            let now = Utc
                .timestamp_millis_opt(now_ms)
                .single()
                .unwrap_or_default()
                .with_timezone(offset);
            let mut rows: Vec<Row> = orders
                .iter()
                .map(|(reference, state)| Row {
                    reference: reference.clone(),
                    deadlines: sla::deadlines(policy, &calendar, &state.facts(), now),
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
        spawn_local(async move {
            let _ = api::post::<_, serde_json::Value>("/api/logout", &serde_json::json!({})).await;
            on_logout.run(());
        });
    };

    view! {
        <section class="desk">
            <div class="desk-bar">
                <h1>
                    {move || inbox.with(|i| i.as_ref().map(|i| i.estate.name.clone()).unwrap_or_default())}
                    " · "
                    {tr("客服前台", "Front desk")}
                </h1>
                <SyncBadge sync=sync now_ms=now_ms/>
                <span class="muted">{me.display_name.clone()} " (" {me.role.clone()} ")"</span>
                <button type="button" class="button secondary" on:click=logout>
                    {tr("退出", "Log out")}
                </button>
            </div>
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

#[component]
fn SyncBadge(sync: RwSignal<SyncState>, now_ms: ReadSignal<i64>) -> impl IntoView {
    let lang = use_lang();
    let text = move || {
        let l = lang.get();
        let ago = |t: i64| (now_ms.get() - t).max(0) / 1000;
        match sync.get() {
            SyncState::Loading => l.pick("同步中…", "Syncing…").to_string(),
            SyncState::Fresh(t) => match l {
                Lang::Zh => format!("已同步 · {} 秒前", ago(t)),
                Lang::En => format!("Synced · {}s ago", ago(t)),
            },
            SyncState::Offline(Some(t)) => match l {
                Lang::Zh => format!("离线 · 数据为 {} 秒前", ago(t)),
                Lang::En => format!("Offline · data from {}s ago", ago(t)),
            },
            SyncState::Offline(None) => l.pick("离线", "Offline").to_string(),
        }
    };
    let class = move || match sync.get() {
        SyncState::Offline(_) => "sync offline",
        _ => "sync",
    };
    view! { <span class=class data-testid="sync-state" role="status">{text}</span> }
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
fn OrderRow(row: Row, now_ms: ReadSignal<i64>) -> impl IntoView {
    let state = row.state.clone();
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
