//! Webhooks over real HTTP on SQLite and PostgreSQL: a local receiver (an axum server on
//! 127.0.0.1, reached only because the test allows private addresses and plain HTTP) that
//! refuses the first attempts and checks every signature; deliveries retried with backoff as
//! the injected clock moves (never slept on), kept across a restart, refused where SSRF rules
//! forbid — at registration and again at each delivery — and invisible to another company.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anju_server::webhooks::{self, Reach, Sender, Unverified};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::Row;

use super::{TestApp, audit_count, logged_in, send_json};

/// One request the receiver saw.
#[derive(Debug, Clone)]
pub struct Received {
    pub delivery: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
}

/// A webhook receiver on 127.0.0.1: answers 500 to the first `fail_first` requests, then
/// checks each request's signature with the documented check (`webhooks::verify`) against its
/// clock (`now_s`, set by the test) and answers 204, or 401 when the check fails.
pub struct Receiver {
    pub url: String,
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Received>>>,
    pub secret: Arc<Mutex<String>>,
    pub now_s: Arc<AtomicI64>,
    pub fail_first: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[derive(Clone)]
struct Shared {
    seen: Arc<Mutex<Vec<Received>>>,
    secret: Arc<Mutex<String>>,
    now_s: Arc<AtomicI64>,
    fail_first: Arc<AtomicUsize>,
}

async fn receive(
    axum::extract::State(s): axum::extract::State<Shared>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut seen = s.seen.lock().expect("lock");
    let status = if seen.len() < s.fail_first.load(Ordering::SeqCst) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        let secret = s.secret.lock().expect("lock").clone();
        match webhooks::verify(
            &secret,
            &header("x-anju-timestamp"),
            body.as_bytes(),
            &header("x-anju-signature"),
            s.now_s.load(Ordering::SeqCst),
        ) {
            Ok(()) => StatusCode::NO_CONTENT,
            Err(_) => StatusCode::UNAUTHORIZED,
        }
    };
    seen.push(Received {
        delivery: header("x-anju-delivery"),
        timestamp: header("x-anju-timestamp"),
        signature: header("x-anju-signature"),
        body,
        status: status.as_u16(),
    });
    status
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Receiver {
        let shared = Shared {
            seen: Arc::default(),
            secret: Arc::default(),
            now_s: Arc::default(),
            fail_first: Arc::new(AtomicUsize::new(fail_first)),
        };
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve");
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            seen: shared.seen,
            secret: shared.secret,
            now_s: shared.now_s,
            fail_first: shared.fail_first,
            server,
        }
    }

    pub fn seen(&self) -> Vec<Received> {
        self.seen.lock().expect("lock").clone()
    }

    /// The delivery ids answered 2xx.
    pub fn delivered(&self) -> BTreeSet<String> {
        self.seen()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .map(|r| r.delivery)
            .collect()
    }
}

/// The sender of a test: plain HTTP and private addresses allowed (the receiver is local).
pub fn local_sender() -> Sender {
    Sender::new(Reach {
        allow_http: true,
        allow_private: true,
        ..Reach::default()
    })
}

/// One pass of the webhook job at `now`, the receiver's clock set to the same moment.
pub async fn pass_at(
    app: &TestApp,
    rx: &Receiver,
    sender: &Sender,
    now: DateTime<Utc>,
) -> webhooks::Pass {
    rx.now_s.store(now.timestamp(), Ordering::SeqCst);
    webhooks::pass(&app.db, sender, now)
        .await
        .expect("webhook pass")
}

/// The config of an app whose webhooks may reach the local receiver.
pub fn permissive(mut config: anju_server::config::Config) -> anju_server::config::Config {
    config.webhook_allow_http = true;
    config.webhook_allow_private = true;
    config
}

/// Registers a webhook as the company's admin; answers (its id, its secret).
pub async fn register(
    app: &TestApp,
    admin: &reqwest::Client,
    url: &str,
    kinds: &[&str],
) -> (String, String) {
    let (status, body) = send_json(
        app,
        admin,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        json!({ "name": "短信网关", "url": url, "kinds": kinds }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["webhook"]["id"].as_str().expect("id").to_string(),
        body["secret"].as_str().expect("secret").to_string(),
    )
}

async fn report(app: &TestApp, text: &str) -> String {
    let body = app.valid_report(text).await;
    let receipt: Value = app.report(&body).await.json().await.expect("receipt");
    receipt["order_id"].as_str().expect("order id").to_string()
}

async fn log(app: &TestApp, admin: &reqwest::Client, webhook: &str) -> Vec<Value> {
    app.get_json(admin, &format!("/api/admin/webhooks/{webhook}/deliveries"))
        .await
        .as_array()
        .expect("deliveries")
        .clone()
}

/// The story: a reported order and every escalation step reach the receiver, which refuses
/// the first two attempts; retries wait one minute, then two; every attempt carries the same
/// delivery id and body and a signature that verifies; a captured request replayed more than
/// five minutes later is refused by the documented check; no body holds a phone number or a
/// name; the admin's log shows each delivery's status, attempts, last HTTP status and next
/// attempt.
pub async fn story_deliveries_are_signed_and_retried(app: &TestApp) {
    let rx = Receiver::start(2).await;
    let (admin, _) = logged_in(app, "admin").await;
    let (hook, secret) =
        register(app, &admin, &rx.url, &["order.reported", "order.escalated"]).await;
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 64);
    *rx.secret.lock().expect("lock") = secret.clone();
    assert_eq!(audit_count(app, "webhook_created").await, 1);
    // The list never answers the secret again.
    let listed = app.get_json(&admin, "/api/admin/webhooks").await;
    assert!(!listed.to_string().contains(&secret), "{listed}");
    assert_eq!(
        listed[0]["kinds"],
        json!(["order.reported", "order.escalated"])
    );

    let sender = local_sender();
    let t0 = Utc::now() + Duration::seconds(1);
    let order = report(app, "卫生间水管漏水,一直在滴").await;
    let first = pass_at(app, &rx, &sender, t0).await;
    assert_eq!(
        (first.queued, first.attempts, first.retrying),
        (1, 1, 1),
        "{first:?}"
    );
    let entry = &log(app, &admin, &hook).await[0];
    assert_eq!(entry["status"], "pending");
    assert_eq!(entry["attempts"], 1);
    assert_eq!(entry["last_status"], 500);
    assert_eq!(entry["last_error"], "HTTP 500");
    assert_eq!(entry["next_ms"], t0.timestamp_millis() + 60_000);
    assert_eq!(entry["order_id"], order.as_str());
    // Not due yet: nothing is sent.
    let early = pass_at(app, &rx, &sender, t0 + Duration::seconds(59)).await;
    assert_eq!(early.attempts, 0);
    let second = pass_at(app, &rx, &sender, t0 + Duration::seconds(60)).await;
    assert_eq!((second.attempts, second.retrying), (1, 1));
    assert_eq!(
        log(app, &admin, &hook).await[0]["next_ms"],
        (t0 + Duration::seconds(60)).timestamp_millis() + 120_000,
        "the wait doubles"
    );
    let third = pass_at(app, &rx, &sender, t0 + Duration::seconds(180)).await;
    assert_eq!((third.attempts, third.delivered), (1, 1), "{third:?}");
    let entry = &log(app, &admin, &hook).await[0];
    assert_eq!(entry["status"], "delivered");
    assert_eq!(entry["attempts"], 3);
    assert_eq!(entry["last_status"], 204);
    let seen = rx.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|r| r.delivery == seen[0].delivery && r.body == seen[0].body)
    );
    assert_eq!(seen[2].status, 204, "the signature verified");
    let body: Value = serde_json::from_str(&seen[0].body).expect("json body");
    assert_eq!(body["kind"], "order.reported");
    assert_eq!(body["id"], seen[0].delivery.as_str());
    assert_eq!(body["order_id"], order.as_str());
    assert_eq!(body["estate_id"], "est-cuihu");
    assert_eq!(body["category"], "repair");
    assert!(body["reference"].as_str().is_some_and(|r| r.len() == 13));
    for private in ["13812345678", "138****5678", "王女士", "漏水"] {
        assert!(
            !seen[0].body.contains(private),
            "{private} in {}",
            seen[0].body
        );
    }

    // The documented check: the captured request verifies now, not once replayed later, and
    // not with a changed body.
    let r = &seen[2];
    let sent: i64 = r.timestamp.parse().expect("seconds");
    assert_eq!(sent, (t0 + Duration::seconds(180)).timestamp());
    assert_eq!(
        webhooks::verify(
            &secret,
            &r.timestamp,
            r.body.as_bytes(),
            &r.signature,
            sent + 60
        ),
        Ok(())
    );
    assert_eq!(
        webhooks::verify(
            &secret,
            &r.timestamp,
            r.body.as_bytes(),
            &r.signature,
            sent + 301
        ),
        Err(Unverified::TooOld)
    );
    let tampered = r.body.replace("repair", "complaint");
    assert_eq!(
        webhooks::verify(
            &secret,
            &r.timestamp,
            tampered.as_bytes(),
            &r.signature,
            sent
        ),
        Err(Unverified::BadSignature)
    );
    // A replay sent to the receiver itself is refused by it.
    let replay = reqwest::Client::new()
        .post(&rx.url)
        .header("x-anju-timestamp", &r.timestamp)
        .header("x-anju-signature", &r.signature)
        .header("x-anju-delivery", &r.delivery)
        .body(r.body.clone())
        .send();
    rx.now_s.store(sent + 10 * 60, Ordering::SeqCst);
    assert_eq!(replay.await.expect("replay").status(), 401);

    // The server's clock records the whole ladder three weeks on: each step is delivered.
    let later = t0 + Duration::days(21);
    let steps = anju_server::jobs::pass(&app.db, later)
        .await
        .expect("clock");
    assert_eq!(steps.steps, 5);
    let done = pass_at(app, &rx, &sender, later).await;
    assert_eq!((done.queued, done.delivered), (5, 5), "{done:?}");
    let again = pass_at(app, &rx, &sender, later + Duration::hours(2)).await;
    assert_eq!(again, webhooks::Pass::default(), "nothing twice");
    let mut levels = BTreeSet::new();
    for r in rx
        .seen()
        .iter()
        .filter(|r| r.body.contains("order.escalated"))
    {
        let body: Value = serde_json::from_str(&r.body).expect("json");
        levels.insert(body["level"].as_str().expect("level").to_string());
        assert!(
            body["to"].as_array().is_some_and(|to| !to.is_empty()),
            "{body}"
        );
    }
    let ladder: BTreeSet<String> = [
        "department_supervisor",
        "cs_supervisor",
        "project_manager",
        "area_manager",
        "quality_centre",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(levels, ladder);
    // Every delivery of the log reached the receiver at least once.
    let logged: BTreeSet<String> = log(app, &admin, &hook)
        .await
        .iter()
        .map(|d| {
            assert_eq!(d["status"], "delivered", "{d}");
            d["id"].as_str().expect("id").to_string()
        })
        .collect();
    assert_eq!(logged.len(), 6);
    assert_eq!(rx.delivered(), logged);
}

/// The story: a receiver that is down for a day gets nothing; the delivery is given up after
/// 24 hours of retries with the reason; "send again" sends it at once; a disabled webhook
/// sends nothing and hears nothing until enabled again.
pub async fn story_given_up_sent_again_and_disabled(app: &TestApp) {
    let rx = Receiver::start(usize::MAX).await;
    let (admin, _) = logged_in(app, "admin").await;
    let (hook, secret) = register(app, &admin, &rx.url, &["order.reported"]).await;
    *rx.secret.lock().expect("lock") = secret;
    let sender = local_sender();
    report(app, "楼道灯不亮").await;
    let t0 = Utc::now() + Duration::seconds(1);
    let mut now = t0;
    let mut attempts = 0;
    loop {
        let p = pass_at(app, &rx, &sender, now).await;
        attempts += p.attempts;
        if p.given_up == 1 {
            break;
        }
        assert!(now < t0 + Duration::hours(26), "never given up");
        now += Duration::minutes(10);
    }
    assert!(
        now - t0 >= Duration::hours(24),
        "retried for at least a day"
    );
    let entry = &log(app, &admin, &hook).await[0];
    assert_eq!(entry["status"], "failed");
    assert_eq!(entry["attempts"], attempts as i64);
    let reason = entry["last_error"].as_str().expect("reason");
    assert!(
        reason.contains("given up") && reason.contains("HTTP 500"),
        "{reason}"
    );
    assert_eq!(
        pass_at(app, &rx, &sender, now + Duration::hours(5))
            .await
            .attempts,
        0
    );

    // Send again: due at once, a new day of retries.
    rx.fail_first.store(0, Ordering::SeqCst);
    let id = entry["id"].as_str().expect("id").to_string();
    let (status, _) = send_json(
        app,
        &admin,
        reqwest::Method::POST,
        &format!("/api/admin/webhooks/{hook}/deliveries/{id}/retry"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(audit_count(app, "webhook_delivery_retried").await, 1);
    let resent = pass_at(app, &rx, &sender, Utc::now() + Duration::seconds(1)).await;
    assert_eq!(resent.delivered, 1, "{resent:?}");
    assert_eq!(log(app, &admin, &hook).await[0]["status"], "delivered");

    // Disabled: what happens meanwhile is not sent, not even later.
    let (status, body) = send_json(
        app,
        &admin,
        reqwest::Method::PATCH,
        &format!("/api/admin/webhooks/{hook}"),
        json!({ "enabled": false }),
    )
    .await;
    assert_eq!((status, &body["enabled"]), (200, &json!(false)), "{body}");
    report(app, "电梯异响").await;
    let off = pass_at(app, &rx, &sender, Utc::now() + Duration::seconds(2)).await;
    assert_eq!((off.queued, off.attempts), (0, 0));
    // Sending again through a disabled webhook is refused, not promised.
    let (status, refused) = send_json(
        app,
        &admin,
        reqwest::Method::POST,
        &format!("/api/admin/webhooks/{hook}/deliveries/{id}/retry"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, &refused["field"]),
        (400, &json!("enabled")),
        "{refused}"
    );
    // Reported with no pass before it is switched back on: still not sent later.
    report(app, "楼顶水箱漏水").await;
    let (status, _) = send_json(
        app,
        &admin,
        reqwest::Method::PATCH,
        &format!("/api/admin/webhooks/{hook}"),
        json!({ "enabled": true }),
    )
    .await;
    assert_eq!(status, 200);
    report(app, "门禁坏了").await;
    let on = pass_at(app, &rx, &sender, Utc::now() + Duration::seconds(3)).await;
    assert_eq!((on.queued, on.delivered), (1, 1), "{on:?}");
    assert_eq!(log(app, &admin, &hook).await.len(), 2);

    // A rotated secret signs from then on; the old one no longer verifies.
    let (status, rotated) = send_json(
        app,
        &admin,
        reqwest::Method::POST,
        &format!("/api/admin/webhooks/{hook}/secret"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let new_secret = rotated["secret"].as_str().expect("secret").to_string();
    report(app, "垃圾没人收").await;
    let at = Utc::now() + Duration::seconds(4);
    let p = pass_at(app, &rx, &sender, at).await;
    assert_eq!(p.attempts, 1);
    let last = rx.seen().pop().expect("a request");
    assert_eq!(last.status, 401, "the receiver still holds the old secret");
    assert_eq!(
        webhooks::verify(
            &new_secret,
            &last.timestamp,
            last.body.as_bytes(),
            &last.signature,
            at.timestamp()
        ),
        Ok(())
    );
    assert_eq!(audit_count(app, "webhook_secret_rotated").await, 1);

    // Deleted: gone with its log.
    let resp = admin
        .delete(app.url(&format!("/api/admin/webhooks/{hook}")))
        .header(super::CSRF.0, super::CSRF.1)
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status(), 200);
    assert_eq!(audit_count(app, "webhook_deleted").await, 1);
    let left: i64 = sqlx::query("SELECT COUNT(*) FROM webhook_deliveries")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
        .try_get(0)
        .expect("count");
    assert_eq!(left, 0);
}

/// The first half of the restart story: a delivery made and refused once, left pending.
/// Answers the webhook's id.
pub async fn story_before_a_restart(app: &TestApp, rx: &Receiver, now: DateTime<Utc>) -> String {
    let (admin, _) = logged_in(app, "admin").await;
    let (hook, secret) = register(app, &admin, &rx.url, &["order.reported"]).await;
    *rx.secret.lock().expect("lock") = secret;
    report(app, "水管爆了").await;
    let p = pass_at(app, rx, &local_sender(), now).await;
    assert_eq!((p.queued, p.retrying), (1, 1));
    hook
}

/// The second half, on a new server over the same database: the delivery is still there and
/// is sent.
pub async fn story_after_a_restart(app: &TestApp, rx: &Receiver, hook: &str, now: DateTime<Utc>) {
    let (admin, _) = logged_in(app, "admin").await;
    let entry = &log(app, &admin, hook).await[0];
    assert_eq!(
        (&entry["status"], &entry["attempts"]),
        (&json!("pending"), &json!(1))
    );
    let p = pass_at(app, rx, &local_sender(), now + Duration::minutes(1)).await;
    assert_eq!((p.queued, p.delivered), (0, 1), "{p:?}");
    assert_eq!(rx.delivered().len(), 1);
    assert_eq!(log(app, &admin, hook).await[0]["status"], "delivered");
}

/// The story of SSRF on a server with the default settings: every URL that is not https, or
/// whose host is (or resolves to) loopback, private, shared, link-local (cloud metadata),
/// unspecified or this server is refused naming the field, in English and Chinese, and
/// changes nothing; so is bad input of the other fields.
pub async fn story_registration_refuses_private_targets(app: &TestApp) {
    let (admin, _) = logged_in(app, "admin").await;
    let before = super::routes::digest(app).await;
    let own = app.base.trim_start_matches("http://").to_string();
    let refused: Vec<(Value, &str)> = vec![
        (
            json!({"url": "http://192.0.2.10/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://127.0.0.1/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://localhost:8443/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://[::1]/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://10.0.0.8/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://172.20.1.1/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://192.168.0.10/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://100.100.100.200/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://169.254.169.254/latest/meta-data/", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://[fd00::5]/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://[fe80::1]/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://[::ffff:10.0.0.1]/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://0.0.0.0/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": format!("https://{own}/api/health"), "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://user:secret@192.0.2.10/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": format!("https://192.0.2.10/{}", "a".repeat(600)), "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "ftp://192.0.2.10/hook", "kinds": ["order.reported"]}),
            "url",
        ),
        (
            json!({"url": "https://192.0.2.10/hook", "kinds": ["order.deleted"]}),
            "kinds",
        ),
        (
            json!({"url": "https://192.0.2.10/hook", "kinds": []}),
            "kinds",
        ),
        (
            json!({"url": "https://192.0.2.10/hook", "kinds": ["order.reported"], "name": "名".repeat(61)}),
            "name",
        ),
        (
            json!({"url": "https://192.0.2.10/hook", "kinds": ["order.reported"], "estate_ids": ["est-nowhere"]}),
            "estate_ids",
        ),
    ];
    for (body, field) in &refused {
        let (status, err) = send_json(
            app,
            &admin,
            reqwest::Method::POST,
            "/api/admin/webhooks",
            body.clone(),
        )
        .await;
        assert_eq!(status, 400, "{body} → {err}");
        assert_eq!(err["field"], *field, "{body} → {err}");
        assert!(
            err["message_zh"].as_str().is_some_and(|m| !m.is_empty()),
            "{body} → {err}"
        );
    }
    let (_, err) = send_json(
        app,
        &admin,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        json!({"url": "https://169.254.169.254/", "kinds": ["order.reported"]}),
    )
    .await;
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.contains("link-local")),
        "{err}"
    );
    assert!(
        err["message_zh"]
            .as_str()
            .is_some_and(|e| e.contains("元数据")),
        "{err}"
    );
    let (_, err) = send_json(
        app,
        &admin,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        json!({"url": "https://10.0.0.8/", "kinds": ["order.reported"]}),
    )
    .await;
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.contains("ANJU_WEBHOOK_ALLOW_PRIVATE")),
        "{err}"
    );
    let after = super::routes::digest(app).await;
    let changed: Vec<_> = super::routes::changes(&before, &after)
        .into_iter()
        .filter(|(table, _, _)| table != "sessions")
        .collect();
    assert!(
        changed.is_empty(),
        "a refused registration changed {changed:?}"
    );
    // A public address is taken (registration connects to nothing).
    let (status, body) = send_json(
        app,
        &admin,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        json!({"url": "https://192.0.2.10/hook", "kinds": ["order.reported"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // … and a change to a private one is refused like a registration.
    let id = body["webhook"]["id"].as_str().expect("id");
    let (status, err) = send_json(
        app,
        &admin,
        reqwest::Method::PATCH,
        &format!("/api/admin/webhooks/{id}"),
        json!({"url": "https://192.168.1.1/", "name": "changed"}),
    )
    .await;
    assert_eq!((status, &err["field"]), (400, &json!("url")), "{err}");
    let listed = app.get_json(&admin, "/api/admin/webhooks").await;
    assert_eq!(listed[0]["name"], "", "nothing changed");
    assert_eq!(listed[0]["url"], "https://192.0.2.10/hook");
}

/// The story of DNS rebinding: a webhook registered while its host was allowed, whose host
/// now resolves to an address the configuration forbids, is not sent — the attempt is logged
/// with the reason and retried later — and is sent once the host resolves to an allowed
/// address again. Only loopback is ever connected to.
pub async fn story_a_host_that_now_resolves_privately_is_not_sent(app: &TestApp) {
    let rx = Receiver::start(0).await;
    let (admin, _) = logged_in(app, "admin").await;
    let url = format!("http://localhost:{}/hook", rx.port);
    let (hook, secret) = register(app, &admin, &url, &["order.reported"]).await;
    *rx.secret.lock().expect("lock") = secret;
    report(app, "电梯困人").await;
    let t0 = Utc::now() + Duration::seconds(1);
    // The same server, now configured strictly: localhost is loopback.
    let strict = Sender::new(Reach {
        allow_http: true,
        ..Reach::default()
    });
    let p = pass_at(app, &rx, &strict, t0).await;
    assert_eq!((p.queued, p.attempts, p.retrying), (1, 1, 1), "{p:?}");
    assert!(rx.seen().is_empty(), "nothing reached the receiver");
    let entry = &log(app, &admin, &hook).await[0];
    let error = entry["last_error"].as_str().expect("error");
    assert!(error.contains("loopback"), "{error}");
    assert_eq!(entry["last_status"], 0);
    // The name now answers a private address (as a hostile DNS would): refused before any
    // connection is tried.
    let rebound = |ip: &str| {
        Sender::new(Reach {
            allow_http: true,
            hosts: HashMap::from([("localhost".to_string(), vec![ip.parse().expect("ip")])]),
            ..Reach::default()
        })
    };
    let p = pass_at(app, &rx, &rebound("10.20.30.40"), t0 + Duration::minutes(1)).await;
    assert_eq!(p.retrying, 1);
    let p = pass_at(
        app,
        &rx,
        &rebound("169.254.169.254"),
        t0 + Duration::minutes(3),
    )
    .await;
    assert_eq!(p.retrying, 1);
    assert!(rx.seen().is_empty());
    let entry = &log(app, &admin, &hook).await[0];
    assert!(
        entry["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("link-local")),
        "{entry}"
    );
    // Allowed again: sent.
    let p = pass_at(app, &rx, &local_sender(), t0 + Duration::minutes(7)).await;
    assert_eq!(p.delivered, 1, "{p:?}");
    assert_eq!(rx.delivered().len(), 1);
}

/// The story of tenancy: another company's administrator neither sees nor touches this
/// company's webhooks or deliveries.
pub async fn story_webhooks_stay_in_their_company(app: &TestApp) {
    let (a, b) = super::routes::two_companies(app).await;
    let (admin_a, _) = logged_in(app, a.login_of(anju_server::auth::Role::Admin)).await;
    let (admin_b, _) = logged_in(app, b.login_of(anju_server::auth::Role::Admin)).await;
    let (status, created) = send_json(
        app,
        &admin_a,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        json!({"url": "https://192.0.2.55/a-gateway", "kinds": ["order.escalated"]}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["webhook"]["id"].as_str().expect("id").to_string();
    let before = super::routes::digest(app).await;
    let listed = app.get_json(&admin_b, "/api/admin/webhooks").await;
    assert!(
        !listed.to_string().contains("a-gateway") && !listed.to_string().contains(&id),
        "{listed}"
    );
    let paths = [
        (
            reqwest::Method::PATCH,
            format!("/api/admin/webhooks/{id}"),
            json!({"enabled": false}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/admin/webhooks/{id}"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/api/admin/webhooks/{id}/secret"),
            json!({}),
        ),
        (
            reqwest::Method::GET,
            format!("/api/admin/webhooks/{id}/deliveries"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!(
                "/api/admin/webhooks/{id}/deliveries/{}/retry",
                a.delivery_id
            ),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!(
                "/api/admin/webhooks/{}/deliveries/{}/retry",
                b.webhook_id, a.delivery_id
            ),
            json!({}),
        ),
    ];
    for (method, path, body) in paths {
        let (status, answer) = send_json(app, &admin_b, method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} {path} → {answer}");
    }
    let after = super::routes::digest(app).await;
    let changed: Vec<_> = super::routes::changes(&before, &after)
        .into_iter()
        .filter(|(table, _, _)| table != "sessions" && table != "audit_log")
        .collect();
    assert!(changed.is_empty(), "{changed:?}");
    // A webhook about another company's estate cannot be made either.
    let (status, err) = send_json(
        app,
        &admin_b,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        json!({"url": "https://192.0.2.56/b", "kinds": ["order.reported"], "estate_ids": [a.estate_id]}),
    )
    .await;
    assert_eq!(
        (status, &err["field"]),
        (400, &json!("estate_ids")),
        "{err}"
    );
    // Nobody else may: a supervisor of the same company is refused.
    let (cs, _) = logged_in(app, "cs").await;
    let resp = cs
        .get(app.url("/api/admin/webhooks"))
        .send()
        .await
        .expect("list");
    assert_eq!(resp.status(), 403);
}

/// Events of another company never become deliveries of this company's webhooks, and an
/// estate filter keeps the others out.
pub async fn story_only_the_companys_events_are_delivered(app: &TestApp) {
    let rx = Receiver::start(0).await;
    super::seed_second_company(app).await;
    let (admin, _) = logged_in(app, "admin").await;
    let (hook, secret) = register(app, &admin, &rx.url, &["order.reported"]).await;
    *rx.secret.lock().expect("lock") = secret;
    // A report in the other company's estate.
    let resp = app
        .client
        .post(app.url("/api/public/estates/other/reports"))
        .header(super::CSRF.0, super::CSRF.1)
        .json(&json!({"text": "门禁坏了", "building": "bld-other-1", "unit": "bld-other-1-u1", "room": "101", "phone": "13900001111"}))
        .send()
        .await
        .expect("report");
    assert_eq!(resp.status(), 201);
    report(app, "路灯坏了").await;
    let p = pass_at(app, &rx, &local_sender(), Utc::now() + Duration::seconds(1)).await;
    assert_eq!((p.queued, p.delivered), (1, 1), "{p:?}");
    assert!(
        rx.seen()
            .iter()
            .all(|r| r.body.contains("est-cuihu") && !r.body.contains("est-other"))
    );
    assert_eq!(log(app, &admin, &hook).await.len(), 1);
}

/// Several instances running their passes at the same moment over one database: each event
/// becomes one delivery, and each delivery is sent once.
pub async fn story_two_instances_deliver_each_once(a: &TestApp, b: &TestApp) {
    let rx = Receiver::start(0).await;
    let (admin, _) = logged_in(a, "admin").await;
    let (hook, secret) = register(a, &admin, &rx.url, &["order.reported"]).await;
    *rx.secret.lock().expect("lock") = secret;
    for i in 0..24 {
        report(if i % 2 == 0 { a } else { b }, &format!("楼道灯坏了 #{i}")).await;
    }
    let now = Utc::now() + Duration::seconds(1);
    rx.now_s.store(now.timestamp(), Ordering::SeqCst);
    let sender = local_sender();
    let (pa, pb) = tokio::join!(
        webhooks::pass(&a.db, &sender, now),
        webhooks::pass(&b.db, &sender, now)
    );
    let (pa, pb) = (pa.expect("a"), pb.expect("b"));
    assert_eq!(pa.queued + pb.queued, 24, "{pa:?} {pb:?}");
    assert_eq!(pa.delivered + pb.delivered, 24, "{pa:?} {pb:?}");
    let seen = rx.seen();
    assert_eq!(seen.len(), 24, "each delivery sent once");
    assert_eq!(rx.delivered().len(), 24);
    assert_eq!(log(a, &admin, &hook).await.len(), 24);
}

/// An estate filter: a webhook for 滨江壹号 hears nothing of 翠湖花园, and hears 滨江壹号.
pub async fn story_an_estate_filter_keeps_the_others_out(app: &TestApp) {
    let rx = Receiver::start(0).await;
    let (admin, _) = logged_in(app, "admin").await;
    let (status, body) = send_json(
        app,
        &admin,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        json!({ "name": "滨江短信", "url": rx.url, "kinds": ["order.reported"], "estate_ids": ["est-binjiang"] }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    *rx.secret.lock().expect("lock") = body["secret"].as_str().expect("secret").to_string();
    let sender = local_sender();
    report(app, "翠湖的楼道灯不亮").await;
    let other = pass_at(app, &rx, &sender, Utc::now() + Duration::seconds(1)).await;
    assert_eq!(other.queued, 0, "another estate's report: {other:?}");
    let site: Value = app
        .client
        .get(app.url("/api/public/estates/binjiang"))
        .send()
        .await
        .expect("site")
        .json()
        .await
        .expect("site json");
    let b = &site["buildings"][0];
    let resp = app
        .client
        .post(app.url("/api/public/estates/binjiang/reports"))
        .header(super::CSRF.0, super::CSRF.1)
        .json(&json!({
            "text": "滨江的电梯门关不上",
            "building": b["id"],
            "unit": b["units"][0]["id"],
            "room": "101",
            "phone": "13812345678",
        }))
        .send()
        .await
        .expect("report");
    assert_eq!(resp.status(), 201, "the report is stored");
    let own = pass_at(app, &rx, &sender, Utc::now() + Duration::seconds(2)).await;
    assert_eq!((own.queued, own.delivered), (1, 1), "{own:?}");
}
