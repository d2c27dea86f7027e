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

use crate::i18n::LangSwitch;
#[cfg(not(feature = "staff"))]
use crate::i18n::tr;

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

/// The bar on top of the resident's pages: the name (not a link: the start page is the
/// staff's) and the language switch.
#[cfg(not(feature = "staff"))]
#[component]
fn TopBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <span class="brand">{tr("安居", "Anju")}</span>
            <LangSwitch/>
        </header>
    }
}

/// The bar on top of every staff page: the name (to the start page), the menu of the
/// surfaces the user may use, and the language switch.
#[cfg(feature = "staff")]
#[component]
fn StaffBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <pages::nav::Brand/>
            <pages::nav::SurfaceMenu/>
            <pages::nav::EstatePicker/>
            <pages::bell::Bell/>
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
    use leptos_router::components::{ParentRoute, Route, Router, Routes};
    use leptos_router::path;

    i18n::provide();
    // The picked estate before the engine: the engine works in it.
    pages::nav::provide_chosen();
    sync::provide();
    pages::nav::provide();
    // The desk and the field app are parents of their orders' addresses: going from the
    // list to an order and back keeps the page (its session, inbox and filters) mounted,
    // and each page reads which order is open from the address itself.
    view! {
        <Router>
            <StaffBar/>
            <main class="page">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home/>
                    <ParentRoute path=path!("/desk") view=pages::desk::DeskPage>
                        <Route path=path!("") view=|| ()/>
                        <Route path=path!("callbacks") view=|| ()/>
                        <Route path=path!("new") view=|| ()/>
                        <Route path=path!("supervise") view=|| ()/>
                        <Route path=path!("orders/:id") view=|| ()/>
                        <Route path=path!("orders/:id/special-report") view=|| ()/>
                    </ParentRoute>
                    <ParentRoute path=path!("/field") view=pages::field::FieldPage>
                        <Route path=path!("") view=|| ()/>
                        <Route path=path!("orders/:id") view=|| ()/>
                        <Route path=path!("visit") view=|| ()/>
                        <Route path=path!("round") view=|| ()/>
                        <Route path=path!("patrol") view=|| ()/>
                        <Route path=path!("patrol/:round") view=|| ()/>
                    </ParentRoute>
                    <ParentRoute path=path!("/manage") view=pages::manage::ManagePage>
                        <Route path=path!("") view=|| ()/>
                        <Route path=path!("rules") view=|| ()/>
                        <Route path=path!("prices") view=|| ()/>
                        <Route path=path!("billing") view=|| ()/>
                        <Route path=path!("kpi") view=|| ()/>
                        <Route path=path!("report") view=|| ()/>
                        <Route path=path!("weekly") view=|| ()/>
                        <Route path=path!("plan") view=|| ()/>
                        <Route path=path!("patrols") view=|| ()/>
                        <Route path=path!("patrols/print") view=|| ()/>
                        <Route path=path!("rounds") view=|| ()/>
                    </ParentRoute>
                    <Route path=path!("/admin") view=pages::admin::AdminPage/>
                </Routes>
            </main>
        </Router>
    }
}
