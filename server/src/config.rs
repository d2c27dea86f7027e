//! Configuration from the environment (documented in `.env.sample`); secrets never reach `Debug`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "ANJU_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// `sqlite://path/to/file.db` (created when missing) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/anju.db")]
    pub database_url: String,
    /// The built app (`cargo xtask dist`).
    #[arg(long, env = "ANJU_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Send the session cookie as `__Host-…; Secure` (the default). Browsers accept it on
    /// https and on http://localhost / 127.0.0.1; set `false` only to try the app over plain
    /// HTTP from another machine (e.g. a tablet on the LAN without TLS).
    #[arg(long, env = "ANJU_COOKIE_SECURE", default_value_t = true, action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
    /// The server is reached over HTTPS (TLS ends at a proxy in front of it): every response
    /// then carries `Strict-Transport-Security`, so browsers refuse plain HTTP for a year.
    #[arg(long, env = "ANJU_HSTS", default_value_t = false, action = clap::ArgAction::Set)]
    pub hsts: bool,
    /// Reports the public form accepts from one client address per 10 minutes.
    #[arg(long, env = "ANJU_REPORT_LIMIT", default_value_t = 20)]
    pub report_limit: i64,
    /// Seconds between two passes of the server's clock (escalations); 0 turns it off, for
    /// an instance that should only serve requests while another keeps time.
    #[arg(long, env = "ANJU_CLOCK_SECONDS", default_value_t = 60)]
    pub clock_seconds: u64,
    /// Seconds between two passes of the webhook sender (new events become deliveries, due
    /// deliveries are sent); 0 turns it off on this instance.
    #[arg(long, env = "ANJU_WEBHOOK_SECONDS", default_value_t = 10)]
    pub webhook_seconds: u64,
    /// Let webhooks reach loopback, private (RFC 1918, fc00::/7) and shared (100.64/10)
    /// addresses: only for a gateway on the company's own network, or tests. Link-local
    /// (cloud metadata), multicast and unspecified addresses stay refused.
    #[arg(long, env = "ANJU_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_allow_private: bool,
    /// Let webhooks use plain `http://` URLs (tests, a gateway on the same host); `https://`
    /// is required otherwise.
    #[arg(long, env = "ANJU_WEBHOOK_ALLOW_HTTP", default_value_t = false, action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_allow_http: bool,
    /// Seed the demo company and estate 翠湖花园 into an empty database.
    #[arg(long, env = "ANJU_SEED_DEMO", default_value_t = true, action = clap::ArgAction::Set)]
    pub seed_demo: bool,
}

impl Config {
    /// The configuration for tests: a given database, no static files needed.
    pub fn for_tests(database_url: &str) -> Config {
        Config {
            addr: "127.0.0.1:0".parse().expect("literal address"),
            database_url: database_url.to_string(),
            dist: PathBuf::from("dist"),
            seed_demo: true,
            // Tests send many reports from 127.0.0.1; the limit has a test of its own.
            report_limit: 10_000,
            // The test client talks plain HTTP; this is the explicit development setting.
            cookie_secure: false,
            hsts: false,
            // Tests drive the clock themselves (`jobs::pass` with the time they choose).
            clock_seconds: 0,
            // … and the webhook sender (`webhooks::pass`); a webhook test that needs a local
            // receiver allows private addresses and plain HTTP explicitly.
            webhook_seconds: 0,
            webhook_allow_private: false,
            webhook_allow_http: false,
        }
    }

    /// The database URL with any password replaced, for logs.
    pub fn database_url_redacted(&self) -> String {
        redact_url(&self.database_url)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((creds, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact_url("postgres://anju:s3cret@db:5432/anju"),
            "postgres://anju:***@db:5432/anju"
        );
        assert_eq!(redact_url("sqlite://data/anju.db"), "sqlite://data/anju.db");
    }
}
