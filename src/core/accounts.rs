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
pub use state::{Account, Accounts, Selection, Session, SubAccount};
pub use store::{LoadIssue, Restored, StoreError, SCHEMA_VERSION, STORAGE_KEY};
