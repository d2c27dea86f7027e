//! The notification bell of the staff app's top bar: what concerns the logged-in person now —
//! orders dispatched or escalated to them, callbacks due today, conflicts to settle — from the
//! events the device already holds (`anju_shared::notice`), so it works offline and updates
//! when a sync brings an escalation. Read marks are kept per person, on the device and on the
//! server (`/api/me/reads`), so an item read on the tablet is read on the desk too.

use anju_shared::model::Role;
use anju_shared::notice::{Notice, notices};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::clock;
use crate::i18n::use_lang;
use crate::lean::dynamic;
use crate::sync::{Phase, use_engine};

use anju_shared::wire::Reads;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn read_key(staff_id: &str) -> String {
    format!("anju.read.{staff_id}")
}

/// The keys of the notices this person has opened on this device.
fn read_marks(staff_id: &str) -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(&read_key(staff_id)).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

fn save_marks(staff_id: &str, marks: &[String]) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(marks)) {
        let _ = s.set_item(&read_key(staff_id), &json);
    }
}

/// The bell: a button with the count of unread notices that opens the list; each item opens
/// its order (and counts as read), and everything can be marked read at once.
#[component]
pub(crate) fn Bell() -> impl IntoView {
    let engine = use_engine();
    let lang = use_lang();
    let open = RwSignal::new(false);
    // Bumped when read marks change, so the count follows at once.
    let marks_changed = RwSignal::new(0u32);
    // Every minute is enough for "callbacks due today"; syncs redraw it anyway.
    let (minute, set_minute) = signal(clock::now_ms());
    if let Ok(handle) = set_interval_with_handle(
        move || set_minute.set(clock::now_ms()),
        std::time::Duration::from_secs(60),
    ) {
        on_cleanup(move || handle.clear());
    }
    // Whether next month's visit plan is approved (V-1), for those who approve plans: asked
    // of the server when the estate is ready, the last answer kept on the device.
    let next_plan = RwSignal::new(None::<(chrono::NaiveDate, bool)>);
    Effect::new(move |_| {
        if engine.phase.get() != Phase::Ready {
            return;
        }
        let (Some(me), Some(estate)) = (engine.me.get(), engine.current()) else {
            return;
        };
        if !Role::parse(&me.role).is_some_and(anju_shared::plan::may_plan) {
            return;
        }
        let month = anju_shared::plan::next_month(crate::pages::sitemap::today(engine));
        let key = format!(
            "anju.plan-approved.{}.{}",
            estate.id,
            anju_shared::plan::month_key(month)
        );
        if let Some(known) = storage().and_then(|s| s.get_item(&key).ok().flatten()) {
            next_plan.set(Some((month, known == "true")));
        }
        let url = format!(
            "/api/estates/{}/visit-plans/{}",
            estate.id,
            anju_shared::plan::month_key(month)
        );
        spawn_local(async move {
            if let Ok(p) = api::get::<anju_shared::plan::VisitPlan>(&url).await {
                let approved = p.status == anju_shared::plan::PlanStatus::Approved;
                if let Some(s) = storage() {
                    let _ = s.set_item(&key, if approved { "true" } else { "false" });
                }
                next_plan.set(Some((month, approved)));
            }
        });
    });
    let list = Memo::new(move |_| {
        if engine.phase.get() != Phase::Ready {
            return (String::new(), Vec::new());
        }
        let Some(me) = engine.me.get() else {
            return (String::new(), Vec::new());
        };
        let (Some(role), Some(estate)) = (Role::parse(&me.role), engine.estate()) else {
            return (me.id, Vec::new());
        };
        let Ok((policy, calendar)) = estate.rules() else {
            return (me.id, Vec::new());
        };
        let now = chrono::DateTime::from_timestamp_millis(minute.get())
            .unwrap_or_default()
            .with_timezone(&calendar.utc_offset);
        let orders = crate::pages::field::folded(engine);
        let mut list = notices(&estate.id, &me.id, role, &orders, &policy, &calendar, now);
        if let Some((month, approved)) = next_plan.get() {
            list.extend(anju_shared::notice::plan_late(role, month, approved, now));
        }
        (me.id, list)
    });
    let unread = move || {
        marks_changed.track();
        list.with(|(me, items)| {
            let marks = read_marks(me);
            items.iter().filter(|n| !marks.contains(&n.key)).count()
        })
    };
    // The person's marks from their other devices, once the page is up (offline: the
    // device's own marks serve).
    Effect::new(move |_| {
        let me = list.with(|(me, _)| me.clone());
        if me.is_empty() {
            return;
        }
        spawn_local(async move {
            if let Ok(server) = api::get::<Reads>("/api/me/reads").await {
                let mut marks = read_marks(&me);
                for k in server.keys {
                    if !marks.contains(&k) {
                        marks.push(k);
                    }
                }
                save_marks(&me, &marks);
                marks_changed.update(|n| *n += 1);
            }
        });
    });
    let mark = move |keys: Vec<String>| {
        let me = list.with_untracked(|(me, _)| me.clone());
        let mut marks = read_marks(&me);
        for k in &keys {
            if !marks.contains(k) {
                marks.push(k.clone());
            }
        }
        // Only the marks of notices still listed are worth keeping on the device.
        list.with_untracked(|(_, items)| marks.retain(|m| items.iter().any(|n| &n.key == m)));
        save_marks(&me, &marks);
        marks_changed.update(|n| *n += 1);
        // And on the server, for the person's other devices; offline it stays on this one.
        spawn_local(async move {
            let _ = api::post::<_, Reads>("/api/me/reads", &Reads { keys }).await;
        });
    };
    let label = move || {
        let n = unread();
        if lang.get() == anju_shared::lang::Lang::Zh {
            format!("通知,{n} 条未读")
        } else {
            format!("Notifications, {n} unread")
        }
    };
    let desk_role = move || {
        engine
            .me
            .with(|m| m.as_ref().and_then(|m| Role::parse(&m.role)))
            .is_some_and(Role::may_use_desk)
    };
    let items = move || {
        marks_changed.track();
        let l = lang.get();
        let base = if desk_role() { "/desk" } else { "/field" };
        list.with(|(me, items)| {
            let marks = read_marks(me);
            items
                .iter()
                .map(|n: &Notice| {
                    // A notice about no order (the visit plan) opens its page.
                    let href = if n.order_id.is_empty() {
                        "/manage/plan".to_string()
                    } else {
                        format!("{base}/orders/{}", n.order_id)
                    };
                    let read = marks.contains(&n.key);
                    let key = n.key.clone();
                    let what = match n.level {
                        Some(level) => format!("{} · {}", l.pick(n.kind.zh(), n.kind.en()), l.pick(level.zh(), level.en())),
                        None => l.pick(n.kind.zh(), n.kind.en()).to_string(),
                    };
                    // A due callback says when today it may be made (D-7).
                    let what = match n.window {
                        Some((from, until)) => format!("{what} · {}–{}", &clock::short(&from)[6..], &clock::short(&until)[6..]),
                        None => what,
                    };
                    view! {
                        <li class:unread=!read data-testid="notice">
                            <a href=href on:click=move |_| { mark(vec![key.clone()]); open.set(false); }>
                                <span class="what">{what}</span>
                                " "
                                <span class="muted">{clock::short(&n.at)}</span>
                            </a>
                        </li>
                    }
                    .into_any()
                })
                .collect_view()
        })
    };
    dynamic(move || {
        (engine.phase.get() == Phase::Ready).then(|| {
            view! {
                <div class="bell">
                    <button
                        type="button"
                        class="bell-button"
                        aria-expanded=move || open.get().to_string()
                        aria-label=label
                        data-testid="bell"
                        data-unread=move || unread().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        // Drawn, not an emoji: a tablet without an emoji font shows a box.
                        <svg class="bell-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                            <path d="M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm0 18a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 21z" fill="currentColor"/>
                        </svg>
                        <span class="count" aria-hidden="true">{move || { let n = unread(); (n > 0).then(|| n.to_string()) }}</span>
                    </button>
                    <Show when=move || open.get()>
                        <div class="bell-panel" role="region" aria-label=move || lang.get().pick("通知", "Notifications")>
                            <ul class="notices">{items}</ul>
                            <p class="muted" hidden=move || list.with(|(_, l)| !l.is_empty())>
                                {move || lang.get().pick("没有需要您处理的事项", "Nothing needs you now")}
                            </p>
                            <button
                                type="button"
                                class="button"
                                on:click=move |_| {
                                    let keys = list.with_untracked(|(_, l)| l.iter().map(|n| n.key.clone()).collect());
                                    mark(keys);
                                }
                            >
                                {move || lang.get().pick("全部标为已读", "Mark all read")}
                            </button>
                        </div>
                    </Show>
                </div>
            }
        })
    })
}
