//! `/manage/patrols`: an estate's checkpoints (name, building, place, a checklist started from
//! a preset and edited) and routes (checkpoints in order, caretakers, weekdays, window), the A4
//! sheet of signed QR codes to print (`/manage/patrols/print`, reissued to revoke the old one),
//! and the rounds the estate's caretakers walked with their compliance against the estate's
//! threshold (`/manage/rounds`, read from what sync brought). The server checks every change
//! with `shared` and names the field of a mistake.

use anju_shared::patrol::{
    self, CHECKLIST_PRESETS, CheckpointInput, CodeSheet, PatrolPlan, RoundState, RouteInput,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure, Me};
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::widgets::{button, text_area};
use crate::sync::Engine;

fn failure_text(l: anju_shared::lang::Lang, f: ApiFailure) -> String {
    match f {
        ApiFailure::Status(403, _) => l
            .pick(
                "您的角色不能修改巡查设置",
                "Your role may not change patrols",
            )
            .into(),
        ApiFailure::Status(_, body) => match (l, body.message_zh) {
            (anju_shared::lang::Lang::Zh, Some(zh)) => format!("未保存:{zh}"),
            _ => format!("{}{}", l.pick("未保存:", "Not saved: "), body.error),
        },
        ApiFailure::Network(_) => l.pick("网络不通,未保存", "No connection; not saved").into(),
    }
}

/// The definitions editor.
pub(crate) fn patrol_editor(engine: Engine, me: Me) -> impl IntoView {
    let lang = use_lang();
    let Some(estate) = engine.estate() else {
        return view! { <p class="card error" role="alert">{tr("您的账号没有负责的小区", "Your account has no estate")}</p> }.into_any();
    };
    let may_edit = anju_shared::model::Role::parse(&me.role).is_some_and(patrol::may_define);
    let base = StoredValue::new(format!("/api/estates/{}/patrols", estate.id));
    let plan = engine.patrols;
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    spawn_local(async move { engine.load_patrols().await });

    // The checkpoint being edited (empty id: a new one).
    let cp_id = RwSignal::new(String::new());
    let cp_name = RwSignal::new(String::new());
    let cp_building = RwSignal::new(String::new());
    let cp_place = RwSignal::new(String::new());
    let cp_items = RwSignal::new(String::new());
    let clear_cp = move || {
        cp_id.set(String::new());
        cp_name.set(String::new());
        cp_building.set(String::new());
        cp_place.set(String::new());
        cp_items.set(String::new());
    };
    let save_cp = Callback::new(move |()| {
        let id = match cp_id.get_untracked() {
            id if id.is_empty() => crate::store::uuid_v7(crate::clock::now_ms()),
            id => id,
        };
        let input = CheckpointInput {
            name: cp_name.get_untracked(),
            building_id: cp_building.get_untracked(),
            place: cp_place.get_untracked(),
            checklist: cp_items
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        };
        let l = lang.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match api::put::<_, PatrolPlan>(
                &format!("{}/checkpoints/{id}", base.get_value()),
                &input,
            )
            .await
            {
                Ok(p) => {
                    plan.set(Some(p));
                    error.set(String::new());
                    clear_cp();
                }
                Err(f) => error.set(failure_text(l, f)),
            }
            busy.set(false);
        });
    });
    let preset = move |key: String| {
        if let Some(p) = CHECKLIST_PRESETS.iter().find(|p| p.key == key) {
            cp_items.set(p.items.join("\n"));
            if cp_name.get_untracked().is_empty() {
                cp_name.set(p.zh.to_string());
            }
        }
    };
    let buildings = move || {
        engine.site.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.buildings
                        .iter()
                        .map(|b| (b.id.clone(), b.name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    // The route being edited.
    let rt_id = RwSignal::new(String::new());
    let rt_name = RwSignal::new(String::new());
    let rt_points = RwSignal::new(Vec::<String>::new());
    let rt_people = RwSignal::new(Vec::<String>::new());
    let rt_days = RwSignal::new(Vec::<u8>::new());
    let rt_from = RwSignal::new("08:00".to_string());
    let rt_to = RwSignal::new("10:00".to_string());
    let save_rt = Callback::new(move |()| {
        let id = match rt_id.get_untracked() {
            id if id.is_empty() => crate::store::uuid_v7(crate::clock::now_ms()),
            id => id,
        };
        let input = RouteInput {
            name: rt_name.get_untracked(),
            checkpoints: rt_points.get_untracked(),
            caretakers: rt_people.get_untracked(),
            weekdays: rt_days.get_untracked(),
            earliest: rt_from.get_untracked(),
            latest: rt_to.get_untracked(),
        };
        let l = lang.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match api::put::<_, PatrolPlan>(&format!("{}/routes/{id}", base.get_value()), &input)
                .await
            {
                Ok(p) => {
                    plan.set(Some(p));
                    error.set(String::new());
                    rt_id.set(String::new());
                    rt_name.set(String::new());
                    rt_points.set(Vec::new());
                    rt_people.set(Vec::new());
                    rt_days.set(Vec::new());
                }
                Err(f) => error.set(failure_text(l, f)),
            }
            busy.set(false);
        });
    });
    let retire = move |what: &'static str, id: String| {
        let l = lang.get_untracked();
        spawn_local(async move {
            match api::delete::<PatrolPlan>(&format!("{}/{what}/{id}", base.get_value())).await {
                Ok(p) => plan.set(Some(p)),
                Err(f) => error.set(failure_text(l, f)),
            }
        });
    };

    let checkpoint_rows = move || {
        let l = lang.get();
        plan.get()
            .map(|p| p.checkpoints)
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let edit = c.clone();
                let id = c.id.clone();
                let items = c.checklist.len();
                view! {
                    <li class="patrol-point" data-testid="checkpoint">
                        <strong>{c.name.clone()}</strong>
                        <span class="muted">{format!(" {} · {} {}", c.place, items, l.pick("项", "items"))}</span>
                        {may_edit.then(|| view! {
                            <button type="button" class="button secondary" on:click=move |_| {
                                cp_id.set(edit.id.clone());
                                cp_name.set(edit.name.clone());
                                cp_building.set(edit.building_id.clone());
                                cp_place.set(edit.place.clone());
                                cp_items.set(edit.checklist.join("\n"));
                            }>{l.pick("编辑", "Edit")}</button>
                            <button type="button" class="button secondary" on:click=move |_| retire("checkpoints", id.clone())>
                                {l.pick("停用", "Retire")}</button>
                        })}
                    </li>
                }
            })
            .collect_view()
    };
    let route_rows = move || {
        let l = lang.get();
        let p = plan.get();
        let names = |ids: &[String]| {
            ids.iter()
                .filter_map(|id| p.as_ref()?.checkpoint(id).map(|c| c.name.clone()))
                .collect::<Vec<_>>()
                .join(" → ")
        };
        p.as_ref()
            .map(|p| p.routes.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let edit = r.clone();
                let id = r.id.clone();
                let days = if r.weekdays.is_empty() {
                    l.pick("每天", "daily").to_string()
                } else {
                    r.weekdays.iter().map(|d| weekday(l, *d)).collect::<Vec<_>>().join(" ")
                };
                view! {
                    <li class="patrol-route" data-testid="route">
                        <strong>{r.name.clone()}</strong>
                        <span class="muted">{format!(" {}–{} · {days} · {}", r.earliest, r.latest, names(&r.checkpoints))}</span>
                        {may_edit.then(|| view! {
                            <button type="button" class="button secondary" on:click=move |_| {
                                rt_id.set(edit.id.clone());
                                rt_name.set(edit.name.clone());
                                rt_points.set(edit.checkpoints.clone());
                                rt_people.set(edit.caretakers.clone());
                                rt_days.set(edit.weekdays.clone());
                                rt_from.set(edit.earliest.clone());
                                rt_to.set(edit.latest.clone());
                            }>{l.pick("编辑", "Edit")}</button>
                            <button type="button" class="button secondary" on:click=move |_| retire("routes", id.clone())>
                                {l.pick("停用", "Retire")}</button>
                        })}
                    </li>
                }
            })
            .collect_view()
    };
    // Checkpoints of the route in walking order: ticking adds at the end, unticking removes.
    let point_choices = move || {
        let chosen = rt_points.get();
        plan.get()
            .map(|p| p.checkpoints)
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let id = c.id.clone();
                let at = chosen.iter().position(|x| *x == c.id);
                let label = match at {
                    Some(n) => format!("{}. {}", n + 1, c.name),
                    None => c.name.clone(),
                };
                view! {
                    <label class="choice">
                        <input type="checkbox" prop:checked=at.is_some() on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            rt_points.update(|v| {
                                v.retain(|x| *x != id);
                                if on { v.push(id.clone()); }
                            });
                        }/>
                        {label}
                    </label>
                }
            })
            .collect_view()
    };
    let people_choices = move || {
        let chosen = rt_people.get();
        engine
            .staff
            .get()
            .into_iter()
            .filter(|c| c.role == "caretaker")
            .map(|c| {
                let id = c.id.clone();
                let on = chosen.contains(&c.id);
                view! {
                    <label class="choice">
                        <input type="checkbox" prop:checked=on on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            rt_people.update(|v| {
                                v.retain(|x| *x != id);
                                if on { v.push(id.clone()); }
                            });
                        }/>
                        {c.display_name.clone()}
                    </label>
                }
            })
            .collect_view()
    };
    let day_choices = move || {
        let l = lang.get();
        let chosen = rt_days.get();
        (1u8..=7)
            .map(|d| {
                let on = chosen.contains(&d);
                view! {
                    <label class="choice">
                        <input type="checkbox" prop:checked=on on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            rt_days.update(|v| {
                                v.retain(|x| *x != d);
                                if on { v.push(d); }
                            });
                        }/>
                        {weekday(l, d)}
                    </label>
                }
            })
            .collect_view()
    };
    let disabled = Signal::derive(move || busy.get() || !may_edit);
    let threshold = text(move || {
        plan.get()
            .map(|p| p.threshold.to_string())
            .unwrap_or_default()
    });

    view! {
        <section class="card form patrols" data-testid="patrols">
            <h1>{estate.name.clone()} " · " {tr("巡查设置", "Patrols")}</h1>
            <p class="muted">{tr("轮次达标率(小区规则):", "Round compliance threshold (estate rules): ")} {threshold} "%"</p>
            {(!may_edit).then(|| view! {
                <p class="muted">{tr("只有客服主管、项目经理及以上可以修改。", "Only customer-service supervisors, project managers and above may change these.")}</p>
            })}
            <p role="alert" class="error" data-testid="patrol-error">{error}</p>
            <h2>{tr("巡查点", "Checkpoints")}</h2>
            <ul class="plain">{dynamic(checkpoint_rows)}</ul>
            <fieldset disabled=move || !may_edit>
                <legend>{move || if cp_id.get().is_empty() { lang.get().pick("新增巡查点", "New checkpoint") } else { lang.get().pick("修改巡查点", "Change checkpoint") }}</legend>
                <label for="cp-preset">{tr("检查项预设", "Checklist preset")}</label>
                <select id="cp-preset" on:change=move |ev| preset(event_target_value(&ev))>
                    <option value="">{tr("请选择", "Choose")}</option>
                    {move || { let l = lang.get(); CHECKLIST_PRESETS.iter().map(|p| view! { <option value=p.key>{l.pick(p.zh, p.en)}</option> }).collect_view() }}
                </select>
                <label for="cp-name">{tr("名称", "Name")}</label>
                <input id="cp-name" prop:value=cp_name on:input=move |ev| cp_name.set(event_target_value(&ev))/>
                <label for="cp-building">{tr("楼栋(可不选)", "Building (optional)")}</label>
                <select id="cp-building" prop:value=cp_building on:change=move |ev| cp_building.set(event_target_value(&ev))>
                    <option value="">{tr("非楼栋(公共区域)", "Not a building (common area)")}</option>
                    {move || buildings().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                <label for="cp-place">{tr("位置说明", "Where exactly")}</label>
                <input id="cp-place" prop:value=cp_place on:input=move |ev| cp_place.set(event_target_value(&ev))/>
                {text_area("cp-items", tr("检查项(每行一项)", "Checklist (one item a line)"), cp_items)}
                <div class="actions">
                    {button("button primary", tr("保存巡查点", "Save checkpoint"), disabled, save_cp)}
                </div>
            </fieldset>
            <h2>{tr("巡查路线", "Routes")}</h2>
            <ul class="plain">{dynamic(route_rows)}</ul>
            <fieldset disabled=move || !may_edit>
                <legend>{move || if rt_id.get().is_empty() { lang.get().pick("新增路线", "New route") } else { lang.get().pick("修改路线", "Change route") }}</legend>
                <label for="rt-name">{tr("路线名称", "Route name")}</label>
                <input id="rt-name" prop:value=rt_name on:input=move |ev| rt_name.set(event_target_value(&ev))/>
                <p class="muted">{tr("按巡查顺序勾选巡查点:", "Tick the checkpoints in walking order:")}</p>
                <div class="choices" data-testid="route-points">{dynamic(point_choices)}</div>
                <p class="muted">{tr("负责管家(不选则所有管家):", "Caretakers (none: every caretaker):")}</p>
                <div class="choices">{dynamic(people_choices)}</div>
                <p class="muted">{tr("巡查日(不选则每天):", "Days (none: every day):")}</p>
                <div class="choices">{dynamic(day_choices)}</div>
                <label for="rt-from">{tr("最早", "Earliest")}</label>
                <input id="rt-from" type="time" prop:value=rt_from on:input=move |ev| rt_from.set(event_target_value(&ev))/>
                <label for="rt-to">{tr("最晚", "Latest")}</label>
                <input id="rt-to" type="time" prop:value=rt_to on:input=move |ev| rt_to.set(event_target_value(&ev))/>
                <div class="actions">
                    {button("button primary", tr("保存路线", "Save route"), disabled, save_rt)}
                </div>
            </fieldset>
            {may_edit.then(|| view! {
                <p><a class="button secondary" href="/manage/patrols/print">{tr("打印巡查码", "Print checkpoint codes")}</a></p>
            })}
        </section>
    }
    .into_any()
}

fn weekday(l: anju_shared::lang::Lang, d: u8) -> String {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let i = usize::from(d.clamp(1, 7) - 1);
    l.pick(ZH[i], EN[i]).to_string()
}

/// The A4 sheet: one QR drawing per checkpoint (SVG made by the server) with its name and
/// place; reissuing makes a new generation and revokes the sheet printed before.
pub(crate) fn print_sheet(engine: Engine) -> impl IntoView {
    let lang = use_lang();
    let sheet = RwSignal::new(None::<CodeSheet>);
    let error = RwSignal::new(String::new());
    let Some(estate) = engine.estate() else {
        return ().into_any();
    };
    let url = StoredValue::new(format!("/api/estates/{}/patrols/codes", estate.id));
    spawn_local(async move {
        match api::get::<CodeSheet>(&url.get_value()).await {
            Ok(s) => sheet.set(Some(s)),
            Err(f) => error.set(failure_text(lang.get_untracked(), f)),
        }
    });
    let reissue = Callback::new(move |()| {
        let l = lang.get_untracked();
        let sure = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(l.pick(
                    "重新生成后,已打印的巡查码全部作废。继续?",
                    "Reissuing revokes every code printed so far. Go on?",
                ))
                .ok()
            })
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            match api::post::<_, CodeSheet>(
                &format!("{}/reissue", url.get_value()),
                &serde_json::Value::Null,
            )
            .await
            {
                Ok(s) => {
                    sheet.set(Some(s));
                    engine.load_patrols().await;
                }
                Err(f) => error.set(failure_text(l, f)),
            }
        });
    });
    let print = Callback::new(move |()| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    });
    let cells = move || {
        sheet
            .get()
            .map(|s| s.codes)
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                view! {
                    <figure class="qr-cell" data-testid="qr-cell">
                        <div class="qr" inner_html=c.svg></div>
                        <figcaption><strong>{c.name}</strong><br/>{c.place}</figcaption>
                    </figure>
                }
            })
            .collect_view()
    };
    let title = text(move || {
        sheet
            .get()
            .map(|s| {
                format!(
                    "{} · {} {}",
                    s.estate_name,
                    lang.get().pick("第", "generation "),
                    s.generation
                )
            })
            .unwrap_or_default()
    });
    view! {
        <section class="qr-sheet" data-testid="qr-sheet">
            <div class="actions no-print">
                {button("button primary", tr("打印", "Print"), false.into(), print)}
                {button("button secondary", tr("重新生成(作废旧码)", "Reissue (revoke old codes)"), false.into(), reissue)}
            </div>
            <p role="alert" class="error no-print">{error}</p>
            <h1>{title}</h1>
            <div class="qr-grid">{dynamic(cells)}</div>
        </section>
    }
    .into_any()
}

/// The rounds of the estate (from what sync brought): each with its compliance against the
/// threshold, missed checkpoints, doubtful scans and findings — a drawing per round, a bar
/// for each checkpoint.
pub(crate) fn rounds_view(engine: Engine) -> impl IntoView {
    let lang = use_lang();
    let rounds = Memo::new(move |_| {
        engine.events.with(|events| {
            let mut list: Vec<RoundState> = patrol::round_ids(events)
                .iter()
                .filter_map(|id| patrol::fold_round(id, events))
                .collect();
            crate::lean::sort_by(&mut list, |a, b| {
                (b.start.day, &b.start.route_name).cmp(&(a.start.day, &a.start.route_name))
            });
            list
        })
    });
    let threshold = Memo::new(move |_| engine.patrols.get().map_or(70, |p| p.threshold));
    let rows = move || {
        let l = lang.get();
        let t = threshold.get();
        let list = rounds.get();
        if list.is_empty() {
            return view! { <p class="muted">{l.pick("还没有巡查记录", "No rounds yet")}</p> }
                .into_any();
        }
        list.into_iter()
            .map(|r| round_card(l, &r, t))
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card rounds" data-testid="rounds">
            <h1>{tr("巡查轮次", "Patrol rounds")}</h1>
            {dynamic(rows)}
        </section>
    }
}

/// One round: the checkpoints as a strip of squares (scanned, doubtful, missed) and its figures.
pub(crate) fn round_card(
    l: anju_shared::lang::Lang,
    r: &RoundState,
    threshold: u32,
) -> impl IntoView + use<> {
    let c = r.compliance();
    let met = c.meets(threshold);
    let n = r.start.checkpoints.len().max(1);
    let squares = r
        .start
        .checkpoints
        .iter()
        .enumerate()
        .map(|(i, cp)| {
            let (class, tip) = match r.scans.get(&cp.id) {
                None => ("missed", format!("{} · {}", cp.name, l.pick("漏巡", "missed"))),
                Some(s) if !s.flags.is_empty() => (
                    "doubtful",
                    format!(
                        "{} · {}",
                        cp.name,
                        s.flags.iter().map(|f| l.pick(f.zh(), f.en())).collect::<Vec<_>>().join("、")
                    ),
                ),
                Some(s) => ("scanned", format!("{} · {}", cp.name, l.pick(s.proof.zh(), s.proof.en()))),
            };
            let x = (i * 100 / n) as u32;
            let w = (100 / n).max(1) as u32;
            view! { <rect class=class x=format!("{x}%") y="0" width=format!("{w}%") height="16"><title>{tip}</title></rect> }
        })
        .collect_view();
    let missed: Vec<String> = r.missed().iter().map(|c| c.name.clone()).collect();
    let findings: Vec<String> = r
        .findings()
        .map(|f| {
            let cp = r
                .start
                .checkpoints
                .iter()
                .find(|c| c.id == f.checkpoint_id)
                .map_or("", |c| c.name.as_str());
            let order = if f.order_id.is_some() {
                l.pick(" → 已转工单", " → order raised")
            } else {
                ""
            };
            format!("{cp}:{} {}{order}", f.item, f.note)
        })
        .collect();
    let figures = format!(
        "{} {}% ({}/{}) · {} {}% · {} {}",
        l.pick("达标率", "Compliance"),
        c.percent,
        c.scanned,
        c.expected,
        l.pick("要求", "threshold"),
        threshold,
        l.pick("存疑", "doubtful"),
        c.doubtful
    );
    let strip = format!(
        "{}:{}",
        l.pick("各巡查点", "Checkpoints"),
        r.start
            .checkpoints
            .iter()
            .map(|cp| match r.scans.get(&cp.id) {
                None => format!("{} {}", cp.name, l.pick("漏巡", "missed")),
                Some(s) if !s.flags.is_empty() =>
                    format!("{} {}", cp.name, l.pick("存疑", "doubtful")),
                Some(_) => format!("{} {}", cp.name, l.pick("已巡", "scanned")),
            })
            .collect::<Vec<_>>()
            .join("、")
    );
    view! {
        <article class="round" data-testid="round" data-compliance=c.percent.to_string() data-met=met.to_string()>
            <h3>{format!("{} · {}", r.start.day, r.start.route_name)}</h3>
            <p class=if met { "ok" } else { "error" }>{figures}</p>
            <svg class="round-strip" width="100%" height="16" role="img" aria-label=strip>{squares}</svg>
            {(!missed.is_empty()).then(|| view! { <p class="error">{format!("{}{}", l.pick("漏巡:", "Missed: "), missed.join("、"))}</p> })}
            {(!findings.is_empty()).then(|| view! { <ul class="plain">{findings.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul> })}
        </article>
    }
}
