//! Getting around the staff app: who is logged in (as the pages learnt it from `/api/me`),
//! the menu of the surfaces that user's role may use — on every staff page, so no one goes
//! through `/` to switch — and the labels people read instead of ids and codes.

use anju_shared::lang::Lang;
use anju_shared::model::Role;
use leptos::prelude::*;

use anju_shared::site::EstateInfo;

use crate::api::Me;
use crate::i18n::{tr, use_lang};
use crate::lean::dynamic;

/// The logged-in staff member as the last page that asked the server learnt it; `None` when
/// logged out. A context of its own rather than the sync engine's `me`: `/manage` and
/// `/admin` do not start the engine.
#[derive(Clone, Copy)]
pub(crate) struct Who(pub(crate) RwSignal<Option<Me>>);

pub(crate) fn provide() {
    provide_context(Who(RwSignal::new(None)));
}

/// Where pages tell the menu who is logged in now (or that nobody is). Taken while the
/// component is built: request tasks run outside the component's context.
pub(crate) fn who() -> RwSignal<Option<Me>> {
    expect_context::<Who>().0
}

/// A role as people say it, in the current language; the raw value when it is unknown.
pub(crate) fn role_label(role: &str) -> Signal<String> {
    let lang = use_lang();
    let role = role.to_string();
    Signal::derive(move || match Role::parse(&role) {
        Some(r) => lang.get().pick(r.zh(), r.en()).to_string(),
        None => role.clone(),
    })
}

/// The surfaces of the staff app, with who may use each: the desk and the rules for the
/// desk's roles (the server refuses the others), the field app for everyone with an estate,
/// the administration for administrators.
const SURFACES: [(&str, &str, &str); 4] = [
    ("/desk", "客服前台", "Front desk"),
    ("/field", "现场工作", "Field work"),
    ("/manage", "小区管理", "Estate management"),
    ("/admin", "员工与业主数据", "Staff & residents"),
];

fn may_open(role: Role, path: &str) -> bool {
    match path {
        "/desk" | "/manage" => role.may_use_desk(),
        "/admin" => role == Role::Admin,
        _ => true,
    }
}

/// The menu in the top bar: one link per surface the user's role may use, the current one
/// marked (`aria-current`); nothing until someone is logged in.
#[component]
pub(crate) fn SurfaceMenu() -> impl IntoView {
    let Who(who) = expect_context::<Who>();
    let lang = use_lang();
    let location = leptos_router::hooks::use_location();
    dynamic(move || {
        let role = who.with(|m| m.as_ref().and_then(|m| Role::parse(&m.role)))?;
        let here = location.pathname.get();
        let l = lang.get();
        let links = SURFACES
            .iter()
            .filter(|(path, _, _)| may_open(role, path))
            .map(|&(path, zh, en)| {
                let current =
                    (here == path || here.starts_with(&format!("{path}/"))).then_some("page");
                view! { <a class="surface" href=path aria-current=current>{l.pick(zh, en)}</a> }
            })
            .collect_view();
        Some(view! {
            <nav class="surfaces" aria-label=if l == Lang::Zh { "切换工作台" } else { "Switch surface" }>
                {links}
            </nav>
        })
    })
}

/// The brand link of the staff app's top bar: back to the start page.
#[component]
pub(crate) fn Brand() -> impl IntoView {
    view! { <a class="brand" href="/">{tr("安居", "Anju")}</a> }
}

/// The estate a staff member works in now: the one picked in the top bar (remembered on this
/// device; a pick that is not the user's estate is ignored), else their first. Every staff page reads it from here, so a user who may
/// see several estates (area manager, quality centre, anyone given several) switches them all
/// at once.
#[derive(Clone, Copy)]
pub(crate) struct Chosen(pub(crate) RwSignal<Option<String>>);

const CHOSEN_KEY: &str = "anju.estate";

pub(crate) fn provide_chosen() {
    let remembered = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(CHOSEN_KEY).ok().flatten());
    provide_context(Chosen(RwSignal::new(remembered)));
}

/// The id of the estate picked in the top bar, if any (reactive). Taken while the component
/// is built, like `who()`.
pub(crate) fn chosen() -> RwSignal<Option<String>> {
    expect_context::<Chosen>().0
}

/// The estate `me` works in now, given the picked id: the picked one when `me` may see it,
/// else their first estate.
pub(crate) fn current_estate(me: &Me, picked: Option<&str>) -> Option<EstateInfo> {
    picked
        .and_then(|id| me.estates.iter().find(|e| e.id == id))
        .or_else(|| me.estates.first())
        .cloned()
}

/// Remembers the picked estate on this device (the next visit opens it again).
pub(crate) fn pick_estate(chosen: RwSignal<Option<String>>, id: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(CHOSEN_KEY, id);
    }
    chosen.set(Some(id.to_string()));
}

/// The estate picker of the top bar: shown only to someone who may see more than one estate;
/// choosing one switches every page (the desk's list, the field app's orders, the rules) and
/// is remembered on this device.
#[component]
pub(crate) fn EstatePicker() -> impl IntoView {
    let Who(who) = expect_context::<Who>();
    let chosen = chosen();
    let lang = use_lang();
    dynamic(move || {
        let me = who.get()?;
        if me.estates.len() < 2 {
            return None;
        }
        let current = current_estate(&me, chosen.get().as_deref()).map(|e| e.id);
        let label = lang.get().pick("当前小区", "Current estate");
        let options = me
            .estates
            .iter()
            .map(|e| {
                let selected = current.as_deref() == Some(e.id.as_str());
                view! { <option value=e.id.clone() selected=selected>{e.name.clone()}</option> }
            })
            .collect_view();
        Some(view! {
            <label class="estate-picker">
                <select
                    aria-label=label
                    data-testid="estate-picker"
                    on:change=move |ev| pick_estate(chosen, &event_target_value(&ev))
                >
                    {options}
                </select>
            </label>
        })
    })
}
