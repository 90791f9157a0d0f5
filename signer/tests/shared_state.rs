//! State shared by N instances through Redis (`[server] state = "redis://..."`): three real
//! `cld-signer` processes on loopback and one Debian `redis-server` on a free loopback port,
//! started once for this test binary (the scenarios run in order inside one test), stopped by
//! `Drop` even when an assertion fails.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudinary_connector_signer::policy::Role::Viewer;
use common::*;
use serde_json::Value;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Debian's redis-server on a free loopback port, no persistence.
struct Redis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Redis {
    fn start() -> Redis {
        let dir = std::env::temp_dir().join(format!("cld-signer-redis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = Redis {
            child: None,
            port: free_port(),
            dir,
        };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package, installed by scripts/setup.sh)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.pings() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pings(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One `cld-signer` process in production mode.
struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_config(dir: &Path, name: &str, state: &str, mode: &str, forward: &str) -> PathBuf {
    let toml = format!(
        r#"
[server]
state = "{state}"
state_unavailable = "{mode}"
state_timeout_ms = 300
rate_limit_per_minute = 60
rate_limit_burst = 10

[auth]
audience = "cld-signer"

[[auth.keys]]
algorithm = "HS256"
secret_env = "JWT_KEY"

[webhooks]
forward_url = "{forward}/host/cloudinary-events"

[[accounts]]
id = "vec"
cloud_name = "dn6ot3ged"
api_key = "1234"
api_secret_env = "VEC_SECRET"
"#
    );
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, toml).unwrap();
    p
}

fn spawn(config: &Path, stderr: Stdio) -> (Child, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_cld-signer"))
        .arg("--config")
        .arg(config)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--workers", "1"])
        .envs(base_env("vecSecret-shared-state"))
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    (child, port)
}

async fn start_instance(client: &reqwest::Client, config: &Path) -> Instance {
    let (child, port) = spawn(config, Stdio::null());
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while client
        .get(format!("{base}/v1/health"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "cld-signer did not start");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Instance { child, base }
}

async fn accounts(client: &reqwest::Client, i: &Instance, token: &str) -> (u16, Value) {
    let r = client
        .get(format!("{}/v1/accounts", i.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn notify(client: &reqwest::Client, i: &Instance, body: &str, ts: u64) -> (u16, Value) {
    use sha1::Digest as _;
    let mut payload = cloudinary_connector::core::sign::notification_payload_to_sign(
        body.as_bytes(),
        &ts.to_string(),
    );
    payload.extend_from_slice(b"vecSecret-shared-state");
    let sig: String = sha1::Sha1::digest(&payload)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let r = client
        .post(format!("{}/v1/webhooks/cloudinary/vec", i.base))
        .header("content-type", "application/json")
        .header("x-cld-timestamp", ts.to_string())
        .header("x-cld-signature", sig)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_one_rate_limit_and_one_replay_cache() {
    let mut redis = Redis::start();
    let host = start_double(Vec::new(), 200).await;
    let dir = redis.dir.clone();
    let client = reqwest::Client::new();
    let refuse = write_config(&dir, "refuse", &redis.url(), "refuse", &host.base);
    let local = write_config(&dir, "local", &redis.url(), "local", &host.base);
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(start_instance(&client, &refuse).await);
    }
    let fallback = start_instance(&client, &local).await;

    // One user's requests spread over the three instances get one instance's budget: the burst
    // of 10 (+1 for a token refilled while the requests run), not 3 × 10.
    let token = token_at("spread", &[("vec", Viewer)], unix_now());
    let started = Instant::now();
    let mut ok = 0;
    let mut last_refusal = Value::Null;
    for n in 0..30 {
        let (status, body) = accounts(&client, &instances[n % 3], &token).await;
        match status {
            200 => ok += 1,
            429 => last_refusal = body,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let refill = started.elapsed().as_secs() + 1;
    assert!(
        (10..=10 + refill).contains(&ok),
        "{ok} of 30 requests passed across three instances (burst 10, +{refill} refilled)"
    );
    assert_eq!(last_refusal["error"]["code"], "rate_limited");
    assert!(
        last_refusal["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(
            "user \"spread\" exceeded 60 requests per minute on this signer deployment; retry in "
        ),
        "{last_refusal}"
    );

    // A notification accepted by one instance is a replay for every instance.
    let ts = unix_now();
    let body = r#"{"notification_type":"upload","public_id":"shared/one"}"#;
    let (status, v) = notify(&client, &instances[0], body, ts).await;
    assert_eq!(status, 200, "{v}");
    for i in &instances[1..] {
        let (status, v) = notify(&client, i, body, ts).await;
        assert_eq!(status, 409, "{v}");
        assert_eq!(v["error"]["code"], "webhook_replayed");
    }
    assert_eq!(
        host.seen()
            .iter()
            .filter(|s| s.path == "/host/cloudinary-events")
            .count(),
        1,
        "forwarded once"
    );

    // The lease script itself, on this Redis: a round trip takes at most `state_lease` tokens and
    // at most a quarter of the bucket, the last tokens go one at a time, and the grants add up to
    // the bucket exactly (leases never grant more than one budget).
    let mut c = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let script = redis::Script::new(cloudinary_connector_signer::redis_store::TAKE_TOKENS);
    let mut grants = Vec::new();
    loop {
        // 100 tokens, a refill too slow to matter (1e-9 per ms), leases of up to 32.
        let (granted, wait): (u32, u64) = script
            .key("lease-test:a")
            .arg(1e-9)
            .arg(100)
            .arg(32)
            .invoke_async(&mut c)
            .await
            .unwrap();
        if granted == 0 {
            assert!(wait > 0, "a refusal says how long to wait");
            break;
        }
        grants.push(granted);
    }
    assert_eq!(
        grants,
        [25, 18, 14, 10, 8, 6, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1]
    );
    assert_eq!(grants.iter().sum::<u32>(), 100);
    let (granted, _): (u32, u64) = script
        .key("lease-test:b")
        .arg(1e-9)
        .arg(100)
        .arg(8)
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(granted, 8, "never more than state_lease");

    // Redis stops: the replay cache fails closed, the rate limiter follows state_unavailable.
    redis.stop();
    let fresh = token_at("after-outage", &[("vec", Viewer)], unix_now());
    let (status, v) = accounts(&client, &instances[1], &fresh).await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["error"]["code"], "state_unavailable");
    assert_eq!(v["error"]["rule"], "server.state");
    assert_eq!(
        v["error"]["message"],
        "the signer's shared state store (Redis) does not answer; retry later"
    );
    let other = r#"{"notification_type":"upload","public_id":"shared/two"}"#;
    let (status, v) = notify(&client, &instances[2], other, unix_now()).await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["error"]["code"], "state_unavailable");
    // `state_unavailable = "local"`: this instance limits with its own buckets meanwhile.
    let (status, v) = accounts(&client, &fallback, &fresh).await;
    assert_eq!(status, 200, "{v}");
    let (status, _) = notify(&client, &fallback, other, unix_now()).await;
    assert_eq!(status, 503, "the replay cache fails closed in every mode");

    // Redis is back: the instances reconnect on their own.
    redis.spawn();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = accounts(&client, &instances[1], &fresh).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "no reconnection to Redis");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A Redis URL that does not answer refuses to start.
    let nowhere = format!("redis://127.0.0.1:{}/0", free_port());
    let dead = write_config(&dir, "dead", &nowhere, "refuse", &host.base);
    let (child, _) = spawn(&dead, Stdio::piped());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cld-signer: cannot start: server.state: the Redis server does not answer (is it running, and is the URL right?)"),
        "{err}"
    );
}
