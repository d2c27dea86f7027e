//! Any route the app does not know.

use leptos::prelude::*;

use crate::i18n::use_lang;

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="card">
            <h1>{move || lang.get().pick("页面不存在", "Page not found")}</h1>
            <a href="/">{move || lang.get().pick("返回首页", "Back to the start")}</a>
        </section>
    }
}
