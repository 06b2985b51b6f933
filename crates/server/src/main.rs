use anyhow::Context;
use clap::{Parser, Subcommand};
use daicho_server::config::{browser_url, Config};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "daicho-server",
    version,
    about = "台帳 (Daichō) shared endpoint"
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
    }
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
    println!("data: {}   stop: Ctrl-C", config.database_path().display());
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
