//! `/admin`: the company's administrator manages the staff — accounts, roles, estates, area
//! managers' regions, disabling an account (which ends its sessions) and new passwords — and
//! answers a resident's PIPL requests: everything held about a phone number, and its erasure.
//! The server decides every refusal and names the field; this page puts it under that field,
//! in the language the user reads.

use anju_shared::lang::Lang;
use anju_shared::model::Role;
use anju_shared::order::EventBody;
use anju_shared::wire::{
    Erased, EstateChoice, ExportedOrder, NewStaff, PhoneRequest, Region, ResidentExport,
    StaffChange, StaffMember,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure, ErrorBody, Me};
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, sort_by, text};
use crate::pages::login::Login;
use crate::pages::widgets::button;

/// Why a request did not go through. Kept as the server said it and put into words when
/// shown, so switching the language rewords a refusal already on screen.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    /// A 400 naming a field: `password: at least 8 characters`, and the server's Chinese
    /// for the message when it gave one.
    Field {
        field: String,
        message: String,
        message_zh: Option<String>,
    },
    Forbidden,
    NotFound,
    Offline,
    Other(String),
}

impl Problem {
    pub(crate) fn from_failure(failure: ApiFailure) -> Problem {
        match failure {
            ApiFailure::Status(
                400,
                ErrorBody {
                    error, message_zh, ..
                },
            ) => match error.split_once(": ") {
                Some((field, message)) => Problem::Field {
                    field: field.to_string(),
                    message: message.to_string(),
                    message_zh,
                },
                None => Problem::Other(error),
            },
            ApiFailure::Status(403, _) => Problem::Forbidden,
            ApiFailure::Status(404, _) => Problem::NotFound,
            ApiFailure::Status(_, body) => Problem::Other(body.error),
            ApiFailure::Network(_) => Problem::Offline,
        }
    }

    fn field(field: &str, message: &str) -> Problem {
        Problem::Field {
            field: field.into(),
            message: message.into(),
            message_zh: None,
        }
    }

    fn is_about(&self, name: &str) -> bool {
        matches!(self, Problem::Field { field, .. } if field == name)
    }

    pub(crate) fn text(&self, l: Lang) -> String {
        match self {
            Problem::Field {
                field,
                message,
                message_zh,
            } => format!(
                "{}{}{}",
                field_label(l, field),
                l.pick(":", ": "),
                match (l, message_zh) {
                    (Lang::Zh, Some(zh)) => zh.clone(),
                    _ => message_in(l, message),
                }
            ),
            Problem::Forbidden => l
                .pick("只有管理员可以这样做", "Only administrators may do this")
                .into(),
            Problem::NotFound => l.pick("找不到该账号", "No such staff member").into(),
            Problem::Offline => l
                .pick("网络不通,未保存", "No connection; nothing was changed")
                .into(),
            Problem::Other(message) => message.clone(),
        }
    }
}

/// The name of a field the server refuses, as the form labels it.
fn field_label(l: Lang, field: &str) -> &str {
    match field {
        "username" => l.pick("用户名", "Username"),
        "display_name" => l.pick("姓名", "Name"),
        "role" => l.pick("角色", "Role"),
        "password" => l.pick("密码", "Password"),
        "estate_ids" => l.pick("小区", "Estates"),
        "region_ids" => l.pick("片区", "Regions"),
        "disabled" => l.pick("停用", "Disabling"),
        "phone" => l.pick("手机号", "Phone"),
        "name" => l.pick("名称", "Name"),
        "url" => l.pick("接收地址", "URL"),
        "kinds" => l.pick("推送的事件", "Events"),
        other => other,
    }
}

/// The server's Chinese (`message_zh`) is shown when it sent one; for a refusal without it,
/// the ones this page can lead to are put into Chinese here. Anything else is shown as the
/// server wrote it rather than not at all.
fn message_in(l: Lang, message: &str) -> String {
    if l == Lang::En {
        return message.to_string();
    }
    let words = |a: &str, b: &str| message.strip_prefix(a)?.strip_suffix(b).map(str::to_string);
    if let Some(n) = words("at least ", " characters") {
        return format!("至少 {n} 个字符");
    }
    if let Some(n) = words("at most ", " characters") {
        return format!("最多 {n} 个字符");
    }
    if let Some(id) = message.strip_prefix("unknown estate ") {
        return format!("不是本公司的小区({id})");
    }
    if let Some(id) = message.strip_prefix("unknown region ") {
        return format!("不是本公司的片区({id})");
    }
    match message {
        "too common or too easy to guess; choose another" => "太常见或太容易猜到,请换一个",
        "2 to 40 letters, digits, - _ ." => "2 到 40 个字母、数字或 - _ .",
        "1 to 40 characters" => "1 到 40 个字符",
        "unknown role" => "未知的角色",
        "taken" => "已被使用,请换一个",
        "not a mainland mobile number" => "不是有效的手机号",
        "required" => "请填写",
        other => other,
    }
    .to_string()
}

/// `PATCH` a staff member (the answer, the member as stored, is re-read with the list).
async fn patch(staff_id: &str, change: &StaffChange) -> Result<(), ApiFailure> {
    let url = format!("/api/admin/staff/{staff_id}");
    api::patch::<_, serde_json::Value>(&url, change)
        .await
        .map(|_| ())
}

/// `list` sorted, to compare two choices whatever order they were ticked in.
fn sorted(mut list: Vec<String>) -> Vec<String> {
    sort_by(&mut list, |a, b| a.cmp(b));
    list
}

fn role_label(r: Role) -> Signal<&'static str> {
    let lang = use_lang();
    Signal::derive(move || lang.get().pick(r.zh(), r.en()))
}

#[component]
pub(crate) fn AdminPage() -> impl IntoView {
    let me = RwSignal::new(None::<Option<Me>>);
    // The menu of surfaces learns who is logged in from here too.
    let who = crate::pages::nav::who();
    let check = move || {
        spawn_local(async move {
            let answer = api::get::<Me>("/api/me").await.ok();
            who.set(answer.clone());
            me.set(Some(answer));
        });
    };
    check();
    // A session that ended (timed out, or this account was disabled) shows the login again.
    let logged_out = Callback::new(move |()| me.set(Some(None)));
    let login = Callback::new(move |()| check());
    // The "only administrators" answer is a courtesy: the server refuses every
    // `/api/admin/*` request from another role (the `AdminUser` extractor) whatever this page
    // shows.
    dynamic(move || match me.get() {
        None => view! { <section class="card"><p class="muted">"…"</p></section> }.into_any(),
        Some(None) => {
            view! { <Login title=tr("管理员登录", "Administrator login") on_done=login/> }
                .into_any()
        }
        Some(Some(me)) if me.role == Role::Admin.as_str() => admin_view(me, logged_out).into_any(),
        Some(Some(_)) => admin_only().into_any(),
    })
}

fn admin_only() -> impl IntoView {
    view! {
        <section class="card" data-testid="admin-only">
            <h1>{tr("管理员", "Administration")}</h1>
            <p role="alert" class="error">
                {tr(
                    "只有管理员可以管理员工账号和业主个人信息。",
                    "Only administrators can manage staff accounts and residents' personal data.",
                )}
            </p>
            <a class="button" href="/">{tr("返回首页", "Back to the start page")}</a>
        </section>
    }
}

fn admin_view(me: Me, logged_out: Callback<()>) -> impl IntoView {
    // Every estate and region of the company: what staff can be given (not only the
    // estates the admin works in themself).
    let estates = RwSignal::new(Vec::<EstateChoice>::new());
    let regions = RwSignal::new(Vec::<Region>::new());
    let staff = RwSignal::new(None::<Vec<StaffMember>>);
    let load_problem = RwSignal::new(None::<Problem>);
    let fail_load = move |f: ApiFailure| match f {
        ApiFailure::Status(401, _) => logged_out.run(()),
        f => load_problem.set(Some(Problem::from_failure(f))),
    };
    spawn_local(async move {
        match api::get::<Vec<EstateChoice>>("/api/admin/estates").await {
            Ok(list) => estates.set(list),
            Err(f) => fail_load(f),
        }
        match api::get::<Vec<Region>>("/api/admin/regions").await {
            Ok(list) => regions.set(list),
            Err(f) => fail_load(f),
        }
    });
    let reload = Callback::new(move |()| {
        spawn_local(async move {
            match api::get::<Vec<StaffMember>>("/api/admin/staff").await {
                Ok(mut list) => {
                    // Those who work first, each group by name as the server sorted it.
                    sort_by(&mut list, |a, b| a.disabled.cmp(&b.disabled));
                    load_problem.set(None);
                    staff.set(Some(list));
                }
                Err(ApiFailure::Status(401, _)) => logged_out.run(()),
                Err(f) => load_problem.set(Some(Problem::from_failure(f))),
            }
        });
    });
    reload.run(());
    let ctx = Ctx {
        me_id: StoredValue::new(me.id.clone()),
        estates,
        regions,
        reload,
        logged_out,
    };
    let lang = use_lang();
    let load_error = text(move || {
        load_problem.with(|p| p.as_ref().map(|p| p.text(lang.get())).unwrap_or_default())
    });
    view! {
        <section class="admin">
            <div class="card">
                <h1>{tr("管理员", "Administration")}</h1>
                <p class="muted">{me.display_name.clone()} " · " {role_label(Role::Admin)}</p>
            </div>
            <p role="alert" class="error">{load_error}</p>
            {staff_list(ctx, staff)}
            {new_member_form(ctx)}
            {residents_section(logged_out)}
            {crate::pages::webhooks::webhooks_section(
                Signal::derive(move || estates.get().into_iter().map(|e| (e.id, e.name)).collect()),
                logged_out,
            )}
        </section>
    }
}

/// What every part of the page needs: who is logged in, the company's estates and regions
/// they can hand out, how to refresh the staff list and what to do when the session has
/// ended.
#[derive(Clone, Copy)]
struct Ctx {
    me_id: StoredValue<String>,
    estates: RwSignal<Vec<EstateChoice>>,
    regions: RwSignal<Vec<Region>>,
    reload: Callback<()>,
    logged_out: Callback<()>,
}

impl Ctx {
    /// Shows `failure` in `problem`, or the login when the session has ended.
    fn fail(self, problem: RwSignal<Option<Problem>>, failure: ApiFailure) {
        if matches!(failure, ApiFailure::Status(401, _)) {
            self.logged_out.run(());
        } else {
            problem.set(Some(Problem::from_failure(failure)));
        }
    }

    /// The estates' names (their ids until the list has come), joined.
    fn estate_names(self, ids: &[String]) -> String {
        self.estates.with(|known| {
            ids.iter()
                .map(|id| {
                    known
                        .iter()
                        .find(|e| e.id == *id)
                        .map_or(id.as_str(), |e| e.name.as_str())
                })
                .collect::<Vec<_>>()
                .join("、")
        })
    }

    /// The regions' names (their ids until the list has come), joined.
    fn region_names(self, ids: &[String]) -> String {
        self.regions.with(|known| {
            ids.iter()
                .map(|id| {
                    known
                        .iter()
                        .find(|r| r.id == *id)
                        .map_or(id.as_str(), |r| r.name.as_str())
                })
                .collect::<Vec<_>>()
                .join("、")
        })
    }
}

/// The refusal of `field`, under its control (`id` is what the control's
/// `aria-describedby` names).
pub(crate) fn field_note(
    id: String,
    field: &'static str,
    problem: RwSignal<Option<Problem>>,
) -> impl IntoView {
    let lang = use_lang();
    let message = text(move || {
        problem.with(|p| {
            p.as_ref()
                .filter(|p| p.is_about(field))
                .map(|p| p.text(lang.get()))
                .unwrap_or_default()
        })
    });
    view! { <p class="field-error" id=id role="alert" data-field=field>{message}</p> }
}

/// A refusal that names no control of the form (`fields`): shown on top of it.
pub(crate) fn form_note(
    fields: &'static [&'static str],
    problem: RwSignal<Option<Problem>>,
) -> impl IntoView {
    let lang = use_lang();
    let message = text(move || {
        problem.with(|p| match p {
            Some(p) if !fields.iter().any(|f| p.is_about(f)) => p.text(lang.get()),
            _ => String::new(),
        })
    });
    view! { <p class="error" role="alert">{message}</p> }
}

/// A labelled input bound to `value`, marked invalid and explained when the server refused
/// `field`.
pub(crate) fn field_input(
    id: &'static str,
    label: Signal<&'static str>,
    kind: &'static str,
    value: RwSignal<String>,
    field: &'static str,
    problem: RwSignal<Option<Problem>>,
) -> impl IntoView {
    let note = format!("{id}-error");
    let invalid = Signal::derive(move || {
        if problem.with(|p| p.as_ref().is_some_and(|p| p.is_about(field))) {
            "true"
        } else {
            "false"
        }
    });
    let autocomplete = if kind == "password" {
        "new-password"
    } else {
        "off"
    };
    view! {
        <label for=id>{label}</label>
        <input id=id type=kind autocomplete=autocomplete aria-invalid=invalid aria-describedby=note.clone()
            prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
        {field_note(note, field, problem)}
    }
}

/// The roles of `Role::ALL`, labelled in the UI's language.
fn role_select(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    let chosen = value.get_untracked();
    view! {
        <label for=id>{tr("角色", "Role")}</label>
        <select id=id prop:value=value on:change=move |ev| value.set(event_target_value(&ev))>
            {Role::ALL
                .iter()
                .map(|r| view! { <option value=r.as_str() selected=chosen == r.as_str()>{role_label(*r)}</option> }.into_any())
                .collect_view()}
        </select>
    }
}

/// A checkbox adding `id` to `chosen` when ticked and taking it out when not.
pub(crate) fn tick(id: String, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let this = id.clone();
    view! {
        <input type="checkbox" value=id.clone()
            prop:checked=move || chosen.with(|c| c.contains(&this))
            on:change=move |ev| {
                let on = event_target_checked(&ev);
                chosen.update(|c| {
                    c.retain(|x| *x != id);
                    if on {
                        c.push(id.clone());
                    }
                });
            }/>
    }
}

/// Every estate of the company as checkboxes, large enough for a thumb: ticked are those
/// given to the member. One the member sees through a region of `through` says so beside
/// its name, unticked: the region gives it, not the tick.
fn estate_choices(
    id: &'static str,
    ctx: Ctx,
    chosen: RwSignal<Vec<String>>,
    through: Signal<Vec<String>>,
    problem: RwSignal<Option<Problem>>,
) -> impl IntoView {
    let note = format!("{id}-error");
    let lang = use_lang();
    let list = dynamic(move || {
        ctx.estates
            .get()
            .into_iter()
            .map(|e| {
                let (region, region_name) = (e.region_id, e.region_name);
                let via = text(move || {
                    if !through.with(|t| t.contains(&region)) {
                        return String::new();
                    }
                    match lang.get() {
                        Lang::Zh => format!("(经片区 {region_name} 可见)"),
                        Lang::En => format!(" (seen through the region {region_name})"),
                    }
                });
                view! {
                    <label class="choice">
                        {tick(e.id, chosen)}
                        {e.name}
                        <span class="muted" data-testid="via-region">{via}</span>
                    </label>
                }
                .into_any()
            })
            .collect_view()
    });
    view! {
        <fieldset class="choices" id=id aria-describedby=note.clone()>
            <legend>{tr("负责的小区", "Estates")}</legend>
            {list}
        </fieldset>
        {field_note(note, "estate_ids", problem)}
    }
}

/// Every region of the company as checkboxes: an area manager sees every estate of each
/// region ticked, later ones included.
fn region_choices(
    id: &'static str,
    ctx: Ctx,
    chosen: RwSignal<Vec<String>>,
    problem: RwSignal<Option<Problem>>,
) -> impl IntoView {
    let note = format!("{id}-error");
    let list = dynamic(move || {
        ctx.regions
            .get()
            .into_iter()
            .map(|r| {
                view! {
                    <label class="choice">
                        {tick(r.id, chosen)}
                        {r.name}
                    </label>
                }
                .into_any()
            })
            .collect_view()
    });
    view! {
        <fieldset class="choices" id=id aria-describedby=note.clone()>
            <legend>{tr("负责的片区", "Regions")}</legend>
            {list}
        </fieldset>
        {field_note(note, "region_ids", problem)}
    }
}

fn staff_list(ctx: Ctx, staff: RwSignal<Option<Vec<StaffMember>>>) -> impl IntoView {
    // The one member whose editor is open: one at a time keeps the list short on a tablet.
    let editing = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<(Signal<&'static str>, String)>);
    let list = dynamic(move || match staff.get() {
        None => view! { <p class="muted">"…"</p> }.into_any(),
        Some(list) => {
            let items = list
                .into_iter()
                .map(|m| member_item(ctx, m, editing, notice).into_any())
                .collect_view();
            view! { <ul class="staff-list" data-testid="staff-list">{items}</ul> }.into_any()
        }
    });
    view! {
        <section class="card">
            <h2>{tr("员工账号", "Staff accounts")}</h2>
            {dynamic(move || notice.get().map(|(what, who)| {
                view! { <p role="status" class="notice" data-testid="staff-notice">{what} " " {who}</p> }
            }))}
            {list}
        </section>
    }
}

fn member_item(
    ctx: Ctx,
    m: StaffMember,
    editing: RwSignal<Option<String>>,
    notice: RwSignal<Option<(Signal<&'static str>, String)>>,
) -> impl IntoView {
    let role = Role::parse(&m.role);
    let role_text = role.map_or_else(|| tr("未知角色", "unknown role"), role_label);
    // What is assigned (given estates, regions) apart from what that lets them see besides.
    let lang = use_lang();
    let assigned = {
        let given = m.given_estate_ids.clone();
        let regions = m.region_ids.clone();
        let also: Vec<String> = m
            .estate_ids
            .iter()
            .filter(|e| !given.contains(e))
            .cloned()
            .collect();
        text(move || {
            let l = lang.get();
            let estates = ctx.estate_names(&given);
            let mut out = format!(
                "{}{}{}",
                l.pick("小区", "Estates"),
                l.pick(":", ": "),
                if estates.is_empty() { "—" } else { &estates }
            );
            if !regions.is_empty() {
                out.push_str(&format!(
                    " · {}{}{}",
                    l.pick("片区", "Regions"),
                    l.pick(":", ": "),
                    ctx.region_names(&regions)
                ));
            }
            if !also.is_empty() {
                out.push_str(&format!(
                    " · {}{}{}",
                    l.pick("另可见", "Also sees"),
                    l.pick(":", ": "),
                    ctx.estate_names(&also)
                ));
            }
            out
        })
    };
    let id = m.id.clone();
    let open = Signal::derive(move || editing.with(|e| e.as_deref() == Some(id.as_str())));
    let toggle = {
        let id = m.id.clone();
        Callback::new(move |()| {
            editing.update(|e| {
                *e = if e.as_deref() == Some(&id) {
                    None
                } else {
                    Some(id.clone())
                }
            });
        })
    };
    let member = StoredValue::new(m.clone());
    view! {
        <li class="staff-item" class:disabled=m.disabled data-testid="staff-row" data-username=m.username.clone()>
            <div class="staff-head">
                <strong>{m.display_name.clone()}</strong>
                <span class="muted">{m.username.clone()}</span>
                <span class="chip">{role_text}</span>
                {m.disabled.then(|| view! { <span class="chip off">{tr("已停用", "Disabled")}</span> }.into_any())}
                {button("button edit", tr("编辑", "Edit"), Signal::stored(false), toggle)}
            </div>
            <p class="muted staff-estates">{assigned}</p>
            {dynamic(move || open.get().then(|| member_editor(ctx, member.get_value(), editing, notice).into_any()))}
        </li>
    }
}

/// The editor of one member: role, estates and regions; a new password; disable or enable.
/// Only what the admin changed is sent, so opening and saving changes nothing else.
fn member_editor(
    ctx: Ctx,
    m: StaffMember,
    editing: RwSignal<Option<String>>,
    notice: RwSignal<Option<(Signal<&'static str>, String)>>,
) -> impl IntoView {
    let role = RwSignal::new(m.role.clone());
    let chosen = RwSignal::new(m.given_estate_ids.clone());
    let regions = RwSignal::new(m.region_ids.clone());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let member = StoredValue::new(m);
    let is_me = ctx
        .me_id
        .with_value(|me| member.with_value(|m| *me == m.id));

    // Made here, where the language is in context: not inside the requests' tasks.
    let saved = tr("已保存", "Saved:");
    let password_set = tr(
        "已设置新密码,其登录已失效:",
        "New password set; their sessions ended:",
    );
    let disabled_now = tr("已停用,其登录已失效:", "Disabled; their sessions ended:");
    let enabled_now = tr("已启用:", "Enabled:");

    let send = move |change: StaffChange, what: Signal<&'static str>| {
        problem.set(None);
        busy.set(true);
        let (id, username) = member.with_value(|m| (m.id.clone(), m.username.clone()));
        spawn_local(async move {
            match patch(&id, &change).await {
                Ok(()) => {
                    notice.set(Some((what, username)));
                    editing.set(None);
                    ctx.reload.run(());
                }
                Err(f) => ctx.fail(problem, f),
            }
            busy.set(false);
        });
    };
    let save = Callback::new(move |()| {
        let (old_role, old_estates, old_regions) = member.with_value(|m| {
            (
                m.role.clone(),
                sorted(m.given_estate_ids.clone()),
                sorted(m.region_ids.clone()),
            )
        });
        let new_role = role.get_untracked();
        let new_estates = sorted(chosen.get_untracked());
        let new_regions = sorted(regions.get_untracked());
        let change = StaffChange {
            role: (new_role != old_role).then_some(new_role.clone()),
            estate_ids: (new_estates != old_estates).then_some(new_estates),
            // Sent when changed, an empty list too (that clears them). Another role keeps no
            // regions: the server drops them with the role change.
            region_ids: (Role::parse(&new_role).is_some_and(Role::answers_for_regions)
                && new_regions != old_regions)
                .then_some(new_regions),
            ..StaffChange::default()
        };
        send(change, saved);
    });
    let set_password = Callback::new(move |()| {
        let p = password.get_untracked();
        if p.is_empty() {
            problem.set(Some(Problem::field("password", "required")));
            return;
        }
        password.set(String::new());
        send(
            StaffChange {
                password: Some(p),
                ..StaffChange::default()
            },
            password_set,
        );
    });
    let disabled = member.with_value(|m| m.disabled);
    let toggle_disabled = Callback::new(move |()| {
        send(
            StaffChange {
                disabled: Some(!disabled),
                ..StaffChange::default()
            },
            if disabled { enabled_now } else { disabled_now },
        );
    });
    let is_area =
        Signal::derive(move || Role::parse(&role.get()).is_some_and(Role::answers_for_regions));
    // The regions whose estates the member would see, as the editor stands.
    let through = Signal::derive(move || {
        if is_area.get() {
            regions.get()
        } else {
            Vec::new()
        }
    });
    let busy_now = Signal::derive(move || busy.get());

    view! {
        <div class="form staff-editor" data-testid="staff-editor">
            {form_note(&["role", "estate_ids", "region_ids", "password"], problem)}
            // An admin who took their own role away would lock themselves out of this page.
            {(!is_me).then(|| role_select("edit-role", role).into_any())}
            {field_note("edit-role-error".into(), "role", problem)}
            {estate_choices("edit-estates", ctx, chosen, through, problem)}
            {dynamic(move || is_area.get().then(|| region_choices("edit-regions", ctx, regions, problem).into_any()))}
            {button("button primary", tr("保存角色与小区", "Save role and estates"), busy_now, save)}
            {field_input("edit-password", tr("新密码", "New password"), "password", password, "password", problem)}
            {button("button", tr("设置新密码", "Set the new password"), busy_now, set_password)}
            <div class="staff-danger">
                {(!is_me).then(|| if disabled {
                    button("button", tr("启用账号", "Enable the account"), busy_now, toggle_disabled)
                } else {
                    button("button danger", tr("停用账号", "Disable the account"), busy_now, toggle_disabled)
                }.into_any())}
                {is_me.then(|| view! { <p class="muted">{tr(
                    "不能更改自己的角色或停用自己的账号。",
                    "You cannot change your own role or disable your own account.",
                )}</p> }.into_any())}
            </div>
        </div>
    }
}

fn new_member_form(ctx: Ctx) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::ALL[0].as_str().to_string());
    let password = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let regions = RwSignal::new(Vec::<String>::new());
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<String>);
    let is_area =
        Signal::derive(move || Role::parse(&role.get()).is_some_and(Role::answers_for_regions));

    let create = Callback::new(move |()| {
        problem.set(None);
        created.set(None);
        let body = NewStaff {
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            role: role.get_untracked(),
            password: password.get_untracked(),
            estate_ids: chosen.get_untracked(),
            // Regions ticked before another role was chosen are not sent with it.
            region_ids: if is_area.get_untracked() {
                regions.get_untracked()
            } else {
                Vec::new()
            },
        };
        busy.set(true);
        spawn_local(async move {
            // One request: the account and, for an area manager, their regions.
            match api::post::<_, StaffMember>("/api/admin/staff", &body).await {
                Ok(member) => {
                    username.set(String::new());
                    display_name.set(String::new());
                    password.set(String::new());
                    chosen.set(Vec::new());
                    regions.set(Vec::new());
                    created.set(Some(member.username));
                    ctx.reload.run(());
                }
                Err(f) => ctx.fail(problem, f),
            }
            busy.set(false);
        });
    });
    let through = Signal::derive(move || {
        if is_area.get() {
            regions.get()
        } else {
            Vec::new()
        }
    });
    let busy_now = Signal::derive(move || busy.get());
    view! {
        <section class="card form" data-testid="new-staff">
            <h2>{tr("新建员工账号", "New staff account")}</h2>
            {dynamic(move || created.get().map(|who| view! {
                <p role="status" class="notice">{tr("已创建账号", "Account created:")} " " {who}</p>
            }.into_any()))}
            {form_note(&["username", "display_name", "role", "password", "estate_ids", "region_ids"], problem)}
            {field_input("new-username", tr("用户名", "Username"), "text", username, "username", problem)}
            {field_input("new-display-name", tr("姓名", "Name"), "text", display_name, "display_name", problem)}
            {role_select("new-role", role)}
            {field_note("new-role-error".into(), "role", problem)}
            {field_input("new-password", tr("初始密码(至少 8 位,不能太常见)", "Initial password (at least 8 characters, not a common one)"), "password", password, "password", problem)}
            {estate_choices("new-estates", ctx, chosen, through, problem)}
            {dynamic(move || is_area.get().then(|| region_choices("new-regions", ctx, regions, problem).into_any()))}
            {button("button primary", tr("创建账号", "Create the account"), busy_now, create)}
        </section>
    }
}

/// The report text and place of an exported order, redacted ones included.
fn report_of(order: &ExportedOrder) -> (String, String) {
    order
        .events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::Reported(r) => Some((r.text.clone(), r.location.clone())),
            _ => None,
        })
        .unwrap_or_default()
}

fn residents_section(logged_out: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let phone = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    // The last export, with the answer as a `data:` address for its download link.
    let exported = RwSignal::new(None::<(ResidentExport, String)>);
    // The number waiting for the admin's confirmation of its erasure.
    let confirming = RwSignal::new(None::<String>);
    // The number erased, what was erased, and the references of its orders when known.
    let erased = RwSignal::new(None::<(String, Erased, Vec<String>)>);
    let fail = move |f: ApiFailure| {
        if matches!(f, ApiFailure::Status(401, _)) {
            logged_out.run(());
        } else {
            problem.set(Some(Problem::from_failure(f)));
        }
    };

    let export = Callback::new(move |()| {
        problem.set(None);
        erased.set(None);
        confirming.set(None);
        let number = phone.get_untracked().trim().to_string();
        if number.is_empty() {
            problem.set(Some(Problem::field("phone", "required")));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let body = PhoneRequest { phone: number };
            match api::post_text("/api/admin/residents/export", &body).await {
                Ok(raw) => match serde_json::from_str::<ResidentExport>(&raw) {
                    Ok(data) => {
                        let href = format!(
                            "data:application/json;charset=utf-8,{}",
                            String::from(js_sys::encode_uri_component(&raw))
                        );
                        exported.set(Some((data, href)));
                    }
                    Err(e) => problem.set(Some(Problem::Other(e.to_string()))),
                },
                Err(f) => fail(f),
            }
            busy.set(false);
        });
    });
    let ask = Callback::new(move |()| {
        problem.set(None);
        let number = phone.get_untracked().trim().to_string();
        if number.is_empty() {
            problem.set(Some(Problem::field("phone", "required")));
            return;
        }
        confirming.set(Some(number));
    });
    let cancel = Callback::new(move |()| confirming.set(None));
    let erase = Callback::new(move |()| {
        let Some(number) = confirming.get_untracked() else {
            return;
        };
        // The references the admin saw in an export of this number, to say which orders.
        let known: Vec<(String, String)> = exported.with_untracked(|e| {
            e.iter()
                .flat_map(|(data, _)| data.orders.iter())
                .map(|o| (o.id.clone(), o.reference.clone()))
                .collect()
        });
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, Erased>(
                "/api/admin/residents/erase",
                &PhoneRequest {
                    phone: number.clone(),
                },
            )
            .await
            {
                Ok(result) => {
                    let references = result
                        .orders
                        .iter()
                        .map(|id| {
                            known
                                .iter()
                                .find(|(k, _)| k == id)
                                .map_or_else(|| id.clone(), |(_, r)| r.clone())
                        })
                        .collect();
                    confirming.set(None);
                    exported.set(None);
                    erased.set(Some((number, result, references)));
                }
                Err(f) => {
                    confirming.set(None);
                    fail(f);
                }
            }
            busy.set(false);
        });
    });
    let busy_now = Signal::derive(move || busy.get());

    let confirm_text = text(move || {
        let l = lang.get();
        confirming
            .get()
            .map(|n| match l {
                Lang::Zh => format!(
                    "确认永久删除手机号 {n} 的业主数据?其报事内容、联系方式和照片将被抹去,无法恢复;各平板下次同步时删除其副本。"
                ),
                Lang::En => format!(
                    "Erase the resident data of {n} for good? Their reports' words, contact details and photos are removed and cannot be restored; every tablet removes its copy at its next sync."
                ),
            })
            .unwrap_or_default()
    });
    let erased_text = text(move || {
        let l = lang.get();
        erased.with(|e| {
            e.as_ref()
                .map(|(n, result, references)| {
                    let list = if references.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", references.join(", "))
                    };
                    match l {
                        Lang::Zh => format!(
                            "已删除手机号 {n} 的数据:{} 个工单的报事内容已抹去{list},{} 张照片已删除。",
                            result.orders.len(),
                            result.photos
                        ),
                        Lang::En => format!(
                            "Erased the data of {n}: the reports of {} orders redacted{list}, {} photos deleted.",
                            result.orders.len(),
                            result.photos
                        ),
                    }
                })
                .unwrap_or_default()
        })
    });

    view! {
        <section class="card form residents" data-testid="residents">
            <h2>{tr("业主个人信息(查询与删除)", "Residents' personal data (export and erasure)")}</h2>
            <p class="muted">{tr(
                "按业主本人的请求,导出或删除与其手机号相关的全部数据。每次操作都记入审计日志。",
                "At a resident's own request, export or erase everything held about their phone number. Every export and erasure is audited.",
            )}</p>
            {form_note(&["phone"], problem)}
            {field_input("resident-phone", tr("手机号", "Phone"), "tel", phone, "phone", problem)}
            <div class="actions">
                {button("button", tr("导出", "Export"), busy_now, export)}
                {button("button danger", tr("删除此业主的数据", "Erase this resident's data"), busy_now, ask)}
            </div>
            {dynamic(move || confirming.get().is_some().then(|| view! {
                <div class="confirm" role="alertdialog" aria-labelledby="erase-question" data-testid="erase-confirm">
                    <p id="erase-question">{confirm_text}</p>
                    <div class="actions">
                        {button("button danger", tr("确认删除", "Erase for good"), busy_now, erase)}
                        {button("button", tr("取消", "Cancel"), busy_now, cancel)}
                    </div>
                </div>
            }.into_any()))}
            {dynamic(move || erased.get().is_some().then(|| view! {
                <p role="status" class="notice" data-testid="erased">{erased_text}</p>
            }.into_any()))}
            {dynamic(move || exported.get().map(|(data, href)| export_view(data, href)))}
        </section>
    }
}

fn export_view(data: ResidentExport, href: String) -> impl IntoView {
    let lang = use_lang();
    let file = format!("anju-resident-{}.json", data.phone);
    if data.residents.is_empty() && data.orders.is_empty() {
        let phone = data.phone;
        let nothing = text(move || match lang.get() {
            Lang::Zh => format!("未找到手机号 {phone} 的任何数据。"),
            Lang::En => format!("Nothing is held about {phone}."),
        });
        return view! { <div class="export" data-testid="export"><p>{nothing}</p></div> }
            .into_any();
    }
    let counts = {
        let (r, o) = (data.residents.len(), data.orders.len());
        text(move || match lang.get() {
            Lang::Zh => format!("住户登记 {r} 条,报事工单 {o} 个"),
            Lang::En => format!("{r} household registrations, {o} reported orders"),
        })
    };
    view! {
        <div class="export" data-testid="export">
            <p><strong>{data.phone.clone()}</strong> " · " {counts}</p>
            <ul>
                {data.residents.into_iter().map(|r| view! {
                    <li>{tr("住户", "Resident")} ": " {r.name} " · " {r.household_id}</li>
                }.into_any()).collect_view()}
                {data.orders.iter().map(|o| {
                    let (said, place) = report_of(o);
                    view! {
                        <li data-testid="export-order">
                            <strong>{o.reference.clone()}</strong> " " {o.contact_name.clone()} " · " {place}
                            <br/>{said}
                            <br/><span class="muted">{tr("记录", "Events")} ": " {o.events.len().to_string()}
                            " · " {tr("照片", "Photos")} ": " {o.photos.len().to_string()}</span>
                        </li>
                    }
                    .into_any()
                }).collect_view()}
            </ul>
            <a class="button" href=href download=file data-testid="export-download">
                {tr("下载全部数据(JSON)", "Download everything (JSON)")}
            </a>
        </div>
    }
    .into_any()
}
