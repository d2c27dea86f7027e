//! `/desk/new`: the desk registers a report heard by phone, at the counter, on the 400
//! hotline, by letter, e-mail or on the forum (000 3.5, 004 4.4.1). The household is found by
//! the caller's number (the server answers the households it belongs to, residents masked) or
//! chosen by building, unit and room from the site plan on the device; the text is classified
//! live by the same classifier as the resident form; the channel is recorded. An urgent text
//! (C-7) is marked urgent, so its 10-minute dispatch deadline holds day and night. The report
//! is one event on the device like any other, the caller's full number kept beside it until
//! the server has it.

use anju_shared::classify::classify;
use anju_shared::model::{Category, Channel};
use anju_shared::order::{EventBody, Reported};
use anju_shared::report::{mask_phone, normalize_phone};
use anju_shared::wire::Caller;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::order::order_href;
use crate::pages::widgets::{button, text_area};
use crate::sync::Engine;

/// Where the report is about: (building id, unit id, room, location as people read it).
type Place = (String, String, String, String);

pub(crate) fn intake(engine: Engine) -> impl IntoView {
    let lang = use_lang();
    let navigate = leptos_router::hooks::use_navigate();
    let channel = RwSignal::new(Channel::Phone);
    let phone = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let words = RwSignal::new(String::new());
    let callers = RwSignal::new(None::<Result<Vec<Caller>, String>>);
    let place = RwSignal::new(None::<Place>);
    let building = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let room = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<Category>);
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let found = Memo::new(move |_| words.with(|t| classify(t)));
    // A special-service request (特约服务申请): the services the resident asks for, priced from
    // the estate's list and agreed on the phone, recorded as the order's quote (the
    // technician may quote again at the door; the latest agreed counts).
    let picker = crate::pages::paid::Picker::new(engine);
    let special = Memo::new(move |_| {
        chosen.get().unwrap_or_else(|| found.with(|c| c.category)) == Category::SpecialService
    });

    let find = Callback::new(move |()| {
        let l = lang.get_untracked();
        let (Some(estate), Some(number)) =
            (engine.estate(), normalize_phone(&phone.get_untracked()))
        else {
            callers.set(Some(Err(l
                .pick("请输入有效的电话号码", "Enter a valid phone number")
                .into())));
            return;
        };
        spawn_local(async move {
            // In the body, never in the address: proxies and access logs keep addresses.
            let url = format!("/api/estates/{}/callers", estate.id);
            let body = serde_json::json!({ "phone": number });
            callers.set(Some(match api::post::<_, Vec<Caller>>(&url, &body).await {
                Ok(list) => Ok(list),
                Err(_) => Err(l
                    .pick(
                        "离线时无法按电话查找住户,请按楼栋选择",
                        "Finding by phone needs a connection; choose the building instead",
                    )
                    .into()),
            }));
        });
    });
    // The site plan on the device: buildings, their units, the households' rooms.
    let buildings = Signal::derive(move || {
        engine.site.with(|s| {
            s.iter()
                .flat_map(|s| &s.buildings)
                .map(|b| (b.id.clone(), b.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let units = Signal::derive(move || {
        let b = building.get();
        engine.site.with(|s| {
            s.iter()
                .flat_map(|s| &s.buildings)
                .filter(|x| x.id == b)
                .flat_map(|x| x.units.iter().map(|u| (u.id.clone(), u.name.clone())))
                .collect::<Vec<_>>()
        })
    });
    let by_hand = move || -> Option<Place> {
        let (b, u, r) = (building.get(), unit.get(), room.get().trim().to_string());
        if b.is_empty() || u.is_empty() {
            return None;
        }
        engine.site.with(|s| {
            let bld = s.iter().flat_map(|s| &s.buildings).find(|x| x.id == b)?;
            let un = bld.units.iter().find(|x| x.id == u)?;
            Some((
                b.clone(),
                u.clone(),
                r.clone(),
                format!("{}{}{}", bld.name, un.name, r),
            ))
        })
    };
    let submit = Callback::new(move |()| {
        let l = lang.get_untracked();
        let text = words.get_untracked().trim().to_string();
        if text.is_empty() {
            error.set(l.pick("内容:不能为空", "text: missing").into());
            return;
        }
        let raw = phone.get_untracked();
        let number = normalize_phone(&raw);
        if !raw.trim().is_empty() && number.is_none() {
            error.set(
                l.pick("电话:不是有效的电话号码", "phone: not a phone number")
                    .into(),
            );
            return;
        }
        let where_ = place.get_untracked().or_else(by_hand);
        let c = found.get_untracked();
        let category = chosen.get_untracked().unwrap_or(c.category);
        // The services asked for, checked before anything is recorded.
        let quote = if category == Category::SpecialService && !picker.is_empty() {
            match picker.checked() {
                Ok(q) => Some(q),
                Err(r) => {
                    error.set(r.message(l));
                    return;
                }
            }
        } else {
            None
        };
        let now = clock::now_ms();
        let order_id = crate::store::uuid_v7(now);
        let mut reported = Reported::by_staff(&text, channel.get_untracked(), category);
        reported.suggested = c.category;
        reported.urgent = c.urgent;
        reported.topic = c.topic.clone();
        reported.place = c.place.clone();
        if let Some((b, u, _, location)) = &where_ {
            reported.building_id = b.clone();
            reported.unit_id = u.clone();
            reported.location = location.clone();
            if reported.place.is_none() {
                reported.place = engine.site.with_untracked(|s| {
                    s.iter()
                        .flat_map(|s| &s.buildings)
                        .find(|x| &x.id == b)
                        .map(|x| format!("B{}", x.number))
                });
            }
        }
        let contact = number.map(|n| {
            reported.phone_masked = mask_phone(&n);
            anju_shared::sync::Contact {
                order_id: order_id.clone(),
                phone: n,
                name: name.get_untracked().trim().to_string(),
            }
        });
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let mut recorded = engine.record_report(&order_id, reported, contact).await;
            if recorded.is_ok()
                && let Some((q, total_fen)) = quote
            {
                recorded = engine
                    .record(
                        &order_id,
                        EventBody::Quoted {
                            items: q.items,
                            total_fen,
                        },
                    )
                    .await;
                picker.clear();
            }
            match recorded {
                Ok(()) => navigate(&order_href("/desk", &order_id), Default::default()),
                Err(e) => error.set(e),
            }
            busy.set(false);
        });
    });

    let channels = move || {
        let l = lang.get();
        Channel::ALL
            .iter()
            .filter(|c| **c != Channel::WebForm)
            .map(|&c| view! { <option value=c.as_str() selected=move || channel.get() == c>{l.pick(c.zh(), c.en())}</option> })
            .collect_view()
    };
    let categories = move || {
        let l = lang.get();
        Category::ALL
            .iter()
            .map(|&c| view! { <option value=c.as_str() selected=move || chosen.get() == Some(c)>{l.pick(c.zh(), c.en())}</option> })
            .collect_view()
    };
    let suggestion = text(move || {
        let l = lang.get();
        found.with(|c| {
            if words.with(|w| w.trim().is_empty()) {
                return String::new();
            }
            let mut t = format!(
                "{}{}",
                l.pick("系统建议:", "Suggested: "),
                l.pick(c.category.zh(), c.category.en())
            );
            if !c.evidence.is_empty() {
                t += &format!("({})", c.evidence.join("、"));
            }
            t
        })
    });
    let urgent = move || found.with(|c| c.urgent);
    let caller_list = move || {
        callers.get().map(|answer| match answer {
            Err(why) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="callers-none">{tr("没有找到该号码的住户", "No household has this number")}</p> }.into_any(),
            Ok(list) => view! {
                <div class="people" role="radiogroup" aria-label=tr("来电住户", "Caller's household")>
                    {list.into_iter().map(|c| {
                        let people = c.residents.iter().map(|r| format!("{} {}", r.name, r.phone_masked)).collect::<Vec<_>>().join("、");
                        let label = format!("{} · {}", c.location, people);
                        let pick: Place = (c.building_id.clone(), c.unit_id.clone(), c.room.clone(), c.location.clone());
                        let id = c.household_id.clone();
                        let location = c.location.clone();
                        view! {
                            <label class="choice person" data-testid="caller">
                                <input type="radio" name="caller" value=id
                                    prop:checked=move || place.with(|p| p.as_ref().is_some_and(|p| p.3 == location))
                                    on:change={
                                        let pick = pick.clone();
                                        move |_| place.set(Some(pick.clone()))
                                    }/>
                                {label}
                            </label>
                        }
                    }).collect_view()}
                </div>
            }.into_any(),
        })
    };
    let option_list = |list: Signal<Vec<(String, String)>>, current: RwSignal<String>| {
        move || {
            list.get()
                .into_iter()
                .map(|(id, label)| {
                    let v = id.clone();
                    view! { <option value=id selected=move || current.get() == v>{label}</option> }
                })
                .collect_view()
        }
    };
    let idle = Signal::derive(move || busy.get());
    view! {
        <section class="card form intake" data-testid="intake">
            <h2>{tr("登记报事", "Register a report")}</h2>
            <label for="intake-channel">{tr("渠道", "Channel")}</label>
            <select id="intake-channel" on:change=move |ev| {
                if let Some(c) = Channel::parse(&event_target_value(&ev)) {
                    channel.set(c);
                }
            }>{channels}</select>
            <label for="intake-phone">{tr("来电号码", "Caller's number")}</label>
            <input id="intake-phone" type="tel" autocomplete="off" prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev))/>
            <div class="actions">{button("button secondary", tr("按号码查找住户", "Find the household by number"), false.into(), find)}</div>
            {caller_list}
            <label for="intake-name">{tr("来电人姓名(可不填)", "Caller's name (optional)")}</label>
            <input id="intake-name" type="text" autocomplete="off" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            <fieldset>
                <legend>{tr("或按楼栋选择", "Or choose the place")}</legend>
                <label for="intake-building">{tr("楼栋", "Building")}</label>
                <select id="intake-building" on:change=move |ev| { building.set(event_target_value(&ev)); unit.set(String::new()); place.set(None); }>
                    <option value="">{tr("请选择", "Choose")}</option>
                    {option_list(buildings, building)}
                </select>
                <label for="intake-unit">{tr("单元", "Unit")}</label>
                <select id="intake-unit" on:change=move |ev| { unit.set(event_target_value(&ev)); place.set(None); }>
                    <option value="">{tr("请选择", "Choose")}</option>
                    {option_list(units, unit)}
                </select>
                <label for="intake-room">{tr("房号", "Room")}</label>
                <input id="intake-room" type="text" autocomplete="off" prop:value=room on:input=move |ev| { room.set(event_target_value(&ev)); place.set(None); }/>
            </fieldset>
            {text_area("intake-text", tr("问题描述", "Description"), words)}
            <p class="muted" data-testid="intake-suggestion">{suggestion}</p>
            {dynamic(move || urgent().then(|| view! {
                <p class="error" role="alert" data-testid="intake-urgent">{tr("紧急求助(C-7):立即处理,10 分钟内答复,夜间不顺延。", "Urgent help request (C-7): act now, reply within 10 minutes, never deferred to the morning.")}</p>
            }))}
            <label for="intake-category">{tr("类别", "Category")}</label>
            <select id="intake-category" on:change=move |ev| chosen.set(Category::parse(&event_target_value(&ev)))>
                <option value="">{tr("按系统建议", "As suggested")}</option>
                {categories}
            </select>
            {dynamic(move || special.get().then(|| view! {
                <fieldset data-testid="special-request">
                    <legend>{tr("特约服务申请:业主电话确认的服务与价格(可不填,上门时报价)", "Special-service request: the services and prices the resident agreed on the phone (optional; quoted at the door otherwise)")}</legend>
                    {picker.view("intake-quote", idle, error)}
                </fieldset>
            }))}
            <p role="alert" class="error" data-testid="intake-error">{error}</p>
            <div class="actions">{button("button primary", tr("登记", "Register"), idle, submit)}</div>
        </section>
    }
}
