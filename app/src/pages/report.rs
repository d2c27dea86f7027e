//! `/r/{estate}`: the resident's report form (reached by the QR code on the notice board). The
//! category suggestion is computed here, in the browser, by the shared classifier as the
//! resident types (its lexicon arrives once the form is interactive, outside the first load);
//! the same validation as the server's tells them at once what to fix. When the text shows a
//! sign of danger the classifier is unsure of, the form asks one yes/no safety question
//! before sending; a yes makes the report urgent (the server classifies again and decides).

use anju_shared::classify::{SAFETY_QUESTION, classify};
use anju_shared::lang::Lang;
use anju_shared::model::Category;
use anju_shared::report::{self, FieldError, Receipt, ReportField, ReportInput, TEXT_MAX_CHARS};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::i18n::{tr, use_lang};

/// The privacy-notice version shown under the form; stored with each report (PIPL).
const NOTICE_VERSION: &str = "2026-11";

/// What the form reads of `GET /api/public/estates/{slug}` (`anju_shared::site::Site`): the
/// site plan's footprints stay unread, which keeps float parsing out of the resident's wasm.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Site {
    slug: String,
    name: String,
    buildings: Vec<Building>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Building {
    id: String,
    name: String,
    units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Unit {
    id: String,
    name: String,
}

#[derive(Clone, PartialEq)]
enum Loaded {
    Loading,
    Ready(Site),
    Unknown,
    Offline,
}

/// The estate's slug from the address `/r/{slug}`: the page is all the resident build is, so it
/// reads the address itself rather than carrying a router.
fn slug_from_address() -> String {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    slug_of(&path)
}

fn slug_of(path: &str) -> String {
    let rest = path.strip_prefix("/r/").unwrap_or_default();
    rest.split('/').next().unwrap_or_default().to_string()
}

#[component]
pub(crate) fn ReportPage() -> impl IntoView {
    let site = RwSignal::new(Loaded::Loading);
    let slug = slug_from_address();
    Effect::new(move |_| {
        let slug = slug.clone();
        spawn_local(async move {
            let url = format!("/api/public/estates/{slug}");
            site.set(match api::get::<Site>(&url).await {
                Ok(s) => Loaded::Ready(s),
                Err(ApiFailure::Status(404, _)) => Loaded::Unknown,
                Err(_) => Loaded::Offline,
            });
        });
    });

    view! {
        {move || match site.get() {
            Loaded::Loading => view! {
                <section class="card"><p class="muted">{tr("正在加载…", "Loading…")}</p></section>
            }.into_any(),
            Loaded::Unknown => view! {
                <section class="card">
                    <p role="alert" class="error">{tr("没有这个小区,请重新扫描公告栏上的二维码。", "There is no such estate; please scan the QR code on the notice board again.")}</p>
                </section>
            }.into_any(),
            Loaded::Offline => view! {
                <section class="card">
                    <p role="alert" class="error">{tr("网络不通,请稍后再试,或拨打服务热线。", "No connection; please try again later or call the service hotline.")}</p>
                </section>
            }.into_any(),
            Loaded::Ready(s) => view! { <ReportForm site=s/> }.into_any(),
        }}
    }
}

/// `GET /api/public/estates/{slug}/units/{unit}/rooms`.
#[derive(serde::Deserialize)]
struct RoomList {
    rooms: Vec<String>,
}

#[component]
fn ReportForm(site: Site) -> impl IntoView {
    let lang = use_lang();
    // Stored, not moved: the submit handler must stay `Copy` to be rebuilt with the form.
    let slug = StoredValue::new(site.slug.clone());
    let site = StoredValue::new(site);

    let text = RwSignal::new(String::new());
    let category = RwSignal::new(None::<Category>);
    let building = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let room = RwSignal::new(String::new());
    // The rooms of the chosen unit, asked of the server when the unit changes.
    let rooms = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        let u = unit.get();
        rooms.set(Vec::new());
        if u.is_empty() {
            return;
        }
        let url = format!("/api/public/estates/{}/units/{u}/rooms", slug.get_value());
        leptos::task::spawn_local(async move {
            if let Ok(list) = crate::api::get::<RoomList>(&url).await
                && unit.get_untracked() == u
            {
                rooms.set(list.rooms);
            }
        });
    });
    let phone = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let receipt = RwSignal::new(None::<Receipt>);
    // The answer to the safety question, and whether the form is asking it now: when the
    // text shows a sign of danger the classifier is unsure of, one plain yes/no comes
    // before sending, and a yes makes the report urgent (the server decides again).
    let danger = RwSignal::new(None::<bool>);
    let asking = RwSignal::new(false);
    // Photos uploaded so far (the server's content hashes), and whether one is on its way.
    let photos = RwSignal::new(Vec::<String>::new());
    // What the resident sees of each: a thumbnail of their own file (a local blob address, so
    // nothing is fetched back) with a button to take it out again.
    let previews = RwSignal::new(Vec::<(String, String)>::new());
    let remove_photo = move |hash: String| {
        photos.update(|p| p.retain(|h| *h != hash));
        previews.update(|p| {
            if let Some(at) = p.iter().position(|(h, _)| *h == hash) {
                let (_, url) = p.remove(at);
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        });
    };
    let uploading = RwSignal::new(false);
    let add_photo = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        if photos.with_untracked(|p| p.len() >= report::PHOTOS_MAX) {
            errors.set(vec![FieldError::new(
                ReportField::Photos,
                report::Problem::TooMany {
                    max: report::PHOTOS_MAX,
                },
            )]);
            return;
        }
        uploading.set(true);
        let url = format!("/api/public/estates/{}/photos", slug.get_value());
        let preview = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
        spawn_local(async move {
            match api::upload::<api::StoredPhoto>(&url, file).await {
                Ok(stored) => {
                    previews.update(|p| p.push((stored.hash.clone(), preview)));
                    photos.update(|p| p.push(stored.hash));
                }
                Err(ApiFailure::Status(_, _)) => errors.set(vec![FieldError::new(
                    ReportField::Photos,
                    report::Problem::Malformed,
                )]),
                Err(ApiFailure::Network(_)) => failure.set(Some(
                    lang.get_untracked()
                        .pick(
                            "网络不通,照片未上传。",
                            "No connection: the photo was not sent.",
                        )
                        .to_string(),
                )),
            }
            uploading.set(false);
        });
    };

    // The classifier's lexicon is not in the page's first load: fetched once the form is
    // interactive, then the suggestion appears (the server classifies again on arrival).
    let lexicon = RwSignal::new(anju_shared::classify::lexicon_ready());
    if !lexicon.get_untracked() {
        spawn_local(async move {
            if let Ok(words) = api::get::<String>("/lexicon.json").await {
                lexicon.set(anju_shared::classify::load_lexicon(words));
            }
        });
    }
    // Runs the shared classifier on every keystroke: no server round trip.
    let suggestion = Memo::new(move |_| {
        lexicon.get();
        let t = text.get();
        (!t.trim().is_empty()).then(|| classify(&t))
    });
    let units = move || {
        let b = building.get();
        site.with_value(|s| {
            s.buildings
                .iter()
                .find(|x| x.id == b)
                .map(|x| x.units.clone())
                .unwrap_or_default()
        })
    };
    let send = move || {
        if sending.get_untracked() {
            return;
        }
        let input = ReportInput {
            text: text.get_untracked(),
            category: category.get_untracked(),
            building: building.get_untracked(),
            unit: unit.get_untracked(),
            room: room.get_untracked(),
            phone: phone.get_untracked(),
            name: name.get_untracked(),
            notice_version: NOTICE_VERSION.into(),
            photos: photos.get_untracked(),
            danger: danger.get_untracked(),
        };
        failure.set(None);
        if let Err(found) = report::validate(&input) {
            errors.set(found);
            return;
        }
        errors.set(Vec::new());
        let unsure = suggestion.with_untracked(|s| s.as_ref().is_some_and(|s| s.safety_question));
        if report::needs_safety_answer(&input, unsure) {
            asking.set(true);
            return;
        }
        sending.set(true);
        let url = format!("/api/public/estates/{}/reports", slug.get_value());
        spawn_local(async move {
            match api::post::<_, Receipt>(&url, &input).await {
                Ok(r) => receipt.set(Some(r)),
                Err(ApiFailure::Status(_, body)) => {
                    if body.errors.is_empty() {
                        failure.set(Some(if body.error.is_empty() {
                            "error".to_string()
                        } else {
                            body.error
                        }));
                    } else {
                        errors.set(body.errors);
                    }
                }
                Err(ApiFailure::Network(_)) => failure.set(Some(
                    lang.get_untracked()
                        .pick(
                            "网络不通,报事未提交,请稍后重试。",
                            "No connection: the report was not sent. Please try again.",
                        )
                        .to_string(),
                )),
            }
            sending.set(false);
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send();
    };
    let answer = move |yes: bool| {
        danger.set(Some(yes));
        asking.set(false);
        send();
    };

    let form = move || {
        view! {
            <form class="card form" on:submit=submit novalidate>
                <h1>{move || site.with_value(|s| s.name.clone())} " · " {tr("报事报修", "Report a problem")}</h1>

                <Show when=move || !errors.get().is_empty() || failure.get().is_some()>
                    <div role="alert" class="error-summary" id="report-errors" tabindex="-1">
                        <ul>
                            {move || {
                                let l = lang.get();
                                errors.get().iter().map(|e| view! { <li>{e.message(l)}</li> }).collect_view()
                            }}
                            {move || failure.get().map(|f| view! { <li>{f}</li> })}
                        </ul>
                    </div>
                </Show>

                <label for="report-text">{field_label(ReportField::Text)}</label>
                <textarea
                    id="report-text"
                    name="text"
                    rows="4"
                    maxlength=TEXT_MAX_CHARS.to_string()
                    placeholder=tr("例如:卫生间漏水,请尽快来修", "e.g. the bathroom ceiling is leaking")
                    aria-invalid=invalid(errors, ReportField::Text)
                    prop:value=text
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        // A new text may need a new answer.
                        danger.set(None);
                        asking.set(false);
                    }
                ></textarea>
                <FieldHint field=ReportField::Text errors=errors/>

                <div class="suggestion" data-testid="suggestion" aria-live="polite">
                    {move || suggestion.get().map(|s| {
                        let pct = (s.confidence * 100.0).round() as u32;
                        view! {
                            <span class="muted">{tr("建议类别:", "Suggested category: ")}</span>
                            <strong class="chip">{tr(s.category.zh(), s.category.en())}</strong>
                            <span class="muted">{format!(" {pct}%")}</span>
                            {s.urgent.then(|| view! { <strong class="chip urgent">{tr("紧急", "Urgent")}</strong> })}
                        }
                    })}
                </div>

                <label for="report-category">{tr("类别", "Category")}</label>
                <select
                    id="report-category"
                    name="category"
                    on:change=move |ev| category.set(Category::parse(&event_target_value(&ev)))
                >
                    <option value="">{tr("按建议", "As suggested")}</option>
                    {Category::ALL.iter().map(|c| view! {
                        <option value=c.as_str()>{tr(c.zh(), c.en())}</option>
                    }).collect_view()}
                </select>

                <div class="row">
                    <div class="col">
                        <label for="report-building">{field_label(ReportField::Building)}</label>
                        <select
                            id="report-building"
                            name="building"
                            aria-invalid=invalid(errors, ReportField::Building)
                            on:change=move |ev| {
                                building.set(event_target_value(&ev));
                                unit.set(String::new());
                            }
                        >
                            <option value="">{tr("请选择", "Choose")}</option>
                            {site.with_value(|s| s.buildings.clone()).into_iter().map(|b| view! {
                                <option value=b.id>{b.name}</option>
                            }).collect_view()}
                        </select>
                        <FieldHint field=ReportField::Building errors=errors/>
                    </div>
                    <div class="col">
                        <label for="report-unit">{field_label(ReportField::Unit)}</label>
                        // Rebuilt whenever the building changes, so the first option is selected again.
                        {move || {
                            let choices = units();
                            view! {
                                <select
                                    id="report-unit"
                                    name="unit"
                                    aria-invalid=invalid(errors, ReportField::Unit)
                                    on:change=move |ev| unit.set(event_target_value(&ev))
                                >
                                    <option value="">{tr("请选择", "Choose")}</option>
                                    {choices.into_iter().map(|u| view! { <option value=u.id>{u.name}</option> }).collect_view()}
                                </select>
                            }
                        }}
                        <FieldHint field=ReportField::Unit errors=errors/>
                    </div>
                    <div class="col">
                        <TextField field=ReportField::Room value=room errors=errors inputmode="numeric" placeholder="101" list="report-rooms"/>
                        // The chosen unit's rooms, offered as the resident types: a room that
                        // does not exist is then rarely typed at all.
                        <datalist id="report-rooms" data-testid="rooms">
                            {move || rooms.get().into_iter().map(|r| view! { <option value=r></option> }).collect_view()}
                        </datalist>
                    </div>
                </div>

                <TextField field=ReportField::Phone value=phone errors=errors kind="tel" inputmode="tel" autocomplete="tel" placeholder="13812345678"/>
                <TextField field=ReportField::Name value=name errors=errors autocomplete="name" optional=true/>

                <label class="button secondary file" for="report-photos">
                    {field_label(ReportField::Photos)}
                    <span class="muted">{tr("(选填,最多 4 张)", "(optional, up to 4)")}</span>
                    <input id="report-photos" type="file" accept="image/jpeg,image/png,image/webp"
                        capture="environment" aria-invalid=invalid(errors, ReportField::Photos)
                        on:change=add_photo/>
                </label>
                <ul class="thumbs" data-testid="report-thumbs">
                    {move || {
                        let l = lang.get();
                        previews
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, (hash, url))| {
                                let n = i + 1;
                                let (alt, remove) = match l {
                                    Lang::Zh => (format!("照片 {n}"), format!("删除照片 {n}")),
                                    Lang::En => (format!("Photo {n}"), format!("Remove photo {n}")),
                                };
                                view! {
                                    <li>
                                        <img src=url alt=alt width="72" height="72"/>
                                        <button type="button" class="button secondary" aria-label=remove
                                            on:click=move |_| remove_photo(hash.clone())>"×"</button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <p class="muted" data-testid="report-photos">
                    {move || {
                        let n = photos.with(Vec::len);
                        let l = lang.get();
                        if uploading.get() {
                            l.pick("照片上传中…", "Uploading the photo…").to_string()
                        } else if n > 0 {
                            match l {
                                Lang::Zh => format!("已添加 {n} 张照片"),
                                Lang::En => format!("{n} photo(s) added"),
                            }
                        } else {
                            String::new()
                        }
                    }}
                </p>
                <FieldHint field=ReportField::Photos errors=errors/>
                <p class="notice muted">{tr("提交即表示您同意物业为处理本次报事使用您的联系方式;号码在工作人员列表中以掩码显示。", "By submitting you agree that the property office uses your contact details to handle this report; staff lists show your number masked.")}</p>

                <Show when=move || asking.get()>
                    <div class="safety" role="alertdialog" aria-labelledby="safety-question" data-testid="safety-question">
                        <p id="safety-question"><strong>{tr(SAFETY_QUESTION.0, SAFETY_QUESTION.1)}</strong></p>
                        <button type="button" class="button urgent" data-testid="safety-yes" on:click=move |_| answer(true)>{tr("是", "Yes")}</button>
                        <button type="button" class="button secondary" data-testid="safety-no" on:click=move |_| answer(false)>{tr("否", "No")}</button>
                    </div>
                </Show>

                <button type="submit" class="button primary" disabled=move || sending.get() || uploading.get()>
                    {move || if sending.get() { tr("提交中…", "Sending…") } else { tr("提交", "Submit") }}
                </button>
            </form>
        }
    };

    view! {
        {move || match receipt.get() {
            None => form().into_any(),
            Some(r) => view! { <Confirmation receipt=r/> }.into_any(),
        }}
    }
}

/// A field's label in the current language.
fn field_label(field: ReportField) -> Signal<&'static str> {
    tr(field.label(Lang::Zh), field.label(Lang::En))
}

/// `"true"` while the field is refused: `aria-invalid`, which also draws the red outline.
fn invalid(errors: RwSignal<Vec<FieldError>>, field: ReportField) -> Signal<String> {
    Signal::derive(move || {
        errors
            .with(|e| e.iter().any(|e| e.field == field))
            .to_string()
    })
}

/// The message under a field, when it was refused; always in the page (empty when the
/// field is fine), so the field's `aria-describedby` names an element that exists.
#[component]
fn FieldHint(field: ReportField, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let lang = use_lang();
    let message = move || {
        let l = lang.get();
        errors.with(|e| {
            e.iter()
                .find(|e| e.field == field)
                .map(|e| e.message(l))
                .unwrap_or_default()
        })
    };
    // report.js ties it to its field (`aria-describedby`) by `data-for`.
    view! { <p class="field-error" data-for=field.key()>{message}</p> }
}

/// A labelled text input bound to a signal, with its refusal message. One component for
/// every such field keeps the markup (and the compiled code) in one place.
#[component]
fn TextField(
    field: ReportField,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
    /// The id of a `<datalist>` of suggestions (the rooms of the chosen unit).
    #[prop(optional)]
    list: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = "")] placeholder: &'static str,
    #[prop(default = false)] optional: bool,
) -> impl IntoView {
    let id = format!("report-{}", field.key());
    view! {
        <label for=id.clone()>
            {field_label(field)}
            {optional.then(|| view! { <span class="muted">{tr("(选填)", "(optional)")}</span> })}
        </label>
        <input
            id=id
            name=field.key()
            type=kind
            inputmode=inputmode
            autocomplete=autocomplete
            placeholder=placeholder
            list=list
            aria-invalid=invalid(errors, field)
            prop:value=value
            on:input=move |ev| value.set(event_target_value(&ev))
        />
        <FieldHint field=field errors=errors/>
    }
}

/// The address as the resident will keep it (a screenshot, a note): with the host.
fn full_url(path: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{path}")
}

/// The receipt, shown at the top with the focus on it (see report.js: the view
/// would otherwise stay where the submit button was, below a phone's screen): the reference
/// large, the tracking link wrapped on a narrow screen with buttons to copy and open it, and
/// a way to report another problem.
#[component]
fn Confirmation(receipt: Receipt) -> impl IntoView {
    let category = receipt.category;
    let tracking = format!("/t/{}", receipt.tracking_token);
    let url = full_url(&tracking);
    let copy_url = url.clone();
    view! {
        <section class="card confirmation">
            <h1 tabindex="-1" id="receipt">{tr("已收到您的报事", "We have your report")}</h1>
            <p>{tr("受理编号", "Reference")}</p>
            <p class="reference" data-testid="reference">{receipt.reference.clone()}</p>
            <p>
                {tr("类别:", "Category: ")}
                <strong>{tr(category.zh(), category.en())}</strong>
                {receipt.urgent.then(|| view! { <strong class="chip urgent" data-testid="receipt-urgent">{tr("紧急", "Urgent")}</strong> })}
            </p>
            <p class="muted">{tr("客服将在规定时间内与您联系。请保存下面的跟踪链接,可随时查看进度。", "The front desk will contact you within the set time. Keep the tracking link below to follow progress.")}</p>
            // report.js adds the button that copies it (`data-copy`): copying needs script.
            <p class="tracking" data-copy=copy_url><a data-testid="tracking-link" href=tracking.clone()>{url}</a></p>
            <a class="button" href=tracking>{tr("查看进度", "Open the progress page")}</a>
            // The form again, fresh: a new load of this page, the form's own address.
            <a class="button secondary again" href="">
                {tr("再报一个问题", "Report another problem")}
            </a>
        </section>
    }
}
