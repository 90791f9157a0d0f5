//! The secret rules of the configuration: a secret comes from an environment variable or a
//! file readable only by the signer, never from the file itself, and no message ever quotes one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::{err, ConfigError};

/// A secret held in memory. Its `Debug` is redacted and it has no `Display`, so it cannot end up
/// in a log line or an error by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into().into_boxed_str())
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Keys that would hold a secret inline: always refused.
const INLINE_SECRET_KEYS: [&str; 8] = [
    "api_secret",
    "secret",
    "shared_secret",
    "forward_secret",
    "private_key",
    "private_key_pem",
    "password",
    "key",
];

/// Where the loader reads environment variables and secret files from (tests pass a map).
pub trait Env {
    /// The variable's value, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Env for std::collections::HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}
/// Drops the part of a serde message that would quote a value from the file (the value could
/// be a secret written in the wrong place).
pub(super) fn redact_serde_message(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("");
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        if let Some(rest) = first.strip_prefix(prefix) {
            let expected = rest.find(", expected").map(|i| &rest[i..]).unwrap_or("");
            let kind = rest.split([' ', ',']).next().unwrap_or("");
            let kind = if kind.starts_with('`') || kind.starts_with('"') {
                ""
            } else {
                kind
            };
            let head = prefix.trim_end_matches(": ").trim_end();
            return if kind.is_empty() {
                format!("{head}{expected}")
            } else {
                format!("{head} ({kind}){expected}")
            };
        }
    }
    first.to_owned()
}
pub(super) fn scan_inline_secrets(v: &::toml::Value, path: &str) -> Result<(), ConfigError> {
    match v {
        ::toml::Value::Table(t) => {
            for (k, v) in t {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.starts_with("private_key") {
                    return err(format!(
                        "{p}: the signer verifies tokens with public keys only; remove the private \
                         key from the config file"
                    ));
                }
                if INLINE_SECRET_KEYS.contains(&k.as_str()) {
                    return err(format!(
                        "{p}: secrets must not be written in the config file; put the value in an \
                         environment variable (or a file readable only by the signer) and name it \
                         with `{k}_env` / `{k}_file`",
                        k = if k == "key" || k == "secret" {
                            "secret"
                        } else {
                            k.as_str()
                        }
                    ));
                }
                scan_inline_secrets(v, &p)?;
            }
            Ok(())
        }
        ::toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                scan_inline_secrets(v, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        ::toml::Value::String(s) => {
            if looks_like_credential_url(s) {
                return err(format!(
                    "{path}: holds a Cloudinary URL with a secret in it; give it through the \
                     CLOUDINARY_URL environment variable instead"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(super) fn looks_like_credential_url(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    ["cloudinary://", "account://"].iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .and_then(|rest| rest.split_once('@'))
            .is_some_and(|(creds, _)| creds.contains(':'))
    })
}

/// An environment variable NAME (so that it may be echoed in errors): upper-case letters,
/// digits and `_`, at most 64 characters. Anything else may be a secret pasted in the wrong
/// place and is never echoed.
pub(super) fn valid_env_name(s: &str) -> bool {
    if s.len() > 64 {
        return false;
    }
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
/// Reads a secret named by `<key>_env` or `<key>_file`, exactly one of which must be given.
pub(super) fn read_secret(
    path: &str,
    key: &str,
    env_name: Option<&str>,
    file: Option<&Path>,
    base: &Path,
    env: &dyn Env,
) -> Result<Secret, ConfigError> {
    match (env_name, file) {
        (Some(_), Some(_)) => err(format!(
            "{path}: give either `{key}_env` or `{key}_file`, not both"
        )),
        (None, None) => err(format!(
            "{path}: no secret source; name the environment variable holding it with `{key}_env` \
             (or a file with `{key}_file`)"
        )),
        (Some(name), None) => {
            if !valid_env_name(name) {
                return err(format!(
                    "{path}.{key}_env: must be the NAME of an environment variable (upper-case \
                     letters, digits and `_`, at most 64 characters), not the secret itself"
                ));
            }
            match env.var(name) {
                None => err(format!(
                    "{path}.{key}_env: the environment variable {name} is not set"
                )),
                Some(v) if v.trim().is_empty() => err(format!(
                    "{path}.{key}_env: the environment variable {name} is empty"
                )),
                Some(v) => Ok(Secret::new(v.trim())),
            }
        }
        (None, Some(f)) => {
            let full = if f.is_absolute() {
                f.to_path_buf()
            } else {
                base.join(f)
            };
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(meta) = std::fs::metadata(&full) {
                    if meta.permissions().mode() & 0o004 != 0 {
                        return err(format!(
                            "{path}.{key}_file: {} is readable by every user; restrict it (chmod 600)",
                            full.display()
                        ));
                    }
                }
            }
            let v = std::fs::read_to_string(&full).or_else(|e| {
                err(format!(
                    "{path}.{key}_file: cannot read {}: {}",
                    full.display(),
                    e.kind()
                ))
            })?;
            if v.trim().is_empty() {
                return err(format!("{path}.{key}_file: {} is empty", full.display()));
            }
            Ok(Secret::new(v.trim()))
        }
    }
}
