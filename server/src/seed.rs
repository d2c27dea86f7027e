//! The demo company and its estate 翠湖花园 (`cuihu`), generated deterministically in code: the
//! site plan with building footprints, about 800 households with residents, and one staff
//! account for every role, so a fresh install can be tried at once.

use anyhow::Context;

use crate::auth::{Role, hash_password};
use crate::db::Db;

/// The password of every demo account, printed at start.
pub const DEMO_PASSWORD: &str = "anju-demo-2026";
pub const DEMO_ESTATE_SLUG: &str = "cuihu";
pub const DEMO_ESTATE_ID: &str = "est-cuihu";
const COMPANY_ID: &str = "co-anju";
const REGION_ID: &str = "rg-south";

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

/// splitmix64: tiny, fast and the same everywhere, so the demo is the same on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

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

/// Seeds the demo when the database has no company yet. Returns whether it seeded.
pub async fn seed_demo_if_empty(db: &Db) -> anyhow::Result<bool> {
    if !db.is_empty().await? {
        return Ok(false);
    }
    let mut hashes = Vec::with_capacity(DEMO_STAFF.len());
    for _ in DEMO_STAFF {
        hashes.push(hash_password(DEMO_PASSWORD)?);
    }
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO companies (id, name) VALUES ($1, $2)")
        .bind(COMPANY_ID)
        .bind("安居物业服务有限公司")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO regions (id, company_id, name) VALUES ($1, $2, $3)")
        .bind(REGION_ID)
        .bind(COMPANY_ID)
        .bind("华南区域")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO estates (id, company_id, region_id, slug, name, policy, utc_offset, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
    )
    .bind(DEMO_ESTATE_ID)
    .bind(COMPANY_ID)
    .bind(REGION_ID)
    .bind(DEMO_ESTATE_SLUG)
    .bind("翠湖花园")
    .bind("cmsk")
    .bind("+08:00")
    .execute(&mut *tx)
    .await?;

    let mut rng = Rng(0x00A1_u64 << 32 | 2026);
    for (i, (units, floors, per_floor)) in BUILDINGS.iter().enumerate() {
        let number = i as i64 + 1;
        let building_id = format!("bld-cuihu-{number}");
        sqlx::query(
            "INSERT INTO buildings (id, estate_id, number, name, floors, footprint) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(building_id.clone())
        .bind(DEMO_ESTATE_ID)
        .bind(number)
        .bind(format!("{number}栋"))
        .bind(*floors)
        .bind(footprint(i, *units).to_string())
        .execute(&mut *tx)
        .await?;
        for u in 1..=*units {
            let unit_id = format!("{building_id}-u{u}");
            sqlx::query("INSERT INTO units (id, building_id, number) VALUES ($1, $2, $3)")
                .bind(unit_id.clone())
                .bind(building_id.clone())
                .bind(u)
                .execute(&mut *tx)
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
                    .execute(&mut *tx)
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
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
        }
    }

    for ((username, display, role), hash) in DEMO_STAFF.iter().zip(hashes) {
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
        .bind(hash)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO staff_estates (staff_id, estate_id) VALUES ($1, $2)")
            .bind(staff_id.clone())
            .bind(DEMO_ESTATE_ID)
            .execute(&mut *tx)
            .await?;
        // The area manager answers for the whole region, estates opened later included.
        if *role == Role::AreaManager {
            sqlx::query("INSERT INTO staff_regions (staff_id, region_id) VALUES ($1, $2)")
                .bind(staff_id)
                .bind(REGION_ID)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await.context("committing the demo estate")?;
    Ok(true)
}

/// The lines printed at start so a first user can log in.
pub fn demo_logins() -> Vec<String> {
    DEMO_STAFF
        .iter()
        .map(|(u, name, role)| format!("  {u:<9} {:<22} {name}", role.en()))
        .collect()
}

/// Households in the demo estate (for tests and the start banner).
pub fn demo_household_count() -> i64 {
    BUILDINGS.iter().map(|(u, f, p)| u * f * p).sum()
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
