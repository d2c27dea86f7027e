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
    // Staff report what their console says; a resident's phone saves the hook's code.
    #[cfg(feature = "staff")]
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

/// The resident's pages, both served as `report.html`: the form (`/r/{estate}`) and the
/// tracking page its receipt links to (`/t/{token}`). Two pages, so no router, and no
/// offline store.
#[cfg(not(feature = "staff"))]
#[component]
fn Resident() -> impl IntoView {
    i18n::provide();
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    view! {
        <TopBar/>
        <main class="page">
            {match path.strip_prefix("/t/") {
                Some(token) => view! { <pages::track::TrackPage token=token.to_string()/> }.into_any(),
                None => view! { <pages::report::ReportPage/> }.into_any(),
            }}
        </main>
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
                    <Route path=path!("/admin") view=pages::admin::AdminPage/>
                </Routes>
            </main>
        </Router>
    }
}
