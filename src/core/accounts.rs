//! Several Cloudinary accounts and their sub-accounts (clouds): who may do what where, which
//! cloud is current, and what survives a reload — as a pure state machine.
//!
//! * [`AccountListing`] is the wire type of the signer's `GET /v1/accounts`: the caller's
//!   accounts, each with its product, the caller's role and its sub-accounts.
//! * [`Accounts`] is the registry and session state of one tab. Logging in to an account
//!   applies a listing; logging out forgets that account's session; switching moves the
//!   current selection. Every transition returns the [`Effect`]s the host layer carries out
//!   (cancel pending work, unmount widgets, drop cached signatures, remount on the new cloud,
//!   notify, persist) — the core itself has no clock, no I/O and never sees a token or secret.
//! * [`Capabilities`] (from [`Accounts::features`]) says what the current account allows and,
//!   for what it doesn't, why: the role is too low, or the account is DAM-only and has no
//!   optimised delivery.
//! * [`Accounts::to_stored`], [`Accounts::from_stored`] and [`Accounts::merge_stored`] are
//!   the persisted form, the reload and the two-tab rule.
//!
//! See `docs/accounts.md` for the flows.

mod effects;
mod error;
mod features;
mod listing;
mod model;
pub mod provisioning;
mod state;
pub mod store;

pub use effects::{Cloud, Effect, Notice};
pub use error::AccountError;
pub use features::{Availability, Capabilities, Feature, FeatureState, Reason};
pub use listing::{
    AccountListing, ListedAccount, ListedCloud, ListedSubAccount, ListingError, ListingProblem,
    LISTING_PATH, MAX_ACCOUNTS, MAX_SUB_ACCOUNTS,
};
pub use model::{Grants, InvalidValue, Permission, Product, Role, Timestamp};
pub use provisioning::{
    remote_sub_accounts_path, RemoteStatus, RemoteSubAccount, RemoteSubAccounts,
};
pub use state::{Account, Accounts, Selection, Session, SubAccount};
pub use store::{LoadIssue, Restored, StoreError, SCHEMA_VERSION, STORAGE_KEY};

/// Checks an account or sub-account id's syntax (what the signer's configuration allows).
///
/// ```
/// use cloudinary_connector::core::accounts::check_account_id;
/// assert!(check_account_id("brand-eu").is_ok());
/// assert_eq!(
///     check_account_id("a/b").unwrap_err().to_string(),
///     "account id \"a/b\" is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'"
/// );
/// ```
pub fn check_account_id(id: &str) -> Result<(), InvalidValue> {
    model::check_id("account id", id)
}
