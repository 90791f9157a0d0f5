//! Typed, validated options for Cloudinary's widgets (Media Library, Upload widget, Product
//! Gallery, Video Player), the normalised assets they hand back, and the *reference* a host
//! stores so delivery URLs can be rebuilt later.
//!
//! Pure: the option builders produce JSON objects ([`crate::core::json`]) with Cloudinary's exact option names;
//! the `host` layer turns them into JavaScript objects and mounts the widgets.

use crate::core::text::Quoted;
use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::fmt;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

pub mod asset;
pub mod gallery;
pub mod insert;
pub mod media_library;
pub mod upload;
pub mod video;

pub use asset::{
    Asset, AssetReference, DeliveryTarget, StoredAsset, SyncMode, RESPONSIVE_IMAGES,
    RESPONSIVE_MAX_WIDTH, RESPONSIVE_MIN_WIDTH,
};
pub use gallery::{GalleryAsset, GalleryOptions};
pub use media_library::{DefaultTransformations, MediaLibraryLogin, MediaLibraryOptions};
pub use upload::{UploadEvent, UploadMode, UploadWidgetOptions};
pub use video::{EmbedOptions, VideoPlayerOptions};

/// Where the widget scripts come from. The defaults are Cloudinary's CDN URLs; a host that
/// self-hosts the scripts (or a test) overrides any of them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct ScriptUrls {
    /// The Media Library widget (`window.cloudinary.createMediaLibrary`).
    pub media_library: String,
    /// The Upload widget (`window.cloudinary.createUploadWidget`).
    pub upload_widget: String,
    /// The Product Gallery (`window.cloudinary.galleryWidget`).
    pub product_gallery: String,
    /// The Video Player script (`window.cloudinary.videoPlayer`).
    pub video_player: String,
    /// The Video Player stylesheet.
    pub video_player_css: String,
}

impl crate::core::json::ToJson for ScriptUrls {
    fn to_json(&self) -> crate::core::json::Value {
        crate::json!({
            "media_library": self.media_library,
            "upload_widget": self.upload_widget,
            "product_gallery": self.product_gallery,
            "video_player": self.video_player,
            "video_player_css": self.video_player_css
        })
    }
}

/// Cloudinary's Media Library widget script.
pub const MEDIA_LIBRARY_SCRIPT: &str = "https://media-library.cloudinary.com/global/all.js";
/// Cloudinary's Upload widget script (the URL of the upload widget reference).
pub const UPLOAD_WIDGET_SCRIPT: &str = "https://upload-widget.cloudinary.com/latest/global/all.js";
/// Cloudinary's Product Gallery script.
pub const PRODUCT_GALLERY_SCRIPT: &str = "https://product-gallery.cloudinary.com/all.js";
/// The Video Player v4 full bundle (`cld-video-player.min.js`, the alias of `player-full.min.js`),
/// pinned to major version 4 so a new major cannot change the API under the host.
pub const VIDEO_PLAYER_SCRIPT: &str =
    "https://cdn.jsdelivr.net/npm/cloudinary-video-player@4/dist/cld-video-player.min.js";
/// The Video Player v4 stylesheet.
pub const VIDEO_PLAYER_CSS: &str =
    "https://cdn.jsdelivr.net/npm/cloudinary-video-player@4/dist/player.min.css";

impl Default for ScriptUrls {
    fn default() -> Self {
        ScriptUrls {
            media_library: MEDIA_LIBRARY_SCRIPT.to_owned(),
            upload_widget: UPLOAD_WIDGET_SCRIPT.to_owned(),
            product_gallery: PRODUCT_GALLERY_SCRIPT.to_owned(),
            video_player: VIDEO_PLAYER_SCRIPT.to_owned(),
            video_player_css: VIDEO_PLAYER_CSS.to_owned(),
        }
    }
}

impl ScriptUrls {
    /// Reads `{media_library?, upload_widget?, product_gallery?, video_player?,
    /// video_player_css?}`: absent keys keep Cloudinary's URLs, other keys are ignored.
    pub fn from_json(v: &crate::core::json::Value) -> Result<Self, String> {
        use crate::core::json::de;
        let o = de::object(v, "ScriptUrls")?;
        let mut out = ScriptUrls::default();
        for (key, slot) in [
            ("media_library", &mut out.media_library),
            ("product_gallery", &mut out.product_gallery),
            ("upload_widget", &mut out.upload_widget),
            ("video_player", &mut out.video_player),
            ("video_player_css", &mut out.video_player_css),
        ] {
            if let Some(url) = de::field(o, key, de::str_value)? {
                *slot = url;
            }
        }
        Ok(out)
    }

    /// Checks that every URL is an absolute `https://` URL, or `http://` on a loopback host
    /// (self-hosting during development, tests).
    pub fn validate(&self) -> Result<(), WidgetError> {
        for (field, url) in [
            ("media_library", &self.media_library),
            ("upload_widget", &self.upload_widget),
            ("product_gallery", &self.product_gallery),
            ("video_player", &self.video_player),
            ("video_player_css", &self.video_player_css),
        ] {
            check_script_url(field, url)?;
        }
        Ok(())
    }
}

fn check_script_url(field: &'static str, url: &str) -> Result<(), WidgetError> {
    let bad = || WidgetError::BadScriptUrl {
        field,
        url: url.to_owned(),
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    if let Some(rest) = url.strip_prefix("https://") {
        return if rest.is_empty() || rest.starts_with('/') {
            Err(bad())
        } else {
            Ok(())
        };
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let host = if rest.starts_with("[::1]") {
            "[::1]"
        } else {
            rest.split(['/', ':']).next().unwrap_or("")
        };
        return if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            Ok(())
        } else {
            Err(bad())
        };
    }
    Err(bad())
}

/// The Cloudinary account (or sub-account) a widget is mounted for. No secret: the API secret
/// only ever lives in the signer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct CloudAccount {
    /// The signer's account id (what the signer is asked to sign for).
    pub id: String,
    /// The cloud name.
    pub cloud_name: String,
    /// The public API key (needed for signed widgets).
    #[cfg_attr(feature = "serde", serde(default))]
    pub api_key: Option<String>,
    /// A CNAME for delivery (`secure_distribution`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub secure_distribution: Option<String>,
    /// Whether the account delivers from a private CDN (`<cloud>-res.cloudinary.com`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub private_cdn: bool,
    /// The unsigned upload presets the account is configured for; an unsigned Upload widget may
    /// only use one of these.
    #[cfg_attr(feature = "serde", serde(default))]
    pub unsigned_upload_presets: Vec<String>,
}

impl CloudAccount {
    /// Reads `{id, cloud_name, api_key?, secure_distribution?, private_cdn?,
    /// unsigned_upload_presets?}` (other keys ignored), with `serde`'s error wording.
    pub fn from_json(v: &crate::core::json::Value) -> Result<Self, String> {
        use crate::core::json::de;
        let o = de::object(v, "CloudAccount")?;
        let api_key = de::field(o, "api_key", de::nullable(de::str_value))?;
        let cloud_name = de::field(o, "cloud_name", de::str_value)?;
        let id = de::field(o, "id", de::str_value)?;
        let private_cdn = de::field(o, "private_cdn", de::bool_value)?;
        let secure_distribution = de::field(o, "secure_distribution", de::nullable(de::str_value))?;
        let presets = de::field(o, "unsigned_upload_presets", |v| {
            de::seq_value(v, de::str_value)
        })?;
        Ok(CloudAccount {
            id: de::required(id, "id")?,
            cloud_name: de::required(cloud_name, "cloud_name")?,
            api_key: api_key.flatten(),
            secure_distribution: secure_distribution.flatten(),
            private_cdn: private_cdn.unwrap_or_default(),
            unsigned_upload_presets: presets.unwrap_or_default(),
        })
    }

    /// An account with just an id and a cloud name.
    pub fn new(id: &str, cloud_name: &str) -> Self {
        CloudAccount {
            id: id.to_owned(),
            cloud_name: cloud_name.to_owned(),
            api_key: None,
            secure_distribution: None,
            private_cdn: false,
            unsigned_upload_presets: Vec::new(),
        }
    }

    /// Sets the public API key.
    #[must_use]
    pub fn with_api_key(mut self, api_key: &str) -> Self {
        self.api_key = Some(api_key.to_owned());
        self
    }

    /// Checks the cloud name, API key and CNAME.
    pub fn validate(&self) -> Result<(), WidgetError> {
        if self.id.trim().is_empty() {
            return Err(WidgetError::EmptyAccountId);
        }
        check_cloud_name(&self.cloud_name)?;
        if let Some(key) = &self.api_key {
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
                return Err(WidgetError::BadApiKey);
            }
        }
        if let Some(host) = &self.secure_distribution {
            if host.is_empty()
                || !host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
            {
                return Err(WidgetError::BadSecureDistribution(host.clone()));
            }
        }
        Ok(())
    }

    /// The API key, or an error naming what needs it.
    pub(crate) fn require_api_key(&self, what: &'static str) -> Result<&str, WidgetError> {
        self.api_key
            .as_deref()
            .ok_or(WidgetError::MissingApiKey { what })
    }
}

pub(crate) fn check_cloud_name(name: &str) -> Result<(), WidgetError> {
    if name.is_empty() {
        return Err(WidgetError::EmptyCloudName);
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        return Err(WidgetError::BadCloudName(name.to_owned()));
    }
    Ok(())
}

/// A resource type as Cloudinary names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum ResourceType {
    /// Images (and PDFs).
    Image,
    /// Video and audio.
    Video,
    /// Any other file.
    Raw,
    /// Let Cloudinary decide (uploads only).
    Auto,
}

impl ResourceType {
    /// The wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceType::Image => "image",
            ResourceType::Video => "video",
            ResourceType::Raw => "raw",
            ResourceType::Auto => "auto",
        }
    }

    /// Parses the wire form.
    pub fn parse(s: &str) -> Result<Self, WidgetError> {
        match s {
            "image" => Ok(ResourceType::Image),
            "video" => Ok(ResourceType::Video),
            "raw" => Ok(ResourceType::Raw),
            "auto" => Ok(ResourceType::Auto),
            other => Err(WidgetError::BadResourceType(other.to_owned())),
        }
    }
}

/// Checks a folder path: no empty segment, no `.`/`..`, no leading or trailing `/`, no
/// control characters.
pub fn check_folder(path: &str) -> Result<(), WidgetError> {
    let bad = |why: &'static str| WidgetError::BadFolder {
        path: path.to_owned(),
        why,
    };
    if path.is_empty() {
        return Err(bad("it is empty"));
    }
    if path.starts_with('/') || path.ends_with('/') {
        return Err(bad("it starts or ends with '/'"));
    }
    if path.chars().any(char::is_control) {
        return Err(bad("it contains a control character"));
    }
    for seg in path.split('/') {
        if seg.is_empty() {
            return Err(bad("it has an empty segment"));
        }
        if seg == "." || seg == ".." {
            return Err(bad("it has a '.' or '..' segment"));
        }
    }
    Ok(())
}

/// Why widget options, an account or a widget's answer were refused. The messages name the
/// option and the rule; they never contain a signature or a secret.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum WidgetError {
    /// The account id is empty.
    EmptyAccountId,
    /// The cloud name is empty.
    EmptyCloudName,
    /// The cloud name has characters Cloudinary cloud names never have.
    BadCloudName(String),
    /// The API key is not a string of digits.
    BadApiKey,
    /// An option needs the account's API key, which the account lacks.
    MissingApiKey {
        /// What needs it.
        what: &'static str,
    },
    /// The CNAME is not a host name.
    BadSecureDistribution(String),
    /// A script URL is neither https nor loopback http.
    BadScriptUrl {
        /// The `ScriptUrls` field.
        field: &'static str,
        /// The URL given.
        url: String,
    },
    /// An option's value is out of its range.
    OutOfRange {
        /// The option name (Cloudinary's spelling).
        option: &'static str,
        /// The rule.
        rule: &'static str,
    },
    /// An option this widget does not know (typo, or the other widget's spelling).
    UnknownOption {
        /// The widget.
        widget: &'static str,
        /// The key given.
        option: String,
    },
    /// A text option is empty.
    EmptyOption(&'static str),
    /// A folder path is malformed.
    BadFolder {
        /// The path.
        path: String,
        /// Why.
        why: &'static str,
    },
    /// An unknown resource type.
    BadResourceType(String),
    /// An unknown Upload widget source.
    UnknownSource(String),
    /// A tag is empty or contains a comma.
    BadTag(String),
    /// A file format is not a lower-case extension.
    BadFormat(String),
    /// An upload preset name is malformed.
    BadPresetName(String),
    /// An unsigned preset the account is not configured for.
    UnsignedPresetNotAllowed {
        /// The preset.
        preset: String,
        /// The account id.
        account: String,
    },
    /// A default transformation could not be read.
    BadTransformation {
        /// The text given.
        text: String,
        /// Why.
        why: String,
    },
    /// A JSON value for an option has the wrong shape.
    BadOptionShape {
        /// The option.
        option: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// The widget delivered an asset that lacks a required field.
    AssetField {
        /// The index of the asset in the widget's answer.
        index: usize,
        /// The missing or malformed field.
        field: &'static str,
    },
    /// The widget's answer is not the documented shape.
    BadWidgetAnswer(&'static str),
    /// A gallery needs at least one asset.
    NoGalleryAssets,
    /// A value cannot be rebuilt into an unsigned URL.
    NeedsSignedUrl {
        /// The delivery type.
        delivery_type: String,
    },
    /// The URL engine refused the reference (its message).
    Url(String),
}

impl fmt::Display for WidgetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use WidgetError::*;
        match self {
            EmptyAccountId => f.write_str("the account id is empty"),
            EmptyCloudName => f.write_str("the cloud name is empty"),
            BadCloudName(n) => write!(
                f,
                "the cloud name {n} is not valid: use ASCII letters, digits, '_' and '-' only",
                n = Quoted(n),
            ),
            BadApiKey => f.write_str("the API key must be a string of digits"),
            MissingApiKey { what } => write!(f, "{what} needs the account's API key, and it has none"),
            BadSecureDistribution(h) => {
                write!(
                    f,
                    "secure_distribution {h} is not a host name (letters, digits, '.', '-')",
                    h = Quoted(h),
                )
            }
            BadScriptUrl { field, url } => write!(
                f,
                "the {field} script URL {url} must be an https:// URL (http:// only on localhost or 127.0.0.1)",
                url = Quoted(url),
            ),
            OutOfRange { option, rule } => write!(f, "option {option} {rule}"),
            UnknownOption { widget, option } => write!(
                f,
                "unknown {widget} option {option}",
                option = Quoted(option),
            ),
            EmptyOption(o) => write!(f, "option {o} is empty"),
            BadFolder { path, why } => write!(
                f,
                "the folder {path} is not valid: {why}",
                path = Quoted(path),
            ),
            BadResourceType(t) => write!(
                f,
                "unknown resource type {t}: expected \"image\", \"video\", \"raw\" or \"auto\"",
                t = Quoted(t),
            ),
            UnknownSource(s) => write!(
                f,
                "unknown Upload widget source {s}: expected one of {}",
                upload::SOURCES.join(", "),
                s = Quoted(s),
            ),
            BadTag(t) => write!(f, "the tag {t} is empty or contains a comma", t = Quoted(t)),
            BadFormat(x) => write!(
                f,
                "the format {x} is not a file extension (lower-case letters and digits, no dot)",
                x = Quoted(x),
            ),
            BadPresetName(p) => write!(
                f,
                "the upload preset name {p} is not valid: use letters, digits, '_' and '-'",
                p = Quoted(p),
            ),
            UnsignedPresetNotAllowed { preset, account } => write!(
                f,
                "the account {account} is not configured for the unsigned upload preset {preset}",
                account = Quoted(account),
                preset = Quoted(preset),
            ),
            BadTransformation { text, why } => {
                write!(
                    f,
                    "the default transformation {text} is not valid: {why}",
                    text = Quoted(text),
                )
            }
            BadOptionShape { option, expected } => write!(f, "option {option} must be {expected}"),
            AssetField { index, field } => write!(
                f,
                "the widget returned asset #{index} without a usable {field}",
                field = Quoted(field),
            ),
            BadWidgetAnswer(what) => write!(f, "the widget's answer is malformed: {what}"),
            NoGalleryAssets => f.write_str("the Product Gallery needs at least one asset"),
            NeedsSignedUrl { delivery_type } => write!(
                f,
                "{delivery_type} assets are delivered only through signed URLs: ask the URL engine with a signature source",
                delivery_type = Quoted(delivery_type),
            ),
            Url(message) => write!(f, "the delivery URL cannot be built: {message}"),
        }
    }
}

impl core::error::Error for WidgetError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn account_err(a: CloudAccount) -> String {
        a.validate().unwrap_err().to_string()
    }

    #[test]
    fn accounts_are_validated_with_specific_messages() {
        assert!(CloudAccount::new("main", "demo")
            .with_api_key("1234")
            .validate()
            .is_ok());
        assert_eq!(
            account_err(CloudAccount::new(" ", "demo")),
            "the account id is empty"
        );
        assert_eq!(
            account_err(CloudAccount::new("a", "")),
            "the cloud name is empty"
        );
        assert_eq!(
            account_err(CloudAccount::new("a", "my cloud")),
            "the cloud name \"my cloud\" is not valid: use ASCII letters, digits, '_' and '-' only"
        );
        assert_eq!(
            account_err(CloudAccount::new("a", "demo").with_api_key("12ab")),
            "the API key must be a string of digits"
        );
        let mut a = CloudAccount::new("a", "demo");
        a.secure_distribution = Some("cdn.example.com/x".into());
        assert_eq!(
            account_err(a),
            "secure_distribution \"cdn.example.com/x\" is not a host name (letters, digits, '.', '-')"
        );
    }

    #[test]
    fn script_urls_default_to_cloudinary_and_refuse_plain_http() {
        let urls = ScriptUrls::default();
        assert!(urls.validate().is_ok());
        assert_eq!(
            urls.media_library,
            "https://media-library.cloudinary.com/global/all.js"
        );
        let mut local = urls.clone();
        local.media_library = "http://127.0.0.1:18788/media-library.double.js".into();
        assert!(local.validate().is_ok());
        let mut bad = urls;
        bad.upload_widget = "http://evil.example/all.js".into();
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "the upload_widget script URL \"http://evil.example/all.js\" must be an https:// URL (http:// only on localhost or 127.0.0.1)"
        );
    }

    #[test]
    fn folders_are_checked() {
        assert!(check_folder("shop/products").is_ok());
        for (p, why) in [
            ("", "it is empty"),
            ("/a", "it starts or ends with '/'"),
            ("a//b", "it has an empty segment"),
            ("a/../b", "it has a '.' or '..' segment"),
        ] {
            assert_eq!(
                check_folder(p).unwrap_err().to_string(),
                format!("the folder {p:?} is not valid: {why}")
            );
        }
    }
}
