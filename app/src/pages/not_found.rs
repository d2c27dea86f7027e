//! Any route the app does not know.

use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>{tr("页面不存在", "Page not found")}</h1>
            <a href="/">{tr("返回首页", "Back to the start")}</a>
        </section>
    }
}
