//! The desk's callbacks (回访): the queue at `/desk/callbacks` — the callbacks due, soonest
//! first, one resident's calls together, the call enabled only inside the estate's callback
//! hours (D-7) and otherwise the time the window opens — and the callback form of the order
//! screen: the score with its meaning, "is the problem solved?", and outside the hours the
//! emergency's reason the server requires. Everything is decided by `anju_shared::callback`,
//! the functions the server runs on the same events.

use anju_shared::calendar::Calendar;
use anju_shared::callback::{self, Due, Window};
use anju_shared::lang::Lang;
use anju_shared::order::{EventBody, OrderState, Rating};
use anju_shared::policy::Policy;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use leptos::prelude::*;

use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::order::{Countdown, order_href};
use crate::pages::widgets::{button, select, text_area};
use crate::sync::Engine;

/// A score with its meaning (§4): `4 · 基本满意`.
pub(crate) fn score_text(score: u8, lang: Lang) -> String {
    let (zh, en) = callback::score_label(score);
    format!("{score} · {}", lang.pick(zh, en))
}

/// The resident's own rating as the desk reads it beside the callback.
pub(crate) fn rating_text(r: &Rating, lang: Lang) -> String {
    let mut t = format!(
        "{}{}",
        lang.pick("业主评价 ", "Resident's rating "),
        score_text(r.score, lang)
    );
    if !r.comment.is_empty() {
        t += &format!(" · {}", r.comment);
    }
    t
}

fn at_ms(ms: i64, offset: FixedOffset) -> DateTime<FixedOffset> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .with_timezone(&offset)
}

/// `14:00`, or `03-11 10:00` when the window opens on another day.
fn opens_text(opens: &DateTime<FixedOffset>, now: &DateTime<FixedOffset>) -> String {
    let full = clock::short(opens);
    if opens.date_naive() == now.date_naive() {
        full[6..].to_string()
    } else {
        full
    }
}

/// The window at `now_ms` in words: `回访时段内(至 21:00)`, `现在不可回访:14:00 开放`.
fn window_text(policy: &Policy, cal: &Calendar, now_ms: i64, lang: Lang) -> (bool, String) {
    let now = at_ms(now_ms, cal.utc_offset);
    match callback::window(policy, cal, now) {
        Window::Open { until } => (
            true,
            match lang {
                Lang::Zh => format!("回访时段内(至 {})", opens_text(&until, &now)),
                Lang::En => format!(
                    "Inside the callback hours (until {})",
                    opens_text(&until, &now)
                ),
            },
        ),
        Window::Closed { opens } => (
            false,
            match lang {
                Lang::Zh => format!("现在不可回访:{} 开放", opens_text(&opens, &now)),
                Lang::En => format!(
                    "No calls now: the window opens at {}",
                    opens_text(&opens, &now)
                ),
            },
        ),
    }
}

/// The callback form: the score, whether the problem is solved, and — outside the callback
/// hours — the emergency that justifies calling now. The button is enabled only when the
/// call may be recorded; a failing callback (score ≤ 2 or not solved) reopens the order.
pub(crate) fn callback_form(
    engine: Engine,
    busy: RwSignal<bool>,
    act: impl Fn(EventBody) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let now_ms = clock::ticking_now_ms();
    let rules = StoredValue::new(engine.estate().and_then(|e| e.rules().ok()));
    let score = RwSignal::new(None::<u8>);
    let solved = RwSignal::new(None::<bool>);
    let reason = RwSignal::new(String::new());
    let window = Memo::new(move |_| {
        let (ms, l) = (now_ms.get(), lang.get());
        rules.with_value(|r| r.as_ref().map(|(p, c)| window_text(p, c, ms, l)))
    });
    let open = move || window.with(|w| w.as_ref().is_some_and(|(open, _)| *open));
    let scores = Signal::derive(move || {
        let lang = lang.get();
        (1..=5)
            .rev()
            .map(|n| (n.to_string(), score_text(n, lang)))
            .collect::<Vec<_>>()
    });
    let cannot = Signal::derive(move || {
        busy.get() || score.get().is_none() || (!open() && reason.with(|r| r.trim().is_empty()))
    });
    let record = Callback::new(move |()| {
        let Some(n) = score.get_untracked() else {
            return;
        };
        let why = reason.get_untracked().trim().to_string();
        act(EventBody::CalledBack {
            score: n,
            solved: solved.get_untracked(),
            override_reason: (!open() && !why.is_empty()).then_some(why),
        });
        score.set(None);
        solved.set(None);
        reason.set(String::new());
    });
    let radio = move |value: bool, label: Signal<&'static str>| {
        view! {
            <label class="choice">
                <input type="radio" name="callback-solved"
                    prop:checked=move || solved.get() == Some(value)
                    on:change=move |_| solved.set(Some(value))/>
                {label}
            </label>
        }
    };
    view! {
        <fieldset class="callback" data-testid="callback-form">
            <legend>{tr("回访", "Callback")}</legend>
            <p data-testid="callback-window" class:muted=open class:error=move || !open()>
                {move || window.get().map(|(_, t)| t).unwrap_or_default()}
            </p>
            {select("desk-callback", tr("回访评分", "Callback score"), scores, Callback::new(move |v: String| score.set(v.parse().ok())), None)}
            <div role="radiogroup" aria-label=tr("问题是否已解决?", "Is the problem solved?")>
                <span>{tr("问题是否已解决?", "Is the problem solved?")}</span>
                {radio(true, tr("已解决", "Solved"))}
                {radio(false, tr("未解决", "Not solved"))}
            </div>
            {dynamic(move || (!open()).then(|| text_area("callback-override", tr("紧急回访原因(时段外必填)", "Emergency reason (required outside the hours)"), reason)))}
            <p class="muted">{tr("评分 2 分及以下或问题未解决:工单立即重新打开,返修后 24 小时内专项回访。", "A score of 2 or less, or not solved: the order reopens at once, with a special callback within 24 h of the re-repair.")}</p>
            <div class="actions">
                {button("button primary", tr("记录回访", "Record the callback"), cannot, record)}
            </div>
        </fieldset>
    }
}

/// `/desk/callbacks`: the callbacks due in the estate, soonest first, one resident's together.
pub(crate) fn callback_queue(
    engine: Engine,
    orders: Memo<Vec<OrderState>>,
    references: Signal<std::collections::BTreeMap<String, String>>,
) -> impl IntoView {
    let lang = use_lang();
    let now_ms = clock::ticking_now_ms();
    // The queue changes by the minute, not by the second's tick.
    let minute = Memo::new(move |_| now_ms.get() / 60_000);
    let rules = Memo::new(move |_| {
        let estate = engine.current()?;
        let (policy, calendar) = estate.rules().ok()?;
        Some((estate.id, policy, calendar))
    });
    let due = Memo::new(move |_| {
        let m = minute.get();
        rules.with(|r| {
            let Some((estate, policy, calendar)) = r else {
                return Vec::new();
            };
            let now = at_ms(m * 60_000, calendar.utc_offset);
            orders.with(|o| callback::queue(policy, calendar, estate, o, now))
        })
    });
    let window = Memo::new(move |_| {
        let (ms, l) = (now_ms.get(), lang.get());
        rules.with(|r| r.as_ref().map(|(_, p, c)| window_text(p, c, ms, l)))
    });
    let open = Signal::derive(move || window.with(|w| w.as_ref().is_some_and(|(open, _)| *open)));
    let row = move |d: Due| {
        let order = orders.with_untracked(|o| o.iter().find(|s| s.id == d.order_id).cloned());
        let reference = references
            .with_untracked(|r| r.get(&d.order_id).cloned())
            .unwrap_or_else(|| "—".into());
        let href = StoredValue::new(order_href("/desk", &d.order_id));
        let words = order.as_ref().map(|o| o.text.clone()).unwrap_or_default();
        let rating = order
            .and_then(|o| o.rating)
            .map(|r| text(move || rating_text(&r, lang.get())));
        let reason = d.reason;
        let shown = reference.clone();
        let call = text(move || match lang.get() {
            Lang::Zh => format!("回访 {shown}"),
            Lang::En => format!("Call back {shown}"),
        });
        let emergency = text(move || match lang.get() {
            Lang::Zh => format!("紧急回访 {reference}(须填原因)"),
            Lang::En => format!("Emergency call {reference} (reason required)"),
        });
        // Inside the hours the call is a link to the order's callback form; outside them a
        // disabled button, and the emergency's way in beside it.
        let action = move || {
            if open.get() {
                view! { <a class="button primary" href=href.get_value() aria-label=call>{tr("回访", "Call back")}</a> }.into_any()
            } else {
                view! {
                    <button type="button" class="button primary" disabled=true aria-label=call>{tr("回访", "Call back")}</button>
                    <a class="button secondary" href=href.get_value() aria-label=emergency>{tr("紧急回访", "Emergency call")}</a>
                }
                .into_any()
            }
        };
        view! {
            <li class="order" data-testid="callback-row">
                <div class="order-head">
                    <span class="reference">{references.with_untracked(|r| r.get(&d.order_id).cloned()).unwrap_or_default()}</span>
                    <strong class="chip">{tr(reason.zh(), reason.en())}</strong>
                    <span class="muted">{d.person.clone()}</span>
                </div>
                <p class="order-text">{words}</p>
                {rating.map(|r| view! { <p data-testid="callback-rating">{r}</p> })}
                <div class="deadlines"><Countdown deadline=d.deadline.clone() now_ms=now_ms/></div>
                <p data-testid="callback-window" class:muted=move || open.get() class:error=move || !open.get()>
                    {move || window.get().map(|(_, t)| t).unwrap_or_default()}
                </p>
                <div class="actions">{action}</div>
            </li>
        }
    };
    view! {
        <section class="callbacks" aria-label=tr("回访队列", "Callback queue")>
            <h2>{tr("回访队列", "Callback queue")}</h2>
            {move || {
                let list = due.get();
                if list.is_empty() {
                    return view! { <p class="card muted">{tr("暂无待回访", "No callbacks due")}</p> }.into_any();
                }
                view! { <ul class="inbox">{list.into_iter().map(row).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}
