//! `cld-signer`: the companion signing endpoint.
//!
//! ```text
//! cld-signer [serve] [--config PATH] [--listen ADDR] [--workers N] [--dev] [--log-format text|json]
//! cld-signer token --user USER --role ACCOUNT=ROLE... [--ttl SECS] [--ml-username NAME] [--config PATH]
//! cld-signer check-config [--config PATH]
//! ```
//!
//! The configuration is the TOML file named by `--config` or `CLD_SIGNER_CONFIG`, else the single
//! account of `CLOUDINARY_URL`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, Parser, Subcommand};

use cloudinary_connector_signer::config::{self, Config, ProcessEnv};
use cloudinary_connector_signer::policy::Role;
use cloudinary_connector_signer::{mint_token, serve, DevTokenRequest, Options, Signer};

/// The companion signing endpoint of cloudinary-connector: the only holder of Cloudinary secrets.
#[derive(Debug, Parser)]
#[command(
    name = "cld-signer",
    version = cloudinary_connector_signer::VERSION,
    disable_version_flag = true,
    after_help = "configuration: --config PATH, else $CLD_SIGNER_CONFIG, else $CLOUDINARY_URL (cloudinary://key:secret@cloud)\n\
                  logging: $CLD_SIGNER_LOG (e.g. info, debug, cld_signer=debug); secrets, tokens and signatures are never logged"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The TOML configuration file.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<String>,
    /// Where to listen (serve).
    #[arg(long, global = true, value_name = "ADDR")]
    listen: Option<String>,
    /// Threads serving requests (serve; default: one per CPU).
    #[arg(long, global = true, value_name = "N", value_parser = parse_workers)]
    workers: Option<usize>,
    /// Development mode: POST /v1/dev/token issues tokens (loopback only).
    #[arg(long, global = true)]
    dev: bool,
    /// Log format (serve).
    #[arg(long, global = true, value_name = "text|json", value_parser = parse_log_format)]
    log_format: Option<bool>,
    /// The token's user (token).
    #[arg(long, global = true, value_name = "USER")]
    user: Option<String>,
    /// A role on an account, ACCOUNT=ROLE (token; repeatable).
    #[arg(long = "role", global = true, value_name = "ACCOUNT=ROLE", value_parser = parse_role)]
    roles: Vec<(String, Role)>,
    /// The token's lifetime, seconds (token).
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_ttl)]
    ttl: Option<u64>,
    /// The Media Library user name, if not the user (token).
    #[arg(long, global = true, value_name = "NAME")]
    ml_username: Option<String>,
    /// Print the version.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Clone, Copy, Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Mint a token with the configuration's HS256 key.
    Token,
    /// Validate the configuration and summarise it.
    CheckConfig,
}

fn parse_workers(v: &str) -> Result<usize, String> {
    let n = v
        .parse::<usize>()
        .map_err(|_| format!("--workers takes a number of threads, not {v:?}"))?;
    config::check_workers(n).map_err(|e| format!("--workers {e}"))
}

fn parse_log_format(v: &str) -> Result<bool, String> {
    match v {
        "json" => Ok(true),
        "text" => Ok(false),
        other => Err(format!("--log-format is text or json, not {other:?}")),
    }
}

fn parse_role(v: &str) -> Result<(String, Role), String> {
    let (acct, role) = v
        .split_once('=')
        .ok_or_else(|| format!("--role takes ACCOUNT=ROLE, not {v:?}"))?;
    let role: Role = role
        .parse()
        .map_err(|_| format!("--role {v:?}: the role is viewer, uploader or admin"))?;
    Ok((acct.to_owned(), role))
}

fn parse_ttl(v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("--ttl takes seconds, not {v:?}"))
}

/// Parses the command line; a refused argument is reported by our own value parsers' sentence
/// (`cld-signer: --workers takes ...`), clap's usage after it.
fn parse_args() -> Result<Args, ExitCode> {
    use clap::error::ErrorKind;
    match Args::try_parse() {
        Ok(a) => Ok(a),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            let own = std::error::Error::source(&e).map(ToString::to_string);
            match own {
                Some(msg) => Err(fail(&format!("{msg}\n{}", Args::command().render_usage()))),
                None => {
                    let _ = e.print();
                    Err(ExitCode::from(2))
                }
            }
        }
    }
}

fn load_config(a: &Args) -> Result<Config, String> {
    let path = a.config.clone().or_else(|| {
        std::env::var("CLD_SIGNER_CONFIG")
            .ok()
            .filter(|s| !s.is_empty())
    });
    match path {
        Some(p) => config::load_file(std::path::Path::new(&p), &ProcessEnv).map_err(|e| e.to_string()),
        None => match std::env::var("CLOUDINARY_URL") {
            Ok(url) => config::from_cloudinary_url(&url, &ProcessEnv).map_err(|e| e.to_string()),
            Err(_) => Err("no configuration: pass --config PATH, set CLD_SIGNER_CONFIG, or set CLOUDINARY_URL".into()),
        },
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("cld-signer: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(code) => return code,
    };
    let cfg = match load_config(&args) {
        Ok(c) => c,
        Err(e) => return fail(&format!("configuration refused: {e}")),
    };
    match args.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => {
            let subs = cfg.accounts.iter().filter(|a| a.parent.is_some()).count();
            println!(
                "configuration ok: {} account(s), {subs} sub-account(s), {} token key(s), {} CORS origin pattern(s)",
                cfg.accounts.len() - subs,
                cfg.auth.keys.len(),
                cfg.server.cors_origins.len()
            );
            ExitCode::SUCCESS
        }
        Command::Token => token(&args, &cfg),
        Command::Serve => serve(&args, cfg),
    }
}

fn token(args: &Args, cfg: &Config) -> ExitCode {
    let Some(user) = args.user.clone() else {
        return fail("token needs --user USER");
    };
    let Some(key) = cfg.auth.keys.iter().find_map(|k| match &k.material {
        config::KeyMaterial::Hs256(s) => Some(s.clone()),
        _ => None,
    }) else {
        return fail("token needs an HS256 key in [[auth.keys]] (or CLD_SIGNER_JWT_KEY with CLOUDINARY_URL) to mint with");
    };
    let req = DevTokenRequest {
        user,
        roles: args.roles.iter().cloned().collect(),
        ttl_secs: args.ttl,
        ml_username: args.ml_username.clone(),
    };
    let now = (cloudinary_connector_signer::system_clock())();
    match mint_token(cfg, &key, &req, now) {
        Ok((t, _)) => {
            println!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.message),
    }
}

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("CLD_SIGNER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

fn serve(args: &Args, cfg: Config) -> ExitCode {
    init_logs(args.log_format.unwrap_or(false));
    let listen = args.listen.as_deref().unwrap_or("127.0.0.1:8787");
    let addr: SocketAddr = match listen.parse() {
        Ok(a) => a,
        Err(_) => {
            return fail(&format!(
                "--listen needs an address like 127.0.0.1:8787, not {listen:?}"
            ))
        }
    };
    if args.dev && !addr.ip().is_loopback() {
        return fail(
            "--dev issues tokens to anyone who asks: it only listens on a loopback address",
        );
    }
    let signer = match Signer::new(
        cfg,
        Options {
            dev: args.dev,
            ..Options::default()
        },
    ) {
        Ok(s) => s,
        Err(e) => return fail(&format!("configuration refused: {e}")),
    };
    let workers = args
        .workers
        .or(signer.config().server.workers)
        .unwrap_or_else(serve::default_workers);
    let rt = match serve::runtime(workers) {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => return fail(&format!("cannot listen on {addr}: {e}")),
        };
        if let Err(e) = signer.start().await {
            return fail(&format!("cannot start: {e}"));
        }
        let bound = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| addr.to_string());
        if args.dev {
            tracing::warn!("DEVELOPMENT MODE: POST /v1/dev/token issues tokens to anyone on this machine; never run it in production");
        }
        tracing::info!(
            listen = %bound,
            workers,
            accounts = signer.config().accounts.len(),
            user_agent = %signer.user_agent(),
            mode = if args.dev { "development" } else { "production" },
            "cld-signer {} listening on http://{bound}",
            cloudinary_connector_signer::VERSION
        );
        let srv = &signer.config().server;
        let opts = serve::ServeOptions {
            header_read_timeout: Duration::from_millis(srv.header_read_timeout_ms),
            max_connections: srv.max_connections,
            drain_timeout: Duration::from_millis(srv.request_timeout_ms + 1_000),
        };
        serve::serve(listener, signer.router(), opts, shutdown_signal()).await;
        tracing::info!("cld-signer stopped");
        ExitCode::SUCCESS
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}
