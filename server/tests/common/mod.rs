//! Test support: start the real server on a port of its own over a given database, and the
//! storage "stories" that must hold on SQLite and PostgreSQL alike.

#![allow(dead_code, unreachable_pub)]

pub mod devices;

use std::path::PathBuf;
use std::sync::Arc;

use anju_server::config::Config;
use anju_server::db::Db;
use anju_server::{AppState, seed, web};
use serde_json::{Value, json};

pub const CSRF: (&str, &str) = ("x-anju-csrf", "1");

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// Starts the app on 127.0.0.1:0 over `database_url`, seeded with the demo estate.
    pub async fn spawn(database_url: &str) -> TestApp {
        Self::spawn_with_dist(database_url, PathBuf::from("no-dist-in-tests")).await
    }

    pub async fn spawn_with_dist(database_url: &str, dist: PathBuf) -> TestApp {
        let mut config = Config::for_tests(database_url);
        config.dist = dist;
        Self::spawn_with_config(config).await
    }

    pub async fn spawn_with_config(config: Config) -> TestApp {
        let database_url = config.database_url.clone();
        let db = Db::connect(&database_url).await.expect("database connects");
        seed::seed_demo_if_empty(&db).await.expect("seed");
        let state = AppState {
            db: db.clone(),
            config: Arc::new(config),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        TestApp {
            base: format!("http://{addr}"),
            db,
            client: client(),
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new client with its own cookie jar: another browser.
    pub fn browser(&self) -> reqwest::Client {
        client()
    }

    pub async fn login(&self, client: &reqwest::Client, username: &str) -> reqwest::Response {
        client
            .post(self.url("/api/login"))
            .header(CSRF.0, CSRF.1)
            .json(&json!({ "username": username, "password": seed::DEMO_PASSWORD }))
            .send()
            .await
            .expect("login request")
    }

    /// The demo estate's first building and its first unit, as the form would offer them.
    pub async fn first_building_and_unit(&self) -> (String, String) {
        let site: Value = self
            .client
            .get(self.url("/api/public/estates/cuihu"))
            .send()
            .await
            .expect("site")
            .json()
            .await
            .expect("site json");
        let b = &site["buildings"][0];
        (
            b["id"].as_str().expect("building id").to_string(),
            b["units"][0]["id"].as_str().expect("unit id").to_string(),
        )
    }

    pub async fn report(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/public/estates/cuihu/reports"))
            .header(CSRF.0, CSRF.1)
            .json(body)
            .send()
            .await
            .expect("report request")
    }

    pub async fn valid_report(&self, text: &str) -> Value {
        let (building, unit) = self.first_building_and_unit().await;
        json!({
            "text": text,
            "building": building,
            "unit": unit,
            "room": "101",
            "phone": "13812345678",
            "name": "王女士",
        })
    }

    pub async fn events_stored(&self) -> i64 {
        self.db
            .event_count(seed::DEMO_ESTATE_ID)
            .await
            .expect("count")
            .0
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

/// The story every backend must pass: a resident reports, the desk sees it with its category,
/// masked phone and events; sequence numbers have no gaps; bad reports change nothing.
pub async fn story_report_to_desk(app: &TestApp) {
    let before = app.events_stored().await;
    let body = app.valid_report("卫生间漏水,请尽快来修").await;
    let resp = app.report(&body).await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let receipt: Value = resp.json().await.expect("receipt");
    let reference = receipt["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    assert!(!reference.is_empty());
    assert_eq!(receipt["category"], "repair");
    assert!(
        receipt["tracking_token"].as_str().expect("token").len() >= 32,
        "a tracking token of at least 128 bits"
    );

    // Bad input is refused, names the field and stores nothing.
    let mut bad = body.clone();
    bad["phone"] = json!("12345");
    let resp = app.report(&bad).await;
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("error json");
    assert_eq!(err["field"], "phone");
    assert!(
        err["errors"][0]["message_zh"]
            .as_str()
            .unwrap_or("")
            .contains("手机号")
    );
    assert_eq!(app.events_stored().await, before + 1);

    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let inbox: Value = desk
        .get(app.url("/api/desk/orders"))
        .send()
        .await
        .expect("inbox")
        .json()
        .await
        .expect("inbox json");
    assert_eq!(inbox["estate"]["policy"], "cmsk");
    let order = inbox["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["reference"] == reference.as_str())
        .expect("the new order is in the inbox");
    let first = &order["events"][0];
    assert_eq!(first["body"]["type"], "reported");
    assert_eq!(first["body"]["text"], "卫生间漏水,请尽快来修");
    assert_eq!(first["body"]["suggested"], "repair");
    assert_eq!(first["body"]["phone_masked"], "138****5678");
    let raw = serde_json::to_string(&inbox).expect("json");
    assert!(
        !raw.contains("13812345678"),
        "the full phone number never leaves in a list"
    );

    let (count, seq) = app
        .db
        .event_count(seed::DEMO_ESTATE_ID)
        .await
        .expect("count");
    assert_eq!(count, seq, "the estate's sequence has no gaps");
}

/// Many reports at once from many clients, spread over the given servers (one database):
/// every one stored once, the estate's sequence dense.
pub async fn story_concurrent_reports(apps: &[&TestApp], n: usize) {
    let app = apps[0];
    let before = app.events_stored().await;
    let body = app.valid_report("楼道灯不亮了").await;
    let mut tasks = Vec::new();
    for i in 0..n {
        let target = apps[i % apps.len()];
        let client = target.browser();
        let url = target.url("/api/public/estates/cuihu/reports");
        let mut body = body.clone();
        body["text"] = json!(format!("楼道灯不亮了 #{i}"));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header(CSRF.0, CSRF.1)
                .json(&body)
                .send()
                .await
                .expect("send")
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 201);
    }
    assert_eq!(app.events_stored().await, before + n as i64);
    let (count, seq) = app
        .db
        .event_count(seed::DEMO_ESTATE_ID)
        .await
        .expect("count");
    assert_eq!(count, seq, "the estate's sequence has no gaps");
}

/// A second company with one estate (`est-other`), one household, a desk user `other-desk`
/// and one reported order; returns that order's id. For the tenancy tests.
pub async fn seed_second_company(app: &TestApp) -> String {
    let hash = anju_server::auth::hash_password(seed::DEMO_PASSWORD).expect("hash");
    let statements: Vec<(&str, Vec<String>)> = vec![
        (
            "INSERT INTO companies (id, name) VALUES ($1, $2)",
            vec!["co-other".into(), "别家物业".into()],
        ),
        (
            "INSERT INTO regions (id, company_id, name) VALUES ($1, $2, $3)",
            vec!["rg-other".into(), "co-other".into(), "北区".into()],
        ),
        (
            "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
            vec![
                "est-other".into(),
                "co-other".into(),
                "rg-other".into(),
                "other".into(),
                "别家小区".into(),
                "crland".into(),
                "+08:00".into(),
            ],
        ),
        (
            "INSERT INTO buildings (id, estate_id, number, name, floors, footprint) VALUES ($1, $2, 1, $3, 6, $4)",
            vec![
                "bld-other-1".into(),
                "est-other".into(),
                "1栋".into(),
                "[[0,0],[10,0],[10,10],[0,10]]".into(),
            ],
        ),
        (
            "INSERT INTO units (id, building_id, number) VALUES ($1, $2, 1)",
            vec!["bld-other-1-u1".into(), "bld-other-1".into()],
        ),
        (
            "INSERT INTO households (id, unit_id, floor, room, important) VALUES ($1, $2, 1, $3, 0)",
            vec![
                "bld-other-1-u1-101".into(),
                "bld-other-1-u1".into(),
                "101".into(),
            ],
        ),
        (
            "INSERT INTO staff (id, company_id, username, display_name, role, password_hash, disabled) VALUES ($1, $2, $3, $4, $5, $6, 0)",
            vec![
                "stf-other-desk".into(),
                "co-other".into(),
                "other-desk".into(),
                "钱多".into(),
                "front_desk".into(),
                hash,
            ],
        ),
        (
            "INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, $2)",
            vec!["stf-other-desk".into(), "est-other".into()],
        ),
    ];
    for (sql, args) in statements {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(a);
        }
        q.execute(&app.db.pool)
            .await
            .expect("seed the second company");
    }
    let receipt: Value = app
        .client
        .post(app.url("/api/public/estates/other/reports"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({
            "text": "门禁坏了",
            "building": "bld-other-1",
            "unit": "bld-other-1-u1",
            "room": "101",
            "phone": "13900009999",
        }))
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("receipt");
    receipt["order_id"].as_str().expect("order id").to_string()
}

/// The story: the audit log is append-only in the database itself — an UPDATE or a DELETE
/// fails, whoever sends it, and the rows stay as written.
pub async fn story_audit_log_is_append_only(app: &TestApp) {
    use sqlx::Row;
    assert_eq!(app.login(&app.browser(), "desk").await.status(), 200);
    let rows = || async {
        sqlx::query(
            "SELECT id, at_ms, actor, ip, action, subject, detail FROM audit_log ORDER BY id",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("audit rows")
        .iter()
        .map(|r| {
            let id: i64 = r.try_get(0).expect("id");
            let at: i64 = r.try_get(1).expect("at_ms");
            let text: Vec<String> = (2..7).map(|i| r.try_get(i).expect("text")).collect();
            (id, at, text)
        })
        .collect::<Vec<_>>()
    };
    let before = rows().await;
    assert!(!before.is_empty(), "the login was audited");
    for sql in [
        "UPDATE audit_log SET detail = 'rewritten'",
        "UPDATE audit_log SET actor = 'someone else' WHERE action = 'login_ok'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'login_ok'",
    ] {
        let err = sqlx::query(sql).execute(&app.db.pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(rows().await, before);
    // Appending still works.
    app.db
        .audit("anonymous", "127.0.0.1", "test", "", "")
        .await
        .expect("append");
    assert_eq!(rows().await.len(), before.len() + 1);
}
