//! What a transition asks the host layer to do ([`Effect`]) and what it tells the user
//! ([`Notice`]). The core decides; the host layer executes, in the order given.

use alloc::string::String;
use core::fmt;

use super::model::{Grants, Product, Role, Timestamp};

/// The cloud everything is bound to after a transition: what widgets are (re)mounted on and
/// what delivery URLs are built for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cloud {
    /// Account id.
    pub account: String,
    /// The account's display label (the user's own label if they set one).
    pub account_label: String,
    /// Sub-account id.
    pub sub_account: String,
    /// The sub-account's display label.
    pub sub_account_label: String,
    /// Cloud name for URLs and widgets.
    pub cloud_name: String,
    /// Public API key for the widgets.
    pub api_key: String,
    /// The cloud's product (decides the features).
    pub product: Product,
    /// The caller's role on the cloud.
    pub role: Role,
    /// What the signer will sign on it (upload presets, folder prefix, delivery types...).
    pub grants: Grants,
    /// The user the session belongs to (the Media Library `username`).
    pub user: String,
}

impl Cloud {
    /// The id the signer signs for on this cloud (`"account"` in its requests): the
    /// sub-account's own id, which is the account id for the primary cloud.
    pub fn signer_account(&self) -> &str {
        &self.sub_account
    }
}

/// One thing the host layer must do, in order. Effects name accounts by id.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// Abort requests still running for this account (signature requests, listing fetches,
    /// uploads through our chunked uploader); their results must not be applied.
    CancelPending(String),
    /// Unmount every widget mounted for this account (Media Library, Upload, Gallery, Player).
    UnmountWidgetsOf(String),
    /// Forget every signature cached for this account (ML login, upload, delivery signatures).
    DropCachedSignatures(String),
    /// Tell the user (toast, status line).
    Notify(Notice),
    /// Mount the host's widgets on this cloud and rebuild URLs for it.
    RemountOn(Cloud),
    /// Nothing is selected any more: show the account picker instead of widgets.
    NoCurrentAccount,
    /// The persisted form changed: write [`super::Accounts::to_stored`] to storage.
    Persist,
}

/// A message for the user. `Display` is the text to show.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A login succeeded.
    LoggedIn {
        /// Account label.
        account: String,
    },
    /// The user logged out of an account.
    LoggedOut {
        /// Account label.
        account: String,
    },
    /// Another tab logged out of (or lost) an account this tab was logged in to.
    LoggedOutInAnotherTab {
        /// Account label.
        account: String,
    },
    /// A session reached its expiry.
    SessionExpired {
        /// Account label.
        account: String,
        /// When it expired.
        at: Timestamp,
    },
    /// The signer's listing no longer contains the account.
    AccessRevoked {
        /// Account label.
        account: String,
    },
    /// The session belonged to another user than the host's current one.
    UserChanged {
        /// Account label.
        account: String,
        /// The host's user now.
        user: String,
    },
    /// A sub-account disappeared from the signer's listing (deleted or disabled on the server).
    SubAccountRemoved {
        /// Account label.
        account: String,
        /// Sub-account label.
        sub_account: String,
        /// Its cloud name.
        cloud_name: String,
    },
    /// The caller's role on a cloud changed.
    RoleChanged {
        /// Account label.
        account: String,
        /// Sub-account label.
        sub_account: String,
        /// Role before.
        from: Role,
        /// Role now.
        to: Role,
    },
    /// A cloud's product changed.
    ProductChanged {
        /// Account label.
        account: String,
        /// Sub-account label.
        sub_account: String,
        /// Product before.
        from: Product,
        /// Product now.
        to: Product,
    },
    /// The selection moved on its own (the previous one became unusable).
    SwitchedTo {
        /// Account label.
        account: String,
        /// Sub-account label.
        sub_account: String,
        /// Cloud name.
        cloud_name: String,
    },
    /// The selection became unusable and no other account is logged in.
    NoAccountSelected,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::LoggedIn { account } => write!(f, "Logged in to \"{account}\""),
            Notice::LoggedOut { account } => write!(f, "Logged out of \"{account}\""),
            Notice::LoggedOutInAnotherTab { account } => {
                write!(f, "Logged out of \"{account}\" in another tab")
            }
            Notice::SessionExpired { account, at } => {
                write!(f, "Your session for \"{account}\" expired at {at}; log in again to use it")
            }
            Notice::AccessRevoked { account } => write!(
                f,
                "\"{account}\" is no longer available to you (the signer does not list it any more)"
            ),
            Notice::UserChanged { account, user } => {
                write!(f, "Logged out of \"{account}\": the signed-in user is now {user}")
            }
            Notice::SubAccountRemoved { account, sub_account, cloud_name } => write!(
                f,
                "Sub-account \"{sub_account}\" ({cloud_name}) of \"{account}\" was removed on the server"
            ),
            Notice::RoleChanged { account, sub_account, from, to } => write!(
                f,
                "Your role on {} changed from {from} to {to}",
                place(account, sub_account)
            ),
            Notice::ProductChanged { account, sub_account, from, to } => write!(
                f,
                "{} now uses Cloudinary {to} (was {from})",
                place(account, sub_account)
            ),
            Notice::SwitchedTo { account, sub_account, cloud_name } => {
                write!(f, "Switched to {} ({cloud_name})", place(account, sub_account))
            }
            Notice::NoAccountSelected => {
                f.write_str("No Cloudinary account is selected: log in to an account to continue")
            }
        }
    }
}

/// `"ACME" / "Staging"`, or just `"ACME"` for the account's primary cloud (same label).
pub(crate) fn place(account: &str, cloud: &str) -> String {
    if account == cloud {
        format!("\"{account}\"")
    } else {
        format!("\"{account}\" / \"{cloud}\"")
    }
}
