//! Errors of the URL engine. Messages are lower-case, specific, and never contain a signature
//! or a secret.

use alloc::string::String;
use core::fmt;

/// Why a delivery URL could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Neither the options nor the configuration name a cloud.
    MissingCloudName,
    /// The public id is empty.
    EmptyPublicId,
    /// An API secret was passed: the URL engine never takes one (signatures come from a source).
    SecretNotAccepted,
    /// `auth_token` (token-based authentication) needs the token key: server-side only.
    AuthTokenNotSupported,
    /// `url_suffix` contains `.` or `/`.
    InvalidUrlSuffix,
    /// `url_suffix` contains `?` or `#`, which would end the URL's path.
    UrlSuffixEndsPath,
    /// `url_suffix` used with an unsupported resource type / delivery type pair.
    UrlSuffixNotSupported {
        /// The resource type.
        resource_type: String,
        /// The delivery type.
        delivery_type: String,
    },
    /// `use_root_path` used with something other than image/upload.
    RootPathNotSupported,
    /// `signature_algorithm` is neither `sha1` nor `sha256`.
    UnsupportedSignatureAlgorithm(String),
    /// The URL must be signed but no signature (source) was given.
    SignatureRequired,
    /// The signature source failed or returned a malformed signature.
    BadSignature(String),
    /// An option has a value of the wrong shape.
    InvalidOption {
        /// The option name (`width`, `overlay`, ...).
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Bad responsive-breakpoint settings.
    InvalidBreakpoints(&'static str),
}

impl UrlError {
    pub(crate) fn option(option: &'static str, reason: impl Into<String>) -> Self {
        UrlError::InvalidOption {
            option,
            reason: reason.into(),
        }
    }
}

// `write_str` pieces rather than `write!`: the same text without `core::fmt`'s argument
// machinery in the wasm (scripts/size.sh).
impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingCloudName => f.write_str("must supply cloud_name in the options or the configuration"),
            UrlError::EmptyPublicId => f.write_str("public id must not be empty"),
            UrlError::SecretNotAccepted => f.write_str(
                "api_secret is not accepted here: delivery URLs are signed by the signing endpoint (pass a signature source)",
            ),
            UrlError::AuthTokenNotSupported => {
                f.write_str("auth_token (token-based authentication) needs the server-side key and is not supported here")
            }
            UrlError::InvalidUrlSuffix => f.write_str("url_suffix should not include . or /"),
            UrlError::UrlSuffixEndsPath => {
                f.write_str("url_suffix should not include ? or # (they would end the URL's path)")
            }
            UrlError::UrlSuffixNotSupported { resource_type, delivery_type } => {
                f.write_str("url_suffix is only supported for image/upload, image/private, image/authenticated, video/upload and raw/upload, not ")?;
                f.write_str(resource_type)?;
                f.write_str("/")?;
                f.write_str(delivery_type)
            }
            UrlError::RootPathNotSupported => f.write_str("use_root_path is only supported for image/upload"),
            UrlError::UnsupportedSignatureAlgorithm(a) => {
                f.write_str("unsupported signature algorithm '")?;
                f.write_str(a)?;
                f.write_str("' (expected sha1 or sha256)")
            }
            UrlError::SignatureRequired => f.write_str(
                "this URL must be signed (sign_url, private or authenticated delivery) but no signature source was given",
            ),
            UrlError::BadSignature(why) => {
                f.write_str("signature source failed: ")?;
                f.write_str(why)
            }
            UrlError::InvalidOption { option, reason } => {
                f.write_str("invalid ")?;
                f.write_str(option)?;
                f.write_str(": ")?;
                f.write_str(reason)
            }
            UrlError::InvalidBreakpoints(why) => {
                f.write_str("invalid breakpoints: ")?;
                f.write_str(why)
            }
        }
    }
}

impl core::error::Error for UrlError {}
