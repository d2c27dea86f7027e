//! The administrator's webhooks, a part of `/admin`: register an HTTPS endpoint for kinds of
//! events (the secret is shown once, right after), enable or disable it, rotate its secret,
//! delete it; and each webhook's delivery log — status, attempts, the last HTTP status or
//! error, the next attempt — with "send again". The server checks every URL (https, no private
//! or loopback address) and names the refused field; this part puts it under that field.

use anju_shared::lang::Lang;
use anju_shared::webhook::HookKind;
use anju_shared::wire::{
    CreatedWebhook, Delivery, NewWebhook, RotatedSecret, Webhook as Hook, WebhookChange,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::admin::{Problem, field_input, field_note, form_note, tick};
use crate::pages::widgets::button;

/// `03-10 09:30` of a moment in ms, in the device's time zone; `—` for none.
fn when(ms: i64) -> String {
    if ms <= 0 {
        return "—".into();
    }
    let d = js_sys::Date::new(&(ms as f64).into());
    format!(
        "{:02}-{:02} {:02}:{:02}",
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

fn kind_label(l: Lang, kind: &str) -> String {
    HookKind::parse(kind).map_or_else(|| kind.to_string(), |k| l.pick(k.zh(), k.en()).to_string())
}

fn status_label(l: Lang, status: &str) -> &'static str {
    match status {
        "delivered" => l.pick("已送达", "Delivered"),
        "failed" => l.pick("已放弃", "Given up"),
        _ => l.pick("等待重试", "Waiting"),
    }
}

/// The webhooks part of the admin page; `estates` are the company's (id, name), for the
/// optional choice of estates a webhook hears about.
pub(crate) fn webhooks_section(
    estates: Signal<Vec<(String, String)>>,
    logged_out: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let hooks = RwSignal::new(None::<Vec<Hook>>);
    let problem = RwSignal::new(None::<Problem>);
    let list_problem = RwSignal::new(None::<Problem>);
    // The secret just made, with the webhook's URL: shown once, until dismissed.
    let secret = RwSignal::new(None::<(String, String)>);
    let open_log = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let fail = move |into: RwSignal<Option<Problem>>, f: ApiFailure| {
        if matches!(f, ApiFailure::Status(401, _)) {
            logged_out.run(());
        } else {
            into.set(Some(Problem::from_failure(f)));
        }
    };
    let reload = Callback::new(move |()| {
        spawn_local(async move {
            match api::get::<Vec<Hook>>("/api/admin/webhooks").await {
                Ok(list) => {
                    // What failed before is past once the list reads again.
                    list_problem.set(None);
                    hooks.set(Some(list));
                }
                Err(f) => fail(list_problem, f),
            }
        });
    });
    reload.run(());

    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let kinds = RwSignal::new(vec![HookKind::OrderEscalated.as_str().to_string()]);
    let chosen_estates = RwSignal::new(Vec::<String>::new());
    let create = Callback::new(move |()| {
        problem.set(None);
        let body = NewWebhook {
            name: name.get_untracked(),
            url: url.get_untracked(),
            kinds: kinds.get_untracked(),
            estate_ids: chosen_estates.get_untracked(),
            enabled: true,
        };
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, CreatedWebhook>("/api/admin/webhooks", &body).await {
                Ok(created) => {
                    secret.set(Some((created.webhook.url, created.secret)));
                    name.set(String::new());
                    url.set(String::new());
                    reload.run(());
                }
                Err(f) => fail(problem, f),
            }
            busy.set(false);
        });
    });
    let busy_now = Signal::derive(move || busy.get());

    let kind_choices = HookKind::ALL
        .iter()
        .map(|k| {
            let label = text(move || lang.get().pick(k.zh(), k.en()).to_string());
            view! {
                <label class="choice">
                    {tick(k.as_str().to_string(), kinds)}
                    <span>{label} <code class="muted">{k.as_str()}</code></span>
                </label>
            }
            .into_any()
        })
        .collect_view();
    let estate_choices = dynamic(move || {
        estates
            .get()
            .into_iter()
            .map(|(id, name)| {
                view! { <label class="choice">{tick(id, chosen_estates)}{name}</label> }.into_any()
            })
            .collect_view()
    });
    let list = dynamic(move || {
        match hooks.get() {
        None => view! { <p class="muted">"…"</p> }.into_any(),
        Some(list) if list.is_empty() => view! {
            <p class="muted" data-testid="no-webhooks">{tr("还没有 webhook。", "No webhooks yet.")}</p>
        }
        .into_any(),
        Some(list) => {
            let items = list
                .into_iter()
                .map(|h| hook_item(h, estates, open_log, secret, list_problem, reload, logged_out).into_any())
                .collect_view();
            view! { <ul class="webhook-list" data-testid="webhook-list">{items}</ul> }.into_any()
        }
    }
    });
    let secret_view = dynamic(move || {
        secret.get().map(|(for_url, value)| {
            let dismiss = Callback::new(move |()| secret.set(None));
            view! {
                <div class="notice secret" role="status" data-testid="webhook-secret">
                    <p>{tr(
                        "签名密钥只显示这一次,请现在复制到接收方(如短信网关)的配置中:",
                        "The signing secret is shown this once: copy it into the receiver's settings (e.g. the SMS gateway) now:",
                    )}</p>
                    <p class="muted">{for_url}</p>
                    <code data-testid="webhook-secret-value">{value}</code>
                    <div class="actions">{button("button", tr("已复制", "Copied"), Signal::stored(false), dismiss)}</div>
                </div>
            }
            .into_any()
        })
    });
    let list_error = text(move || {
        list_problem.with(|p| p.as_ref().map(|p| p.text(lang.get())).unwrap_or_default())
    });

    view! {
        <section class="card form webhooks" data-testid="webhooks">
            <h2>{tr("Webhook(推送到短信、企业微信等)", "Webhooks (to SMS, WeCom and other gateways)")}</h2>
            <p class="muted">{tr(
                "选定的事件发生时,服务器向这里登记的 HTTPS 地址发送带签名的 JSON(只含编号、类别、小区和级别,不含业主姓名或电话);失败时按 1、2、4…分钟(最多 1 小时)重试至少 24 小时。签名的校验方法见 README。",
                "When a chosen event happens, the server POSTs signed JSON (ids, category, estate and level only: no resident's name or phone) to the HTTPS address registered here; a failure is retried after 1, 2, 4… minutes (at most an hour) for at least 24 hours. The README says how to verify the signature.",
            )}</p>
            {secret_view}
            <p role="alert" class="error">{list_error}</p>
            {list}
            <h3>{tr("新增 webhook", "New webhook")}</h3>
            <div data-testid="new-webhook">
                {form_note(&["name", "url", "kinds", "estate_ids"], problem)}
                {field_input("webhook-name", tr("名称(可选)", "Name (optional)"), "text", name, "name", problem)}
                {field_input("webhook-url", tr("接收地址(https://…)", "Receiver URL (https://…)"), "url", url, "url", problem)}
                <fieldset class="choices" id="webhook-kinds" aria-describedby="webhook-kinds-error">
                    <legend>{tr("推送的事件", "Events to send")}</legend>
                    {kind_choices}
                </fieldset>
                {field_note("webhook-kinds-error".into(), "kinds", problem)}
                <fieldset class="choices" id="webhook-estates" aria-describedby="webhook-estates-error">
                    <legend>{tr("只推送这些小区(不选即全部)", "Only these estates (none ticked: all)")}</legend>
                    {estate_choices}
                </fieldset>
                {field_note("webhook-estates-error".into(), "estate_ids", problem)}
                <div class="actions">{button("button primary", tr("添加 webhook", "Add webhook"), busy_now, create)}</div>
            </div>
        </section>
    }
}

fn hook_item(
    h: Hook,
    estates: Signal<Vec<(String, String)>>,
    open_log: RwSignal<Option<String>>,
    secret: RwSignal<Option<(String, String)>>,
    problem: RwSignal<Option<Problem>>,
    reload: Callback<()>,
    logged_out: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let fail = move |f: ApiFailure| {
        if matches!(f, ApiFailure::Status(401, _)) {
            logged_out.run(());
        } else {
            problem.set(Some(Problem::from_failure(f)));
        }
    };
    let id = StoredValue::new(h.id.clone());
    let hook_url = StoredValue::new(h.url.clone());
    let enabled = h.enabled;
    let toggle = Callback::new(move |()| {
        let url = format!("/api/admin/webhooks/{}", id.get_value());
        spawn_local(async move {
            match api::patch::<_, serde_json::Value>(
                &url,
                &WebhookChange {
                    enabled: Some(!enabled),
                    ..WebhookChange::default()
                },
            )
            .await
            {
                Ok(_) => reload.run(()),
                Err(f) => fail(f),
            }
        });
    });
    let rotate = Callback::new(move |()| {
        let url = format!("/api/admin/webhooks/{}/secret", id.get_value());
        spawn_local(async move {
            match api::post::<_, RotatedSecret>(&url, &serde_json::json!({})).await {
                Ok(s) => secret.set(Some((hook_url.get_value(), s.secret))),
                Err(f) => fail(f),
            }
        });
    });
    let confirming = RwSignal::new(false);
    let ask = Callback::new(move |()| confirming.set(true));
    let cancel = Callback::new(move |()| confirming.set(false));
    let remove = Callback::new(move |()| {
        let url = format!("/api/admin/webhooks/{}", id.get_value());
        spawn_local(async move {
            match api::delete::<serde_json::Value>(&url).await {
                Ok(_) => reload.run(()),
                Err(f) => fail(f),
            }
        });
    });
    let show_log = Callback::new(move |()| {
        open_log.update(|o| {
            *o = if o.as_deref() == Some(id.get_value().as_str()) {
                None
            } else {
                Some(id.get_value())
            }
        })
    });
    let kinds = h.kinds.clone();
    let kinds_text = text(move || {
        let l = lang.get();
        kinds
            .iter()
            .map(|k| kind_label(l, k))
            .collect::<Vec<_>>()
            .join(l.pick("、", ", "))
    });
    let only = h.estate_ids.clone();
    let estates_text = text(move || {
        let l = lang.get();
        if only.is_empty() {
            return l.pick("全部小区", "every estate").to_string();
        }
        estates.with(|known| {
            only.iter()
                .map(|id| {
                    known
                        .iter()
                        .find(|(e, _)| e == id)
                        .map_or(id.as_str(), |(_, n)| n.as_str())
                })
                .collect::<Vec<_>>()
                .join(l.pick("、", ", "))
        })
    });
    let (pending, delivered, failed) = (h.pending, h.delivered, h.failed);
    let counts = text(move || match lang.get() {
        Lang::Zh => format!("已送达 {delivered} · 等待 {pending} · 已放弃 {failed}"),
        Lang::En => format!("{delivered} delivered · {pending} waiting · {failed} given up"),
    });
    let title = if h.name.is_empty() {
        h.url.clone()
    } else {
        h.name.clone()
    };
    let is_open =
        Signal::derive(move || open_log.with(|o| o.as_deref() == Some(id.get_value().as_str())));
    view! {
        <li class="webhook-item" class:disabled=!enabled data-testid="webhook-row" data-url=h.url.clone()>
            <div class="staff-head">
                <strong>{title}</strong>
                {(!enabled).then(|| view! { <span class="chip off">{tr("已停用", "Disabled")}</span> }.into_any())}
            </div>
            <p class="muted"><code>{h.url.clone()}</code></p>
            <p class="muted">{kinds_text} " · " {estates_text}</p>
            <p class="muted" data-testid="webhook-counts">{counts}</p>
            <div class="actions">
                {button("button", tr("投递记录", "Delivery log"), Signal::stored(false), show_log)}
                {button("button", if enabled { tr("停用", "Disable") } else { tr("启用", "Enable") }, Signal::stored(false), toggle)}
                {button("button", tr("更换密钥", "New secret"), Signal::stored(false), rotate)}
                {button("button danger", tr("删除", "Delete"), Signal::stored(false), ask)}
            </div>
            {dynamic(move || confirming.get().then(|| view! {
                <div class="confirm" role="alertdialog" data-testid="webhook-delete-confirm">
                    <p>{tr("删除此 webhook 及其投递记录?", "Delete this webhook and its delivery log?")}</p>
                    <div class="actions">
                        {button("button danger", tr("确认删除", "Delete"), Signal::stored(false), remove)}
                        {button("button", tr("取消", "Cancel"), Signal::stored(false), cancel)}
                    </div>
                </div>
            }.into_any()))}
            {dynamic(move || is_open.get().then(|| delivery_log(id.get_value(), problem, logged_out).into_any()))}
        </li>
    }
}

/// The newest deliveries of one webhook, each with "send again".
fn delivery_log(
    hook_id: String,
    problem: RwSignal<Option<Problem>>,
    logged_out: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let rows = RwSignal::new(None::<Vec<Delivery>>);
    let hook = StoredValue::new(hook_id);
    let load = Callback::new(move |()| {
        let url = format!("/api/admin/webhooks/{}/deliveries", hook.get_value());
        spawn_local(async move {
            match api::get::<Vec<Delivery>>(&url).await {
                Ok(list) => rows.set(Some(list)),
                Err(ApiFailure::Status(401, _)) => logged_out.run(()),
                Err(f) => problem.set(Some(Problem::from_failure(f))),
            }
        });
    });
    load.run(());
    let sent_again = RwSignal::new(None::<String>);
    let body = dynamic(move || match rows.get() {
        None => view! { <p class="muted">"…"</p> }.into_any(),
        Some(list) if list.is_empty() => view! {
            <p class="muted">{tr("还没有投递。", "Nothing delivered yet.")}</p>
        }
        .into_any(),
        Some(list) => {
            let items = list
                .into_iter()
                .map(|d| {
                    let again = {
                        let id = d.id.clone();
                        Callback::new(move |()| {
                            let url = format!(
                                "/api/admin/webhooks/{}/deliveries/{}/retry",
                                hook.get_value(),
                                id
                            );
                            let id = id.clone();
                            spawn_local(async move {
                                match api::post::<_, serde_json::Value>(&url, &serde_json::json!({})).await {
                                    Ok(_) => {
                                        sent_again.set(Some(id));
                                        load.run(());
                                    }
                                    Err(ApiFailure::Status(401, _)) => logged_out.run(()),
                                    Err(f) => problem.set(Some(Problem::from_failure(f))),
                                }
                            });
                        })
                    };
                    let d2 = d.clone();
                    let line = text(move || {
                        let l = lang.get();
                        let last = if d2.last_ms == 0 {
                            l.pick("尚未发送", "not sent yet").to_string()
                        } else if d2.last_status > 0 && d2.last_error.is_empty() {
                            format!("HTTP {}", d2.last_status)
                        } else {
                            d2.last_error.clone()
                        };
                        let next = if d2.status == "pending" {
                            format!(" · {}{}", l.pick("下次 ", "next "), when(d2.next_ms))
                        } else {
                            String::new()
                        };
                        let attempted = if d2.last_ms == 0 {
                            String::new()
                        } else {
                            format!(" · {}", when(d2.last_ms))
                        };
                        format!(
                            "{} · {} {} · {last}{attempted}{next}",
                            status_label(l, &d2.status),
                            d2.attempts,
                            l.pick("次", if d2.attempts == 1 { "attempt" } else { "attempts" }),
                        )
                    });
                    let kind = d.kind.clone();
                    let kind_text = text(move || kind_label(lang.get(), &kind));
                    view! {
                        <li class="delivery" data-testid="delivery" data-status=d.status.clone()>
                            <strong>{format!("{} {}", d.estate_name, d.reference).trim().to_string()}</strong> " " {kind_text}
                            " " <span class="muted">{when(d.created_ms)}</span>
                            <br/><span data-testid="delivery-line">{line}</span>
                            {button("button small", tr("重新发送", "Send again"), Signal::stored(false), again)}
                        </li>
                    }
                    .into_any()
                })
                .collect_view();
            view! { <ul class="delivery-log" data-testid="delivery-log">{items}</ul> }.into_any()
        }
    });
    view! {
        <div class="deliveries">
            {dynamic(move || sent_again.get().is_some().then(|| view! {
                <p role="status" class="notice" data-testid="sent-again">
                    {tr("已安排立即重新发送。", "Queued to be sent again now.")}
                </p>
            }.into_any()))}
            {body}
        </div>
    }
}
