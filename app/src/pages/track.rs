//! `/t/{token}`: the resident's tracking page, the link their receipt gives. It shows that one
//! order's progress with personal fields masked, as `GET /api/public/track/{token}` answers;
//! the token is the only key (no account), and the page is served with `no-referrer`, so the
//! link never leaks to another site.

use anju_shared::lang::Lang;
use anju_shared::model::{Category, EventKind};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::i18n::{tr, use_lang};

/// The server's answer (server `routes/orders.rs` `Tracking`), the fields this page shows.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Tracking {
    reference: String,
    estate: String,
    status_zh: String,
    status_en: String,
    category: Category,
    reported_at: String,
    place: String,
    /// The resident's own description, so they recognise their report.
    text: String,
    phone_masked: String,
    /// (event kind, when), oldest first.
    steps: Vec<(String, String)>,
    /// The latest callback's score and the resident's own rating, once given.
    #[serde(default)]
    score: Option<u8>,
    #[serde(default)]
    rating: Option<u8>,
    #[serde(default)]
    may_rate: bool,
}

#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    Ready(Tracking),
    Unknown,
    Offline,
}

/// `2026-11-29T09:30:00+08:00` → `2026-11-29 09:30`: the estate's own time, as the server
/// wrote it (no time-zone arithmetic, and no date formatting code in the resident's wasm).
fn when(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => rfc3339.to_string(),
    }
}

#[component]
pub(crate) fn TrackPage(token: String) -> impl IntoView {
    let order = RwSignal::new(Loaded::Loading);
    let url = format!("/api/public/track/{token}");
    spawn_local(async move {
        order.set(match api::get::<Tracking>(&url).await {
            Ok(t) => Loaded::Ready(t),
            Err(ApiFailure::Status(404 | 400, _)) => Loaded::Unknown,
            Err(_) => Loaded::Offline,
        });
    });
    view! {
        {move || match order.get() {
            Loaded::Loading => view! {
                <section class="card"><p class="muted">{tr("正在加载…", "Loading…")}</p></section>
            }.into_any(),
            Loaded::Unknown => view! {
                <section class="card">
                    <p role="alert" class="error">{tr("找不到这条报事,请检查跟踪链接是否完整。", "No report has this link; please check that the tracking link is complete.")}</p>
                </section>
            }.into_any(),
            Loaded::Offline => view! {
                <section class="card">
                    <p role="alert" class="error">{tr("网络不通,请稍后再试。", "No connection; please try again later.")}</p>
                </section>
            }.into_any(),
            Loaded::Ready(t) => view! { <Progress order=t token=token.clone()/> }.into_any(),
        }}
    }
}

/// Where the rating is asked once the work is completed (1–5 and a comment, once): `report.js`
/// draws the form in the page's language, posts it and shows the server's answer — a few
/// lines of script instead of a form and a request path in the resident's wasm, whose 200 KB
/// budget they would cost. The server runs the one check of a score
/// (`anju_shared::callback::check_score`).
fn rate_form(token: String) -> impl IntoView {
    view! { <div class="rate" data-rate=format!("/api/public/track/{token}/rating") data-testid="rate-form"></div> }
}

#[component]
fn Progress(order: Tracking, token: String) -> impl IntoView {
    let lang = use_lang();
    // Every text either fixed or chosen by language; one row type for all of them keeps the
    // resident's wasm small (each distinct view type is compiled on its own).
    let pick = move |zh: String, en: String| {
        Signal::derive(move || {
            if lang.get() == Lang::Zh {
                zh.clone()
            } else {
                en.clone()
            }
        })
    };
    let fixed = |text: String| pick(text.clone(), text);
    let category = order.category;
    let score_row = |n: Option<u8>| {
        n.map(|n| {
            let (zh, en) = anju_shared::callback::score_label(n);
            pick(format!("{n} · {zh}"), format!("{n} · {en}"))
        })
    };
    let mut rows = vec![
        (
            "track-status",
            tr("状态", "Status"),
            pick(order.status_zh, order.status_en),
        ),
        (
            "track-category",
            tr("类别", "Category"),
            pick(category.zh().into(), category.en().into()),
        ),
        ("track-estate", tr("小区", "Estate"), fixed(order.estate)),
        ("track-place", tr("位置", "Place"), fixed(order.place)),
        (
            "track-text",
            tr("问题描述", "Description"),
            fixed(order.text),
        ),
        (
            "track-phone",
            tr("联系电话", "Phone"),
            fixed(order.phone_masked),
        ),
        (
            "track-reported",
            tr("报事时间", "Reported"),
            fixed(when(&order.reported_at)),
        ),
    ];
    // The callback's score and the resident's own rating, once given: rows like the others
    // (one view type keeps the resident's wasm small).
    if let Some(v) = score_row(order.score) {
        rows.push(("track-score", tr("回访评分", "Callback score"), v));
    }
    if let Some(v) = score_row(order.rating) {
        rows.push(("track-rating", tr("您的评价", "Your rating"), v));
    }
    let may_rate = order.may_rate;
    let rows = rows
        .into_iter()
        .map(|(id, label, value)| view! { <dt>{label}</dt><dd data-testid=id>{value}</dd> })
        .collect::<Vec<_>>();
    let steps = order
        .steps
        .into_iter()
        .map(|(kind, at)| {
            let label = match EventKind::parse(&kind) {
                Some(k) => pick(k.zh().into(), k.en().into()),
                None => fixed(kind),
            };
            view! { <li data-testid="track-step">{label} " " <span class="muted">{when(&at)}</span></li> }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="card track" data-testid="tracking">
            <h1>{tr("报事进度", "Report progress")}</h1>
            <p>{tr("受理编号", "Reference")}</p>
            <p class="reference">{order.reference}</p>
            <dl>{rows}</dl>
            <ol class="steps">{steps}</ol>
            {may_rate.then(|| rate_form(token))}
        </section>
    }
}
