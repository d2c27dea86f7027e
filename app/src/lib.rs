//! Anju's single-page apps: the staff app (router over every surface in `pages/`) and, built
//! with `--no-default-features`, the resident form on its own.

// Leptos' `#[component]` expands to `pub` items whatever the function's visibility.
#![allow(unreachable_pub)]

mod api;
#[cfg(feature = "staff")]
mod clock;
mod i18n;
#[cfg(feature = "staff")]
mod lean;
mod pages;
#[cfg(feature = "staff")]
mod store;
#[cfg(feature = "staff")]
mod sync;

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::i18n::{LangSwitch, tr};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "staff")]
    leptos::mount::mount_to_body(App);
    #[cfg(not(feature = "staff"))]
    leptos::mount::mount_to_body(Resident);
}

/// The bar on top of every page: the name and the language switch.
#[component]
fn TopBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">{tr("安居", "Anju")}</a>
            <LangSwitch/>
        </header>
    }
}

/// The resident form (`/r/{estate}`, served as `report.html`): one page, no router, no
/// offline store.
#[cfg(not(feature = "staff"))]
#[component]
fn Resident() -> impl IntoView {
    i18n::provide();
    view! {
        <TopBar/>
        <main class="page"><pages::report::ReportPage/></main>
    }
}

/// The staff app. `/r/{estate}` is not among its routes: the server answers it with the
/// resident form's own page.
#[cfg(feature = "staff")]
#[component]
fn App() -> impl IntoView {
    use leptos_router::components::{Route, Router, Routes};
    use leptos_router::path;

    i18n::provide();
    sync::provide();
    view! {
        <Router>
            <TopBar/>
            <main class="page">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home/>
                    <Route path=path!("/desk") view=pages::desk::DeskPage/>
                    <Route path=path!("/field") view=pages::field::FieldPage/>
                    <Route path=path!("/manage") view=pages::manage::ManagePage/>
                </Routes>
            </main>
        </Router>
    }
}
