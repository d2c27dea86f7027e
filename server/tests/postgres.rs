//! What only PostgreSQL can show (`ANJU_TEST_PG_URL`, `--features pg-tests`): several server
//! instances on one database, and that the two backends' schemas agree. Every other server
//! test runs on PostgreSQL too, through `tests/api.rs` with the same variable set (`cargo
//! xtask test`'s postgres suite runs both binaries).

mod common;

use std::collections::BTreeSet;

use common::{TestApp, fresh_database};
use sqlx::Row;

#[tokio::test]
async fn health_says_postgres() {
    let app = TestApp::spawn(&fresh_database().await).await;
    let body: serde_json::Value = app
        .client
        .get(app.url("/api/health"))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(body["database"], "postgres");
}

#[tokio::test]
async fn concurrent_reports_are_all_stored_once_on_two_instances() {
    let url = fresh_database().await;
    let a = TestApp::spawn(&url).await;
    // A second server on the same database, as behind a load balancer.
    let b = TestApp::spawn(&url).await;
    common::story_concurrent_reports(&[&a, &b], 32).await;
    let (count, seq) =
        a.db.event_count(anju_server::seed::DEMO_ESTATE_ID)
            .await
            .expect("count");
    assert_eq!((count, seq), (32, 32));
}

#[tokio::test]
async fn four_devices_on_two_instances_converge() {
    let url = fresh_database().await;
    let a = TestApp::spawn(&url).await;
    let b = TestApp::spawn(&url).await;
    for seed in 11..=13u64 {
        common::devices::story_devices_converge(&[&a, &b], seed, 4, 24 * 3_600_000).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_devices_on_two_instances_never_skip_an_event() {
    let url = fresh_database().await;
    let a = TestApp::spawn(&url).await;
    let b = TestApp::spawn(&url).await;
    common::devices::story_concurrent_devices(&[&a, &b], 4, 25).await;
}

/// Every table, column, primary key and unique key the migrations make, per backend: the two
/// schemas must agree, so a query written once runs on both.
#[tokio::test]
async fn the_sqlite_and_postgresql_schemas_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lite = anju_server::db::Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("schema.db").display()
    ))
    .await
    .expect("sqlite");
    let pg = anju_server::db::Db::connect(&fresh_database().await)
        .await
        .expect("postgres");

    let mut sqlite_columns = BTreeSet::new();
    let mut sqlite_keys = BTreeSet::new();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&lite.pool)
    .await
    .expect("tables")
    .iter()
    .map(|r| r.try_get::<String, _>(0).expect("name"))
    .collect();
    for table in &tables {
        let info = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name, pk FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&lite.pool)
        .await
        .expect("columns");
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in info {
            let name: String = r.try_get(0).expect("column");
            let at: i64 = r.try_get(1).expect("pk");
            if at > 0 {
                pk.push((at, name.clone()));
            }
            sqlite_columns.insert((table.clone(), name));
        }
        pk.sort();
        if !pk.is_empty() {
            let cols: Vec<String> = pk.into_iter().map(|(_, c)| c).collect();
            sqlite_keys.insert((table.clone(), "p".to_string(), cols.join(",")));
        }
        let indexes = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_index_list('{table}') WHERE \"unique\" = 1 AND origin = 'u'"
        )))
        .fetch_all(&lite.pool)
        .await
        .expect("indexes");
        for i in indexes {
            let index: String = i.try_get(0).expect("index");
            let cols: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_index_info('{index}') ORDER BY seqno"
            )))
            .fetch_all(&lite.pool)
            .await
            .expect("index columns")
            .iter()
            .map(|r| r.try_get::<String, _>(0).expect("column"))
            .collect();
            sqlite_keys.insert((table.clone(), "u".to_string(), cols.join(",")));
        }
    }

    let pg_columns: BTreeSet<(String, String)> = sqlx::query(
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&pg.pool)
    .await
    .expect("columns")
    .iter()
    .map(|r| (r.try_get(0).expect("t"), r.try_get(1).expect("c")))
    .collect();
    let pg_keys: BTreeSet<(String, String, String)> = sqlx::query(
        "SELECT c.conrelid::regclass::TEXT, c.contype::TEXT, \
                string_agg(a.attname::TEXT, ',' ORDER BY k.n) \
         FROM pg_constraint c \
         CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
         WHERE c.contype IN ('p', 'u') AND c.connamespace = 'public'::regnamespace \
           AND c.conrelid::regclass::TEXT NOT LIKE '_sqlx%' \
         GROUP BY c.conrelid, c.contype, c.conname",
    )
    .fetch_all(&pg.pool)
    .await
    .expect("keys")
    .iter()
    .map(|r| {
        (
            r.try_get(0).expect("t"),
            r.try_get(1).expect("k"),
            r.try_get(2).expect("c"),
        )
    })
    .collect();
    assert!(sqlite_columns.len() > 50, "{sqlite_columns:?}");
    assert!(sqlite_keys.contains(&(
        "events".to_string(),
        "u".to_string(),
        "estate_id,device_id,actor,device_seq".to_string()
    )));
    assert_eq!(sqlite_columns, pg_columns, "the same tables and columns");
    assert_eq!(sqlite_keys, pg_keys, "the same primary and unique keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_record_each_escalation_step_once() {
    let url = fresh_database().await;
    let a = TestApp::spawn(&url).await;
    let b = TestApp::spawn(&url).await;
    common::clock::story_two_instances_record_each_step_once(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_make_and_send_each_webhook_delivery_once() {
    let url = fresh_database().await;
    let mut config = anju_server::config::Config::for_tests(&url);
    config.webhook_allow_http = true;
    config.webhook_allow_private = true;
    let a = TestApp::spawn_with_config(config.clone()).await;
    let b = TestApp::spawn_with_config(config).await;
    common::webhooks::story_two_instances_deliver_each_once(&a, &b).await;
}
