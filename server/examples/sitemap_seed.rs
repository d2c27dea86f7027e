//! `cargo xtask bench sitemap`'s data: adds the 5,000-household estate 万户苑 with its visits
//! (`seed::seed_bench_estate`) to the demo database of a running server, given by its URL, and
//! prints one JSON line with the counts the browser must then draw.
//!
//!   sitemap_seed DATABASE_URL

#[tokio::main]
async fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: sitemap_seed DATABASE_URL");
        std::process::exit(2);
    };
    let db = anju_server::db::Db::connect(&url).await.expect("database");
    let now = chrono::Utc::now().fixed_offset();
    let (households, visits) = anju_server::seed::seed_bench_estate(&db, now)
        .await
        .expect("the bench estate");
    println!(
        "{}",
        serde_json::json!({ "estate": "万户苑", "buildings": 50, "households": households, "visits": visits })
    );
}
