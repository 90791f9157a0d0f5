//! The account registry and session state machine.
//!
//! Length: one state machine (every transition and the effects it returns) reads best in one file;
//! its tests are in `tests/accounts_core.rs` and `tests/accounts_props.rs`.

use alloc::{borrow::ToOwned, string::String, vec::Vec};
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use super::effects::{Cloud, Effect, Notice};
use super::error::AccountError;
use super::listing::{AccountListing, ListedAccount};
use super::model::{check_id, check_label, Grants, Product, Role, Timestamp};

/// A cloud of an account: its primary cloud (id = the account id) or a sub-account.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct SubAccount {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) cloud_name: String,
    pub(crate) api_key: String,
    pub(crate) product: Product,
    pub(crate) role: Role,
    pub(crate) grants: Grants,
}

impl SubAccount {
    /// Id within the account.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Display label.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// Cloud name.
    pub fn cloud_name(&self) -> &str {
        &self.cloud_name
    }
    /// Public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
    /// The product that decides its features.
    pub fn product(&self) -> Product {
        self.product
    }
    /// The caller's role on it.
    pub fn role(&self) -> Role {
        self.role
    }
    /// What the signer will sign on it for the caller.
    pub fn grants(&self) -> &Grants {
        &self.grants
    }
}

/// A login to one account: who, and until when. No token: the host hands the plugin its
/// user's token on every signer call, so nothing here can leak one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Session {
    pub(crate) user: String,
    pub(crate) expires_at: Timestamp,
}

impl Session {
    /// The user the login belongs to.
    pub fn user(&self) -> &str {
        &self.user
    }
    /// When it ends.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

/// A known account: what the signer listed last, the user's own label, the last sub-account
/// used, and the login, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Account {
    pub(crate) id: String,
    pub(crate) label: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub(crate) custom_label: Option<String>,
    pub(crate) default_sub_account: String,
    pub(crate) sub_accounts: Vec<SubAccount>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub(crate) last_sub_account: Option<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub(crate) session: Option<Session>,
}

impl Account {
    fn from_listed(l: &ListedAccount) -> Self {
        let clouds = l.clouds();
        Account {
            id: l.id.clone(),
            label: l.label.clone(),
            custom_label: None,
            default_sub_account: clouds[0].id.to_owned(),
            sub_accounts: clouds
                .into_iter()
                .map(|c| SubAccount {
                    id: c.id.to_owned(),
                    label: c.label.to_owned(),
                    cloud_name: c.cloud_name.to_owned(),
                    api_key: c.api_key.to_owned(),
                    product: c.product,
                    role: c.role,
                    grants: c.grants,
                })
                .collect(),
            last_sub_account: None,
            session: None,
        }
    }
    /// Account id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The label to show: the user's own if set, else the signer's.
    pub fn label(&self) -> &str {
        self.custom_label.as_deref().unwrap_or(&self.label)
    }
    /// The signer's label.
    pub fn listed_label(&self) -> &str {
        &self.label
    }
    /// The user's own label, if any.
    pub fn custom_label(&self) -> Option<&str> {
        self.custom_label.as_deref()
    }
    /// The highest role the caller has on any of its clouds (for a role badge).
    pub fn role(&self) -> Role {
        self.sub_accounts
            .iter()
            .map(|s| s.role)
            .max()
            .unwrap_or(Role::Viewer)
    }
    /// Its clouds (the primary one first, when granted), in the signer's order.
    pub fn sub_accounts(&self) -> &[SubAccount] {
        &self.sub_accounts
    }
    /// The sub-account with this id.
    pub fn sub_account(&self, id: &str) -> Option<&SubAccount> {
        self.sub_accounts.iter().find(|s| s.id == id)
    }
    /// The sub-account picked when switching to this account without naming one: the
    /// primary cloud when granted, else the first sub-account.
    pub fn default_sub_account(&self) -> &str {
        &self.default_sub_account
    }
    /// The login, if any (possibly past its expiry until [`Accounts::expire`] runs).
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }
    /// Logged in and not expired at `now`.
    pub fn is_logged_in(&self, now: Timestamp) -> bool {
        self.session.as_ref().is_some_and(|s| s.expires_at > now)
    }
    /// Where switching to this account lands: the last sub-account used, else the default.
    fn landing(&self) -> String {
        self.last_sub_account
            .clone()
            .filter(|s| self.sub_account(s).is_some())
            .unwrap_or_else(|| self.default_sub_account.clone())
    }
    fn sub_ids(&self) -> Vec<String> {
        self.sub_accounts.iter().map(|s| s.id.clone()).collect()
    }
}

/// The current selection: an account and one of its sub-accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Selection {
    /// Account id.
    pub account: String,
    /// Sub-account id.
    pub sub_account: String,
}

/// The account registry and session state of one tab.
///
/// Every transition either fails with an [`AccountError`] and changes nothing, or succeeds and
/// returns the [`Effect`]s the host layer must carry out, in order. Invariants (property-tested):
/// the selection, if any, names a known account that has a session and one of its sub-accounts;
/// the persisted form never holds a secret, token or signature.
///
/// ```
/// use cloudinary_connector::core::accounts::{Accounts, AccountListing, Effect, Timestamp};
/// let listing = AccountListing::parse(r#"{"user":"alice","expires_at":5000,"accounts":[
///   {"id":"acme","label":"ACME","cloud_name":"acme","api_key":"1234",
///    "products":["programmable_media"],"role":"uploader","sub_accounts":[]}]}"#).unwrap();
/// let mut accounts = Accounts::new("tab-1").unwrap();
/// let effects = accounts.login("acme", &listing, Timestamp(1000)).unwrap();
/// assert!(matches!(effects.last(), Some(Effect::Persist)));
/// assert_eq!(accounts.current().unwrap().cloud_name, "acme");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accounts {
    pub(crate) tab: String,
    pub(crate) revision: u64,
    pub(crate) writer: String,
    pub(crate) accounts: Vec<Account>,
    pub(crate) current: Option<Selection>,
}

/// What `settle` compares against.
pub(crate) struct Before {
    pub(crate) accounts: Vec<Account>,
    pub(crate) current: Option<Selection>,
    pub(crate) cloud: Option<Cloud>,
}

impl Accounts {
    /// An empty registry for one tab. `tab` identifies the tab among others sharing the same
    /// storage (the host layer makes a random one per page load); it breaks ties between
    /// concurrent writes.
    pub fn new(tab: &str) -> Result<Self, AccountError> {
        check_id("tab id", tab)?;
        Ok(Accounts {
            tab: tab.to_owned(),
            revision: 0,
            writer: tab.to_owned(),
            accounts: Vec::new(),
            current: None,
        })
    }

    /// This tab's id.
    pub fn tab(&self) -> &str {
        &self.tab
    }
    /// The revision of the state (bumped by every change that must be persisted).
    pub fn revision(&self) -> u64 {
        self.revision
    }
    /// The tab that wrote this revision.
    pub fn writer(&self) -> &str {
        &self.writer
    }
    /// Known accounts, in the signer's order.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }
    /// The known account with this id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
    /// The current selection.
    pub fn selection(&self) -> Option<&Selection> {
        self.current.as_ref()
    }
    /// Everything about the current cloud, if one is selected.
    pub fn current(&self) -> Option<Cloud> {
        let sel = self.current.as_ref()?;
        let a = self.account(&sel.account)?;
        let s = a.sub_account(&sel.sub_account)?;
        Some(Cloud {
            account: a.id.clone(),
            account_label: a.label().to_owned(),
            sub_account: s.id.clone(),
            sub_account_label: s.label.clone(),
            cloud_name: s.cloud_name.clone(),
            api_key: s.api_key.clone(),
            product: s.product,
            role: s.role,
            grants: s.grants.clone(),
            user: a.session.as_ref()?.user.clone(),
        })
    }

    /// Logs in to `account` with a listing the signer just returned for the caller: the
    /// listing refreshes every known account (as [`Accounts::reconcile`] does), the account
    /// gets a session until `listing.expires_at`, and becomes the current one (on its last
    /// used sub-account, else its default).
    pub fn login(
        &mut self,
        account: &str,
        listing: &AccountListing,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountError> {
        check_id("account id", account)?;
        listing.validate()?;
        if listing.expires_at <= now {
            return Err(AccountError::ListingExpired {
                at: listing.expires_at,
                now,
            });
        }
        if listing.account(account).is_none() {
            return Err(AccountError::NotGranted {
                account: account.to_owned(),
                user: listing.user.clone(),
                listed: listing.accounts.iter().map(|a| a.id.clone()).collect(),
            });
        }
        let before = self.before();
        let mut notices = Vec::new();
        self.sweep(now, &mut notices);
        self.apply_listing(listing, &mut notices);
        let a = self.account_mut(account).expect("applied from the listing");
        a.session = Some(Session {
            user: listing.user.clone(),
            expires_at: listing.expires_at,
        });
        let landing = a.landing();
        a.last_sub_account = Some(landing.clone());
        notices.push(Notice::LoggedIn {
            account: a.label().to_owned(),
        });
        self.current = Some(Selection {
            account: account.to_owned(),
            sub_account: landing,
        });
        Ok(self.settle(before, now, notices, false, None))
    }

    /// Logs out of `account`: its session ends, and the host cancels its pending work, unmounts
    /// its widgets and drops its cached signatures. Other accounts stay logged in. If it was
    /// the current account, the selection falls back (see [`Accounts::expire`]).
    pub fn logout(&mut self, account: &str, now: Timestamp) -> Result<Vec<Effect>, AccountError> {
        let idx = self.index(account)?;
        if self.accounts[idx].session.is_none() {
            return Err(AccountError::NotLoggedIn {
                account: account.to_owned(),
            });
        }
        let before = self.before();
        let a = &mut self.accounts[idx];
        a.session = None;
        let mut notices = vec![Notice::LoggedOut {
            account: a.label().to_owned(),
        }];
        self.sweep(now, &mut notices);
        Ok(self.settle(before, now, notices, true, None))
    }

    /// Logs out of every account.
    pub fn logout_all(&mut self, now: Timestamp) -> Vec<Effect> {
        let before = self.before();
        let mut notices = Vec::new();
        for a in &mut self.accounts {
            if a.session.take().is_some() {
                notices.push(Notice::LoggedOut {
                    account: a.label().to_owned(),
                });
            }
        }
        self.settle(before, now, notices, false, None)
    }

    /// Makes `account` current, on `sub_account` (or its last used / default one). Refused if
    /// the account is unknown, not logged in, or its session has expired: the selection then
    /// stays where it was.
    pub fn switch_to(
        &mut self,
        account: &str,
        sub_account: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountError> {
        let idx = self.index(account)?;
        if let Some(s) = sub_account {
            check_id("sub-account id", s)?;
        }
        let a = &self.accounts[idx];
        let sub = match sub_account {
            Some(s) if a.sub_account(s).is_none() => {
                return Err(AccountError::UnknownSubAccount {
                    account: account.to_owned(),
                    id: s.to_owned(),
                    known: a.sub_ids(),
                })
            }
            Some(s) => s.to_owned(),
            None => a.landing(),
        };
        match &a.session {
            None => {
                return Err(AccountError::NotLoggedIn {
                    account: account.to_owned(),
                })
            }
            Some(s) if s.expires_at <= now => {
                return Err(AccountError::SessionExpired {
                    account: account.to_owned(),
                    at: s.expires_at,
                })
            }
            Some(_) => {}
        }
        let before = self.before();
        let mut notices = Vec::new();
        self.sweep(now, &mut notices);
        self.accounts[idx].last_sub_account = Some(sub.clone());
        self.current = Some(Selection {
            account: account.to_owned(),
            sub_account: sub,
        });
        Ok(self.settle(before, now, notices, false, None))
    }

    /// Switches to another sub-account of the current account.
    pub fn switch_sub_account(
        &mut self,
        sub_account: &str,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountError> {
        let account = self
            .current
            .as_ref()
            .ok_or(AccountError::NoCurrentAccount)?
            .account
            .clone();
        self.switch_to(&account, Some(sub_account), now)
    }

    /// Applies a fresh listing from the signer: labels, roles, products and sub-accounts are
    /// updated; accounts the signer no longer lists are removed (logged out first); sessions
    /// of another user than the listing's end; live sessions are extended to the listing's
    /// expiry. If the current sub-account was removed, the selection falls back to the
    /// account's last used / default sub-account, else to another logged-in account.
    pub fn reconcile(
        &mut self,
        listing: &AccountListing,
        now: Timestamp,
    ) -> Result<Vec<Effect>, AccountError> {
        listing.validate()?;
        if listing.expires_at <= now {
            return Err(AccountError::ListingExpired {
                at: listing.expires_at,
                now,
            });
        }
        let before = self.before();
        let mut notices = Vec::new();
        self.sweep(now, &mut notices);
        self.apply_listing(listing, &mut notices);
        Ok(self.settle(before, now, notices, true, None))
    }

    /// Ends every session whose expiry is at or before `now`. If the current account's session
    /// ended, the selection falls back: to the first other logged-in account (signer order),
    /// on its last used sub-account, else to nothing.
    pub fn expire(&mut self, now: Timestamp) -> Vec<Effect> {
        let before = self.before();
        let mut notices = Vec::new();
        self.sweep(now, &mut notices);
        self.settle(before, now, notices, true, None)
    }

    /// Sets the user's own label for an account (`None` restores the signer's label).
    pub fn rename(
        &mut self,
        account: &str,
        label: Option<&str>,
    ) -> Result<Vec<Effect>, AccountError> {
        let idx = self.index(account)?;
        if let Some(l) = label {
            check_label(l)?;
        }
        let new = label.map(str::to_owned);
        if self.accounts[idx].custom_label == new {
            return Ok(Vec::new());
        }
        self.accounts[idx].custom_label = new;
        self.bump();
        Ok(vec![Effect::Persist])
    }

    pub(crate) fn bump(&mut self) {
        self.revision += 1;
        self.writer = self.tab.clone();
    }

    fn index(&self, account: &str) -> Result<usize, AccountError> {
        check_id("account id", account)?;
        self.accounts
            .iter()
            .position(|a| a.id == account)
            .ok_or_else(|| AccountError::UnknownAccount {
                id: account.to_owned(),
                known: self.accounts.iter().map(|a| a.id.clone()).collect(),
            })
    }

    fn account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.id == id)
    }

    pub(crate) fn before(&self) -> Before {
        Before {
            accounts: self.accounts.clone(),
            current: self.current.clone(),
            cloud: self.current(),
        }
    }

    pub(crate) fn sweep(&mut self, now: Timestamp, notices: &mut Vec<Notice>) {
        for a in &mut self.accounts {
            if let Some(s) = &a.session {
                if s.expires_at <= now {
                    notices.push(Notice::SessionExpired {
                        account: a.label().to_owned(),
                        at: s.expires_at,
                    });
                    a.session = None;
                }
            }
        }
    }

    fn apply_listing(&mut self, listing: &AccountListing, notices: &mut Vec<Notice>) {
        let mut old = core::mem::take(&mut self.accounts);
        let mut next = Vec::with_capacity(listing.accounts.len());
        for la in &listing.accounts {
            let mut a = Account::from_listed(la);
            if let Some(pos) = old.iter().position(|o| o.id == la.id) {
                let o = old.remove(pos);
                a.custom_label = o.custom_label.clone();
                let label = a.label().to_owned();
                a.last_sub_account = o.last_sub_account.filter(|s| a.sub_account(s).is_some());
                for s in o
                    .sub_accounts
                    .iter()
                    .filter(|s| a.sub_account(&s.id).is_none())
                {
                    notices.push(Notice::SubAccountRemoved {
                        account: label.clone(),
                        sub_account: s.label.clone(),
                        cloud_name: s.cloud_name.clone(),
                    });
                }
                if let Some(s) = o.session {
                    if s.user != listing.user {
                        notices.push(Notice::UserChanged {
                            account: label.clone(),
                            user: listing.user.clone(),
                        });
                    } else {
                        for old_sub in &o.sub_accounts {
                            let Some(new_sub) = a.sub_account(&old_sub.id) else {
                                continue;
                            };
                            if old_sub.role != new_sub.role {
                                notices.push(Notice::RoleChanged {
                                    account: label.clone(),
                                    sub_account: new_sub.label.clone(),
                                    from: old_sub.role,
                                    to: new_sub.role,
                                });
                            }
                            if old_sub.product != new_sub.product {
                                notices.push(Notice::ProductChanged {
                                    account: label.clone(),
                                    sub_account: new_sub.label.clone(),
                                    from: old_sub.product,
                                    to: new_sub.product,
                                });
                            }
                        }
                        a.session = Some(Session {
                            user: s.user,
                            expires_at: s.expires_at.max(listing.expires_at),
                        });
                    }
                }
            }
            next.push(a);
        }
        for o in old {
            notices.push(Notice::AccessRevoked {
                account: o.label().to_owned(),
            });
        }
        self.accounts = next;
    }

    /// The selection to fall back to: `prefer` if it is logged in, else the first logged-in
    /// account; on its last used sub-account, else its default.
    pub(crate) fn fallback(&self, prefer: Option<&str>, now: Timestamp) -> Option<Selection> {
        let pick = prefer
            .and_then(|p| self.account(p))
            .filter(|a| a.is_logged_in(now))
            .or_else(|| self.accounts.iter().find(|a| a.is_logged_in(now)))?;
        Some(Selection {
            account: pick.id.clone(),
            sub_account: pick.landing(),
        })
    }

    fn selection_is_valid(&self) -> bool {
        self.current.as_ref().map_or(true, |sel| {
            self.account(&sel.account)
                .is_some_and(|a| a.session.is_some() && a.sub_account(&sel.sub_account).is_some())
        })
    }

    /// Repairs the selection, then derives the effects from what changed since `before`.
    /// `announce`: tell the user when the selection moved on its own.
    pub(crate) fn settle(
        &mut self,
        before: Before,
        now: Timestamp,
        notices: Vec<Notice>,
        announce: bool,
        persist_against: Option<Vec<Account>>,
    ) -> Vec<Effect> {
        let mut notices = notices;
        if !self.selection_is_valid() {
            let prefer = self.current.as_ref().map(|s| s.account.clone());
            self.current = self.fallback(prefer.as_deref(), now);
            if let Some(sel) = self.current.clone() {
                if let Some(a) = self.account_mut(&sel.account) {
                    a.last_sub_account = Some(sel.sub_account);
                }
            }
        }
        let cloud = self.current();
        let mut effects = Vec::new();
        let mut ended = Vec::new();
        for old in before.accounts.iter() {
            let Some(old_session) = &old.session else {
                continue;
            };
            // A session ends when it is gone, or when it now belongs to another user (the
            // previous user's signatures and widgets must not outlive the switch).
            let still = self
                .account(&old.id)
                .and_then(|a| a.session.as_ref())
                .is_some_and(|s| s.user == old_session.user);
            if !still {
                effects.push(Effect::CancelPending(old.id.clone()));
                effects.push(Effect::UnmountWidgetsOf(old.id.clone()));
                effects.push(Effect::DropCachedSignatures(old.id.clone()));
                ended.push(old.id.clone());
            }
        }
        let moved = before.cloud != cloud;
        if moved {
            if let Some(old) = &before.cloud {
                if !ended.contains(&old.account) {
                    effects.push(Effect::CancelPending(old.account.clone()));
                    effects.push(Effect::UnmountWidgetsOf(old.account.clone()));
                }
            }
            if announce && before.current != self.current {
                notices.push(match &cloud {
                    Some(c) => Notice::SwitchedTo {
                        account: c.account_label.clone(),
                        sub_account: c.sub_account_label.clone(),
                        cloud_name: c.cloud_name.clone(),
                    },
                    None => Notice::NoAccountSelected,
                });
            }
        }
        effects.extend(notices.into_iter().map(Effect::Notify));
        if moved {
            effects.push(match cloud {
                Some(c) => Effect::RemountOn(c),
                None => Effect::NoCurrentAccount,
            });
        }
        let changed = match &persist_against {
            // Adopting another tab's write: persist only what this tab changed on top of it.
            Some(theirs) => theirs != &self.accounts,
            None => before.accounts != self.accounts || before.current != self.current,
        };
        if changed {
            self.bump();
            effects.push(Effect::Persist);
        }
        effects
    }
}
