//! What survives a reload, and what one tab learns from another's writes.
//!
//! The persisted form is one JSON document under the host's namespaced storage key
//! [`STORAGE_KEY`]:
//!
//! ```json
//! {
//!   "schema": 1,
//!   "revision": 7,
//!   "writer": "tab-4f2a",
//!   "current": { "account": "acme", "sub_account": "acme-staging" },
//!   "accounts": [
//!     { "id": "acme", "label": "ACME", "custom_label": "ACME (client)", "default_sub_account": "acme",
//!       "sub_accounts": [
//!         { "id": "acme", "label": "ACME", "cloud_name": "acme-prod", "api_key": "1234",
//!           "product": "programmable_media", "role": "admin",
//!           "grants": { "upload_params": ["*"], "upload_presets": ["*"], "folder_prefix": "",
//!                       "delivery_types": ["upload"], "media_library": true } },
//!         { "id": "acme-staging", "...": "..." } ],
//!       "last_sub_account": "acme-staging",
//!       "session": { "user": "alice@example.com", "expires_at": 1764212400 } }
//!   ]
//! }
//! ```
//!
//! No secret, token or signature is ever part of it: the core never receives any. A session is
//! a user name and an expiry; an expired one is dropped on load.
//!
//! Two tabs share the document: the rule is *last writer wins, ordered by `(revision, writer)`*.
//! Each write bumps `revision` and records the writing tab in `writer`. A tab that sees another's
//! write ([`Accounts::merge_stored`]) adopts it when its `(revision, writer)` is greater than its
//! own: logins, logouts, labels and sub-account lists follow the other tab, while each tab keeps
//! its own current selection as long as it stays valid (a reload takes the last writer's). A tab
//! that sees a *smaller* pair holds the newer state — the other tab wrote before it had seen
//! ours, and storage may now hold the older document — so it writes its own again one revision
//! higher; the other tab then adopts it. Two writes of the same revision (a race) are settled by
//! the greater `writer` id the same way. Once every storage event is delivered, both tabs and
//! storage hold the same accounts (property-tested with events delayed and interleaved). The
//! host layer calls `merge_stored` with the key's *current* value whenever a `storage` event
//! arrives (not with the event's `newValue`: events can be late, the stored value is what
//! counts). The price of that simplicity: of two changes made in the same instant in two tabs, the losing
//! one is undone (and its tab is told through the usual effects and notices).

use crate::core::text::Quoted;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

use crate::core::json::{de, object, Map, ToJson, Value};

use super::effects::{Effect, Notice};
use super::listing::{is_sensitive_name, MAX_SUB_ACCOUNTS};
use super::model::{
    check_api_key, check_cloud_name, check_id, check_label, check_user, Grants, Product, Role,
    Timestamp,
};
use super::state::{Account, Accounts, Before, Selection, Session, SubAccount};

/// The schema version this plugin writes and the newest it reads.
pub const SCHEMA_VERSION: u64 = 1;
/// The storage key, under the host's namespace for the plugin.
pub const STORAGE_KEY: &str = "accounts";

/// Why a stored document could not be used at all. Individual bad accounts are not errors:
/// they are skipped and reported as [`LoadIssue`]s.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// Not JSON.
    Json(String),
    /// Not a JSON object.
    NotAnObject,
    /// No `schema` number.
    MissingSchema,
    /// `schema` is not a known version.
    BadSchema(String),
    /// Written by a newer plugin version.
    NewerSchema(u64),
    /// No `accounts` array.
    NoAccounts,
    /// The tab id given is malformed.
    Tab(super::model::InvalidValue),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stored account state ")?;
        match self {
            StoreError::Json(e) => write!(f, "is not JSON ({e})"),
            StoreError::NotAnObject => f.write_str("is not a JSON object"),
            StoreError::MissingSchema => f.write_str("has no schema version"),
            StoreError::BadSchema(v) => write!(f, "has an invalid schema version {v}"),
            StoreError::NewerSchema(v) => write!(
                f,
                "has schema version {v}, but this plugin reads up to {SCHEMA_VERSION}: \
                 a newer version of the plugin wrote it"
            ),
            StoreError::NoAccounts => f.write_str("has no \"accounts\" array"),
            StoreError::Tab(e) => write!(f, "cannot be loaded for this tab: {e}"),
        }
    }
}

impl core::error::Error for StoreError {}

/// A stored entry that was skipped or repaired on load; everything else was kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadIssue {
    /// Where (`accounts[2]`, `current`...).
    pub path: String,
    /// What was wrong and what was done about it.
    pub problem: String,
}

impl fmt::Display for LoadIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stored account state: {}: {}", self.path, self.problem)
    }
}

/// The outcome of [`Accounts::from_stored`].
#[derive(Debug)]
pub struct Restored {
    /// The state to run with.
    pub accounts: Accounts,
    /// What the host layer must do now (mount on the current cloud, notices about sessions
    /// that expired while the page was closed, persist the repaired state).
    pub effects: Vec<Effect>,
    /// Entries skipped or repaired.
    pub issues: Vec<LoadIssue>,
}

// The stored document's records, with `serde`'s error wording: keys are read in the
// object's (sorted) order, so the first bad one is reported; then missing fields, in
// declaration order.

impl ToJson for Timestamp {
    fn to_json(&self) -> Value {
        self.0.into()
    }
}

impl ToJson for Role {
    fn to_json(&self) -> Value {
        self.as_str().into()
    }
}

impl ToJson for Product {
    fn to_json(&self) -> Value {
        self.as_str().into()
    }
}

impl ToJson for Grants {
    fn to_json(&self) -> Value {
        crate::json!({
            "upload_params": self.upload_params,
            "upload_presets": self.upload_presets,
            "folder_prefix": self.folder_prefix,
            "delivery_types": self.delivery_types,
            "media_library": self.media_library
        })
    }
}

impl ToJson for SubAccount {
    fn to_json(&self) -> Value {
        crate::json!({
            "id": self.id, "label": self.label, "cloud_name": self.cloud_name,
            "api_key": self.api_key, "product": self.product, "role": self.role,
            "grants": self.grants
        })
    }
}

impl ToJson for Session {
    fn to_json(&self) -> Value {
        crate::json!({"user": self.user, "expires_at": self.expires_at})
    }
}

impl ToJson for Account {
    fn to_json(&self) -> Value {
        object([
            ("id", Some(self.id.to_json())),
            ("label", Some(self.label.to_json())),
            (
                "custom_label",
                self.custom_label.as_ref().map(ToJson::to_json),
            ),
            (
                "default_sub_account",
                Some(self.default_sub_account.to_json()),
            ),
            ("sub_accounts", Some(self.sub_accounts.to_json())),
            (
                "last_sub_account",
                self.last_sub_account.as_ref().map(ToJson::to_json),
            ),
            ("session", self.session.as_ref().map(ToJson::to_json)),
        ])
    }
}

impl ToJson for Selection {
    fn to_json(&self) -> Value {
        crate::json!({"account": self.account, "sub_account": self.sub_account})
    }
}

const ROLES: [(&str, Role); 3] = [
    ("viewer", Role::Viewer),
    ("uploader", Role::Uploader),
    ("admin", Role::Admin),
];
const PRODUCTS: [(&str, Product); 2] = [
    ("programmable_media", Product::ProgrammableMedia),
    ("dam", Product::Dam),
];

fn strings(v: &Value) -> Result<Vec<String>, String> {
    de::seq_value(v, de::str_value)
}

fn grants_from(v: &Value) -> Result<Grants, String> {
    let o = de::object(v, "Grants")?;
    let delivery_types = de::field(o, "delivery_types", strings)?;
    let folder_prefix = de::field(o, "folder_prefix", de::str_value)?;
    let media_library = de::field(o, "media_library", de::bool_value)?;
    let upload_params = de::field(o, "upload_params", strings)?;
    let upload_presets = de::field(o, "upload_presets", strings)?;
    Ok(Grants {
        upload_params: upload_params.unwrap_or_default(),
        upload_presets: upload_presets.unwrap_or_default(),
        folder_prefix: folder_prefix.unwrap_or_default(),
        delivery_types: delivery_types.unwrap_or_default(),
        media_library: media_library.unwrap_or_default(),
    })
}

fn sub_account_from(v: &Value) -> Result<SubAccount, String> {
    let o = de::object(v, "SubAccount")?;
    let api_key = de::field(o, "api_key", de::str_value)?;
    let cloud_name = de::field(o, "cloud_name", de::str_value)?;
    let grants = de::field(o, "grants", grants_from)?;
    let id = de::field(o, "id", de::str_value)?;
    let label = de::field(o, "label", de::str_value)?;
    let product = de::field(o, "product", |v| de::variant(v, &PRODUCTS))?;
    let role = de::field(o, "role", |v| de::variant(v, &ROLES))?;
    Ok(SubAccount {
        id: de::required(id, "id")?,
        label: de::required(label, "label")?,
        cloud_name: de::required(cloud_name, "cloud_name")?,
        api_key: de::required(api_key, "api_key")?,
        product: de::required(product, "product")?,
        role: de::required(role, "role")?,
        grants: de::required(grants, "grants")?,
    })
}

fn session_from(v: &Value) -> Result<Session, String> {
    let o = de::object(v, "Session")?;
    let expires_at = de::field(o, "expires_at", de::u64_value)?;
    let user = de::field(o, "user", de::str_value)?;
    Ok(Session {
        user: de::required(user, "user")?,
        expires_at: Timestamp(de::required(expires_at, "expires_at")?),
    })
}

fn account_from(v: &Value) -> Result<Account, String> {
    let o: &Map<String, Value> = de::object(v, "Account")?;
    let custom_label = de::field(o, "custom_label", de::nullable(de::str_value))?;
    let default_sub_account = de::field(o, "default_sub_account", de::str_value)?;
    let id = de::field(o, "id", de::str_value)?;
    let label = de::field(o, "label", de::str_value)?;
    let last_sub_account = de::field(o, "last_sub_account", de::nullable(de::str_value))?;
    let session = de::field(o, "session", de::nullable(session_from))?;
    let sub_accounts = de::field(o, "sub_accounts", |v| de::seq_value(v, sub_account_from))?;
    Ok(Account {
        id: de::required(id, "id")?,
        label: de::required(label, "label")?,
        custom_label: custom_label.flatten(),
        default_sub_account: de::required(default_sub_account, "default_sub_account")?,
        sub_accounts: de::required(sub_accounts, "sub_accounts")?,
        last_sub_account: last_sub_account.flatten(),
        session: session.flatten(),
    })
}

fn selection_from(v: &Value) -> Result<Selection, String> {
    let o = de::object(v, "Selection")?;
    let account = de::field(o, "account", de::str_value)?;
    let sub_account = de::field(o, "sub_account", de::str_value)?;
    Ok(Selection {
        account: de::required(account, "account")?,
        sub_account: de::required(sub_account, "sub_account")?,
    })
}

fn validate_account(
    a: &mut Account,
    issues: &mut Vec<LoadIssue>,
    path: &str,
) -> Result<(), String> {
    let e = |e: super::model::InvalidValue| e.to_string();
    check_id("account id", &a.id).map_err(e)?;
    check_label(&a.label).map_err(e)?;
    if let Some(l) = &a.custom_label {
        check_label(l).map_err(e)?;
    }
    if a.sub_accounts.is_empty() {
        return Err("an account needs at least one sub-account (cloud)".into());
    }
    if a.sub_accounts.len() > MAX_SUB_ACCOUNTS {
        return Err(format!("more than {MAX_SUB_ACCOUNTS} sub-accounts"));
    }
    for (j, s) in a.sub_accounts.iter().enumerate() {
        let at = |m: String| format!("sub_accounts[{j}]: {m}");
        check_id("sub-account id", &s.id).map_err(|x| at(x.to_string()))?;
        check_label(&s.label).map_err(|x| at(x.to_string()))?;
        check_cloud_name(&s.cloud_name).map_err(|x| at(x.to_string()))?;
        check_api_key(&s.api_key).map_err(|x| at(x.to_string()))?;
        s.grants.check().map_err(|x| at(x.to_string()))?;
        if a.sub_accounts[..j]
            .iter()
            .any(|t| t.id == s.id || t.cloud_name == s.cloud_name)
        {
            return Err(at(format!("duplicate sub-account {}", Quoted(&s.id))));
        }
    }
    if a.sub_account(&a.default_sub_account).is_none() {
        return Err(format!(
            "default_sub_account {} is not one of the account's sub-accounts",
            Quoted(&a.default_sub_account)
        ));
    }
    if let Some(last) = &a.last_sub_account {
        if a.sub_account(last).is_none() {
            issues.push(LoadIssue {
                path: format!("{path}.last_sub_account"),
                problem: format!(
                    "{last} is not one of the account's sub-accounts; forgotten",
                    last = Quoted(last)
                ),
            });
            a.last_sub_account = None;
        }
    }
    if let Some(s) = &a.session {
        if let Err(x) = check_user(&s.user) {
            issues.push(LoadIssue {
                path: format!("{path}.session"),
                problem: format!("{x}; the account was logged out"),
            });
            a.session = None;
        }
    }
    Ok(())
}

/// Parses a stored document without sweeping expired sessions. Bad entries become issues.
fn parse_doc(json: &str, tab: &str) -> Result<(Accounts, Vec<LoadIssue>), StoreError> {
    let mut acc = Accounts::new(tab).map_err(|e| match e {
        super::error::AccountError::Invalid(v) => StoreError::Tab(v),
        _ => unreachable!("Accounts::new only validates the tab id"),
    })?;
    let v = crate::core::json::from_str(json).map_err(StoreError::Json)?;
    let top = v.as_object().ok_or(StoreError::NotAnObject)?;
    match top.get("schema") {
        None | Some(Value::Null) => return Err(StoreError::MissingSchema),
        Some(s) => match s.as_u64() {
            Some(n) if n > SCHEMA_VERSION => return Err(StoreError::NewerSchema(n)),
            Some(SCHEMA_VERSION) => {}
            _ => return Err(StoreError::BadSchema(s.to_string())),
        },
    }
    let entries = top
        .get("accounts")
        .and_then(Value::as_array)
        .ok_or(StoreError::NoAccounts)?;
    let mut issues = Vec::new();
    match top.get("revision").map(|r| r.as_u64()) {
        Some(Some(r)) => acc.revision = r,
        _ => issues.push(LoadIssue {
            path: "revision".into(),
            problem: "missing or not a non-negative integer; counting from 0".into(),
        }),
    }
    match top.get("writer").and_then(Value::as_str) {
        Some(w) if check_id("tab id", w).is_ok() => acc.writer = w.to_owned(),
        _ => issues.push(LoadIssue {
            path: "writer".into(),
            problem: format!("missing or not a valid tab id; taken as this tab ({tab})"),
        }),
    }
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("accounts[{i}]");
        let named = match entry.get("id").and_then(Value::as_str) {
            Some(id) => format!("{path} ({id})", id = Quoted(id)),
            None => path.clone(),
        };
        let skip = |problem: String| LoadIssue {
            path: named.clone(),
            problem: format!("{problem}; this account was skipped, the others were kept"),
        };
        if let Some(key) = sensitive_key(entry) {
            issues.push(skip(format!(
                "has a field named {key}, which is never stored",
                key = Quoted(&key)
            )));
            continue;
        }
        let mut a = match account_from(entry) {
            Ok(a) => a,
            Err(e) => {
                issues.push(skip(e.to_string()));
                continue;
            }
        };
        if let Err(p) = validate_account(&mut a, &mut issues, &path) {
            issues.push(skip(p));
            continue;
        }
        if acc.account(&a.id).is_some() {
            issues.push(skip(format!("duplicate account id {}", Quoted(&a.id))));
            continue;
        }
        acc.accounts.push(a);
    }
    match top.get("current") {
        None | Some(Value::Null) => {}
        Some(c) => match selection_from(c) {
            Ok(sel) => acc.current = Some(sel),
            Err(e) => issues.push(LoadIssue {
                path: "current".into(),
                problem: format!("{e}; another selection will be made"),
            }),
        },
    }
    Ok((acc, issues))
}

fn sensitive_key(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            if is_sensitive_name(k) {
                Some(k.clone())
            } else {
                sensitive_key(v)
            }
        }),
        Value::Array(a) => a.iter().find_map(sensitive_key),
        _ => None,
    }
}

impl Accounts {
    /// The persisted form (see the [module docs](self)). Write it whenever a transition
    /// returns [`Effect::Persist`].
    pub fn to_stored(&self) -> String {
        object([
            ("schema", Some(SCHEMA_VERSION.into())),
            ("revision", Some(self.revision.into())),
            ("writer", Some(self.writer.to_json())),
            ("current", self.current.as_ref().map(ToJson::to_json)),
            ("accounts", Some(self.accounts.to_json())),
        ])
        .to_string()
    }

    /// Restores the state a previous page load persisted. Sessions that expired meanwhile are
    /// dropped (with a notice), bad entries are skipped or repaired (with an issue each) and
    /// the others kept; a stored selection that is no longer usable falls back.
    ///
    /// ```
    /// use cloudinary_connector::core::accounts::{Accounts, Timestamp};
    /// let err = Accounts::from_stored(r#"{"schema":9,"accounts":[]}"#, "tab", Timestamp(0)).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "stored account state has schema version 9, but this plugin reads up to 1: \
    ///      a newer version of the plugin wrote it"
    /// );
    /// ```
    pub fn from_stored(json: &str, tab: &str, now: Timestamp) -> Result<Restored, StoreError> {
        let (mut acc, issues) = parse_doc(json, tab)?;
        let stored_current = acc.current.clone();
        let stored_accounts = acc.accounts.clone();
        let mut notices = Vec::new();
        acc.sweep(now, &mut notices);
        // Nothing is mounted yet: compare against the swept state, so that sessions which
        // expired while the page was closed yield notices but no unmount/cancel effects.
        let before = Before {
            accounts: acc.accounts.clone(),
            current: stored_current.clone(),
            cloud: None,
        };
        let mut effects = acc.settle(before, now, notices, true, Some(stored_accounts));
        let repaired = !issues.is_empty() || acc.current != stored_current;
        if repaired && !effects.contains(&Effect::Persist) {
            acc.bump();
            effects.push(Effect::Persist);
        }
        Ok(Restored {
            accounts: acc,
            effects,
            issues,
        })
    }

    /// Takes in a document another tab wrote (the host layer calls it from the `storage`
    /// event). See the [module docs](self) for the rule. Returns the effects for this tab:
    /// accounts logged out elsewhere are unmounted here too, and the selection falls back if
    /// it became unusable.
    pub fn merge_stored(&mut self, json: &str, now: Timestamp) -> Result<Vec<Effect>, StoreError> {
        let (incoming, _issues) = parse_doc(json, &self.tab)?;
        let theirs = (incoming.revision, incoming.writer.as_str());
        let ours = (self.revision, self.writer.as_str());
        if theirs == ours {
            // Our own write echoed back, or one we already adopted.
            return Ok(self.expire(now));
        }
        if theirs < ours {
            // The other tab wrote without having seen our newer state (a race, or a late
            // event): storage may now hold the older document. Write ours again, one higher,
            // so that storage and the other tab end up with it.
            let mut effects = self.expire(now);
            if !effects.contains(&Effect::Persist) {
                self.bump();
                effects.push(Effect::Persist);
            }
            return Ok(effects);
        }
        let before = self.before();
        let mut notices = Vec::new();
        for a in self.accounts.iter().filter(|a| a.session.is_some()) {
            if !incoming.account(&a.id).is_some_and(|b| b.session.is_some()) {
                notices.push(Notice::LoggedOutInAnotherTab {
                    account: a.label().to_owned(),
                });
            }
        }
        self.revision = incoming.revision;
        self.writer = incoming.writer.clone();
        self.accounts = incoming.accounts.clone();
        self.sweep(now, &mut notices);
        Ok(self.settle(before, now, notices, true, Some(incoming.accounts)))
    }
}
