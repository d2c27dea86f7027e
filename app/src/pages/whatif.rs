//! The what-if of `/manage/rules`: every number of the estate's rules as a field labelled in
//! zh and en with its DOMAIN.md rule id, and — before anything is saved — how last month's
//! orders on this device would have fared under the edited numbers beside the rules in force:
//! the measures of §6, the deadlines missed, the escalation steps reached. Computed in the
//! browser by `anju_shared::whatif`; "use these numbers" writes the override the rules page
//! saves (the raw JSON stays as the advanced option).

use anju_shared::calendar::Calendar;
use anju_shared::dashboard::{self, start_of};
use anju_shared::policy::Policy;
use anju_shared::sla::OrderFacts;
use anju_shared::whatif::{self, Outcome};
use chrono::{TimeZone, Utc};
use leptos::prelude::*;
use serde_json::Value;

use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::dashboard::pct;
use crate::sync::Engine;

/// The form and the comparison. `effective` is the policy in force (preset and override),
/// `preset` the preset's name; `patch` receives the override on "use these numbers".
pub(crate) fn what_if(
    engine: Engine,
    effective: Value,
    preset: String,
    calendar: Calendar,
    patch: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let Ok(current) = Policy::from_value(&effective) else {
        return view! { <p class="error">{tr("规则无法读取", "The rules cannot be read")}</p> }
            .into_any();
    };
    let fields = whatif::numbers(&current);
    let changes = RwSignal::new(Vec::<(Vec<String>, f64)>::new());
    let current = StoredValue::new(current);
    let calendar = StoredValue::new(calendar);
    // Last month's orders on this device, as the rules read them.
    let facts = Memo::new(move |_| {
        crate::pages::field::folded(engine)
            .iter()
            .map(|o| o.facts())
            .collect::<Vec<OrderFacts>>()
    });
    let proposed = Memo::new(move |_| {
        let c = changes.get();
        let value = current.with_value(|p| whatif::with_numbers(p, &c));
        Policy::from_value(&value).map_err(|e| e.to_string())
    });
    let compare = Memo::new(move |_| {
        let offset = calendar.with_value(|c| c.utc_offset);
        let now = Utc
            .timestamp_millis_opt(clock::now_ms())
            .single()
            .unwrap_or_default()
            .with_timezone(&offset);
        let (from, to) = dashboard::period_range(
            dashboard::PeriodKind::LastMonth,
            now.date_naive(),
            None,
            None,
        )
        .ok()?;
        let (from, to) = (start_of(from, offset), start_of(to, offset));
        let now = now.fixed_offset();
        let proposed = proposed.get().ok()?;
        facts.with(|orders| {
            let cal = calendar.get_value();
            let a = current.with_value(|p| whatif::outcome(p, &cal, orders, from, to, now));
            let b = whatif::outcome(&proposed, &cal, orders, from, to, now);
            Some((a, b))
        })
    });
    let inputs = fields
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let id = format!("whatif-{i}");
            let path = n.path.clone();
            let label = format!("{} / {} [{}]", n.zh, n.en, n.rule);
            view! {
                <div class="whatif-field">
                    <label for=id.clone()>{label}</label>
                    <input id=id type="number" step="any" value=n.value.to_string()
                        on:input=move |ev| {
                            let Ok(v) = event_target_value(&ev).parse::<f64>() else { return };
                            let path = path.clone();
                            changes.update(|c| {
                                c.retain(|(p, _)| *p != path);
                                c.push((path, v));
                            });
                        }/>
                </div>
            }
        })
        .collect_view();
    let use_numbers = move |_| {
        let Ok(p) = proposed.get_untracked() else {
            return;
        };
        let base = Policy::preset(&preset)
            .ok()
            .and_then(|b| serde_json::to_value(b).ok())
            .unwrap_or(Value::Null);
        let new = serde_json::to_value(&p).unwrap_or(Value::Null);
        patch.set(serde_json::to_string_pretty(&whatif::diff(&base, &new)).unwrap_or_default());
    };
    view! {
        <details class="whatif" data-testid="whatif" open>
            <summary>{tr("规则数值与假设分析", "The rules' numbers and what-if")}</summary>
            <div class="whatif-grid">{inputs}</div>
            {dynamic(move || proposed.get().err().map(|e| view! { <p class="error" role="alert">{e}</p> }))}
            {dynamic(move || compare.get().map(|(a, b)| comparison(&a, &b, lang.get())))}
            <button type="button" class="button secondary" on:click=use_numbers>
                {tr("采用这些数值(填入下方的修改)", "Use these numbers (fills in the changes below)")}
            </button>
        </details>
    }
    .into_any()
}

fn comparison(a: &Outcome, b: &Outcome, l: anju_shared::lang::Lang) -> impl IntoView + use<> {
    let rows = a
        .measures
        .iter()
        .zip(&b.measures)
        .filter(|(x, _)| x.denominator > 0)
        .map(|(x, y)| {
            view! {
                <tr data-testid="whatif-row" data-measure=x.measure.as_str()>
                    <th scope="row">{l.pick(x.measure.zh(), x.measure.en())}</th>
                    <td class="num">{format!("{} ({}/{})", pct(x.ratio), x.numerator, x.denominator)}</td>
                    <td class="num">{format!("{} ({}/{})", pct(y.ratio), y.numerator, y.denominator)}</td>
                </tr>
            }
        })
        .collect_view();
    let levels = a
        .escalated
        .iter()
        .zip(&b.escalated)
        .skip(1)
        .map(|((level, x), (_, y))| view! {
            <tr><th scope="row">{format!("{} {}", l.pick("升级至", "Escalated to"), l.pick(level.zh(), level.en()))}</th><td class="num">{*x}</td><td class="num">{*y}</td></tr>
        })
        .collect_view();
    view! {
        <table class="kpi-table" data-testid="whatif-table">
            <caption>{l.pick("上月工单:现行规则与修改后", "Last month's orders: the rules in force and the edited ones")}</caption>
            <thead><tr>
                <th scope="col">{l.pick("指标", "Measure")}</th>
                <th scope="col">{l.pick("现行", "In force")}</th>
                <th scope="col">{l.pick("修改后", "Edited")}</th>
            </tr></thead>
            <tbody>
                {rows}
                <tr data-testid="whatif-missed"><th scope="row">{l.pick("超时的时限", "Deadlines missed")}</th><td class="num">{a.missed}</td><td class="num">{b.missed}</td></tr>
                {levels}
            </tbody>
        </table>
    }
}
