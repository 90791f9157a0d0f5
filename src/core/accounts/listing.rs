//! The wire type of the signer's account listing: `GET /v1/accounts` with the host's bearer
//! token answers which accounts and sub-accounts (clouds) the caller may use, with which role,
//! and what the signer's policy lets them have signed. This is the shape `cld-signer` returns:
//!
//! ```json
//! {
//!   "user": "alice@example.com",
//!   "expires_at": 1764212400,
//!   "accounts": [
//!     {
//!       "id": "acme", "label": "ACME", "cloud_name": "acme-prod", "api_key": "123456789012345",
//!       "products": ["programmable_media"], "signature_algorithm": "sha256",
//!       "role": "admin",
//!       "permissions": { "upload_params": ["*"], "upload_presets": ["*"], "folder_prefix": "",
//!                        "delivery_types": ["upload", "authenticated"], "media_library": true },
//!       "sub_accounts": [
//!         { "id": "acme-staging", "label": "ACME staging", "cloud_name": "acme-staging",
//!           "api_key": "543210987654321", "products": ["programmable_media"], "role": "uploader",
//!           "permissions": { "...": "..." } }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! Each top-level entry is an account *and* its primary cloud; its `sub_accounts` are further
//! clouds. `role` is the caller's role on the primary cloud, `null` when the token grants only
//! some sub-accounts (the primary cloud is then not offered). The plugin's model lists the
//! primary cloud first among the account's sub-accounts ([`ListedAccount::clouds`]).
//!
//! `expires_at` (Unix seconds) is when the token the listing was fetched with expires: a login
//! made with the listing lasts until then. It is optional on the wire, because the host that
//! issued the token knows it too: [`AccountListing::parse_with_expiry`] takes the earlier of the
//! two. `permissions` is optional (the role's default table applies, [`Grants::for_role`]);
//! `products` may also be given as a single `product` string. Unknown fields are ignored
//! (`signature_algorithm` is one), except that a listing with any field named like a secret,
//! token, password or signature (`api_secret`, `access_token`, `signature`, ...) is refused
//! outright: the signer never sends those, and the plugin never stores them.
//!
//! Length: the wire type and every check of it (about 690 lines) with its tests (about 235): the
//! checks are the contract with `cld-signer` and are kept next to the type they guard.

use crate::core::text::Quoted;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

use crate::core::json::{Map, ToJson, Value};

use super::model::{
    check_api_key, check_cloud_name, check_id, check_label, check_user, Grants, InvalidValue,
    Product, Role, Timestamp,
};

/// The versioned path of the listing endpoint on the signer.
pub const LISTING_PATH: &str = "/v1/accounts";
/// At most this many accounts in one listing.
pub const MAX_ACCOUNTS: usize = 200;
/// At most this many sub-accounts per account (Provisioning API listings can be long).
pub const MAX_SUB_ACCOUNTS: usize = 1000;
/// At most this many entries in a `permissions` list.
const MAX_GRANT_ENTRIES: usize = 200;

/// What the signer's `GET /v1/accounts` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountListing {
    /// Who the host's token names.
    pub user: String,
    /// When the token, and so any login made with this listing, expires.
    pub expires_at: Timestamp,
    /// The accounts the caller may use, in display order.
    pub accounts: Vec<ListedAccount>,
}

/// One account in a listing, which is also its primary cloud.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedAccount {
    /// Stable id, as in the signer's configuration and the token's `roles`.
    pub id: String,
    /// Display name.
    pub label: String,
    /// The primary cloud's name.
    pub cloud_name: String,
    /// The primary cloud's public API key.
    pub api_key: String,
    /// The Cloudinary products the account uses.
    pub products: Vec<Product>,
    /// The caller's role on the primary cloud; `None` when only sub-accounts are granted.
    pub role: Option<Role>,
    /// What the signer will sign on the primary cloud for the caller.
    pub permissions: Option<Grants>,
    /// Further clouds of the account the caller may use.
    pub sub_accounts: Vec<ListedSubAccount>,
}

/// One sub-account (cloud) in a listing. The API key is public (widgets are given it); the
/// secret stays in the signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedSubAccount {
    /// Stable id (unique in the signer's configuration).
    pub id: String,
    /// Display name.
    pub label: String,
    /// The cloud name delivery URLs and widgets use.
    pub cloud_name: String,
    /// The public API key the widgets are configured with.
    pub api_key: String,
    /// The Cloudinary products the cloud uses.
    pub products: Vec<Product>,
    /// The caller's role on it.
    pub role: Role,
    /// What the signer will sign on it for the caller.
    pub permissions: Option<Grants>,
}

/// One usable cloud of a listed account, primary or sub-account, in the plugin's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedCloud<'a> {
    /// Id (the account id for the primary cloud).
    pub id: &'a str,
    /// Display name.
    pub label: &'a str,
    /// Cloud name.
    pub cloud_name: &'a str,
    /// Public API key.
    pub api_key: &'a str,
    /// Effective product ([`Product::effective`]).
    pub product: Product,
    /// The caller's role.
    pub role: Role,
    /// The signer's grants, or the role's defaults.
    pub grants: Grants,
}

/// Why a listing was refused: the path of the field and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingError {
    what: &'static str,
    path: String,
    problem: ListingProblem,
}

/// The rule a listing field breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListingProblem {
    /// The body is not JSON.
    Json(String),
    /// A required field is absent.
    Missing,
    /// A field has the wrong JSON type.
    Type(&'static str),
    /// A value breaks its rule.
    Invalid(InvalidValue),
    /// Two entries share an id or cloud name.
    Duplicate(String),
    /// An account that offers no cloud at all.
    NoCloud,
    /// Too many entries.
    TooMany(usize),
    /// A field whose name says it holds a secret, token or signature.
    SecretField,
}

impl ListingError {
    pub(crate) fn at(path: impl Into<String>, problem: ListingProblem) -> Self {
        ListingError {
            what: "account listing",
            path: path.into(),
            problem,
        }
    }
    /// The same error about another of the signer's answers.
    pub(crate) fn about(mut self, what: &'static str) -> Self {
        self.what = what;
        self
    }
    /// The JSON path of the offending field (`accounts[1].sub_accounts[0].cloud_name`).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The broken rule.
    pub fn problem(&self) -> &ListingProblem {
        &self.problem
    }
}

impl fmt::Display for ListingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} from the signer: ", self.what)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        match &self.problem {
            ListingProblem::Json(e) => write!(f, "not JSON ({e})"),
            ListingProblem::Missing => f.write_str("missing"),
            ListingProblem::Type(t) => write!(f, "expected {t}"),
            ListingProblem::Invalid(e) => write!(f, "{e}"),
            ListingProblem::Duplicate(v) => write!(f, "duplicate {v}", v = Quoted(v)),
            ListingProblem::NoCloud => f.write_str(
                "the account grants neither its primary cloud (role is null) nor any sub-account",
            ),
            ListingProblem::TooMany(max) => write!(f, "more than {max} entries"),
            ListingProblem::SecretField => f.write_str(
                "a listing must never carry a secret, token or signature; refusing all of it",
            ),
        }
    }
}

impl core::error::Error for ListingError {}

/// Field names that must never reach the browser's state: anything mentioning a secret, a
/// password or a private key, and names whose last word is `token` or `signature`
/// (`access_token`, `ml_signature`), but not `signature_algorithm` or `token_type`.
pub(crate) fn is_sensitive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if ["secret", "password", "private_key", "privatekey"]
        .iter()
        .any(|s| crate::core::text::find_bytes(n.as_bytes(), s.as_bytes()).is_some())
    {
        return true;
    }
    let last = n
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("");
    matches!(last, "token" | "signature" | "accesstoken" | "refreshtoken")
}

pub(crate) fn find_sensitive(v: &Value, path: &str) -> Option<String> {
    match v {
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            let p = join(path, k);
            if is_sensitive_name(k) {
                Some(p)
            } else {
                find_sensitive(v, &p)
            }
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_sensitive(v, &format!("{path}[{i}]"))),
        _ => None,
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

pub(crate) fn present<'a>(obj: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    obj.get(field).filter(|v| !v.is_null())
}

pub(crate) fn get<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    field: &str,
) -> Result<&'a Value, ListingError> {
    present(obj, field).ok_or_else(|| ListingError::at(join(path, field), ListingProblem::Missing))
}

pub(crate) fn as_string(v: &Value, path: String) -> Result<String, ListingError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| ListingError::at(path, ListingProblem::Type("a string")))
}

fn string(obj: &Map<String, Value>, path: &str, field: &str) -> Result<String, ListingError> {
    as_string(get(obj, path, field)?, join(path, field))
}

pub(crate) fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ListingError> {
    v.as_object()
        .ok_or_else(|| ListingError::at(path, ListingProblem::Type("an object")))
}

pub(crate) fn array(v: &Value, path: String, max: usize) -> Result<&Vec<Value>, ListingError> {
    let a = v
        .as_array()
        .ok_or_else(|| ListingError::at(path.clone(), ListingProblem::Type("an array")))?;
    if a.len() > max {
        return Err(ListingError::at(path, ListingProblem::TooMany(max)));
    }
    Ok(a)
}

/// A value's own rule (`check_label`, `|v| check_id("account id", v)`): a plain function, so
/// that `checked`, `verify` and `field` are one function each, not one per rule and call site:
/// 3,325 B less raw wasm, 949 B gzipped (measured as in `host::fetch`, 2026-12-02).
pub(crate) type Check = fn(&str) -> Result<(), InvalidValue>;

pub(crate) fn checked(path: String, value: String, check: Check) -> Result<String, ListingError> {
    check(&value).map_err(|e| ListingError::at(path, ListingProblem::Invalid(e)))?;
    Ok(value)
}

/// `value` (at `path`.`name`) against `check`, the path written only for an error.
fn verify(path: &str, name: &str, value: &str, check: Check) -> Result<(), ListingError> {
    check(value).map_err(|e| ListingError::at(join(path, name), ListingProblem::Invalid(e)))
}

pub(crate) fn field(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    check: Check,
) -> Result<String, ListingError> {
    checked(join(path, name), string(obj, path, name)?, check)
}

fn role(v: &Value, path: String) -> Result<Role, ListingError> {
    as_string(v, path.clone())?
        .parse()
        .map_err(|e| ListingError::at(path, ListingProblem::Invalid(e)))
}

fn products(obj: &Map<String, Value>, path: &str) -> Result<Vec<Product>, ListingError> {
    let parse = |v: &Value, p: String| -> Result<Product, ListingError> {
        as_string(v, p.clone())?
            .parse()
            .map_err(|e| ListingError::at(p, ListingProblem::Invalid(e)))
    };
    if let Some(list) = present(obj, "products") {
        let p = join(path, "products");
        let list = array(list, p.clone(), 8)?;
        if list.is_empty() {
            return Err(ListingError::at(p, ListingProblem::Missing));
        }
        list.iter()
            .enumerate()
            .map(|(i, v)| parse(v, format!("{p}[{i}]")))
            .collect()
    } else {
        Ok(vec![parse(
            get(obj, path, "product")?,
            join(path, "product"),
        )?])
    }
}

fn text_list(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Vec<String>, ListingError> {
    let p = join(path, name);
    match present(obj, name) {
        None => Ok(Vec::new()),
        Some(v) => array(v, p.clone(), MAX_GRANT_ENTRIES)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let ip = format!("{p}[{i}]");
                let s = as_string(v, ip.clone())?;
                if s.is_empty() || s.len() > 255 || s.chars().any(char::is_control) {
                    return Err(ListingError::at(
                        ip,
                        ListingProblem::Invalid(InvalidValue::new(
                            "entry",
                            &s,
                            "use 1 to 255 characters without control characters",
                        )),
                    ));
                }
                Ok(s)
            })
            .collect(),
    }
}

fn grants(obj: &Map<String, Value>, path: &str) -> Result<Option<Grants>, ListingError> {
    let Some(v) = present(obj, "permissions") else {
        return Ok(None);
    };
    let p = join(path, "permissions");
    let o = object(v, &p)?;
    let folder_prefix = match present(o, "folder_prefix") {
        None => String::new(),
        Some(v) => {
            let s = as_string(v, join(&p, "folder_prefix"))?;
            if s.len() > 255 || s.chars().any(char::is_control) {
                return Err(ListingError::at(
                    join(&p, "folder_prefix"),
                    ListingProblem::Invalid(InvalidValue::new(
                        "folder prefix",
                        &s,
                        "use up to 255 characters without control characters",
                    )),
                ));
            }
            s
        }
    };
    let media_library = match present(o, "media_library") {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| {
            ListingError::at(
                join(&p, "media_library"),
                ListingProblem::Type("true or false"),
            )
        })?,
    };
    Ok(Some(Grants {
        upload_params: text_list(o, &p, "upload_params")?,
        upload_presets: text_list(o, &p, "upload_presets")?,
        folder_prefix,
        delivery_types: text_list(o, &p, "delivery_types")?,
        media_library,
    }))
}

impl AccountListing {
    /// Parses and validates the signer's JSON answer, which must carry `expires_at`.
    ///
    /// ```
    /// use cloudinary_connector::core::accounts::AccountListing;
    /// let err = AccountListing::parse(r#"{"user":"a","expires_at":1,"accounts":[{"id":"x"}]}"#);
    /// assert_eq!(
    ///     err.unwrap_err().to_string(),
    ///     "invalid account listing from the signer: accounts[0].label: missing"
    /// );
    /// ```
    pub fn parse(json: &str) -> Result<Self, ListingError> {
        Self::from_value(&Self::json(json)?, None)
    }

    /// Parses the signer's answer for a token that expires at `token_expires_at`: the login
    /// lasts until the earlier of that and the listing's own `expires_at`, which may be absent.
    pub fn parse_with_expiry(
        json: &str,
        token_expires_at: Timestamp,
    ) -> Result<Self, ListingError> {
        Self::from_value(&Self::json(json)?, Some(token_expires_at))
    }

    fn json(json: &str) -> Result<Value, ListingError> {
        crate::core::json::from_str(json)
            .map_err(|e| ListingError::at("", ListingProblem::Json(e.to_string())))
    }

    /// Validates an already parsed JSON value (see [`AccountListing::parse_with_expiry`] for
    /// `token_expires_at`).
    pub fn from_value(
        v: &Value,
        token_expires_at: Option<Timestamp>,
    ) -> Result<Self, ListingError> {
        if let Some(path) = find_sensitive(v, "") {
            return Err(ListingError::at(path, ListingProblem::SecretField));
        }
        let top = object(v, "")?;
        let user = field(top, "", "user", check_user)?;
        let listed = match present(top, "expires_at") {
            None => None,
            Some(e) => Some(e.as_u64().map(Timestamp).ok_or_else(|| {
                ListingError::at(
                    "expires_at",
                    ListingProblem::Type("Unix seconds (a non-negative integer)"),
                )
            })?),
        };
        let expires_at = match (listed, token_expires_at) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return Err(ListingError::at("expires_at", ListingProblem::Missing)),
        };
        let mut accounts = Vec::new();
        let list = array(get(top, "", "accounts")?, "accounts".into(), MAX_ACCOUNTS)?;
        for (i, a) in list.iter().enumerate() {
            let p = format!("accounts[{i}]");
            let obj = object(a, &p)?;
            let id = field(obj, &p, "id", |v| check_id("account id", v))?;
            let label = field(obj, &p, "label", check_label)?;
            let cloud_name = field(obj, &p, "cloud_name", check_cloud_name)?;
            let api_key = field(obj, &p, "api_key", check_api_key)?;
            let account_products = products(obj, &p)?;
            let account_role = match present(obj, "role") {
                None => None,
                Some(r) => Some(role(r, join(&p, "role"))?),
            };
            let permissions = grants(obj, &p)?;
            let mut sub_accounts = Vec::new();
            let subs = match present(obj, "sub_accounts") {
                None => &Vec::new(),
                Some(s) => array(s, join(&p, "sub_accounts"), MAX_SUB_ACCOUNTS)?,
            };
            for (j, s) in subs.iter().enumerate() {
                let sp = format!("{p}.sub_accounts[{j}]");
                let so = object(s, &sp)?;
                sub_accounts.push(ListedSubAccount {
                    id: field(so, &sp, "id", |v| check_id("sub-account id", v))?,
                    label: field(so, &sp, "label", check_label)?,
                    cloud_name: field(so, &sp, "cloud_name", check_cloud_name)?,
                    api_key: field(so, &sp, "api_key", check_api_key)?,
                    products: products(so, &sp)?,
                    role: role(get(so, &sp, "role")?, join(&sp, "role"))?,
                    permissions: grants(so, &sp)?,
                });
            }
            accounts.push(ListedAccount {
                id,
                label,
                cloud_name,
                api_key,
                products: account_products,
                role: account_role,
                permissions,
                sub_accounts,
            });
        }
        let listing = AccountListing {
            user,
            expires_at,
            accounts,
        };
        listing.validate()?;
        Ok(listing)
    }

    /// Checks the rules that span fields: unique account ids, unique cloud ids and cloud names
    /// within an account, at least one usable cloud per account, and every value's own rule.
    /// The signer can call it on what it is about to send; the parsers call it on what they
    /// received.
    pub fn validate(&self) -> Result<(), ListingError> {
        verify("", "user", &self.user, check_user)?;
        if self.accounts.len() > MAX_ACCOUNTS {
            return Err(ListingError::at(
                "accounts",
                ListingProblem::TooMany(MAX_ACCOUNTS),
            ));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            let p = format!("accounts[{i}]");
            verify(&p, "id", &a.id, |v| check_id("account id", v))?;
            verify(&p, "label", &a.label, check_label)?;
            verify(&p, "cloud_name", &a.cloud_name, check_cloud_name)?;
            verify(&p, "api_key", &a.api_key, check_api_key)?;
            if a.products.is_empty() {
                return Err(ListingError::at(
                    join(&p, "products"),
                    ListingProblem::Missing,
                ));
            }
            if self.accounts[..i].iter().any(|b| b.id == a.id) {
                return Err(ListingError::at(
                    join(&p, "id"),
                    ListingProblem::Duplicate(a.id.clone()),
                ));
            }
            if a.sub_accounts.len() > MAX_SUB_ACCOUNTS {
                return Err(ListingError::at(
                    join(&p, "sub_accounts"),
                    ListingProblem::TooMany(MAX_SUB_ACCOUNTS),
                ));
            }
            if let Some(g) = &a.permissions {
                g.check().map_err(|e| {
                    ListingError::at(join(&p, "permissions"), ListingProblem::Invalid(e))
                })?;
            }
            if a.role.is_none() && a.sub_accounts.is_empty() {
                return Err(ListingError::at(p, ListingProblem::NoCloud));
            }
            for (j, s) in a.sub_accounts.iter().enumerate() {
                let sp = format!("{p}.sub_accounts[{j}]");
                verify(&sp, "id", &s.id, |v| check_id("sub-account id", v))?;
                verify(&sp, "label", &s.label, check_label)?;
                verify(&sp, "cloud_name", &s.cloud_name, check_cloud_name)?;
                verify(&sp, "api_key", &s.api_key, check_api_key)?;
                if let Some(g) = &s.permissions {
                    g.check().map_err(|e| {
                        ListingError::at(join(&sp, "permissions"), ListingProblem::Invalid(e))
                    })?;
                }
                if s.products.is_empty() {
                    return Err(ListingError::at(
                        join(&sp, "products"),
                        ListingProblem::Missing,
                    ));
                }
                let earlier = &a.sub_accounts[..j];
                if s.id == a.id || earlier.iter().any(|t| t.id == s.id) {
                    return Err(ListingError::at(
                        join(&sp, "id"),
                        ListingProblem::Duplicate(s.id.clone()),
                    ));
                }
                if s.cloud_name == a.cloud_name
                    || earlier.iter().any(|t| t.cloud_name == s.cloud_name)
                {
                    return Err(ListingError::at(
                        join(&sp, "cloud_name"),
                        ListingProblem::Duplicate(s.cloud_name.clone()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The listed account with this id.
    pub fn account(&self, id: &str) -> Option<&ListedAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The JSON the signer sends.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self).to_string()
    }
}

impl ToJson for AccountListing {
    fn to_json(&self) -> Value {
        crate::json!({"user": self.user, "expires_at": self.expires_at, "accounts": self.accounts})
    }
}

impl ToJson for ListedAccount {
    fn to_json(&self) -> Value {
        crate::core::json::object([
            ("id", Some(self.id.to_json())),
            ("label", Some(self.label.to_json())),
            ("cloud_name", Some(self.cloud_name.to_json())),
            ("api_key", Some(self.api_key.to_json())),
            ("products", Some(self.products.to_json())),
            ("role", Some(self.role.to_json())),
            (
                "permissions",
                self.permissions.as_ref().map(ToJson::to_json),
            ),
            ("sub_accounts", Some(self.sub_accounts.to_json())),
        ])
    }
}

impl ToJson for ListedSubAccount {
    fn to_json(&self) -> Value {
        crate::core::json::object([
            ("id", Some(self.id.to_json())),
            ("label", Some(self.label.to_json())),
            ("cloud_name", Some(self.cloud_name.to_json())),
            ("api_key", Some(self.api_key.to_json())),
            ("products", Some(self.products.to_json())),
            ("role", Some(self.role.to_json())),
            (
                "permissions",
                self.permissions.as_ref().map(ToJson::to_json),
            ),
        ])
    }
}

impl ListedAccount {
    /// The clouds the caller may use in this account: the primary cloud first (when `role`
    /// is set), then the sub-accounts, in the signer's order.
    pub fn clouds(&self) -> Vec<ListedCloud<'_>> {
        let primary = self.role.map(|role| ListedCloud {
            id: &self.id,
            label: &self.label,
            cloud_name: &self.cloud_name,
            api_key: &self.api_key,
            product: Product::effective(&self.products),
            role,
            grants: self
                .permissions
                .clone()
                .unwrap_or_else(|| Grants::for_role(role)),
        });
        primary
            .into_iter()
            .chain(self.sub_accounts.iter().map(|s| {
                ListedCloud {
                    id: &s.id,
                    label: &s.label,
                    cloud_name: &s.cloud_name,
                    api_key: &s.api_key,
                    product: Product::effective(&s.products),
                    role: s.role,
                    grants: s
                        .permissions
                        .clone()
                        .unwrap_or_else(|| Grants::for_role(s.role)),
                }
            }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn perms(ml: bool, upload: bool) -> Value {
        json!({"upload_params": if upload { json!(["*"]) } else { json!([]) }, "upload_presets": [],
               "folder_prefix": "", "delivery_types": ["upload", "authenticated"], "media_library": ml})
    }

    /// The shape `cld-signer` answers (`signer/src/lib.rs`, `list_accounts`).
    pub(crate) fn sample() -> Value {
        json!({
            "user": "alice@example.com",
            "expires_at": 2000,
            "accounts": [
                {"id": "acme", "label": "ACME", "cloud_name": "acme-prod", "api_key": "222",
                 "products": ["programmable_media"], "signature_algorithm": "sha256",
                 "role": "admin", "permissions": perms(true, true),
                 "sub_accounts": [
                    {"id": "acme-staging", "label": "Staging", "cloud_name": "acme-staging", "api_key": "111",
                     "products": ["programmable_media"], "signature_algorithm": "sha1",
                     "role": "uploader", "permissions": perms(true, true)}]},
                {"id": "brand-b", "label": "Brand B", "cloud_name": "brand-b", "api_key": "333",
                 "products": ["dam"], "signature_algorithm": "sha256", "role": "uploader",
                 "permissions": perms(true, true), "sub_accounts": []},
                {"id": "agency", "label": "Agency", "cloud_name": "agency", "api_key": "444",
                 "products": ["programmable_media", "dam"], "signature_algorithm": "sha256",
                 "role": null, "permissions": null,
                 "sub_accounts": [
                    {"id": "agency-eu", "label": "Agency EU", "cloud_name": "agency-eu", "api_key": "555",
                     "products": ["programmable_media"], "role": "viewer", "permissions": perms(false, false)}]}
            ]
        })
    }

    #[track_caller]
    fn refused(edit: impl FnOnce(&mut Value)) -> String {
        let mut v = sample();
        edit(&mut v);
        AccountListing::from_value(&v, None)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_signers_shape_parses_and_round_trips() {
        let l = AccountListing::from_value(&sample(), None).unwrap();
        assert_eq!(l.accounts.len(), 3);
        let ids = |a: &ListedAccount| {
            a.clouds()
                .iter()
                .map(|c| c.id.to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&l.accounts[0]), ["acme", "acme-staging"]);
        assert_eq!(
            ids(&l.accounts[2]),
            ["agency-eu"],
            "role null: the primary cloud is not offered"
        );
        assert_eq!(l.accounts[1].clouds()[0].product, Product::Dam);
        assert_eq!(
            Product::effective(&l.accounts[2].products),
            Product::ProgrammableMedia,
            "an account with both products gets every feature"
        );
        assert_eq!(AccountListing::parse(&l.to_json()).unwrap(), l);
    }

    #[test]
    fn expiry_comes_from_the_listing_or_the_token_whichever_is_earlier() {
        let mut v = sample();
        let l = AccountListing::from_value(&v, Some(Timestamp(1500))).unwrap();
        assert_eq!(l.expires_at, Timestamp(1500));
        v.as_object_mut().unwrap().remove("expires_at");
        let l = AccountListing::parse_with_expiry(&v.to_string(), Timestamp(1800)).unwrap();
        assert_eq!(l.expires_at, Timestamp(1800));
        assert_eq!(
            AccountListing::parse(&v.to_string())
                .unwrap_err()
                .to_string(),
            "invalid account listing from the signer: expires_at: missing"
        );
    }

    #[test]
    fn permissions_default_to_the_role_table() {
        let mut v = sample();
        v["accounts"][1]
            .as_object_mut()
            .unwrap()
            .remove("permissions");
        v["accounts"][1]["role"] = json!("viewer");
        let l = AccountListing::from_value(&v, None).unwrap();
        assert_eq!(
            l.accounts[1].clouds()[0].grants,
            Grants::for_role(Role::Viewer)
        );
        v["accounts"][1].as_object_mut().unwrap().remove("products");
        v["accounts"][1]["product"] = json!("dam");
        let l = AccountListing::from_value(&v, None).unwrap();
        assert_eq!(l.accounts[1].products, [Product::Dam]);
    }

    #[test]
    fn every_refusal_names_the_field() {
        let p = "invalid account listing from the signer: ";
        assert_eq!(
            AccountListing::parse("{").unwrap_err().to_string(),
            format!("{p}not JSON (EOF while parsing an object at line 1 column 1)")
        );
        assert_eq!(
            refused(|v| *v = json!([])),
            format!("{p}expected an object")
        );
        assert_eq!(
            refused(|v| v["user"] = json!(null)),
            format!("{p}user: missing")
        );
        assert_eq!(
            refused(|v| v["expires_at"] = json!(-5)),
            format!("{p}expires_at: expected Unix seconds (a non-negative integer)")
        );
        assert_eq!(
            refused(|v| v["accounts"] = json!({})),
            format!("{p}accounts: expected an array")
        );
        assert_eq!(
            refused(|v| v["accounts"][1]["role"] = json!("owner")),
            format!(
                r#"{p}accounts[1].role: role "owner" is invalid: expected viewer, uploader or admin"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][0]["role"] = json!(null)),
            format!("{p}accounts[0].sub_accounts[0].role: missing")
        );
        assert_eq!(
            refused(|v| v["accounts"][2]["products"] = json!(["assets"])),
            format!(
                r#"{p}accounts[2].products[0]: product "assets" is invalid: expected programmable_media or dam"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][2]["products"] = json!([])),
            format!("{p}accounts[2].products: missing")
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][0]["cloud_name"] = json!("a b")),
            format!(
                r#"{p}accounts[0].sub_accounts[0].cloud_name: cloud name "a b" is invalid: use 1 to 128 ASCII letters, digits, '-' or '_'"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][0]["api_key"] = json!(111)),
            format!("{p}accounts[0].sub_accounts[0].api_key: expected a string")
        );
        assert_eq!(
            refused(|v| v["accounts"][2]["id"] = json!("acme")),
            format!(r#"{p}accounts[2].id: duplicate "acme""#)
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][0]["cloud_name"] = json!("acme-prod")),
            format!(r#"{p}accounts[0].sub_accounts[0].cloud_name: duplicate "acme-prod""#)
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][0]["id"] = json!("acme")),
            format!(r#"{p}accounts[0].sub_accounts[0].id: duplicate "acme""#)
        );
        assert_eq!(
            refused(|v| v["accounts"][2]["sub_accounts"] = json!([])),
            format!("{p}accounts[2]: the account grants neither its primary cloud (role is null) nor any sub-account")
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["label"] = json!("")),
            format!(
                r#"{p}accounts[0].label: label "" is invalid: use 1 to 100 characters, not only spaces, without control characters"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["permissions"]["media_library"] = json!("yes")),
            format!("{p}accounts[0].permissions.media_library: expected true or false")
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["permissions"]["upload_presets"] = json!(["ok", ""])),
            format!(
                r#"{p}accounts[0].permissions.upload_presets[1]: entry "" is invalid: use 1 to 255 characters without control characters"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"] = json!(vec![json!(1); 201])),
            format!("{p}accounts: more than 200 entries")
        );
    }

    #[test]
    fn a_listing_carrying_a_secret_is_refused_without_echoing_it() {
        let e =
            refused(|v| v["accounts"][0]["sub_accounts"][0]["api_secret"] = json!("s3cr3t-value"));
        assert_eq!(
            e,
            "invalid account listing from the signer: accounts[0].sub_accounts[0].api_secret: \
             a listing must never carry a secret, token or signature; refusing all of it"
        );
        assert!(!e.contains("s3cr3t-value"));
        assert!(refused(|v| v["Access_Token"] = json!("x")).contains(": Access_Token: "));
        assert!(refused(|v| v["accounts"][1]["signature"] = json!("x"))
            .contains("accounts[1].signature"));
        assert!(refused(|v| v["accounts"][1]["ml-signature"] = json!("x"))
            .contains("accounts[1].ml-signature"));
        assert!(refused(|v| v["password"] = json!("x")).contains(": password: "));
    }

    #[test]
    fn harmless_names_that_mention_signatures_or_tokens_are_fine() {
        for name in [
            "signature_algorithm",
            "token_type",
            "source",
            "signatures_issued",
        ] {
            assert!(!is_sensitive_name(name), "{name}");
        }
        for name in [
            "api_secret",
            "secret",
            "token",
            "access_token",
            "refreshToken",
            "signature",
            "private_key",
        ] {
            assert!(is_sensitive_name(name), "{name}");
        }
    }
}
