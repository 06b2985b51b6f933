//! Where the server listens, keeps its state and finds the built PWA.

use clap::Args;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on. Loopback by default: put a TLS proxy in front for other hosts.
    #[arg(long, env = "DAICHO_BIND", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "DAICHO_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Directory of the SQLite file, created on first start.
    #[arg(long, env = "DAICHO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The built PWA (`trunk build --release` writes it to `dist/`).
    #[arg(long, env = "DAICHO_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,
}

impl Config {
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.port)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("daicho.sqlite3")
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
