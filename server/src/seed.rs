//! The demo company, generated deterministically in code so a fresh install can be tried at
//! once: two regions and four estates, one under each preset — 翠湖花园 (`cuihu`, cmsk, about
//! 800 households and one staff account for every role, the estate the tests work in), and
//! 滨江壹号 (crland), 枫林苑 (cgy) and 海棠湾 (kwy) with their own desk, caretaker and
//! technician — each with its site plan, building footprints and households with residents.
//! `seed_demo_history` then gives the three others a year of history (`demo.rs`), so the
//! manager's views, the ladder and the grading have something to show; the area managers see
//! their region's estates, the quality centre all four.

use anyhow::Context;

use crate::auth::{Role, hash_password};
use crate::db::Db;
use crate::demo::Rng;

/// The password of every demo account, printed at start.
pub const DEMO_PASSWORD: &str = "anju-demo-2026";
pub const DEMO_ESTATE_SLUG: &str = "cuihu";
pub const DEMO_ESTATE_ID: &str = "est-cuihu";
const COMPANY_ID: &str = "co-anju";
const REGION_ID: &str = "rg-south";

/// The regions: (id, name).
const REGIONS: [(&str, &str); 2] = [(REGION_ID, "华南区域"), ("rg-east", "华东区域")];

/// An estate of the demo beside 翠湖花园: where, under which preset, its buildings as
/// (units, floors, households per floor and unit), and its crew (username, name, role).
struct OtherEstate {
    slug: &'static str,
    name: &'static str,
    preset: &'static str,
    region: &'static str,
    buildings: &'static [(i64, i64, i64)],
    crew: [(&'static str, &'static str, Role); 3],
}

const OTHER_ESTATES: [OtherEstate; 3] = [
    OtherEstate {
        slug: "binjiang",
        name: "滨江壹号",
        preset: "crland",
        region: REGION_ID,
        buildings: &[
            (2, 18, 2),
            (2, 18, 2),
            (2, 24, 2),
            (2, 24, 2),
            (2, 18, 2),
            (2, 11, 2),
        ],
        crew: [
            ("bj-desk", "何丽", Role::FrontDesk),
            ("bj-guanjia", "马超", Role::Caretaker),
            ("bj-tech", "高磊", Role::Technician),
        ],
    },
    OtherEstate {
        slug: "fenglin",
        name: "枫林苑",
        preset: "cgy",
        region: "rg-east",
        buildings: &[
            (3, 6, 2),
            (3, 6, 2),
            (3, 6, 2),
            (2, 6, 2),
            (2, 6, 2),
            (3, 7, 2),
            (3, 7, 2),
        ],
        crew: [
            ("fl-desk", "罗娟", Role::FrontDesk),
            ("fl-guanjia", "梁军", Role::Caretaker),
            ("fl-tech", "宋刚", Role::Technician),
        ],
    },
    OtherEstate {
        slug: "haitang",
        name: "海棠湾",
        preset: "kwy",
        region: "rg-east",
        buildings: &[
            (2, 11, 2),
            (2, 11, 2),
            (2, 11, 2),
            (2, 11, 2),
            (2, 9, 2),
            (2, 9, 2),
        ],
        crew: [
            ("ht-desk", "谢红", Role::FrontDesk),
            ("ht-guanjia", "胡明", Role::Caretaker),
            ("ht-tech", "郭平", Role::Technician),
        ],
    },
];

/// The east region's area manager (the south's is in `DEMO_STAFF`).
const EAST_AREA_MANAGER: (&str, &str, Role) = ("area-east", "林涛", Role::AreaManager);

/// Buildings as (units, floors, households per floor and unit): low-rise at the lake, towers
/// at the back, about 800 households in all.
const BUILDINGS: [(i64, i64, i64); 12] = [
    (2, 6, 2),
    (2, 6, 2),
    (3, 9, 2),
    (3, 7, 2),
    (2, 11, 2),
    (2, 11, 2),
    (3, 11, 2),
    (2, 18, 2),
    (2, 18, 2),
    (2, 26, 2),
    (2, 33, 2),
    (4, 7, 4),
];

/// The demo staff: (username, display name, role).
pub const DEMO_STAFF: [(&str, &str, Role); 10] = [
    ("desk", "王静", Role::FrontDesk),
    ("guanjia1", "李明", Role::Caretaker),
    ("guanjia2", "陈芳", Role::Caretaker),
    ("tech1", "张强", Role::Technician),
    ("dept", "刘洋", Role::DeptSupervisor),
    ("cs", "赵丽", Role::CsSupervisor),
    ("pm", "孙伟", Role::ProjectManager),
    ("area", "周杰", Role::AreaManager),
    ("quality", "吴敏", Role::QualityCentre),
    ("admin", "郑涛", Role::Admin),
];

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 32] = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "玉兰", "红", "志强",
    "海燕", "晓东", "思远",
];
const PHONE_PREFIXES: [&str; 12] = [
    "130", "133", "135", "136", "137", "138", "139", "150", "152", "158", "186", "189",
];

/// The footprint of building `i` on the site plan (metres): three rows of four slabs,
/// each unit 18 m wide and 13 m deep, 30 m apart.
fn footprint(i: usize, units: i64) -> serde_json::Value {
    let (row, col) = (i / 4, i % 4);
    let x = 20.0 + col as f64 * 90.0;
    let y = 20.0 + row as f64 * 60.0;
    let w = 18.0 * units as f64;
    let d = 13.0;
    serde_json::json!([[x, y], [x + w, y], [x + w, y + d], [x, y + d]])
}

/// Every demo estate's price list for paid work and special services (000 4.4.3): code,
/// service, unit, price in fen, notes. The demo history quotes `S01` on its special services.
pub const DEMO_PRICES: [(&str, &str, &str, i64, &str); 6] = [
    ("S01", "上门保洁", "小时", 5000, "两小时起"),
    ("S02", "空调清洗", "台", 8000, "挂机"),
    ("S03", "油烟机清洗", "台", 12000, ""),
    ("R01", "更换水龙头", "个", 3500, "不含材料"),
    ("R02", "疏通下水管", "次", 8000, ""),
    ("R03", "更换灯具", "个", 2000, "不含灯具"),
];

/// Seeds the demo when the database has no company yet. Returns whether it seeded.
pub async fn seed_demo_if_empty(db: &Db) -> anyhow::Result<bool> {
    if !db.is_empty().await? {
        return Ok(false);
    }
    let everyone: Vec<(&str, &str, Role, Vec<&str>)> = DEMO_STAFF
        .iter()
        .map(|&(u, n, r)| (u, n, r, vec![DEMO_ESTATE_ID]))
        .chain(OTHER_ESTATES.iter().flat_map(|e| {
            e.crew
                .iter()
                .map(move |&(u, n, r)| (u, n, r, vec![estate_id_of(e.slug)]))
        }))
        .chain(std::iter::once((
            EAST_AREA_MANAGER.0,
            EAST_AREA_MANAGER.1,
            EAST_AREA_MANAGER.2,
            vec![],
        )))
        .collect();
    // One hash for every account: they share the demo password, and argon2 is slow on
    // purpose.
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO companies (id, name) VALUES ($1, $2)")
        .bind(COMPANY_ID)
        .bind("安居物业服务有限公司")
        .execute(&mut *tx)
        .await?;
    for (id, name) in REGIONS {
        sqlx::query("INSERT INTO regions (id, company_id, name) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(COMPANY_ID)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    let estates = std::iter::once((
        DEMO_ESTATE_SLUG,
        "翠湖花园",
        "cmsk",
        REGION_ID,
        &BUILDINGS[..],
    ))
    .chain(
        OTHER_ESTATES
            .iter()
            .map(|e| (e.slug, e.name, e.preset, e.region, e.buildings)),
    );
    for (n, (slug, name, preset, region, buildings)) in estates.enumerate() {
        let estate_id = estate_id_of(slug);
        sqlx::query(
            "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
        )
        .bind(estate_id)
        .bind(COMPANY_ID)
        .bind(region)
        .bind(slug)
        .bind(name)
        .bind(preset)
        .bind("+08:00")
        .execute(&mut *tx)
        .await?;
        // 翠湖花园 keeps the seed it always had, so its households are what they were.
        let seed = if n == 0 {
            0x00A1_u64 << 32 | 2026
        } else {
            0x00A1_u64 << 32 | (2026 + n as u64)
        };
        insert_site(&mut tx, estate_id, slug, buildings, &mut Rng(seed)).await?;
    }

    for (username, display, role, estates) in everyone {
        let staff_id = format!("stf-{username}");
        sqlx::query(
            "INSERT INTO staff (id, company_id, username, display_name, role, password_hash, disabled) \
             VALUES ($1, $2, $3, $4, $5, $6, 0)",
        )
        .bind(staff_id.clone())
        .bind(COMPANY_ID)
        .bind(username.to_string())
        .bind(display.to_string())
        .bind(role.as_str())
        .bind(hash.clone())
        .execute(&mut *tx)
        .await?;
        for estate in estates {
            sqlx::query("INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, $2)")
                .bind(staff_id.clone())
                .bind(estate)
                .execute(&mut *tx)
                .await?;
        }
        // An area manager answers for the whole region, estates opened later included.
        if role == Role::AreaManager {
            let region = if username == EAST_AREA_MANAGER.0 {
                "rg-east"
            } else {
                REGION_ID
            };
            sqlx::query("INSERT INTO staff_regions (staff_id, region_id) VALUES ($1, $2)")
                .bind(staff_id)
                .bind(region)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await.context("committing the demo company")?;
    Ok(true)
}

/// Gives every demo estate the demo price list ([`DEMO_PRICES`]), after the demo company was
/// seeded: apart from it, because the company's seed also builds databases of older schemas
/// in the migration tests, which have no price lists.
pub async fn seed_demo_prices(db: &Db) -> anyhow::Result<()> {
    let list = anju_shared::price::PriceList {
        items: DEMO_PRICES
            .iter()
            .map(
                |(id, service, unit, price_fen, notes)| anju_shared::price::PriceItem {
                    id: (*id).to_string(),
                    service: (*service).to_string(),
                    unit: (*unit).to_string(),
                    price_fen: *price_fen,
                    notes: (*notes).to_string(),
                },
            )
            .collect(),
    };
    anju_shared::price::check_list(&list).map_err(|r| anyhow::anyhow!("demo prices: {r}"))?;
    for (estate_id, ..) in db.company_estates(COMPANY_ID).await? {
        db.set_price_list(&estate_id, &list).await?;
    }
    Ok(())
}

/// The id of a demo estate by its slug (`est-cuihu`).
fn estate_id_of(slug: &str) -> &'static str {
    match slug {
        DEMO_ESTATE_SLUG => DEMO_ESTATE_ID,
        "binjiang" => "est-binjiang",
        "fenglin" => "est-fenglin",
        _ => "est-haitang",
    }
}

/// An estate's buildings, units, households and residents.
async fn insert_site(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    estate_id: &str,
    slug: &str,
    buildings: &[(i64, i64, i64)],
    rng: &mut Rng,
) -> anyhow::Result<()> {
    for (i, (units, floors, per_floor)) in buildings.iter().enumerate() {
        let number = i as i64 + 1;
        let building_id = format!("bld-{slug}-{number}");
        sqlx::query(
            "INSERT INTO buildings (id, estate_id, number, name, floors, footprint) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(building_id.clone())
        .bind(estate_id.to_string())
        .bind(number)
        .bind(format!("{number}栋"))
        .bind(*floors)
        .bind(footprint(i, *units).to_string())
        .execute(&mut **tx)
        .await?;
        for u in 1..=*units {
            let unit_id = format!("{building_id}-u{u}");
            sqlx::query("INSERT INTO units (id, building_id, number) VALUES ($1, $2, $3)")
                .bind(unit_id.clone())
                .bind(building_id.clone())
                .bind(u)
                .execute(&mut **tx)
                .await?;
            for floor in 1..=*floors {
                for door in 1..=*per_floor {
                    let room = format!("{floor}{door:02}");
                    let household_id = format!("{unit_id}-{room}");
                    let important = i64::from(rng.next().is_multiple_of(10));
                    sqlx::query(
                        "INSERT INTO households (id, unit_id, floor, room, important) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(household_id.clone())
                    .bind(unit_id.clone())
                    .bind(floor)
                    .bind(room)
                    .bind(important)
                    .execute(&mut **tx)
                    .await?;
                    let residents = 1 + rng.next() % 2;
                    for r in 0..residents {
                        let name = format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN));
                        let phone = format!(
                            "{}{:08}",
                            rng.pick(&PHONE_PREFIXES),
                            rng.next() % 100_000_000
                        );
                        sqlx::query(
                            "INSERT INTO residents (id, household_id, name, phone) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(format!("{household_id}-r{r}"))
                        .bind(household_id.clone())
                        .bind(name)
                        .bind(phone)
                        .execute(&mut **tx)
                        .await?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Gives the demo's other estates a year of history up to `now` (`demo.rs`), each in one
/// transaction. 翠湖花园 stays as the tests know it. Run once, right after the demo is seeded.
pub async fn seed_demo_history(
    db: &Db,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> anyhow::Result<usize> {
    let mut stored = 0;
    for (n, e) in OTHER_ESTATES.iter().enumerate() {
        let estate_id = estate_id_of(e.slug);
        let buildings = db.site(estate_id).await?;
        let households = db.households(estate_id).await?;
        let homes: Vec<crate::demo::Home> = households
            .iter()
            .filter_map(|h| {
                let b = buildings
                    .iter()
                    .find(|b| b.units.iter().any(|u| u.id == h.unit_id))?;
                let u = b.units.iter().find(|u| u.id == h.unit_id)?;
                Some(crate::demo::Home {
                    household_id: h.id.clone(),
                    building_id: b.id.clone(),
                    building_number: b.number,
                    unit_id: u.id.clone(),
                    location: format!("{}{}{}", b.name, u.name, h.room),
                })
            })
            .collect();
        let staff = |i: usize| format!("stf-{}", e.crew[i].0);
        let (desk, caretaker, technician) = (staff(0), staff(1), staff(2));
        let crew = crate::demo::Crew {
            desk: &desk,
            caretaker: &caretaker,
            technician: &technician,
        };
        let history = crate::demo::history(e.slug, &homes, &crew, now, 0xD3_u64 << 32 | n as u64);
        stored += db.insert_history(estate_id, history).await?;
        // New residents (V-2): one household in a hundred moved in during the last three
        // weeks, so the site map, the visit plan and the caretakers' lists show some waiting.
        let today = now.date_naive();
        for (i, h) in households.iter().enumerate().filter(|(i, _)| i % 100 == 37) {
            let days = u64::try_from((i * 7) % 21).unwrap_or(0);
            db.set_moved_in(estate_id, &h.id, Some(today - chrono::Days::new(days)))
                .await?;
        }
    }
    Ok(stored)
}

/// The lines printed at start so a first user can log in: 翠湖花园's accounts, then the
/// other estates' and the east region's area manager.
pub fn demo_logins() -> Vec<String> {
    let cuihu = DEMO_STAFF
        .iter()
        .map(|(u, name, role)| format!("  {u:<10} {:<22} {name}", role.en()));
    let others = OTHER_ESTATES.iter().flat_map(|e| {
        e.crew
            .iter()
            .map(move |(u, name, role)| format!("  {u:<10} {:<22} {name} · {}", role.en(), e.name))
    });
    let east = std::iter::once(format!(
        "  {:<10} {:<22} {} · 华东区域",
        EAST_AREA_MANAGER.0,
        EAST_AREA_MANAGER.2.en(),
        EAST_AREA_MANAGER.1
    ));
    cuihu.chain(others).chain(east).collect()
}

/// Households in the demo estate (for tests and the start banner).
pub fn demo_household_count() -> i64 {
    BUILDINGS.iter().map(|(u, f, p)| u * f * p).sum()
}

/// A large estate for the site-map bench (`cargo xtask bench sitemap`): 万户苑, 50 buildings of
/// two units, 25 floors and two homes a floor — 5,000 households — in the demo's southern
/// region, given to the demo's project manager and first caretaker, with a visit recorded on
/// two households in five over the last three months. Returns (households, visits).
pub async fn seed_bench_estate(
    db: &Db,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> anyhow::Result<(usize, usize)> {
    const ESTATE: &str = "est-wanhu";
    let buildings = [(2_i64, 25_i64, 2_i64); 50];
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
    )
    .bind(ESTATE)
    .bind(COMPANY_ID)
    .bind(REGION_ID)
    .bind("wanhu")
    .bind("万户苑")
    .bind("cmsk")
    .bind("+08:00")
    .execute(&mut *tx)
    .await?;
    insert_site(
        &mut tx,
        ESTATE,
        "wanhu",
        &buildings,
        &mut Rng(0x00B3_u64 << 32),
    )
    .await?;
    for staff in ["stf-pm", "stf-guanjia1"] {
        sqlx::query("INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, $2)")
            .bind(staff)
            .bind(ESTATE)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await.context("committing the bench estate")?;
    let households = db.households(ESTATE).await?;
    let mut clock = anju_shared::hlc::Clock::default();
    let visits: Vec<anju_shared::order::Event> = households
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 < 2)
        .map(|(i, h)| {
            let at = now - chrono::Duration::hours(1 + (i as i64 * 7) % (90 * 24));
            anju_shared::order::Event {
                id: format!("bench-visit-{i}"),
                subject: anju_shared::subject::Subject::household(h.id.clone()),
                device_id: "bench-tablet".into(),
                device_seq: i as u64 + 1,
                hlc: clock.tick(u64::try_from(at.timestamp_millis()).unwrap_or(0)),
                actor: "stf-guanjia1".into(),
                at,
                body: anju_shared::order::EventBody::Visited {
                    household_id: h.id.clone(),
                    method: ["door", "phone", "outdoor"][i % 3].into(),
                    note: String::new(),
                    not_home: false,
                },
                seq: None,
            }
        })
        .collect();
    let count = visits.len();
    db.insert_history(
        ESTATE,
        crate::demo::History {
            orders: Vec::new(),
            visits,
        },
    )
    .await?;
    Ok((households.len(), count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_estate_has_about_800_households() {
        let n = demo_household_count();
        assert!((700..=900).contains(&n), "{n}");
        assert!(
            BUILDINGS.iter().all(|(u, f, p)| (2..=4).contains(u)
                && (6..=33).contains(f)
                && (2..=4).contains(p))
        );
    }

    #[test]
    fn every_role_has_a_demo_account() {
        for role in Role::ALL {
            assert!(
                DEMO_STAFF.iter().any(|(_, _, r)| *r == *role),
                "{role:?} has no demo account"
            );
        }
    }
}
