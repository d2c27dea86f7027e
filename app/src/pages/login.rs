//! The staff login form, shared by the desk and the field app: the session lives on the
//! server (an HttpOnly cookie), so the form only posts the credentials and reports back.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;

use crate::api::{self, ApiFailure};
use crate::i18n::{tr, use_lang};

#[derive(Serialize)]
struct Credentials {
    username: String,
    password: String,
}

/// `title` heads the form; `on_done` runs once the server accepted the login.
#[component]
pub(crate) fn Login(title: Signal<&'static str>, on_done: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Said after a logout with work still unsent (offline): it is kept, not lost.
    let left_behind = crate::sync::use_engine().left_behind;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        if username.get_untracked().trim().is_empty() || password.get_untracked().is_empty() {
            error.set(Some(
                l.pick("请输入用户名和密码", "Enter your username and password")
                    .into(),
            ));
            return;
        }
        busy.set(true);
        let body = Credentials {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, serde_json::Value>("/api/login", &body).await {
                Ok(_) => {
                    password.set(String::new());
                    left_behind.set((0, 0));
                    on_done.run(());
                }
                // The server's own words when it says more than "wrong credentials" (a
                // disabled account is told so, in Chinese and English).
                Err(ApiFailure::Status(_, body)) if body.message_zh.is_some() => {
                    error.set(match l {
                        anju_shared::lang::Lang::Zh => body.message_zh,
                        anju_shared::lang::Lang::En => Some(body.error),
                    })
                }
                Err(ApiFailure::Status(401, _)) => error.set(Some(
                    l.pick("用户名或密码错误", "Wrong username or password")
                        .into(),
                )),
                Err(ApiFailure::Status(429, _)) => error.set(Some(
                    l.pick(
                        "尝试次数过多,请稍后再试",
                        "Too many attempts; try again later",
                    )
                    .into(),
                )),
                Err(_) => error.set(Some(
                    l.pick("网络不通,请稍后再试", "No connection; try again later")
                        .into(),
                )),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card form login" on:submit=submit>
            <h1>{title}</h1>
            {move || error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
            {move || {
                let (events, photos) = left_behind.get();
                (events + photos > 0).then(|| view! {
                    <p class="left-behind" role="status" data-testid="left-behind">
                        {move || match lang.get() {
                            anju_shared::lang::Lang::Zh => format!(
                                "上一位用户还有 {events} 条记录、{photos} 张照片未发送:已保留在本机,该用户再次在本机登录后自动发送。"
                            ),
                            anju_shared::lang::Lang::En => format!(
                                "The last user left {events} records and {photos} photos unsent: they stay on this device and go out when that user logs in here again."
                            ),
                        }}
                    </p>
                })
            }}
            <label for="login-username">{tr("用户名", "Username")}</label>
            <input id="login-username" name="username" autocomplete="username"
                prop:value=move || username.get()
                on:input=move |ev| username.set(event_target_value(&ev))/>
            <label for="login-password">{tr("密码", "Password")}</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password"
                prop:value=move || password.get()
                on:input=move |ev| password.set(event_target_value(&ev))/>
            <button type="submit" class="button primary" disabled=move || busy.get()>
                {tr("登录", "Log in")}
            </button>
        </form>
    }
}
