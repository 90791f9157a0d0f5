//! Sub-accounts as Cloudinary knows them (Provisioning API, through the signer's admin endpoint
//! `GET /v1/accounts/{id}/sub-accounts`), set against what the user can use: an admin sees
//! which clouds exist but are disabled, not configured in the signer, or not granted to them.
//!
//! ```json
//! { "account": "brand",
//!   "sub_accounts": [
//!     { "id": "abc123", "name": "Brand EU", "cloud_name": "brand-eu", "enabled": true, "configured_as": "brand-eu" },
//!     { "id": "def456", "name": "Brand APAC", "cloud_name": "brand-apac", "enabled": true, "configured_as": null } ] }
//! ```

use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

use crate::core::json::Value;

use super::error::AccountError;
use super::listing::{
    array, as_string, checked, field, find_sensitive, get, object, present, ListingError,
    ListingProblem, MAX_SUB_ACCOUNTS,
};
use super::model::{check_cloud_name, check_id, InvalidValue};
use super::state::Accounts;

/// The signer's admin endpoint for an account's sub-accounts on Cloudinary.
pub fn remote_sub_accounts_path(account: &str) -> String {
    format!("/v1/accounts/{account}/sub-accounts")
}

/// What the endpoint answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSubAccounts {
    /// The account they belong to.
    pub account: String,
    /// Cloudinary's sub-accounts, in its order.
    pub sub_accounts: Vec<RemoteSubAccount>,
}

/// One sub-account as Cloudinary lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSubAccount {
    /// Cloudinary's id for it.
    pub id: String,
    /// Its name on Cloudinary.
    pub name: String,
    /// Its cloud name.
    pub cloud_name: String,
    /// Whether it is enabled on Cloudinary.
    pub enabled: bool,
    /// The signer's id for it, if the signer is configured with its credentials.
    pub configured_as: Option<String>,
}

/// Whether the user can use a remote sub-account here, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteStatus {
    /// In the switcher, under this sub-account id.
    Usable(String),
    /// Disabled on Cloudinary.
    Disabled,
    /// The signer holds no credentials for it.
    NotConfigured,
    /// Configured in the signer (under this id), but the user's token grants no role on it.
    NotGranted(String),
}

impl fmt::Display for RemoteStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteStatus::Usable(id) => write!(f, "available (sub-account \"{id}\")"),
            RemoteStatus::Disabled => f.write_str("disabled on Cloudinary"),
            RemoteStatus::NotConfigured => f.write_str(
                "exists on Cloudinary, but the signer has no credentials for it: \
                 its operator must add it to the signer's configuration",
            ),
            RemoteStatus::NotGranted(id) => write!(
                f,
                "configured in the signer as \"{id}\", but your token grants you no role on it"
            ),
        }
    }
}

impl RemoteSubAccounts {
    /// Parses the signer's answer; every refusal names the field.
    pub fn parse(json: &str) -> Result<Self, ListingError> {
        let what = "sub-account listing";
        let v: Value = crate::core::json::from_str(json)
            .map_err(|e| ListingError::at("", ListingProblem::Json(e.to_string())).about(what))?;
        Self::from_value(&v).map_err(|e| e.about(what))
    }

    fn from_value(v: &Value) -> Result<Self, ListingError> {
        if let Some(path) = find_sensitive(v, "") {
            return Err(ListingError::at(path, ListingProblem::SecretField));
        }
        let top = object(v, "")?;
        let account = field(top, "", "account", |v| check_id("account id", v))?;
        let list = array(
            get(top, "", "sub_accounts")?,
            "sub_accounts".into(),
            MAX_SUB_ACCOUNTS,
        )?;
        let mut sub_accounts = Vec::with_capacity(list.len());
        for (i, s) in list.iter().enumerate() {
            let p = format!("sub_accounts[{i}]");
            let o = object(s, &p)?;
            let id = as_string(get(o, &p, "id")?, format!("{p}.id"))?;
            let id = checked(format!("{p}.id"), id, |v| {
                if v.is_empty() || v.len() > 128 || v.chars().any(char::is_control) {
                    Err(InvalidValue::new(
                        "id",
                        v,
                        "use 1 to 128 characters without control characters",
                    ))
                } else {
                    Ok(())
                }
            })?;
            let name = match present(o, "name") {
                None => String::new(),
                Some(n) => as_string(n, format!("{p}.name"))?,
            };
            let enabled = match present(o, "enabled") {
                None => true,
                Some(b) => b.as_bool().ok_or_else(|| {
                    ListingError::at(
                        format!("{p}.enabled"),
                        ListingProblem::Type("true or false"),
                    )
                })?,
            };
            let configured_as = match present(o, "configured_as") {
                None => None,
                Some(c) => Some(checked(
                    format!("{p}.configured_as"),
                    as_string(c, format!("{p}.configured_as"))?,
                    |v| check_id("sub-account id", v),
                )?),
            };
            sub_accounts.push(RemoteSubAccount {
                id,
                name: name.chars().take(200).collect(),
                cloud_name: field(o, &p, "cloud_name", check_cloud_name)?,
                enabled,
                configured_as,
            });
        }
        Ok(RemoteSubAccounts {
            account,
            sub_accounts,
        })
    }
}

impl Accounts {
    /// Sets Cloudinary's sub-accounts of an account against the user's clouds in it.
    pub fn provisioning_view(
        &self,
        remote: &RemoteSubAccounts,
    ) -> Result<Vec<(RemoteSubAccount, RemoteStatus)>, AccountError> {
        let account =
            self.account(&remote.account)
                .ok_or_else(|| AccountError::UnknownAccount {
                    id: remote.account.clone(),
                    known: self.accounts().iter().map(|a| a.id().to_owned()).collect(),
                })?;
        Ok(remote
            .sub_accounts
            .iter()
            .map(|r| {
                let status = if !r.enabled {
                    RemoteStatus::Disabled
                } else {
                    match &r.configured_as {
                        None => RemoteStatus::NotConfigured,
                        Some(id) if account.sub_account(id).is_some() => {
                            RemoteStatus::Usable(id.clone())
                        }
                        Some(id) => RemoteStatus::NotGranted(id.clone()),
                    }
                };
                (r.clone(), status)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::accounts::{AccountListing, Timestamp};
    use crate::json;

    fn remote() -> Value {
        json!({"account": "brand", "sub_accounts": [
            {"id": "c1", "name": "Brand EU", "cloud_name": "brand-eu", "enabled": true, "configured_as": "brand-eu"},
            {"id": "c2", "name": "Brand US", "cloud_name": "brand-us", "enabled": true, "configured_as": "brand-us"},
            {"id": "c3", "name": "Brand APAC", "cloud_name": "brand-apac", "enabled": true, "configured_as": null},
            {"id": "c4", "name": "Old", "cloud_name": "brand-old", "enabled": false, "configured_as": null}]})
    }

    #[test]
    fn remote_sub_accounts_are_set_against_the_users_clouds() {
        let listing = AccountListing::parse(
            &json!({"user": "a", "expires_at": 100, "accounts": [
                {"id": "brand", "label": "Brand", "cloud_name": "brand-cloud", "api_key": "1",
                 "products": ["programmable_media"], "role": "admin",
                 "sub_accounts": [{"id": "brand-eu", "label": "Brand EU", "cloud_name": "brand-eu",
                                   "api_key": "2", "products": ["programmable_media"], "role": "admin"}]}]})
            .to_string(),
        )
        .unwrap();
        let mut acc = Accounts::new("t").unwrap();
        acc.login("brand", &listing, Timestamp(1)).unwrap();
        let r = RemoteSubAccounts::parse(&remote().to_string()).unwrap();
        let view: Vec<(String, String)> = acc
            .provisioning_view(&r)
            .unwrap()
            .into_iter()
            .map(|(s, st)| (s.cloud_name, st.to_string()))
            .collect();
        assert_eq!(
            view,
            [
                ("brand-eu".to_owned(), "available (sub-account \"brand-eu\")".to_owned()),
                (
                    "brand-us".to_owned(),
                    "configured in the signer as \"brand-us\", but your token grants you no role on it".to_owned()
                ),
                (
                    "brand-apac".to_owned(),
                    "exists on Cloudinary, but the signer has no credentials for it: its operator must add \
                     it to the signer's configuration"
                        .to_owned()
                ),
                ("brand-old".to_owned(), "disabled on Cloudinary".to_owned()),
            ]
        );
        let other = RemoteSubAccounts {
            account: "zeta".into(),
            sub_accounts: vec![],
        };
        assert_eq!(
            acc.provisioning_view(&other).unwrap_err().to_string(),
            "unknown account \"zeta\" (known accounts: brand)"
        );
    }

    #[test]
    fn bad_answers_name_the_field() {
        let err = |edit: fn(&mut Value)| {
            let mut v = remote();
            edit(&mut v);
            RemoteSubAccounts::parse(&v.to_string())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(|v| v["sub_accounts"][1]["cloud_name"] = json!("a b")),
            "invalid sub-account listing from the signer: sub_accounts[1].cloud_name: cloud name \"a b\" is \
             invalid: use 1 to 128 ASCII letters, digits, '-' or '_'"
        );
        assert_eq!(
            err(|v| v["sub_accounts"][0]["enabled"] = json!("yes")),
            "invalid sub-account listing from the signer: sub_accounts[0].enabled: expected true or false"
        );
        assert_eq!(
            err(|v| v["sub_accounts"][2]["api_secret"] = json!("x")),
            "invalid sub-account listing from the signer: sub_accounts[2].api_secret: a listing must never \
             carry a secret, token or signature; refusing all of it"
        );
        assert_eq!(
            RemoteSubAccounts::parse("nope").unwrap_err().to_string(),
            "invalid sub-account listing from the signer: not JSON (expected ident at line 1 column 2)"
        );
        assert_eq!(
            remote_sub_accounts_path("brand"),
            "/v1/accounts/brand/sub-accounts"
        );
    }
}
