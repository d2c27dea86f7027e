//! Anju's single-page app: mounts the router; every surface lives in `pages/`.

// Leptos' `#[component]` expands to `pub` items whatever the function's visibility.
#![allow(unreachable_pub)]

mod api;
mod clock;
mod i18n;
mod lean;
mod pages;
mod store;
mod sync;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::i18n::{LangSwitch, tr};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    i18n::provide();
    sync::provide();
    view! {
        <Router>
            <header class="topbar">
                <a class="brand" href="/">{tr("安居", "Anju")}</a>
                <LangSwitch/>
            </header>
            <main class="page">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home/>
                    <Route path=path!("/r/:slug") view=pages::report::ReportPage/>
                    <Route path=path!("/desk") view=pages::desk::DeskPage/>
                    <Route path=path!("/field") view=pages::field::FieldPage/>
                    <Route path=path!("/manage") view=pages::manage::ManagePage/>
                </Routes>
            </main>
        </Router>
    }
}
