//! The `cld-signer` binary: start-up refusals (exit 2, precise message, no secret), the
//! `token` and `check-config` subcommands, development-mode guard, and graceful shutdown on
//! SIGTERM with the shared test configuration.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::fixture_env;

const BIN: &str = env!("CARGO_BIN_EXE_cld-signer");
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/test-config.toml"
);

fn cmd() -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

fn with_fixture_env(mut c: Command) -> Command {
    for (k, v) in fixture_env() {
        c.env(k, v);
    }
    c
}

#[test]
fn a_missing_secret_variable_refuses_to_start_without_printing_secrets() {
    let mut c = with_fixture_env(cmd());
    c.env_remove("CLD_TEST_SECRET_ARCHIVE")
        .args(["--config", FIXTURE, "--listen", "127.0.0.1:0"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.trim(),
        format!(
            "cld-signer: configuration refused: {FIXTURE}: accounts[2] (id \"archive\").api_secret_env: the environment variable CLD_TEST_SECRET_ARCHIVE is not set"
        )
    );
    for v in fixture_env().values() {
        assert!(!err.contains(v.as_str()));
    }
}

#[test]
fn no_configuration_at_all_is_explained() {
    let out = cmd().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap().trim(),
        "cld-signer: configuration refused: no configuration: pass --config PATH, set CLD_SIGNER_CONFIG, or set CLOUDINARY_URL"
    );
}

#[test]
fn production_without_a_token_key_refuses_to_start() {
    let out = cmd()
        .env(
            "CLOUDINARY_URL",
            "cloudinary://1234:zeroConfigSecret99@demo",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no token verification key"), "{err}");
    assert!(!err.contains("zeroConfigSecret99"));
}

#[test]
fn development_mode_only_listens_on_loopback() {
    let mut c = with_fixture_env(cmd());
    c.args(["--dev", "--config", FIXTURE, "--listen", "0.0.0.0:0"]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap().trim(),
        "cld-signer: --dev issues tokens to anyone who asks: it only listens on a loopback address"
    );
}

#[test]
fn check_config_and_token_subcommands() {
    let mut c = with_fixture_env(cmd());
    c.args(["check-config", "--config", FIXTURE]);
    let out = c.output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "configuration ok: 3 account(s), 2 sub-account(s), 1 token key(s), 2 CORS origin pattern(s)"
    );

    let mut c = with_fixture_env(cmd());
    c.args([
        "token",
        "--config",
        FIXTURE,
        "--user",
        "alice",
        "--role",
        "demo=admin",
        "--role",
        "brand=viewer",
        "--ttl",
        "120",
    ]);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["aud"], "cld-signer");
    assert_eq!(
        claims["roles"],
        serde_json::json!({"demo": "admin", "brand": "viewer"})
    );
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        120
    );

    let mut c = with_fixture_env(cmd());
    c.args([
        "token",
        "--config",
        FIXTURE,
        "--user",
        "alice",
        "--role",
        "demo=owner",
    ]);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("cld-signer: --role \"demo=owner\": the role is viewer, uploader or admin"));
}

/// A `cld-signer --dev` process on a free port with the shared test configuration and JSON logs,
/// its stderr collected.
struct DevSigner {
    child: std::process::Child,
    port: u16,
    lines: std::thread::JoinHandle<Vec<String>>,
}

impl DevSigner {
    fn start(extra: &[&str]) -> DevSigner {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let listen = format!("127.0.0.1:{port}");
        let mut c = with_fixture_env(cmd());
        c.args([
            "--dev",
            "--config",
            FIXTURE,
            "--listen",
            &listen,
            "--log-format",
            "json",
        ])
        .args(extra)
        .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        DevSigner { child, port, lines }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until it answers its health check, then returns a development token.
    async fn ready_token(&self, client: &reqwest::Client, user: &str) -> String {
        let base = self.base();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if client.get(format!("{base}/v1/health")).send().await.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "the signer did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let tok: serde_json::Value = client
            .post(format!("{base}/v1/dev/token"))
            .json(&serde_json::json!({"user": user, "roles": {"demo": "uploader"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tok["token"].as_str().unwrap().to_owned()
    }

    /// SIGTERM, then the exit status and the log lines.
    fn stop(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        (exit, self.lines.join().unwrap())
    }
}

#[test]
fn serves_the_shared_test_config_and_stops_gracefully_on_sigterm() {
    let signer = DevSigner::start(&[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let base = signer.base();
        let token = signer.ready_token(&client, "user@cloudinary.com").await;
        let res: serde_json::Value = client
            .post(format!("{base}/v1/sign/media-library"))
            .header("origin", "http://localhost:41234")
            .bearer_auth(&token)
            .json(&serde_json::json!({"account": "demo"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // Verified independently with the documented fixture secret.
        use sha2::Digest;
        let expected = format!(
            "{:x}",
            sha2::Sha256::digest(format!(
                "cloud_name=dn6ot3ged&timestamp={}&username=user@cloudinary.com{}",
                res["timestamp"],
                fixture_env()["CLD_TEST_SECRET_DEMO"]
            ))
        );
        assert_eq!(res["signature"], expected);
    });

    let (exit, log) = signer.stop();
    assert!(exit.success(), "{exit:?}");
    let joined = log.join("\n");
    assert!(joined.contains("shutdown signal received"), "{joined}");
    assert!(joined.contains("cld-signer stopped"), "{joined}");
    for line in &log {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
        for v in fixture_env().values() {
            assert!(!line.contains(v.as_str()), "{line}");
        }
    }
}

#[test]
fn a_bad_worker_count_is_refused() {
    for (v, expected) in [
        (
            "0",
            "cld-signer: --workers must be between 1 and 1024 threads (omit it for one per CPU), not 0",
        ),
        (
            "4096",
            "cld-signer: --workers must be between 1 and 1024 threads (omit it for one per CPU), not 4096",
        ),
        ("many", "cld-signer: --workers takes a number of threads, not \"many\""),
    ] {
        let mut c = with_fixture_env(cmd());
        c.args(["--config", FIXTURE, "--listen", "127.0.0.1:0", "--workers", v]);
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().next().unwrap(), expected);
    }
}

/// `--workers 1` (or `server.workers = 1`) serves everything from one thread.
#[test]
fn one_worker_serves_on_a_single_thread_and_stops_gracefully() {
    let signer = DevSigner::start(&["--workers", "1"]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let threads = rt.block_on(async {
        let client = reqwest::Client::new();
        let base = signer.base();
        let token = signer.ready_token(&client, "u1").await;
        let res = client
            .post(format!("{base}/v1/sign/upload"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"account": "demo", "params_to_sign": {"source": "uw"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        std::fs::read_dir(format!("/proc/{}/task", signer.child.id()))
            .map(|d| d.count())
            .ok()
    });
    if let Some(n) = threads {
        // The main thread only: no worker threads, no blocking-pool thread was needed.
        assert_eq!(n, 1, "threads of a one-worker signer");
    }
    let (exit, log) = signer.stop();
    assert!(exit.success(), "{exit:?}");
    let started = log
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| {
            v["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("listening on"))
        })
        .expect("a start-up log line");
    assert_eq!(started["fields"]["workers"], 1);
    assert!(log.join("\n").contains("cld-signer stopped"));
}
