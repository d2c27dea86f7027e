//! `/manage`: the manager's view of the estate. It opens on the visit-coverage site map
//! (`sitemap.rs`); its other parts each have an address of their own. On `/manage/rules` an
//! estate's manager sets the rules the estate runs under — the company preset it
//! follows, the numbers it changes on that preset, and its working-day calendar (holidays and
//! 调休 make-up days, D-8) — and sees the rules in force. The server checks every change with
//! the shared rule engine and names the field of any mistake; the desk's timers follow the
//! saved rules at their next refresh.

use anju_shared::wire::{EstateRules, RulesChange};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::api::{self, ApiFailure, Me};
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::login::Login;
use crate::pages::widgets::{button, text_area};
use crate::sync::{Engine, Phase, SyncBadge, use_engine};

#[component]
pub(crate) fn ManagePage() -> impl IntoView {
    // The site map reads what the device keeps, as the desk and the field app do: it works
    // offline, and a visit recorded on a tablet shows at the next sync.
    let engine = use_engine();
    engine.boot();
    let who = crate::pages::nav::who();
    Effect::new(move |_| who.set(engine.me.get()));
    let location = leptos_router::hooks::use_location();
    let tab = Memo::new(move |_| Tab::of(&location.pathname.get()));
    let page = dynamic(move || {
        match engine.phase.get() {
        Phase::Idle | Phase::Opening => {
            view! { <section class="card"><p class="muted">"…"</p></section> }.into_any()
        }
        Phase::NeedsLogin => view! {
            <Login title=tr("管理登录", "Manager login") on_done=Callback::new(move |_| engine.after_login())/>
        }
        .into_any(),
        // No estate (or no device database): nothing to show, but always a way out.
        Phase::Failed(zh, en) => view! {
            <section class="card">
                <p class="error" role="alert">{tr(zh, en)}</p>
                <div class="actions">
                    {button("button", tr("退出", "Log out"), false.into(), Callback::new(move |()| engine.logout()))}
                </div>
            </section>
        }
        .into_any(),
        Phase::Ready => match engine.me.get() {
            Some(me) => manage_app(engine, me, tab).into_any(),
            None => ().into_any(),
        },
    }
    });
    view! { {page} <leptos_router::components::Outlet/> }
}

/// The parts of `/manage`, each at its own address.
#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Map,
    Kpi,
    Report,
    Weekly,
    Plan,
    Rules,
    Prices,
    Billing,
    Patrols,
    Rounds,
    /// The print sheet of checkpoint codes: reached from the patrols tab, not a tab itself.
    Print,
}

impl Tab {
    const ALL: [(Tab, &'static str, &'static str, &'static str); 10] = [
        (Tab::Map, "/manage", "走访覆盖", "Visit coverage"),
        (Tab::Kpi, "/manage/kpi", "指标看板", "KPI dashboard"),
        (Tab::Report, "/manage/report", "月度报表", "Monthly report"),
        (Tab::Weekly, "/manage/weekly", "周报", "Weekly report"),
        (Tab::Plan, "/manage/plan", "走访计划", "Visit plan"),
        (Tab::Rules, "/manage/rules", "小区规则", "Estate rules"),
        (Tab::Prices, "/manage/prices", "价目表", "Price list"),
        (
            Tab::Billing,
            "/manage/billing",
            "月度结算",
            "Monthly billing",
        ),
        (Tab::Patrols, "/manage/patrols", "巡查设置", "Patrols"),
        (Tab::Rounds, "/manage/rounds", "巡查轮次", "Patrol rounds"),
    ];

    fn of(path: &str) -> Tab {
        if path.trim_end_matches('/') == "/manage/patrols/print" {
            return Tab::Print;
        }
        Tab::ALL
            .iter()
            .rev()
            .find(|(_, p, _, _)| path == *p || path.starts_with(&format!("{p}/")))
            .map_or(Tab::Map, |t| t.0)
    }
}

fn manage_app(engine: Engine, me: Me, tab: Memo<Tab>) -> impl IntoView {
    let chosen = crate::pages::nav::chosen();
    let estate = crate::lean::text(move || engine.estate().map(|e| e.name).unwrap_or_default());
    let tabs = Tab::ALL
        .iter()
        .map(|&(t, href, zh, en)| {
            let current = move || (tab.get() == t).then_some("page");
            view! { <a class="tab" href=href aria-current=current>{tr(zh, en)}</a> }
        })
        .collect_view();
    view! {
        <section class="manage-page">
            <div class="desk-bar no-print">
                <h1>{estate} " · " {tr("小区管理", "Estate management")}</h1>
                <SyncBadge/>
                {button("button secondary", tr("立即同步", "Sync now"), false.into(), Callback::new(move |()| engine.sync_now()))}
                {button("button secondary", tr("退出", "Log out"), false.into(), Callback::new(move |()| engine.logout()))}
            </div>
            <nav class="tabs no-print" aria-label=tr("管理页面", "Management pages")>{tabs}</nav>
            // Drawn again for the estate picked in the top bar.
            {dynamic(move || {
                chosen.track();
                match tab.get() {
                Tab::Map => crate::pages::sitemap::site_map(engine).into_any(),
                Tab::Kpi => view! {
                    <crate::pages::dashboard::DashboardView estate=engine.estate().map(|e| e.id).unwrap_or_default()/>
                }
                .into_any(),
                Tab::Report => {
                    let estate = engine.estate();
                    view! {
                        <crate::pages::monthly::MonthlyView me=me.clone()
                            estate=estate.as_ref().map(|e| e.id.clone()).unwrap_or_default()
                            offset=estate.map(|e| e.utc_offset).unwrap_or_default()/>
                    }
                    .into_any()
                }
                Tab::Weekly => {
                    let estate = engine.estate();
                    view! {
                        <crate::pages::weekly::WeeklyView
                            estate=estate.as_ref().map(|e| e.id.clone()).unwrap_or_default()
                            offset=estate.map(|e| e.utc_offset).unwrap_or_default()/>
                    }
                    .into_any()
                }
                Tab::Plan => crate::pages::plan::plan_view(engine, me.clone()).into_any(),
                Tab::Rules => {
                    let estate = crate::pages::nav::current_estate(&me, chosen.get().as_deref());
                    rules_editor(me.clone(), estate).into_any()
                }
                Tab::Prices => {
                    let may_edit = anju_shared::model::Role::parse(&me.role).is_some_and(|r| r.sets_estate_rules());
                    crate::pages::paid::price_editor(engine, may_edit).into_any()
                }
                Tab::Billing => {
                    let estate = engine.estate();
                    view! {
                        <crate::pages::billing::BillingView
                            estate=estate.as_ref().map(|e| e.id.clone()).unwrap_or_default()
                            offset=estate.map(|e| e.utc_offset).unwrap_or_default()/>
                    }
                    .into_any()
                }
                Tab::Patrols => crate::pages::patrols::patrol_editor(engine, me.clone()).into_any(),
                Tab::Rounds => crate::pages::patrols::rounds_view(engine).into_any(),
                Tab::Print => crate::pages::patrols::print_sheet(engine).into_any(),
                }
            })}
        </section>
    }
}

/// One date a line, as a manager types them.
fn dates_text(dates: &std::collections::BTreeSet<chrono::NaiveDate>) -> String {
    dates
        .iter()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn rules_editor(me: Me, estate: Option<anju_shared::site::EstateInfo>) -> impl IntoView {
    let lang = use_lang();
    let engine = use_engine();
    let Some(estate) = estate else {
        return view! {
            <p class="card error" role="alert">{tr("您的账号没有负责的小区", "Your account has no estate")}</p>
        }
        .into_any();
    };
    let may_edit = anju_shared::model::Role::parse(&me.role).is_some_and(|r| r.sets_estate_rules());
    let url = StoredValue::new(format!("/api/estates/{}/rules", estate.id));
    let utc_offset = StoredValue::new(estate.utc_offset.clone());

    let rules = RwSignal::new(None::<EstateRules>);
    let preset = RwSignal::new(String::new());
    let patch = RwSignal::new(String::new());
    let own_calendar = RwSignal::new(false);
    let holidays = RwSignal::new(String::new());
    let workdays = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<Signal<&'static str>>);
    let busy = RwSignal::new(false);

    // The form starts from what is stored: the calendar in force is shown even while it is
    // the shipped one, so a manager edits from the official dates rather than a blank page.
    let show = move |r: EstateRules| {
        preset.set(r.preset.clone());
        patch.set(serde_json::to_string_pretty(&r.policy_override).unwrap_or_default());
        own_calendar.set(r.calendar.is_some());
        holidays.set(dates_text(&r.effective_calendar.holidays));
        workdays.set(dates_text(&r.effective_calendar.workdays));
        rules.set(Some(r));
    };
    spawn_local(async move {
        match api::get::<EstateRules>(&url.get_value()).await {
            Ok(r) => show(r),
            Err(_) => error.set(
                lang.get_untracked()
                    .pick("无法读取小区规则", "Cannot load the estate's rules")
                    .into(),
            ),
        }
    });

    // Made here, where the language is in context: not inside the request's task.
    let saved = tr(
        "已保存,前台计时按新规则计算",
        "Saved: the desk's timers follow the new rules",
    );
    let save = Callback::new(move |()| {
        let l = lang.get_untracked();
        notice.set(None);
        let text = patch.get_untracked();
        let policy_override = if text.trim().is_empty() {
            Value::Object(serde_json::Map::new())
        } else {
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => v,
                Err(e) => {
                    error.set(format!(
                        "policy_override: {} ({e})",
                        l.pick("不是有效的 JSON", "not valid JSON")
                    ));
                    return;
                }
            }
        };
        let calendar = own_calendar.get_untracked().then(|| {
            serde_json::json!({
                "utc_offset": utc_offset.get_value(),
                "holidays": lines(&holidays.get_untracked()),
                "workdays": lines(&workdays.get_untracked()),
            })
        });
        let change = RulesChange {
            preset: preset.get_untracked(),
            policy_override: Some(policy_override),
            calendar,
        };
        busy.set(true);
        spawn_local(async move {
            match api::put::<_, EstateRules>(&url.get_value(), &change).await {
                Ok(r) => {
                    error.set(String::new());
                    show(r);
                    notice.set(Some(saved));
                }
                // The server names the field: `calendar.holidays[2]: not a date …`.
                Err(ApiFailure::Status(400, body)) => error.set(format!(
                    "{}{}",
                    l.pick("未保存:", "Not saved: "),
                    body.error
                )),
                Err(ApiFailure::Status(403, _)) => error.set(
                    l.pick(
                        "您的角色不能修改小区规则",
                        "Your role may not change the estate's rules",
                    )
                    .into(),
                ),
                Err(_) => error.set(l.pick("网络不通,未保存", "No connection; not saved").into()),
            }
            busy.set(false);
        });
    });

    let presets = move || {
        rules.with(|r| {
            r.as_ref()
                .map(|r| r.presets.clone())
                .unwrap_or_default()
                .into_iter()
                // `selected` as well as the select's value: the options arrive with the rules,
                // after the value was set.
                .map(|p| {
                    let chosen = p == preset.get_untracked();
                    // The preset's name for people (its code only when it has none).
                    let name = anju_shared::policy::Policy::preset(&p).ok().map_or_else(
                        || p.clone(),
                        |policy| {
                            let label = lang
                                .get()
                                .pick(&policy.label_zh, &policy.label_en)
                                .to_string();
                            if label.is_empty() { p.clone() } else { label }
                        },
                    );
                    view! { <option value=p.clone() selected=chosen>{name}</option> }
                })
                .collect_view()
        })
    };
    let effective = text(move || {
        rules.with(|r| {
            r.as_ref()
                .and_then(|r| serde_json::to_string_pretty(&r.effective_policy).ok())
                .unwrap_or_default()
        })
    });
    let disabled = Signal::derive(move || busy.get() || !may_edit);

    view! {
        <section class="card form manage" data-testid="rules">
            <h1>{estate.name.clone()} " · " {tr("小区规则", "Estate rules")}</h1>
            {(!may_edit).then(|| view! {
                <p class="muted">{tr("只有项目经理及以上可以修改。", "Only project managers and above may change these.")}</p>
            })}
            <label for="rules-preset">{tr("公司预设", "Company preset")}</label>
            <select id="rules-preset" prop:value=preset on:change=move |ev| preset.set(event_target_value(&ev))>
                {presets}
            </select>
            {dynamic(move || rules.get().map(|r| crate::pages::whatif::what_if(
                engine, r.effective_policy, r.preset, r.effective_calendar, patch,
            )))}
            <details class="advanced" open>
                <summary>{tr("高级:以 JSON 修改预设", "Advanced: changes as JSON")}</summary>
                {text_area("rules-override", tr("对预设的修改(JSON,留空即不修改)", "Changes to the preset (JSON; empty for none)"), patch)}
            </details>
            <label class="choice">
                <input type="checkbox" id="rules-own-calendar" prop:checked=own_calendar
                    on:change=move |ev| own_calendar.set(event_target_checked(&ev))/>
                {tr("使用本小区自己的日历(否则用国务院公布的日历)", "Use this estate's own calendar (otherwise the official one)")}
            </label>
            {text_area("rules-holidays", tr("节假日(每行一个日期,如 2027-01-01)", "Holidays (one date a line, e.g. 2027-01-01)"), holidays)}
            {text_area("rules-workdays", tr("调休上班日(每行一个日期)", "Make-up working days (one date a line)"), workdays)}
            <div class="actions">
                {button("button primary", tr("保存", "Save"), disabled, save)}
            </div>
            // What the save answered, right under the button that caused it.
            <p role="alert" class="error" data-testid="rules-error">{error}</p>
            {dynamic(move || notice.get().map(|n| view! { <p role="status" class="notice">{n}</p> }))}
            <details>
                <summary>{tr("当前生效的规则", "The rules in force")}</summary>
                <pre data-testid="rules-effective">{effective}</pre>
            </details>
        </section>
    }
    .into_any()
}
