//! The extension manifest (`pkg.json`) that a host's extension API reads before it loads the
//! plugin: identity, version, entry module, the host-API range the plugin supports, requested
//! permissions, and where users find support, docs and known limitations.
//!
//! Parsing is strict and every refusal names the field and the rule:
//!
//! ```
//! use cloudinary_connector::Manifest;
//!
//! let m = Manifest::parse(include_str!("../../pkg.json")).unwrap();
//! assert_eq!(m.version.to_string(), cloudinary_connector::core::VERSION);
//! m.check_host_api("1.0.0").unwrap();
//! assert_eq!(
//!     m.check_host_api("0.9.0").unwrap_err().to_string(),
//!     format!("host API 0.9.0 is outside the range {} that {} supports", m.host_api, m.name)
//! );
//! ```

use crate::core::text::Quoted;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

use crate::core::json::{Map, Value};
use crate::core::semver::{Version, VersionReq};

/// Permissions a plugin may request from its host. A manifest asking for anything else is refused.
pub const KNOWN_PERMISSIONS: &[&str] = &[
    "storage",
    "ui:toolbar",
    "ui:panel",
    "ui:dialog",
    "network:signer",
    "scripts:cloudinary",
    "user:token",
];

/// A validated extension manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// Stable identifier, `[a-z0-9-]+` (e.g. `cloudinary-connector`).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// The plugin version (SemVer); equals `Cargo.toml`'s.
    pub version: Version,
    /// One-line description, if given.
    pub description: Option<String>,
    /// The ES module the host imports, relative to the manifest.
    pub entry: String,
    /// The host extension API versions the plugin runs on.
    pub host_api: VersionReq,
    /// Requested permissions, each one of [`KNOWN_PERMISSIONS`].
    pub permissions: Vec<String>,
    /// Where users send questions and report issues.
    pub support: Support,
    /// Usage documentation.
    pub docs: String,
    /// Known issues and limitations, shown to users before they install.
    pub known_limitations: String,
}

/// Support contact: at least one of an e-mail address and a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Support {
    /// Contact e-mail.
    pub email: Option<String>,
    /// Issue tracker or support page.
    pub url: Option<String>,
}

/// Why a manifest was refused, or why it refuses a host.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestError {
    /// Not JSON at all.
    Json(String),
    /// The top level is not a JSON object.
    NotAnObject,
    /// A required field is absent.
    Missing(&'static str),
    /// A field has the wrong JSON type or is empty.
    Type {
        /// The field's path, e.g. `support.email`.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `id` has characters other than lower-case ASCII letters, digits and `-`.
    BadId(String),
    /// `version` is not SemVer.
    BadVersion {
        /// The version as written.
        value: String,
        /// Why it is not SemVer (the `semver` crate's message).
        reason: String,
    },
    /// `hostApi` is not a SemVer range.
    BadRange {
        /// The range as written.
        value: String,
        /// Why it is not SemVer (the `semver` crate's message).
        reason: String,
    },
    /// A permission outside [`KNOWN_PERMISSIONS`].
    UnknownPermission(String),
    /// A link that is not an `http(s)://` URL or a relative path.
    BadLink {
        /// The field's path.
        field: &'static str,
        /// The value as written.
        value: String,
    },
    /// `support` has neither `email` nor `url`.
    NoSupportContact,
    /// The host's API version is not SemVer.
    BadHostVersion {
        /// The version the host reported.
        value: String,
        /// Why it is not SemVer (the `semver` crate's message).
        reason: String,
    },
    /// The host's API version is outside `hostApi`.
    UnsupportedHost {
        /// The host's API version.
        host: Version,
        /// The range the plugin supports.
        range: VersionReq,
        /// The plugin's name.
        plugin: String,
    },
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ManifestError::*;
        match self {
            Json(e) => write!(f, "the manifest is not valid JSON: {e}"),
            NotAnObject => f.write_str("the manifest must be a JSON object"),
            Missing(field) => write!(f, "the manifest has no `{field}` field"),
            Type { field, expected } => write!(f, "the manifest field `{field}` must be {expected}"),
            BadId(id) => write!(
                f,
                "the manifest id {id} may contain only lower-case ASCII letters, digits and '-'",
                id = Quoted(id),
            ),
            BadVersion { value, reason } => {
                write!(
                    f,
                    "the manifest version {value} is not SemVer: {reason}",
                    value = Quoted(value),
                )
            }
            BadRange { value, reason } => {
                write!(
                    f,
                    "the manifest hostApi {value} is not a SemVer range: {reason}",
                    value = Quoted(value),
                )
            }
            UnknownPermission(p) => write!(
                f,
                "the manifest requests the unknown permission {p}; known permissions: {}",
                KNOWN_PERMISSIONS.join(", "),
                p = Quoted(p),
            ),
            BadLink { field, value } => write!(
                f,
                "the manifest field `{field}` must be an http(s) URL or a relative path, not {value}",
                value = Quoted(value),
            ),
            NoSupportContact => {
                f.write_str("the manifest field `support` needs an `email` or a `url`")
            }
            BadHostVersion { value, reason } => {
                write!(
                    f,
                    "the host API version {value} is not SemVer: {reason}",
                    value = Quoted(value),
                )
            }
            UnsupportedHost { host, range, plugin } => {
                write!(f, "host API {host} is outside the range {range} that {plugin} supports")
            }
        }
    }
}

impl core::error::Error for ManifestError {}

fn string(obj: &Map<String, Value>, field: &'static str) -> Result<String, ManifestError> {
    match obj.get(field) {
        None | Some(Value::Null) => Err(ManifestError::Missing(field)),
        Some(v) => opt_string_value(v, field)?.ok_or(ManifestError::Missing(field)),
    }
}

fn opt_string_value(v: &Value, field: &'static str) -> Result<Option<String>, ManifestError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
        _ => Err(ManifestError::Type {
            field,
            expected: "a non-empty string",
        }),
    }
}

fn link(value: String, field: &'static str) -> Result<String, ManifestError> {
    let lower = value.to_ascii_lowercase();
    let absolute = lower.starts_with("https://") || lower.starts_with("http://");
    let relative = !value.contains(':') && !value.contains(char::is_whitespace);
    if (absolute && value.len() > "https://".len() && !value.contains(char::is_whitespace))
        || relative
    {
        Ok(value)
    } else {
        Err(ManifestError::BadLink { field, value })
    }
}

impl Manifest {
    /// Parses and validates a manifest's JSON text.
    pub fn parse(json: &str) -> Result<Self, ManifestError> {
        let value: Value =
            crate::core::json::from_str(json).map_err(|e| ManifestError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Validates an already-parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Self, ManifestError> {
        let obj = value.as_object().ok_or(ManifestError::NotAnObject)?;

        let id = string(obj, "id")?;
        if !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ManifestError::BadId(id));
        }
        let name = string(obj, "name")?;
        let raw_version = string(obj, "version")?;
        let version = Version::parse(&raw_version).map_err(|e| ManifestError::BadVersion {
            value: raw_version.clone(),
            reason: e.to_string(),
        })?;
        let description = match obj.get("description") {
            Some(v) => opt_string_value(v, "description")?,
            None => None,
        };
        let entry = link(string(obj, "entry")?, "entry")?;
        let raw_range = string(obj, "hostApi")?;
        let host_api = VersionReq::parse(&raw_range).map_err(|e| ManifestError::BadRange {
            value: raw_range.clone(),
            reason: e.to_string(),
        })?;

        let permissions = match obj.get("permissions") {
            None | Some(Value::Null) => return Err(ManifestError::Missing("permissions")),
            Some(Value::Array(items)) => items
                .iter()
                .map(|p| match p {
                    Value::String(s) if KNOWN_PERMISSIONS.contains(&s.as_str()) => Ok(s.clone()),
                    Value::String(s) => Err(ManifestError::UnknownPermission(s.clone())),
                    _ => Err(ManifestError::Type {
                        field: "permissions",
                        expected: "an array of strings",
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => {
                return Err(ManifestError::Type {
                    field: "permissions",
                    expected: "an array of strings",
                })
            }
        };

        let support = match obj.get("support") {
            None | Some(Value::Null) => return Err(ManifestError::Missing("support")),
            Some(Value::Object(s)) => {
                let email = match s.get("email") {
                    Some(v) => opt_string_value(v, "support.email")?,
                    None => None,
                };
                if let Some(e) = &email {
                    let ok = e
                        .split_once('@')
                        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
                    if !ok || e.contains(char::is_whitespace) {
                        return Err(ManifestError::Type {
                            field: "support.email",
                            expected: "an e-mail address",
                        });
                    }
                }
                let url = match s.get("url") {
                    Some(v) => opt_string_value(v, "support.url")?
                        .map(|u| link(u, "support.url"))
                        .transpose()?,
                    None => None,
                };
                if email.is_none() && url.is_none() {
                    return Err(ManifestError::NoSupportContact);
                }
                Support { email, url }
            }
            Some(_) => {
                return Err(ManifestError::Type {
                    field: "support",
                    expected: "an object",
                })
            }
        };
        let docs = link(string(obj, "docs")?, "docs")?;
        let known_limitations = link(string(obj, "knownLimitations")?, "knownLimitations")?;

        Ok(Manifest {
            id,
            name,
            version,
            description,
            entry,
            host_api,
            permissions,
            support,
            docs,
            known_limitations,
        })
    }

    /// Checks that a host offering extension API `host_version` is inside [`Manifest::host_api`].
    pub fn check_host_api(&self, host_version: &str) -> Result<Version, ManifestError> {
        let host =
            Version::parse(host_version.trim()).map_err(|e| ManifestError::BadHostVersion {
                value: host_version.to_owned(),
                reason: e.to_string(),
            })?;
        if self.host_api.matches(&host) {
            Ok(host)
        } else {
            Err(ManifestError::UnsupportedHost {
                host,
                range: self.host_api.clone(),
                plugin: self.name.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn good() -> Value {
        crate::core::json::from_str(include_str!("../../pkg.json")).unwrap()
    }

    #[track_caller]
    fn refused(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut v = good();
        edit(v.as_object_mut().unwrap());
        Manifest::from_value(&v).unwrap_err().to_string()
    }

    #[test]
    fn the_shipped_manifest_is_valid_and_matches_cargo() {
        let m = Manifest::from_value(&good()).unwrap();
        assert_eq!(m.version.to_string(), crate::core::VERSION);
        assert_eq!(m.id, "cloudinary-connector");
        assert!(m.support.email.is_some() || m.support.url.is_some());
    }

    #[test]
    fn missing_fields_are_named() {
        for f in [
            "id",
            "name",
            "version",
            "entry",
            "hostApi",
            "permissions",
            "support",
            "docs",
            "knownLimitations",
        ] {
            let msg = refused(|o| {
                o.remove(f);
            });
            assert_eq!(msg, format!("the manifest has no `{f}` field"));
        }
    }

    #[test]
    fn bad_values_get_specific_errors() {
        assert_eq!(
            refused(|o| {
                o.set("version", json!("1.0"));
            }),
            "the manifest version \"1.0\" is not SemVer: unexpected end of input while parsing minor version number"
        );
        assert_eq!(
            refused(|o| {
                o.set("hostApi", json!(">=> 1"));
            }),
            "the manifest hostApi \">=> 1\" is not a SemVer range: unexpected character '>' while parsing major version number"
        );
        assert_eq!(
            refused(|o| {
                o.set("id", json!("Cloudinary Connector"));
            }),
            "the manifest id \"Cloudinary Connector\" may contain only lower-case ASCII letters, digits and '-'"
        );
        assert_eq!(
            refused(|o| {
                o.set("name", json!(42));
            }),
            "the manifest field `name` must be a non-empty string"
        );
        assert_eq!(
            refused(|o| {
                o.set("permissions", json!(["storage", "camera"]));
            }),
            format!(
                "the manifest requests the unknown permission \"camera\"; known permissions: {}",
                KNOWN_PERMISSIONS.join(", ")
            )
        );
        assert_eq!(
            refused(|o| {
                o.set("support", json!({}));
            }),
            "the manifest field `support` needs an `email` or a `url`"
        );
        assert_eq!(
            refused(|o| {
                o.set("support", json!({"email": "nobody"}));
            }),
            "the manifest field `support.email` must be an e-mail address"
        );
        assert_eq!(
            refused(|o| {
                o.set("docs", json!("javascript:alert(1)"));
            }),
            "the manifest field `docs` must be an http(s) URL or a relative path, not \"javascript:alert(1)\""
        );
        assert_eq!(
            Manifest::parse("[]").unwrap_err().to_string(),
            "the manifest must be a JSON object"
        );
        assert_eq!(
            Manifest::parse("{").unwrap_err().to_string(),
            "the manifest is not valid JSON: EOF while parsing an object at line 1 column 1"
        );
    }

    #[test]
    fn host_api_range_is_enforced() {
        let m = Manifest::from_value(&good()).unwrap();
        assert!(m.check_host_api("1.0.0").is_ok());
        assert!(m.check_host_api("1.4.2").is_ok());
        assert_eq!(
            m.check_host_api("2.0.0").unwrap_err().to_string(),
            format!(
                "host API 2.0.0 is outside the range ^1.0 that {} supports",
                m.name
            )
        );
        assert_eq!(
            m.check_host_api("one").unwrap_err().to_string(),
            "the host API version \"one\" is not SemVer: unexpected character 'o' while parsing major version number"
        );
    }
}
