//! What the desk establishes about an order for the rules, on the order screen: urgency (a
//! person's mark wins over the classifier's and is recorded with who), repair size and scope
//! (C-2), complaint validity and business category (C-3, C-4), the people behind it, the flags
//! of C-5/C-6/D-9 and a compensation amount. Each choice is one `assessed` (or `classified`)
//! event, recorded on the device like any action, so the timers, severity and escalation the
//! screen shows change at once, offline too.

use anju_shared::model::{Category, ComplaintBusiness, RepairScope, RepairSize, Validity, flags};
use anju_shared::order::{Assessment, EventBody, OrderState};
use leptos::prelude::*;

use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::widgets::{button, select};

/// The choices of a labelled enum as `(value, text)` in the current language.
fn choices<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    id: fn(&T) -> &'static str,
    zh: fn(&T) -> &'static str,
    en: fn(&T) -> &'static str,
) -> Signal<Vec<(String, String)>> {
    let lang = use_lang();
    Signal::derive(move || {
        let l = lang.get();
        all.iter()
            .map(|v| (id(v).to_string(), l.pick(zh(v), en(v)).to_string()))
            .collect()
    })
}

/// The assessment part of the order screen, for the desk's roles. `preset` names the estate's
/// rulebook (its list of complaint business categories); `act` records an event.
pub(crate) fn assessment_form(
    state: Memo<Option<OrderState>>,
    preset: String,
    idle: Signal<bool>,
    act: impl Fn(EventBody) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let assessed = move |a: Assessment| act(EventBody::Assessed(a));
    let current =
        move || state.with(|s| s.as_ref().map(|s| s.assessment.clone()).unwrap_or_default());
    let category = move || state.with(|s| s.as_ref().map_or(Category::Other, |s| s.category));
    let urgent = move || state.with(|s| s.as_ref().is_some_and(|s| s.urgent));

    let set_urgent = move |value: bool| {
        act(EventBody::Classified {
            category: category(),
            urgent: Some(value),
        })
    };
    let sizes = choices(
        RepairSize::ALL,
        RepairSize::as_str,
        RepairSize::zh,
        RepairSize::en,
    );
    let scopes = choices(
        RepairScope::ALL,
        RepairScope::as_str,
        RepairScope::zh,
        RepairScope::en,
    );
    let validities = choices(Validity::ALL, Validity::as_str, Validity::zh, Validity::en);
    let businesses = choices(
        ComplaintBusiness::of_preset(&preset),
        ComplaintBusiness::as_str,
        ComplaintBusiness::zh,
        ComplaintBusiness::en,
    );
    let on_size = Callback::new(move |v: String| {
        if let Some(size) = RepairSize::parse(&v) {
            assessed(Assessment {
                repair_size: Some(size),
                ..Assessment::default()
            });
        }
    });
    let on_scope = Callback::new(move |v: String| {
        if let Some(scope) = RepairScope::parse(&v) {
            assessed(Assessment {
                scope: Some(scope),
                ..Assessment::default()
            });
        }
    });
    let on_validity = Callback::new(move |v: String| {
        if let Some(validity) = Validity::parse(&v) {
            assessed(Assessment {
                validity: Some(validity),
                ..Assessment::default()
            });
        }
    });
    let on_business = Callback::new(move |v: String| {
        if let Some(business) = ComplaintBusiness::parse(&v) {
            assessed(Assessment {
                business: Some(business),
                ..Assessment::default()
            });
        }
    });
    let people = RwSignal::new(String::new());
    let yuan = RwSignal::new(String::new());
    let save_numbers = Callback::new(move |()| {
        let p = people.get_untracked().trim().parse::<u32>().ok();
        let y = yuan.get_untracked().trim().parse::<u32>().ok();
        if p.is_some() || y.is_some() {
            assessed(Assessment {
                people: p,
                compensation_yuan: y,
                ..Assessment::default()
            });
        }
    });
    let toggle_flag = move |flag: &'static str, on: bool| {
        let mut set = current().flags.unwrap_or_default();
        set.retain(|f| f != flag);
        if on {
            set.push(flag.to_string());
        }
        set.sort();
        assessed(Assessment {
            flags: Some(set),
            ..Assessment::default()
        });
    };
    view! {
        <details class="assessment" data-testid="assessment">
            <summary>{tr("认定(规则依据)", "Assessment (what the rules read)")}</summary>
            <label class="choice">
                <input type="checkbox" prop:checked=urgent disabled=idle
                    on:change=move |ev| set_urgent(event_target_checked(&ev))/>
                {tr("紧急(人工标记,夜间也不顺延)", "Urgent (marked by a person: never waits for the morning)")}
            </label>
            {dynamic(move || (category() == Category::Repair).then(|| {
                let a = current();
                view! {
                    {select("assess-size", tr("维修规模", "Repair size"), sizes, on_size, a.repair_size.map(|v| v.as_str().to_string()))}
                    {select("assess-scope", tr("报修范围", "Repair scope"), scopes, on_scope, a.scope.map(|v| v.as_str().to_string()))}
                }
            }))}
            {dynamic(move || (category() == Category::Complaint).then(|| {
                let a = current();
                view! {
                    {select("assess-validity", tr("投诉有效性", "Complaint validity"), validities, on_validity, a.validity.map(|v| v.as_str().to_string()))}
                    {select("assess-business", tr("投诉业务类别", "Complaint business category"), businesses, on_business, a.business.map(|v| v.as_str().to_string()))}
                }
            }))}
            <div class="row">
                <div class="col">
                    <label for="assess-people">{tr("涉及人数", "People involved")}</label>
                    <input id="assess-people" type="number" min="1" inputmode="numeric"
                        placeholder=move || current().people.map(|p| p.to_string()).unwrap_or_default()
                        prop:value=people on:input=move |ev| people.set(event_target_value(&ev))/>
                </div>
                <div class="col">
                    <label for="assess-yuan">{tr("赔偿金额(元)", "Compensation (yuan)")}</label>
                    <input id="assess-yuan" type="number" min="0" inputmode="numeric"
                        placeholder=move || current().compensation_yuan.map(|p| p.to_string()).unwrap_or_default()
                        prop:value=yuan on:input=move |ev| yuan.set(event_target_value(&ev))/>
                </div>
            </div>
            <div class="actions">{button("button", tr("保存人数与金额", "Save people and amount"), idle, save_numbers)}</div>
            <fieldset class="flags">
                <legend>{tr("标记", "Flags")}</legend>
                {flags::ALL.iter().map(|&(flag, zh, en)| {
                    let on = move || current().flags.is_some_and(|f| f.iter().any(|x| x == flag));
                    view! {
                        <label class="choice">
                            <input type="checkbox" prop:checked=on disabled=idle
                                on:change=move |ev| toggle_flag(flag, event_target_checked(&ev))/>
                            {move || lang.get().pick(zh, en).to_string()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        </details>
    }
}
