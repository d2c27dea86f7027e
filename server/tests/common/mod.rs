//! Test support: start the real server on a port of its own over a given database, and the
//! storage "stories" that must hold on SQLite and PostgreSQL alike.

#![allow(dead_code, unreachable_pub)]

pub mod callbacks;
pub mod clock;
pub mod demo;
pub mod devices;
pub mod hostile;
pub mod kpi;
pub mod patrols;
pub mod plans;
pub mod prices;
pub mod reports;
pub mod routes;
pub mod special;
pub mod subjects;
pub mod vectors;
pub mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;

use anju_server::config::Config;
use anju_server::db::Db;
use anju_server::{AppState, seed, web};
use serde_json::{Value, json};

pub const CSRF: (&str, &str) = ("x-anju-csrf", "1");

/// Whether this run's tests go to PostgreSQL (`ANJU_TEST_PG_URL` set).
pub fn on_postgres() -> bool {
    std::env::var("ANJU_TEST_PG_URL").is_ok_and(|u| !u.trim().is_empty())
}

/// Creates a fresh database next to the one in `ANJU_TEST_PG_URL` and returns its URL.
pub async fn fresh_database() -> String {
    use sqlx::Connection;
    let base = std::env::var("ANJU_TEST_PG_URL")
        .expect("ANJU_TEST_PG_URL must point at a PostgreSQL for this suite");
    let name = format!("anju_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to ANJU_TEST_PG_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("a database name in ANJU_TEST_PG_URL");
    format!("{prefix}/{name}")
}

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

    /// `GET path` as `client` (a browser with its cookies), answered with JSON.
    pub async fn get_json(&self, client: &reqwest::Client, path: &str) -> Value {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: not JSON: {e}"))
    }

    /// The admin's export of everything held about `phone` (`POST`, the number in the body).
    pub async fn export_resident(&self, client: &reqwest::Client, phone: &str) -> Value {
        let resp = client
            .post(self.url("/api/admin/residents/export"))
            .header(CSRF.0, CSRF.1)
            .json(&serde_json::json!({ "phone": phone }))
            .send()
            .await
            .expect("export");
        assert_eq!(resp.status(), 200, "export of {phone}");
        resp.json().await.expect("export JSON")
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

/// Test photos, made with `image` as a phone or a browser would send them.
pub mod photos {
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::{ExtendedColorType, ImageEncoder, RgbImage};

    fn gradient(w: u32, h: u32, tint: u8) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 5) as u8, tint])
        })
    }

    /// A JPEG as a phone writes it: an APP1 Exif segment right after SOI whose GPS IFD holds
    /// the position (latitude 22° N), and bytes appended after the image's end.
    pub fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&gradient(w, h, 128))
            .expect("encode jpeg");
        // TIFF, little-endian: IFD0 = { GPSInfo → GPS IFD }, GPS IFD = { LatitudeRef "N",
        // Latitude 22/1 0/1 0/1 }.
        let mut tiff = b"II*\0".to_vec();
        tiff.extend(8u32.to_le_bytes());
        tiff.extend(1u16.to_le_bytes());
        tiff.extend([0x25, 0x88, 4, 0]);
        tiff.extend(1u32.to_le_bytes());
        tiff.extend(26u32.to_le_bytes()); // the GPS IFD follows IFD0 (8 + 2 + 12 + 4)
        tiff.extend(0u32.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        tiff.extend([1, 0, 2, 0]); // GPSLatitudeRef, ASCII
        tiff.extend(2u32.to_le_bytes());
        tiff.extend(*b"N\0\0\0");
        tiff.extend([2, 0, 5, 0]); // GPSLatitude, RATIONAL × 3, at offset 56
        tiff.extend(3u32.to_le_bytes());
        tiff.extend(56u32.to_le_bytes());
        tiff.extend(0u32.to_le_bytes());
        for (num, den) in [(22u32, 1u32), (0, 1), (0, 1)] {
            tiff.extend(num.to_le_bytes());
            tiff.extend(den.to_le_bytes());
        }
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend(u16::try_from(tiff.len() + 8).expect("short").to_be_bytes());
        app1.extend(b"Exif\0\0");
        app1.extend(tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend(app1);
        out.extend(&jpeg[2..]);
        out.extend(b"<script>trailing</script>");
        out
    }

    pub fn png(w: u32, h: u32, tint: u8) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(gradient(w, h, tint).as_raw(), w, h, ExtendedColorType::Rgb8)
            .expect("encode png");
        out
    }

    /// image's WebP encoder is lossless-only, which is all a test needs.
    pub fn webp(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut out)
            .encode(gradient(w, h, 7).as_raw(), w, h, ExtendedColorType::Rgb8)
            .expect("encode webp");
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A small valid PNG whose header claims `w × h` pixels (a decompression bomb's header).
    pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut bytes = png(4, 4, 0);
        bytes[16..20].copy_from_slice(&w.to_be_bytes());
        bytes[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }
}

/// POSTs raw bytes (a photo upload) with the CSRF header and the given Content-Type.
pub async fn post_bytes(
    client: &reqwest::Client,
    url: String,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    client
        .post(url)
        .header(CSRF.0, CSRF.1)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("upload")
}

/// The stored bytes of a photo of an estate, straight from the database.
pub async fn stored_photos(app: &TestApp, hash: &str) -> Vec<Vec<u8>> {
    use sqlx::Row;
    sqlx::query("SELECT bytes FROM photos WHERE hash = $1")
        .bind(hash.to_string())
        .fetch_all(&app.db.pool)
        .await
        .expect("photos")
        .iter()
        .map(|r| r.try_get(0).expect("bytes"))
        .collect()
}

/// The story on every backend: the desk uploads a phone's JPEG; what is stored (a BLOB or a
/// BYTEA) has no EXIF and no trailing bytes and still decodes; the same photo again is the
/// same row; the desk reads it back byte for byte with its type.
pub async fn story_photos_round_trip(app: &TestApp) {
    let desk = app.browser();
    assert_eq!(app.login(&desk, "desk").await.status(), 200);
    let url = app.url(&format!("/api/estates/{}/photos", seed::DEMO_ESTATE_ID));
    let upload = photos::jpeg_with_gps(40, 30);
    let resp = post_bytes(&desk, url.clone(), "image/jpeg", upload.clone()).await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["mime"], "image/jpeg");
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(40), Some(30))
    );
    let hash = body["hash"].as_str().expect("hash").to_string();
    assert_eq!(hash.len(), 64);
    // The name a tablet gives the photo before uploading it: the hash of the file as taken,
    // which differs from the cleaned copy's (the EXIF is gone) and opens the same photo.
    let original = anju_shared::photo::name(&upload);
    assert_eq!(body["original"], original.as_str());
    assert_ne!(original, hash);

    let stored = stored_photos(app, &hash).await;
    assert_eq!(stored.len(), 1);
    let bytes = &stored[0];
    assert!(!photos::contains(bytes, b"Exif"), "EXIF is gone");
    assert!(
        !photos::contains(bytes, b"<script>"),
        "trailing bytes are gone"
    );
    let image = image::load_from_memory(bytes).expect("the stored photo decodes");
    assert_eq!((image.width(), image.height()), (40, 30));

    let again = post_bytes(&desk, url, "application/octet-stream", upload).await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        again.json::<Value>().await.expect("json")["hash"],
        hash.as_str()
    );
    assert_eq!(
        stored_photos(app, &hash).await.len(),
        1,
        "content-addressed: one row"
    );

    let resp = desk
        .get(app.url(&format!("/api/photos/{hash}")))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        bytes.as_slice()
    );
    let resp = desk
        .get(app.url(&format!("/api/photos/{original}")))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 200, "the tablet's name opens the photo");
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.headers()["etag"], format!("\"{original}\"").as_str());
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        bytes.as_slice(),
        "the cleaned copy, never the file as sent"
    );
    // The desk of another company knows neither name.
    seed_second_company(app).await;
    let (stranger, _) = logged_in(app, "other-desk").await;
    for name in [&hash, &original] {
        let resp = stranger
            .get(app.url(&format!("/api/photos/{name}")))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 404, "{name}");
    }
}

/// The story on every backend: erasing a resident deletes the photos they attached to their
/// reports — but not one another order still carries (a neighbour's report with the same
/// picture, a caretaker's event on another order), nor the staff's own photos of their order,
/// nor the same picture in another estate — and the export lists them before.
pub async fn story_erasure_deletes_the_residents_photos(app: &TestApp) {
    use sqlx::Row;
    seed_second_company(app).await;
    let resident = "13812345678";
    // Five pictures uploaded on the public form, P[0] also to the other company's estate.
    let mut p = Vec::new();
    for tint in 10..15u8 {
        let resp = post_bytes(
            &app.browser(),
            app.url("/api/public/estates/cuihu/photos"),
            "image/png",
            photos::png(8, 8, tint),
        )
        .await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.expect("json");
        p.push(body["hash"].as_str().expect("hash").to_string());
    }
    let elsewhere = post_bytes(
        &app.browser(),
        app.url("/api/public/estates/other/photos"),
        "image/png",
        photos::png(8, 8, 10),
    )
    .await;
    assert_eq!(elsewhere.status(), 201);
    let report = |phone: &'static str, text: &'static str, attached: Vec<String>| async move {
        let mut body = app.valid_report(text).await;
        body["phone"] = json!(phone);
        body["photos"] = json!(attached);
        let resp = app.report(&body).await;
        assert_eq!(resp.status(), 201);
        let receipt: Value = resp.json().await.expect("receipt");
        receipt["order_id"].as_str().expect("id").to_string()
    };
    let mine = report(
        resident,
        "卫生间漏水",
        vec![p[0].clone(), p[1].clone(), p[3].clone(), p[4].clone()],
    )
    .await;
    let mine_again = report(resident, "还在漏水", vec![p[1].clone(), p[2].clone()]).await;
    // A neighbour sent the same picture p[2] (forwarded in the building's chat).
    let neighbours = report("13900001111", "楼上漏水", vec![p[2].clone()]).await;
    // Another resident, erased first, had attached p[4] as well.
    let erased_first = report("13700002222", "天花板渗水", vec![p[4].clone()]).await;

    // A caretaker records p[3] on the neighbour's order, and a photo of their own on mine.
    let caretaker = app.browser();
    assert_eq!(app.login(&caretaker, "guanjia1").await.status(), 200);
    let own_photo = post_bytes(
        &caretaker,
        app.url("/api/estates/est-cuihu/photos"),
        "image/png",
        photos::png(8, 8, 20),
    )
    .await;
    assert_eq!(own_photo.status(), 201);
    let own_photo = own_photo.json::<Value>().await.expect("json")["hash"]
        .as_str()
        .expect("hash")
        .to_string();
    let photo_event = |n: u64, order: &str, hash: &str| {
        json!({
            "id": format!("ev-photo-{n}"), "order_id": order, "device_id": "tablet-p",
            "device_seq": n, "hlc": format!("001773139800000-0000{n}"), "actor": "stf-guanjia1",
            "at": "2026-03-10T09:30:00+08:00", "body": { "type": "photo", "hash": hash }
        })
    };
    let pushed: Value = caretaker
        .post(app.url("/api/sync"))
        .header(CSRF.0, CSRF.1)
        .json(
            &json!({ "device_id": "tablet-p", "estate_id": "est-cuihu", "cursor": 0, "push": [
                photo_event(1, &neighbours, &p[3]), photo_event(2, &mine, &own_photo),
            ]}),
        )
        .send()
        .await
        .expect("sync")
        .json()
        .await
        .expect("json");
    assert!(
        pushed["acks"]
            .as_array()
            .expect("acks")
            .iter()
            .all(|a| a["outcome"]["outcome"] == "stored"),
        "{pushed}"
    );

    // The export lists the photos the resident attached, per order, with what is stored.
    let admin = app.browser();
    assert_eq!(app.login(&admin, "admin").await.status(), 200);
    let export = app.export_resident(&admin, resident).await;
    let listed = |order: &str| -> Vec<(String, String, i64)> {
        export["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .find(|o| o["id"] == order)
            .expect("the order is exported")["photos"]
            .as_array()
            .expect("photos")
            .iter()
            .map(|ph| {
                (
                    ph["hash"].as_str().expect("hash").to_string(),
                    ph["mime"].as_str().expect("mime").to_string(),
                    ph["size"].as_i64().expect("size"),
                )
            })
            .collect()
    };
    let first = listed(&mine);
    assert_eq!(
        first.iter().map(|(h, _, _)| h.clone()).collect::<Vec<_>>(),
        vec![p[0].clone(), p[1].clone(), p[3].clone(), p[4].clone()],
        "the resident's own attachments, not the caretaker's photo: {export}"
    );
    assert!(
        first
            .iter()
            .all(|(_, mime, size)| mime == "image/png" && *size > 0)
    );
    assert_eq!(listed(&mine_again).len(), 2);

    let erase = |phone: &'static str| {
        let admin = admin.clone();
        let url = app.url("/api/admin/residents/erase");
        async move {
            let resp = admin
                .post(url)
                .header(CSRF.0, CSRF.1)
                .json(&json!({ "phone": phone }))
                .send()
                .await
                .expect("erase");
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.expect("json")
        }
    };
    let stored = |hash: String| async move {
        sqlx::query("SELECT estate_id FROM photos WHERE hash = $1 ORDER BY estate_id")
            .bind(hash)
            .fetch_all(&app.db.pool)
            .await
            .expect("photos")
            .iter()
            .map(|r| r.try_get::<String, _>(0).expect("estate"))
            .collect::<Vec<_>>()
    };
    // Each order's kept folded state holds the resident's words until the erasure.
    while app.db.refresh_folded(1_000).await.expect("refresh") > 0 {}
    let kept_words = || async {
        let mut holding = 0;
        for id in [&mine, &mine_again] {
            let folded: Option<String> = sqlx::query("SELECT folded FROM orders WHERE id = $1")
                .bind(id.clone())
                .fetch_one(&app.db.pool)
                .await
                .expect("kept state")
                .try_get(0)
                .expect("folded");
            holding += usize::from(
                folded.is_some_and(|json| json.contains("卫生间漏水") || json.contains("还在漏水")),
            );
        }
        holding
    };
    assert_eq!(kept_words().await, 2, "both of my orders' states are kept");
    // p[4] is still on my order: erasing the other resident keeps it.
    let done = erase("13700002222").await;
    assert_eq!(done["orders"], json!([erased_first]));
    assert_eq!(done["photos"], 0, "{done}");
    assert_eq!(stored(p[4].clone()).await, vec!["est-cuihu"]);

    let done = erase(resident).await;
    let mut orders = vec![mine.clone(), mine_again.clone()];
    orders.sort();
    assert_eq!(done["orders"], json!(orders));
    assert_eq!(done["photos"], 3, "p[0], p[1], p[4]: {done}");
    assert_eq!(
        kept_words().await,
        0,
        "no kept state holds my words after the erasure"
    );
    while app.db.refresh_folded(1_000).await.expect("refresh") > 0 {}
    assert_eq!(
        kept_words().await,
        0,
        "nor once folded again from the redacted events"
    );
    assert_eq!(
        stored(p[0].clone()).await,
        vec!["est-other"],
        "gone here, kept in the other company's estate"
    );
    assert!(stored(p[1].clone()).await.is_empty(), "on two of my orders");
    assert!(
        stored(p[4].clone()).await.is_empty(),
        "its other order was erased"
    );
    assert_eq!(
        stored(p[2].clone()).await,
        vec!["est-cuihu"],
        "the neighbour's report carries it"
    );
    assert_eq!(
        stored(p[3].clone()).await,
        vec!["est-cuihu"],
        "the caretaker recorded it on another order"
    );
    assert_eq!(
        stored(own_photo.clone()).await,
        vec!["est-cuihu"],
        "the caretaker's own photo"
    );
    let status = admin
        .get(app.url(&format!("/api/photos/{}", p[0])))
        .send()
        .await
        .expect("photo")
        .status();
    assert_eq!(status, 404);
    // The audit says how much went.
    let detail: String =
        sqlx::query("SELECT detail FROM audit_log WHERE action = 'erase' ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit")
            .try_get(0)
            .expect("detail");
    assert_eq!(detail, "2 orders, 3 photos");
}

/// The desk's inbox keeps every open order, however many newer reports arrived, and drops a
/// closed one from the front until it is reopened.
pub async fn story_open_orders_stay_in_the_inbox(app: &TestApp) {
    use anju_shared::order::EventBody;
    let mut ids = Vec::new();
    for i in 0..5 {
        let body = app.valid_report(&format!("{i}号楼道灯不亮")).await;
        let receipt: Value = app.report(&body).await.json().await.expect("receipt");
        ids.push(receipt["order_id"].as_str().expect("order id").to_string());
    }
    // The oldest is closed; the next three stay open while newer reports push them back.
    let mut desk = devices::Device::login(app, "desk", "desk-tablet", 0).await;
    let now = chrono::Utc::now().timestamp_millis();
    desk.record(&ids[0], EventBody::Closed, now);
    // The newest is closed too: it stays, as the desk's recent history.
    desk.record(&ids[4], EventBody::Closed, now);
    desk.sync_all().await;
    assert!(desk.rejected.is_empty(), "{:?}", desk.rejected);

    let listed = |orders: Vec<anju_shared::order::OrderRecord>| -> Vec<String> {
        orders.into_iter().map(|o| o.id).collect()
    };
    let inbox = listed(
        app.db
            .orders_with_events(devices::ESTATE, 2, 100)
            .await
            .expect("inbox"),
    );
    for open in &ids[1..4] {
        assert!(
            inbox.contains(open),
            "open order {open} missing from {inbox:?}"
        );
    }
    assert!(
        inbox.contains(&ids[4]),
        "a recent closed order is listed: {inbox:?}"
    );
    assert!(
        !inbox.contains(&ids[0]),
        "an old closed order is history, not work"
    );
    assert!(
        inbox.iter().position(|id| id == &ids[4]) < inbox.iter().position(|id| id == &ids[1]),
        "newest first: {inbox:?}"
    );

    // Reopened, it is work again; and every listed order carries its own events only.
    desk.record(
        &ids[0],
        EventBody::Reopened {
            reason: "住户反映仍未修好".into(),
        },
        now + 1000,
    );
    desk.sync_all().await;
    let orders = app
        .db
        .orders_with_events(devices::ESTATE, 2, 100)
        .await
        .expect("inbox");
    let reopened = orders
        .iter()
        .find(|o| o.id == ids[0])
        .expect("reopened order listed");
    assert_eq!(reopened.events.len(), 3, "reported, closed, reopened");
    assert!(
        orders
            .iter()
            .all(|o| o.events.iter().all(|e| e.order_id() == o.id))
    );
    // The cap bounds the answer.
    let capped = app
        .db
        .orders_with_events(devices::ESTATE, 2, 3)
        .await
        .expect("inbox");
    let mut kept = listed(capped);
    kept.sort();
    // Open work first (the newest three of the open orders 1, 2, 3 and the reopened 0),
    // the closed recent one only if room is left.
    let mut open = ids[1..4].to_vec();
    open.sort();
    assert_eq!(kept, open, "the cap keeps open work before history");
}

/// How many audit rows carry this action.
pub async fn audit_count(app: &TestApp, action: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("audit")
        .try_get(0)
        .expect("count")
}

/// Logs `username` in on a new browser and answers (the browser, their staff id).
pub async fn logged_in(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let client = app.browser();
    assert_eq!(
        app.login(&client, username).await.status(),
        200,
        "{username}"
    );
    let me = app.get_json(&client, "/api/me").await;
    let id = me["id"].as_str().expect("id").to_string();
    (client, id)
}

/// Sends `body` as `method` to `path` with the CSRF header; answers (status, JSON body).
pub async fn send_json(
    app: &TestApp,
    client: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = client
        .request(method, app.url(path))
        .header(CSRF.0, CSRF.1)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The listed staff member with this username.
pub async fn listed(app: &TestApp, admin: &reqwest::Client, username: &str) -> Value {
    let list: Value = app.get_json(admin, "/api/admin/staff").await;
    list.as_array()
        .expect("list")
        .iter()
        .find(|s| s["username"] == username)
        .cloned()
        .unwrap_or_else(|| panic!("{username} not in {list}"))
}

/// A second estate of the demo company's region `rg-south`, 兰亭苑 (`est-south-2`): what an
/// area manager of the region sees and another role must not.
pub async fn add_second_south_estate(app: &TestApp) {
    sqlx::query(
        "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
         VALUES ('est-south-2', 'co-anju', 'rg-south', 'lanting', '兰亭苑', 'cmsk', '+08:00', 0)",
    )
    .execute(&app.db.pool)
    .await
    .expect("estate");
}

/// A role without regions loses them in the same change, and regions can be cleared.
pub async fn story_regions_follow_the_role(app: &TestApp) {
    add_second_south_estate(app).await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let (area, _) = logged_in(app, "area").await;
    let south2 = |client: reqwest::Client| {
        let url = app.url("/api/estates/est-south-2/site");
        async move { client.get(url).send().await.expect("site").status() }
    };
    assert_eq!(south2(area.clone()).await, 200, "through the region");
    let patch = reqwest::Method::PATCH;
    // A role set together with regions it cannot keep is refused, and changes nothing.
    let (status, err) = send_json(
        app,
        &admin,
        patch.clone(),
        "/api/admin/staff/stf-area",
        json!({ "role": "project_manager", "region_ids": ["rg-south"] }),
    )
    .await;
    assert_eq!(
        (status, &err["field"]),
        (400, &json!("region_ids")),
        "{err}"
    );
    assert_eq!(listed(app, &admin, "area").await["role"], "area_manager");
    // Moved to project manager: the region goes with the role, in the same change.
    let (status, _) = send_json(
        app,
        &admin,
        patch.clone(),
        "/api/admin/staff/stf-area",
        json!({ "role": "project_manager" }),
    )
    .await;
    assert_eq!(status, 200);
    let row = listed(app, &admin, "area").await;
    assert_eq!(row["role"], "project_manager");
    assert_eq!(row["region_ids"], json!([]), "{row}");
    assert_eq!(row["estate_ids"], json!(["est-cuihu"]), "{row}");
    assert_eq!(
        south2(area.clone()).await,
        403,
        "no longer through the region"
    );
    assert_eq!(audit_count(app, "role_changed").await, 1);
    // Back to area manager with the region, then the region cleared by an empty list.
    let (status, _) = send_json(
        app,
        &admin,
        patch.clone(),
        "/api/admin/staff/stf-area",
        json!({ "role": "area_manager", "region_ids": ["rg-south"] }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(south2(area.clone()).await, 200);
    let (status, _) = send_json(
        app,
        &admin,
        patch,
        "/api/admin/staff/stf-area",
        json!({ "region_ids": [] }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listed(app, &admin, "area").await["region_ids"], json!([]));
    assert_eq!(south2(area).await, 403);
}

/// Regions open estates to area managers only, and only the company's own regions.
pub async fn story_regions_open_estates_to_area_managers_only(app: &TestApp) {
    add_second_south_estate(app).await;
    seed_second_company(app).await;
    let admin = app.browser();
    app.login(&admin, "admin").await;
    let patch = reqwest::Method::PATCH;
    // A region given alone to a caretaker (no role in the request) is refused by name.
    let (status, err) = send_json(
        app,
        &admin,
        patch.clone(),
        "/api/admin/staff/stf-guanjia1",
        json!({ "region_ids": ["rg-south"] }),
    )
    .await;
    assert_eq!(
        (status, &err["field"]),
        (400, &json!("region_ids")),
        "{err}"
    );
    assert!(listed(app, &admin, "guanjia1").await["region_ids"] == json!([]));
    // Another company's region, to one's own area manager: unknown, and nothing changes.
    let (status, err) = send_json(
        app,
        &admin,
        patch,
        "/api/admin/staff/stf-area",
        json!({ "region_ids": ["rg-other"] }),
    )
    .await;
    assert_eq!(
        (status, &err["field"]),
        (400, &json!("region_ids")),
        "{err}"
    );
    // A region row left on a caretaker (an old assignment, two admins racing) opens nothing:
    // regions count only for a role that answers for them.
    sqlx::query(
        "INSERT INTO staff_regions (staff_id, region_id) VALUES ('stf-guanjia1', 'rg-south')",
    )
    .execute(&app.db.pool)
    .await
    .expect("leftover region");
    let (caretaker, _) = logged_in(app, "guanjia1").await;
    let status = caretaker
        .get(app.url("/api/estates/est-south-2/site"))
        .send()
        .await
        .expect("site")
        .status();
    assert_eq!(status, 403);
    let seen = listed(app, &admin, "guanjia1").await;
    assert!(
        !seen["estate_ids"].to_string().contains("est-south-2"),
        "{seen}"
    );
}
