//! Helpers that keep the wasm small. Rust compiles generic code once per type it is used
//! with: Leptos' rendering once per view type (and every `move || view! {…}` closure is a
//! type of its own), the standard library's sort once per element type *and* comparator.
//! These helpers put such code behind one type, so it is compiled once for the whole app.

use std::cmp::Ordering;

use leptos::prelude::*;

/// A part of a view rebuilt whenever the signals `f` reads change. Equivalent to writing
/// `move || f()` as a child, but every use shares one compiled type.
pub(crate) fn dynamic<F, V>(f: F) -> impl IntoView
where
    F: Fn() -> V + Send + Sync + 'static,
    V: RenderHtml + Send + 'static,
{
    erased(ViewFn::from(f))
}

fn erased(f: ViewFn) -> impl IntoView {
    move || f.run()
}

/// A text computed from signals, as one shared type (see [`dynamic`]).
pub(crate) fn text(f: impl Fn() -> String + Send + Sync + 'static) -> Signal<String> {
    Signal::derive(f)
}

/// The indices `0..n` in the order `cmp` gives (stable). The one sort the app compiles.
pub(crate) fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..n).collect();
    indices.sort_by(|a, b| cmp(*a, *b));
    indices
}

/// Sorts `items` by `cmp` (stable), through [`sorted_indices`].
pub(crate) fn sort_by<T>(items: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_indices(items.len(), &|a, b| cmp(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}
