//! The browser side of several accounts: fetches the signer's account listing with the host's
//! bearer token, applies it to the pure [`Accounts`] state machine, persists the state in a
//! `web_sys::Storage` under a namespaced key, and follows other tabs through the `storage`
//! event. The state machine decides; this module performs the I/O its [`Effect`]s ask for
//! (persisting, cancelling pending logins) and hands every effect back to the caller, who
//! unmounts/remounts widgets and shows notices.
//!
//! ```no_run
//! # async fn no_run() -> Result<(), cloudinary_connector::host::accounts::AccountsError> {
//! use cloudinary_connector::host::accounts::{fetch_listing, now, AccountStore, AccountsSession};
//! let store = AccountStore::local("my-host:cloudinary-connector:")?;
//! let mut opened = AccountsSession::open(store, "tab-1f3a", now())?;
//! let session = &mut opened.session;
//! let token = "eyJ...".to_owned(); // from the host
//! let ticket = session.begin_login("acme");
//! let listing = fetch_listing("https://signer.example.com", &token, None).await?;
//! for effect in session.login(ticket, &listing, now())? {
//!     // unmount / remount widgets, show notices...
//! #   let _ = effect;
//! }
//! # Ok(()) }
//! ```

use alloc::borrow::ToOwned;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::host::fetch::{self, Fetch};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::accounts::{
    check_account_id, remote_sub_accounts_path, AccountError, AccountListing, Accounts, Effect,
    ListingError, LoadIssue, RemoteSubAccounts, StoreError, Timestamp, LISTING_PATH, STORAGE_KEY,
};

/// Why an accounts operation failed in the browser. Messages never contain a token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountsError {
    /// The host's token is missing or its expiry cannot be read.
    Token(String),
    /// The signer could not be reached (network, CORS, not running).
    Unreachable {
        /// The URL asked.
        url: String,
        /// The browser's message.
        message: String,
    },
    /// The signer refused (4xx/5xx) with this message.
    Refused {
        /// What was asked (`account listing`, `sub-account listing`).
        what: String,
        /// HTTP status.
        status: u16,
        /// The signer's `error.message`.
        message: String,
    },
    /// The signer's listing breaks the wire contract.
    Listing(ListingError),
    /// The state machine refused the transition (nothing changed).
    Transition(AccountError),
    /// A login that was cancelled (logout, another login) while its listing was in flight.
    Cancelled {
        /// Account id.
        account: String,
    },
    /// The stored state could not be used at all.
    Stored(StoreError),
    /// The browser's storage refused to be read or written.
    Storage(String),
}

impl fmt::Display for AccountsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountsError::Token(m) => write!(f, "no usable signer token: {m}"),
            AccountsError::Unreachable { url, message } => {
                write!(f, "the signer at {url} is unreachable: {message}")
            }
            AccountsError::Refused {
                what,
                status,
                message,
            } => {
                write!(f, "the signer refused the {what} ({status}): {message}")
            }
            AccountsError::Listing(e) => write!(f, "{e}"),
            AccountsError::Transition(e) => write!(f, "{e}"),
            AccountsError::Cancelled { account } => write!(
                f,
                "the login to account \"{account}\" was cancelled before the signer answered"
            ),
            AccountsError::Stored(e) => write!(f, "{e}"),
            AccountsError::Storage(m) => write!(f, "the browser storage failed: {m}"),
        }
    }
}

impl core::error::Error for AccountsError {}

impl From<AccountError> for AccountsError {
    fn from(e: AccountError) -> Self {
        AccountsError::Transition(e)
    }
}

use crate::core::json::Map;
use crate::host::api::js_message;

/// Now, from the browser's clock, in Unix seconds.
pub fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0) as u64)
}

/// Fetches `GET {signer_url}/v1/accounts` with `token` and parses it. The login lasts until
/// the listing's `expires_at` (the signer sends the token's own `exp`), or the earlier
/// `token_expires_at` when the host gives one.
pub async fn fetch_listing(
    signer_url: &str,
    token: &str,
    token_expires_at: Option<Timestamp>,
) -> Result<AccountListing, AccountsError> {
    let text = signer_get(signer_url, LISTING_PATH, token, "account listing").await?;
    match token_expires_at {
        Some(t) => AccountListing::parse_with_expiry(&text, t),
        None => AccountListing::parse(&text),
    }
    .map_err(AccountsError::Listing)
}

async fn signer_get(
    signer_url: &str,
    path: &str,
    token: &str,
    what: &str,
) -> Result<String, AccountsError> {
    if token.trim().is_empty() {
        return Err(AccountsError::Token("the host gave an empty token".into()));
    }
    let url = format!("{}{path}", signer_url.trim_end_matches('/'));
    let unreachable = |message: String| AccountsError::Unreachable {
        url: url.clone(),
        message,
    };
    let authorization = fetch::bearer(token).map_err(AccountsError::Token)?;
    let request = Fetch {
        method: "GET",
        url: &url,
        headers: &[("Authorization", &authorization)],
        body: None,
        signal: None,
    }
    .build()
    .map_err(unreachable)?;
    let fetch::Answer { status, text, .. } = fetch::send(&request).await.map_err(unreachable)?;
    if !(200..300).contains(&status) {
        let message = crate::core::json::from_str(&text)
            .ok()
            .and_then(|v| v.pointer("/error/message")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("HTTP {status} without an error message"));
        return Err(AccountsError::Refused {
            what: what.to_owned(),
            status,
            message,
        });
    }
    Ok(text)
}

/// Fetches Cloudinary's sub-accounts of `account` through the signer's admin endpoint
/// (Provisioning API); set them against the user's clouds with
/// [`Accounts::provisioning_view`].
pub async fn fetch_remote_sub_accounts(
    signer_url: &str,
    token: &str,
    account: &str,
) -> Result<RemoteSubAccounts, AccountsError> {
    check_account_id(account).map_err(|e| AccountsError::Transition(AccountError::Invalid(e)))?;
    let text = signer_get(
        signer_url,
        &remote_sub_accounts_path(account),
        token,
        "sub-account listing",
    )
    .await?;
    RemoteSubAccounts::parse(&text).map_err(AccountsError::Listing)
}

/// Where the state is stored: the page's `localStorage` (`web_sys::Storage` implements it), or
/// the host's own namespaced storage through an adapter. Errors are the storage's messages.
pub trait KeyValueStore {
    /// The value under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<String>, String>;
    /// Stores `value` under `key`.
    fn set(&self, key: &str, value: &str) -> Result<(), String>;
    /// Removes `key`.
    fn remove(&self, key: &str) -> Result<(), String>;
}

impl KeyValueStore for web_sys::Storage {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        self.get_item(key).map_err(|e| js_message(&e))
    }
    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        self.set_item(key, value).map_err(|e| js_message(&e))
    }
    fn remove(&self, key: &str) -> Result<(), String> {
        self.remove_item(key).map_err(|e| js_message(&e))
    }
}

/// The host's namespaced storage (host extension API): the plugin's account state lives under
/// its own key in the plugin's namespace, so "uninstall and remove all data" removes it.
impl KeyValueStore for crate::host::api::HostStorage {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        crate::host::resources::KeyValue::get(self, key).map_err(|e| js_message(&e))
    }
    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        crate::host::resources::KeyValue::set(self, key, value).map_err(|e| js_message(&e))
    }
    fn remove(&self, key: &str) -> Result<(), String> {
        crate::host::resources::KeyValue::remove(self, key).map_err(|e| js_message(&e))
    }
}

impl<T: KeyValueStore + ?Sized> KeyValueStore for Rc<T> {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        (**self).get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        (**self).set(key, value)
    }
    fn remove(&self, key: &str) -> Result<(), String> {
        (**self).remove(key)
    }
}

/// The namespaced storage key the account state lives under.
#[derive(Clone)]
pub struct AccountStore {
    backend: Rc<dyn KeyValueStore>,
    key: String,
}

impl fmt::Debug for AccountStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountStore")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl AccountStore {
    /// The state under `prefix` + [`STORAGE_KEY`] in `backend`.
    pub fn new(backend: impl KeyValueStore + 'static, prefix: &str) -> Self {
        AccountStore {
            backend: Rc::new(backend),
            key: format!("{prefix}{STORAGE_KEY}"),
        }
    }
    /// The state in the page's `localStorage` (shared by the origin's tabs, which see each
    /// other's writes through the `storage` event).
    pub fn local(prefix: &str) -> Result<Self, AccountsError> {
        let storage = web_sys::window()
            .ok_or_else(|| AccountsError::Storage("no window".into()))?
            .local_storage()
            .map_err(|e| AccountsError::Storage(js_message(&e)))?
            .ok_or_else(|| AccountsError::Storage("localStorage is not available".into()))?;
        Ok(Self::new(storage, prefix))
    }
    /// The full key.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The stored document, if any.
    pub fn read(&self) -> Result<Option<String>, AccountsError> {
        self.backend.get(&self.key).map_err(AccountsError::Storage)
    }
    /// Writes the document.
    pub fn write(&self, doc: &str) -> Result<(), AccountsError> {
        self.backend
            .set(&self.key, doc)
            .map_err(AccountsError::Storage)
    }
    /// Removes the key (uninstall with "remove all data").
    pub fn clear(&self) -> Result<(), AccountsError> {
        self.backend
            .remove(&self.key)
            .map_err(AccountsError::Storage)
    }
}

/// A login waiting for the signer's listing. It is void once the account's pending work is
/// cancelled ([`Effect::CancelPending`]), so a late answer cannot log a user back in.
#[derive(Debug)]
#[must_use = "pass the ticket to AccountsSession::login"]
pub struct LoginTicket {
    account: String,
    generation: u64,
}

/// What [`AccountsSession::open`] found.
#[derive(Debug)]
pub struct Opened {
    /// The session to run with.
    pub session: AccountsSession,
    /// Effects to carry out now (mount on the restored cloud, notices).
    pub effects: Vec<Effect>,
    /// Stored entries skipped or repaired.
    pub issues: Vec<LoadIssue>,
    /// Why the stored document was unusable, if it was (the session then starts empty; the
    /// document is overwritten only by the next change).
    pub load_error: Option<StoreError>,
}

/// One tab's accounts: the state machine bound to its storage.
#[derive(Debug)]
pub struct AccountsSession {
    state: Accounts,
    store: AccountStore,
    generations: Map<String, u64>,
}

impl AccountsSession {
    /// Restores the state from `store` (or starts empty) for the tab `tab`.
    pub fn open(store: AccountStore, tab: &str, now: Timestamp) -> Result<Opened, AccountsError> {
        let empty = Accounts::new(tab)?;
        let (state, effects, issues, load_error) = match store.read()? {
            None => (empty, Vec::new(), Vec::new(), None),
            Some(doc) => match Accounts::from_stored(&doc, tab, now) {
                Ok(r) => (r.accounts, r.effects, r.issues, None),
                Err(e) => (empty, Vec::new(), Vec::new(), Some(e)),
            },
        };
        let mut session = AccountsSession {
            state,
            store,
            generations: Map::new(),
        };
        let effects = session.perform(effects)?;
        Ok(Opened {
            session,
            effects,
            issues,
            load_error,
        })
    }

    /// The state.
    pub fn state(&self) -> &Accounts {
        &self.state
    }

    /// The storage binding.
    pub fn store(&self) -> &AccountStore {
        &self.store
    }

    /// Starts a login to `account`: fetch the listing, then call [`AccountsSession::login`]
    /// with the ticket.
    pub fn begin_login(&mut self, account: &str) -> LoginTicket {
        LoginTicket {
            account: account.to_owned(),
            generation: self.generations.get(account).copied().unwrap_or(0),
        }
    }

    /// Completes a login with the listing fetched for it.
    pub fn login(
        &mut self,
        ticket: LoginTicket,
        listing: &AccountListing,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountsError> {
        if self.generations.get(&ticket.account).copied().unwrap_or(0) != ticket.generation {
            return Err(AccountsError::Cancelled {
                account: ticket.account,
            });
        }
        let effects = self.state.login(&ticket.account, listing, now)?;
        self.perform(effects)
    }

    /// Applies a fresh listing (periodic refresh, after a token renewal).
    pub fn reconcile(
        &mut self,
        listing: &AccountListing,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountsError> {
        let effects = self.state.reconcile(listing, now)?;
        self.perform(effects)
    }

    /// Logs out of one account.
    pub fn logout(&mut self, account: &str, now: Timestamp) -> Result<Vec<Effect>, AccountsError> {
        // A login still in flight for this account is void too.
        *self.generations.get_or_insert_with(account, || 0) += 1;
        let effects = self.state.logout(account, now)?;
        self.perform(effects)
    }

    /// Logs out of every account.
    pub fn logout_all(&mut self, now: Timestamp) -> Result<Vec<Effect>, AccountsError> {
        for (_, g) in self.generations.iter_mut() {
            *g += 1;
        }
        let effects = self.state.logout_all(now);
        self.perform(effects)
    }

    /// Switches account (and sub-account).
    pub fn switch_to(
        &mut self,
        account: &str,
        sub_account: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountsError> {
        let effects = self.state.switch_to(account, sub_account, now)?;
        self.perform(effects)
    }

    /// Switches sub-account within the current account.
    pub fn switch_sub_account(
        &mut self,
        sub_account: &str,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountsError> {
        let effects = self.state.switch_sub_account(sub_account, now)?;
        self.perform(effects)
    }

    /// Sets or clears the user's label for an account.
    pub fn rename(
        &mut self,
        account: &str,
        label: Option<&str>,
    ) -> Result<Vec<Effect>, AccountsError> {
        let effects = self.state.rename(account, label)?;
        self.perform(effects)
    }

    /// Ends expired sessions (call it from a timer or before using the current account).
    pub fn expire(&mut self, now: Timestamp) -> Result<Vec<Effect>, AccountsError> {
        let effects = self.state.expire(now);
        self.perform(effects)
    }

    /// Another tab wrote the key: read its current value and merge it (see
    /// [`crate::core::accounts::store`] for the rule).
    pub fn sync_from_storage(&mut self, now: Timestamp) -> Result<Vec<Effect>, AccountsError> {
        let Some(doc) = self.store.read()? else {
            // Removed elsewhere (uninstall with data removal): nothing to follow.
            return Ok(Vec::new());
        };
        let effects = self
            .state
            .merge_stored(&doc, now)
            .map_err(AccountsError::Stored)?;
        self.perform(effects)
    }

    /// Carries out what the host layer owns: persisting, and voiding pending logins.
    fn perform(&mut self, effects: Vec<Effect>) -> Result<Vec<Effect>, AccountsError> {
        for e in &effects {
            match e {
                Effect::CancelPending(account) => {
                    *self.generations.get_or_insert_with(account, || 0) += 1;
                }
                Effect::Persist => self.store.write(&self.state.to_stored())?,
                _ => {}
            }
        }
        Ok(effects)
    }
}

/// Calls `on_change` whenever another tab changes `key` (the `storage` event only fires in the
/// other tabs of the origin). Dropping the handle removes the listener.
#[must_use = "the listener is removed when the handle is dropped"]
pub struct StorageWatch {
    closure: Closure<dyn FnMut(web_sys::StorageEvent)>,
}

impl fmt::Debug for StorageWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageWatch")
    }
}

impl StorageWatch {
    /// Starts watching `key`.
    pub fn new<F: FnMut() + 'static>(key: &str, mut on_change: F) -> Result<Self, AccountsError> {
        let key = key.to_owned();
        let closure =
            Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |e: web_sys::StorageEvent| {
                // `key` is null when the whole storage was cleared.
                if e.key().map_or(true, |k| k == key) {
                    on_change();
                }
            });
        let window = web_sys::window().ok_or_else(|| AccountsError::Storage("no window".into()))?;
        window
            .add_event_listener_with_callback("storage", closure.as_ref().unchecked_ref())
            .map_err(|e| AccountsError::Storage(js_message(&e)))?;
        Ok(StorageWatch { closure })
    }
}

impl Drop for StorageWatch {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "storage",
                self.closure.as_ref().unchecked_ref(),
            );
        }
    }
}
