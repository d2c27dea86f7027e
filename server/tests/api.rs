//! Black-box tests of the server over real HTTP: the report-to-desk flow, refusals, login,
//! static serving, `/api/eval`, and the real `anju` binary (eval, restart). Each test runs on a
//! real SQLite file, or on a fresh PostgreSQL database when `ANJU_TEST_PG_URL` is set —
//! `cargo xtask test` runs the whole suite both ways.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{CSRF, TestApp, audit_count, listed, logged_in, send_json};
use serde_json::{Value, json};

/// The database of one test: a fresh PostgreSQL database when `ANJU_TEST_PG_URL` is set
/// (`cargo xtask test` runs this whole suite on both backends), else a SQLite file in `dir`.
async fn test_db(dir: &tempfile::TempDir) -> String {
    if common::on_postgres() {
        common::fresh_database().await
    } else {
        format!("sqlite://{}", dir.path().join("anju.db").display())
    }
}

async fn app() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::spawn(&test_db(&dir).await).await;
    (app, dir)
}

#[tokio::test]
async fn health_names_version_and_database() {
    let (app, _dir) = app().await;
    let resp = app
        .client
        .get(app.url("/api/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    let backend = if common::on_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], backend);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn a_report_reaches_the_desk() {
    let (app, _dir) = app().await;
    common::story_report_to_desk(&app).await;
}

#[tokio::test]
async fn callbacks_keep_the_hours_and_a_low_score_reopens() {
    let (app, _dir) = app().await;
    common::callbacks::story_callback_hours_scores_and_appointments(&app).await;
}

#[tokio::test]
async fn the_desk_finds_a_caller_by_number() {
    let (app, _dir) = app().await;
    common::callbacks::story_the_desk_finds_a_caller_by_number(&app).await;
}

#[tokio::test]
async fn residents_rate_the_finished_work_once() {
    let (app, _dir) = app().await;
    common::callbacks::story_residents_rate_once_after_completion(&app).await;
}

#[tokio::test]
async fn concurrent_reports_are_all_stored_once() {
    let (app, _dir) = app().await;
    common::story_concurrent_reports(&[&app], 24).await;
}

#[tokio::test]
async fn devices_converge_under_hostile_delivery_and_skewed_clocks() {
    // Several reproducible scenarios: 3 to 5 devices, clocks up to a day off.
    for seed in 1..=6u64 {
        let (app, _dir) = app().await;
        let devices = 3 + (seed % 3) as usize;
        common::devices::story_devices_converge(&[&app], seed, devices, 24 * 3_600_000).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_devices_never_skip_an_event() {
    let (app, _dir) = app().await;
    common::devices::story_concurrent_devices(&[&app], 4, 25).await;
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_full_sync() {
    if common::on_postgres() {
        return;
    }
    let (app, _dir) = app().await;
    use sqlx::Row;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&app.db.pool)
        .await
        .expect("pragma")
        .try_get(0)
        .expect("mode");
    assert_eq!(mode.to_lowercase(), "wal");
    let sync: i64 = sqlx::query("PRAGMA synchronous")
        .fetch_one(&app.db.pool)
        .await
        .expect("pragma")
        .try_get(0)
        .expect("sync");
    assert_eq!(sync, 2, "synchronous=FULL");
}

#[tokio::test]
async fn the_demo_estate_is_seeded_once() {
    let (app, _dir) = app().await;
    let site: Value = app.get_json(&app.client, "/api/public/estates/cuihu").await;
    assert_eq!(site["name"], "翠湖花园");
    let buildings = site["buildings"].as_array().expect("buildings");
    assert_eq!(buildings.len(), 12);
    for b in buildings {
        let units = b["units"].as_array().expect("units").len();
        assert!((2..=4).contains(&units));
        assert!(b["footprint"].as_array().expect("footprint").len() >= 4);
    }
    // Seeding again is a no-op.
    assert!(
        !anju_server::seed::seed_demo_if_empty(&app.db)
            .await
            .expect("seed")
    );
}

#[tokio::test]
async fn bad_reports_name_the_field_and_store_nothing() {
    let (app, _dir) = app().await;
    let good = app.valid_report("门口路灯坏了").await;
    let before = app.events_stored().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "text": "" }), "text"),
        (json!({ "text": "漏".repeat(501) }), "text"),
        (json!({ "phone": "12345" }), "phone"),
        (json!({ "phone": "" }), "phone"),
        (json!({ "building": "bld-nowhere" }), "building"),
        (json!({ "unit": "bld-cuihu-1-u9" }), "unit"),
        (json!({ "room": "9999" }), "room"),
        (json!({ "room": "' OR 1=1 --" }), "room"),
    ];
    for (patch, field) in cases {
        let mut body = good.clone();
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        let resp = app.report(&body).await;
        assert_eq!(resp.status(), 400, "{patch}");
        let err: Value = resp.json().await.expect("json");
        assert_eq!(err["field"], field, "{patch} → {err}");
        assert!(
            err["error"].as_str().unwrap_or("").starts_with(field),
            "{err}"
        );
    }
    // A body that is not the form at all.
    let resp = app
        .client
        .post(app.url("/api/public/estates/cuihu/reports"))
        .header(CSRF.0, CSRF.1)
        .header("content-type", "application/json")
        .body(r#"{"text": "漏水"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(err["field"], "building", "{err}");
    // An unknown estate.
    let resp = app
        .client
        .post(app.url("/api/public/estates/nowhere/reports"))
        .header(CSRF.0, CSRF.1)
        .json(&good)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 404);
    // Without the CSRF header.
    let resp = app
        .client
        .post(app.url("/api/public/estates/cuihu/reports"))
        .json(&good)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 403);
    assert_eq!(
        app.events_stored().await,
        before,
        "no refused report stored anything"
    );
}

#[tokio::test]
async fn the_desk_needs_a_login_with_a_desk_role() {
    let (app, _dir) = app().await;
    let anon = app.browser();
    let resp = anon
        .get(app.url("/api/desk/orders"))
        .send()
        .await
        .expect("inbox");
    assert_eq!(resp.status(), 401);

    let resp = anon
        .post(app.url("/api/login"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "username": "desk", "password": "wrong password" }))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 401);
    let resp = anon
        .post(app.url("/api/login"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "username": "nobody", "password": "anju-demo-2026" }))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 401);

    let tech = app.browser();
    let resp = app.login(&tech, "tech1").await;
    assert_eq!(resp.status(), 200);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let resp = tech
        .get(app.url("/api/desk/orders"))
        .send()
        .await
        .expect("inbox");
    assert_eq!(resp.status(), 403, "a technician does not work the desk");

    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let resp = desk
        .get(app.url("/api/desk/orders"))
        .send()
        .await
        .expect("inbox");
    assert_eq!(resp.status(), 200);
    let resp = desk
        .get(app.url("/api/desk/orders?estate=est-elsewhere"))
        .send()
        .await
        .expect("inbox");
    assert_eq!(resp.status(), 403, "no estate but one's own");

    let resp = desk
        .post(app.url("/api/logout"))
        .header(CSRF.0, CSRF.1)
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), 200);
    let resp = desk
        .get(app.url("/api/desk/orders"))
        .send()
        .await
        .expect("inbox");
    assert_eq!(resp.status(), 401, "logout ends the session on the server");
}

#[tokio::test]
async fn the_app_is_served_with_spa_fallback_wasm_mime_headers_and_compression() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("dist");
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>anju</title>",
    )
    .expect("index");
    std::fs::write(
        dist.join("report.html"),
        "<!doctype html><title>anju report</title>",
    )
    .expect("report page");
    // Big and repetitive enough to be worth compressing.
    std::fs::write(dist.join("anju_app_bg.wasm"), vec![0u8; 64 * 1024]).expect("wasm");
    std::fs::write(dist.join("anju.css"), "body{}\n".repeat(2000)).expect("css");
    let app = TestApp::spawn_with_dist(&test_db(&dir).await, dist).await;

    // The resident form is its own page; every other route is the staff app's.
    for (path, title) in [
        ("/r/cuihu", "<title>anju report</title>"),
        ("/t/0123abcd", "<title>anju report</title>"),
        ("/desk", "<title>anju</title>"),
        ("/", "<title>anju</title>"),
    ] {
        let resp = app.client.get(app.url(path)).send().await.expect("page");
        assert_eq!(resp.status(), 200, "{path}");
        let csp = resp
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(csp.contains("object-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("'unsafe-eval'") && !csp.contains("unsafe-inline"));
        assert_eq!(
            resp.headers()
                .get("x-content-type-options")
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert!(resp.text().await.expect("body").contains(title), "{path}");
    }
    let resp = app
        .client
        .get(app.url("/anju_app_bg.wasm"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("wasm");
    assert_eq!(
        resp.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/wasm"[..])
    );
    assert_eq!(
        resp.headers().get("content-encoding").map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    // An unknown API path is a JSON 404, not the app.
    let resp = app
        .client
        .get(app.url("/api/nothing"))
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.expect("json");
    assert!(body["error"].is_string());
}

/// The first public test vector, for the eval tests.
fn first_public_case() -> (Value, Value) {
    let cases: Value = serde_json::from_str(include_str!("../../shared/tests/cases/public.json"))
        .expect("public cases");
    let case = &cases[0];
    (case["input"].clone(), case["expect"].clone())
}

#[tokio::test]
async fn api_eval_answers_like_the_contract() {
    let (app, _dir) = app().await;
    let (input, expect) = first_public_case();
    let resp = app
        .client
        .post(app.url("/api/eval"))
        .json(&input)
        .send()
        .await
        .expect("eval");
    assert_eq!(resp.status(), 200);
    let got: Value = resp.json().await.expect("json");
    assert_eq!(got, expect);

    let mut bad = input.clone();
    bad["orders"][0]["reported_at"] = json!("yesterday");
    let resp = app
        .client
        .post(app.url("/api/eval"))
        .json(&bad)
        .send()
        .await
        .expect("eval");
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("json");
    assert!(
        err["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("orders[0].reported_at"),
        "{err}"
    );
    // Open to anyone, so throttled per address: 60 a minute, then 429 with a time to wait.
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let resp = app
            .client
            .post(app.url("/api/eval"))
            .json(&bad)
            .send()
            .await
            .expect("eval");
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            assert!(resp.headers().contains_key("retry-after"));
            break;
        }
    }
    assert_eq!(
        statuses.len(),
        59,
        "the 61st in a minute is refused: {statuses:?}"
    );
    assert!(statuses[..58].iter().all(|s| *s == 400), "{statuses:?}");
    assert_eq!(statuses[58], 429);
}

fn anju() -> Command {
    Command::new(env!("CARGO_BIN_EXE_anju"))
}

#[test]
fn anju_eval_reads_stdin_and_refuses_bad_input_with_exit_2() {
    let (input, expect) = first_public_case();
    let run = |stdin: &str| {
        let mut child = anju()
            .arg("eval")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn anju eval");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child.wait_with_output().expect("output")
    };
    let out = run(&input.to_string());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(got, expect);

    let mut bad = input.clone();
    bad["orders"][0]["reported_at"] = json!("not a time");
    let out = run(&bad.to_string());
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("orders[0].reported_at"), "{stderr}");

    let out = run("{ not json");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// Starts the real binary on a free port; returns it and its base URL once it is healthy.
fn start_binary(db_url: &str) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = anju()
        .arg("serve")
        .env("ANJU_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", db_url)
        .env("ANJU_DIST", "no-dist-in-tests")
        // reqwest's cookie store keeps `Secure` cookies for https only.
        .env("ANJU_COOKIE_SECURE", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn anju serve");
    let base = format!("http://127.0.0.1:{port}");
    // Up to a minute: a first start migrates and seeds the demo company's year of history,
    // which a machine busy with other builds does slowly.
    for _ in 0..1200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, base);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("anju did not start listening on {base}");
}

#[tokio::test]
async fn restarting_the_server_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = test_db(&dir).await;
    let client = reqwest::Client::new();

    let (mut first, base) = start_binary(&db_url);
    let site: Value = client
        .get(format!("{base}/api/public/estates/cuihu"))
        .send()
        .await
        .expect("site")
        .json()
        .await
        .expect("json");
    let body = json!({
        "text": "电梯按钮失灵",
        "building": site["buildings"][1]["id"],
        "unit": site["buildings"][1]["units"][0]["id"],
        "room": "",
        "phone": "13912345678",
    });
    let resp = client
        .post(format!("{base}/api/public/estates/cuihu/reports"))
        .header(CSRF.0, CSRF.1)
        .json(&body)
        .send()
        .await
        .expect("report");
    assert_eq!(resp.status(), 201);
    let receipt: Value = resp.json().await.expect("receipt");
    // A hard stop: no chance to flush anything after the answer.
    first.kill().expect("kill");
    first.wait().expect("wait");

    let (mut second, base) = start_binary(&db_url);
    let desk = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let resp = desk
        .post(format!("{base}/api/login"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "username": "desk", "password": anju_server::seed::DEMO_PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    let inbox: Value = desk
        .get(format!("{base}/api/desk/orders"))
        .send()
        .await
        .expect("inbox")
        .json()
        .await
        .expect("json");
    second.kill().expect("kill");
    second.wait().expect("wait");
    let orders = inbox["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 1, "one order, and the demo seeded only once");
    assert_eq!(orders[0]["reference"], receipt["reference"]);
    assert_eq!(orders[0]["events"][0]["body"]["text"], "电梯按钮失灵");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_never_loses_an_acknowledged_event() {
    use anju_shared::order::EventBody;
    use common::devices::{Device, Rng};
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = test_db(&dir).await;
    let mut rng = Rng(42);
    let mut acked: std::collections::BTreeSet<String> = Default::default();
    let mut order = String::new();
    let mut device: Option<Device> = None;
    for kill in 0..20 {
        let (mut child, base) = start_binary(&db_url);
        if order.is_empty() {
            let client = reqwest::Client::new();
            let site: Value = client
                .get(format!("{base}/api/public/estates/cuihu"))
                .send()
                .await
                .expect("site")
                .json()
                .await
                .expect("json");
            let receipt: Value = client
                .post(format!("{base}/api/public/estates/cuihu/reports"))
                .header(CSRF.0, CSRF.1)
                .json(&json!({
                    "text": "消防通道堵塞",
                    "building": site["buildings"][0]["id"],
                    "unit": site["buildings"][0]["units"][0]["id"],
                    "phone": "13700001111",
                }))
                .send()
                .await
                .expect("report")
                .json()
                .await
                .expect("receipt");
            order = receipt["order_id"].as_str().expect("order").to_string();
        }
        // The same tablet across restarts: its outbox and cursor survive, its session may not.
        let mut d = match device.take() {
            None => Device::login_at(&base, "desk", "crash-tablet", 0).await,
            Some(mut old) => {
                let fresh = Device::login_at(&base, "desk", "crash-tablet", 0).await;
                old.client = fresh.client;
                old.base = base.clone();
                old
            }
        };
        // Push in a loop from another task while this one kills the server at a random moment.
        let kill_after = std::time::Duration::from_millis(30 + rng.below(300));
        let order_id = order.clone();
        let pusher = tokio::spawn(async move {
            let mut acked = Vec::new();
            for round in 0..1_000 {
                for n in 0..(1 + round % 7) {
                    let text = format!("第{kill}次 {round}-{n}");
                    d.record(
                        &order_id,
                        EventBody::Note { text },
                        chrono::Utc::now().timestamp_millis(),
                    );
                }
                match d.try_sync(50).await {
                    Ok(ids) => acked.extend(ids),
                    Err(_) => break,
                }
            }
            (d, acked)
        });
        tokio::time::sleep(kill_after).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        let (d, ids) = pusher.await.expect("pusher");
        acked.extend(ids);
        device = Some(d);
    }
    assert!(
        acked.len() > 20,
        "the loop pushed too little to mean anything: {}",
        acked.len()
    );
    let device = device.expect("the tablet");
    assert!(device.rejected.is_empty(), "{:?}", device.rejected);
    let (mut child, base) = start_binary(&db_url);
    let auditor = Device::login_at(&base, "desk", "auditor", 0).await;
    let stored = common::devices::server_events(&auditor).await;
    child.kill().expect("kill");
    child.wait().expect("wait");
    let ids: std::collections::BTreeSet<String> = stored.iter().map(|e| e.id.clone()).collect();
    let lost: Vec<&String> = acked.difference(&ids).collect();
    assert!(lost.is_empty(), "acknowledged events lost: {lost:?}");
    assert!(stored.iter().any(|e| e.order_id() == order));
    if common::on_postgres() {
        // The file check below is SQLite's; PostgreSQL keeps its own write-ahead log.
        return;
    }
    let db = anju_server::db::Db::connect(&db_url).await.expect("open");
    use sqlx::Row;
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&db.pool)
        .await
        .expect("integrity")
        .try_get(0)
        .expect("text");
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn logins_are_throttled_per_account_and_audited() {
    let (app, _dir) = app().await;
    let client = app.browser();
    assert_eq!(app.login(&client, "desk").await.status(), 200);
    assert_eq!(audit_count(&app, "login_ok").await, 1);
    let attempt = |password: &'static str| {
        let client = app.browser();
        let url = app.url("/api/login");
        async move {
            client
                .post(url)
                .header(CSRF.0, CSRF.1)
                .json(&json!({ "username": "cs", "password": password }))
                .send()
                .await
                .expect("login")
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("guess-guess").await.status(), 401);
    }
    // Now even the right password waits: the account is throttled.
    let resp = attempt("anju-demo-2026").await;
    assert_eq!(resp.status(), 429);
    let retry: i64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert_eq!(audit_count(&app, "login_failed").await, 5);
    assert_eq!(audit_count(&app, "login_throttled").await, 1);
    // Other accounts are not locked out by it.
    assert_eq!(app.login(&app.browser(), "dept").await.status(), 200);
}

#[tokio::test]
async fn the_public_form_is_rate_limited_per_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = anju_server::config::Config::for_tests(&test_db(&dir).await);
    config.report_limit = 3;
    let app = TestApp::spawn_with_config(config).await;
    let body = app.valid_report("垃圾没人收").await;
    for _ in 0..3 {
        assert_eq!(app.report(&body).await.status(), 201);
    }
    let before = app.events_stored().await;
    let resp = app.report(&body).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    assert_eq!(
        app.events_stored().await,
        before,
        "a refused report stores nothing"
    );
}

#[tokio::test]
async fn the_full_phone_needs_an_audited_reveal_and_the_tracking_link_shows_one_order_masked() {
    let (app, _dir) = app().await;
    let body = app.valid_report("卫生间漏水").await;
    let receipt: Value = app.report(&body).await.json().await.expect("receipt");
    let order_id = receipt["order_id"].as_str().expect("id").to_string();
    let token = receipt["tracking_token"]
        .as_str()
        .expect("token")
        .to_string();

    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let reveal = |client: reqwest::Client| {
        let url = app.url(&format!("/api/orders/{order_id}/reveal-phone"));
        async move {
            client
                .post(url)
                .header(CSRF.0, CSRF.1)
                .send()
                .await
                .expect("reveal")
        }
    };
    let resp = reveal(desk.clone()).await;
    assert_eq!(resp.status(), 200);
    let contact: Value = resp.json().await.expect("json");
    assert_eq!(contact["phone"], "13812345678");
    assert_eq!(audit_count(&app, "reveal_phone").await, 1);
    let tech = app.browser();
    assert_eq!(app.login(&tech, "tech1").await.status(), 200);
    assert_eq!(reveal(tech).await.status(), 403);
    assert_eq!(audit_count(&app, "reveal_phone").await, 1);
    // Full numbers are throttled per person: 120 an hour (reveals and caller lookups
    // together), then 429 with a time to wait, and nothing more is revealed.
    for n in 2..=120 {
        assert_eq!(reveal(desk.clone()).await.status(), 200, "reveal {n}");
    }
    let refused = reveal(desk.clone()).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(audit_count(&app, "reveal_phone").await, 120);
    let lookup = desk
        .post(app.url("/api/estates/est-cuihu/callers"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "phone": "13812345678" }))
        .send()
        .await
        .expect("callers");
    assert_eq!(lookup.status(), 429, "a caller lookup counts too");

    let resp = app
        .client
        .get(app.url(&format!("/api/public/track/{token}")))
        .send()
        .await
        .expect("track");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("referrer-policy").map(|v| v.as_bytes()),
        Some(&b"no-referrer"[..])
    );
    let tracking: Value = resp.json().await.expect("json");
    assert_eq!(tracking["reference"], receipt["reference"]);
    assert_eq!(tracking["status"], "received");
    assert_eq!(tracking["phone_masked"], "138****5678");
    // The resident recognises their report: the room and their own words (the link is
    // their secret; the phone stays masked).
    assert!(
        tracking["place"]
            .as_str()
            .is_some_and(|p| p.starts_with("1栋1单元") && p.len() > "1栋1单元".len()),
        "{tracking}"
    );
    assert_eq!(tracking["text"], "卫生间漏水");
    assert!(!tracking.to_string().contains("13812345678"));
    let resp = app
        .client
        .get(app.url(&format!("/api/public/track/{}", "0".repeat(64))))
        .send()
        .await
        .expect("track");
    assert_eq!(resp.status(), 404);
}

/// The changes a request may make however it is answered: appending to the audit log the
/// refusal (or, for the PIPL routes, the export or erasure) it was, and keeping a refused
/// pushed event in the caller's own estate for review. A session's last-seen time is left out
/// of every digest (`forget`), as auth touches it on any request, at most once a minute.
fn allowed_change(
    table: &str,
    row: &std::collections::BTreeMap<String, String>,
    how: &str,
    own_estate: &str,
) -> bool {
    use common::routes::text;
    match (table, how) {
        ("audit_log", "added") => matches!(
            text(row, "action"),
            Some("access_refused" | "export" | "erase")
        ),
        ("rejected_events", "added") => text(row, "estate_id") == Some(own_estate),
        // The caller's own read marks: keys are text the caller sent, about nothing they can
        // read through them (`/me/reads` writes only for the logged-in person).
        ("notification_reads", "added") => true,
        _ => false,
    }
}

async fn state(app: &TestApp) -> common::routes::Digest {
    common::routes::forget(common::routes::digest(app).await, "sessions", "seen_ms")
}

#[test]
fn the_route_table_lists_every_registered_route() {
    use common::routes::{Access, ROUTES, registered, registered_path};
    use std::collections::BTreeSet;
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), registered_path(r)))
        .collect();
    let served = registered();
    let missing: Vec<_> = served.difference(&table).collect();
    let stale: Vec<_> = table.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes with no row in tests/common/routes.rs ROUTES: {missing:?}"
    );
    assert!(stale.is_empty(), "rows for routes that are gone: {stale:?}");
    assert!(served.len() >= 20, "the scan found {served:?}");
    for route in ROUTES {
        assert!(!route.probes.is_empty(), "{} {}", route.method, route.path);
        if let Access::Public(why) = route.access {
            assert!(
                why.len() > 20,
                "{} {}: say why it is public",
                route.method,
                route.path
            );
        }
    }
    let public = ROUTES
        .iter()
        .filter(|r| matches!(r.access, Access::Public(_)))
        .count();
    println!(
        "{} routes registered, {} rows in the table ({public} public), {} requests",
        served.len(),
        ROUTES.len(),
        ROUTES.iter().map(|r| r.probes.len()).sum::<usize>()
    );
}

/// The role half of "every endpoint checks role and estate on the server": each request of the
/// table, aimed at the caller's own estate and objects, is answered 2xx to every role the table
/// says may make it and 403 to every other (and 401 without a login), so the refusals of the
/// estate matrix below are refusals of something the caller could otherwise do.
#[tokio::test]
async fn every_route_checks_the_role_on_the_server() {
    use anju_server::auth::Role;
    use common::routes::Request;
    let (app, _dir) = app().await;
    let (own, _) = common::routes::two_companies(&app).await;
    let mut requests = 0;
    // Role::ALL ends with the administrator, whose writes (a colleague disabled, a resident
    // erased) come after every other role's requests.
    for role in Role::ALL {
        let (client, me) = logged_in(&app, own.login_of(*role)).await;
        for route in common::routes::staff_routes() {
            for probe in route.probes {
                let req = Request::aim(route, probe, &own, &me, &own);
                let (status, body) = req.send(&app, &client).await;
                requests += 1;
                let body = String::from_utf8_lossy(&body);
                if (route.may)(*role) {
                    assert!(
                        (200..300).contains(&status),
                        "{role:?} {} {} → {status} {body}",
                        req.method,
                        req.path
                    );
                } else {
                    assert_eq!(status, 403, "{role:?} {} {}: {body}", req.method, req.path);
                }
                let anonymous = req.send(&app, &app.browser()).await.0;
                requests += 1;
                assert_eq!(anonymous, 401, "anonymous {} {}", req.method, req.path);
            }
        }
    }
    println!(
        "role matrix: {} roles, {requests} requests",
        Role::ALL.len()
    );
}

/// The estate half: every staff route of the table (`ROUTES`, which must list every
/// registered route), for every role of both companies, aimed at the other company's estate,
/// orders, households, photos, staff and residents: never a 2xx where the table expects a
/// refusal, never a byte of the other company's data beyond what the request itself sent, and
/// not one row of the database changed except the audit log's record of the refusal.
#[tokio::test]
async fn no_role_reads_or_writes_across_estates_of_two_companies() {
    use anju_server::auth::Role;
    use common::routes::{Expect, Request, changes};
    let (app, _dir) = app().await;
    let (a, b) = common::routes::two_companies(&app).await;
    let refused_before = audit_count(&app, "access_refused").await;
    let (mut requests, mut forbidden) = (0, 0);
    for (own, other) in [(&a, &b), (&b, &a)] {
        for role in Role::ALL {
            let username = own.login_of(*role);
            let (client, me) = logged_in(&app, username).await;
            let mut before = state(&app).await;
            for route in common::routes::staff_routes() {
                for probe in route.probes {
                    let req = Request::aim(route, probe, other, &me, own);
                    let (status, body) = req.send(&app, &client).await;
                    requests += 1;
                    let what = format!("{username} ({role:?}) {} {}", req.method, req.path);
                    let answer = String::from_utf8_lossy(&body);
                    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    assert!(
                        status < 500 && status != 401 && status != 405,
                        "{what} → {status} {answer}"
                    );
                    assert!(
                        json["error"] != "endpoint not found",
                        "{what}: the table names a route the router does not serve"
                    );
                    let refused = matches!(status, 403 | 404);
                    match probe.expect {
                        Expect::Refused => assert!(refused, "{what} → {status} {answer}"),
                        Expect::Unknown(field) => assert!(
                            refused || (status == 400 && json["field"] == field),
                            "{what} → {status} {answer}"
                        ),
                        Expect::Answered => {}
                        Expect::PushRefused => {
                            if (route.may)(*role) {
                                assert_eq!(status, 200, "{what}: {answer}");
                                let acks = json["acks"].as_array().expect("acks");
                                assert!(
                                    !acks.is_empty()
                                        && acks
                                            .iter()
                                            .all(|a| a["outcome"]["outcome"] == "rejected"),
                                    "{what}: {answer}"
                                );
                            } else {
                                assert!(refused, "{what} → {status}");
                            }
                        }
                    }
                    forbidden += usize::from(status == 403);
                    // Nothing of theirs, unless the request itself named it (an id echoed in
                    // "unknown estate …" tells the caller nothing they did not send).
                    let sent = req.text();
                    for marker in &other.markers {
                        assert!(
                            sent.contains(marker.as_str()) || !answer.contains(marker.as_str()),
                            "{what} → {status}: the answer holds {marker}: {answer}"
                        );
                    }
                    let after = state(&app).await;
                    for (table, row, how) in changes(&before, &after) {
                        assert!(
                            allowed_change(&table, &row, how, &own.estate_id),
                            "{what} → {status}: {how} in {table}: {row:?}"
                        );
                    }
                    before = after;
                }
            }
        }
    }
    // Every 403 was written to the audit log (404s for another company's objects are not all:
    // some are plain lookups that found nothing in the caller's company).
    assert!(
        audit_count(&app, "access_refused").await >= refused_before + forbidden as i64,
        "{forbidden} refusals"
    );
    let routes = common::routes::staff_routes().count();
    println!(
        "estate matrix: {routes} staff routes, {} roles × 2 companies, {requests} requests, {forbidden} answered 403",
        Role::ALL.len()
    );
}

/// "No GET changes state": every GET of the table, with the caller's own estate and objects,
/// as every role and as an anonymous client, leaves every table as it was — except the audit
/// log, which must record refused access and every export of a resident's data (PIPL), and a
/// session's last-seen time, which auth touches (at most once a minute) to end idle sessions.
/// Auth also deletes a session found expired or disabled when it is presented; no session
/// here is either, so that is not excluded, and a deletion would fail the test.
#[tokio::test]
async fn no_get_changes_state() {
    use anju_server::auth::Role;
    use common::routes::{Access, ROUTES, Request, changes};
    let (app, _dir) = app().await;
    let (own, _) = common::routes::two_companies(&app).await;
    let mut callers = vec![(None, app.browser(), String::from("anonymous"))];
    for role in Role::ALL {
        let (client, me) = logged_in(&app, own.login_of(*role)).await;
        callers.push((Some(*role), client, me));
    }
    let mut requests = 0;
    let mut before = state(&app).await;
    let gets: Vec<_> = ROUTES.iter().filter(|r| r.method == "GET").collect();
    for route in &gets {
        for probe in route.probes {
            for (role, client, me) in &callers {
                let req = Request::aim(route, probe, &own, me, &own);
                let (status, body) = req.send(&app, client).await;
                requests += 1;
                let what = format!("{role:?} GET {}", req.path);
                // Answered as the table says, so each GET was a real read, not a refusal.
                let expected = match (route.access, role) {
                    (Access::Public(_), _) => 200,
                    (_, None) => 401,
                    (_, Some(role)) if (route.may)(*role) => 200,
                    _ => 403,
                };
                assert_eq!(
                    status,
                    expected,
                    "{what}: {}",
                    String::from_utf8_lossy(&body)
                );
                let after = state(&app).await;
                for (table, row, how) in changes(&before, &after) {
                    let audited = table == "audit_log"
                        && how == "added"
                        && matches!(
                            common::routes::text(&row, "action"),
                            Some("access_refused" | "export")
                        );
                    assert!(audited, "{what} → {status}: {how} in {table}: {row:?}");
                }
                before = after;
            }
        }
    }
    println!(
        "GET routes: {}, callers: {} (every role and anonymous), {requests} requests",
        gets.len(),
        callers.len()
    );
}

#[tokio::test]
async fn the_session_cookie_is_host_bound_and_secure_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = anju_server::config::Config::for_tests(&test_db(&dir).await);
    config.cookie_secure = true;
    let app = TestApp::spawn_with_config(config).await;
    let resp = app.login(&app.browser(), "desk").await;
    assert_eq!(resp.status(), 200);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(cookie.starts_with("__Host-anju_session="), "{cookie}");
    for part in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // A new login gets a new session id: ids are replaced at login, never reused.
    let again = app.login(&app.browser(), "desk").await;
    let second = again
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_ne!(cookie.split(';').next(), second.split(';').next());
    // The live token is read under its `__Host-` name only: under the development name (a
    // cookie a sibling site could plant) it is nobody's.
    let token = second
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("a token");
    let me = |cookie: String| {
        let client = app.browser();
        let url = app.url("/api/me");
        async move {
            client
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("me")
                .status()
        }
    };
    assert_eq!(me(format!("__Host-anju_session={token}")).await, 200);
    assert_eq!(me(format!("anju_session={token}")).await, 401);
}

#[tokio::test]
async fn admins_manage_staff_and_disabling_ends_sessions() {
    let (app, _dir) = app().await;
    common::seed_second_company(&app).await;
    let admin = app.browser();
    assert_eq!(app.login(&admin, "admin").await.status(), 200);
    let create = |body: Value| {
        let admin = admin.clone();
        let url = app.url("/api/admin/staff");
        async move {
            admin
                .post(url)
                .header(CSRF.0, CSRF.1)
                .json(&body)
                .send()
                .await
                .expect("create")
        }
    };
    let new = json!({
        "username": "guanjia3", "display_name": "黄磊", "role": "caretaker",
        "password": "password123", "estate_ids": ["est-cuihu"],
    });
    let resp = create(new.clone()).await;
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(err["field"], "password", "{err}");
    let mut foreign = new.clone();
    foreign["password"] = json!("翠湖春水 lamp 7");
    foreign["estate_ids"] = json!(["est-other"]);
    let err: Value = create(foreign).await.json().await.expect("json");
    assert_eq!(err["field"], "estate_ids", "no estates of another company");
    let mut nowhere = new.clone();
    nowhere["password"] = json!("翠湖春水 lamp 7");
    nowhere["estate_ids"] = json!([]);
    let err: Value = create(nowhere).await.json().await.expect("json");
    assert_eq!(
        err["field"], "estate_ids",
        "a caretaker needs an estate: {err}"
    );
    assert!(
        err["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("至少选择一个小区")),
        "{err}"
    );

    let mut good = new.clone();
    good["password"] = json!("翠湖春水 lamp 7");
    let resp = create(good).await;
    assert_eq!(resp.status(), 200);
    let created: Value = resp.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_string();

    let tablet = app.browser();
    let resp = tablet
        .post(app.url("/api/login"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "username": "guanjia3", "password": "翠湖春水 lamp 7" }))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        tablet
            .get(app.url("/api/me"))
            .send()
            .await
            .expect("me")
            .status(),
        200
    );

    let change = |body: Value| {
        let admin = admin.clone();
        let url = app.url(&format!("/api/admin/staff/{id}"));
        async move {
            admin
                .patch(url)
                .header(CSRF.0, CSRF.1)
                .json(&body)
                .send()
                .await
                .expect("patch")
        }
    };
    assert_eq!(change(json!({ "role": "front_desk" })).await.status(), 200);
    assert_eq!(audit_count(&app, "role_changed").await, 1);
    assert_eq!(change(json!({ "disabled": true })).await.status(), 200);
    assert_eq!(
        tablet
            .get(app.url("/api/me"))
            .send()
            .await
            .expect("me")
            .status(),
        401,
        "disabling ends the session at once"
    );
    let resp = app
        .browser()
        .post(app.url("/api/login"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "username": "guanjia3", "password": "翠湖春水 lamp 7" }))
        .send()
        .await
        .expect("login");
    // The right password of a disabled account is told so (a wrong one still hears only
    // "wrong username or password").
    assert_eq!(resp.status(), 403);
    let said: Value = resp.json().await.expect("json");
    assert_eq!(said["message_zh"], "账号已停用,请联系管理员");
    let wrong = app
        .browser()
        .post(app.url("/api/login"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "username": "guanjia3", "password": "not the password" }))
        .send()
        .await
        .expect("login");
    assert_eq!(wrong.status(), 401);

    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let status = desk
        .get(app.url("/api/admin/staff"))
        .send()
        .await
        .expect("list")
        .status();
    assert_eq!(status, 403, "only admins administer staff");
    let listed: Value = app.get_json(&admin, "/api/admin/staff").await;
    let names: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["username"].as_str())
        .collect();
    assert!(
        names.contains(&"guanjia3") && !names.contains(&"other-desk"),
        "{names:?}"
    );
}

/// A request of the table with one of its parameters replaced by the given payload.
type Variant = Box<dyn Fn(&str) -> common::routes::Request>;

/// Every parameter of every route of the table — each path segment, each query value and
/// each JSON value of its bodies (numbers, arrays and nulls included) — replaced by each
/// payload in turn: never a 500, and the database stays usable.
#[tokio::test]
async fn sql_injection_strings_never_cause_a_500() {
    use common::routes::{Access, Body, ROUTES, Request, RequestBody, encode};
    let (app, _dir) = app().await;
    let (own, _) = common::routes::two_companies(&app).await;
    let payloads = [
        "' OR '1'='1",
        "'; DROP TABLE events; --",
        "\" OR \"\"=\"",
        "1; SELECT * FROM staff",
        "' UNION SELECT password_hash FROM staff --",
        "%27%20OR%201=1",
        "\\'; DELETE FROM orders; --",
        "$1",
        "?",
        "😀'--",
    ];
    // The administrator may call every staff route; public ones go without a login.
    let (admin, me) = logged_in(&app, own.login_of(anju_server::auth::Role::Admin)).await;
    let anonymous = app.browser();
    let (mut requests, mut slots) = (0, 0);
    let mut answers = std::collections::BTreeMap::<u16, usize>::new();
    for route in ROUTES {
        let client = if matches!(route.access, Access::Public(_)) {
            &anonymous
        } else {
            &admin
        };
        for probe in route.probes {
            // Each path parameter, each query value, each JSON leaf: a function of the payload
            // giving the request with that one parameter replaced.
            let mut variants: Vec<(String, Variant)> = Vec::new();
            let mut names = Vec::new();
            let mut rest = route.path;
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').expect("closed") + open;
                names.push(&rest[open..=close]);
                rest = &rest[close + 1..];
            }
            for name in names {
                let (own, me) = (own.clone(), me.clone());
                variants.push((
                    format!("path {name}"),
                    Box::new(move |p: &str| {
                        let path = route.path.replacen(name, &encode(p), 1);
                        Request::aim_path(&path, route, probe, &own, &me, &own)
                    }),
                ));
            }
            for pair in probe.query.split('&').filter(|q| !q.is_empty()) {
                let (key, _) = pair.split_once('=').expect("key=value");
                let (own, me) = (own.clone(), me.clone());
                variants.push((
                    format!("query {key}"),
                    Box::new(move |p: &str| {
                        let mut req = Request::aim(route, probe, &own, &me, &own);
                        let (path, query) = req.path.split_once('?').expect("query");
                        let query: Vec<String> = query
                            .split('&')
                            .map(|kv| match kv.split_once('=') {
                                Some((k, _)) if k == key => format!("{k}={}", encode(p)),
                                _ => kv.to_string(),
                            })
                            .collect();
                        req.path = format!("{path}?{}", query.join("&"));
                        req
                    }),
                ));
            }
            if let Body::Json(_) = probe.body {
                let Some(RequestBody::Json(body)) =
                    Request::aim(route, probe, &own, &me, &own).body
                else {
                    unreachable!("a JSON body")
                };
                for pointer in leaves(&body, String::new()) {
                    let (own, me) = (own.clone(), me.clone());
                    variants.push((
                        format!("body {pointer}"),
                        Box::new(move |p: &str| {
                            let mut req = Request::aim(route, probe, &own, &me, &own);
                            if let Some(RequestBody::Json(v)) = &mut req.body {
                                *v.pointer_mut(&pointer).expect("leaf") = json!(p);
                            }
                            req
                        }),
                    ));
                }
            }
            slots += variants.len();
            for (slot, make) in &variants {
                for p in payloads {
                    let req = make(p);
                    let (status, body) = req.send(&app, client).await;
                    requests += 1;
                    *answers.entry(status).or_default() += 1;
                    assert!(
                        status < 500,
                        "{p:?} as {slot} of {} {} → {status} {}",
                        route.method,
                        route.path,
                        String::from_utf8_lossy(&body)
                    );
                }
            }
        }
    }
    // Every table is still there and readable, and the session still works (logins from this
    // address are throttled by now: the payloads were wrong passwords).
    let tables = common::routes::digest(&app).await;
    assert!(tables["events"].len() >= 2 && tables["staff"].len() >= 10);
    assert_eq!(
        admin
            .get(app.url("/api/me"))
            .send()
            .await
            .expect("me")
            .status(),
        200
    );
    println!(
        "injection: {slots} parameters × {} payloads, {requests} requests, answers {answers:?}",
        payloads.len()
    );
}

/// JSON pointers to every leaf of `value` (an empty object or array counts as one).
fn leaves(value: &Value, at: String) -> Vec<String> {
    match value {
        Value::Object(map) if !map.is_empty() => map
            .iter()
            .flat_map(|(k, v)| {
                leaves(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                )
            })
            .collect(),
        Value::Array(list) if !list.is_empty() => list
            .iter()
            .enumerate()
            .flat_map(|(i, v)| leaves(v, format!("{at}/{i}")))
            .collect(),
        _ => vec![at],
    }
}

#[tokio::test]
async fn an_admin_exports_a_residents_data_and_it_is_audited() {
    let (app, _dir) = app().await;
    let upload = common::post_bytes(
        &app.browser(),
        app.url("/api/public/estates/cuihu/photos"),
        "image/png",
        common::photos::png(12, 9, 5),
    )
    .await;
    let photo: Value = upload.json().await.expect("json");
    let mut body = app.valid_report("阳台漏水").await;
    body["notice_version"] = json!("2026-11");
    body["photos"] = json!([photo["hash"]]);
    assert_eq!(app.report(&body).await.status(), 201);
    let admin = app.browser();
    assert_eq!(app.login(&admin, "admin").await.status(), 200);
    let export: Value = app.export_resident(&admin, "138-1234-5678").await;
    let orders = export["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["contact_phone"], "13812345678");
    assert_eq!(
        orders[0]["notice_version"], "2026-11",
        "the notice version is stored"
    );
    assert_eq!(orders[0]["events"][0]["body"]["text"], "阳台漏水");
    // The photos they attached, by name, with what is stored of each.
    let stored = common::stored_photos(&app, photo["hash"].as_str().expect("hash")).await;
    assert_eq!(
        orders[0]["photos"],
        json!([{ "hash": photo["hash"], "mime": "image/png", "size": stored[0].len() }])
    );
    assert_eq!(audit_count(&app, "export").await, 1);
    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let status = desk
        .post(app.url("/api/admin/residents/export"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "phone": "13812345678" }))
        .send()
        .await
        .expect("export")
        .status();
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_reused_sync_key_or_event_id_is_refused_and_kept() {
    let (app, _dir) = app().await;
    common::devices::story_reused_keys_are_refused_and_kept(&app).await;
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let (app, _dir) = app().await;
    common::story_audit_log_is_append_only(&app).await;
}

/// The session token a login answer sets.
fn session_token(resp: &reqwest::Response) -> String {
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie");
    let (name_value, _) = cookie.split_once(';').expect("cookie attributes");
    let (_, token) = name_value.split_once('=').expect("name=value");
    token.to_string()
}

#[tokio::test]
async fn logging_in_ends_the_session_the_browser_held_before() {
    let (app, _dir) = app().await;
    // No cookie jar: the test decides which cookie each request carries.
    let client = reqwest::Client::new();
    let login = |cookie: Option<String>| {
        let mut req = client
            .post(app.url("/api/login"))
            .header(CSRF.0, CSRF.1)
            .json(&json!({ "username": "desk", "password": anju_server::seed::DEMO_PASSWORD }));
        if let Some(token) = cookie {
            req = req.header("cookie", format!("anju_session={token}"));
        }
        req.send()
    };
    let me = |token: &str| {
        client
            .get(app.url("/api/me"))
            .header("cookie", format!("anju_session={token}"))
            .send()
    };
    let first = login(None).await.expect("login");
    assert_eq!(first.status(), 200);
    let first = session_token(&first);
    assert_eq!(me(&first).await.expect("me").status(), 200);
    let second = login(Some(first.clone())).await.expect("login");
    assert_eq!(second.status(), 200);
    let second = session_token(&second);
    assert_ne!(first, second);
    assert_eq!(
        me(&first).await.expect("me").status(),
        401,
        "the id held before login is dead"
    );
    assert_eq!(me(&second).await.expect("me").status(), 200);
}

#[tokio::test]
async fn hsts_is_sent_on_every_response_only_when_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = anju_server::config::Config::for_tests(&test_db(&dir).await);
    config.hsts = true;
    let on = TestApp::spawn_with_config(config).await;
    let off = TestApp::spawn(&test_db(&dir).await).await;
    let hsts = |resp: &reqwest::Response| {
        resp.headers()
            .get("strict-transport-security")
            .map(|v| v.to_str().expect("ascii").to_string())
    };
    for (method, path) in [
        (reqwest::Method::GET, "/api/health"),
        (reqwest::Method::GET, "/api/nothing"),
        (reqwest::Method::GET, "/desk"),
        // Refused by the CSRF check before any route.
        (reqwest::Method::POST, "/api/login"),
    ] {
        let resp = on
            .client
            .request(method.clone(), on.url(path))
            .send()
            .await
            .expect("on");
        assert_eq!(
            hsts(&resp).as_deref(),
            Some("max-age=31536000; includeSubDomains"),
            "{method} {path} → {}",
            resp.status()
        );
        let resp = off
            .client
            .request(method.clone(), off.url(path))
            .send()
            .await
            .expect("off");
        assert_eq!(hsts(&resp), None, "{method} {path}");
    }
}

#[tokio::test]
async fn logins_are_throttled_per_address() {
    let (app, _dir) = app().await;
    let attempt = |username: String, password: &'static str| {
        let client = app.browser();
        let url = app.url("/api/login");
        async move {
            client
                .post(url)
                .header(CSRF.0, CSRF.1)
                .json(&json!({ "username": username, "password": password }))
                .send()
                .await
                .expect("login")
        }
    };
    // One wrong guess per account, so no account reaches its own limit: a spray.
    let limit = anju_server::security::LOGIN_PER_IP.max;
    assert!(limit > anju_server::security::LOGIN_PER_ACCOUNT.max);
    for i in 0..limit {
        let status = attempt(format!("spray-{i}"), "guess-guess").await.status();
        assert_eq!(status, 401, "attempt {i}");
    }
    // Now even a right password for an untouched account waits: the address is throttled.
    let resp = attempt("desk".into(), "anju-demo-2026").await;
    assert_eq!(resp.status(), 429);
    let retry: i64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert_eq!(audit_count(&app, "login_failed").await, limit);
    assert_eq!(audit_count(&app, "login_throttled").await, 1);
    assert_eq!(audit_count(&app, "login_ok").await, 0);
}

#[tokio::test]
async fn an_api_body_over_the_limit_is_refused_with_413() {
    let (app, _dir) = app().await;
    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let limit = 2 * 1024 * 1024;
    let post = |path: &'static str, len: usize| {
        let desk = desk.clone();
        let url = app.url(path);
        async move {
            desk.post(url)
                .header(CSRF.0, CSRF.1)
                .header("content-type", "application/json")
                .body(vec![b' '; len])
                .send()
                .await
                .expect("post")
                .status()
        }
    };
    for path in [
        "/api/sync",
        "/api/login",
        "/api/public/estates/cuihu/reports",
    ] {
        assert_eq!(post(path, limit + 1).await, 413, "{path}");
        // At the limit the body is read (and found not to be JSON).
        assert_eq!(post(path, limit).await, 400, "{path}");
    }
    assert_eq!(app.events_stored().await, 0);
}

#[tokio::test]
async fn a_manager_sets_the_estate_rules_the_desk_runs_under_and_mistakes_name_the_field() {
    let (app, _dir) = app().await;
    let rules_url = app.url("/api/estates/est-cuihu/rules");
    let put = |client: reqwest::Client, body: Value| {
        let url = rules_url.clone();
        async move {
            client
                .put(url)
                .header(CSRF.0, CSRF.1)
                .json(&body)
                .send()
                .await
                .expect("put rules")
        }
    };

    // The front desk reads the rules but may not change them.
    let desk = app.browser();
    app.login(&desk, "desk").await;
    let shown: Value = desk
        .get(rules_url.clone())
        .send()
        .await
        .expect("get rules")
        .json()
        .await
        .expect("rules json");
    assert_eq!(shown["preset"], "cmsk");
    assert_eq!(
        shown["calendar"],
        Value::Null,
        "the official calendar until one is set"
    );
    assert!(
        shown["effective_calendar"]["holidays"]
            .as_array()
            .is_some_and(|h| h.iter().any(|d| d == "2026-10-01")),
        "{shown}"
    );
    let refused_before = audit_count(&app, "access_refused").await;
    let status = put(desk.clone(), json!({ "preset": "crland" }))
        .await
        .status();
    assert_eq!(status, 403);
    assert_eq!(
        audit_count(&app, "access_refused").await,
        refused_before + 1
    );

    // The project manager changes the dispatch time and sets a calendar for 2027.
    let pm = app.browser();
    app.login(&pm, "pm").await;
    let changed = put(
        pm.clone(),
        json!({
            "preset": "cmsk",
            "policy_override": { "dispatch": { "rule": { "minutes": 5 } } },
            "calendar": { "utc_offset": "+08:00", "holidays": ["2027-01-01"], "workdays": ["2027-02-07"] }
        }),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.expect("json");
    assert_eq!(
        changed["effective_policy"]["dispatch"]["rule"]["minutes"],
        5
    );
    assert_eq!(audit_count(&app, "estate_rules_changed").await, 1);

    // The desk's inbox carries them, so its timers follow them.
    let inbox: Value = app.get_json(&desk, "/api/desk/orders").await;
    assert_eq!(
        inbox["estate"]["policy_override"]["dispatch"]["rule"]["minutes"],
        5
    );
    assert_eq!(
        inbox["estate"]["calendar"]["holidays"],
        json!(["2027-01-01"])
    );

    // Mistakes are refused with the field named, and change nothing.
    for (body, field) in [
        (json!({ "preset": "nope" }), "policy"),
        (
            json!({ "preset": "cmsk", "policy_override": { "dispatch": { "rule": { "minutes": "soon" } } } }),
            "policy_override.dispatch.rule.minutes",
        ),
        (
            json!({ "preset": "cmsk", "calendar": { "holidays": ["2027-02-30"] } }),
            "calendar.holidays[0]",
        ),
        (json!({ "preset": "cmsk", "colour": "red" }), "colour"),
        // Keys no rule has are refused by name rather than saved to change nothing.
        (
            json!({ "preset": "cmsk", "policy_override": { "dispatch_minutes": 5 } }),
            "policy_override.dispatch_minutes",
        ),
        (
            json!({ "preset": "cmsk", "policy_override": { "dispatch": { "rule": { "minute": 5 } } } }),
            "policy_override.dispatch.rule.minute",
        ),
    ] {
        let resp = put(pm.clone(), body.clone()).await;
        assert_eq!(resp.status(), 400, "{body}");
        let error: Value = resp.json().await.expect("error json");
        assert_eq!(error["field"], field, "{body} → {error}");
    }
    let after: Value = pm
        .get(rules_url.clone())
        .send()
        .await
        .expect("get rules")
        .json()
        .await
        .expect("rules json");
    assert_eq!(after["policy_override"], changed["policy_override"]);
    assert_eq!(after["calendar"], changed["calendar"]);
}

#[tokio::test]
async fn the_staff_directory_lists_the_estates_active_colleagues_without_contact_data() {
    let (app, _dir) = app().await;
    let desk = app.browser();
    app.login(&desk, "desk").await;
    let list: Value = app.get_json(&desk, "/api/estates/est-cuihu/staff").await;
    let list = list.as_array().expect("a list");
    assert!(
        list.iter()
            .any(|c| c["id"] == "stf-tech1" && c["role"] == "technician"),
        "{list:?}"
    );
    assert!(
        list.iter()
            .all(|c| c.get("password_hash").is_none() && c.get("username").is_none())
    );
    // A disabled account is not offered for dispatch.
    sqlx::query("UPDATE staff SET disabled = 1 WHERE id = 'stf-tech1'")
        .execute(&app.db.pool)
        .await
        .expect("disable");
    let list: Value = app.get_json(&desk, "/api/estates/est-cuihu/staff").await;
    assert!(
        !list
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == "stf-tech1")
    );
}

#[tokio::test]
async fn managers_see_their_region_or_company_and_estate_staff_only_their_estates() {
    let (app, _dir) = app().await;
    // Two more estates of the demo company: one in the demo region, one in another region.
    let statements = [
        "INSERT INTO regions (id, company_id, name) VALUES ('rg-north', 'co-anju', '北区')",
        "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
         VALUES ('est-north', 'co-anju', 'rg-north', 'beiyuan', '北苑', 'cmsk', '+08:00', 0)",
    ];
    for sql in statements {
        sqlx::query(sql).execute(&app.db.pool).await.expect(sql);
    }
    common::add_second_south_estate(&app).await;
    // Who reaches which estate's site plan: (user, est-south-2, est-north).
    let expected = [
        ("desk", 403, 403),
        ("guanjia1", 403, 403),
        ("pm", 403, 403),
        ("area", 200, 403),
        ("quality", 200, 200),
    ];
    for (username, south, north) in expected {
        let client = app.browser();
        assert_eq!(app.login(&client, username).await.status(), 200);
        for (estate, want) in [("est-south-2", south), ("est-north", north)] {
            let status = client
                .get(app.url(&format!("/api/estates/{estate}/site")))
                .send()
                .await
                .expect("site")
                .status();
            assert_eq!(status.as_u16(), want, "{username} → {estate}");
        }
        // Everyone still reaches the demo estate.
        let status = client
            .get(app.url("/api/estates/est-cuihu/site"))
            .send()
            .await
            .expect("site")
            .status();
        assert_eq!(status, 200, "{username} → est-cuihu");
    }

    // The admin moves the area manager to the northern region; another company's region is
    // refused by name and changes nothing (not even the role sent with it).
    common::seed_second_company(&app).await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let patch = |body: Value| {
        let admin = admin.clone();
        let url = app.url("/api/admin/staff/stf-area");
        async move {
            admin
                .patch(url)
                .header(CSRF.0, CSRF.1)
                .json(&body)
                .send()
                .await
                .expect("patch")
        }
    };
    let refused = patch(json!({ "role": "project_manager", "region_ids": ["rg-other"] })).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(
        refused.json::<Value>().await.expect("json")["field"],
        "region_ids"
    );
    let area = app.browser();
    app.login(&area, "area").await;
    let me: Value = app.get_json(&area, "/api/me").await;
    assert_eq!(
        me["role"], "area_manager",
        "a refused change changes nothing"
    );
    assert_eq!(
        patch(json!({ "region_ids": ["rg-north"] })).await.status(),
        200
    );
    for (estate, want) in [("est-north", 200), ("est-south-2", 403)] {
        let status = area
            .get(app.url(&format!("/api/estates/{estate}/site")))
            .send()
            .await
            .expect("site")
            .status();
        assert_eq!(status.as_u16(), want, "area → {estate} after the move");
    }
    assert_eq!(audit_count(&app, "regions_changed").await, 1);
}

#[tokio::test]
async fn an_admin_erases_a_resident_and_the_erasure_reaches_devices_at_their_next_sync() {
    let (app, _dir) = app().await;
    let receipt: Value = app
        .report(&app.valid_report("阳台漏水,我是3栋1201的王女士").await)
        .await
        .json()
        .await
        .expect("receipt");
    let order = receipt["order_id"].as_str().expect("id").to_string();
    let mut neighbour = app.valid_report("楼道灯坏了").await;
    neighbour["phone"] = json!("13900001111");
    let other: Value = app.report(&neighbour).await.json().await.expect("receipt");
    assert!(other["order_id"].is_string(), "{other}");

    // A tablet has pulled both orders.
    let caretaker = app.browser();
    app.login(&caretaker, "guanjia1").await;
    let pull = |cursor: i64| {
        let client = caretaker.clone();
        let url = app.url("/api/sync");
        async move {
            client
                .post(url)
                .header(CSRF.0, CSRF.1)
                .json(&json!({ "device_id": "tablet-1", "estate_id": "est-cuihu", "push": [], "cursor": cursor }))
                .send()
                .await
                .expect("sync")
                .json::<Value>()
                .await
                .expect("sync json")
        }
    };
    let first = pull(0).await;
    let cursor = first["cursor"].as_i64().expect("cursor");

    // Only an admin erases; a bad phone is refused by name and changes nothing.
    let erase = |client: reqwest::Client, phone: &str| {
        let url = app.url("/api/admin/residents/erase");
        let body = json!({ "phone": phone });
        async move {
            client
                .post(url)
                .header(CSRF.0, CSRF.1)
                .json(&body)
                .send()
                .await
                .expect("erase")
        }
    };
    let desk = app.browser();
    app.login(&desk, "desk").await;
    assert_eq!(erase(desk, "13812345678").await.status(), 403);
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let bad = erase(admin.clone(), "12345").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.expect("json")["field"], "phone");
    assert_eq!(audit_count(&app, "erase").await, 0);

    let done = erase(admin.clone(), "138 1234 5678").await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.expect("json");
    assert_eq!(done["orders"], json!([order]));
    assert_eq!(audit_count(&app, "erase").await, 1);

    // Nothing of the resident is left on the server…
    let export: Value = app.export_resident(&admin, "13812345678").await;
    assert_eq!(export["orders"], json!([]), "{export}");
    assert_eq!(export["residents"], json!([]), "{export}");
    let events = app
        .db
        .order_events("est-cuihu", &order)
        .await
        .expect("events");
    let anju_shared::order::EventBody::Reported(reported) = &events[0].body else {
        panic!("the report is kept: {events:?}");
    };
    assert_eq!(reported.text, anju_shared::order::ERASED);
    assert_eq!(reported.phone_masked, "");
    // …the other resident's order is untouched…
    let kept = app
        .db
        .order_events("est-cuihu", other["order_id"].as_str().expect("id"))
        .await
        .expect("events");
    assert!(
        matches!(&kept[0].body, anju_shared::order::EventBody::Reported(r) if r.text == "楼道灯坏了")
    );

    // …and the tablet's next sync brings the erasure, which it folds away.
    let next = pull(cursor).await;
    let pulled: Vec<anju_shared::order::Event> =
        serde_json::from_value(next["events"].clone()).expect("events");
    assert!(
        pulled
            .iter()
            .any(|e| e.order_id() == order && e.body == anju_shared::order::EventBody::Erased)
    );
    let mut device: Vec<anju_shared::order::Event> =
        serde_json::from_value(first["events"].clone()).expect("events");
    device.extend(pulled);
    assert_eq!(anju_shared::order::redact_erased(&mut device).len(), 1);
    let state = anju_shared::order::fold(&order, &device).expect("order");
    assert!(
        !state.text.contains("王女士") && !state.location.contains("1201"),
        "{state:?}"
    );
}

#[tokio::test]
async fn erasing_a_resident_deletes_the_photos_only_they_attached() {
    let (app, _dir) = app().await;
    common::story_erasure_deletes_the_residents_photos(&app).await;
}

#[tokio::test]
async fn photos_are_stored_cleaned_and_read_back_byte_for_byte() {
    let (app, _dir) = app().await;
    common::story_photos_round_trip(&app).await;
}

#[tokio::test]
async fn a_photo_is_served_to_its_estates_staff_only_with_safe_headers() {
    let (app, _dir) = app().await;
    common::seed_second_company(&app).await;
    // Residents' uploads: PNG and WebP are accepted and both stored as PNG.
    let png = common::photos::png(20, 10, 1);
    let resp = common::post_bytes(
        &app.client,
        app.url("/api/public/estates/cuihu/photos"),
        "image/png",
        png,
    )
    .await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["mime"], "image/png");
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(20), Some(10))
    );
    let hash = body["hash"].as_str().expect("hash").to_string();
    let resp = common::post_bytes(
        &app.client,
        app.url("/api/public/estates/cuihu/photos"),
        "image/webp",
        common::photos::webp(12, 9),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let webp: Value = resp.json().await.expect("json");
    assert_eq!(webp["mime"], "image/png");
    assert_eq!(
        (webp["width"].as_u64(), webp["height"].as_u64()),
        (Some(12), Some(9))
    );
    let resp = common::post_bytes(
        &app.client,
        app.url("/api/public/estates/nowhere/photos"),
        "image/png",
        common::photos::png(20, 10, 1),
    )
    .await;
    assert_eq!(resp.status(), 404);

    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let resp = desk
        .get(app.url(&format!("/api/photos/{hash}")))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    let headers = resp.headers();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        headers["content-disposition"],
        format!("inline; filename=\"{hash}.png\"").as_str()
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // Kept by the browser but asked for again before each use, so an erasure or a lost
    // access takes effect on every device at once.
    assert_eq!(headers["cache-control"], "private, no-cache");
    let etag = headers["etag"].clone();
    assert_eq!(etag, format!("\"{hash}\"").as_str());
    let bytes = resp.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"\x89PNG"));
    let resp = desk
        .get(app.url(&format!("/api/photos/{hash}")))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .expect("revalidate");
    assert_eq!(resp.status(), 304, "an unchanged copy is not sent again");
    assert!(resp.bytes().await.expect("body").is_empty());

    // Another company's desk: refused (as if absent) and audited; no login: 401.
    let other = app.browser();
    assert_eq!(app.login(&other, "other-desk").await.status(), 200);
    let refused = audit_count(&app, "access_refused").await;
    let status = other
        .get(app.url(&format!("/api/photos/{hash}")))
        .send()
        .await
        .expect("get")
        .status();
    assert!(matches!(status.as_u16(), 403 | 404), "{status}");
    assert_eq!(audit_count(&app, "access_refused").await, refused + 1);
    // Knowing the name (its ETag) opens nothing: the checks come before the 304.
    let status = other
        .get(app.url(&format!("/api/photos/{hash}")))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("revalidate")
        .status();
    assert!(matches!(status.as_u16(), 403 | 404), "{status}");
    let status = app
        .client
        .get(app.url(&format!("/api/photos/{hash}")))
        .send()
        .await
        .expect("get")
        .status();
    assert_eq!(status, 401);

    // A name that is not a hash is refused naming `hash`; an unknown one is 404.
    for bad in [
        "..%2F..%2Fetc%2Fpasswd",
        "ABC",
        &hash.to_uppercase(),
        &format!("{hash}0"),
    ] {
        let resp = desk
            .get(app.url(&format!("/api/photos/{bad}")))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 400, "{bad}");
        assert_eq!(resp.json::<Value>().await.expect("json")["field"], "hash");
    }
    let status = desk
        .get(app.url(&format!("/api/photos/{}", "0".repeat(64))))
        .send()
        .await
        .expect("get")
        .status();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn photo_uploads_take_10_mib_of_real_images_only() {
    let (app, _dir) = app().await;
    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let limit = 10 * 1024 * 1024;
    let routes = [
        (desk.clone(), app.url("/api/estates/est-cuihu/photos")),
        (app.browser(), app.url("/api/public/estates/cuihu/photos")),
    ];
    let refused = |resp: reqwest::Response, status: &'static [u16]| async move {
        let got = resp.status().as_u16();
        assert!(status.contains(&got), "{got}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["field"], "photo", "{body}");
    };
    for (client, url) in &routes {
        let post =
            |ct: &'static str, bytes: Vec<u8>| common::post_bytes(client, url.clone(), ct, bytes);
        assert_eq!(
            post("image/jpeg", vec![0xFF; limit + 1]).await.status(),
            413,
            "{url}"
        );
        // At the limit the body is read, and is no image (nor is the 2 MiB JSON limit in play).
        refused(post("image/jpeg", vec![b'x'; limit]).await, &[415]).await;
        refused(
            post("image/jpeg", b"a text file named photo.jpg\n".to_vec()).await,
            &[415],
        )
        .await;
        let html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec();
        refused(post("image/png", html).await, &[415]).await;
        // A PNG header claiming 60,000 × 60,000 px: refused before any pixel is decoded.
        let bomb = common::photos::png_claiming(60_000, 60_000);
        refused(post("image/png", bomb).await, &[400]).await;
        // A truncated JPEG.
        let jpeg = common::photos::jpeg_with_gps(16, 16);
        refused(
            post("image/jpeg", jpeg[..jpeg.len() / 3].to_vec()).await,
            &[400],
        )
        .await;
    }
    use sqlx::Row;
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM photos")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
        .try_get(0)
        .expect("count");
    assert_eq!(rows, 0, "nothing refused is stored");
    // The JSON routes keep their 2 MiB limit.
    let status = desk
        .post(app.url("/api/sync"))
        .header(CSRF.0, CSRF.1)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024 + 1])
        .send()
        .await
        .expect("sync")
        .status();
    assert_eq!(status, 413);
}

#[tokio::test]
async fn public_photo_uploads_are_rate_limited_per_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = anju_server::config::Config::for_tests(&test_db(&dir).await);
    config.report_limit = 3;
    let app = TestApp::spawn_with_config(config).await;
    let upload = |tint: u8| {
        common::post_bytes(
            &app.client,
            app.url("/api/public/estates/cuihu/photos"),
            "image/png",
            common::photos::png(8, 8, tint),
        )
    };
    for tint in 0..3 {
        assert_eq!(upload(tint).await.status(), 201);
    }
    let resp = upload(3).await;
    assert_eq!(resp.status(), 429);
    let retry: i64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=10 * 60).contains(&retry), "{retry}");
    use sqlx::Row;
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM photos")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
        .try_get(0)
        .expect("count");
    assert_eq!(rows, 3, "the refused upload stored nothing");
    // The photo limit has its own key: the report form still takes reports.
    let body = app.valid_report("垃圾没人收").await;
    assert_eq!(app.report(&body).await.status(), 201);
}

#[tokio::test]
async fn a_resident_attaches_photos_to_a_report_and_the_order_carries_them() {
    let (app, _dir) = app().await;
    let resident = app.browser();
    let upload = common::post_bytes(
        &resident,
        app.url("/api/public/estates/cuihu/photos"),
        "image/jpeg",
        common::photos::jpeg_with_gps(64, 48),
    )
    .await;
    assert_eq!(upload.status(), 201);
    let hash = upload.json::<Value>().await.expect("json")["hash"]
        .as_str()
        .expect("hash")
        .to_string();

    let mut body = app.valid_report("天花板渗水,见照片").await;
    body["photos"] = json!([hash]);
    let receipt = app.report(&body).await;
    assert_eq!(receipt.status(), 201);
    let receipt: Value = receipt.json().await.expect("receipt");
    let order = receipt["order_id"].as_str().expect("id");
    let state = anju_shared::order::fold(
        order,
        &app.db
            .order_events("est-cuihu", order)
            .await
            .expect("events"),
    )
    .expect("order");
    assert_eq!(state.photos, vec![hash.clone()]);

    // A photo never uploaded here, a malformed hash, or too many: refused by name, nothing stored.
    let before = app.events_stored().await;
    for (photos, want) in [
        (json!(["0".repeat(64)]), "photos"),
        (json!(["not-a-hash"]), "photos"),
        (json!(vec![hash.clone(); 5]), "photos"),
    ] {
        let mut body = app.valid_report("天花板渗水").await;
        body["photos"] = photos.clone();
        let resp = app.report(&body).await;
        assert_eq!(resp.status(), 400, "{photos}");
        assert_eq!(resp.json::<Value>().await.expect("json")["field"], want);
    }
    assert_eq!(app.events_stored().await, before);
}

#[tokio::test]
async fn sessions_end_after_8_idle_hours_or_7_days_whatever_their_use() {
    let (app, _dir) = app().await;
    let me = |client: reqwest::Client| {
        let url = app.url("/api/me");
        async move { client.get(url).send().await.expect("me").status() }
    };
    let now = chrono::Utc::now().timestamp_millis();
    let hour = 3_600_000_i64;
    // Idle: last seen just over 8 hours ago (created recently enough).
    let idle = app.browser();
    app.login(&idle, "desk").await;
    assert_eq!(me(idle.clone()).await, 200);
    sqlx::query("UPDATE sessions SET seen_ms = $1, created_ms = $1")
        .bind(now - 8 * hour - 60_000)
        .execute(&app.db.pool)
        .await
        .expect("age the session");
    assert_eq!(me(idle).await, 401, "idle for more than 8 h");
    // Absolute: used a minute ago, but logged in just over 7 days ago.
    let busy = app.browser();
    app.login(&busy, "desk").await;
    sqlx::query("UPDATE sessions SET seen_ms = $1, created_ms = $2")
        .bind(now - 60_000)
        .bind(now - 7 * 24 * hour - 60_000)
        .execute(&app.db.pool)
        .await
        .expect("age the session");
    assert_eq!(me(busy).await, 401, "older than 7 days");
    // And a session used within both limits carries on.
    let fresh = app.browser();
    app.login(&fresh, "desk").await;
    sqlx::query("UPDATE sessions SET seen_ms = $1")
        .bind(now - 7 * hour)
        .execute(&app.db.pool)
        .await
        .expect("age the session");
    assert_eq!(me(fresh).await, 200, "7 h idle is within the limit");
}

#[tokio::test]
async fn an_admin_reaches_no_staff_or_resident_of_another_company() {
    let (app, _dir) = app().await;
    let other_order = common::seed_second_company(&app).await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let staff: Value = app.get_json(&admin, "/api/admin/staff").await;
    assert!(
        !staff
            .as_array()
            .expect("list")
            .iter()
            .any(|s| s["id"] == "stf-other-desk"),
        "{staff}"
    );
    let status = admin
        .patch(app.url("/api/admin/staff/stf-other-desk"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "disabled": true, "role": "admin" }))
        .send()
        .await
        .expect("patch")
        .status();
    assert_eq!(status, 404);
    assert_eq!(
        app.login(&app.browser(), "other-desk").await.status(),
        200,
        "still enabled"
    );
    // The other company's resident (13900009999) is neither exported nor erased.
    let export: Value = app.export_resident(&admin, "13900009999").await;
    assert_eq!(export["orders"], json!([]));
    let erased: Value = admin
        .post(app.url("/api/admin/residents/erase"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "phone": "13900009999" }))
        .send()
        .await
        .expect("erase")
        .json()
        .await
        .expect("json");
    assert_eq!(erased["orders"], json!([]));
    let events = app
        .db
        .order_events("est-other", &other_order)
        .await
        .expect("events");
    assert!(
        matches!(&events[0].body, anju_shared::order::EventBody::Reported(r) if r.text == "门禁坏了")
    );
}

#[tokio::test]
async fn an_open_order_stays_in_the_desk_inbox_however_many_newer_ones_arrive() {
    let (app, _dir) = app().await;
    common::story_open_orders_stay_in_the_inbox(&app).await;
}

#[tokio::test]
async fn an_admin_lists_only_their_companys_regions_and_estates() {
    let (app, _dir) = app().await;
    let (_, other) = common::routes::two_companies(&app).await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let regions: Value = app.get_json(&admin, "/api/admin/regions").await;
    let mut regions = regions.as_array().expect("list").clone();
    regions.sort_by_key(|r| r["id"].as_str().unwrap_or_default().to_string());
    assert_eq!(
        regions,
        [
            json!({ "id": "rg-east", "name": "华东区域" }),
            json!({ "id": "rg-south", "name": "华南区域" })
        ]
    );
    let mut estates: Vec<Value> = app
        .get_json(&admin, "/api/admin/estates")
        .await
        .as_array()
        .expect("list")
        .clone();
    // By id here: the names' order is the database's collation.
    estates.sort_by_key(|e| e["id"].as_str().unwrap_or_default().to_string());
    assert_eq!(
        estates,
        [
            json!({ "id": "est-binjiang", "name": "滨江壹号", "region_id": "rg-south", "region_name": "华南区域" }),
            json!({ "id": "est-cuihu", "name": "翠湖花园", "region_id": "rg-south", "region_name": "华南区域" }),
            json!({ "id": "est-fenglin", "name": "枫林苑", "region_id": "rg-east", "region_name": "华东区域" }),
            json!({ "id": "est-haitang", "name": "海棠湾", "region_id": "rg-east", "region_name": "华东区域" }),
        ]
    );
    // The other company's admin sees theirs and nothing of the demo company.
    let (theirs, _) = logged_in(&app, other.login_of(anju_server::auth::Role::Admin)).await;
    for path in ["/api/admin/regions", "/api/admin/estates"] {
        let answer = app.get_json(&theirs, path).await;
        let list = answer.as_array().expect("list");
        assert!(!list.is_empty(), "{path}: {answer}");
        let text = answer.to_string();
        for mine in ["rg-south", "华南区域", "est-cuihu", "翠湖花园"] {
            assert!(!text.contains(mine), "{path}: {text}");
        }
        assert!(text.contains("rg-other"), "{path}: {text}");
    }
    // Only admins.
    let (desk, _) = logged_in(&app, "desk").await;
    for path in ["/api/admin/regions", "/api/admin/estates"] {
        let status = desk.get(app.url(path)).send().await.expect("get").status();
        assert_eq!(status, 403, "{path}");
    }
    // The list tells what is given from what is seen: the area manager was given the demo
    // estate and the region; the quality centre sees every estate, given or not.
    let area = listed(&app, &admin, "area").await;
    assert_eq!(area["given_estate_ids"], json!(["est-cuihu"]), "{area}");
    assert_eq!(area["region_ids"], json!(["rg-south"]), "{area}");
    let desk_row = listed(&app, &admin, "desk").await;
    assert_eq!(desk_row["region_ids"], json!([]), "{desk_row}");
}

#[tokio::test]
async fn an_admin_creates_an_area_manager_with_regions_in_one_request() {
    let (app, _dir) = app().await;
    common::seed_second_company(&app).await;
    common::add_second_south_estate(&app).await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let new = |role: &str, regions: Value| {
        json!({
            "username": "area2", "display_name": "钱坤", "role": role,
            "password": "翠湖春水 lamp 7", "estate_ids": [], "region_ids": regions,
        })
    };
    let post = reqwest::Method::POST;
    // Another company's region, or regions for a role without any: refused by name, in
    // both languages, and nothing created.
    for (role, regions, zh) in [
        (
            "area_manager",
            json!(["rg-other"]),
            "不是本公司的片区(rg-other)",
        ),
        ("caretaker", json!(["rg-south"]), "只有片区经理负责片区"),
    ] {
        let (status, err) = send_json(
            &app,
            &admin,
            post.clone(),
            "/api/admin/staff",
            new(role, regions),
        )
        .await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["field"], "region_ids", "{err}");
        assert_eq!(err["message_zh"], zh, "{err}");
        assert!(
            err["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("region_ids: ")),
            "{err}"
        );
    }
    let (status, created) = send_json(
        &app,
        &admin,
        post,
        "/api/admin/staff",
        new("area_manager", json!(["rg-south"])),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["region_ids"], json!(["rg-south"]));
    let row = listed(&app, &admin, "area2").await;
    assert_eq!(row["region_ids"], json!(["rg-south"]), "{row}");
    assert_eq!(row["given_estate_ids"], json!([]), "{row}");
    assert_eq!(
        row["estate_ids"],
        json!(["est-binjiang", "est-cuihu", "est-south-2"]),
        "every estate of the region: {row}"
    );
    let area2 = app.browser();
    let resp = area2
        .post(app.url("/api/login"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "username": "area2", "password": "翠湖春水 lamp 7" }))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    let status = area2
        .get(app.url("/api/estates/est-south-2/site"))
        .send()
        .await
        .expect("site")
        .status();
    assert_eq!(status, 200);
    assert_eq!(audit_count(&app, "regions_changed").await, 1);
}

#[tokio::test]
async fn a_role_without_regions_loses_them_and_regions_can_be_cleared() {
    let (app, _dir) = app().await;
    common::story_regions_follow_the_role(&app).await;
}

#[tokio::test]
async fn an_admin_cannot_demote_or_disable_themselves() {
    let (app, _dir) = app().await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let before = state(&app).await;
    for (body, field, zh) in [
        (json!({ "role": "caretaker" }), "role", "不能更改自己的角色"),
        (
            json!({ "disabled": true, "estate_ids": [] }),
            "disabled",
            "不能停用自己的账号",
        ),
    ] {
        let (status, err) = send_json(
            &app,
            &admin,
            reqwest::Method::PATCH,
            "/api/admin/staff/stf-admin",
            body,
        )
        .await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["field"], field, "{err}");
        assert_eq!(err["message_zh"], zh, "{err}");
    }
    assert_eq!(
        state(&app).await,
        before,
        "a refused change changes nothing"
    );
    let me = app.get_json(&admin, "/api/me").await;
    assert_eq!(me["role"], "admin");
    // What keeps them an admin is fine: their own estates, or "admin" again.
    let (status, _) = send_json(
        &app,
        &admin,
        reqwest::Method::PATCH,
        "/api/admin/staff/stf-admin",
        json!({ "role": "admin", "disabled": false }),
    )
    .await;
    assert_eq!(status, 200);
    // Another admin may still be demoted by this one.
    let (status, _) = send_json(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/admin/staff",
        json!({ "username": "admin2", "display_name": "钱坤", "role": "admin",
                "password": "翠湖春水 lamp 7" }),
    )
    .await;
    assert_eq!(status, 200);
    let id = listed(&app, &admin, "admin2").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, _) = send_json(
        &app,
        &admin,
        reqwest::Method::PATCH,
        &format!("/api/admin/staff/{id}"),
        json!({ "role": "caretaker", "disabled": true }),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn admin_refusals_carry_chinese_next_to_english_and_other_routes_keep_their_shape() {
    let (app, _dir) = app().await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let (status, err) = send_json(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/admin/staff",
        json!({ "username": "guanjia9", "display_name": "黄磊", "role": "caretaker",
                "password": "short" }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        err,
        json!({ "error": "password: at least 8 characters", "field": "password",
                "message_zh": "至少 8 个字符" })
    );
    // Another route's field error is as it was: `error` and `field` only.
    let (status, err) = send_json(
        &app,
        &admin,
        reqwest::Method::POST,
        "/api/admin/residents/erase",
        json!({ "phone": "12345" }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "phone", "{err}");
    assert!(err.get("message_zh").is_none(), "{err}");
}

#[tokio::test]
async fn regions_open_estates_to_area_managers_only() {
    let (app, _dir) = app().await;
    common::story_regions_open_estates_to_area_managers_only(&app).await;
}

// Hostile and buggy clients against the arrival check (the same stories run on PostgreSQL).

#[tokio::test]
async fn a_poisoned_time_is_refused_and_the_estate_stays_readable() {
    let (app, _dir) = app().await;
    common::hostile::story_poisoned_times_are_refused(&app).await;
}

#[tokio::test]
async fn an_unreadable_row_never_takes_a_page_down() {
    let (app, _dir) = app().await;
    common::hostile::story_an_unreadable_row_never_takes_a_page_down(&app).await;
}

#[tokio::test]
async fn clock_stamps_are_bounded_and_tablets_keep_sending() {
    let (app, _dir) = app().await;
    common::hostile::story_clock_stamps_are_bounded(&app).await;
}

#[tokio::test]
async fn anonymous_logins_cannot_fill_the_disk() {
    let (app, _dir) = app().await;
    common::hostile::story_anonymous_logins_cannot_fill_the_disk(&app).await;
}

#[tokio::test]
async fn full_numbers_stay_out_of_the_synced_log() {
    let (app, _dir) = app().await;
    common::hostile::story_full_numbers_stay_out_of_the_log(&app).await;
}

#[tokio::test]
async fn every_field_is_bounded_and_every_reference_checked() {
    let (app, _dir) = app().await;
    common::hostile::story_every_field_is_bounded_and_every_reference_checked(&app).await;
}

#[tokio::test]
async fn a_colleague_cannot_take_a_tablets_sync_keys() {
    let (app, _dir) = app().await;
    common::hostile::story_a_colleague_cannot_take_a_tablets_keys(&app).await;
}

#[tokio::test]
async fn refusals_are_json_even_over_the_body_limit() {
    let (app, _dir) = app().await;
    common::hostile::story_refusals_are_json(&app).await;
}

#[tokio::test]
async fn accepted_events_read_back_identical() {
    let (app, _dir) = app().await;
    for seed in [1, 2, 3] {
        common::hostile::story_accepted_events_read_back_identical(&app, seed).await;
    }
}

#[tokio::test]
async fn a_database_of_the_old_schema_is_carried_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, backend) = if common::on_postgres() {
        (test_db(&dir).await, "postgres")
    } else {
        (format!("{}?mode=rwc", test_db(&dir).await), "sqlite")
    };
    common::hostile::story_old_schema_migrates(&url, backend).await;
}

#[tokio::test]
async fn the_public_vectors_hold_through_stored_events() {
    let (app, _dir) = app().await;
    common::vectors::story_public_vectors_through_events(&app).await;
}

// The server's clock (escalations), with time injected.

#[tokio::test]
async fn the_clock_catches_up_after_a_stop_and_records_each_step_once() {
    let (app, _dir) = app().await;
    common::clock::story_the_clock_catches_up_once(&app).await;
}

#[tokio::test]
async fn a_jumping_clock_records_each_step_once() {
    let (app, _dir) = app().await;
    common::clock::story_a_jumping_clock_records_each_step_once(&app).await;
}

#[tokio::test]
async fn completion_stops_the_ladder() {
    let (app, _dir) = app().await;
    common::clock::story_completion_stops_the_ladder(&app).await;
}

#[tokio::test]
async fn read_marks_follow_the_person_to_every_device_and_no_one_else() {
    let (app, _dir) = app().await;
    let (tablet, _) = logged_in(&app, "cs").await;
    let (laptop, _) = logged_in(&app, "cs").await;
    let (other, _) = logged_in(&app, "dept").await;
    let (status, _) = send_json(
        &app,
        &tablet,
        reqwest::Method::POST,
        "/api/me/reads",
        json!({ "keys": ["escalated:o1:cs_supervisor", "callback:o2"] }),
    )
    .await;
    assert_eq!(status, 200);
    let keys = |v: Value| {
        let mut k: Vec<String> = v["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k.as_str().expect("key").to_string())
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(app.get_json(&laptop, "/api/me/reads").await),
        vec!["callback:o2", "escalated:o1:cs_supervisor"]
    );
    assert!(keys(app.get_json(&other, "/api/me/reads").await).is_empty());
    let (status, err) = send_json(
        &app,
        &tablet,
        reqwest::Method::POST,
        "/api/me/reads",
        json!({ "keys": ["x".repeat(161)] }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "keys[0]");
}

#[tokio::test]
async fn a_hotspot_complaint_is_recorded_once_and_names_its_people() {
    let (app, _dir) = app().await;
    common::clock::story_a_hotspot_is_recorded_and_named(&app).await;
}

#[tokio::test]
async fn reference_numbers_count_per_day_without_gaps() {
    let (app, _dir) = app().await;
    let mut refs = Vec::new();
    for text in ["楼道灯坏了", "垃圾没人收", "门禁失灵"] {
        let body = app.valid_report(text).await;
        let receipt: Value = app.report(&body).await.json().await.expect("receipt");
        refs.push(
            receipt["reference"]
                .as_str()
                .expect("reference")
                .to_string(),
        );
        // Events between reports (a note from the desk) must not make the numbers skip.
        let order = receipt["order_id"].as_str().expect("order").to_string();
        let mut desk =
            common::devices::Device::login(&app, "desk", &format!("ref-{text}"), 0).await;
        desk.record(
            &order,
            anju_shared::order::EventBody::Note {
                text: "已联系".into(),
            },
            chrono::Utc::now().timestamp_millis(),
        );
        desk.sync_all().await;
    }
    let day = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y%m%d")
        .to_string();
    assert_eq!(
        refs,
        vec![
            format!("{day}-0001"),
            format!("{day}-0002"),
            format!("{day}-0003")
        ]
    );
}

#[tokio::test]
async fn the_dashboard_sums_only_the_estates_a_role_may_see() {
    let (app, _dir) = app().await;
    common::kpi::story_kpi_scopes(&app).await;
}

#[tokio::test]
async fn the_monthly_report_and_its_workbook_carry_the_dashboards_figures() {
    let (app, _dir) = app().await;
    common::kpi::story_monthly_report(&app).await;
}

#[tokio::test]
async fn monthly_reports_are_listed_with_their_status_and_last_month_opened_by_the_clock() {
    let (app, _dir) = app().await;
    common::reports::story_report_list(&app).await;
}

#[tokio::test]
async fn the_figures_never_trust_a_stale_kept_state() {
    let (app, _dir) = app().await;
    common::reports::story_kept_states(&app).await;
}

#[tokio::test]
async fn the_weekly_report_counts_an_iso_week_and_lists_its_rectification_items() {
    let (app, _dir) = app().await;
    common::reports::story_weekly_report(&app).await;
}

#[tokio::test]
async fn a_months_visit_plan_is_proposed_edited_approved_and_shared_out() {
    let (app, _dir) = app().await;
    common::plans::story_visit_plans(&app).await;
}

#[tokio::test]
async fn paid_work_is_quoted_from_the_estates_price_list() {
    let (app, _dir) = app().await;
    common::prices::story_paid_work(&app).await;
}

#[tokio::test]
async fn a_major_customer_event_gets_its_special_report_saved_and_exported() {
    let (app, _dir) = app().await;
    common::special::story_special_reports(&app).await;
}

#[tokio::test]
async fn the_demo_company_and_its_year() {
    let (app, _dir) = app().await;
    common::demo::story_the_demo_year(&app).await;
}

// Webhooks: a local receiver over real HTTP, time injected.

/// An app whose webhooks may reach a receiver on 127.0.0.1 (`ANJU_WEBHOOK_ALLOW_PRIVATE`,
/// `ANJU_WEBHOOK_ALLOW_HTTP`), over `url`.
async fn webhook_app(url: &str) -> TestApp {
    let config = common::webhooks::permissive(anju_server::config::Config::for_tests(url));
    TestApp::spawn_with_config(config).await
}

#[tokio::test]
async fn webhook_deliveries_are_signed_retried_and_replays_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = webhook_app(&test_db(&dir).await).await;
    common::webhooks::story_deliveries_are_signed_and_retried(&app).await;
}

#[tokio::test]
async fn a_webhook_delivery_is_given_up_after_a_day_sent_again_and_paused_when_disabled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = webhook_app(&test_db(&dir).await).await;
    common::webhooks::story_given_up_sent_again_and_disabled(&app).await;
}

#[tokio::test]
async fn webhook_deliveries_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = test_db(&dir).await;
    let rx = common::webhooks::Receiver::start(1).await;
    let now = chrono::Utc::now() + chrono::Duration::seconds(1);
    let hook = {
        let app = webhook_app(&url).await;
        common::webhooks::story_before_a_restart(&app, &rx, now).await
    };
    // A new server over the same database, as after a restart.
    let app = webhook_app(&url).await;
    common::webhooks::story_after_a_restart(&app, &rx, &hook, now).await;
}

#[tokio::test]
async fn webhook_registration_refuses_private_and_metadata_addresses() {
    let (app, _dir) = app().await;
    common::webhooks::story_registration_refuses_private_targets(&app).await;
}

#[tokio::test]
async fn a_webhook_whose_host_now_resolves_privately_is_not_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = webhook_app(&test_db(&dir).await).await;
    common::webhooks::story_a_host_that_now_resolves_privately_is_not_sent(&app).await;
}

#[tokio::test]
async fn webhooks_stay_in_their_company() {
    let (app, _dir) = app().await;
    common::webhooks::story_webhooks_stay_in_their_company(&app).await;
}

#[tokio::test]
async fn webhooks_hear_only_their_companys_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = webhook_app(&test_db(&dir).await).await;
    common::webhooks::story_only_the_companys_events_are_delivered(&app).await;
}

#[tokio::test]
async fn a_webhooks_estate_filter_keeps_the_others_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = webhook_app(&test_db(&dir).await).await;
    common::webhooks::story_an_estate_filter_keeps_the_others_out(&app).await;
}

#[tokio::test]
async fn a_log_made_by_the_order_only_schema_migrates_to_subjects() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::subjects::story_an_order_only_log_migrates_to_subjects(&test_db(&dir).await).await;
}

#[tokio::test]
async fn rounds_visits_and_orders_sync_as_subjects_of_their_kinds() {
    let (app, _dir) = app().await;
    common::subjects::story_every_subject_kind_syncs(&app).await;
}

#[tokio::test]
async fn erasing_a_resident_redacts_the_visit_notes_of_their_household() {
    let (app, _dir) = app().await;
    common::subjects::story_erasure_reaches_household_visits(&app).await;
}

#[tokio::test]
async fn managers_define_patrols_that_every_colleague_reads() {
    let (app, _dir) = app().await;
    common::patrols::story_definitions_by_role_and_field(&app).await;
}

#[tokio::test]
async fn forged_other_estate_and_revoked_checkpoint_codes_are_refused_by_name() {
    let (app, _dir) = app().await;
    common::patrols::story_codes_forged_other_estate_and_revoked(&app).await;
}

#[tokio::test]
async fn a_patrol_finding_reaches_the_desk_as_an_order_with_deadlines() {
    let (app, _dir) = app().await;
    common::patrols::story_a_finding_becomes_an_order_with_deadlines(&app).await;
}
