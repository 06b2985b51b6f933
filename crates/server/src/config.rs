//! Where the server listens, keeps its state and finds the built PWA.

use clap::Args;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Every option is global: it may stand before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on. Loopback by default: put a TLS proxy in front for other hosts.
    #[arg(long, global = true, env = "DAICHO_BIND", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, global = true, env = "DAICHO_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Directory of the SQLite file, created on first start.
    #[arg(long, global = true, env = "DAICHO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// PostgreSQL instead of the SQLite file: `postgres://user:password@host:port/database`,
    /// as the role the server serves as. With --migrate-database-url, a role that owns nothing
    /// (it may only read and append the history: README, PostgreSQL).
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL: the role that owns the tables, to create and migrate them and grant the
    /// server's role (--database-url) its rights at start; its connection is closed before the
    /// server serves. Without it, the server's role migrates, so must own the tables.
    #[arg(long, global = true, env = "DAICHO_MIGRATE_DATABASE_URL")]
    pub migrate_database_url: Option<String>,
    /// The transparency log's name (a checkpoint's origin line), used when its key is made on
    /// first start; `daicho.<host name>/log` if not given.
    #[arg(long, global = true, env = "DAICHO_LOG_ORIGIN")]
    pub log_origin: Option<String>,
    /// The built PWA (`trunk build --release` writes it to `dist/`).
    #[arg(long, global = true, env = "DAICHO_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,
    /// Seconds a client has to send a request's headers (and an idle connection stays open).
    #[arg(long, global = true, env = "DAICHO_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's whole body (`408 request_timeout` after).
    #[arg(long, global = true, env = "DAICHO_BODY_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
    /// Connections open at once; further ones wait to be accepted.
    #[arg(long, global = true, env = "DAICHO_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Enrollment attempts a client address may make at once, then one per `--enroll-interval`.
    #[arg(long, global = true, env = "DAICHO_ENROLL_BURST", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub enroll_burst: u32,
    /// Seconds a client address past its burst waits for each further enrollment attempt
    /// (`429 too_many_attempts` until then).
    #[arg(long, global = true, env = "DAICHO_ENROLL_INTERVAL", default_value_t = 6,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub enroll_interval: u64,
}

impl Config {
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.port)
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout)
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("daicho.sqlite3")
    }

    /// The database to open: `--database-url` if given, else the SQLite file.
    pub fn database_url(&self) -> anyhow::Result<String> {
        match &self.database_url {
            Some(url) => Ok(url.clone()),
            None => crate::database::sqlite_url(&self.database_path()),
        }
    }

    /// The database, its tables brought up to date: through the owner's URL when given.
    pub async fn open_database(&self) -> anyhow::Result<sqlx::AnyPool> {
        let url = self.database_url()?;
        match &self.migrate_database_url {
            Some(owner) => crate::database::open_as_runtime(&url, owner).await,
            None => crate::database::open(&url).await,
        }
    }

    /// Where the state is, for people: the file, or the database URL without its password.
    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => redact_password(url),
            None => self.database_path().display().to_string(),
        }
    }
}

/// The address to open in a browser: a host name, since WebAuthn refuses IP addresses as its
/// relying-party id.
pub fn browser_url(addr: SocketAddr) -> String {
    let host = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        "localhost".to_string()
    } else {
        addr.ip().to_string()
    };
    format!("http://{host}:{}", addr.port())
}

fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => "(unreadable DATABASE_URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn a_database_password_is_never_printed() {
        assert_eq!(
            redact_password("postgres://daicho:secret@db:5432/daicho"),
            "postgres://daicho:***@db:5432/daicho"
        );
        assert_eq!(
            redact_password("postgres://daicho@127.0.0.1/daicho"),
            "postgres://daicho@127.0.0.1/daicho"
        );
    }
}
