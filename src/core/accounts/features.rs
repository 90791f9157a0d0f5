//! What the current account lets the user do, and why not when it doesn't: the UI hides or
//! disables a feature and shows [`Reason`]'s text.

use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::fmt;

use super::effects::place;
use super::model::{Product, Role, Timestamp};
use super::state::{Account, Accounts, SubAccount};

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
    /// The cloud's product lacks it (DAM only).
    Product {
        /// Account label.
        account: String,
        /// Cloud (sub-account) label.
        cloud: String,
        /// Its product.
        product: Product,
    },
    /// The signer's policy for the user's role does not allow it.
    Role {
        /// Account label.
        account: String,
        /// Cloud (sub-account) label.
        cloud: String,
        /// The user's role there.
        role: Role,
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
            Availability::Disabled(Reason::Product { account, cloud, product }) => write!(
                f,
                "{feature} needs Cloudinary Programmable Media; {} uses {product} only, which does \
                 not include optimised delivery",
                place(account, cloud)
            ),
            Availability::Disabled(Reason::Role { account, cloud, role }) => write!(
                f,
                "{feature} is not allowed for your role ({role}) on {}",
                place(account, cloud)
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
    /// What the current selection allows at `now`: the cloud's product first (DAM-only clouds
    /// have no delivery features), then what the signer's policy grants the user's role there.
    pub fn features(&self, now: Timestamp) -> Capabilities {
        let cur = self.selection().and_then(|sel| {
            let a = self.account(&sel.account)?;
            Some((a, a.sub_account(&sel.sub_account)?))
        });
        let states = Feature::ALL
            .into_iter()
            .map(|feature| FeatureState {
                feature,
                availability: availability(feature, cur, now),
            })
            .collect();
        Capabilities { states }
    }
}

fn availability(
    feature: Feature,
    cur: Option<(&Account, &SubAccount)>,
    now: Timestamp,
) -> Availability {
    let Some((a, c)) = cur else {
        return Availability::Disabled(Reason::NoAccount);
    };
    let account = a.label().to_owned();
    match a.session() {
        None => return Availability::Disabled(Reason::NoAccount),
        Some(s) if s.expires_at() <= now => {
            return Availability::Disabled(Reason::SessionExpired {
                account,
                at: s.expires_at(),
            })
        }
        Some(_) => {}
    }
    let cloud = c.label().to_owned();
    if feature.needs_programmable_media() && !c.product().has_optimized_delivery() {
        return Availability::Disabled(Reason::Product {
            account,
            cloud,
            product: c.product(),
        });
    }
    let g = c.grants();
    let allowed = match feature {
        Feature::MediaLibrary => g.media_library,
        Feature::Upload => g.can_upload(),
        Feature::SignedDelivery => g.can_sign_delivery(),
        Feature::ManageAccount => c.role().can_manage(),
        Feature::OptimizedDelivery
        | Feature::DeliveryTransformations
        | Feature::ProductGallery
        | Feature::VideoPlayer => true,
    };
    if allowed {
        Availability::Enabled
    } else {
        Availability::Disabled(Reason::Role {
            account,
            cloud,
            role: c.role(),
        })
    }
}
