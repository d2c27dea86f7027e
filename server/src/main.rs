//! The `anju` binary: `anju serve` (the default) runs the service desk; `anju eval` runs the
//! rule engine's JSON contract on stdin.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use anju_server::config::Config;
use anju_server::{AppState, db, jobs, seed, store, telemetry, web, webhooks};

#[derive(Parser)]
#[command(
    name = "anju",
    version,
    about = "Anju (安居): the service desk of residential property management"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app and the API (the default).
    Serve(Config),
    /// Evaluate orders under a policy: one JSON document on stdin, one on stdout.
    Eval,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Eval) => eval(),
        Some(Command::Serve(config)) => serve(config),
        None => {
            // `anju` alone serves with the configuration from the environment.
            match Cli::try_parse_from(["anju", "serve"]) {
                Ok(Cli {
                    command: Some(Command::Serve(config)),
                }) => serve(config),
                Ok(_) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Exit 0 with the answer on stdout; bad input: exit 2, nothing on stdout, one line on stderr.
fn eval() -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("stdin: {e}");
        return ExitCode::from(2);
    }
    match anju_shared::eval::eval_str(&input) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if writeln!(stdout, "{out}").is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let line = e.to_string().replace('\n', " ");
            eprintln!("{line}");
            ExitCode::from(2)
        }
    }
}

fn serve(config: Config) -> ExitCode {
    telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("anju: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let db = db::Db::connect(&config.database_url)
        .await
        .with_context(|| format!("database {}", config.database_url_redacted()))?;
    let seeded = if config.seed_demo {
        seed::seed_demo_if_empty(&db).await?
    } else {
        false
    };
    if seeded {
        seed::seed_demo_prices(&db).await?;
    }
    // The other demo estates' year, up to today in China: generated once, with the demo.
    let history = if seeded {
        let now = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).context("the demo's offset")?);
        seed::seed_demo_history(&db, now).await?
    } else {
        0
    };
    if !config.dist.join("index.html").exists() {
        tracing::warn!(dist = %config.dist.display(), "no built app here: run `cargo xtask dist` (the API works without it)");
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let addr = listener.local_addr()?;
    println!(
        "Anju (安居) {} listening on http://{addr}",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  database: {} ({})",
        config.database_url_redacted(),
        db.backend.name()
    );
    if seeded {
        println!(
            "  seeded the demo: 翠湖花园 ({} households) and three more estates with a year of history ({history} events)",
            seed::demo_household_count()
        );
    }
    println!(
        "  resident report form: http://{addr}/r/{}",
        seed::DEMO_ESTATE_SLUG
    );
    println!("  front desk:           http://{addr}/desk");
    println!("  demo logins (password {}):", seed::DEMO_PASSWORD);
    for line in seed::demo_logins() {
        println!("{line}");
    }
    // The orders' kept states: those a build of other shared source folded are folded again,
    // and every stale one is folded in the background (readers never trust a stale one).
    let foreign = db.forget_foreign_folds().await?;
    if foreign > 0 {
        tracing::info!(
            orders = foreign,
            "folding the orders' kept states again for this build"
        );
    }
    store::folded::spawn(db.clone(), std::time::Duration::from_secs(2));
    if config.clock_seconds > 0 {
        jobs::spawn(
            db.clone(),
            std::time::Duration::from_secs(config.clock_seconds),
        );
    }
    if config.webhook_seconds > 0 {
        webhooks::spawn(
            db.clone(),
            webhooks::Sender::new(webhooks::Reach::of(&config)),
            std::time::Duration::from_secs(config.webhook_seconds),
        );
    }
    let state = AppState {
        db,
        config: Arc::new(config),
    };
    // Connection info gives the client's address for throttling and the audit log.
    axum::serve(
        listener,
        web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
