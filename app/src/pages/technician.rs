//! The technician's part of `/field`: the orders given to them first, then the estate's open
//! repairs and special services (特约服务) nobody has yet, each to accept (接单); and on an order, the appointment agreed with
//! the resident (it becomes the response deadline, D-2; one in the past is refused by the
//! shared arrival check) and the resident's confirmation of the completed work — a finger
//! signature on the tablet, stored like a photo, or "confirmed by phone" with who.

use anju_shared::model::{Category, Role};
use anju_shared::order::{EventBody, OrderState, Status};
use chrono::{NaiveDateTime, TimeZone};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;
use crate::pages::order::order_href;
use crate::pages::widgets::button;
use crate::sync::Engine;

/// Whether the logged-in user works the technician's list.
pub(crate) fn is_technician(engine: Engine) -> bool {
    engine.me.with_untracked(|m| {
        m.as_ref()
            .is_some_and(|m| Role::parse(&m.role) == Some(Role::Technician))
    })
}

/// Mine first (still open), then the open repairs and special services nobody has: what a
/// technician may take.
fn my_work(engine: Engine, orders: &[OrderState]) -> (Vec<OrderState>, Vec<OrderState>) {
    let me = engine
        .me
        .with_untracked(|m| m.as_ref().map(|m| m.id.clone()))
        .unwrap_or_default();
    let open = |o: &&OrderState| o.status < Status::Completed;
    let mine = orders
        .iter()
        .filter(open)
        .filter(|o| o.assignee.as_deref() == Some(me.as_str()))
        .cloned()
        .collect();
    let free = orders
        .iter()
        .filter(open)
        .filter(|o| {
            o.assignee.is_none()
                && matches!(o.category, Category::Repair | Category::SpecialService)
        })
        .cloned()
        .collect();
    (mine, free)
}

/// The technician's two lists, each order with its "accept" where it is not yet theirs.
pub(crate) fn work_lists(engine: Engine, orders: Memo<Vec<OrderState>>) -> impl IntoView {
    let accept = move |id: String| {
        spawn_local(async move {
            let _ = engine.record(&id, EventBody::Accepted).await;
        });
    };
    let row = move |o: OrderState, mine: bool| {
        let id = o.id.clone();
        let href = order_href("/field", &o.id);
        view! {
            <li class="order" class:urgent=o.urgent data-testid=if mine { "tech-mine" } else { "tech-free" }>
                <a class="order-open" href=href>
                    <span class="order-head">
                        <span class="chip">{tr(o.status.zh(), o.status.en())}</span>
                        {o.urgent.then(|| view! { <strong class="chip urgent">{tr("紧急", "Urgent")}</strong> })}
                        <span class="muted">{clock::short(&o.reported_at)}</span>
                    </span>
                    <span class="order-text">{o.text.clone()}</span>
                    <span class="muted">{o.location.clone()}</span>
                </a>
                {(!mine || o.status < Status::InProgress).then(|| button(
                    "button primary",
                    tr("接单", "Accept"),
                    false.into(),
                    Callback::new(move |()| accept(id.clone())),
                ))}
            </li>
        }
        .into_any()
    };
    dynamic(move || {
        let (mine, free) = orders.with(|o| my_work(engine, o));
        view! {
            <h2>{tr("派给我的", "Assigned to me")}</h2>
            {if mine.is_empty() {
                view! { <p class="card muted">{tr("暂无", "None")}</p> }.into_any()
            } else {
                view! { <ul class="inbox">{mine.into_iter().map(|o| row(o, true)).collect_view()}</ul> }.into_any()
            }}
            <h2>{tr("可接的报修", "Open repairs to take")}</h2>
            {if free.is_empty() {
                view! { <p class="card muted">{tr("暂无", "None")}</p> }.into_any()
            } else {
                view! { <ul class="inbox">{free.into_iter().map(|o| row(o, false)).collect_view()}</ul> }.into_any()
            }}
        }
    })
}

/// Standard base64 (as `toDataURL` writes it) to bytes; `None` on anything else.
fn base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n: u32 = 0;
        for (i, c) in chunk.iter().enumerate() {
            n |= u32::from(value(*c)?) << (18 - 6 * i);
        }
        let full = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&full[..chunk.len().saturating_sub(1)]);
    }
    Some(out)
}

fn canvas_context(
    canvas: &web_sys::HtmlCanvasElement,
) -> Option<web_sys::CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// On an order of the field: the appointment and the resident's confirmation.
pub(crate) fn field_actions(
    engine: Engine,
    state: Memo<Option<OrderState>>,
    busy: RwSignal<bool>,
    error: RwSignal<String>,
    act: impl Fn(EventBody) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let status = move || state.with(|s| s.as_ref().map_or(Status::Received, |s| s.status));
    let when = RwSignal::new(String::new());
    let who = RwSignal::new(String::new());
    let signed = RwSignal::new(false);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawing = RwSignal::new(false);

    let appoint = Callback::new(move |()| {
        let l = lang.get_untracked();
        let offset = engine
            .estate()
            .map(|e| clock::parse_offset(&e.utc_offset))
            .unwrap_or_else(anju_shared::calendar::china_offset);
        let parsed = NaiveDateTime::parse_from_str(&when.get_untracked(), "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|t| offset.from_local_datetime(&t).single());
        match parsed {
            Some(at) => act(EventBody::Appointment { at }),
            None => error.set(
                l.pick("时间:请选择日期和时间", "at: choose a date and a time")
                    .into(),
            ),
        }
    });
    let point =
        move |ev: &leptos::ev::PointerEvent| (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
    let down = move |ev: leptos::ev::PointerEvent| {
        if let Some(ctx) = canvas.get_untracked().as_ref().and_then(canvas_context) {
            let (x, y) = point(&ev);
            ctx.begin_path();
            ctx.move_to(x, y);
            drawing.set(true);
        }
    };
    let moved = move |ev: leptos::ev::PointerEvent| {
        if !drawing.get_untracked() {
            return;
        }
        if let Some(ctx) = canvas.get_untracked().as_ref().and_then(canvas_context) {
            let (x, y) = point(&ev);
            ctx.set_line_width(3.0);
            ctx.line_to(x, y);
            ctx.stroke();
            signed.set(true);
        }
    };
    let up = move |_| drawing.set(false);
    let clear = Callback::new(move |()| {
        if let Some(c) = canvas.get_untracked()
            && let Some(ctx) = canvas_context(&c)
        {
            ctx.clear_rect(0.0, 0.0, f64::from(c.width()), f64::from(c.height()));
        }
        signed.set(false);
    });
    // The signature is kept like a photo (named by its content, offline too; the sync
    // uploads it before the confirmation goes out), then recorded as the confirmation.
    let save_signature = Callback::new(move |()| {
        let Some(c) = canvas.get_untracked() else {
            return;
        };
        let Some(bytes) = c
            .to_data_url_with_type("image/png")
            .ok()
            .and_then(|url| url.split_once(',').and_then(|(_, data)| base64(data)))
        else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let kept = engine
                .keep_photo(js_sys::Uint8Array::from(bytes.as_slice()))
                .await;
            busy.set(false);
            match kept {
                Ok(hash) => act(EventBody::Confirmed {
                    signature: Some(hash),
                    who: String::new(),
                }),
                Err(e) => error.set(e),
            }
        });
    });
    let by_phone = Callback::new(move |()| {
        act(EventBody::Confirmed {
            signature: None,
            who: who.get_untracked().trim().to_string(),
        })
    });
    let idle = Signal::derive(move || busy.get());
    let unsigned = Signal::derive(move || busy.get() || !signed.get());
    let confirmed = move || state.with(|s| s.as_ref().and_then(|s| s.confirmation.clone()));
    view! {
        {crate::pages::paid::quote_panel(engine, state, busy, error, act)}
        {dynamic(move || (status() < Status::Completed).then(|| view! {
            <fieldset data-testid="appointment">
                <legend>{tr("预约上门(作为响应时限)", "Appointment (the response deadline)")}</legend>
                <label for="appointment-at">{tr("预约时间", "Appointment time")}</label>
                <input id="appointment-at" type="datetime-local" prop:value=when on:input=move |ev| when.set(event_target_value(&ev))/>
                <div class="actions">{button("button", tr("保存预约", "Save the appointment"), idle, appoint)}</div>
            </fieldset>
        }))}
        <fieldset data-testid="confirmation">
            <legend>{tr("业主确认完工", "The resident confirms the work")}</legend>
            {dynamic(move || confirmed().map(|c| {
                let text = match c.signature {
                    Some(_) => tr("已由业主签名确认", "Signed by the resident"),
                    None => tr("已电话确认", "Confirmed by phone"),
                };
                view! { <p data-testid="confirmed">{text} " " {c.who}</p> }
            }))}
            <p class="muted">{tr("请业主在下方用手指签名", "Ask the resident to sign below with a finger")}</p>
            <canvas node_ref=canvas width="320" height="140" class="signature" aria-label=tr("签名区", "Signature pad")
                on:pointerdown=down on:pointermove=moved on:pointerup=up on:pointerleave=up></canvas>
            <div class="actions">
                {button("button secondary", tr("清除签名", "Clear"), idle, clear)}
                {button("button primary", tr("保存签名", "Save the signature"), unsigned, save_signature)}
            </div>
            <label for="confirm-who">{tr("电话确认人", "Confirmed by phone by")}</label>
            <input id="confirm-who" type="text" autocomplete="off" prop:value=who on:input=move |ev| who.set(event_target_value(&ev))/>
            <div class="actions">{button("button secondary", tr("记录电话确认", "Record the phone confirmation"), idle, by_phone)}</div>
        </fieldset>
    }
}
