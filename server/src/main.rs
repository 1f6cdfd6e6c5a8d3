//! The `server` binary: `serve`, `migrate`, `create-admin`, `seed-demo`, `set-status`.

use clap::Parser;
use server::cli;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_target(false)
        .init();
    let args = cli::Cli::parse();
    match cli::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("usher: {message}");
            ExitCode::FAILURE
        }
    }
}
