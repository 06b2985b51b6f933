use anyhow::Context;
use clap::{Parser, Subcommand};
use daicho_server::config::{browser_url, Config};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "daicho-server",
    version,
    about = "台帳 (Daichō) shared endpoint",
    after_help = "Options may stand before or after the subcommand \
                  (`daicho-server verify --data-dir d` = `daicho-server --data-dir d verify`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the PWA and its API (the default).
    Serve,
    /// Print a one-time code a new device enrolls with (for the system administrator).
    EnrollToken {
        /// Minutes the code stays valid.
        #[arg(long, default_value_t = 30)]
        minutes: i64,
    },
    /// PostgreSQL: create or migrate the tables as their owner (--migrate-database-url) and
    /// grant the server's role (--database-url) only reading and appending, then exit. The
    /// server can then be started without the owner's URL.
    Migrate,
    /// Revoke a device: its requests are refused from now on.
    RevokeDevice { device: String },
    /// Write the whole log (events, checkpoints, log and device public keys) as JSON lines.
    Export {
        /// The archive to write (must not exist).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Check an archive offline, or without FILE the live database: every event hash, chain
    /// link, Merkle root and checkpoint signature. Names the first bad record; exits 1 then.
    Verify {
        file: Option<std::path::PathBuf>,
        /// The log's verifier key (`<name>+<id>+<base64>`) to trust, rather than the keys the
        /// archive or database names.
        #[arg(long)]
        log_key: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            // PostgreSQL's notices (a migration table that exists already, …) are not news.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx::postgres::notice=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::EnrollToken { minutes } => enroll_token(&cli.config, minutes).await,
        Command::Migrate => migrate(&cli.config).await,
        Command::RevokeDevice { device } => revoke_device(&cli.config, &device).await,
        Command::Export { out } => export(&cli.config, &out).await,
        Command::Verify { file, log_key } => verify(&cli.config, file, log_key).await,
    }
}

async fn export(config: &Config, out: &std::path::Path) -> anyhow::Result<()> {
    let pool = config.open_database().await?;
    // The tree signed up to its last event first, so the archive ends on a checkpoint.
    daicho_server::open_log(&pool, config).await?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let events = daicho_server::archive::export(&pool, &mut writer).await?;
    pool.close().await;
    println!("exported {events} events to {}", out.display());
    Ok(())
}

async fn verify(
    config: &Config,
    file: Option<std::path::PathBuf>,
    log_key: Option<String>,
) -> anyhow::Result<()> {
    let outcome = match &file {
        Some(path) => {
            let archive = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let reader = std::io::BufReader::new(archive);
            daicho_server::archive::verify_archive(reader, log_key.as_deref())?
        }
        None => {
            let pool = config.open_database().await?;
            let outcome =
                daicho_server::archive::verify_database(&pool, log_key.as_deref()).await?;
            pool.close().await;
            outcome
        }
    };
    match outcome {
        Ok(summary) => {
            println!("{summary}");
            Ok(())
        }
        Err(problem) => {
            println!("BAD: first bad record: {problem}");
            std::process::exit(1);
        }
    }
}

async fn enroll_token(config: &Config, minutes: i64) -> anyhow::Result<()> {
    let pool = config.open_database().await?;
    let now = daicho_server::now_ms();
    let code = daicho_server::devices::create_code(&pool, minutes, now).await?;
    println!("{code}");
    eprintln!("one-time enrollment code, valid for {minutes} minutes");
    pool.close().await;
    Ok(())
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    anyhow::ensure!(
        config.migrate_database_url.is_some() && config.database_url.is_some(),
        "migrate needs the owner's URL (--migrate-database-url) and the server's \
         (--database-url); on SQLite the server migrates its file itself"
    );
    let pool = config.open_database().await?;
    pool.close().await;
    println!("migrated; the server's role may read and append, nothing more");
    Ok(())
}

async fn revoke_device(config: &Config, device: &str) -> anyhow::Result<()> {
    let pool = config.open_database().await?;
    let revoked = daicho_server::devices::revoke(&pool, device, daicho_server::now_ms()).await?;
    pool.close().await;
    anyhow::ensure!(revoked, "no enrolled, unrevoked device {device}");
    println!("revoked {device}");
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    if !config.dist_dir.join("index.html").exists() {
        tracing::warn!(
            "no built PWA in {} (run `trunk build --release`): only the API is served",
            config.dist_dir.display()
        );
    }
    let listener = TcpListener::bind(config.socket_addr())
        .await
        .with_context(|| format!("cannot listen on {}", config.socket_addr()))?;
    let url = browser_url(listener.local_addr()?);
    println!("台帳 (Daichō) is running: {url}");
    println!("data: {}   stop: Ctrl-C", config.database_label());
    daicho_server::serve(listener, config, shutdown_signal()).await?;
    println!("stopped cleanly");
    Ok(())
}

/// Ctrl-C or SIGTERM: finish the requests under way, then stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::{Cli, Command};
    use clap::{CommandFactory, Parser};

    #[test]
    fn options_stand_before_or_after_the_subcommand() {
        Cli::command().debug_assert();
        for args in [
            ["daicho-server", "--data-dir", "d", "--port", "9", "verify"],
            ["daicho-server", "verify", "--data-dir", "d", "--port", "9"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(matches!(cli.command, Some(Command::Verify { .. })));
            assert_eq!(cli.config.data_dir, std::path::Path::new("d"));
            assert_eq!(cli.config.port, 9);
        }
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("before or after the subcommand"), "{help}");
    }
}
