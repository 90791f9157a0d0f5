//! What the current account lets the user do, and why not when it doesn't: the UI hides or
//! disables a feature and shows [`Reason`]'s text.

use core::fmt;

use super::model::{Permission, Product, Role, Timestamp};
use super::state::Accounts;

/// A feature of the integration the UI shows or hides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// The Media Library widget.
    MediaLibrary,
    /// The Upload widget and chunked uploads.
    Upload,
    /// Default `f_auto,q_auto` on delivery URLs and the Media Library's default transformations.
    OptimizedDelivery,
    /// User-chosen delivery transformations (resize, crop, effects).
    DeliveryTransformations,
    /// Signed delivery URLs.
    SignedDelivery,
    /// The Product Gallery widget.
    ProductGallery,
    /// The Video Player.
    VideoPlayer,
    /// Managing the account: live sub-account listing, settings.
    ManageAccount,
}

impl Feature {
    /// Every feature, in display order.
    pub const ALL: [Feature; 8] = [
        Feature::MediaLibrary,
        Feature::Upload,
        Feature::OptimizedDelivery,
        Feature::DeliveryTransformations,
        Feature::SignedDelivery,
        Feature::ProductGallery,
        Feature::VideoPlayer,
        Feature::ManageAccount,
    ];

    /// What the role must permit.
    pub const fn permission(self) -> Permission {
        match self {
            Feature::Upload => Permission::Upload,
            Feature::SignedDelivery => Permission::SignDelivery,
            Feature::ManageAccount => Permission::Manage,
            _ => Permission::Browse,
        }
    }

    /// Whether the feature relies on Cloudinary's optimised delivery, which only Programmable
    /// Media has. A DAM-only account gets the Media Library and Upload widgets (the partner
    /// guidelines' DAM offering), not delivery features.
    pub const fn needs_programmable_media(self) -> bool {
        matches!(
            self,
            Feature::OptimizedDelivery
                | Feature::DeliveryTransformations
                | Feature::SignedDelivery
                | Feature::ProductGallery
                | Feature::VideoPlayer
        )
    }

    /// The name shown to users.
    pub const fn name(self) -> &'static str {
        match self {
            Feature::MediaLibrary => "The Media Library",
            Feature::Upload => "Uploading",
            Feature::OptimizedDelivery => "Optimised delivery (f_auto,q_auto)",
            Feature::DeliveryTransformations => "Delivery transformations",
            Feature::SignedDelivery => "Signed delivery URLs",
            Feature::ProductGallery => "The Product Gallery",
            Feature::VideoPlayer => "The Video Player",
            Feature::ManageAccount => "Managing the account",
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a feature is off.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// No account is selected.
    NoAccount,
    /// The current account's login expired.
    SessionExpired {
        /// Account label.
        account: String,
        /// When.
        at: Timestamp,
    },
    /// The account's product lacks it (DAM only).
    Product {
        /// Account label.
        account: String,
        /// Its product.
        product: Product,
    },
    /// The user's role is too low.
    Role {
        /// Account label.
        account: String,
        /// The user's role.
        role: Role,
        /// The lowest role that may.
        needed: Role,
    },
}

/// Whether one feature is on, and why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    /// On.
    Enabled,
    /// Off, for this reason.
    Disabled(Reason),
}

/// One feature's verdict with its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeatureState {
    /// The feature.
    pub feature: Feature,
    /// On or off.
    pub availability: Availability,
}

impl fmt::Display for FeatureState {
    /// The sentence the UI shows next to a disabled control.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let feature = self.feature;
        match &self.availability {
            Availability::Enabled => write!(f, "{feature} is available"),
            Availability::Disabled(Reason::NoAccount) => {
                write!(f, "{feature} needs a Cloudinary account: log in to one first")
            }
            Availability::Disabled(Reason::SessionExpired { account, at }) => write!(
                f,
                "{feature} is unavailable: your session for \"{account}\" expired at {at}; log in again"
            ),
            Availability::Disabled(Reason::Product { account, product }) => write!(
                f,
                "{feature} needs Cloudinary Programmable Media; \"{account}\" uses {product} only, \
                 which does not include optimised delivery"
            ),
            Availability::Disabled(Reason::Role { account, role, needed }) => write!(
                f,
                "{feature} needs the {needed} role or higher; your role on \"{account}\" is {role}"
            ),
        }
    }
}

/// What the current selection allows, feature by feature.
///
/// ```
/// use cloudinary_connector::core::accounts::{Accounts, Feature, Timestamp};
/// let caps = Accounts::new("t").unwrap().features(Timestamp(0));
/// assert!(!caps.is_enabled(Feature::MediaLibrary));
/// assert_eq!(
///     caps.get(Feature::Upload).to_string(),
///     "Uploading needs a Cloudinary account: log in to one first"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    states: Vec<FeatureState>,
}

impl Capabilities {
    /// Every feature's verdict, in [`Feature::ALL`] order.
    pub fn all(&self) -> &[FeatureState] {
        &self.states
    }
    /// One feature's verdict.
    pub fn get(&self, feature: Feature) -> &FeatureState {
        self.states
            .iter()
            .find(|s| s.feature == feature)
            .expect("every feature has a verdict")
    }
    /// Whether the feature is on.
    pub fn is_enabled(&self, feature: Feature) -> bool {
        self.get(feature).availability == Availability::Enabled
    }
    /// Why it is off, if it is.
    pub fn reason(&self, feature: Feature) -> Option<&Reason> {
        match &self.get(feature).availability {
            Availability::Enabled => None,
            Availability::Disabled(r) => Some(r),
        }
    }
    /// The default delivery transformation: `f_auto,q_auto` where optimised delivery is on,
    /// none otherwise (DAM-only accounts get untransformed URLs).
    pub fn default_transformation(&self) -> Option<&'static str> {
        self.is_enabled(Feature::OptimizedDelivery)
            .then_some("f_auto,q_auto")
    }
}

impl Accounts {
    /// What the current selection allows at `now`.
    pub fn features(&self, now: Timestamp) -> Capabilities {
        let cur = self.selection().and_then(|s| self.account(&s.account));
        let states = Feature::ALL
            .into_iter()
            .map(|feature| {
                let availability = match cur {
                    None => Availability::Disabled(Reason::NoAccount),
                    Some(a) => {
                        let account = a.label().to_owned();
                        match a.session() {
                            None => Availability::Disabled(Reason::NoAccount),
                            Some(s) if s.expires_at() <= now => {
                                Availability::Disabled(Reason::SessionExpired {
                                    account,
                                    at: s.expires_at(),
                                })
                            }
                            Some(_)
                                if feature.needs_programmable_media()
                                    && !a.product().has_optimized_delivery() =>
                            {
                                Availability::Disabled(Reason::Product {
                                    account,
                                    product: a.product(),
                                })
                            }
                            Some(_) if !a.role().permits(feature.permission()) => {
                                Availability::Disabled(Reason::Role {
                                    account,
                                    role: a.role(),
                                    needed: feature.permission().minimum_role(),
                                })
                            }
                            Some(_) => Availability::Enabled,
                        }
                    }
                };
                FeatureState {
                    feature,
                    availability,
                }
            })
            .collect();
        Capabilities { states }
    }
}
