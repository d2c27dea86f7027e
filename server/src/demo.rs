//! A year of generated history for the demo company's other estates, so a newcomer's first
//! start shows the manager's views, the escalation ladder and the complaint grading with
//! something in them: orders across the 14 categories and the channels with realistic timing
//! (most on time, some late, some reopened after a poor callback, a few still open and
//! climbing the ladder), clusters of complaints about one issue in one building (hotspots),
//! and household visits covering part of the current round. Deterministic: the same seed and
//! the same day give the same history; the server's clock then records the escalations and
//! severity rises the history makes due, as it would have at the time.

use anju_shared::classify;
use anju_shared::hlc::Clock;
use anju_shared::model::{Category, Validity};
use anju_shared::order::{Assessment, Event, EventBody, Reported};
use anju_shared::report::mask_phone;
use chrono::{DateTime, Duration, FixedOffset, Timelike};

use crate::db::NewOrder;

type Time = DateTime<FixedOffset>;

/// A household the history may come from.
#[derive(Debug, Clone)]
pub struct Home {
    pub household_id: String,
    pub building_id: String,
    pub building_number: i64,
    pub unit_id: String,
    /// 「3栋2单元1201」
    pub location: String,
}

/// The estate's staff who appear in its history.
pub struct Crew<'a> {
    pub desk: &'a str,
    pub caretaker: &'a str,
    pub technician: &'a str,
}

/// What one estate's year holds: orders with their events, and visits (events about no order).
pub struct History {
    pub orders: Vec<(NewOrder, Vec<Event>)>,
    pub visits: Vec<Event>,
}

/// Report texts by category, `{b}` standing for the building's number. Written as residents
/// write them; the classifier's suggestion is kept as it would be, and the desk's
/// classification recorded where it differs.
const TEXTS: [(Category, u32, &[&str]); 14] = [
    (
        Category::Repair,
        34,
        &[
            "{b}栋家里厨房水龙头一直滴水,关不紧",
            "卫生间下水道堵了,水下不去",
            "{b}栋楼道灯坏了,晚上很黑",
            "家里客厅插座没电了,麻烦派师傅来看看",
            "阳台窗户关不上,把手坏了",
            "热水器打不着火,请维修",
            "入户门锁芯坏了,钥匙拧不动",
            "{b}栋楼上渗水到我家卫生间天花板",
        ],
    ),
    (
        Category::Complaint,
        10,
        &[
            "投诉{b}栋楼下装修噪音太大,中午都不停",
            "保洁好几天没来清理我们单元的垃圾,投诉",
            "投诉维修师傅上门态度很差,约好的时间也不来",
            "对物业处理漏水的速度很不满意,投诉",
        ],
    ),
    (
        Category::Renovation,
        4,
        &[
            "我家准备装修,想问一下装修要办什么手续",
            "邻居装修把建筑垃圾堆在楼道里",
        ],
    ),
    (
        Category::Security,
        4,
        &["{b}栋单元门禁坏了,谁都能进来", "晚上小区东门没有保安值班"],
    ),
    (
        Category::Vehicles,
        5,
        &["我的车位被别人的车占了", "地下车库有车辆乱停堵住通道"],
    ),
    (
        Category::Equipment,
        8,
        &[
            "{b}栋电梯按钮失灵,按了不亮",
            "小区健身器材坏了一个,有安全隐患",
            "{b}栋单元门禁读卡器坏了",
        ],
    ),
    (
        Category::Environment,
        10,
        &[
            "{b}栋门口的垃圾桶满了没人清理",
            "小区绿化带杂草很多,该修剪了",
            "楼道里有很多小广告",
        ],
    ),
    (
        Category::Staff,
        2,
        &[
            "门岗保安上班时间玩手机",
            "表扬一下也想提个意见,管家回复太慢",
        ],
    ),
    (
        Category::CommunityBusiness,
        2,
        &["小区里的快递柜收费太贵了", "想咨询小区能不能开个便利店"],
    ),
    (
        Category::Suggestion,
        3,
        &[
            "建议在{b}栋门口加装一个雨棚",
            "建议小区增加几个电动车充电桩",
        ],
    ),
    (
        Category::Praise,
        3,
        &["感谢维修师傅,水管修得又快又好", "表扬管家小李,服务很热情"],
    ),
    (
        Category::Consultation,
        8,
        &[
            "请问物业费怎么交,可以微信缴费吗",
            "请问小区停水通知是哪天",
            "想咨询一下车位月卡怎么办理",
        ],
    ),
    (
        Category::SpecialService,
        3,
        &[
            "想请师傅上门帮忙安装一个吊灯,收费多少",
            "家里空调需要清洗,物业可以上门吗",
        ],
    ),
    (
        Category::Other,
        2,
        &["捡到一个钱包,放在服务中心了", "请问小区可以寄存行李吗"],
    ),
];

/// Issues several households complain about within days: each makes a hotspot (C-5).
const CLUSTERS: [&str; 3] = [
    "投诉{b}栋地下室漏水严重,说了好几次都没人处理",
    "投诉{b}栋电梯经常坏,已经困过人了,物业不管",
    "投诉{b}栋楼下餐馆油烟太大,窗户都不敢开",
];

/// Channels and their weights: most reports come by phone or the desk's hotline.
const CHANNELS: [(&str, u32); 8] = [
    ("phone", 30),
    ("hotline", 15),
    ("web_form", 25),
    ("walk_in", 12),
    ("patrol", 8),
    ("visit", 5),
    ("hotline_400", 3),
    ("email", 2),
];

/// The callback score's spread: mostly satisfied, a few poor ones that reopen the order.
const SCORES: [(u8, u32); 5] = [(5, 55), (4, 28), (3, 9), (2, 5), (1, 3)];

/// splitmix64: tiny, fast and the same everywhere, so the same seed gives the same demo
/// (site and year) on every machine.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(lo + self.below((hi - lo).max(1) as u64) as i64)
    }
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut at = self.below(u64::from(total)) as u32;
        for (item, w) in items {
            if at < *w {
                return *item;
            }
            at -= w;
        }
        items[0].0
    }
}

/// Something that happened, before it is stamped by its device.
struct Happening {
    at: Time,
    order_id: String,
    actor: String,
    device: String,
    body: EventBody,
}

/// The year up to `now` of an estate with these homes and this crew.
pub fn history(estate_slug: &str, homes: &[Home], crew: &Crew, now: Time, seed: u64) -> History {
    let mut rng = Rng(seed);
    let start = now - Duration::days(365);
    let mut happened: Vec<Happening> = Vec::new();
    let mut orders: Vec<(NewOrder, Time)> = Vec::new();
    let desk_device = format!("demo-desk-{estate_slug}");
    let field_device = format!("demo-tablet-{estate_slug}");
    let tech_device = format!("demo-phone-{estate_slug}");

    // About one and a half reports a day, more on weekends' evenings than at night.
    let mut n = 0usize;
    let mut day = start;
    while day < now {
        let reports = rng.below(4);
        for _ in 0..reports {
            let at = day.with_hour(0).unwrap_or(day) + Duration::hours(7) + rng.minutes(0, 15 * 60);
            if at >= now {
                continue;
            }
            let (category, _, texts) = TEXTS[rng.weighted(
                &TEXTS
                    .iter()
                    .enumerate()
                    .map(|(i, (_, w, _))| (i, *w))
                    .collect::<Vec<_>>(),
            )];
            let text = texts[rng.below(texts.len() as u64) as usize];
            let home = &homes[rng.below(homes.len() as u64) as usize];
            let channel = rng.weighted(&CHANNELS);
            n += 1;
            one_order(
                &mut rng,
                &mut happened,
                &mut orders,
                OrderSeed {
                    estate_slug,
                    n,
                    at,
                    category,
                    text,
                    home,
                    channel,
                    now,
                },
                crew,
                (&desk_device, &field_device, &tech_device),
            );
        }
        day += Duration::days(1);
    }
    // Hotspots: one issue, one building, four households within three weeks.
    for (i, text) in CLUSTERS.iter().enumerate() {
        let first = now - Duration::days(20 + 90 * i as i64) - rng.minutes(0, 24 * 60);
        let building = homes[rng.below(homes.len() as u64) as usize].building_number;
        let around: Vec<&Home> = homes
            .iter()
            .filter(|h| h.building_number == building)
            .collect();
        for k in 0..4 {
            let home = around[rng.below(around.len() as u64) as usize];
            let at = first + Duration::days(k * 5) + rng.minutes(0, 600);
            n += 1;
            one_order(
                &mut rng,
                &mut happened,
                &mut orders,
                OrderSeed {
                    estate_slug,
                    n,
                    at,
                    category: Category::Complaint,
                    text,
                    home,
                    channel: if k % 2 == 0 { "phone" } else { "web_form" },
                    now,
                },
                crew,
                (&desk_device, &field_device, &tech_device),
            );
        }
    }

    // Visits: the caretaker reaches part of the households each half-year, a few more than
    // once; by phone, at the door or met outdoors.
    let half = now - Duration::days(182);
    for home in homes {
        for (from, share) in [(start, 70), (half, 55)] {
            if rng.chance(share) {
                // In working hours, and never after `now` (the hour moves within the day).
                let at = from + rng.minutes(0, 180 * 24 * 60);
                let at = at.with_hour(9 + rng.below(9) as u32).unwrap_or(at);
                if at >= now {
                    continue;
                }
                let method = ["door", "phone", "door", "outdoor"][rng.below(4) as usize];
                happened.push(Happening {
                    at,
                    order_id: String::new(),
                    actor: crew.caretaker.into(),
                    device: field_device.clone(),
                    body: EventBody::Visited {
                        household_id: home.household_id.clone(),
                        method: method.into(),
                        note: String::new(),
                        not_home: false,
                    },
                });
            }
        }
    }

    let events = stamp(happened, estate_slug);
    let mut by_order: std::collections::HashMap<String, Vec<Event>> =
        std::collections::HashMap::new();
    let mut visits = Vec::new();
    for e in events {
        if e.order_id().is_empty() {
            visits.push(e);
        } else {
            by_order
                .entry(e.order_id().to_string())
                .or_default()
                .push(e);
        }
    }
    History {
        orders: orders
            .into_iter()
            .map(|(o, _)| {
                let events = by_order.remove(&o.id).unwrap_or_default();
                (o, events)
            })
            .collect(),
        visits,
    }
}

struct OrderSeed<'a> {
    estate_slug: &'a str,
    n: usize,
    at: Time,
    category: Category,
    text: &'a str,
    home: &'a Home,
    channel: &'a str,
    now: Time,
}

/// One order's life: reported, classified where the suggestion is wrong, dispatched,
/// arrived, completed, called back (a poor score sends it back), closed — each step cut off
/// at `now`, and with realistic delays, some late.
fn one_order(
    rng: &mut Rng,
    happened: &mut Vec<Happening>,
    orders: &mut Vec<(NewOrder, Time)>,
    s: OrderSeed,
    crew: &Crew,
    (desk_device, field_device, tech_device): (&str, &str, &str),
) {
    let order_id = format!("demo-{}-{:05}", s.estate_slug, s.n);
    let text = s.text.replace("{b}", &s.home.building_number.to_string());
    let suggestion = classify::classify(&text);
    let phone = format!("13{:09}", rng.below(1_000_000_000));
    let resident_form = s.channel == "web_form";
    let (reporter, reporter_device) = if resident_form {
        ("resident".to_string(), format!("form-{order_id}"))
    } else {
        (crew.desk.to_string(), desk_device.to_string())
    };
    let mut push = |at: Time, actor: &str, device: &str, body: EventBody| {
        if at < s.now {
            happened.push(Happening {
                at,
                order_id: order_id.clone(),
                actor: actor.into(),
                device: device.into(),
                body,
            });
        }
    };
    push(
        s.at,
        &reporter,
        &reporter_device,
        EventBody::Reported(Reported {
            place: suggestion
                .place
                .clone()
                .or_else(|| Some(format!("B{}", s.home.building_number))),
            text: text.clone(),
            channel: s.channel.into(),
            category: resident_form.then_some(s.category),
            suggested: suggestion.category,
            urgent: suggestion.urgent,
            topic: suggestion.topic.clone(),
            building_id: s.home.building_id.clone(),
            unit_id: s.home.unit_id.clone(),
            location: s.home.location.clone(),
            phone_masked: mask_phone(&phone),
        }),
    );
    orders.push((
        NewOrder {
            id: order_id.clone(),
            estate_id: String::new(),
            tracking_hash: format!("demo:{order_id}"),
            reported_ms: s.at.timestamp_millis(),
            contact_name: String::new(),
            contact_phone: phone,
            notice_version: "demo".into(),
        },
        s.at,
    ));

    let mut t = s.at + rng.minutes(2, 20);
    if suggestion.category != s.category {
        push(
            t,
            crew.desk,
            desk_device,
            EventBody::Classified {
                category: s.category,
                urgent: None,
            },
        );
    }
    if s.category == Category::Complaint {
        let validity = if rng.chance(80) {
            Validity::Valid
        } else {
            Validity::Venting
        };
        push(
            t,
            crew.desk,
            desk_device,
            EventBody::Assessed(Assessment {
                validity: Some(validity),
                reporter: Some(s.home.household_id.clone()),
                ..Assessment::default()
            }),
        );
    }
    // A few orders stay open however old: they climb the ladder.
    let stuck = rng.chance(2);
    // The last days' reports are still being worked on.
    let recent = s.now - s.at < Duration::days(4);
    let worker = if matches!(s.category, Category::Repair | Category::Equipment) {
        (crew.technician, tech_device)
    } else {
        (crew.caretaker, field_device)
    };
    t += rng.minutes(1, 15);
    push(
        t,
        crew.desk,
        desk_device,
        EventBody::Dispatched {
            to: Some(worker.0.to_string()),
        },
    );
    if recent && rng.chance(40) {
        return;
    }
    // Usually within the half hour; one in ten late.
    t += if rng.chance(90) {
        rng.minutes(5, 28)
    } else {
        rng.minutes(40, 6 * 60)
    };
    push(t, worker.0, worker.1, EventBody::Responded);
    // A special service is paid: the resident agrees its price on arrival, from the
    // estate's list (`seed::DEMO_PRICES`), so the month's billing statement has lines. The
    // hours come from the clock, not the generator, so the rest of the year stays as it was.
    if s.category == Category::SpecialService {
        let hours = 2 + i64::from(t.minute() % 3);
        push(
            t + Duration::minutes(5),
            worker.0,
            worker.1,
            EventBody::Quoted {
                items: vec![anju_shared::price::QuoteLine {
                    item: "S01".into(),
                    quantity: hours,
                    price_fen: 5000,
                }],
                total_fen: hours * 5000,
            },
        );
    }
    if stuck || (recent && rng.chance(50)) {
        return;
    }
    let mut rounds = 0;
    loop {
        rounds += 1;
        t += if rng.chance(88) {
            rng.minutes(30, 20 * 60)
        } else {
            rng.minutes(30 * 60, 6 * 24 * 60)
        };
        push(t, worker.0, worker.1, EventBody::Completed);
        if matches!(
            s.category,
            Category::Consultation | Category::Praise | Category::Suggestion | Category::Other
        ) {
            break;
        }
        // The callback in the afternoon after (inside the allowed hours).
        t += rng.minutes(60, 26 * 60);
        let t_local = t.with_hour(15).unwrap_or(t);
        t = t_local.max(t);
        let score = rng.weighted(&SCORES);
        push(t, crew.desk, desk_device, EventBody::callback(score));
        if score > 2 || rounds > 1 {
            break;
        }
        t += rng.minutes(5, 60);
        push(
            t,
            crew.desk,
            desk_device,
            EventBody::Reopened {
                reason: "回访不满意,重新处理".into(),
            },
        );
        t += rng.minutes(60, 8 * 60);
        push(t, worker.0, worker.1, EventBody::Responded);
    }
    t += rng.minutes(10, 120);
    push(t, crew.desk, desk_device, EventBody::Closed);
}

/// Stamps what happened as each device would: in time order per device, `device_seq` 1, 2,
/// 3, … and a hybrid clock following the time; ids unique and stable.
fn stamp(mut happened: Vec<Happening>, estate_slug: &str) -> Vec<Event> {
    happened.sort_by(|a, b| a.device.cmp(&b.device).then(a.at.cmp(&b.at)));
    let mut out = Vec::with_capacity(happened.len());
    let mut clock = Clock::default();
    let mut seq = 0u64;
    let mut device = String::new();
    for (i, h) in happened.into_iter().enumerate() {
        if h.device != device {
            device = h.device.clone();
            clock = Clock::default();
            seq = 0;
        }
        seq += 1;
        let ms = u64::try_from(h.at.timestamp_millis()).unwrap_or(0);
        out.push(Event {
            id: format!("demo-{estate_slug}-e{i:06}"),
            subject: anju_shared::subject::Subject::legacy(&h.order_id, &h.body),
            device_id: h.device,
            device_seq: seq,
            hlc: clock.tick(ms),
            actor: h.actor,
            at: h.at,
            body: h.body,
            seq: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anju_shared::order::{Status, fold};

    fn homes() -> Vec<Home> {
        (1..=4)
            .flat_map(|b| {
                (1..=20).map(move |r| Home {
                    household_id: format!("h-{b}-{r}"),
                    building_id: format!("b-{b}"),
                    building_number: b,
                    unit_id: format!("b-{b}-u1"),
                    location: format!("{b}栋1单元{r}01"),
                })
            })
            .collect()
    }

    fn now() -> Time {
        DateTime::parse_from_rfc3339("2026-12-07T10:00:00+08:00").expect("time")
    }

    const CREW: Crew = Crew {
        desk: "stf-d",
        caretaker: "stf-c",
        technician: "stf-t",
    };

    #[test]
    fn the_same_seed_gives_the_same_year() {
        let a = history("x", &homes(), &CREW, now(), 7);
        let b = history("x", &homes(), &CREW, now(), 7);
        assert_eq!(a.orders.len(), b.orders.len());
        assert_eq!(a.visits, b.visits);
        assert!(a.orders.iter().zip(&b.orders).all(|(x, y)| x.1 == y.1));
    }

    #[test]
    fn a_year_has_hundreds_of_orders_that_fold_in_every_state() {
        let h = history("x", &homes(), &CREW, now(), 7);
        assert!((300..900).contains(&h.orders.len()), "{}", h.orders.len());
        let states: Vec<_> = h
            .orders
            .iter()
            .map(|(o, events)| fold(&o.id, events).expect("folds"))
            .collect();
        assert!(states.iter().all(|s| s.conflicts.is_empty()));
        let closed = states.iter().filter(|s| s.status == Status::Closed).count();
        assert!(
            closed * 10 > states.len() * 7,
            "most orders are closed: {closed}"
        );
        assert!(states.iter().any(|s| s.status != Status::Closed));
        assert!(h.orders.iter().any(|(_, e)| {
            e.iter()
                .any(|e| matches!(e.body, EventBody::Reopened { .. }))
        }));
        // Every event before now, every device's counter dense from 1.
        let all: Vec<&Event> = h
            .orders
            .iter()
            .flat_map(|(_, e)| e)
            .chain(&h.visits)
            .collect();
        assert!(all.iter().all(|e| e.at < now()));
        assert!(h.visits.len() > homes().len() / 2);
    }
}
