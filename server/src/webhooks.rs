//! Webhooks: each event of a kind a company's webhook asks for becomes a delivery row (kept in
//! the database until delivered or given up, so deliveries survive a restart, and for the
//! log a month after), sent by the job runner as a JSON POST signed with HMAC-SHA256 and
//! retried with exponential backoff for at least 24 hours.
//!
//! - **Fan-out** ([`fan_out`]): each webhook keeps a cursor per estate over the estate's event
//!   log (the same gap-free `seq` sync pulls by), so events recorded by any path — a tablet's
//!   push, the resident form, the server's clock — are seen exactly once. One transaction per
//!   webhook, which first locks the webhook's row: several instances on one PostgreSQL never
//!   make a delivery twice (and `(company_id, webhook_id, event_id)` is unique besides).
//! - **Delivery** ([`deliver_pass`]): due rows are claimed with a lease (`FOR UPDATE SKIP
//!   LOCKED` on PostgreSQL; SQLite has one writer), sent, and their outcome written back only
//!   by the holder of the lease. A runner that dies mid-send leaves a lease that expires: the
//!   row is sent again (at least once; receivers deduplicate by `X-Anju-Delivery`).
//! - **SSRF**: a URL must be `https` (plain `http` only with `ANJU_WEBHOOK_ALLOW_HTTP`), and
//!   every address its host resolves to — at registration and again at each delivery, whose
//!   connection is then pinned to the checked addresses (DNS rebinding) — must not be
//!   loopback, private, shared (CGNAT), link-local (cloud metadata), unspecified, multicast,
//!   reserved or the server's own; `ANJU_WEBHOOK_ALLOW_PRIVATE` lets loopback, private and
//!   shared addresses through, never the others. No redirect is followed, no proxy is used,
//!   and connecting and the whole request have timeouts.
//!
//! Time is the caller's: tests move `now` to see retries and backoff, never sleep.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::Row;

use anju_shared::order::{Event, OrderState};
use anju_shared::webhook::{HookKind, Place};

use crate::config::Config;
use crate::db::{Backend, Db};

/// The headers of a delivery.
pub const HEADER_TIMESTAMP: &str = "X-Anju-Timestamp";
pub const HEADER_SIGNATURE: &str = "X-Anju-Signature";
pub const HEADER_DELIVERY: &str = "X-Anju-Delivery";
pub const HEADER_KIND: &str = "X-Anju-Kind";

/// A receiver refuses a timestamp further than this from its own clock (replay).
pub const TOLERANCE_S: i64 = 5 * 60;
/// The first retry waits this long; each next one twice as long …
pub const FIRST_RETRY_MS: i64 = 60_000;
/// … up to this.
pub const MAX_RETRY_MS: i64 = 3_600_000;
/// A delivery still failing this long after its first attempt (or after "send again") is given
/// up, with the reason.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;
/// How long a runner holds a claimed delivery: far longer than one request may take.
pub const LEASE_MS: i64 = 5 * 60_000;
/// The longest a delivery pass goes on sending: well inside [`LEASE_MS`] and [`TOLERANCE_S`].
const PASS_BUDGET: Duration = Duration::from_secs(60);
/// Deliveries delivered or given up are kept this long for the log, then deleted.
pub const KEEP_MS: i64 = 30 * 24 * 3_600_000;
/// Connecting may take this long …
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// … and the whole request this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// At most this many webhooks per company.
pub const MAX_WEBHOOKS: i64 = 20;
/// The longest URL taken.
pub const URL_MAX: usize = 500;
/// The longest name taken.
pub const NAME_MAX: usize = 60;
/// Events read per webhook and estate in one pass (the rest in the next).
const FAN_OUT_BATCH: i64 = 200;
/// Deliveries claimed at once (and sent side by side).
const CLAIM_BATCH: i64 = 16;

// ---------------------------------------------------------------------------------------------
// Signatures

type HmacSha256 = Hmac<Sha256>;

/// A new secret: 256 random bits, as `whsec_` and 64 hex digits.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Anju-Signature` value of a body sent at `timestamp` (Unix seconds, as sent in
/// `X-Anju-Timestamp`): `sha256=` and the hex HMAC-SHA256, keyed by the webhook's secret, of
/// `timestamp + "." + body`.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Why a receiver refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    #[error("the timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the timestamp is more than 5 minutes old (a replay?)")]
    TooOld,
    #[error("the timestamp is more than 5 minutes ahead")]
    FromTheFuture,
    #[error("the signature does not match")]
    BadSignature,
}

/// The receiver's check, as the README describes it: the signature is recomputed over
/// `timestamp + "." + body` and compared in constant time, and a timestamp more than
/// [`TOLERANCE_S`] away from the receiver's clock (`now_s`, Unix seconds) is refused, so a
/// request captured once cannot be replayed later.
pub fn verify(
    secret: &str,
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now_s: i64,
) -> Result<(), Unverified> {
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Unverified::BadTimestamp)?;
    if now_s.saturating_sub(sent) > TOLERANCE_S {
        return Err(Unverified::TooOld);
    }
    if sent.saturating_sub(now_s) > TOLERANCE_S {
        return Err(Unverified::FromTheFuture);
    }
    let given = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(Unverified::BadSignature)?;
    mac(secret, timestamp.trim(), body)
        .verify_slice(&given)
        .map_err(|_| Unverified::BadSignature)
}

// ---------------------------------------------------------------------------------------------
// Where a webhook may go (SSRF)

/// What the configuration lets webhooks reach.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    pub allow_http: bool,
    /// Loopback, private and shared addresses (never link-local, multicast, unspecified).
    pub allow_private: bool,
    /// The server's own listening address: never a webhook's.
    pub own: Option<SocketAddr>,
    /// Host names answered without DNS (tests: a name that "now" points elsewhere).
    pub hosts: HashMap<String, Vec<IpAddr>>,
}

impl Reach {
    pub fn of(config: &Config) -> Reach {
        Reach {
            allow_http: config.webhook_allow_http,
            allow_private: config.webhook_allow_private,
            own: Some(config.addr),
            hosts: HashMap::new(),
        }
    }
}

/// A refusal of a URL, in English and Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub en: String,
    pub zh: String,
}

impl Refused {
    fn new(en: impl Into<String>, zh: impl Into<String>) -> Refused {
        Refused {
            en: en.into(),
            zh: zh.into(),
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// How an address is classed: never reachable, reachable only with
/// `ANJU_WEBHOOK_ALLOW_PRIVATE`, or public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// (English, Chinese) of what it is.
    Never(&'static str, &'static str),
    Private(&'static str, &'static str),
    Public,
}

const LINK_LOCAL: (&str, &str) = (
    "a link-local address (cloud metadata such as 169.254.169.254 lives there)",
    "链路本地地址(云服务器元数据 169.254.169.254 即在此)",
);

/// The class of one address.
pub fn classify(ip: IpAddr) -> AddressClass {
    use AddressClass::{Never, Private, Public};
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if a == 0 {
                Never("an unspecified address", "未指定地址")
            } else if v4.is_broadcast() {
                Never("a broadcast address", "广播地址")
            } else if v4.is_multicast() {
                Never("a multicast address", "组播地址")
            } else if a >= 240 || (a == 192 && b == 0 && v4.octets()[2] == 0) {
                // 240/4 and the protocol assignments of 192.0.0.0/24 (NAT64 discovery, DS-Lite).
                Never("a reserved address", "保留地址")
            } else if a == 198 && (b == 18 || b == 19) {
                // 198.18.0.0/15: benchmarking networks, inside a data centre, never on the internet.
                Never("a benchmarking address", "网络测试地址")
            } else if v4.is_link_local() {
                Never(LINK_LOCAL.0, LINK_LOCAL.1)
            } else if v4.is_loopback() {
                Private("a loopback address", "本机回环地址")
            } else if v4.is_private() {
                Private("a private address", "内网地址")
            } else if a == 100 && (64..128).contains(&b) {
                Private("a shared (CGNAT) address", "运营商共享地址(CGNAT)")
            } else {
                Public
            }
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            if v6.is_unspecified() {
                Never("an unspecified address", "未指定地址")
            } else if v6.is_loopback() {
                Private("a loopback address", "本机回环地址")
            } else if let Some(v4) = embedded_v4(v6) {
                classify(IpAddr::V4(v4))
            } else if v6.is_multicast() {
                Never("a multicast address", "组播地址")
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Never(LINK_LOCAL.0, LINK_LOCAL.1)
            } else if seg[0] == 0x2001 && seg[1] == 0 {
                // Teredo (2001::/32) tunnels to an IPv4 address it hides (XOR-ed): it could
                // reach anything the IPv4 rules refuse.
                Never("a Teredo tunnel address", "Teredo 隧道地址")
            } else if seg[0] & 0xfe00 == 0xfc00 || seg[0] & 0xffc0 == 0xfec0 {
                Private(
                    "a private (unique local) address",
                    "内网地址(IPv6 唯一本地)",
                )
            } else {
                Public
            }
        }
    }
}

/// The IPv4 address an IPv6 address carries and reaches: mapped (`::ffff:a.b.c.d`),
/// compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = v6.segments();
    let tail = || {
        Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        )
    };
    let mapped = seg[..5] == [0; 5] && (seg[5] == 0xffff || seg[5] == 0);
    let nat64 = seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if mapped || nat64 {
        Some(tail())
    } else if seg[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        ))
    } else {
        None
    }
}

/// Whether `addr` is the server's own listening address (any of its addresses when it listens
/// on all of them).
fn is_own(addr: SocketAddr, own: Option<SocketAddr>) -> bool {
    let Some(own) = own else { return false };
    if addr.port() != own.port() {
        return false;
    }
    addr.ip() == own.ip()
        || (own.ip().is_unspecified() && (addr.ip().is_loopback() || addr.ip().is_unspecified()))
}

/// Every address must be one a webhook may reach; the first that is not is named.
pub fn check_addresses(addrs: &[SocketAddr], reach: &Reach) -> Result<(), Refused> {
    if addrs.is_empty() {
        return Err(Refused::new(
            "the host name does not resolve",
            "域名无法解析",
        ));
    }
    for addr in addrs {
        let ip = addr.ip();
        if is_own(*addr, reach.own) {
            return Err(Refused::new(
                format!("points at this server itself ({addr})"),
                format!("指向本服务器自身({addr})"),
            ));
        }
        match classify(ip) {
            AddressClass::Public => {}
            AddressClass::Private(_, _) if reach.allow_private => {}
            AddressClass::Private(en, zh) => {
                return Err(Refused::new(
                    format!(
                        "points at {en} ({ip}); allowed only when the server is configured with ANJU_WEBHOOK_ALLOW_PRIVATE=1"
                    ),
                    format!("指向{zh}({ip});仅当服务器配置 ANJU_WEBHOOK_ALLOW_PRIVATE=1 时允许"),
                ));
            }
            AddressClass::Never(en, zh) => {
                return Err(Refused::new(
                    format!("points at {en} ({ip}), which a webhook may never reach"),
                    format!("指向{zh}({ip}),webhook 不得访问"),
                ));
            }
        }
    }
    Ok(())
}

/// The checks of a URL that need no network: length, https (or http when allowed), a host,
/// no user name or password in it.
pub fn parse_url(raw: &str, reach: &Reach) -> Result<url::Url, Refused> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Refused::new("required", "必填"));
    }
    if raw.chars().count() > URL_MAX {
        return Err(Refused::new(
            format!("at most {URL_MAX} characters"),
            format!("最多 {URL_MAX} 个字符"),
        ));
    }
    let url = url::Url::parse(raw).map_err(|_| Refused::new("not a URL", "不是有效的网址"))?;
    match url.scheme() {
        "https" => {}
        "http" if reach.allow_http => {}
        _ => {
            return Err(Refused::new(
                "must start with https://",
                "必须以 https:// 开头",
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::new(
            "must not carry a user name or password",
            "不能包含用户名或密码",
        ));
    }
    if url.host().is_none() {
        return Err(Refused::new("has no host", "缺少主机名"));
    }
    Ok(url)
}

/// The addresses `url`'s host resolves to now (the name table of `reach` first, then DNS),
/// with the URL's port.
pub async fn resolve(url: &url::Url, reach: &Reach) -> Result<Vec<SocketAddr>, Refused> {
    let port = url.port_or_known_default().unwrap_or(443);
    let not_found = || Refused::new("the host name does not resolve", "域名无法解析");
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok(vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(url::Host::Ipv6(ip)) => Ok(vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if let Some(ips) = reach.hosts.get(&name) {
                return Ok(ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect());
            }
            let lookup = tokio::net::lookup_host((name.as_str(), port));
            match tokio::time::timeout(CONNECT_TIMEOUT, lookup).await {
                Ok(Ok(addrs)) => {
                    let mut addrs: Vec<SocketAddr> = addrs.collect();
                    addrs.sort();
                    addrs.dedup();
                    Ok(addrs)
                }
                _ => Err(not_found()),
            }
        }
        None => Err(not_found()),
    }
}

/// Whether a URL's host and port are those of the `Host` header a request reached this server
/// by (a header without a port: any port of that name).
fn names_this_server(host: &str, port: Option<u16>, request_host: &str) -> bool {
    let (name, own_port) = match request_host.rsplit_once(':') {
        Some((name, p)) if !name.ends_with(':') && p.chars().all(|c| c.is_ascii_digit()) => {
            (name, p.parse::<u16>().ok())
        }
        _ => (request_host, None),
    };
    let bare = |h: &str| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase()
    };
    bare(host) == bare(name) && (own_port.is_none() || own_port == port)
}

/// Registration's whole check: [`parse_url`], then every address the host resolves to now.
/// `request_host` is the host the administrator reached this server by: a URL naming it
/// points at the server itself.
pub async fn check_url(
    raw: &str,
    reach: &Reach,
    request_host: Option<&str>,
) -> Result<url::Url, Refused> {
    let url = parse_url(raw, reach)?;
    if let (Some(host), Some(own)) = (url.host_str(), request_host)
        && names_this_server(host, url.port_or_known_default(), own)
    {
        return Err(Refused::new(
            "points at this server itself",
            "指向本服务器自身",
        ));
    }
    let addrs = resolve(&url, reach).await?;
    check_addresses(&addrs, reach)?;
    Ok(url)
}

// ---------------------------------------------------------------------------------------------
// Retries

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    /// `delivered`, `pending` or `failed`.
    pub status: &'static str,
    pub next_ms: i64,
    pub error: String,
}

/// The wait after the `attempts`-th failed attempt: one minute, doubling, at most an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    FIRST_RETRY_MS
        .saturating_mul(1i64 << doublings)
        .min(MAX_RETRY_MS)
}

/// The outcome of attempt number `attempts` (counting this one) at `now_ms`, for a run of
/// retries that began at `since_ms`: delivered on success; else retried after
/// [`backoff_ms`], or given up once [`GIVE_UP_AFTER_MS`] have passed, saying why.
pub fn after_attempt(
    outcome: &Result<u16, String>,
    attempts: i64,
    since_ms: i64,
    now_ms: i64,
) -> After {
    let error = match outcome {
        Ok(status) if (200..300).contains(status) => {
            return After {
                status: "delivered",
                next_ms: now_ms,
                error: String::new(),
            };
        }
        Ok(status) if (300..400).contains(status) => {
            format!("HTTP {status}: redirects are not followed")
        }
        Ok(status) => format!("HTTP {status}"),
        Err(e) => e.clone(),
    };
    if now_ms.saturating_sub(since_ms) >= GIVE_UP_AFTER_MS {
        After {
            status: "failed",
            next_ms: now_ms,
            error: crate::security::capped(
                &format!("given up after {attempts} attempts over 24 h; last: {error}"),
                300,
            ),
        }
    } else {
        After {
            status: "pending",
            next_ms: now_ms.saturating_add(backoff_ms(attempts)),
            error: crate::security::capped(&error, 300),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The job

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Deliveries made from new events.
    pub queued: usize,
    /// Attempts made, and how they went.
    pub attempts: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub given_up: usize,
}

/// How the job sends: where it may go. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sender {
    pub reach: Arc<Reach>,
}

impl Sender {
    pub fn new(reach: Reach) -> Sender {
        Sender {
            reach: Arc::new(reach),
        }
    }
}

/// One pass at `now`: new events into deliveries, then every due delivery sent once.
pub async fn pass(db: &Db, sender: &Sender, now: DateTime<Utc>) -> anyhow::Result<Pass> {
    let queued = fan_out(db, now).await?;
    let mut done = deliver_pass(db, sender, now).await?;
    done.queued = queued;
    // The log keeps a month; pending deliveries stay whatever their age.
    sqlx::query("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND last_ms < $1")
        .bind(now.timestamp_millis() - KEEP_MS)
        .execute(&db.pool)
        .await?;
    Ok(done)
}

/// Runs [`pass`] every `every` on the server's clock until the process ends; a failed pass is
/// logged and the next one goes on from where the database says.
pub fn spawn(db: Db, sender: Sender, every: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::repeat(every, move || {
        let (db, sender) = (db.clone(), sender.clone());
        async move {
            match pass(&db, &sender, Utc::now()).await {
                Ok(p) if p.attempts > 0 || p.queued > 0 => tracing::info!(
                    queued = p.queued,
                    delivered = p.delivered,
                    retrying = p.retrying,
                    given_up = p.given_up,
                    "webhooks"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "the webhook pass failed"),
            }
        }
    })
}

/// The stored event types of these kinds, as an SQL list (static names: no input in it).
fn sql_kinds(kinds: &HashSet<HookKind>) -> String {
    let mut names: Vec<&str> = kinds.iter().map(|k| k.event_kind()).collect();
    names.sort_unstable();
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Turns the events recorded since each webhook's cursors into deliveries; how many were made.
pub async fn fan_out(db: &Db, now: DateTime<Utc>) -> anyhow::Result<usize> {
    // Read-only first: only an enabled webhook behind an estate's log takes its lock, so an
    // idle server writes nothing on its ticks. A disabled one hears nothing of its time off:
    // its cursors are set to the present when it is switched back on (`cursors_to_now`).
    let hooks: Vec<(String, String)> = sqlx::query(
        "SELECT DISTINCT w.company_id, w.id FROM webhooks w \
         JOIN estates e ON e.company_id = w.company_id \
         LEFT JOIN webhook_cursors c ON c.company_id = w.company_id AND c.webhook_id = w.id \
         AND c.estate_id = e.id \
         WHERE w.enabled = 1 AND COALESCE(c.seq, 0) < e.seq ORDER BY w.company_id, w.id",
    )
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<sqlx::Result<_>>()?;
    let mut made = 0;
    for (company_id, webhook_id) in hooks {
        made += fan_out_one(db, &company_id, &webhook_id, now)
            .await
            .with_context(|| format!("webhook {webhook_id}"))?;
    }
    Ok(made)
}

async fn fan_out_one(
    db: &Db,
    company_id: &str,
    webhook_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let now_ms = now.timestamp_millis();
    let mut tx = db.begin().await?;
    // The lock: a second instance waits here, then reads the cursors this one moved.
    let Some(hook) = sqlx::query(
        "UPDATE webhooks SET enabled = enabled WHERE company_id = $1 AND id = $2 \
         RETURNING kinds, estate_ids, enabled",
    )
    .bind(company_id.to_string())
    .bind(webhook_id.to_string())
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(0);
    };
    let kinds: HashSet<HookKind> = split_list(&hook.try_get::<String, _>(0)?)
        .iter()
        .filter_map(|k| HookKind::parse(k))
        .collect();
    let only: Vec<String> = split_list(&hook.try_get::<String, _>(1)?);
    let enabled = hook.try_get::<i64, _>(2)? != 0;
    let estates: Vec<(String, String, i64)> =
        sqlx::query("SELECT id, name, seq FROM estates WHERE company_id = $1 ORDER BY id")
            .bind(company_id.to_string())
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<sqlx::Result<_>>()?;
    let cursors: HashMap<String, i64> = sqlx::query(
        "SELECT estate_id, seq FROM webhook_cursors WHERE company_id = $1 AND webhook_id = $2",
    )
    .bind(company_id.to_string())
    .bind(webhook_id.to_string())
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<sqlx::Result<_>>()?;
    let wanted_kinds = sql_kinds(&kinds);
    let mut made = 0;
    for (estate_id, estate_name, head) in estates {
        // An estate added after the webhook was made has no cursor: all of its log is new.
        let cursor = cursors.get(&estate_id).copied().unwrap_or(0);
        if cursor >= head {
            continue;
        }
        let wanted = enabled && !kinds.is_empty() && (only.is_empty() || only.contains(&estate_id));
        let mut next = head;
        if wanted {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body \
                 FROM events WHERE estate_id = $1 AND seq > $2 AND seq <= $3 AND kind IN ({wanted_kinds}) \
                 ORDER BY seq LIMIT $4"
            )))
            .bind(estate_id.clone())
            .bind(cursor)
            .bind(head)
            .bind(FAN_OUT_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.len() as i64 == FAN_OUT_BATCH
                && let Some(last) = rows.last()
            {
                next = last.try_get("seq")?;
            }
            let mut orders: HashMap<String, (String, Option<OrderState>)> = HashMap::new();
            for row in &rows {
                let Some(event) = crate::db::readable_event(row)? else {
                    continue;
                };
                let Some(kind) = HookKind::of(&event.body) else {
                    continue;
                };
                if !kinds.contains(&kind) {
                    continue;
                }
                if !orders.contains_key(event.order_id()) {
                    let order = order_now(&mut tx, &estate_id, event.order_id()).await?;
                    orders.insert(event.order_id().to_string(), order);
                }
                let (reference, state) = &orders[event.order_id()];
                let id = format!("dl-{}", uuid::Uuid::now_v7().simple());
                let place = Place {
                    company_id,
                    estate_id: &estate_id,
                    estate_name: &estate_name,
                    reference,
                };
                let Some(body) = anju_shared::webhook::payload(&id, &event, state.as_ref(), place)
                else {
                    continue;
                };
                let body = serde_json::to_string(&body)?;
                made += sqlx::query(
                    "INSERT INTO webhook_deliveries (company_id, id, webhook_id, estate_id, event_id, kind, body, \
                     created_ms, status, attempts, since_ms, next_ms, last_ms, last_status, last_error, lease, lease_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10, 0, 0, '', '', 0) \
                     ON CONFLICT (company_id, webhook_id, event_id) DO NOTHING",
                )
                .bind(company_id.to_string())
                .bind(id)
                .bind(webhook_id.to_string())
                .bind(estate_id.clone())
                .bind(event.id.clone())
                .bind(kind.as_str())
                .bind(body)
                .bind(now_ms)
                .bind(now_ms)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected() as usize;
            }
        }
        sqlx::query(
            "INSERT INTO webhook_cursors (company_id, webhook_id, estate_id, seq) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (company_id, webhook_id, estate_id) DO UPDATE SET seq = excluded.seq",
        )
        .bind(company_id.to_string())
        .bind(webhook_id.to_string())
        .bind(estate_id)
        .bind(next)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(made)
}

/// An order's reference and state now (its events folded).
async fn order_now(
    conn: &mut sqlx::AnyConnection,
    estate_id: &str,
    order_id: &str,
) -> anyhow::Result<(String, Option<OrderState>)> {
    let reference: String =
        sqlx::query("SELECT reference FROM orders WHERE id = $1 AND estate_id = $2")
            .bind(order_id.to_string())
            .bind(estate_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or_default();
    let rows = sqlx::query(
        "SELECT estate_id, seq, id, order_id, subject_kind, subject_id, device_id, device_seq, hlc, actor, kind, at, body FROM events \
         WHERE estate_id = $1 AND order_id = $2 ORDER BY seq",
    )
    .bind(estate_id.to_string())
    .bind(order_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut events: Vec<Event> = Vec::with_capacity(rows.len());
    for r in &rows {
        events.extend(crate::db::readable_event(r)?);
    }
    Ok((reference, anju_shared::order::fold(order_id, &events)))
}

/// A delivery this runner holds the lease of.
#[derive(Debug, Clone)]
struct Claimed {
    company_id: String,
    id: String,
    webhook_id: String,
    kind: String,
    body: String,
    attempts: i64,
    since_ms: i64,
    lease: String,
}

/// Sends every delivery due at `now` once (those whose webhook is enabled).
pub async fn deliver_pass(db: &Db, sender: &Sender, now: DateTime<Utc>) -> anyhow::Result<Pass> {
    let mut done = Pass::default();
    let mut hooks: HashMap<(String, String), Option<(String, String)>> = HashMap::new();
    // Each batch's rows come back with a later `next_ms` or a final status: bounded anyway.
    // A pass signs with one `now` and holds leases from it: it stops well before either goes
    // stale (slow receivers), and the next tick goes on with a fresh clock.
    let started = std::time::Instant::now();
    for _ in 0..1_000 {
        if started.elapsed() > PASS_BUDGET {
            break;
        }
        let claimed = claim(db, now).await?;
        if claimed.is_empty() {
            break;
        }
        let mut sends = tokio::task::JoinSet::new();
        for c in claimed {
            let key = (c.company_id.clone(), c.webhook_id.clone());
            if !hooks.contains_key(&key) {
                let row = sqlx::query(
                    "SELECT url, secret FROM webhooks WHERE company_id = $1 AND id = $2",
                )
                .bind(key.0.clone())
                .bind(key.1.clone())
                .fetch_optional(&db.pool)
                .await?;
                let hook = row
                    .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                    .transpose()?;
                hooks.insert(key.clone(), hook);
            }
            let Some((url, secret)) = hooks[&key].clone() else {
                continue;
            };
            let reach = sender.reach.clone();
            sends.spawn(async move {
                let outcome = send(&reach, &url, &secret, &c, now).await;
                (c, outcome)
            });
        }
        while let Some(joined) = sends.join_next().await {
            let (c, outcome) = joined.context("a webhook send panicked")?;
            let attempts = c.attempts + 1;
            let after = after_attempt(&outcome, attempts, c.since_ms, now.timestamp_millis());
            sqlx::query(
                "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_ms = $3, last_ms = $4, \
                 last_status = $5, last_error = $6, lease = '', lease_ms = 0 \
                 WHERE company_id = $7 AND id = $8 AND lease = $9",
            )
            .bind(after.status)
            .bind(attempts)
            .bind(after.next_ms)
            .bind(now.timestamp_millis())
            .bind(i64::from(*outcome.as_ref().unwrap_or(&0)))
            .bind(after.error.clone())
            .bind(c.company_id.clone())
            .bind(c.id.clone())
            .bind(c.lease.clone())
            .execute(&db.pool)
            .await?;
            done.attempts += 1;
            match after.status {
                "delivered" => done.delivered += 1,
                "failed" => {
                    tracing::warn!(delivery = %c.id, webhook = %c.webhook_id, error = %after.error, "webhook delivery given up");
                    done.given_up += 1
                }
                _ => done.retrying += 1,
            }
        }
    }
    Ok(done)
}

/// Claims up to [`CLAIM_BATCH`] due deliveries for this runner.
async fn claim(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Vec<Claimed>> {
    let lease = uuid::Uuid::new_v4().simple().to_string();
    let now_ms = now.timestamp_millis();
    let sql = match db.backend {
        // Rows another instance is claiming right now are skipped, not waited for.
        Backend::Postgres => {
            "UPDATE webhook_deliveries SET lease = $1, lease_ms = $2 WHERE (company_id, id) IN ( \
               SELECT d.company_id, d.id FROM webhook_deliveries d JOIN webhooks w \
               ON w.company_id = d.company_id AND w.id = d.webhook_id \
               WHERE d.status = 'pending' AND d.next_ms <= $3 AND d.lease_ms <= $4 AND w.enabled = 1 \
               ORDER BY d.next_ms, d.id LIMIT $5 FOR UPDATE OF d SKIP LOCKED) \
             RETURNING company_id, id, webhook_id, kind, body, attempts, since_ms"
        }
        // One writer at a time: the statement itself is the claim.
        Backend::Sqlite => {
            "UPDATE webhook_deliveries SET lease = $1, lease_ms = $2 WHERE (company_id, id) IN ( \
               SELECT d.company_id, d.id FROM webhook_deliveries d JOIN webhooks w \
               ON w.company_id = d.company_id AND w.id = d.webhook_id \
               WHERE d.status = 'pending' AND d.next_ms <= $3 AND d.lease_ms <= $4 AND w.enabled = 1 \
               ORDER BY d.next_ms, d.id LIMIT $5) \
             RETURNING company_id, id, webhook_id, kind, body, attempts, since_ms"
        }
    };
    let rows = sqlx::query(sql)
        .bind(lease.clone())
        .bind(now_ms + LEASE_MS)
        .bind(now_ms)
        .bind(now_ms)
        .bind(CLAIM_BATCH)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                company_id: r.try_get(0)?,
                id: r.try_get(1)?,
                webhook_id: r.try_get(2)?,
                kind: r.try_get(3)?,
                body: r.try_get(4)?,
                attempts: r.try_get(5)?,
                since_ms: r.try_get(6)?,
                lease: lease.clone(),
            })
        })
        .collect()
}

/// One attempt: the URL checked again, its host resolved and every address checked (DNS
/// rebinding), the connection pinned to those addresses, the body signed at `now`. The HTTP
/// status, or why there is none.
async fn send(
    reach: &Reach,
    url: &str,
    secret: &str,
    c: &Claimed,
    now: DateTime<Utc>,
) -> Result<u16, String> {
    let url = parse_url(url, reach).map_err(|r| format!("url: {r}"))?;
    let addrs = resolve(&url, reach).await.map_err(|r| r.en)?;
    check_addresses(&addrs, reach).map_err(|r| r.en)?;
    let mut client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("Anju-Webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some(url::Host::Domain(name)) = url.host() {
        // Only the addresses just checked: a second lookup could answer otherwise.
        client = client.resolve_to_addrs(name, &addrs);
    }
    let client = client.build().map_err(|e| format!("client: {e}"))?;
    let timestamp = now.timestamp().to_string();
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(HEADER_TIMESTAMP, &timestamp)
        .header(
            HEADER_SIGNATURE,
            signature(secret, &timestamp, c.body.as_bytes()),
        )
        .header(HEADER_DELIVERY, &c.id)
        .header(HEADER_KIND, &c.kind)
        .body(c.body.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    Ok(response.status().as_u16())
}

/// A failed request in a few words, with its innermost cause.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("{what}: {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn a_signature_verifies_within_five_minutes_only() {
        let body = br#"{"id":"dl-1"}"#;
        let sig = signature("whsec_k", "1770000000", body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert_eq!(
            verify("whsec_k", "1770000000", body, &sig, 1_770_000_000),
            Ok(())
        );
        assert_eq!(
            verify("whsec_k", "1770000000", body, &sig, 1_770_000_300),
            Ok(())
        );
        assert_eq!(
            verify("whsec_k", "1770000000", body, &sig, 1_770_000_301),
            Err(Unverified::TooOld)
        );
        assert_eq!(
            verify("whsec_k", "1770000000", body, &sig, 1_769_999_000),
            Err(Unverified::FromTheFuture)
        );
        assert_eq!(
            verify("whsec_x", "1770000000", body, &sig, 1_770_000_000),
            Err(Unverified::BadSignature)
        );
        assert_eq!(
            verify("whsec_k", "1770000001", body, &sig, 1_770_000_000),
            Err(Unverified::BadSignature),
            "the timestamp is signed"
        );
        assert_eq!(
            verify("whsec_k", "soon", body, &sig, 1_770_000_000),
            Err(Unverified::BadTimestamp)
        );
    }

    #[test]
    fn the_signature_is_what_openssl_and_python_compute() {
        // printf '%s' '1770000000.{"id":"dl-1"}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", "1770000000", br#"{"id":"dl-1"}"#),
            "sha256=668dbbe5733cf137216d3ad1d756247ba863be40ddf178764338872dfcb5d4ac"
        );
    }

    #[test]
    fn addresses_are_classed() {
        for never in [
            "0.0.0.0",
            "0.1.2.3",
            "169.254.169.254",
            "169.254.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "fe80::1",
            "ff02::1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "198.18.0.1",
            "198.19.255.254",
            "192.0.0.170",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "::ffff:198.18.1.1",
        ] {
            assert!(
                matches!(classify(ip(never)), AddressClass::Never(..)),
                "{never}"
            );
        }
        for private in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "2002:c0a8:0101::1",
            "fec0::1",
        ] {
            assert!(
                matches!(classify(ip(private)), AddressClass::Private(..)),
                "{private}"
            );
        }
        for public in [
            "8.8.8.8",
            "192.0.2.10",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "2002:0808:0808::1",
            "198.17.255.255",
            "198.20.0.1",
            "192.0.1.1",
            "2001:db9::1",
        ] {
            assert_eq!(classify(ip(public)), AddressClass::Public, "{public}");
        }
    }

    #[test]
    fn private_addresses_need_the_setting_and_link_local_never_passes() {
        let strict = Reach::default();
        let open = Reach {
            allow_private: true,
            ..Reach::default()
        };
        let at = |s: &str| vec![SocketAddr::new(ip(s), 443)];
        assert!(check_addresses(&at("10.0.0.1"), &strict).is_err());
        assert!(check_addresses(&at("10.0.0.1"), &open).is_ok());
        assert!(check_addresses(&at("169.254.169.254"), &open).is_err());
        assert!(check_addresses(&at("8.8.8.8"), &strict).is_ok());
        assert!(check_addresses(&[], &open).is_err());
        // One bad address among good ones is enough to refuse.
        let mixed = vec![
            SocketAddr::new(ip("8.8.8.8"), 443),
            SocketAddr::new(ip("127.0.0.1"), 443),
        ];
        assert!(check_addresses(&mixed, &strict).is_err());
        // The server's own address, even where private ones are allowed.
        let own = Reach {
            allow_private: true,
            own: Some("0.0.0.0:8080".parse().expect("addr")),
            ..Reach::default()
        };
        assert!(check_addresses(&[SocketAddr::new(ip("127.0.0.1"), 8080)], &own).is_err());
        assert!(check_addresses(&[SocketAddr::new(ip("127.0.0.1"), 9090)], &own).is_ok());
        let refused = check_addresses(&at("127.0.0.1"), &strict).expect_err("refused");
        assert!(
            refused.en.contains("loopback") && refused.en.contains("ANJU_WEBHOOK_ALLOW_PRIVATE")
        );
        assert!(refused.zh.contains("回环"));
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        let strict = Reach::default();
        assert!(parse_url("https://hooks.example.com/anju", &strict).is_ok());
        for bad in [
            "",
            "http://hooks.example.com/anju",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert!(parse_url(bad, &strict).is_err(), "{bad}");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(URL_MAX));
        assert!(parse_url(&long, &strict).is_err());
        let http = Reach {
            allow_http: true,
            ..Reach::default()
        };
        assert!(parse_url("http://127.0.0.1:9/x", &http).is_ok());
    }

    #[tokio::test]
    async fn a_url_naming_this_server_or_a_private_host_is_refused() {
        let strict = Reach::default();
        for (url, host) in [
            ("https://anju.example.com/x", "anju.example.com"),
            ("https://ANJU.example.com:8443/x", "anju.example.com:8443"),
            ("https://[2001:db8::1]:8443/x", "[2001:db8::1]:8443"),
        ] {
            let r = check_url(url, &strict, Some(host))
                .await
                .expect_err("itself");
            assert!(r.en.contains("this server"), "{url}: {r}");
        }
        assert!(names_this_server("example.com", Some(443), "example.com"));
        assert!(!names_this_server(
            "example.com",
            Some(443),
            "example.com:8443"
        ));
        assert!(!names_this_server("example.org", Some(443), "example.com"));
        for bad in [
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://10.1.2.3/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00::1]/x",
            "https://100.64.1.1/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://localhost/x",
        ] {
            assert!(check_url(bad, &strict, None).await.is_err(), "{bad}");
        }
        assert!(
            check_url("https://192.0.2.10/x", &strict, None)
                .await
                .is_ok()
        );
        let named = Reach {
            hosts: HashMap::from([("hooks.test".to_string(), vec![ip("10.9.9.9")])]),
            ..Reach::default()
        };
        assert!(
            check_url("https://hooks.test/x", &named, None)
                .await
                .is_err()
        );
    }

    #[test]
    fn retries_double_from_a_minute_to_an_hour_and_stop_after_a_day() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 120_000);
        assert_eq!(backoff_ms(6), 32 * 60_000);
        assert_eq!(backoff_ms(7), 3_600_000);
        assert_eq!(backoff_ms(500), 3_600_000);
        let ok = after_attempt(&Ok(204), 1, 0, 10);
        assert_eq!(ok.status, "delivered");
        let again = after_attempt(&Ok(500), 1, 0, 10);
        assert_eq!((again.status, again.next_ms), ("pending", 60_010));
        assert_eq!(again.error, "HTTP 500");
        let moved = after_attempt(&Ok(302), 2, 0, 10);
        assert!(moved.error.contains("redirects"));
        // Attempts until a day has passed: at least 24 hours of retries.
        let (mut t, mut n) = (0i64, 0i64);
        loop {
            n += 1;
            let a = after_attempt(&Err("could not connect".into()), n, 0, t);
            if a.status == "failed" {
                assert!(a.error.contains("given up") && a.error.contains("could not connect"));
                break;
            }
            t = a.next_ms;
        }
        assert!(
            (GIVE_UP_AFTER_MS..GIVE_UP_AFTER_MS + MAX_RETRY_MS).contains(&t),
            "{t}"
        );
        assert!(n > 24, "{n} attempts");
    }
}
