//! The language of the UI: zh-CN by default, English when chosen; the choice is remembered on
//! the device and sets `<html lang>`.

use anju_shared::lang::Lang;
use leptos::prelude::*;

const STORAGE_KEY: &str = "anju.lang";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Puts the language signal in context, starting from the remembered choice.
pub(crate) fn provide() {
    let initial = storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or_default();
    let lang = RwSignal::new(initial);
    Effect::new(move |_| {
        let l = lang.get();
        if let Some(s) = storage() {
            let _ = s.set_item(STORAGE_KEY, l.tag());
        }
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", l.tag());
        }
    });
    provide_context(lang);
}

/// The language chosen on this device, read without a reactive context (for messages made
/// in async work, such as a refusal before recording).
#[cfg(feature = "staff")]
pub(crate) fn current() -> Lang {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or_default()
}

pub(crate) fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// A text in the current language. A `Signal` rather than a closure: every text of the UI
/// then has the same type, so Leptos' rendering code is compiled once instead of once per
/// text, which keeps the wasm small.
pub(crate) fn tr(zh: &'static str, en: &'static str) -> Signal<&'static str> {
    let lang = use_lang();
    Signal::derive(move || lang.get().pick(zh, en))
}

/// The button that switches to the other language, labelled in that language.
#[component]
pub(crate) fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    view! {
        <button
            type="button"
            class="lang-switch"
            on:click=move |_| lang.update(|l| *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh })
        >
            {tr("English", "中文")}
        </button>
    }
}
