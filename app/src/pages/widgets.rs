//! Form controls the pages share. Each is one compiled view type however often it is used
//! (Leptos compiles its rendering code per view type), so screens built from these stay
//! small in the wasm; handlers and texts come in as `Callback`s and `Signal`s for the same
//! reason.

use leptos::prelude::*;

use crate::i18n::tr;
use crate::lean::dynamic;

/// A button that runs `on` when tapped.
pub(crate) fn button(
    class: &'static str,
    label: Signal<&'static str>,
    disabled: Signal<bool>,
    on: Callback<()>,
) -> impl IntoView {
    view! {
        <button type="button" class=class disabled=disabled on:click=move |_| on.run(())>{label}</button>
    }
}

/// A labelled `<select>` of `(value, text)` choices after a "choose" placeholder, `selected`
/// chosen (the value in force, so a saved choice does not read "choose" again); `on_change`
/// gets the chosen value.
pub(crate) fn select(
    id: &'static str,
    label: Signal<&'static str>,
    choices: Signal<Vec<(String, String)>>,
    on_change: Callback<String>,
    selected: Option<String>,
) -> impl IntoView {
    let selected = StoredValue::new(selected);
    view! {
        <label for=id>{label}</label>
        <select id=id on:change=move |ev| on_change.run(event_target_value(&ev))>
            <option value="">{tr("请选择", "Choose")}</option>
            {dynamic(move || {
                choices
                    .get()
                    .into_iter()
                    .map(|(value, text)| {
                        let chosen = selected.with_value(|s| s.as_deref() == Some(value.as_str()));
                        view! { <option value=value selected=chosen>{text}</option> }
                    })
                    .collect_view()
            })}
        </select>
    }
}

/// A labelled multi-line text field bound to `value`.
pub(crate) fn text_area(
    id: &'static str,
    label: Signal<&'static str>,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <textarea id=id rows="3" prop:value=value on:input=move |ev| value.set(event_target_value(&ev))></textarea>
    }
}
