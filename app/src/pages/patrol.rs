//! On patrol, on `/field/patrol` (V-3): today's routes of the caretaker from the estate's
//! patrol plan cached on the tablet, a round started with a snapshot of its route, each
//! checkpoint marked by its code (the camera through the browser's `BarcodeDetector`, or an NFC
//! tag through Web NFC, where the tablet has them) or picked by hand (recorded as the weaker
//! proof), each checklist item OK or a finding, and a finding made an order in one more tap
//! (channel `patrol`, the checkpoint as its place, the category the classifier suggests,
//! editable). Offline from start to end: everything is an event of the round (or of the new
//! order) in the device's log, sent at the next sync.
//!
//! A scanned code is matched to its checkpoint by digest (the plan carries each checkpoint's
//! current code digest, never the code): a code of another estate, another checkpoint or an
//! old sheet is refused here already, and the server judges the signature at sync.

use anju_shared::model::{Category, Channel};
use anju_shared::order::{EventBody, Reported};
use anju_shared::patrol::{self, CheckpointSnap, Proof, RoundState, RoundStep};
use anju_shared::subject::Subject;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use crate::clock;
use crate::i18n::{tr, use_lang};
use crate::lean::{dynamic, text};
use crate::pages::widgets::button;
use crate::sync::Engine;

/// The estate's local day now.
fn today(engine: Engine) -> chrono::NaiveDate {
    let offset = engine
        .estate()
        .map(|e| clock::parse_offset(&e.utc_offset))
        .unwrap_or_else(anju_shared::calendar::china_offset);
    chrono::DateTime::from_timestamp_millis(clock::now_ms())
        .unwrap_or_default()
        .with_timezone(&offset)
        .date_naive()
}

/// The patrol screens: the routes of today (`round` empty) or one round.
pub(crate) fn patrol_screen(engine: Engine, round: String) -> impl IntoView {
    if round.is_empty() {
        todays_routes(engine).into_any()
    } else {
        round_screen(engine, round).into_any()
    }
}

fn record(engine: Engine, subject: Subject, body: EventBody, error: RwSignal<String>) {
    spawn_local(async move {
        if let Err(e) = engine.record_about(subject, body).await {
            error.set(e.to_string());
        }
    });
}

fn todays_routes(engine: Engine) -> impl IntoView {
    let lang = use_lang();
    let error = RwSignal::new(String::new());
    let navigate = leptos_router::hooks::use_navigate();
    let rows = move || {
        let l = lang.get();
        let day = today(engine);
        let me = engine.me.get().map(|m| m.id).unwrap_or_default();
        let Some(plan) = engine.patrols.get() else {
            return view! { <p class="card muted">{l.pick("本机还没有巡查路线:联网后自动获取。", "No patrol routes on this tablet yet: they arrive once online.")}</p> }.into_any();
        };
        let routes = plan.routes_for(&me, day);
        if routes.is_empty() {
            return view! { <p class="card muted">{l.pick("今天没有您的巡查路线", "No route of yours today")}</p> }.into_any();
        }
        let rounds: Vec<Option<RoundState>> = engine.events.with(|events| {
            routes
                .iter()
                .map(|r| patrol::fold_round(&patrol::round_id(&r.id, day), events))
                .collect()
        });
        routes
            .into_iter()
            .zip(rounds)
            .map(|(route, state)| {
                let id = patrol::round_id(&route.id, day);
                let href = format!("/field/patrol/{id}");
                let snapshot = plan.snapshot(route, day);
                let status = match &state {
                    Some(s) => {
                        let c = s.compliance();
                        format!("{} {}/{} · {}%", l.pick("已巡", "scanned"), c.scanned, c.expected, c.percent)
                    }
                    None => l.pick("未开始", "not started").to_string(),
                };
                let started = state.is_some();
                let navigate = navigate.clone();
                let start = move |_| {
                    let id = id.clone();
                    let href = href.clone();
                    if !started {
                        record(
                            engine,
                            Subject::round(id.clone()),
                            EventBody::Round(RoundStep::Started(snapshot.clone())),
                            error,
                        );
                    }
                    navigate(&href, Default::default());
                };
                view! {
                    <li class="order" data-testid="patrol-route">
                        <strong>{route.name.clone()}</strong>
                        <span class="muted">{format!(" {}–{} · {} {}", route.earliest, route.latest, route.checkpoints.len(), l.pick("个点", "checkpoints"))}</span>
                        <span class="chip">{status}</span>
                        <button type="button" class="button primary" on:click=start>
                            {if started { l.pick("继续巡查", "Continue") } else { l.pick("开始巡查", "Start round") }}
                        </button>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <a class="button secondary back" href="/field">{tr("← 返回列表", "← Back to the list")}</a>
        <h2>{tr("今日巡查", "Today's patrols")}</h2>
        <p role="alert" class="error">{error}</p>
        <ul class="inbox">{dynamic(rows)}</ul>
    }
}

/// What the scanner read, and for which checkpoint the caretaker opened it.
#[derive(Clone, PartialEq)]
struct Scanning {
    checkpoint: String,
}

fn round_screen(engine: Engine, round: String) -> impl IntoView {
    let lang = use_lang();
    let error = RwSignal::new(String::new());
    let round = StoredValue::new(round);
    let state = Memo::new(move |_| {
        engine
            .events
            .with(|e| patrol::fold_round(&round.get_value(), e))
    });
    let threshold = Memo::new(move |_| engine.patrols.get().map_or(70, |p| p.threshold));
    let scanning = RwSignal::new(None::<Scanning>);
    // The checklist item a finding is being written for: (checkpoint, item).
    let finding = RwSignal::new(None::<(String, String)>);

    let summary = move || {
        let l = lang.get();
        state
            .get()
            .map(|s| crate::pages::patrols::round_card(l, &s, threshold.get()))
    };
    let points = move || {
        let l = lang.get();
        let Some(s) = state.get() else {
            return view! { <p class="card muted">{l.pick("正在开始巡查…", "Starting the round…")}</p> }.into_any();
        };
        s.start
            .checkpoints
            .iter()
            .enumerate()
            .map(|(n, cp)| checkpoint_card(engine, &s, n, cp, scanning, finding, error).into_any())
            .collect_view()
            .into_any()
    };
    view! {
        <a class="button secondary back" href="/field/patrol">{tr("← 今日巡查", "← Today's patrols")}</a>
        <p role="alert" class="error" data-testid="patrol-error">{error}</p>
        {dynamic(summary)}
        {dynamic(move || scanning.get().map(|s| scanner(engine, round.get_value(), s.checkpoint, scanning, error)))}
        {dynamic(move || finding.get().map(|(cp, item)| finding_form(engine, round.get_value(), cp, item, finding, error)))}
        <ol class="patrol-points">{dynamic(points)}</ol>
    }
}

fn checkpoint_card(
    engine: Engine,
    s: &RoundState,
    n: usize,
    cp: &CheckpointSnap,
    scanning: RwSignal<Option<Scanning>>,
    finding: RwSignal<Option<(String, String)>>,
    error: RwSignal<String>,
) -> impl IntoView + use<> {
    let lang = use_lang();
    let l = lang.get_untracked();
    let round = s.id.clone();
    let scan = s.scans.get(&cp.id).cloned();
    let id = cp.id.clone();
    let pick = {
        let (round, id) = (round.clone(), id.clone());
        move |_| {
            record(
                engine,
                Subject::round(round.clone()),
                EventBody::Round(RoundStep::Scanned {
                    checkpoint_id: id.clone(),
                    proof: Proof::Manual,
                    token: String::new(),
                }),
                error,
            );
        }
    };
    let open_scanner = {
        let id = id.clone();
        move |_| {
            scanning.set(Some(Scanning {
                checkpoint: id.clone(),
            }))
        }
    };
    let has_nfc = has_global("NDEFReader");
    let nfc = {
        let (round, id) = (round.clone(), id.clone());
        move |_| read_nfc(engine, round.clone(), id.clone(), error)
    };
    let status = match &scan {
        None => view! { <span class="chip" data-testid="checkpoint-status">{l.pick("未巡", "not scanned")}</span> }.into_any(),
        Some(sc) => {
            let flags = sc.flags.iter().map(|f| l.pick(f.zh(), f.en())).collect::<Vec<_>>().join("、");
            view! {
                <span class="chip" data-testid="checkpoint-status" data-proof=sc.proof.as_str()>
                    {format!("{} {} · {}", l.pick("已巡", "scanned"), clock::short(&sc.at), l.pick(sc.proof.zh(), sc.proof.en()))}
                </span>
                {(!flags.is_empty()).then(|| view! { <span class="chip urgent">{flags}</span> })}
            }
            .into_any()
        }
    };
    let items = cp
        .checklist
        .iter()
        .map(|item| {
            let verdict = s.checks.iter().find(|c| c.checkpoint_id == cp.id && c.item == *item).cloned();
            let (round_ok, id_ok, item_ok) = (round.clone(), id.clone(), item.clone());
            let ok = move |_| {
                record(
                    engine,
                    Subject::round(round_ok.clone()),
                    EventBody::Round(RoundStep::Checked {
                        checkpoint_id: id_ok.clone(),
                        item: item_ok.clone(),
                        ok: true,
                        note: String::new(),
                        photos: Vec::new(),
                        urgent: false,
                    }),
                    error,
                );
            };
            let (id_bad, item_bad) = (id.clone(), item.clone());
            let bad = move |_| finding.set(Some((id_bad.clone(), item_bad.clone())));
            let raise = verdict
                .as_ref()
                .filter(|v| !v.ok && v.order_id.is_none())
                .map(|v| {
                    let v = v.clone();
                    let (round, cp) = (round.clone(), cp.clone());
                    move |_| raise_order(engine, &round, &cp, &v, error)
                });
            let shown = match &verdict {
                None => String::new(),
                Some(v) if v.ok => l.pick("正常", "OK").to_string(),
                Some(v) => format!(
                    "{}{}{}",
                    l.pick("发现问题:", "Finding: "),
                    v.note,
                    if v.order_id.is_some() { l.pick("(已转工单)", " (order raised)") } else { "" }
                ),
            };
            view! {
                <li class="patrol-item" data-testid="checklist-item">
                    <span>{item.clone()}</span>
                    <span class="muted" data-testid="item-verdict">{shown}</span>
                    <button type="button" class="button secondary" on:click=ok>{l.pick("正常", "OK")}</button>
                    <button type="button" class="button secondary" on:click=bad>{l.pick("有问题", "Finding")}</button>
                    {raise.map(|raise| view! {
                        <button type="button" class="button primary" data-testid="raise-order" on:click=raise>{l.pick("转为工单", "Make an order")}</button>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="card patrol-point" data-testid="patrol-checkpoint" data-checkpoint=cp.id.clone()>
            <h3>{format!("{}. {}", n + 1, cp.name)}</h3>
            <p class="muted">{cp.place.clone()}</p>
            {status}
            <div class="actions">
                <button type="button" class="button primary" on:click=open_scanner>{l.pick("扫码", "Scan code")}</button>
                {has_nfc.then(|| view! { <button type="button" class="button" on:click=nfc>{l.pick("碰 NFC 标签", "Tap NFC tag")}</button> })}
                <button type="button" class="button secondary" data-testid="manual-pick" on:click=pick>{l.pick("手动确认(证据较弱)", "Pick by hand (weaker proof)")}</button>
            </div>
            <ul class="plain">{items}</ul>
        </li>
    }
}

/// A finding's words, urgency and photos (kept on the tablet, named by their hash, uploaded
/// by the sync).
fn finding_form(
    engine: Engine,
    round: String,
    checkpoint: String,
    item: String,
    open: RwSignal<Option<(String, String)>>,
    error: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let note = RwSignal::new(String::new());
    let urgent = RwSignal::new(false);
    let photos = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    // Kept on the tablet and named at once, offline too; the sync uploads it before the
    // finding's event goes out.
    let add_photo = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        busy.set(true);
        spawn_local(async move {
            match engine.keep_photo_file(file).await {
                Ok(hash) => photos.update(|p| {
                    if !p.contains(&hash) {
                        p.push(hash);
                    }
                }),
                Err(e) => error.set(e),
            }
            busy.set(false);
        });
    };
    let item_shown = item.clone();
    let save = Callback::new(move |()| {
        let text = note.get_untracked().trim().to_string();
        if text.is_empty() {
            error.set(
                lang.get_untracked()
                    .pick("请写几个字说明问题", "Say in a few words what is wrong")
                    .into(),
            );
            return;
        }
        record(
            engine,
            Subject::round(round.clone()),
            EventBody::Round(RoundStep::Checked {
                checkpoint_id: checkpoint.clone(),
                item: item.clone(),
                ok: false,
                note: text,
                photos: photos.get_untracked(),
                urgent: urgent.get_untracked(),
            }),
            error,
        );
        open.set(None);
    });
    view! {
        <div class="card form" data-testid="finding-form">
            <h3>{tr("发现问题", "Finding")} " · " {item_shown}</h3>
            <label for="finding-note">{tr("说明(几个字)", "What is wrong (a few words)")}</label>
            <input id="finding-note" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))/>
            <label class="choice">
                <input type="checkbox" prop:checked=urgent on:change=move |ev| urgent.set(event_target_checked(&ev))/>
                {tr("紧急", "Urgent")}
            </label>
            <label class="button file">
                {tr("拍照", "Take a photo")}
                <input type="file" accept="image/jpeg,image/png,image/webp" capture="environment" on:change=add_photo/>
            </label>
            <span class="muted">{text(move || photos.with(|p| if p.is_empty() { String::new() } else { format!("📷 {}", p.len()) }))}</span>
            <div class="actions">
                {button("button primary", tr("保存问题", "Save finding"), busy.into(), save)}
                {button("button secondary", tr("取消", "Cancel"), false.into(), Callback::new(move |()| open.set(None)))}
            </div>
        </div>
    }
}

/// One more tap: the finding becomes an order of the estate (channel `patrol`, the checkpoint
/// as its place, the category `shared`'s classifier suggests from the words; the desk may
/// change it), its photos go with it, and the round records which order it became.
fn raise_order(
    engine: Engine,
    round: &str,
    cp: &CheckpointSnap,
    check: &anju_shared::patrol::Check,
    error: RwSignal<String>,
) {
    let words = format!("{}:{}", check.item, check.note);
    let suggestion = anju_shared::classify::classify(&words);
    let category = if suggestion.category == Category::Consultation {
        Category::Equipment
    } else {
        suggestion.category
    };
    let mut report = Reported::by_staff(&words, Channel::Patrol, category);
    report.urgent = check.urgent || suggestion.urgent;
    report.topic = suggestion.topic.clone();
    report.location = format!("{} {}", cp.name, cp.place)
        .trim()
        .chars()
        .take(100)
        .collect();
    let order = crate::store::uuid_v7(clock::now_ms());
    let photos = check.photos.clone();
    let raised = EventBody::Round(RoundStep::Raised {
        checkpoint_id: cp.id.clone(),
        item: check.item.clone(),
        order_id: order.clone(),
    });
    let round = round.to_string();
    spawn_local(async move {
        let steps = std::iter::once((Subject::order(order.clone()), EventBody::Reported(report)))
            .chain(
                photos
                    .into_iter()
                    .map(|hash| (Subject::order(order.clone()), EventBody::Photo { hash })),
            )
            .chain(std::iter::once((Subject::round(round), raised)));
        for (subject, body) in steps {
            if let Err(e) = engine.record_about(subject, body).await {
                error.set(e.to_string());
                return;
            }
        }
    });
}

fn has_global(name: &str) -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &name.into()).ok())
        .is_some_and(|v| !v.is_undefined())
}

/// Records a scanned code at `checkpoint`, or says why not: a code matched to no checkpoint of
/// the estate by digest, or to another checkpoint than the one opened.
fn scanned(
    engine: Engine,
    round: &str,
    checkpoint: &str,
    token: &str,
    proof: Proof,
    error: RwSignal<String>,
) -> bool {
    let l = crate::i18n::current();
    let Some(plan) = engine.patrols.get_untracked() else {
        return false;
    };
    match plan.by_digest(token) {
        Some(c) if c.id == checkpoint => {
            record(
                engine,
                Subject::round(round),
                EventBody::Round(RoundStep::Scanned {
                    checkpoint_id: checkpoint.to_string(),
                    proof,
                    token: token.to_string(),
                }),
                error,
            );
            error.set(String::new());
            true
        }
        Some(c) => {
            error.set(format!(
                "{}{}",
                l.pick(
                    "这是另一个巡查点的码:",
                    "This is the code of another checkpoint: "
                ),
                c.name
            ));
            false
        }
        None => {
            error.set(
                l.pick(
                    "不是本小区当前的巡查码(其他小区的码、伪造或已重新打印)",
                    "Not a current code of this estate (another estate's, forged, or from an old sheet)",
                )
                .into(),
            );
            false
        }
    }
}

/// The camera, read a few times a second until a code of this checkpoint is seen: by the
/// browser's `BarcodeDetector` where it has one, else by the QR decoder compiled to wasm
/// (`qr/`), which `boot.js` fetches on the first frame only.
fn scanner(
    engine: Engine,
    round: String,
    checkpoint: String,
    open: RwSignal<Option<Scanning>>,
    error: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let video = NodeRef::<leptos::html::Video>::new();
    let note = RwSignal::new(String::new());
    let native = has_global("BarcodeDetector");
    let supported = native || has_global("anjuDecodeQr");
    let stream = StoredValue::new_local(None::<JsValue>);
    let stop = move || {
        if let Some(s) = stream.get_value() {
            stop_stream(&s);
        }
        open.set(None);
    };
    if supported {
        let (round, checkpoint) = (round.clone(), checkpoint.clone());
        spawn_local(async move {
            let Some(media) = camera().await else {
                note.set(
                    lang.get_untracked()
                        .pick("无法打开摄像头", "Cannot open the camera")
                        .into(),
                );
                return;
            };
            stream.set_value(Some(media.clone()));
            let Some(el) = video.get_untracked() else {
                stop_stream(&media);
                return;
            };
            let _ = js_sys::Reflect::set(&el, &"srcObject".into(), &media);
            let _ = el.play();
            let detector = if native { detector() } else { None };
            // Until a code is taken, the scanner is closed, or about a minute passes.
            for _ in 0..200 {
                if open.get_untracked().is_none() {
                    break;
                }
                sleep_ms(300).await;
                let read = match &detector {
                    Some(d) => detect(d, &el).await,
                    None => decode_frame(&el).await,
                };
                if let Some(token) = read
                    && scanned(engine, &round, &checkpoint, &token, Proof::Qr, error)
                {
                    break;
                }
            }
            stop_stream(&media);
            open.set(None);
        });
    }
    view! {
        <div class="card scanner" data-testid="scanner">
            {if supported {
                view! { <video node_ref=video class="scanner-video" autoplay=true muted=true playsinline=true></video> }.into_any()
            } else {
                view! { <p class="muted">{tr("此浏览器不能识别二维码,请手动确认巡查点。", "This browser cannot read QR codes: pick the checkpoint by hand.")}</p> }.into_any()
            }}
            <p class="muted">{note}</p>
            {button("button secondary", tr("关闭", "Close"), false.into(), Callback::new(move |()| stop()))}
        </div>
    }
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn call(target: &JsValue, method: &str, args: &js_sys::Array) -> Option<JsValue> {
    let f: js_sys::Function = js_sys::Reflect::get(target, &method.into())
        .ok()?
        .dyn_into()
        .ok()?;
    f.apply(target, args).ok()
}

async fn camera() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let devices = js_sys::Reflect::get(&navigator, &"mediaDevices".into()).ok()?;
    let constraints = js_sys::Object::new();
    let video = js_sys::Object::new();
    js_sys::Reflect::set(&video, &"facingMode".into(), &"environment".into()).ok()?;
    js_sys::Reflect::set(&constraints, &"video".into(), &video).ok()?;
    let promise: js_sys::Promise =
        call(&devices, "getUserMedia", &js_sys::Array::of1(&constraints))?
            .dyn_into()
            .ok()?;
    wasm_bindgen_futures::JsFuture::from(promise).await.ok()
}

fn stop_stream(stream: &JsValue) {
    if let Some(tracks) = call(stream, "getTracks", &js_sys::Array::new()) {
        for t in js_sys::Array::from(&tracks).iter() {
            let _ = call(&t, "stop", &js_sys::Array::new());
        }
    }
}

fn detector() -> Option<JsValue> {
    let window = web_sys::window()?;
    let ctor: js_sys::Function = js_sys::Reflect::get(&window, &"BarcodeDetector".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(
        &options,
        &"formats".into(),
        &js_sys::Array::of1(&"qr_code".into()),
    )
    .ok()?;
    js_sys::Reflect::construct(&ctor, &js_sys::Array::of1(&options)).ok()
}

async fn detect(detector: &JsValue, video: &web_sys::HtmlVideoElement) -> Option<String> {
    let promise: js_sys::Promise = call(detector, "detect", &js_sys::Array::of1(video))?
        .dyn_into()
        .ok()?;
    let found = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let first = js_sys::Array::from(&found).get(0);
    js_sys::Reflect::get(&first, &"rawValue".into())
        .ok()?
        .as_string()
}

/// One camera frame through a canvas to the wasm decoder (`window.anjuDecodeQr`, boot.js).
async fn decode_frame(video: &web_sys::HtmlVideoElement) -> Option<String> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return None;
    }
    let window = web_sys::window()?;
    let canvas = window.document()?.create_element("canvas").ok()?;
    js_sys::Reflect::set(&canvas, &"width".into(), &w.into()).ok()?;
    js_sys::Reflect::set(&canvas, &"height".into(), &h.into()).ok()?;
    let context = call(&canvas, "getContext", &js_sys::Array::of1(&"2d".into()))?;
    call(
        &context,
        "drawImage",
        &js_sys::Array::of3(video, &0.into(), &0.into()),
    )?;
    let image = call(
        &context,
        "getImageData",
        &js_sys::Array::of4(&0.into(), &0.into(), &w.into(), &h.into()),
    )?;
    let data = js_sys::Reflect::get(&image, &"data".into()).ok()?;
    let promise: js_sys::Promise = call(
        &window,
        "anjuDecodeQr",
        &js_sys::Array::of3(&data, &w.into(), &h.into()),
    )?
    .dyn_into()
    .ok()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .as_string()
}

/// Web NFC (Chrome on Android): the same code written on a tag, read by a tap.
fn read_nfc(engine: Engine, round: String, checkpoint: String, error: RwSignal<String>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(ctor) = js_sys::Reflect::get(&window, &"NDEFReader".into())
        .ok()
        .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let Ok(reader) = js_sys::Reflect::construct(&ctor, &js_sys::Array::new()) else {
        return;
    };
    let on_reading =
        wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let record = js_sys::Reflect::get(&event, &"message".into())
                .and_then(|m| js_sys::Reflect::get(&m, &"records".into()))
                .map(|r| js_sys::Array::from(&r).get(0))
                .ok();
            let data = record.and_then(|r| js_sys::Reflect::get(&r, &"data".into()).ok());
            let text = data.and_then(|d| {
                let ctor: js_sys::Function =
                    js_sys::Reflect::get(&web_sys::window()?.into(), &"TextDecoder".into())
                        .ok()?
                        .dyn_into()
                        .ok()?;
                let decoder = js_sys::Reflect::construct(&ctor, &js_sys::Array::new()).ok()?;
                call(&decoder, "decode", &js_sys::Array::of1(&d))?.as_string()
            });
            if let Some(token) = text {
                scanned(engine, &round, &checkpoint, token.trim(), Proof::Nfc, error);
            }
        });
    let _ = js_sys::Reflect::set(&reader, &"onreading".into(), on_reading.as_ref());
    // The reader lives as long as the page: one tap reads one tag.
    on_reading.forget();
    let _ = call(&reader, "scan", &js_sys::Array::new());
}
