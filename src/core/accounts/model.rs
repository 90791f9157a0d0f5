//! The vocabulary of accounts: time, roles, products, permissions and value rules.

use crate::core::text::Quoted;
use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::fmt;
use core::str::FromStr;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch (UTC). The core has no clock: every transition that depends on
/// time takes `now` from the caller.
///
/// ```
/// use cloudinary_connector::core::accounts::Timestamp;
/// assert_eq!(Timestamp(1_764_212_400).to_string(), "2025-11-27T03:00:00Z");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Timestamp(pub u64);

impl fmt::Display for Timestamp {
    /// RFC 3339, UTC, second precision.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0;
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

/// The caller's role on one account or sub-account, as the signer's token grants it. Roles are
/// ordered: `Viewer < Uploader < Admin`.
///
/// The signer's policy per account and role decides what each role may have signed, and the
/// listing carries it ([`Grants`]); [`Role::permits`] is the default table used when a listing
/// carries no permissions, and matches the signer's default policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Role {
    /// Delivery URLs (signed ones too); no Media Library login, no upload.
    Viewer,
    /// A viewer who may also sign in to the Media Library and upload.
    Uploader,
    /// An uploader who may also manage the account (credential check, live sub-account list).
    Admin,
}

/// What a role may do by default. The minimum role for each is [`Permission::minimum_role`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Permission {
    /// Have delivery URLs signed (authenticated assets, strict transformations).
    SignDelivery,
    /// Open the Media Library with a signed (automatic) login, i.e. browse the account's assets.
    Browse,
    /// Upload assets (signed upload parameters).
    Upload,
    /// Manage the account: check credentials, list sub-accounts live.
    Manage,
}

impl Permission {
    /// Every permission, in order.
    pub const ALL: [Permission; 4] = [
        Permission::SignDelivery,
        Permission::Browse,
        Permission::Upload,
        Permission::Manage,
    ];

    /// The lowest role that holds this permission by default.
    pub const fn minimum_role(self) -> Role {
        match self {
            Permission::SignDelivery => Role::Viewer,
            Permission::Browse | Permission::Upload => Role::Uploader,
            Permission::Manage => Role::Admin,
        }
    }
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Uploader, Role::Admin];

    /// Whether this role holds `permission` by default.
    ///
    /// ```
    /// use cloudinary_connector::core::accounts::{Permission, Role};
    /// assert!(Role::Uploader.permits(Permission::Upload));
    /// assert!(!Role::Viewer.permits(Permission::Upload));
    /// ```
    pub fn permits(self, permission: Permission) -> bool {
        self >= permission.minimum_role()
    }
    /// Media Library with a signed login.
    pub fn can_browse(self) -> bool {
        self.permits(Permission::Browse)
    }
    /// Upload widget, chunked uploads.
    pub fn can_upload(self) -> bool {
        self.permits(Permission::Upload)
    }
    /// Signed delivery URLs.
    pub fn can_sign_delivery(self) -> bool {
        self.permits(Permission::SignDelivery)
    }
    /// Account management.
    pub fn can_manage(self) -> bool {
        self.permits(Permission::Manage)
    }
    /// The wire name (`viewer`, `uploader`, `admin`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Uploader => "uploader",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| InvalidValue::new("role", s, "expected viewer, uploader or admin"))
    }
}

/// What the signer's policy lets the caller have signed on one cloud (the listing's
/// `permissions` object). The UI follows it; the signer enforces it either way.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Grants {
    /// Upload parameters the signer will sign (`["*"]` for any; empty: no upload).
    #[cfg_attr(feature = "serde", serde(default))]
    pub upload_params: Vec<String>,
    /// Upload presets the caller may use (`["*"]` for any).
    #[cfg_attr(feature = "serde", serde(default))]
    pub upload_presets: Vec<String>,
    /// The folder uploads must go to (or under); empty for anywhere.
    #[cfg_attr(feature = "serde", serde(default))]
    pub folder_prefix: String,
    /// Delivery types the signer will sign URLs for (empty: none).
    #[cfg_attr(feature = "serde", serde(default))]
    pub delivery_types: Vec<String>,
    /// Whether the signer signs the Media Library login.
    #[cfg_attr(feature = "serde", serde(default))]
    pub media_library: bool,
}

impl Grants {
    /// The default table for a role, used when a listing carries no `permissions`; it follows
    /// the signer's default policy (`*` standing for "what the signer allows").
    pub fn for_role(role: Role) -> Self {
        let any = || vec!["*".to_owned()];
        Grants {
            upload_params: if role.can_upload() { any() } else { Vec::new() },
            upload_presets: if role.can_manage() { any() } else { Vec::new() },
            folder_prefix: String::new(),
            delivery_types: if role.can_sign_delivery() {
                vec!["upload".into(), "authenticated".into()]
            } else {
                Vec::new()
            },
            media_library: role.can_browse(),
        }
    }
    /// Checks every entry: lists of at most 200 entries of 1 to 255 characters, a folder
    /// prefix of at most 255 characters, no control characters.
    pub fn check(&self) -> Result<(), InvalidValue> {
        const RULE: &str =
            "use at most 200 entries of 1 to 255 characters without control characters";
        for (what, list) in [
            ("upload_params", &self.upload_params),
            ("upload_presets", &self.upload_presets),
            ("delivery_types", &self.delivery_types),
        ] {
            if list.len() > 200 {
                return Err(InvalidValue::new(
                    what,
                    &format!("{} entries", list.len()),
                    RULE,
                ));
            }
            if let Some(bad) = list
                .iter()
                .find(|e| e.is_empty() || e.len() > 255 || e.chars().any(char::is_control))
            {
                return Err(InvalidValue::new(what, bad, RULE));
            }
        }
        if self.folder_prefix.len() > 255 || self.folder_prefix.chars().any(char::is_control) {
            return Err(InvalidValue::new(
                "folder_prefix",
                &self.folder_prefix,
                "use up to 255 characters without control characters",
            ));
        }
        Ok(())
    }
    /// Whether any upload can be signed.
    pub fn can_upload(&self) -> bool {
        !self.upload_params.is_empty()
    }
    /// Whether any delivery URL can be signed.
    pub fn can_sign_delivery(&self) -> bool {
        !self.delivery_types.is_empty()
    }
}

/// The Cloudinary product an account uses. The partner guidelines ask an integration to enable
/// only the features of the products the customer has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Product {
    /// Programmable Media: every API, transformations and optimised CDN delivery.
    ProgrammableMedia,
    /// Digital Asset Management only: Media Library and Upload, no optimised delivery.
    Dam,
}

impl Product {
    /// Both products.
    pub const ALL: [Product; 2] = [Product::ProgrammableMedia, Product::Dam];

    /// The wire name (`programmable_media`, `dam`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Product::ProgrammableMedia => "programmable_media",
            Product::Dam => "dam",
        }
    }
    /// The name users know.
    pub const fn name(self) -> &'static str {
        match self {
            Product::ProgrammableMedia => "Programmable Media",
            Product::Dam => "DAM",
        }
    }
    /// The product that decides the features of a cloud that uses `products`: Programmable
    /// Media if it is among them (a cloud with both gets every feature), DAM otherwise.
    pub fn effective(products: &[Product]) -> Product {
        if products.contains(&Product::ProgrammableMedia) {
            Product::ProgrammableMedia
        } else {
            Product::Dam
        }
    }
    /// Whether optimised delivery (`f_auto,q_auto`, delivery transformations) is part of it.
    pub const fn has_optimized_delivery(self) -> bool {
        matches!(self, Product::ProgrammableMedia)
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Product {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Product::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| InvalidValue::new("product", s, "expected programmable_media or dam"))
    }
}

/// A value that breaks its rule. The value is shown (shortened), never anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidValue {
    what: &'static str,
    value: String,
    rule: &'static str,
}

impl InvalidValue {
    pub(crate) fn new(what: &'static str, value: &str, rule: &'static str) -> Self {
        const MAX: usize = 40;
        let value = if value.chars().count() > MAX {
            let mut v: String = value.chars().take(MAX).collect();
            v.push('…');
            v
        } else {
            value.to_owned()
        };
        InvalidValue { what, value, rule }
    }
    /// What kind of value it is (`account id`, `label`...).
    pub fn what(&self) -> &'static str {
        self.what
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} is invalid: {}",
            self.what,
            Quoted(&self.value),
            self.rule
        )
    }
}

impl core::error::Error for InvalidValue {}

const ID_RULE: &str = "use 1 to 64 ASCII letters, digits, '-', '_' or '.'";
const CLOUD_RULE: &str = "use 1 to 128 ASCII letters, digits, '-' or '_'";
const KEY_RULE: &str = "use 1 to 64 ASCII letters or digits";
const LABEL_RULE: &str = "use 1 to 100 characters, not only spaces, without control characters";
const USER_RULE: &str = "use 1 to 256 characters without control characters";

fn ascii_rule(v: &str, max: usize, extra: &[char]) -> bool {
    !v.is_empty()
        && v.len() <= max
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// Account, sub-account and tab identifiers.
pub(crate) fn check_id(what: &'static str, v: &str) -> Result<(), InvalidValue> {
    if ascii_rule(v, 64, &['-', '_', '.']) {
        Ok(())
    } else {
        Err(InvalidValue::new(what, v, ID_RULE))
    }
}

pub(crate) fn check_cloud_name(v: &str) -> Result<(), InvalidValue> {
    if ascii_rule(v, 128, &['-', '_']) {
        Ok(())
    } else {
        Err(InvalidValue::new("cloud name", v, CLOUD_RULE))
    }
}

pub(crate) fn check_api_key(v: &str) -> Result<(), InvalidValue> {
    if ascii_rule(v, 64, &[]) {
        Ok(())
    } else {
        Err(InvalidValue::new("API key", v, KEY_RULE))
    }
}

pub(crate) fn check_label(v: &str) -> Result<(), InvalidValue> {
    let n = v.chars().count();
    if n == 0 || n > 100 || v.trim().is_empty() || v.chars().any(char::is_control) {
        Err(InvalidValue::new("label", v, LABEL_RULE))
    } else {
        Ok(())
    }
}

pub(crate) fn check_user(v: &str) -> Result<(), InvalidValue> {
    let n = v.chars().count();
    if n == 0 || n > 256 || v.chars().any(char::is_control) {
        Err(InvalidValue::new("user", v, USER_RULE))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(951_782_400).to_string(), "2000-02-29T00:00:00Z");
        assert_eq!(Timestamp(1_798_761_599).to_string(), "2026-12-31T23:59:59Z");
        assert_eq!(Timestamp(4_107_542_400).to_string(), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn role_table_is_the_documented_one() {
        // The signer's default policy: viewers get signed delivery only; uploaders the Media
        // Library login and uploads too; admins management as well.
        let table: Vec<(Role, [bool; 4])> = Role::ALL
            .into_iter()
            .map(|r| {
                (
                    r,
                    [
                        r.can_sign_delivery(),
                        r.can_browse(),
                        r.can_upload(),
                        r.can_manage(),
                    ],
                )
            })
            .collect();
        assert_eq!(
            table,
            [
                (Role::Viewer, [true, false, false, false]),
                (Role::Uploader, [true, true, true, false]),
                (Role::Admin, [true, true, true, true]),
            ]
        );
        let v = Grants::for_role(Role::Viewer);
        assert!(!v.can_upload() && v.can_sign_delivery() && !v.media_library);
        let u = Grants::for_role(Role::Uploader);
        assert!(u.can_upload() && u.media_library && u.upload_presets.is_empty());
        assert_eq!(Grants::for_role(Role::Admin).upload_presets, ["*"]);
    }

    #[test]
    fn grants_are_checked() {
        let mut g = Grants::for_role(Role::Admin);
        assert!(g.check().is_ok());
        g.upload_presets.push("bad\npreset".into());
        assert_eq!(
            g.check().unwrap_err().to_string(),
            "upload_presets \"bad\\npreset\" is invalid: use at most 200 entries of 1 to 255 characters \
             without control characters"
        );
    }

    #[test]
    fn roles_and_products_parse_with_specific_errors() {
        assert_eq!("uploader".parse::<Role>().unwrap(), Role::Uploader);
        assert_eq!(
            "Owner".parse::<Role>().unwrap_err().to_string(),
            r#"role "Owner" is invalid: expected viewer, uploader or admin"#
        );
        assert_eq!("dam".parse::<Product>().unwrap(), Product::Dam);
        assert_eq!(
            "assets".parse::<Product>().unwrap_err().to_string(),
            r#"product "assets" is invalid: expected programmable_media or dam"#
        );
    }

    #[test]
    fn value_rules() {
        assert!(check_id("account id", "acme-prod_2.eu").is_ok());
        assert_eq!(
            check_id("account id", "ac me").unwrap_err().to_string(),
            r#"account id "ac me" is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'"#
        );
        assert_eq!(
            check_cloud_name("my.cloud").unwrap_err().to_string(),
            r#"cloud name "my.cloud" is invalid: use 1 to 128 ASCII letters, digits, '-' or '_'"#
        );
        assert_eq!(
            check_api_key("").unwrap_err().to_string(),
            r#"API key "" is invalid: use 1 to 64 ASCII letters or digits"#
        );
        assert_eq!(
            check_label("   ").unwrap_err().to_string(),
            r#"label "   " is invalid: use 1 to 100 characters, not only spaces, without control characters"#
        );
        assert_eq!(
            check_label("a\u{7}b").unwrap_err().to_string(),
            r#"label "a\u{7}b" is invalid: use 1 to 100 characters, not only spaces, without control characters"#
        );
        let long = "x".repeat(70);
        assert_eq!(
            check_id("account id", &long).unwrap_err().to_string(),
            format!(
                r#"account id "{}…" is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'"#,
                "x".repeat(40)
            )
        );
        assert!(check_user("alice@example.com").is_ok());
    }
}
