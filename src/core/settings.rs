//! The plugin's stored settings: what the plugin persists in the host's namespaced storage under
//! [`SETTINGS_KEY`], and how settings written by an older version are migrated.
//!
//! Every stored record carries the plugin version that wrote it:
//!
//! ```json
//! {"writtenBy": "0.1.0", "settings": {"cloudName": "demo", ...}}
//! ```
//!
//! Loading a record written by an older version runs the [`MIGRATIONS`] whose target version lies
//! after the writer's, in order; a record written by a *newer* version is refused (a downgrade
//! would silently lose what the newer version stored).
//!
//! ```
//! use cloudinary_connector::core::settings::{load, Settings};
//! use cloudinary_connector::core::semver::Version;
//!
//! let old = r#"{"writtenBy":"0.0.3","settings":{"cloud_name":"shop","transformation":"q_auto","secure":true}}"#;
//! let loaded = load(old, &Version::new(0, 1, 0)).unwrap();
//! assert_eq!(loaded.settings.cloud_name, "shop");
//! assert_eq!(loaded.settings.delivery.default_transformation, "q_auto");
//! assert_eq!(loaded.applied, ["0.0.5", "0.1.0"]);
//!
//! let newer = r#"{"writtenBy":"0.2.0","settings":{}}"#;
//! assert_eq!(
//!     load(newer, &Version::new(0, 1, 0)).unwrap_err().to_string(),
//!     "the stored settings were written by version 0.2.0, newer than this plugin (0.1.0): \
//!      downgrading is not supported; install 0.2.0 or later, or uninstall with \"remove all data\""
//! );
//! ```

use crate::core::text::Quoted;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

use crate::core::json::{de, Map, ToJson, Value};
use crate::core::semver::Version;
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// The storage key (inside the plugin's namespace) that holds the settings record.
pub const SETTINGS_KEY: &str = "settings";

/// The Cloudinary cloud the plugin uses when the user has configured none: Cloudinary's public
/// `demo` cloud, so a fresh install works without credentials.
pub const DEFAULT_CLOUD: &str = "demo";

/// The delivery transformation applied by default (automatic format and quality).
pub const DEFAULT_TRANSFORMATION: &str = "f_auto,q_auto";

/// The plugin's settings, current schema.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Settings {
    /// The Cloudinary cloud name delivery URLs and widgets use.
    pub cloud_name: String,
    /// Delivery options.
    pub delivery: Delivery,
    /// User-interface options.
    pub ui: Ui,
}

/// Delivery options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Delivery {
    /// The transformation added to inserted images (empty: none).
    pub default_transformation: String,
}

/// User-interface options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Ui {
    /// Whether the keyboard shortcut (Ctrl+Shift+M) toggles the Cloudinary panel.
    pub shortcut: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cloud_name: DEFAULT_CLOUD.to_owned(),
            delivery: Delivery {
                default_transformation: DEFAULT_TRANSFORMATION.to_owned(),
            },
            ui: Ui { shortcut: true },
        }
    }
}

/// Why stored settings could not be loaded or a settings value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsError {
    /// The stored record is not JSON.
    Json(String),
    /// The stored record is not `{"writtenBy": "...", "settings": {...}}`.
    Shape(&'static str),
    /// `writtenBy` is not SemVer.
    BadWriter {
        /// The version as stored.
        value: String,
        /// Why it is not SemVer (the `semver` crate's message).
        reason: String,
    },
    /// The record was written by a newer plugin version.
    Downgrade {
        /// The writer's version.
        stored: Version,
        /// This plugin's version.
        current: Version,
    },
    /// A migration found data it cannot convert.
    Migration {
        /// The migration's target version.
        to: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// After migration the settings do not match the current schema.
    Schema(String),
    /// A cloud name with characters Cloudinary does not allow.
    BadCloudName(String),
    /// A default transformation that cannot sit in a URL path segment.
    BadTransformation(String),
    /// A default transformation the URL engine's grammar refuses ([`Settings::validate_input`]).
    InvalidTransformation {
        /// The transformation.
        text: String,
        /// The grammar's reason.
        why: String,
    },
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SettingsError::*;
        match self {
            Json(e) => write!(f, "the stored settings are not valid JSON: {e}"),
            Shape(what) => write!(f, "the stored settings are malformed: {what}"),
            BadWriter { value, reason } => write!(
                f,
                "the stored settings name the version {value} as their writer, which is not SemVer: {reason}",
                value = Quoted(value),
            ),
            Downgrade { stored, current } => write!(
                f,
                "the stored settings were written by version {stored}, newer than this plugin ({current}): \
                 downgrading is not supported; install {stored} or later, or uninstall with \"remove all data\""
            ),
            Migration { to, reason } => {
                write!(f, "cannot migrate the stored settings to version {to}: {reason}")
            }
            Schema(e) => write!(f, "the stored settings do not match this version's schema: {e}"),
            BadCloudName(n) => write!(
                f,
                "the cloud name {n} may contain only ASCII letters, digits, '-' and '_'",
                n = Quoted(n),
            ),
            BadTransformation(t) => write!(
                f,
                "the default transformation {t} may not contain '/', '?', '#' or whitespace",
                t = Quoted(t),
            ),
            InvalidTransformation { text, why } => {
                write!(
                    f,
                    "the default transformation {text} is not valid: {why}",
                    text = Quoted(text),
                )
            }
        }
    }
}

impl core::error::Error for SettingsError {}

impl Settings {
    /// Checks the values a user can type.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let n = &self.cloud_name;
        if n.is_empty()
            || !n
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(SettingsError::BadCloudName(n.clone()));
        }
        let t = &self.delivery.default_transformation;
        if t.contains(['/', '?', '#']) || t.contains(char::is_whitespace) {
            return Err(SettingsError::BadTransformation(t.clone()));
        }
        Ok(())
    }

    /// Checks what a user typed before it is saved: [`Settings::validate`], then the default
    /// transformation read by the URL engine's grammar (`Transformation::from_str`, the one
    /// reader of transformations), so that a value the engine would refuse when an image is
    /// inserted is refused when it is typed. Stored settings are only [`Settings::validate`]d
    /// when loaded: a value an older version saved never stops the plugin from activating.
    pub fn validate_input(&self) -> Result<(), SettingsError> {
        self.validate()?;
        let t = &self.delivery.default_transformation;
        t.parse::<crate::core::url::Transformation>()
            .map(drop)
            .map_err(|e| SettingsError::InvalidTransformation {
                text: t.clone(),
                why: e.to_string(),
            })
    }

    /// The stored record for these settings, written by `version`.
    pub fn to_record(&self, version: &Version) -> String {
        crate::json!({"writtenBy": version.to_string(), "settings": self}).to_string()
    }
}

impl Settings {
    /// Reads the current schema's object (unknown keys refused), with `serde`'s error wording.
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = de::strict(v, "Settings", &["cloudName", "delivery", "ui"])?;
        let delivery = o
            .get("delivery")
            .ok_or_else(|| de::missing_field("delivery"))?;
        let delivery = de::strict(delivery, "Delivery", &["defaultTransformation"])?;
        let ui = o.get("ui").ok_or_else(|| de::missing_field("ui"))?;
        let ui = de::strict(ui, "Ui", &["shortcut"])?;
        Ok(Settings {
            cloud_name: de::string(o, "cloudName")?,
            delivery: Delivery {
                default_transformation: de::string(delivery, "defaultTransformation")?,
            },
            ui: Ui {
                shortcut: de::boolean(ui, "shortcut")?,
            },
        })
    }
}

impl ToJson for Settings {
    fn to_json(&self) -> Value {
        crate::json!({
            "cloudName": self.cloud_name,
            "delivery": {"defaultTransformation": self.delivery.default_transformation},
            "ui": {"shortcut": self.ui.shortcut}
        })
    }
}

/// One schema change: the plugin version that introduced it and the conversion of the previous
/// schema's JSON object into the new one.
#[derive(Clone, Copy)]
pub struct Migration {
    /// The version whose schema this migration produces (SemVer).
    pub to: &'static str,
    /// What changed, for the log.
    pub summary: &'static str,
    /// Converts the previous schema's object in place.
    pub apply: fn(&mut Map<String, Value>) -> Result<(), String>,
}

impl fmt::Debug for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migration")
            .field("to", &self.to)
            .field("summary", &self.summary)
            .finish()
    }
}

/// The schema history, oldest first.
///
/// * before 0.0.5: `{"cloud_name", "transformation", "secure"}` (snake case; `secure` chose
///   `http`/`https`);
/// * 0.0.5: camel case, `secure` dropped (delivery is always HTTPS): `{"cloudName",
///   "defaultTransformation"}`;
/// * 0.1.0: grouped: `{"cloudName", "delivery": {"defaultTransformation"}, "ui": {"shortcut"}}`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        to: "0.0.5",
        summary: "camel-case keys; delivery is always HTTPS",
        apply: migrate_0_0_5,
    },
    Migration {
        to: "0.1.0",
        summary: "delivery and ui groups; keyboard shortcut option",
        apply: migrate_0_1_0,
    },
];

fn take_string(obj: &mut Map<String, Value>, key: &str, default: &str) -> Result<String, String> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("`{key}` is {other}, not a string")),
    }
}

fn migrate_0_0_5(obj: &mut Map<String, Value>) -> Result<(), String> {
    let cloud = take_string(obj, "cloud_name", DEFAULT_CLOUD)?;
    let tx = take_string(obj, "transformation", DEFAULT_TRANSFORMATION)?;
    match obj.remove("secure") {
        None | Some(Value::Bool(_)) => {}
        Some(other) => return Err(format!("`secure` is {other}, not a boolean")),
    }
    if let Some(k) = obj.keys().next() {
        return Err(format!("unknown key `{k}`"));
    }
    obj.set("cloudName", Value::String(cloud));
    obj.set("defaultTransformation", Value::String(tx));
    Ok(())
}

fn migrate_0_1_0(obj: &mut Map<String, Value>) -> Result<(), String> {
    let tx = take_string(obj, "defaultTransformation", DEFAULT_TRANSFORMATION)?;
    obj.insert(
        "delivery".into(),
        crate::json!({"defaultTransformation": tx}),
    );
    obj.set("ui", crate::json!({"shortcut": true}));
    Ok(())
}

/// Settings loaded from storage, with the migrations that ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The settings, in the current schema.
    pub settings: Settings,
    /// The version that wrote the record.
    pub written_by: Version,
    /// Target versions of the migrations applied, in order (empty: the record was current).
    pub applied: Vec<&'static str>,
}

impl Loaded {
    /// Whether the record must be written back (it was migrated or written by another version).
    pub fn needs_write(&self, current: &Version) -> bool {
        !self.applied.is_empty() || &self.written_by != current
    }
}

/// Loads a stored settings record for plugin version `current`, migrating with [`MIGRATIONS`].
pub fn load(record: &str, current: &Version) -> Result<Loaded, SettingsError> {
    load_with(record, current, MIGRATIONS)
}

/// [`load`] with an explicit migration list (ordered by `to`, oldest first).
pub fn load_with(
    record: &str,
    current: &Version,
    migrations: &[Migration],
) -> Result<Loaded, SettingsError> {
    let value: Value =
        crate::core::json::from_str(record).map_err(|e| SettingsError::Json(e.to_string()))?;
    let Value::Object(mut top) = value else {
        return Err(SettingsError::Shape("the record must be a JSON object"));
    };
    let written_by = match top.remove("writtenBy") {
        Some(Value::String(s)) => Version::parse(&s).map_err(|e| SettingsError::BadWriter {
            value: s.clone(),
            reason: e.to_string(),
        })?,
        Some(_) => return Err(SettingsError::Shape("`writtenBy` must be a version string")),
        None => return Err(SettingsError::Shape("`writtenBy` is missing")),
    };
    if &written_by > current {
        return Err(SettingsError::Downgrade {
            stored: written_by,
            current: current.clone(),
        });
    }
    let mut obj = match top.remove("settings") {
        Some(Value::Object(o)) => o,
        Some(_) => return Err(SettingsError::Shape("`settings` must be an object")),
        None => return Err(SettingsError::Shape("`settings` is missing")),
    };
    let mut applied = Vec::new();
    for m in migrations {
        let to = Version::parse(m.to).expect("migration targets are SemVer");
        if to > written_by && &to <= current {
            (m.apply)(&mut obj).map_err(|reason| SettingsError::Migration { to: m.to, reason })?;
            applied.push(m.to);
        }
    }
    let settings = Settings::from_json(&Value::Object(obj)).map_err(SettingsError::Schema)?;
    settings.validate()?;
    Ok(Loaded {
        settings,
        written_by,
        applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[track_caller]
    fn err(record: &str) -> String {
        load(record, &v("0.1.0")).unwrap_err().to_string()
    }

    #[test]
    fn migrations_are_ordered_and_end_at_or_before_this_version() {
        let versions: Vec<Version> = MIGRATIONS.iter().map(|m| v(m.to)).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]));
        assert!(versions.last().unwrap() <= &v(crate::core::VERSION));
    }

    #[test]
    fn schema_1_goes_through_both_migrations() {
        let rec = r#"{"writtenBy":"0.0.1","settings":{"cloud_name":"acme","transformation":"c_fill,w_300","secure":false}}"#;
        let l = load(rec, &v("0.1.0")).unwrap();
        assert_eq!(l.applied, ["0.0.5", "0.1.0"]);
        assert_eq!(l.written_by, v("0.0.1"));
        assert_eq!(
            l.settings,
            Settings {
                cloud_name: "acme".into(),
                delivery: Delivery {
                    default_transformation: "c_fill,w_300".into()
                },
                ui: Ui { shortcut: true },
            }
        );
        assert!(l.needs_write(&v("0.1.0")));
    }

    #[test]
    fn schema_2_runs_only_the_second_migration() {
        let rec =
            r#"{"writtenBy":"0.0.7","settings":{"cloudName":"acme","defaultTransformation":""}}"#;
        let l = load(rec, &v("0.1.0")).unwrap();
        assert_eq!(l.applied, ["0.1.0"]);
        assert_eq!(l.settings.delivery.default_transformation, "");
    }

    #[test]
    fn a_record_at_a_migration_boundary_is_already_migrated() {
        let rec = r#"{"writtenBy":"0.0.5","settings":{"cloudName":"acme","defaultTransformation":"q_auto"}}"#;
        assert_eq!(load(rec, &v("0.1.0")).unwrap().applied, ["0.1.0"]);
    }

    #[test]
    fn a_current_record_round_trips_without_migration() {
        let s = Settings::default();
        let rec = s.to_record(&v("0.1.0"));
        let l = load(&rec, &v("0.1.0")).unwrap();
        assert_eq!(l.settings, s);
        assert!(l.applied.is_empty());
        assert!(!l.needs_write(&v("0.1.0")));
        // A patch release with no schema change reads it and rewrites it under its own version.
        let l = load(&rec, &v("0.1.1")).unwrap();
        assert!(l.applied.is_empty());
        assert!(l.needs_write(&v("0.1.1")));
    }

    #[test]
    fn an_intermediate_version_stops_at_its_own_schema() {
        let rec = r#"{"writtenBy":"0.0.2","settings":{"cloud_name":"acme"}}"#;
        let value: Value = crate::core::json::from_str(rec).unwrap();
        let mut obj = value["settings"].as_object().unwrap().clone();
        migrate_0_0_5(&mut obj).unwrap();
        assert_eq!(
            Value::Object(obj),
            crate::json!({"cloudName": "acme", "defaultTransformation": "f_auto,q_auto"})
        );
        // load_with a list whose last step is beyond `current` leaves that step out.
        let err = load_with(rec, &v("0.0.6"), MIGRATIONS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the stored settings do not match this version's schema: unknown field `defaultTransformation`, expected one of `cloudName`, `delivery`, `ui`"
        );
    }

    #[test]
    fn a_downgrade_is_refused() {
        assert_eq!(
            err(r#"{"writtenBy":"0.1.1","settings":{}}"#),
            "the stored settings were written by version 0.1.1, newer than this plugin (0.1.0): downgrading is not supported; install 0.1.1 or later, or uninstall with \"remove all data\""
        );
        assert_eq!(
            load(r#"{"writtenBy":"1.0.0","settings":{}}"#, &v("0.9.9")).unwrap_err(),
            SettingsError::Downgrade {
                stored: v("1.0.0"),
                current: v("0.9.9")
            }
        );
    }

    #[test]
    fn malformed_records_get_specific_errors() {
        assert_eq!(
            err("nope"),
            "the stored settings are not valid JSON: expected ident at line 1 column 2"
        );
        assert_eq!(
            err("[]"),
            "the stored settings are malformed: the record must be a JSON object"
        );
        assert_eq!(
            err("{}"),
            "the stored settings are malformed: `writtenBy` is missing"
        );
        assert_eq!(
            err(r#"{"writtenBy":1}"#),
            "the stored settings are malformed: `writtenBy` must be a version string"
        );
        assert_eq!(
            err(r#"{"writtenBy":"1.0","settings":{}}"#),
            "the stored settings name the version \"1.0\" as their writer, which is not SemVer: unexpected end of input while parsing minor version number"
        );
        assert_eq!(
            err(r#"{"writtenBy":"0.1.0"}"#),
            "the stored settings are malformed: `settings` is missing"
        );
        assert_eq!(
            err(r#"{"writtenBy":"0.0.1","settings":{"cloud_name":7}}"#),
            "cannot migrate the stored settings to version 0.0.5: `cloud_name` is 7, not a string"
        );
        assert_eq!(
            err(r#"{"writtenBy":"0.0.1","settings":{"cloudname":"x"}}"#),
            "cannot migrate the stored settings to version 0.0.5: unknown key `cloudname`"
        );
        assert_eq!(
            err(
                r#"{"writtenBy":"0.1.0","settings":{"cloudName":"a b","delivery":{"defaultTransformation":""},"ui":{"shortcut":true}}}"#
            ),
            "the cloud name \"a b\" may contain only ASCII letters, digits, '-' and '_'"
        );
        assert_eq!(
            err(
                r#"{"writtenBy":"0.1.0","settings":{"cloudName":"a","delivery":{"defaultTransformation":"w_1/x"},"ui":{"shortcut":true}}}"#
            ),
            "the default transformation \"w_1/x\" may not contain '/', '?', '#' or whitespace"
        );
    }

    #[test]
    fn typed_settings_are_checked_by_the_url_engines_grammar() {
        let with = |t: &str| Settings {
            delivery: Delivery {
                default_transformation: t.into(),
            },
            ..Settings::default()
        };
        for ok in ["", "f_auto,q_auto", "c_fill,w_300", "e_sepia:50,q_80"] {
            assert_eq!(with(ok).validate_input(), Ok(()), "{ok}");
        }
        let err = |t: &str| with(t).validate_input().unwrap_err().to_string();
        assert_eq!(
            err("c_nope"),
            "the default transformation \"c_nope\" is not valid: unknown crop mode 'nope'"
        );
        assert_eq!(
            err("w_1,,h_2"),
            "the default transformation \"w_1,,h_2\" is not valid: empty qualifier (two separators in a row)"
        );
        // The path-segment rule comes first, with its own message.
        assert_eq!(
            err("w_1/x"),
            "the default transformation \"w_1/x\" may not contain '/', '?', '#' or whitespace"
        );
        // Loading stays lenient: what an older version stored still loads.
        assert_eq!(with("c_nope").validate(), Ok(()));
    }
}
