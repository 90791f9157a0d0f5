//! Why a transition was refused. A refused transition changes nothing.

use alloc::{string::String, vec::Vec};
use core::fmt;

use super::listing::ListingError;
use super::model::{InvalidValue, Timestamp};

/// Why a transition was refused. Messages name the account and the way out; they never contain
/// a token, secret or signature (the core never sees those).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountError {
    /// A malformed argument (account id, sub-account id, label, tab id).
    Invalid(InvalidValue),
    /// No known account has this id.
    UnknownAccount {
        /// The id asked for.
        id: String,
        /// The known ids.
        known: Vec<String>,
    },
    /// The account has no sub-account with this id.
    UnknownSubAccount {
        /// Account id.
        account: String,
        /// The id asked for.
        id: String,
        /// The account's sub-account ids.
        known: Vec<String>,
    },
    /// The account is known but not logged in.
    NotLoggedIn {
        /// Account id.
        account: String,
    },
    /// The account's login expired.
    SessionExpired {
        /// Account id.
        account: String,
        /// When.
        at: Timestamp,
    },
    /// A login to an account the signer does not list for the caller.
    NotGranted {
        /// Account id.
        account: String,
        /// The caller.
        user: String,
        /// What the listing does contain.
        listed: Vec<String>,
    },
    /// The listing is already past its expiry.
    ListingExpired {
        /// Its expiry.
        at: Timestamp,
        /// The caller's now.
        now: Timestamp,
    },
    /// The listing breaks a rule.
    Listing(ListingError),
    /// An operation on the current account while none is selected.
    NoCurrentAccount,
}

fn ids(f: &mut fmt::Formatter<'_>, ids: &[String]) -> fmt::Result {
    const SHOWN: usize = 10;
    for (i, id) in ids.iter().take(SHOWN).enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(id)?;
    }
    if ids.len() > SHOWN {
        write!(f, " and {} more", ids.len() - SHOWN)?;
    }
    Ok(())
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::Invalid(e) => write!(f, "{e}"),
            AccountError::UnknownAccount { id, known } if known.is_empty() => {
                write!(f, "unknown account \"{id}\" (no account is known yet: log in first)")
            }
            AccountError::UnknownAccount { id, known } => {
                write!(f, "unknown account \"{id}\" (known accounts: ")?;
                ids(f, known)?;
                f.write_str(")")
            }
            AccountError::UnknownSubAccount { account, id, known } => {
                write!(f, "account \"{account}\" has no sub-account \"{id}\" (its sub-accounts: ")?;
                ids(f, known)?;
                f.write_str(")")
            }
            AccountError::NotLoggedIn { account } => {
                write!(f, "not logged in to account \"{account}\": log in to it first")
            }
            AccountError::SessionExpired { account, at } => {
                write!(f, "the session for account \"{account}\" expired at {at}: log in again")
            }
            AccountError::NotGranted { account, user, listed } if listed.is_empty() => write!(
                f,
                "the signer gives {user} access to no account, so not to \"{account}\""
            ),
            AccountError::NotGranted { account, user, listed } => {
                write!(f, "the signer does not give {user} access to account \"{account}\" (it lists: ")?;
                ids(f, listed)?;
                f.write_str(")")
            }
            AccountError::ListingExpired { at, now } => write!(
                f,
                "the account listing expired at {at} (now {now}): fetch a fresh one with a valid token"
            ),
            AccountError::Listing(e) => write!(f, "{e}"),
            AccountError::NoCurrentAccount => {
                f.write_str("no account is selected: switch to an account first")
            }
        }
    }
}

impl core::error::Error for AccountError {}

impl From<InvalidValue> for AccountError {
    fn from(e: InvalidValue) -> Self {
        AccountError::Invalid(e)
    }
}

impl From<ListingError> for AccountError {
    fn from(e: ListingError) -> Self {
        AccountError::Listing(e)
    }
}
