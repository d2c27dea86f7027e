//! The storage stories on a real PostgreSQL (`ANJU_TEST_PG_URL`), each test in a database of
//! its own; built only with `--features pg-tests`, which `cargo xtask test` passes when the
//! URL is set (and otherwise reports the suite as not run).

mod common;

use common::TestApp;
use sqlx::Connection;

/// Creates a fresh database next to the one in `ANJU_TEST_PG_URL` and returns its URL.
async fn fresh_database() -> String {
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
async fn a_report_reaches_the_desk() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::story_report_to_desk(&app).await;
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

#[tokio::test]
async fn a_reused_sync_key_or_event_id_is_refused_and_kept() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::devices::story_reused_keys_are_refused_and_kept(&app).await;
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::story_audit_log_is_append_only(&app).await;
}

#[tokio::test]
async fn photos_are_stored_cleaned_and_read_back_byte_for_byte() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::story_photos_round_trip(&app).await;
}

#[tokio::test]
async fn erasing_a_resident_deletes_the_photos_only_they_attached() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::story_erasure_deletes_the_residents_photos(&app).await;
}

#[tokio::test]
async fn an_open_order_stays_in_the_desk_inbox_however_many_newer_ones_arrive() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::story_open_orders_stay_in_the_inbox(&app).await;
}

#[tokio::test]
async fn a_role_without_regions_loses_them_and_regions_can_be_cleared() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::story_regions_follow_the_role(&app).await;
}

#[tokio::test]
async fn regions_open_estates_to_area_managers_only() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::story_regions_open_estates_to_area_managers_only(&app).await;
}

// Hostile and buggy clients against the arrival check.

#[tokio::test]
async fn a_poisoned_time_is_refused_and_the_estate_stays_readable() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::hostile::story_poisoned_times_are_refused(&app).await;
}

#[tokio::test]
async fn an_unreadable_row_never_takes_a_page_down() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::hostile::story_an_unreadable_row_never_takes_a_page_down(&app).await;
}

#[tokio::test]
async fn clock_stamps_are_bounded_and_tablets_keep_sending() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::hostile::story_clock_stamps_are_bounded(&app).await;
}

#[tokio::test]
async fn anonymous_logins_cannot_fill_the_disk() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::hostile::story_anonymous_logins_cannot_fill_the_disk(&app).await;
}

#[tokio::test]
async fn full_numbers_stay_out_of_the_synced_log() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::hostile::story_full_numbers_stay_out_of_the_log(&app).await;
}

#[tokio::test]
async fn every_field_is_bounded_and_every_reference_checked() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::hostile::story_every_field_is_bounded_and_every_reference_checked(&app).await;
}

#[tokio::test]
async fn a_colleague_cannot_take_a_tablets_sync_keys() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::hostile::story_a_colleague_cannot_take_a_tablets_keys(&app).await;
}

#[tokio::test]
async fn accepted_events_read_back_identical() {
    let app = TestApp::spawn(&fresh_database().await).await;
    for seed in [1, 2, 3] {
        common::hostile::story_accepted_events_read_back_identical(&app, seed).await;
    }
}

#[tokio::test]
async fn a_database_of_the_old_schema_is_carried_over() {
    common::hostile::story_old_schema_migrates(&fresh_database().await, "postgres").await;
}

#[tokio::test]
async fn the_public_vectors_hold_through_stored_events() {
    let app = TestApp::spawn(&fresh_database().await).await;
    common::vectors::story_public_vectors_through_events(&app).await;
}
