//! Start-up refusals of bad configurations: each names the place, none prints a secret.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use cloudinary_connector_signer::config::{self, Config, ConfigError};
use common::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const KEYS: &str = "[[auth.keys]]\nalgorithm = \"HS256\"\nsecret_env = \"JWT_KEY\"\n";

fn account(extra: &str) -> String {
    format!(
        "{KEYS}\n[[accounts]]\nid = \"main\"\ncloud_name = \"demo\"\napi_key = \"1234\"\n{extra}\n"
    )
}

fn ok_env() -> BTreeMap<String, String> {
    env(&[("JWT_KEY", JWT_KEY), ("MAIN_SECRET", "mainSecret-8h2k")])
}

#[track_caller]
fn refused(toml: &str, e: &BTreeMap<String, String>) -> String {
    let msg = config::from_toml(toml, Path::new("."), e)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    for secret in e.values() {
        assert!(
            !msg.contains(secret.as_str()),
            "the error prints a secret: {msg}"
        );
    }
    msg
}

#[test]
fn an_inline_secret_is_refused_without_printing_it() {
    let toml = account("api_secret = \"hunter2-very-secret\"");
    let msg = refused(&toml, &ok_env());
    assert_eq!(
        msg,
        "accounts[0].api_secret: secrets must not be written in the config file; put the value in an \
         environment variable (or a file readable only by the signer) and name it with `api_secret_env` / `api_secret_file`"
    );
    assert!(!msg.contains("hunter2"));
    let msg = refused(
        &format!("{KEYS}\n[webhooks]\nforward_secret = \"abc\"\n"),
        &ok_env(),
    );
    assert!(
        msg.starts_with("webhooks.forward_secret: secrets must not be written"),
        "{msg}"
    );
    let msg = refused(
        "[[auth.keys]]\nalgorithm = \"HS256\"\nkey = \"0123456789abcdef0123456789abcdef\"\n",
        &ok_env(),
    );
    assert!(
        msg.starts_with("auth.keys[0].key: secrets must not be written in the config file"),
        "{msg}"
    );
    assert!(
        msg.ends_with("name it with `secret_env` / `secret_file`"),
        "{msg}"
    );
    let msg = refused(
        "[identity]\nplatform = \"cloudinary://123:s3cr3t@demo\"\n",
        &ok_env(),
    );
    assert_eq!(msg, "identity.platform: holds a Cloudinary URL with a secret in it; give it through the CLOUDINARY_URL environment variable instead");
    let msg = refused(
        "[[auth.keys]]\nalgorithm = \"EdDSA\"\nprivate_key_pem = \"x\"\n",
        &ok_env(),
    );
    assert_eq!(msg, "auth.keys[0].private_key_pem: the signer verifies tokens with public keys only; remove the private key from the config file");
}

#[test]
fn a_missing_or_empty_environment_variable_is_named() {
    let toml = account("api_secret_env = \"MAIN_SECRET\"");
    assert_eq!(
        refused(&toml, &env(&[("JWT_KEY", JWT_KEY)])),
        "accounts[0] (id \"main\").api_secret_env: the environment variable MAIN_SECRET is not set"
    );
    assert_eq!(
        refused(&toml, &env(&[("JWT_KEY", JWT_KEY), ("MAIN_SECRET", "  ")])),
        "accounts[0] (id \"main\").api_secret_env: the environment variable MAIN_SECRET is empty"
    );
    assert_eq!(
        refused(&account(""), &ok_env()),
        "accounts[0] (id \"main\"): no secret source; name the environment variable holding it with `api_secret_env` (or a file with `api_secret_file`)"
    );
    assert_eq!(
        refused(&toml, &env(&[("MAIN_SECRET", "mainSecret-8h2k")])),
        "auth.keys[0].secret_env: the environment variable JWT_KEY is not set"
    );
}

#[test]
fn a_secret_written_where_the_variable_name_goes_is_not_echoed() {
    let toml = account("api_secret_env = \"hdcixPpR2iKERPwqvH6sHdK9cyac\"");
    let msg = refused(&toml, &ok_env());
    assert_eq!(
        msg,
        "accounts[0] (id \"main\").api_secret_env: must be the NAME of an environment variable (upper-case letters, digits and `_`, at most 64 characters), not the secret itself"
    );
    assert!(!msg.contains("hdcix"));
}

#[test]
fn malformed_toml_gives_the_line_but_not_the_value() {
    let toml = format!(
        "{KEYS}\n[[accounts]]\nid = \"main\"\ncloud_name = \"demo\napi_key = \"s3cr3t-oops\n"
    );
    let msg = refused(&toml, &ok_env());
    assert!(msg.starts_with("not valid TOML: line 7: "), "{msg}");
    assert!(!msg.contains("s3cr3t"), "{msg}");
    // A value of the wrong type is described, not quoted.
    let msg = refused(
        &account("api_secret_env = \"MAIN_SECRET\"\nproduct = 42"),
        &ok_env(),
    );
    assert_eq!(msg, "accounts[0] (id \"main\").product: must be \"programmable_media\", \"dam\" or a non-empty list of them");
    let msg = refused(
        "[server]\nmax_body_bytes = \"lots-of-bytes-secret\"\n",
        &ok_env(),
    );
    assert_eq!(msg, "line 2: invalid type (string), expected usize");
    let msg = refused(
        &account("api_secret_env = \"MAIN_SECRET\"\nsignature_algorithm = \"md5-secretish\""),
        &ok_env(),
    );
    assert_eq!(msg, "line 10: unknown variant, expected `sha1` or `sha256`");
}

#[test]
fn unknown_fields_and_bad_values_are_named() {
    assert_eq!(
        refused(&account("api_secret_env = \"MAIN_SECRET\"\ncloudname = \"x\""), &ok_env()),
        "line 10: unknown field `cloudname`, expected one of `id`, `label`, `cloud_name`, `api_key`, `api_secret_env`, `api_secret_file`, `product`, `signature_algorithm`, `folder_mode`, `policy`, `provisioning`, `sub_accounts`"
    );
    assert_eq!(
        refused(&account("api_secret_env = \"MAIN_SECRET\"\nproduct = \"video\""), &ok_env()),
        "accounts[0] (id \"main\").product: unknown product; expected \"programmable_media\" or \"dam\""
    );
    assert_eq!(
        refused(&account("api_secret_env = \"MAIN_SECRET\"\n[accounts.policy.owner]\nmedia_library = true"), &ok_env()),
        "accounts[0] (id \"main\").policy.owner: unknown role; expected \"viewer\", \"uploader\" or \"admin\""
    );
    assert_eq!(
        refused(&format!("[server]\ncors_origins = [\"*\"]\n{KEYS}"), &ok_env()),
        "server.cors_origins[0]: \"*\" is not an origin pattern like \"https://cms.example.com\", \"http://127.0.0.1:*\" or \"https://*.example.com\""
    );
    assert_eq!(
        refused(KEYS, &ok_env()),
        "no account is configured: add at least one [[accounts]] table"
    );
    let dup = format!(
        "{}\n[[accounts]]\nid = \"main\"\ncloud_name = \"b\"\napi_key = \"1\"\napi_secret_env = \"MAIN_SECRET\"\n",
        account("api_secret_env = \"MAIN_SECRET\"")
    );
    assert_eq!(
        refused(&dup, &ok_env()),
        "accounts[1] (id \"main\"): the id is used by another account or sub-account"
    );
    assert_eq!(
        refused(&account("api_secret_env = \"MAIN_SECRET\"").replace("id = \"main\"", "id = \"Main Site\""), &ok_env()),
        "accounts[0].id: \"Main Site\" is not a valid account id (lower-case letters, digits, `-` and `_`, at most 63 characters)"
    );
    assert_eq!(
        refused(
            &account("api_secret_env = \"MAIN_SECRET\""),
            &env(&[("JWT_KEY", "short-key"), ("MAIN_SECRET", "mainSecret-8h2k")])
        ),
        "auth.keys[0]: the HS256 key is too short; use at least 32 bytes"
    );
    assert_eq!(
        refused("[[auth.keys]]\nalgorithm = \"none\"\n", &ok_env()),
        "auth.keys[0].algorithm: this value is not supported; use \"HS256\", \"EdDSA\" or \"RS256\""
    );
    assert_eq!(
        refused("[[auth.keys]]\nalgorithm = \"RS256\"\npublic_key_pem = \"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\"\n", &ok_env()),
        "auth.keys[0]: not a PEM RS256 public key"
    );
}

#[test]
fn secret_files_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("cld-signer-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("main.secret");
    std::fs::write(&file, "fileSecret-77aa\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let toml = account("api_secret_file = \"main.secret\"");
    let e = config::from_toml(&toml, &dir, &ok_env())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!("accounts[0] (id \"main\").api_secret_file: {} is readable by every user; restrict it (chmod 600)", file.display())
    );
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = config::from_toml(&toml, &dir, &ok_env()).unwrap();
    assert_eq!(cfg.accounts[0].api_secret.expose(), "fileSecret-77aa");
    assert_eq!(
        format!("{:?}", cfg.accounts[0].api_secret),
        "Secret(<redacted>)"
    );
    assert!(!format!("{cfg:?}").contains("fileSecret"));
    let e = config::from_toml(
        &account("api_secret_file = \"missing.secret\""),
        &dir,
        &ok_env(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        format!(
            "accounts[0] (id \"main\").api_secret_file: cannot read {}: entity not found",
            dir.join("missing.secret").display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cloudinary_url_is_the_zero_config_default() {
    let cfg: Config = config::from_cloudinary_url(
        "cloudinary://614335564976464:aSecretValue99@my-cloud",
        &env(&[]),
    )
    .unwrap();
    assert_eq!(cfg.accounts.len(), 1);
    let a = &cfg.accounts[0];
    assert_eq!(
        (a.id.as_str(), a.cloud_name.as_str(), a.api_key.as_str()),
        ("default", "my-cloud", "614335564976464")
    );
    assert_eq!(a.api_secret.expose(), "aSecretValue99");
    assert!(cfg.auth.keys.is_empty());
    let with_key = config::from_cloudinary_url(
        "cloudinary://1:2@c",
        &env(&[("CLD_SIGNER_JWT_KEY", JWT_KEY)]),
    )
    .unwrap();
    assert_eq!(with_key.auth.keys.len(), 1);
    for (url, msg) in [
        (
            "https://1:aSecretValue99@c",
            "CLOUDINARY_URL: must start with cloudinary://",
        ),
        (
            "cloudinary://1aSecretValue99@c",
            "CLOUDINARY_URL: expected cloudinary://API_KEY:API_SECRET@CLOUD_NAME",
        ),
        (
            "cloudinary://1:aSecretValue99@",
            "CLOUDINARY_URL: the cloud name after `@` is missing or invalid",
        ),
        (
            "cloudinary://:aSecretValue99@c",
            "CLOUDINARY_URL: the API key and the API secret must not be empty",
        ),
    ] {
        let e: ConfigError = config::from_cloudinary_url(url, &env(&[])).unwrap_err();
        assert_eq!(e.to_string(), msg);
    }
}

/// The fixture the whole project's browser tests use loads with the documented environment,
/// and declares what the other suites rely on.
#[test]
fn the_shared_test_config_fixture_loads_with_the_documented_env() {
    let env = fixture_env();
    assert_eq!(env.len(), 6);
    let cfg = fixture_config();
    let top: Vec<&str> = cfg
        .accounts
        .iter()
        .filter(|a| a.parent.is_none())
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(top, ["demo", "brand", "archive"]);
    let subs: Vec<&str> = cfg.sub_accounts("brand").map(|a| a.id.as_str()).collect();
    assert_eq!(subs, ["brand-eu", "brand-us"]);
    use cloudinary_connector_signer::config::Product;
    assert_eq!(cfg.account("archive").unwrap().products, [Product::Dam]);
    assert_eq!(
        cfg.account("demo").unwrap().api_secret.expose(),
        "hdcixPpR2iKERPwqvH6sHdK9cyac"
    );
    assert!(cloudinary_connector_signer::cors::allowed(
        &cfg.server.cors_origins,
        "http://127.0.0.1:40123"
    ));
    assert!(cloudinary_connector_signer::cors::allowed(
        &cfg.server.cors_origins,
        "http://localhost:8000"
    ));
    assert!(!cloudinary_connector_signer::cors::allowed(
        &cfg.server.cors_origins,
        "http://example.com"
    ));
    // Every test secret is distinctive enough to be grepped for in built artefacts.
    for (k, v) in &env {
        assert!(v.len() >= 24, "{k} is too short to scan for");
    }
}

/// `server.workers`: the runtime's thread count; absent means one per CPU.
#[test]
fn server_workers_is_a_thread_count_from_1_to_1024() {
    let with = |v: &str| {
        format!(
            "[server]\nworkers = {v}\n{}",
            account("api_secret_env = \"MAIN_SECRET\"")
        )
    };
    let parsed = |v: &str| {
        config::from_toml(&with(v), Path::new("."), &ok_env())
            .unwrap()
            .server
            .workers
    };
    assert_eq!(parsed("1"), Some(1));
    assert_eq!(parsed("1024"), Some(1024));
    let default = config::from_toml(
        &account("api_secret_env = \"MAIN_SECRET\""),
        Path::new("."),
        &ok_env(),
    )
    .unwrap();
    assert_eq!(default.server.workers, None);
    assert_eq!(
        refused(&with("0"), &ok_env()),
        "server.workers: must be between 1 and 1024 threads (omit it for one per CPU), not 0"
    );
    assert_eq!(
        refused(&with("1025"), &ok_env()),
        "server.workers: must be between 1 and 1024 threads (omit it for one per CPU), not 1025"
    );
    assert_eq!(
        refused(&with("\"two\""), &ok_env()),
        "line 2: invalid type (string), expected usize"
    );
    assert_eq!(
        refused(&with("-1"), &ok_env()),
        "line 2: invalid value (integer), expected usize"
    );
}

/// `server.max_batch`: most delivery URLs per batch signing request, 100 by default, from 50
/// (the plugin's batch size) to 1000.
#[test]
fn server_max_batch_is_from_50_to_1000() {
    let with = |v: &str| {
        format!(
            "[server]\nmax_batch = {v}\n{}",
            account("api_secret_env = \"MAIN_SECRET\"")
        )
    };
    let parsed = |v: &str| {
        config::from_toml(&with(v), Path::new("."), &ok_env())
            .unwrap()
            .server
            .max_batch
    };
    assert_eq!(parsed("50"), 50);
    assert_eq!(parsed("1000"), 1000);
    let default = config::from_toml(
        &account("api_secret_env = \"MAIN_SECRET\""),
        Path::new("."),
        &ok_env(),
    )
    .unwrap();
    assert_eq!(default.server.max_batch, 100);
    assert_eq!(
        refused(&with("0"), &ok_env()),
        "server.max_batch: must be between 50 (the plugin sends up to 50 delivery URLs per request) and 1000, not 0"
    );
    assert_eq!(
        refused(&with("49"), &ok_env()),
        "server.max_batch: must be between 50 (the plugin sends up to 50 delivery URLs per request) and 1000, not 49"
    );
    assert_eq!(
        refused(&with("1001"), &ok_env()),
        "server.max_batch: must be between 50 (the plugin sends up to 50 delivery URLs per request) and 1000, not 1001"
    );
    assert_eq!(
        refused(&with("\"many\""), &ok_env()),
        "line 2: invalid type (string), expected usize"
    );
}

#[test]
fn server_state_lease_is_from_1_to_1000_and_needs_a_redis_state() {
    let with = |v: &str| {
        format!(
            "[server]\nstate = \"redis://127.0.0.1:6379/0\"\nstate_lease = {v}\n{}",
            account("api_secret_env = \"MAIN_SECRET\"")
        )
    };
    let parsed = |v: &str| {
        config::from_toml(&with(v), Path::new("."), &ok_env())
            .unwrap()
            .server
            .state_lease
    };
    assert_eq!(parsed("1"), 1);
    assert_eq!(parsed("1000"), 1000);
    let default = config::from_toml(
        &format!(
            "[server]\nstate = \"redis://127.0.0.1:6379/0\"\n{}",
            account("api_secret_env = \"MAIN_SECRET\"")
        ),
        Path::new("."),
        &ok_env(),
    )
    .unwrap();
    assert_eq!(default.server.state_lease, 32);
    assert_eq!(
        refused(&with("0"), &ok_env()),
        "server.state_lease: must be from 1 (one Redis round trip per request) to 1000, not 0"
    );
    assert_eq!(
        refused(&with("1001"), &ok_env()),
        "server.state_lease: must be from 1 (one Redis round trip per request) to 1000, not 1001"
    );
    assert_eq!(
        refused(
            &format!(
                "[server]\nstate_lease = 8\n{}",
                account("api_secret_env = \"MAIN_SECRET\"")
            ),
            &ok_env()
        ),
        "server.state_lease: applies to a Redis `state` only"
    );
}
