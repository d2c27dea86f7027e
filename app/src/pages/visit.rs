//! Household visits on `/field` (V-1): the form that records one in a few taps (building →
//! unit → room, how, an optional note) and the list of the visits the device knows. Works
//! offline from the site plan and household list cached on the device.

use anju_shared::order::EventBody;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::Household;
use crate::clock;
use crate::i18n::tr;
use crate::lean::{dynamic, sort_by};
use crate::pages::widgets::{select, text_area};
use crate::sync::Engine;

/// How a visit was made, as sent (`method`), with its labels.
const METHODS: [(&str, &str, &str); 3] = [
    ("door", "上门", "At the door"),
    ("phone", "电话", "By phone"),
    ("outdoor", "户外", "Outdoors"),
];

fn method_label(method: &str) -> Signal<&'static str> {
    METHODS
        .iter()
        .find(|(m, _, _)| *m == method)
        .map_or_else(|| tr("走访", "Visit"), |(_, zh, en)| tr(zh, en))
}

/// `3栋 2单元 1201` for a household, from the cached site plan. Tracked: right after a
/// login the site plan and the household list arrive after the visits, and the record must
/// then read as a place, not as an id.
fn household_place(engine: Engine, household_id: &str) -> String {
    let household = engine
        .households
        .with(|h| h.iter().find(|h| h.id == household_id).cloned());
    let Some(h) = household else {
        return "…".to_string();
    };
    engine.site.with(|site| {
        site.as_ref()
            .and_then(|s| {
                s.buildings.iter().find_map(|b| {
                    b.units
                        .iter()
                        .find(|u| u.id == h.unit_id)
                        .map(|u| format!("{} {} {}", b.name, u.name, h.room))
                })
            })
            .unwrap_or_else(|| h.room.clone())
    })
}

/// The order an issue raised in a visit becomes (channel `visit`, the household's building,
/// unit and room, the category and urgency `shared`'s classifier reads in the words; the desk
/// may correct them): its new id and report, or `None` when nothing was raised.
fn issue_report(
    engine: Engine,
    household_id: &str,
    words: &str,
) -> Option<(String, anju_shared::order::Reported)> {
    use anju_shared::model::Channel;
    if words.is_empty() {
        return None;
    }
    let home = engine
        .households
        .with_untracked(|h| h.iter().find(|h| h.id == household_id).cloned())?;
    let (building_id, place) = engine
        .site
        .with_untracked(|s| {
            s.iter().flat_map(|s| &s.buildings).find_map(|b| {
                b.units
                    .iter()
                    .find(|u| u.id == home.unit_id)
                    .map(|u| (b.id.clone(), format!("{}{}{}", b.name, u.name, home.room)))
            })
        })
        .unwrap_or_default();
    let found = anju_shared::classify::classify(words);
    let mut report = anju_shared::order::Reported::by_staff(words, Channel::Visit, found.category);
    report.urgent = found.urgent;
    report.topic = found.topic.clone();
    report.building_id = building_id;
    report.unit_id = home.unit_id.clone();
    report.location = place;
    Some((crate::store::uuid_v7(clock::now_ms()), report))
}

/// The building, unit and household named by the address's `household` (empty when none
/// or unknown on this device).
fn preset_household(engine: Engine) -> (String, String, String) {
    let wanted = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("household"))
        .unwrap_or_default();
    let Some(unit) = engine
        .households
        .with_untracked(|h| h.iter().find(|h| h.id == wanted).map(|h| h.unit_id.clone()))
    else {
        return Default::default();
    };
    let building = engine
        .site
        .with_untracked(|s| {
            s.iter()
                .flat_map(|s| &s.buildings)
                .find(|b| b.units.iter().any(|u| u.id == unit))
                .map(|b| b.id.clone())
        })
        .unwrap_or_default();
    (building, unit, wanted)
}

/// The form that records a visit: building → unit → room, how, an optional note.
pub(crate) fn visit_form(engine: Engine, on_done: Callback<()>) -> impl IntoView {
    // Opened from the visit list (`?household=…`): the room is chosen already.
    let (b0, u0, h0) = preset_household(engine);
    let building = RwSignal::new(b0.clone());
    let unit = RwSignal::new(u0.clone());
    let household = RwSignal::new(h0.clone());
    let method = RwSignal::new("door");
    let note = RwSignal::new(String::new());
    let not_home = RwSignal::new(false);
    let issue = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let missing = RwSignal::new(false);

    let buildings = Signal::derive(move || {
        engine.site.with(|s| {
            s.iter()
                .flat_map(|s| &s.buildings)
                .map(|b| (b.id.clone(), b.name.clone()))
                .collect()
        })
    });
    let units = Signal::derive(move || {
        let b = building.get();
        engine.site.with(|s| {
            s.iter()
                .flat_map(|s| &s.buildings)
                .filter(|x| x.id == b)
                .flat_map(|x| &x.units)
                .map(|u| (u.id.clone(), u.name.clone()))
                .collect()
        })
    });
    let rooms = Signal::derive(move || {
        let u = unit.get();
        let mut rooms: Vec<Household> = engine
            .households
            .with(|h| h.iter().filter(|h| h.unit_id == u).cloned().collect());
        sort_by(&mut rooms, |a, b| {
            (a.floor, &a.room).cmp(&(b.floor, &b.room))
        });
        rooms
            .into_iter()
            .map(|h| {
                let text = if h.important {
                    format!("{} ★", h.room)
                } else {
                    h.room
                };
                (h.id, text)
            })
            .collect()
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let household_id = household.get_untracked();
        missing.set(household_id.is_empty());
        if household_id.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let raised = issue_report(engine, &household_id, issue.get_untracked().trim());
        let body = EventBody::Visited {
            household_id,
            method: method.get_untracked().to_string(),
            note: note.get_untracked().trim().to_string(),
            not_home: not_home.get_untracked(),
        };
        spawn_local(async move {
            let mut result = engine.record("", body).await;
            // An issue the household raised becomes an order in the same step (V-1: it
            // enters the normal order flow and that month's statistics).
            if let (Ok(()), Some((order, report))) = (&result, raised) {
                result = engine.record(&order, EventBody::Reported(report)).await;
            }
            match result {
                Ok(()) => on_done.run(()),
                Err(e) => error.set(e),
            }
            busy.set(false);
        });
    };

    view! {
        <a class="button secondary back" href="/field">{tr("← 返回列表", "← Back to the list")}</a>
        <form class="card form visit" on:submit=submit novalidate>
            <h2>{tr("登记走访", "Record visit")}</h2>
            {dynamic(move || missing.get().then(|| view! {
                <p role="alert" class="error">{tr("请选择房号", "Choose the room")}</p>
            }))}
            <p role="alert" class="error">{error}</p>
            {dynamic(move || engine.site.with(Option::is_none).then(|| view! {
                <p role="alert" class="error">{tr("本机还没有楼栋资料:请联网打开一次。", "This device has no site plan yet: open this page once online.")}</p>
            }))}
            {select("visit-building", tr("楼栋", "Building"), buildings, Callback::new(move |v| {
                building.set(v);
                unit.set(String::new());
                household.set(String::new());
            }), Some(b0).filter(|b| !b.is_empty()))}
            {select("visit-unit", tr("单元", "Unit"), units, Callback::new(move |v| {
                unit.set(v);
                household.set(String::new());
            }), Some(u0).filter(|u| !u.is_empty()))}
            {select("visit-room", tr("房号(★ 重点户)", "Room (★ priority household)"), rooms, Callback::new(move |v| household.set(v)), Some(h0).filter(|h| !h.is_empty()))}
            <fieldset class="choices">
                <legend>{tr("走访方式", "How")}</legend>
                {METHODS.iter().map(|&(value, zh, en)| view! {
                    <label class="choice">
                        <input type="radio" name="visit-method" value=value
                            prop:checked=Signal::derive(move || method.get() == value)
                            on:change=move |_| method.set(value)/>
                        {tr(zh, en)}
                    </label>
                }).collect_view()}
            </fieldset>
            <label class="choice">
                <input type="checkbox" id="visit-not-home" prop:checked=not_home
                    on:change=move |ev| not_home.set(event_target_checked(&ev))/>
                {tr("无人在家(只算尝试,不计覆盖)", "Nobody at home (an attempt; not counted as visited)")}
            </label>
            {text_area("visit-note", tr("备注(选填)", "Note (optional)"), note)}
            {text_area("visit-issue", tr("住户反映的问题(选填,将生成工单)", "An issue the household raised (optional; becomes an order)"), issue)}
            <button type="submit" class="button primary" disabled=busy>{tr("登记走访", "Record visit")}</button>
        </form>
    }
}

/// The visits on the device, newest first (the latest 30).
pub(crate) fn visits(engine: Engine) -> impl IntoView {
    let list = move || {
        let mut v: Vec<_> = engine.events.with(|events| {
            events
                .iter()
                .filter(|e| matches!(e.body, EventBody::Visited { .. }))
                .cloned()
                .collect()
        });
        sort_by(&mut v, |a, b| b.hlc.cmp(&a.hlc));
        v.truncate(30);
        v
    };
    view! {
        <h2>{tr("走访记录", "Visits")}</h2>
        {dynamic(move || {
            let list = list();
            if list.is_empty() {
                return view! { <p class="card muted">{tr("暂无走访", "No visits yet")}</p> }.into_any();
            }
            view! {
                <ul class="inbox" aria-label=tr("走访记录", "Visits")>
                    {list.into_iter().map(|e| {
                        let EventBody::Visited { household_id, method, note, not_home } = e.body else {
                            return ().into_any();
                        };
                        view! {
                            <li class="order" data-testid="field-visit">
                                <span class="order-head">
                                    <strong>{crate::lean::text(move || household_place(engine, &household_id))}</strong>
                                    <span class="chip">{method_label(&method)}</span>
                                    {not_home.then(|| view! { <span class="chip">{tr("不在家", "Not at home")}</span> })}
                                    <span class="muted">{clock::short(&e.at)}</span>
                                    {e.seq.is_none().then(|| view! { <span class="chip urgent">{tr("待发送", "To send")}</span> })}
                                </span>
                                {(!note.is_empty()).then(|| view! { <p class="muted">{note}</p> })}
                            </li>
                        }
                        .into_any()
                    }).collect_view()}
                </ul>
            }
            .into_any()
        })}
    }
}
