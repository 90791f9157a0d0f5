//! The delivery-URL engine: Cloudinary delivery URLs exactly as the official SDKs build them,
//! plus a typed transformation model, responsive `srcset`/`sizes`, the `_a` analytics token and
//! the plugin's own delivery defaults (`f_auto,q_auto`).
//!
//! Two ways in:
//!
//! * [`url`] takes SDK options (a [`json::Value`](crate::core::json::Value), re-exported as
//!   [`Value`], read through [`OptionValue`]) with the Node SDK's option names, so existing
//!   option objects carry over; its output matches the official SDKs byte for byte.
//! * [`DeliveryUrl`] is a typed, consuming builder over [`Transformation`], with errors
//!   deferred to [`DeliveryUrl::build`].
//!
//! Signed URLs: the engine computes the exact string to sign ([`SignRequest`]) and inserts the
//! signature a [`SignatureSource`] returns. No secret ever enters this module.
//!
//! ```
//! use cloudinary_connector::core::url::{url, NoSignatures};
//! use cloudinary_connector::json;
//! let config = json!({"cloud_name": "demo", "secure": true});
//! let options = json!({"width": 100, "height": 100, "crop": "fill"});
//! assert_eq!(
//!     url("sample", &options, &config, &NoSignatures).unwrap(),
//!     "https://res.cloudinary.com/demo/image/upload/c_fill,h_100,w_100/sample"
//! );
//! ```

pub mod analytics;
pub mod builder;
pub mod defaults;
pub mod delivery;
pub mod encode;
pub mod error;
pub mod option_value;
pub mod options;
pub mod srcset;
pub mod transformation;

pub use crate::core::json::Value;
pub use analytics::Analytics;
pub use builder::{DeliveryType, DeliveryUrl, ResourceType};
pub use defaults::DeliveryDefaults;
pub use delivery::{
    prepare, url, NoSignatures, Prepared, PreparedUrl, SignRequest, SignatureAlgorithm,
    SignatureSource, UrlTemplate,
};
pub use error::UrlError;
pub use option_value::OptionValue;
pub use options::transformation_string;
pub use srcset::{breakpoints, sizes, srcset, Breakpoints, PreparedSrcset};
pub use transformation::{
    CropMode, Dimension, Gravity, NamedTransformations, ParamKey, ParseError, Qualifier, Step,
    Transformation, VarName,
};
