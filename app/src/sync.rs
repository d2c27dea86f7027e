//! The sync engine: keeps the device's event store and the server's in step through
//! `POST /api/sync`. It pushes the outbox in `device_seq` order in batches, takes in the
//! acknowledgements (stored and duplicate leave the outbox, refused ones move to the rejected
//! store and are shown), pulls pages until none are left, and advances the cursor — each
//! answer in one IndexedDB transaction. It runs on start, when the browser comes online, every
//! 30 s, after each local action and on demand, one run at a time.
//!
//! It lives for the whole app (provided in `App`), so a sync started on one page finishes
//! even if the user goes to another.

mod photos;

use anju_shared::arrival;
use anju_shared::model::Role;
use anju_shared::order::{Event, EventBody};
use anju_shared::site::{EstateInfo, Site};
use anju_shared::subject::Subject;
use anju_shared::sync::{Contact, OrderReference, SyncRequest, SyncResponse};
use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure, Colleague, Household, Me};
use crate::clock;
use crate::i18n::use_lang;
use crate::store::{Action, META_ME, Rejected, Store, StoreError};

/// The most events one request pushes.
const PUSH_BATCH: usize = 100;
/// Round trips in one run at most, so a server that never drains the outbox cannot keep the
/// tablet busy forever; the next run carries on.
const MAX_ROUNDS: usize = 50;
const PERIOD: std::time::Duration = std::time::Duration::from_secs(30);

/// What the badge shows.
#[derive(Clone, Copy, PartialEq, Default)]
pub(crate) struct SyncState {
    /// Local events not yet acknowledged.
    pub(crate) pending: usize,
    /// Local events the server refused.
    pub(crate) rejected: usize,
    /// When the last run reached the server and finished, in ms.
    pub(crate) last_sync: Option<i64>,
    pub(crate) online: bool,
    pub(crate) syncing: bool,
    /// The last run reached the server but failed (not a network problem).
    pub(crate) failed: bool,
    /// Events taken in by the run under way: the progress of a long first sync.
    pub(crate) received: usize,
    /// Photos taken on the device that wait for their upload.
    pub(crate) photos: usize,
    /// Photos the server refused (kept on the device with the reason).
    pub(crate) photos_refused: usize,
}

/// Where the engine is in starting up.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    Idle,
    Opening,
    /// Nobody has logged in on this device yet (or the cached user was dropped).
    NeedsLogin,
    Ready,
    /// Cannot work: the texts (zh, en) say why.
    Failed(&'static str, &'static str),
}

enum Failure {
    Offline,
    Session,
    Other,
}

impl From<ApiFailure> for Failure {
    fn from(f: ApiFailure) -> Failure {
        match f {
            ApiFailure::Network(_) => Failure::Offline,
            ApiFailure::Status(401, _) => Failure::Session,
            ApiFailure::Status(..) => Failure::Other,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(_: StoreError) -> Failure {
        Failure::Other
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Engine {
    store: StoredValue<Option<Store>, LocalStorage>,
    pub(crate) phase: RwSignal<Phase>,
    pub(crate) me: RwSignal<Option<Me>>,
    /// Every known event of the user's estate: the orders and visits are folded from these.
    pub(crate) events: RwSignal<Vec<Event>>,
    pub(crate) state: RwSignal<SyncState>,
    pub(crate) rejected: RwSignal<Vec<Rejected>>,
    pub(crate) site: RwSignal<Option<Site>>,
    pub(crate) households: RwSignal<Vec<Household>>,
    /// The estate's staff directory, for dispatching.
    pub(crate) staff: RwSignal<Vec<Colleague>>,
    /// The estate's checkpoints and routes (`pages/patrol.rs`), kept for rounds offline.
    pub(crate) patrols: RwSignal<Option<anju_shared::patrol::PatrolPlan>>,
    /// The estate's price list (`pages/paid.rs`), kept so a technician quotes paid work
    /// offline, in a basement as at the door.
    pub(crate) prices: RwSignal<Option<anju_shared::price::PriceList>>,
    /// The server ended the session: the local data stays usable, and a login is asked for.
    pub(crate) session_lost: RwSignal<bool>,
    /// A run was asked for while one was under way: run once more when it ends.
    again: StoredValue<bool>,
    /// The estate picked in the top bar (`pages::nav`): the engine works in that one.
    chosen: RwSignal<Option<String>>,
    /// The reference numbers of the estate's orders (order id → reference), as sync brought
    /// them with the reports.
    pub(crate) references: RwSignal<BTreeMap<String, String>>,
    /// The device's own copies of photos still waiting for their upload (name → object
    /// address), shown in place of the server's until it has them.
    pub(crate) local_photos: RwSignal<BTreeMap<String, String>>,
    /// What the last user to log out left unsent on this device (events, photos): kept for
    /// them, and said on the login form so nobody thinks it lost.
    pub(crate) left_behind: RwSignal<(usize, usize)>,
}

pub(crate) fn use_engine() -> Engine {
    expect_context::<Engine>()
}

fn navigator_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Replaces events by id and adds new ones (found by binary search over the ids, through the
/// app's one sort).
fn merge(events: &mut Vec<Event>, new: Vec<Event>) {
    let by_id = crate::lean::sorted_indices(events.len(), &|a, b| events[a].id.cmp(&events[b].id));
    let mut added: Vec<Event> = Vec::new();
    for e in new {
        match by_id.binary_search_by(|&i| events[i].id.as_str().cmp(&e.id)) {
            Ok(at) => events[by_id[at]] = e,
            Err(_) => match added.iter_mut().find(|a| a.id == e.id) {
                Some(a) => *a = e,
                None => added.push(e),
            },
        }
    }
    events.append(&mut added);
}

fn site_key(estate: &str) -> String {
    format!("site:{estate}")
}

fn households_key(estate: &str) -> String {
    format!("households:{estate}")
}

fn staff_key(estate: &str) -> String {
    format!("staff:{estate}")
}

fn prices_key(estate: &str) -> String {
    format!("prices:{estate}")
}

fn patrols_key(estate: &str) -> String {
    format!("patrols:{estate}")
}

/// Parses a cached or fetched answer.
fn parse<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    serde_json::from_str(&text?).ok()
}

/// Puts the engine in context and starts its timers: every 30 s, and whenever the browser
/// says it is back online.
pub(crate) fn provide() {
    let engine = Engine {
        store: StoredValue::new_local(None),
        phase: RwSignal::new(Phase::Idle),
        me: RwSignal::new(None),
        events: RwSignal::new(Vec::new()),
        state: RwSignal::new(SyncState {
            online: navigator_online(),
            ..SyncState::default()
        }),
        rejected: RwSignal::new(Vec::new()),
        site: RwSignal::new(None),
        households: RwSignal::new(Vec::new()),
        staff: RwSignal::new(Vec::new()),
        patrols: RwSignal::new(None),
        prices: RwSignal::new(None),
        session_lost: RwSignal::new(false),
        again: StoredValue::new(false),
        chosen: crate::pages::nav::chosen(),
        references: RwSignal::new(BTreeMap::new()),
        local_photos: RwSignal::new(BTreeMap::new()),
        left_behind: RwSignal::new((0, 0)),
    };
    provide_context(engine);
    // The root component never unmounts: these live as long as the page.
    let _ = set_interval_with_handle(move || engine.sync_now(), PERIOD);
    let online = window_event_listener(leptos::ev::online, move |_| {
        engine.state.update(|s| s.online = true);
        engine.sync_now();
    });
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        engine.state.update(|s| s.online = false);
    });
    std::mem::forget((online, offline));
    // Another estate picked in the top bar: show what the device has of it at once (offline
    // too), then fetch its site and sync it.
    Effect::new(move |before: Option<Option<String>>| {
        let picked = engine.chosen.get();
        if before.is_some_and(|b| b != picked) && engine.phase.get_untracked() == Phase::Ready {
            engine.switch_estate();
        }
        picked
    });
}

impl Engine {
    pub(crate) fn estate(self) -> Option<EstateInfo> {
        let picked = self.chosen.get_untracked();
        self.me.with_untracked(|m| {
            m.as_ref()
                .and_then(|m| crate::pages::nav::current_estate(m, picked.as_deref()))
        })
    }

    /// The estate worked in now, tracked: what shows it is drawn again when another is
    /// picked.
    pub(crate) fn current(self) -> Option<EstateInfo> {
        let picked = self.chosen.get();
        self.me.with(|m| {
            m.as_ref()
                .and_then(|m| crate::pages::nav::current_estate(m, picked.as_deref()))
        })
    }

    /// Opens the store and starts with the user remembered on this device, or asks for a
    /// login. Does nothing once started.
    pub(crate) fn boot(self) {
        if !matches!(self.phase.get_untracked(), Phase::Idle | Phase::Failed(..)) {
            return;
        }
        self.phase.set(Phase::Opening);
        spawn_local(async move {
            let store = match Store::open().await {
                Ok(s) => s,
                Err(_) => {
                    self.phase.set(Phase::Failed(
                        "无法打开本机数据库(浏览器是否处于无痕模式?)",
                        "Cannot open the device database (is the browser in private mode?)",
                    ));
                    return;
                }
            };
            let cached: Option<Me> = parse(store.meta_text(META_ME).await.ok().flatten());
            self.store.set_value(Some(store));
            match cached {
                // Offline-first: work with what the device has, and check the session after.
                Some(me) => {
                    self.enter(me).await;
                    self.check_session().await;
                }
                None => self.check_session().await,
            }
        });
    }

    /// After a successful login: who is it, then carry on.
    pub(crate) fn after_login(self) {
        spawn_local(async move { self.check_session().await });
    }

    /// Ends the session and wipes the residents' data from the device (a shared tablet
    /// changes hands, PIPL): it first sends what it can, then forgets every pulled event and
    /// cached list. The user's own unsent events stay in the outbox, never lost, and go out
    /// when they next log in here; the next user pulls only their own estates.
    pub(crate) fn logout(self) {
        spawn_local(async move {
            if self.phase.get_untracked() == Phase::Ready && !self.state.get_untracked().syncing {
                let _ = self.run().await;
            }
            let _ = api::post::<_, serde_json::Value>("/api/logout", &serde_json::json!({})).await;
            if let Some(store) = self.store.get_value() {
                if let Some(me) = self.me.get_untracked() {
                    self.left_behind.set(unsent(&store, &me.id).await);
                }
                let _ = store.forget_pulled().await;
            }
            // The photos the service worker keeps are residents' data too: every surface's
            // logout (desk, field, manage) leaves them behind here.
            crate::pages::order::forget_photos();
            self.me.set(None);
            self.events.set(Vec::new());
            self.references.set(BTreeMap::new());
            self.rejected.set(Vec::new());
            self.site.set(None);
            self.households.set(Vec::new());
            self.staff.set(Vec::new());
            self.patrols.set(None);
            self.prices.set(None);
            self.state.update(|s| {
                s.pending = 0;
                s.rejected = 0;
                s.photos = 0;
                s.photos_refused = 0;
                s.last_sync = None;
            });
            self.local_photos.set(BTreeMap::new());
            self.session_lost.set(false);
            self.phase.set(Phase::NeedsLogin);
        });
    }

    /// Asks the server who is logged in; remembers the answer, or asks for a login.
    async fn check_session(self) {
        let ready = self.phase.get_untracked() == Phase::Ready;
        let answer = api::get_text("/api/me").await.and_then(|t| {
            let me = parse::<Me>(Some(t.clone()));
            me.map(|me| (t, me))
                .ok_or_else(|| ApiFailure::Network("/api/me: unreadable answer".into()))
        });
        match answer {
            Ok((text, me)) => {
                self.session_lost.set(false);
                // Another user on this tablet (the last one's session ended without a
                // logout): the device keeps only the new user's estates.
                let other_user = self
                    .me
                    .with_untracked(|m| m.as_ref().is_some_and(|m| m.id != me.id));
                if let Some(store) = self.store.get_value() {
                    if other_user {
                        let _ = store.forget_pulled().await;
                        self.events.set(Vec::new());
                    }
                    let _ = store.set_meta_text(META_ME, &text).await;
                }
                // An estate taken from this user since the last answer: its data leaves the
                // device. Only then: finding it reads every stored event.
                let lost = !other_user
                    && self.me.with_untracked(|m| {
                        m.as_ref().is_some_and(|before| {
                            before
                                .estates
                                .iter()
                                .any(|e| !me.estates.iter().any(|n| n.id == e.id))
                        })
                    });
                if lost && let Some(store) = self.store.get_value() {
                    let keep: Vec<String> = me.estates.iter().map(|e| e.id.clone()).collect();
                    let _ = store.forget_estates_except(&keep).await;
                }
                let picked = self.chosen.get_untracked();
                let same_estate = !other_user
                    && self
                        .estate()
                        .zip(crate::pages::nav::current_estate(&me, picked.as_deref()))
                        .is_some_and(|(a, b)| a.id == b.id);
                if ready && same_estate {
                    self.me.set(Some(me));
                } else {
                    self.enter(me).await;
                }
                self.load_site().await;
                self.sync_now();
            }
            Err(ApiFailure::Status(401, _)) if ready => self.session_lost.set(true),
            Err(ApiFailure::Status(..)) if !ready => self.phase.set(Phase::NeedsLogin),
            Err(_) if !ready => self.phase.set(Phase::Failed(
                "首次使用需要联网登录一次",
                "The first use needs a connection to log in",
            )),
            Err(_) => {}
        }
    }

    /// Starts working as `me` in the estate picked in the top bar (else their first) with
    /// what the device has stored.
    async fn enter(self, me: Me) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        let picked = self.chosen.get_untracked();
        let Some(estate) = crate::pages::nav::current_estate(&me, picked.as_deref()) else {
            self.phase.set(Phase::Failed(
                "您的账号没有负责的小区",
                "Your account has no estate",
            ));
            return;
        };
        let me_id = me.id.clone();
        self.me.set(Some(me));
        let (events, references) = store.events(&estate.id).await.unwrap_or_default();
        self.events.set(events);
        self.references.set(references.into_iter().collect());
        self.refresh_counts(&store, &estate.id).await;
        self.count_photos(&store, &me_id).await;
        let site = parse(store.meta_text(&site_key(&estate.id)).await.ok().flatten());
        let households = parse(
            store
                .meta_text(&households_key(&estate.id))
                .await
                .ok()
                .flatten(),
        )
        .unwrap_or_default();
        let staff =
            parse(store.meta_text(&staff_key(&estate.id)).await.ok().flatten()).unwrap_or_default();
        self.site.set(site);
        self.households.set(households);
        self.staff.set(staff);
        self.patrols.set(parse(
            store
                .meta_text(&patrols_key(&estate.id))
                .await
                .ok()
                .flatten(),
        ));
        self.prices.set(parse(
            store
                .meta_text(&prices_key(&estate.id))
                .await
                .ok()
                .flatten(),
        ));
        self.phase.set(Phase::Ready);
        self.sync_now();
    }

    fn switch_estate(self) {
        let Some(me) = self.me.get_untracked() else {
            return;
        };
        spawn_local(async move {
            self.events.set(Vec::new());
            self.site.set(None);
            self.households.set(Vec::new());
            self.staff.set(Vec::new());
            self.prices.set(None);
            self.state.update(|s| {
                s.pending = 0;
                s.last_sync = None;
            });
            self.enter(me).await;
            self.load_site().await;
        });
    }

    /// Fetches the estate's buildings and households and keeps them for offline use, as the
    /// server sent them.
    async fn load_site(self) {
        let (Some(store), Some(estate)) = (self.store.get_value(), self.estate()) else {
            return;
        };
        let base = format!("/api/estates/{}", estate.id);
        if let Ok(text) = api::get_text(&format!("{base}/site")).await
            && let Some(site) = parse::<Site>(Some(text.clone()))
        {
            let _ = store.set_meta_text(&site_key(&estate.id), &text).await;
            self.site.set(Some(site));
        }
        if let Ok(text) = api::get_text(&format!("{base}/households")).await
            && let Some(list) = parse::<Vec<Household>>(Some(text.clone()))
        {
            let _ = store
                .set_meta_text(&households_key(&estate.id), &text)
                .await;
            self.households.set(list);
        }
        if let Ok(text) = api::get_text(&format!("{base}/staff")).await
            && let Some(list) = parse::<Vec<Colleague>>(Some(text.clone()))
        {
            let _ = store.set_meta_text(&staff_key(&estate.id), &text).await;
            self.staff.set(list);
        }
        self.load_prices().await;
        self.load_patrols().await;
    }

    /// Fetches the estate's price list and keeps it for quoting offline; a manager's change
    /// reaches the tablets at their next site refresh (a quote keeps the price it showed).
    pub(crate) async fn load_prices(self) {
        let (Some(store), Some(estate)) = (self.store.get_value(), self.estate()) else {
            return;
        };
        if let Ok(text) = api::get_text(&format!("/api/estates/{}/prices", estate.id)).await
            && let Some(list) = parse::<anju_shared::price::PriceList>(Some(text.clone()))
        {
            let _ = store.set_meta_text(&prices_key(&estate.id), &text).await;
            self.prices.set(Some(list));
        }
    }

    /// Fetches the estate's patrol definitions and keeps them for offline rounds: a cached
    /// fetch, not the event log, because they are the estate's current settings (a round
    /// copies what it needs into its own first event when it starts).
    pub(crate) async fn load_patrols(self) {
        let (Some(store), Some(estate)) = (self.store.get_value(), self.estate()) else {
            return;
        };
        if let Ok(text) = api::get_text(&format!("/api/estates/{}/patrols", estate.id)).await
            && let Some(plan) = parse::<anju_shared::patrol::PatrolPlan>(Some(text.clone()))
        {
            let _ = store.set_meta_text(&patrols_key(&estate.id), &text).await;
            self.patrols.set(Some(plan));
        }
    }

    async fn refresh_counts(self, store: &Store, estate: &str) {
        let pending = store.outbox(estate).await.map(|o| o.len()).ok();
        let rejected = store.rejected(estate).await.unwrap_or_default();
        let last_sync = store.last_sync(estate).await.ok().flatten();
        self.state.update(|s| {
            if let Some(p) = pending {
                s.pending = p;
            }
            s.rejected = rejected.len();
            s.last_sync = s.last_sync.max(last_sync);
        });
        self.rejected.set(rejected);
    }

    /// Records a local action as an event (one strict transaction), shows it at once, and
    /// starts a sync to send it.
    pub(crate) async fn record(self, order_id: &str, body: EventBody) -> Result<(), StoreError> {
        // A visit names its household, everything else here its order.
        self.record_about(Subject::legacy(order_id, &body), body)
            .await
    }

    /// Records a local action about any subject (an order, a household, a patrol round).
    pub(crate) async fn record_about(
        self,
        subject: Subject,
        body: EventBody,
    ) -> Result<(), StoreError> {
        let (Some(store), Some(me), Some(estate)) = (
            self.store.get_value(),
            self.me.get_untracked(),
            self.estate(),
        ) else {
            return Err("not ready".into());
        };
        let role = Role::parse(&me.role).ok_or("role: unknown")?;
        let device_id = store.device_id.clone();
        let now_ms = clock::now_ms();
        // The checks that need the estate's rules, as the server runs them (D-7).
        let rules = estate.rules().ok();
        let known = Known {
            households: self.households.get_untracked(),
            staff: self.staff.get_untracked(),
            site: self.site.get_untracked(),
            patrols: self.patrols.get_untracked(),
        };
        let event = store
            .record(
                Action {
                    estate: &estate.id,
                    actor: &me.id,
                    offset: clock::parse_offset(&estate.utc_offset),
                    subject,
                    body,
                    now_ms,
                },
                |event| {
                    let pusher = arrival::Pusher {
                        device_id: &device_id,
                        actor: &me.id,
                        role,
                    };
                    arrival::check(event, &pusher, now_ms, &known)
                        .and_then(|()| match &rules {
                            Some((policy, calendar)) => {
                                match anju_shared::callback::refusal(policy, calendar, event) {
                                    Some(r) => Err(r),
                                    None => Ok(()),
                                }
                            }
                            None => Ok(()),
                        })
                        .map_err(|r| r.message(crate::i18n::current()))
                },
            )
            .await?;
        self.events.update(|v| v.push(event));
        self.state.update(|s| s.pending += 1);
        self.sync_now();
        Ok(())
    }

    /// Records a report the desk registered for a caller (by phone, at the counter, …): the
    /// caller's full number is kept beside the outbox, apart from the event (which carries it
    /// masked), and sent with the report.
    pub(crate) async fn record_report(
        self,
        order_id: &str,
        reported: anju_shared::order::Reported,
        contact: Option<Contact>,
    ) -> Result<(), StoreError> {
        if let (Some(store), Some(c)) = (self.store.get_value(), &contact) {
            let text = serde_json::to_string(c).map_err(|_| "contact: cannot be written")?;
            store.set_meta_text(&contact_key(order_id), &text).await?;
        }
        let result = self.record(order_id, EventBody::Reported(reported)).await;
        if result.is_err()
            && let Some(store) = self.store.get_value()
        {
            let _ = store.delete_meta(&contact_key(order_id)).await;
        }
        result
    }

    /// Starts a run now, or right after the one under way.
    pub(crate) fn sync_now(self) {
        if self.phase.get_untracked() != Phase::Ready {
            return;
        }
        if self.state.get_untracked().syncing {
            self.again.set_value(true);
            return;
        }
        self.state.update(|s| s.syncing = true);
        spawn_local(async move {
            loop {
                self.again.set_value(false);
                let result = self.run().await;
                let now = clock::now_ms();
                let stop = result.is_err();
                self.state.update(|s| match result {
                    Ok(()) => {
                        // The run reached the server, but the browser may have gone offline
                        // while it was under way: the badge says what holds now.
                        s.online = navigator_online();
                        s.failed = false;
                        s.last_sync = Some(now);
                    }
                    Err(Failure::Offline) => s.online = false,
                    Err(Failure::Session) => s.online = true,
                    Err(Failure::Other) => s.failed = true,
                });
                if stop || !self.again.get_value() {
                    break;
                }
            }
            self.state.update(|s| s.syncing = false);
        });
    }

    /// One run: push and pull until the outbox is empty and nothing is left to pull. What it
    /// takes in is stored page by page (each page one transaction), but shown once, at the
    /// end of the run (or when it stops): folding and drawing every order again for each page
    /// of a tablet's first sync would cost more than the sync itself. The badge counts the
    /// events meanwhile.
    async fn run(self) -> Result<(), Failure> {
        if !navigator_online() {
            return Err(Failure::Offline);
        }
        let mut changed = Vec::new();
        let mut refused = Vec::new();
        self.state.update(|s| s.received = 0);
        let began_in = self.estate().map(|e| e.id);
        let mut references = Vec::new();
        let result = self
            .rounds(&mut changed, &mut refused, &mut references)
            .await;
        // Another estate picked meanwhile: what came in is stored, and shown when it is
        // picked again, not in the new one's list.
        let still = self.estate().map(|e| e.id) == began_in;
        if still && !references.is_empty() {
            self.references.update(|m| {
                m.extend(references.into_iter().map(|r| (r.order_id, r.reference)));
            });
        }
        if still && (!changed.is_empty() || !refused.is_empty()) {
            self.events.update(|v| {
                v.retain(|e| !refused.contains(&e.id));
                merge(v, changed);
            });
        }
        result
    }

    async fn rounds(
        self,
        changed: &mut Vec<Event>,
        refused: &mut Vec<String>,
        references: &mut Vec<OrderReference>,
    ) -> Result<(), Failure> {
        let (Some(store), Some(me), Some(estate)) = (
            self.store.get_value(),
            self.me.get_untracked(),
            self.estate(),
        ) else {
            return Ok(());
        };
        // The photos first: the events pushed next may name them.
        self.send_photos(&store, &me).await?;
        self.rounds_of(&store, &me, &estate.id, changed, refused, references)
            .await?;
        self.refresh_counts(&store, &estate.id).await;
        // What was recorded in the user's other estates (before a switch, offline) goes out
        // too; what comes back is kept for when they are picked again.
        for other in store.estates_with_outbox(&me.id).await? {
            if other != estate.id && me.estates.iter().any(|e| e.id == other) {
                let (mut c, mut r, mut n) = (Vec::new(), Vec::new(), Vec::new());
                self.rounds_of(&store, &me, &other, &mut c, &mut r, &mut n)
                    .await?;
            }
        }
        Ok(())
    }

    /// Push and pull rounds for one estate.
    async fn rounds_of(
        self,
        store: &Store,
        me: &Me,
        estate_id: &str,
        changed: &mut Vec<Event>,
        refused: &mut Vec<String>,
        references: &mut Vec<OrderReference>,
    ) -> Result<(), Failure> {
        let shown = self.estate().is_some_and(|e| e.id == estate_id);
        for _ in 0..MAX_ROUNDS {
            // Only this user's events: another user's (logged in earlier on this tablet)
            // wait for them, rather than being refused as someone else's.
            let mut push: Vec<Event> = store
                .outbox(estate_id)
                .await?
                .into_iter()
                .filter(|e| e.actor == me.id)
                .take(PUSH_BATCH)
                .collect();
            let mut full = push.len() == PUSH_BATCH;
            // An event naming a photo taken after this run's uploads (the photo is still
            // queued) waits, with those after it, for the next run, which uploads it first:
            // sent now, the server would refuse it for a photo it does not have.
            // Read only when the push names a photo: the queue holds the photos' bytes, and
            // most pushes (and every pull-only round) name none.
            let waiting: Vec<String> = if push.iter().any(|e| !e.body.photos().is_empty()) {
                store
                    .queued_photos(&me.id)
                    .await?
                    .into_iter()
                    .filter(|p| p.refused.is_none() && p.estate == estate_id)
                    .map(|p| p.hash)
                    .collect()
            } else {
                Vec::new()
            };
            if let Some(cut) = push.iter().position(|e| {
                e.body
                    .photos()
                    .iter()
                    .any(|h| waiting.iter().any(|w| w == h))
            }) {
                push.truncate(cut);
                full = false;
                self.again.set_value(true);
            }
            // A report the desk registered for a caller carries their full number beside it
            // (kept on the device only until the server has it).
            let mut contacts = Vec::new();
            for e in &push {
                if matches!(e.body, EventBody::Reported(_))
                    && let Some(text) = store.meta_text(&contact_key(e.order_id())).await?
                    && let Ok(c) = serde_json::from_str::<Contact>(&text)
                {
                    contacts.push(c);
                }
            }
            let request = SyncRequest {
                device_id: store.device_id.clone(),
                estate_id: estate_id.to_string(),
                push,
                cursor: store.cursor(estate_id).await?,
                limit: None,
                contacts,
            };
            // The device's clock goes with each sync: scans from a clock far off are flagged.
            let answer = match api::post_timed::<_, SyncResponse>(
                "/api/sync",
                &request,
                anju_shared::sync::DEVICE_TIME_HEADER,
                &clock::now_ms().to_string(),
            )
            .await
            {
                Ok(a) => a,
                Err(ApiFailure::Status(401, _)) => {
                    self.session_lost.set(true);
                    return Err(Failure::Session);
                }
                Err(e) => return Err(e.into()),
            };
            let (new, no) = store
                .apply(estate_id, &request.push, &answer, clock::now_ms())
                .await?;
            // Stored or refused, the number has done its work: it leaves the device.
            for c in &request.contacts {
                store.delete_meta(&contact_key(&c.order_id)).await?;
            }
            changed.extend(new);
            refused.extend(no);
            references.extend(answer.references);
            if shown {
                self.state.update(|s| s.received += answer.events.len());
                self.refresh_counts(store, estate_id).await;
            }
            if !full && !answer.more {
                break;
            }
        }
        Ok(())
    }
}

/// What `actor` made on this device that the server does not have yet: events in every
/// estate's outbox, and photos waiting for their upload.
async fn unsent(store: &Store, actor: &str) -> (usize, usize) {
    let mut events = 0;
    for estate in store.estates_with_outbox(actor).await.unwrap_or_default() {
        events += store
            .outbox(&estate)
            .await
            .map(|o| o.iter().filter(|e| e.actor == actor).count())
            .unwrap_or(0);
    }
    let photos = store
        .queued_photos(actor)
        .await
        .map(|q| q.iter().filter(|p| p.refused.is_none()).count())
        .unwrap_or(0);
    (events, photos)
}

/// The always-visible sync state: online or not, what waits to be sent, when the last sync
/// was, what the server refused. `data-pending` and `data-online` carry the numbers for tests,
/// `data-events` how many events the device holds (for `cargo xtask bench sync`, which waits
/// for the whole estate to have arrived).
#[component]
pub(crate) fn SyncBadge() -> impl IntoView {
    let engine = use_engine();
    let lang = use_lang();
    let text = crate::lean::text(move || {
        let s = engine.state.get();
        let zh = lang.get() == anju_shared::lang::Lang::Zh;
        let mut t = String::from(match (s.online, zh) {
            (true, true) => "在线",
            (true, false) => "Online",
            (false, true) => "离线",
            (false, false) => "Offline",
        });
        if zh {
            t += &format!(" · 待发送 {}", s.pending);
        } else {
            t += &format!(" · {} to send", s.pending);
        }
        let last = s.last_sync.map_or_else(|| "—".into(), clock::time_of_day);
        if zh {
            t += &format!(" · 上次同步 {last}");
        } else {
            t += &format!(" · last sync {last}");
        }
        if s.photos > 0 {
            if zh {
                t += &format!(" · 照片待传 {}", s.photos);
            } else {
                t += &format!(" · {} photos to upload", s.photos);
            }
        }
        if s.photos_refused > 0 {
            if zh {
                t += &format!(" · 照片被拒 {}", s.photos_refused);
            } else {
                t += &format!(" · {} photos refused", s.photos_refused);
            }
        }
        if s.rejected > 0 {
            if zh {
                t += &format!(" · 被拒 {}", s.rejected);
            } else {
                t += &format!(" · {} refused", s.rejected);
            }
        }
        if s.syncing {
            t += if zh {
                " · 同步中…"
            } else {
                " · syncing…"
            };
            if s.received > 0 {
                if zh {
                    t += &format!("已接收 {} 条", s.received);
                } else {
                    t += &format!(" {} received", s.received);
                }
            }
        } else if s.failed {
            t += if zh {
                " · 同步失败"
            } else {
                " · sync failed"
            };
        }
        t
    });
    let class = Signal::derive(move || {
        let s = engine.state.get();
        if !s.online {
            "sync offline"
        } else if s.pending > 0 || s.photos > 0 || s.failed || s.rejected > 0 {
            "sync pending"
        } else {
            "sync"
        }
    });
    view! {
        <span
            class=class
            data-testid="sync-state"
            role="status"
            data-pending=crate::lean::text(move || engine.state.get().pending.to_string())
            data-photos=crate::lean::text(move || engine.state.get().photos.to_string())
            data-online=crate::lean::text(move || engine.state.get().online.to_string())
            data-events=crate::lean::text(move || engine.events.with(Vec::len).to_string())
        >
            {text}
        </span>
    }
}

/// What the tablet knows of its estate, for the arrival check before it records: a list not
/// (yet) fetched answers "cannot tell", and the server decides.
struct Known {
    households: Vec<Household>,
    staff: Vec<Colleague>,
    site: Option<Site>,
    patrols: Option<anju_shared::patrol::PatrolPlan>,
}

impl arrival::Lookup for Known {
    fn household(&self, id: &str) -> Option<bool> {
        (!self.households.is_empty()).then(|| self.households.iter().any(|h| h.id == id))
    }
    fn unit(&self, building: &str, unit: &str) -> Option<bool> {
        let site = self.site.as_ref()?;
        Some(
            site.buildings
                .iter()
                .any(|b| b.id == building && b.units.iter().any(|u| u.id == unit)),
        )
    }
    fn staff(&self, id: &str) -> Option<bool> {
        (!self.staff.is_empty()).then(|| self.staff.iter().any(|c| c.id == id))
    }
    /// Offline, a code is matched to its checkpoint by digest only: the signature is the
    /// server's to judge at sync.
    fn code(&self, checkpoint_id: &str, token: &str) -> Option<Result<(), arrival::Refusal>> {
        let plan = self.patrols.as_ref()?;
        let wanted = plan.checkpoint(checkpoint_id)?;
        (wanted.digest != anju_shared::patrol::digest(token)).then(|| {
            Err(arrival::Refusal::new(
                "token",
                "not this checkpoint's current code (another estate's, another checkpoint's, forged or reprinted)",
                "不是该巡查点当前的巡查码(其他小区、其他点位、伪造或已重新打印)",
            ))
        })
    }
}

/// Where a registered report's contact waits on the device until it is sent.
fn contact_key(order_id: &str) -> String {
    format!("contact:{order_id}")
}
