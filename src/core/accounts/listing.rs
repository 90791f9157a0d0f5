//! The wire type of the signer's account listing: `GET /v1/accounts` with the host's bearer
//! token answers which accounts and sub-accounts (clouds) the caller may use, and with which
//! role. The signer builds an [`AccountListing`] and serialises it with serde; the browser parses
//! it with [`AccountListing::parse`], which checks every rule and names the offending field.
//!
//! ```json
//! {
//!   "user": "alice@example.com",
//!   "expires_at": 1764212400,
//!   "accounts": [
//!     {
//!       "id": "acme",
//!       "label": "ACME",
//!       "product": "programmable_media",
//!       "role": "admin",
//!       "default_sub_account": "acme-prod",
//!       "sub_accounts": [
//!         { "id": "acme-prod", "label": "Production", "cloud_name": "acme-prod", "api_key": "123456789012345" },
//!         { "id": "acme-staging", "label": "Staging", "cloud_name": "acme-staging", "api_key": "543210987654321" }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! `expires_at` is the expiry of the token the listing was obtained with (the JWT `exp`, Unix
//! seconds): a login made with this listing lasts until then. `default_sub_account` is optional
//! (the first sub-account otherwise). Unknown fields are ignored, except that a listing carrying
//! any field whose name mentions a secret, a token or a signature is refused outright: the
//! signer never sends those, and the plugin never stores them.

use core::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::{
    check_api_key, check_cloud_name, check_id, check_label, check_user, InvalidValue, Product,
    Role, Timestamp,
};

/// The versioned path of the listing endpoint on the signer.
pub const LISTING_PATH: &str = "/v1/accounts";
/// At most this many accounts in one listing.
pub const MAX_ACCOUNTS: usize = 200;
/// At most this many sub-accounts per account (Provisioning API listings can be long).
pub const MAX_SUB_ACCOUNTS: usize = 1000;

/// What the signer's `GET /v1/accounts` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountListing {
    /// Who the host's token names (the Media Library `username`).
    pub user: String,
    /// When the token, and so any login made with this listing, expires.
    pub expires_at: Timestamp,
    /// The accounts the caller may use, in display order.
    pub accounts: Vec<ListedAccount>,
}

/// One account in a listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListedAccount {
    /// Stable id, as in the signer's configuration.
    pub id: String,
    /// Display name.
    pub label: String,
    /// The Cloudinary product the account uses.
    pub product: Product,
    /// The caller's role on this account.
    pub role: Role,
    /// The sub-account selected when the user picks this account; the first one if absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_sub_account: Option<String>,
    /// The account's sub-accounts (clouds); at least one.
    pub sub_accounts: Vec<ListedSubAccount>,
}

/// One sub-account (cloud) in a listing. The API key is public (widgets are given it); the
/// secret stays in the signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListedSubAccount {
    /// Stable id within the account.
    pub id: String,
    /// Display name.
    pub label: String,
    /// The cloud name delivery URLs and widgets use.
    pub cloud_name: String,
    /// The public API key the widgets are configured with.
    pub api_key: String,
}

/// Why a listing was refused: the path of the field and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingError {
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
    /// An account without sub-accounts.
    NoSubAccounts,
    /// `default_sub_account` names no sub-account of the account.
    UnknownDefault(String),
    /// Too many entries.
    TooMany(usize),
    /// A field whose name says it holds a secret, token or signature.
    SecretField,
}

impl ListingError {
    fn at(path: impl Into<String>, problem: ListingProblem) -> Self {
        ListingError {
            path: path.into(),
            problem,
        }
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
        f.write_str("invalid account listing from the signer: ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        match &self.problem {
            ListingProblem::Json(e) => write!(f, "not JSON ({e})"),
            ListingProblem::Missing => f.write_str("missing"),
            ListingProblem::Type(t) => write!(f, "expected {t}"),
            ListingProblem::Invalid(e) => write!(f, "{e}"),
            ListingProblem::Duplicate(v) => write!(f, "duplicate {v:?}"),
            ListingProblem::NoSubAccounts => {
                f.write_str("an account needs at least one sub-account (cloud)")
            }
            ListingProblem::UnknownDefault(v) => {
                write!(f, "{v:?} is not one of the account's sub-accounts")
            }
            ListingProblem::TooMany(max) => write!(f, "more than {max} entries"),
            ListingProblem::SecretField => f.write_str(
                "a listing must never carry a secret, token or signature; refusing all of it",
            ),
        }
    }
}

impl std::error::Error for ListingError {}

/// Field names that must never reach the browser's state.
pub(crate) fn is_sensitive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["secret", "token", "signature", "password", "private_key"]
        .iter()
        .any(|s| n.contains(s))
}

fn find_sensitive(v: &Value, path: &str) -> Option<String> {
    match v {
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
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

fn get<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    field: &str,
) -> Result<&'a Value, ListingError> {
    obj.get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ListingError::at(join(path, field), ListingProblem::Missing))
}

fn string(obj: &Map<String, Value>, path: &str, field: &str) -> Result<String, ListingError> {
    get(obj, path, field)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ListingError::at(join(path, field), ListingProblem::Type("a string")))
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ListingError> {
    v.as_object()
        .ok_or_else(|| ListingError::at(path, ListingProblem::Type("an object")))
}

fn array<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    field: &str,
    max: usize,
) -> Result<&'a Vec<Value>, ListingError> {
    let a = get(obj, path, field)?
        .as_array()
        .ok_or_else(|| ListingError::at(join(path, field), ListingProblem::Type("an array")))?;
    if a.len() > max {
        return Err(ListingError::at(
            join(path, field),
            ListingProblem::TooMany(max),
        ));
    }
    Ok(a)
}

fn checked(
    path: String,
    value: String,
    check: impl FnOnce(&str) -> Result<(), InvalidValue>,
) -> Result<String, ListingError> {
    check(&value).map_err(|e| ListingError::at(path, ListingProblem::Invalid(e)))?;
    Ok(value)
}

fn field(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    check: impl FnOnce(&str) -> Result<(), InvalidValue>,
) -> Result<String, ListingError> {
    checked(join(path, name), string(obj, path, name)?, check)
}

impl AccountListing {
    /// Parses and validates the signer's JSON answer.
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
        let v: Value = serde_json::from_str(json)
            .map_err(|e| ListingError::at("", ListingProblem::Json(e.to_string())))?;
        Self::from_value(&v)
    }

    /// Validates an already parsed JSON value.
    pub fn from_value(v: &Value) -> Result<Self, ListingError> {
        if let Some(path) = find_sensitive(v, "") {
            return Err(ListingError::at(path, ListingProblem::SecretField));
        }
        let top = object(v, "")?;
        let user = field(top, "", "user", check_user)?;
        let expires_at = get(top, "", "expires_at")?
            .as_u64()
            .map(Timestamp)
            .ok_or_else(|| {
                ListingError::at(
                    "expires_at",
                    ListingProblem::Type("Unix seconds (a non-negative integer)"),
                )
            })?;
        let mut accounts = Vec::new();
        for (i, a) in array(top, "", "accounts", MAX_ACCOUNTS)?.iter().enumerate() {
            let p = format!("accounts[{i}]");
            let obj = object(a, &p)?;
            let id = field(obj, &p, "id", |v| check_id("account id", v))?;
            let label = field(obj, &p, "label", check_label)?;
            let product = string(obj, &p, "product")?
                .parse::<Product>()
                .map_err(|e| ListingError::at(join(&p, "product"), ListingProblem::Invalid(e)))?;
            let role = string(obj, &p, "role")?
                .parse::<Role>()
                .map_err(|e| ListingError::at(join(&p, "role"), ListingProblem::Invalid(e)))?;
            let default_sub_account = match obj.get("default_sub_account") {
                None | Some(Value::Null) => None,
                Some(_) => Some(field(obj, &p, "default_sub_account", |v| {
                    check_id("sub-account id", v)
                })?),
            };
            let mut sub_accounts = Vec::new();
            for (j, s) in array(obj, &p, "sub_accounts", MAX_SUB_ACCOUNTS)?
                .iter()
                .enumerate()
            {
                let sp = format!("{p}.sub_accounts[{j}]");
                let so = object(s, &sp)?;
                sub_accounts.push(ListedSubAccount {
                    id: field(so, &sp, "id", |v| check_id("sub-account id", v))?,
                    label: field(so, &sp, "label", check_label)?,
                    cloud_name: field(so, &sp, "cloud_name", check_cloud_name)?,
                    api_key: field(so, &sp, "api_key", check_api_key)?,
                });
            }
            accounts.push(ListedAccount {
                id,
                label,
                product,
                role,
                default_sub_account,
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

    /// Checks the rules that span fields: unique ids and cloud names, at least one sub-account
    /// per account, a default that exists, and every value's own rule. The signer calls it on
    /// what it is about to send; [`AccountListing::parse`] calls it on what it received.
    pub fn validate(&self) -> Result<(), ListingError> {
        checked("user".into(), self.user.clone(), check_user)?;
        if self.accounts.len() > MAX_ACCOUNTS {
            return Err(ListingError::at(
                "accounts",
                ListingProblem::TooMany(MAX_ACCOUNTS),
            ));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            let p = format!("accounts[{i}]");
            checked(join(&p, "id"), a.id.clone(), |v| check_id("account id", v))?;
            checked(join(&p, "label"), a.label.clone(), check_label)?;
            if self.accounts[..i].iter().any(|b| b.id == a.id) {
                return Err(ListingError::at(
                    join(&p, "id"),
                    ListingProblem::Duplicate(a.id.clone()),
                ));
            }
            if a.sub_accounts.is_empty() {
                return Err(ListingError::at(
                    join(&p, "sub_accounts"),
                    ListingProblem::NoSubAccounts,
                ));
            }
            if a.sub_accounts.len() > MAX_SUB_ACCOUNTS {
                return Err(ListingError::at(
                    join(&p, "sub_accounts"),
                    ListingProblem::TooMany(MAX_SUB_ACCOUNTS),
                ));
            }
            for (j, s) in a.sub_accounts.iter().enumerate() {
                let sp = format!("{p}.sub_accounts[{j}]");
                checked(join(&sp, "id"), s.id.clone(), |v| {
                    check_id("sub-account id", v)
                })?;
                checked(join(&sp, "label"), s.label.clone(), check_label)?;
                checked(
                    join(&sp, "cloud_name"),
                    s.cloud_name.clone(),
                    check_cloud_name,
                )?;
                checked(join(&sp, "api_key"), s.api_key.clone(), check_api_key)?;
                let earlier = &a.sub_accounts[..j];
                if earlier.iter().any(|t| t.id == s.id) {
                    return Err(ListingError::at(
                        join(&sp, "id"),
                        ListingProblem::Duplicate(s.id.clone()),
                    ));
                }
                if earlier.iter().any(|t| t.cloud_name == s.cloud_name) {
                    return Err(ListingError::at(
                        join(&sp, "cloud_name"),
                        ListingProblem::Duplicate(s.cloud_name.clone()),
                    ));
                }
            }
            if let Some(d) = &a.default_sub_account {
                if !a.sub_accounts.iter().any(|s| &s.id == d) {
                    return Err(ListingError::at(
                        join(&p, "default_sub_account"),
                        ListingProblem::UnknownDefault(d.clone()),
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
        serde_json::to_string(self).expect("a listing always serialises")
    }
}

impl ListedAccount {
    /// The default sub-account's id (the declared one, else the first).
    pub fn default_sub_account_id(&self) -> &str {
        self.default_sub_account
            .as_deref()
            .unwrap_or_else(|| self.sub_accounts[0].id.as_str())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn sample() -> Value {
        json!({
            "user": "alice@example.com",
            "expires_at": 2000,
            "accounts": [
                {"id": "acme", "label": "ACME", "product": "programmable_media", "role": "admin",
                 "default_sub_account": "acme-prod",
                 "sub_accounts": [
                    {"id": "acme-staging", "label": "Staging", "cloud_name": "acme-staging", "api_key": "111"},
                    {"id": "acme-prod", "label": "Production", "cloud_name": "acme-prod", "api_key": "222"}]},
                {"id": "brand-b", "label": "Brand B", "product": "dam", "role": "uploader",
                 "sub_accounts": [{"id": "b-main", "label": "Main", "cloud_name": "brand-b", "api_key": "333"}]},
                {"id": "agency", "label": "Agency", "product": "programmable_media", "role": "viewer",
                 "sub_accounts": [{"id": "ag", "label": "Agency cloud", "cloud_name": "agency", "api_key": "444"}]}
            ]
        })
    }

    #[track_caller]
    fn refused(edit: impl FnOnce(&mut Value)) -> String {
        let mut v = sample();
        edit(&mut v);
        AccountListing::from_value(&v).unwrap_err().to_string()
    }

    #[test]
    fn the_sample_parses_and_round_trips() {
        let l = AccountListing::from_value(&sample()).unwrap();
        assert_eq!(l.accounts.len(), 3);
        assert_eq!(l.accounts[0].default_sub_account_id(), "acme-prod");
        assert_eq!(l.accounts[1].default_sub_account_id(), "b-main");
        assert_eq!(l.accounts[1].product, Product::Dam);
        assert_eq!(AccountListing::parse(&l.to_json()).unwrap(), l);
        assert!(!l.to_json().contains("default_sub_account\":null"));
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
            refused(|v| v["accounts"][2]["product"] = json!("assets")),
            format!(
                r#"{p}accounts[2].product: product "assets" is invalid: expected programmable_media or dam"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][1]["cloud_name"] = json!("a b")),
            format!(
                r#"{p}accounts[0].sub_accounts[1].cloud_name: cloud name "a b" is invalid: use 1 to 128 ASCII letters, digits, '-' or '_'"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][1]["api_key"] = json!(222)),
            format!("{p}accounts[0].sub_accounts[1].api_key: expected a string")
        );
        assert_eq!(
            refused(|v| v["accounts"][2]["id"] = json!("acme")),
            format!(r#"{p}accounts[2].id: duplicate "acme""#)
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["sub_accounts"][1]["cloud_name"] = json!("acme-staging")),
            format!(r#"{p}accounts[0].sub_accounts[1].cloud_name: duplicate "acme-staging""#)
        );
        assert_eq!(
            refused(|v| v["accounts"][1]["sub_accounts"] = json!([])),
            format!(
                "{p}accounts[1].sub_accounts: an account needs at least one sub-account (cloud)"
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["default_sub_account"] = json!("gone")),
            format!(
                r#"{p}accounts[0].default_sub_account: "gone" is not one of the account's sub-accounts"#
            )
        );
        assert_eq!(
            refused(|v| v["accounts"][0]["label"] = json!("")),
            format!(
                r#"{p}accounts[0].label: label "" is invalid: use 1 to 100 characters, not only spaces, without control characters"#
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
    }

    #[test]
    fn unknown_harmless_fields_are_ignored() {
        let mut v = sample();
        v["accounts"][0]["source"] = json!("provisioning");
        assert!(AccountListing::from_value(&v).is_ok());
    }
}
