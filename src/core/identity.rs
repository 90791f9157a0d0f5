//! The integration identity Cloudinary's partner program asks for: the `User-Agent` of every
//! API call and the Media Library widget's `integration` object, both built from one version
//! source (`Cargo.toml`, through [`crate::core::VERSION`]).
//!
//! ```
//! use cloudinary_connector::{Environment, Identity};
//!
//! let id = Identity::new("Decap CMS", "3.16.3", Environment::Prod).unwrap();
//! assert_eq!(
//!     id.user_agent(),
//!     format!("CloudinaryDecapCMS/{v} (Decap CMS 3.16.3) CloudinaryConnectorRust/{v}",
//!             v = cloudinary_connector::core::VERSION)
//! );
//! let ml = id.integration();
//! assert_eq!(ml.r#type, "cloudinary_connector");
//! assert_eq!(ml.platform, "Decap CMS 3.16.3");
//! assert_eq!(ml.environment, "prod");
//! ```

use crate::core::text::{Quoted, QuotedChar};
use alloc::{borrow::ToOwned, string::String};
use core::fmt;
use core::str::FromStr;

#[cfg(feature = "serde")]
use serde::Serialize;

use super::VERSION;

/// The integration identifier sent as `integration.type` to the Media Library widget.
pub const INTEGRATION_TYPE: &str = "cloudinary_connector";

/// The name of the "SDK" part of the User-Agent: this crate talks to Cloudinary itself.
pub const SDK_NAME: &str = "CloudinaryConnectorRust";

/// Where the integration runs, as the partner guidelines name it (`prod` / `stag` / `dev`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Environment {
    /// Production.
    #[default]
    Prod,
    /// Staging.
    Stag,
    /// Development.
    Dev,
}

impl Environment {
    /// The wire form: `"prod"`, `"stag"` or `"dev"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Environment::Prod => "prod",
            Environment::Stag => "stag",
            Environment::Dev => "dev",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = IdentityError;

    /// Accepts the short forms and their long spellings (`production`, `staging`,
    /// `development`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "prod" | "production" => Ok(Environment::Prod),
            "stag" | "staging" => Ok(Environment::Stag),
            "dev" | "development" => Ok(Environment::Dev),
            _ => Err(IdentityError::UnknownEnvironment(s.to_owned())),
        }
    }
}

/// Why an [`Identity`] could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityError {
    /// The host gave an empty platform name.
    EmptyPlatformName,
    /// The host's platform name has no letter or digit to put in `Cloudinary<platform>`.
    UnusablePlatformName(String),
    /// The host gave an empty platform version.
    EmptyPlatformVersion,
    /// A platform name or version contains a control character or a parenthesis, which would
    /// break the User-Agent's structure.
    InvalidCharacter {
        /// `"platform name"` or `"platform version"`.
        field: &'static str,
        /// The offending character.
        ch: char,
    },
    /// The environment is none of prod/stag/dev.
    UnknownEnvironment(String),
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::EmptyPlatformName => f.write_str("the host platform name is empty"),
            IdentityError::UnusablePlatformName(n) => write!(
                f,
                "the host platform name {n} has no ASCII letter or digit to name it in the User-Agent",
                n = Quoted(n),
            ),
            IdentityError::EmptyPlatformVersion => f.write_str("the host platform version is empty"),
            IdentityError::InvalidCharacter { field, ch } => {
                write!(
                    f,
                    "the host {field} contains the character {ch}, which a User-Agent cannot carry",
                    ch = QuotedChar(*ch),
                )
            }
            IdentityError::UnknownEnvironment(e) => write!(
                f,
                "unknown environment {e}: expected \"prod\", \"stag\" or \"dev\"",
                e = Quoted(e),
            ),
        }
    }
}

impl core::error::Error for IdentityError {}

/// Who is talking to Cloudinary: this plugin, at its version, inside a host platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    platform_name: String,
    platform_version: String,
    environment: Environment,
}

/// The Media Library widget's `integration` option: `{type, platform, version, environment}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct IntegrationInfo {
    /// The integration identifier, [`INTEGRATION_TYPE`].
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub r#type: String,
    /// Host app name and version, e.g. `"Decap CMS 3.16.3"`.
    pub platform: String,
    /// This plugin's version.
    pub version: String,
    /// `"prod"`, `"stag"` or `"dev"`.
    pub environment: String,
}

impl crate::core::json::ToJson for IntegrationInfo {
    fn to_json(&self) -> crate::core::json::Value {
        crate::json!({"type": self.r#type, "platform": self.platform,
                      "version": self.version, "environment": self.environment})
    }
}

fn check_text(field: &'static str, s: &str) -> Result<(), IdentityError> {
    match s.chars().find(|c| c.is_control() || matches!(c, '(' | ')')) {
        Some(ch) => Err(IdentityError::InvalidCharacter { field, ch }),
        None => Ok(()),
    }
}

impl Identity {
    /// Builds the identity of this plugin inside `platform_name` `platform_version`.
    pub fn new(
        platform_name: &str,
        platform_version: &str,
        environment: Environment,
    ) -> Result<Self, IdentityError> {
        let platform_name = platform_name.trim();
        let platform_version = platform_version.trim();
        if platform_name.is_empty() {
            return Err(IdentityError::EmptyPlatformName);
        }
        if platform_version.is_empty() {
            return Err(IdentityError::EmptyPlatformVersion);
        }
        check_text("platform name", platform_name)?;
        check_text("platform version", platform_version)?;
        if !platform_name.chars().any(|c| c.is_ascii_alphanumeric()) {
            return Err(IdentityError::UnusablePlatformName(
                platform_name.to_owned(),
            ));
        }
        Ok(Identity {
            platform_name: platform_name.to_owned(),
            platform_version: platform_version.to_owned(),
            environment,
        })
    }

    /// The host platform's name, as given.
    pub fn platform_name(&self) -> &str {
        &self.platform_name
    }

    /// The host platform's version, as given.
    pub fn platform_version(&self) -> &str {
        &self.platform_version
    }

    /// The environment the integration runs in.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The plugin version (always [`VERSION`]).
    pub fn plugin_version(&self) -> &'static str {
        VERSION
    }

    /// The platform name as one User-Agent token: ASCII letters and digits only
    /// (`"Decap CMS"` → `"DecapCMS"`).
    pub fn platform_token(&self) -> String {
        self.platform_name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect()
    }

    /// `Cloudinary<platform>/<plugin ver> (<platform> <ver>) <SDK>/<ver>`, the format the partner
    /// guidelines require on every API call to Cloudinary.
    pub fn user_agent(&self) -> String {
        format!(
            "Cloudinary{token}/{VERSION} ({name} {ver}) {SDK_NAME}/{VERSION}",
            token = self.platform_token(),
            name = self.platform_name,
            ver = self.platform_version,
        )
    }

    /// The Media Library widget's `integration` object.
    pub fn integration(&self) -> IntegrationInfo {
        IntegrationInfo {
            r#type: INTEGRATION_TYPE.to_owned(),
            platform: format!("{} {}", self.platform_name, self.platform_version),
            version: VERSION.to_owned(),
            environment: self.environment.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn err(name: &str, ver: &str) -> String {
        Identity::new(name, ver, Environment::Dev)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn user_agent_has_the_partner_format() {
        let id = Identity::new("Magento", "2.4.6", Environment::Prod).unwrap();
        assert_eq!(
            id.user_agent(),
            format!(
                "CloudinaryMagento/{VERSION} (Magento 2.4.6) CloudinaryConnectorRust/{VERSION}"
            )
        );
    }

    #[test]
    fn integration_object_carries_all_four_fields() {
        let id = Identity::new(" Reference Host ", "1.0.0", Environment::Stag).unwrap();
        let info = id.integration();
        let json = crate::core::json::to_value(&info);
        assert_eq!(
            json,
            crate::json!({"type": "cloudinary_connector", "platform": "Reference Host 1.0.0",
                               "version": VERSION, "environment": "stag"})
        );
    }

    #[test]
    fn bad_platforms_are_refused_with_specific_errors() {
        assert_eq!(err("", "1"), "the host platform name is empty");
        assert_eq!(err("  ", "1"), "the host platform name is empty");
        assert_eq!(err("Host", ""), "the host platform version is empty");
        assert_eq!(
            err("Ho(st", "1"),
            "the host platform name contains the character '(', which a User-Agent cannot carry"
        );
        assert_eq!(
            err("Host", "1\n2"),
            "the host platform version contains the character '\\n', which a User-Agent cannot carry"
        );
        assert_eq!(
            err("ÉÈ", "1"),
            "the host platform name \"ÉÈ\" has no ASCII letter or digit to name it in the User-Agent"
        );
    }

    #[test]
    fn environments_parse_short_and_long_forms() {
        for (s, e) in [
            ("prod", Environment::Prod),
            ("Production", Environment::Prod),
            ("stag", Environment::Stag),
            ("staging", Environment::Stag),
            ("dev", Environment::Dev),
            ("DEVELOPMENT", Environment::Dev),
        ] {
            assert_eq!(s.parse::<Environment>().unwrap(), e);
            assert_eq!(e.to_string().parse::<Environment>().unwrap(), e);
        }
        assert_eq!(
            "qa".parse::<Environment>().unwrap_err().to_string(),
            "unknown environment \"qa\": expected \"prod\", \"stag\" or \"dev\""
        );
    }
}
