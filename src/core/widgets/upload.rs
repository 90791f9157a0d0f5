//! Upload widget options: `cloudinary.createUploadWidget(options, callback)`, with
//! Cloudinary's camelCase option names. Signed uploads get their `uploadSignature` function
//! from the host layer (it asks the signer); unsigned uploads are allowed only with a preset
//! the account is configured for.

use crate::core::json::{Map, Value};
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};

use super::asset::Asset;
use super::media_library::{want_bool, want_str, want_u32, want_u64};
use super::{check_folder, CloudAccount, ResourceType, WidgetError};
use crate::core::identity::Identity;

/// The Upload widget's `sources`, as documented.
pub const SOURCES: &[&str] = &[
    "local",
    "url",
    "camera",
    "dropbox",
    "facebook",
    "gettyimages",
    "google_drive",
    "image_search",
    "instagram",
    "istock",
    "shutterstock",
    "unsplash",
];

/// The smallest chunk Cloudinary accepts for a chunked upload (all parts but the last must be
/// larger than 5 MB); the widget's `maxChunkSize` is refused below it.
pub const MIN_CHUNK_SIZE: u64 = 5 * 1024 * 1024;
/// A single upload request cannot exceed 100 MB, so neither can a chunk.
pub const MAX_CHUNK_SIZE: u64 = 100 * 1000 * 1000;

/// Signed or unsigned uploads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadMode {
    /// Every upload is signed by the signer (`uploadSignature` function, `apiKey`), optionally
    /// with a (signed) preset.
    Signed {
        /// `uploadPreset`, if any.
        preset: Option<String>,
    },
    /// Unsigned uploads with an unsigned preset the account is configured for.
    Unsigned {
        /// `uploadPreset`.
        preset: String,
    },
}

impl Default for UploadMode {
    fn default() -> Self {
        UploadMode::Signed { preset: None }
    }
}

/// What the host may set on the Upload widget.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UploadWidgetOptions {
    /// Signed (default) or unsigned.
    pub mode: UploadMode,
    /// `sources` (default: the widget's own default).
    pub sources: Vec<String>,
    /// `folder`.
    pub folder: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `clientAllowedFormats`.
    pub client_allowed_formats: Vec<String>,
    /// `maxFileSize` (bytes).
    pub max_file_size: Option<u64>,
    /// `maxImageFileSize` (bytes).
    pub max_image_file_size: Option<u64>,
    /// `maxVideoFileSize` (bytes).
    pub max_video_file_size: Option<u64>,
    /// `maxRawFileSize` (bytes).
    pub max_raw_file_size: Option<u64>,
    /// `maxImageWidth` (pixels).
    pub max_image_width: Option<u32>,
    /// `maxImageHeight` (pixels).
    pub max_image_height: Option<u32>,
    /// `maxChunkSize` (bytes, at least [`MIN_CHUNK_SIZE`]).
    pub max_chunk_size: Option<u64>,
    /// `multiple`.
    pub multiple: Option<bool>,
    /// `maxFiles`.
    pub max_files: Option<u32>,
    /// `resourceType`.
    pub resource_type: Option<ResourceType>,
    /// `defaultSource`.
    pub default_source: Option<String>,
    /// `cropping`.
    pub cropping: Option<bool>,
    /// `language`.
    pub language: Option<String>,
}

fn check_preset(p: &str) -> Result<(), WidgetError> {
    if p.is_empty()
        || !p
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    {
        return Err(WidgetError::BadPresetName(p.to_owned()));
    }
    Ok(())
}

fn check_source(s: &str) -> Result<(), WidgetError> {
    if SOURCES.contains(&s) {
        Ok(())
    } else {
        Err(WidgetError::UnknownSource(s.to_owned()))
    }
}

fn positive(option: &'static str, v: Option<u64>) -> Result<(), WidgetError> {
    if v == Some(0) {
        return Err(WidgetError::OutOfRange {
            option,
            rule: "must be above 0",
        });
    }
    Ok(())
}

impl UploadWidgetOptions {
    /// Checks the options on their own.
    pub fn validate(&self) -> Result<(), WidgetError> {
        match &self.mode {
            UploadMode::Signed { preset: Some(p) } | UploadMode::Unsigned { preset: p } => {
                check_preset(p)?
            }
            UploadMode::Signed { preset: None } => {}
        }
        for s in &self.sources {
            check_source(s)?;
        }
        if let Some(s) = &self.default_source {
            check_source(s)?;
            if !self.sources.is_empty() && !self.sources.contains(s) {
                return Err(WidgetError::OutOfRange {
                    option: "defaultSource",
                    rule: "must be one of the configured sources",
                });
            }
        }
        if let Some(f) = &self.folder {
            check_folder(f)?;
        }
        for t in &self.tags {
            if t.trim().is_empty() || t.contains(',') {
                return Err(WidgetError::BadTag(t.clone()));
            }
        }
        for f in &self.client_allowed_formats {
            if f.is_empty()
                || !f
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                return Err(WidgetError::BadFormat(f.clone()));
            }
        }
        positive("maxFileSize", self.max_file_size)?;
        positive("maxImageFileSize", self.max_image_file_size)?;
        positive("maxVideoFileSize", self.max_video_file_size)?;
        positive("maxRawFileSize", self.max_raw_file_size)?;
        positive("maxImageWidth", self.max_image_width.map(u64::from))?;
        positive("maxImageHeight", self.max_image_height.map(u64::from))?;
        if let Some(c) = self.max_chunk_size {
            if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&c) {
                return Err(WidgetError::OutOfRange {
                    option: "maxChunkSize",
                    rule: "must be between 5242880 (5 MiB, Cloudinary's smallest chunk) and 100000000 (100 MB, its largest request)",
                });
            }
        }
        if let Some(n) = self.max_files {
            if n == 0 {
                return Err(WidgetError::OutOfRange {
                    option: "maxFiles",
                    rule: "must be above 0",
                });
            }
            if n > 1 && self.multiple == Some(false) {
                return Err(WidgetError::OutOfRange {
                    option: "maxFiles",
                    rule: "above 1 needs multiple: true",
                });
            }
        }
        if let Some(l) = &self.language {
            if l.trim().is_empty() {
                return Err(WidgetError::EmptyOption("language"));
            }
        }
        Ok(())
    }

    /// Whether uploads are signed (the host then supplies `uploadSignature`).
    pub fn is_signed(&self) -> bool {
        matches!(self.mode, UploadMode::Signed { .. })
    }

    /// The options object for `createUploadWidget`, without `uploadSignature` (a function the
    /// host layer adds for signed uploads). `inline_container` is a CSS selector or `None`.
    pub fn to_json(
        &self,
        account: &CloudAccount,
        identity: &Identity,
        inline_container: Option<&str>,
    ) -> Result<Value, WidgetError> {
        account.validate()?;
        self.validate()?;
        let mut o = Map::new();
        o.set("cloudName", account.cloud_name.clone().into());
        match &self.mode {
            UploadMode::Signed { preset } => {
                o.insert(
                    "apiKey".into(),
                    account.require_api_key("a signed Upload widget")?.into(),
                );
                if let Some(p) = preset {
                    o.set("uploadPreset", p.clone().into());
                }
            }
            UploadMode::Unsigned { preset } => {
                if !account.unsigned_upload_presets.iter().any(|p| p == preset) {
                    return Err(WidgetError::UnsignedPresetNotAllowed {
                        preset: preset.clone(),
                        account: account.id.clone(),
                    });
                }
                o.set("uploadPreset", preset.clone().into());
            }
        }
        let list = |v: &[String]| Value::Array(v.iter().cloned().map(Value::from).collect());
        if !self.sources.is_empty() {
            o.set("sources", list(&self.sources));
        }
        if let Some(s) = &self.default_source {
            o.set("defaultSource", s.clone().into());
        }
        if let Some(f) = &self.folder {
            o.set("folder", f.clone().into());
        }
        if !self.tags.is_empty() {
            o.set("tags", list(&self.tags));
        }
        if !self.client_allowed_formats.is_empty() {
            o.insert(
                "clientAllowedFormats".into(),
                list(&self.client_allowed_formats),
            );
        }
        for (k, v) in [
            ("maxFileSize", self.max_file_size),
            ("maxImageFileSize", self.max_image_file_size),
            ("maxVideoFileSize", self.max_video_file_size),
            ("maxRawFileSize", self.max_raw_file_size),
            ("maxImageWidth", self.max_image_width.map(u64::from)),
            ("maxImageHeight", self.max_image_height.map(u64::from)),
            ("maxChunkSize", self.max_chunk_size),
            ("maxFiles", self.max_files.map(u64::from)),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), v.into());
            }
        }
        if let Some(m) = self.multiple {
            o.set("multiple", m.into());
        }
        if let Some(c) = self.cropping {
            o.set("cropping", c.into());
        }
        if let Some(r) = self.resource_type {
            o.set("resourceType", r.as_str().into());
        }
        if let Some(l) = &self.language {
            o.set("language", l.clone().into());
        }
        if let Some(sel) = inline_container {
            o.set("inlineContainer", sel.into());
        }
        o.insert(
            "integration".into(),
            crate::core::json::to_value(&identity.integration()),
        );
        Ok(Value::Object(o))
    }

    /// Reads host options from JSON with the Upload widget's option names (`uploadPreset`,
    /// `sources`, `defaultSource`, `folder`, `tags`, `clientAllowedFormats`, `maxFileSize`,
    /// `maxImageFileSize`, `maxVideoFileSize`, `maxRawFileSize`, `maxImageWidth`,
    /// `maxImageHeight`, `maxChunkSize`, `multiple`, `maxFiles`, `resourceType`, `cropping`,
    /// `language`) plus `signed` (default `true`; `false` = unsigned preset). Unknown keys are
    /// refused.
    pub fn from_json(v: &Value) -> Result<Self, WidgetError> {
        let o = match v {
            Value::Null => return Ok(Self::default()),
            Value::Object(o) => o,
            _ => {
                return Err(WidgetError::BadOptionShape {
                    option: "options",
                    expected: "an object",
                })
            }
        };
        let strings = |option: &'static str, v: &Value| -> Result<Vec<String>, WidgetError> {
            let shape = WidgetError::BadOptionShape {
                option,
                expected: "an array of strings",
            };
            v.as_array()
                .ok_or(shape.clone())?
                .iter()
                .map(|s| s.as_str().map(str::to_owned).ok_or(shape.clone()))
                .collect()
        };
        let mut out = UploadWidgetOptions::default();
        let mut signed = true;
        let mut preset = None;
        for (k, val) in o {
            match k.as_str() {
                "signed" => signed = want_bool("signed", val)?,
                "uploadPreset" => preset = Some(want_str("uploadPreset", val)?),
                "sources" => out.sources = strings("sources", val)?,
                "defaultSource" => out.default_source = Some(want_str("defaultSource", val)?),
                "folder" => out.folder = Some(want_str("folder", val)?),
                "tags" => out.tags = strings("tags", val)?,
                "clientAllowedFormats" => {
                    out.client_allowed_formats = strings("clientAllowedFormats", val)?
                }
                "maxFileSize" => out.max_file_size = Some(want_u64("maxFileSize", val)?),
                "maxImageFileSize" => {
                    out.max_image_file_size = Some(want_u64("maxImageFileSize", val)?)
                }
                "maxVideoFileSize" => {
                    out.max_video_file_size = Some(want_u64("maxVideoFileSize", val)?)
                }
                "maxRawFileSize" => out.max_raw_file_size = Some(want_u64("maxRawFileSize", val)?),
                "maxImageWidth" => out.max_image_width = Some(want_u32("maxImageWidth", val)?),
                "maxImageHeight" => out.max_image_height = Some(want_u32("maxImageHeight", val)?),
                "maxChunkSize" => out.max_chunk_size = Some(want_u64("maxChunkSize", val)?),
                "multiple" => out.multiple = Some(want_bool("multiple", val)?),
                "maxFiles" => out.max_files = Some(want_u32("maxFiles", val)?),
                "resourceType" => {
                    out.resource_type = Some(ResourceType::parse(&want_str("resourceType", val)?)?)
                }
                "cropping" => out.cropping = Some(want_bool("cropping", val)?),
                "language" => out.language = Some(want_str("language", val)?),
                _ => {
                    return Err(WidgetError::UnknownOption {
                        widget: "Upload widget",
                        option: k.clone(),
                    })
                }
            }
        }
        out.mode = match (signed, preset) {
            (true, preset) => UploadMode::Signed { preset },
            (false, Some(preset)) => UploadMode::Unsigned { preset },
            (false, None) => {
                return Err(WidgetError::BadOptionShape {
                    option: "uploadPreset",
                    expected: "set for unsigned uploads (signed: false)",
                })
            }
        };
        out.validate()?;
        Ok(out)
    }
}

/// One Upload widget callback `(error, result)`, normalised for the host.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadEvent {
    /// `result.event` (`success`, `upload-added`, `queues-end`, `close`, ...), or `"error"`.
    pub event: String,
    /// `result.info` as the widget gave it (`null` when absent).
    pub info: Value,
    /// For `success`: the uploaded asset, normalised like a Media Library insert.
    pub asset: Option<Asset>,
    /// For errors: a readable message.
    pub error: Option<String>,
}

impl crate::core::json::ToJson for UploadEvent {
    /// `{event, info, asset?, error?}`.
    fn to_json(&self) -> Value {
        crate::core::json::object([
            ("event", Some(self.event.to_json())),
            ("info", Some(self.info.clone())),
            ("asset", self.asset.as_ref().map(|a| a.to_json())),
            ("error", self.error.as_ref().map(|e| e.to_json())),
        ])
    }
}

impl UploadEvent {
    /// Normalises the widget's callback arguments.
    pub fn from_widget(error: &Value, result: &Value) -> UploadEvent {
        if !error.is_null() && *error != Value::Bool(false) {
            let message = match error {
                Value::String(s) => s.clone(),
                Value::Object(o) => o
                    .get("message")
                    .or_else(|| o.get("statusText"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| error.to_string()),
                other => other.to_string(),
            };
            return UploadEvent {
                event: "error".into(),
                info: error.clone(),
                asset: None,
                error: Some(message),
            };
        }
        let event = result
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let info = result.get("info").cloned().unwrap_or(Value::Null);
        let (asset, error) = if event == "success" {
            match Asset::from_widget(&info, 0) {
                Ok(a) => (Some(a), None),
                Err(e) => (None, Some(e.to_string())),
            }
        } else {
            (None, None)
        };
        UploadEvent {
            event,
            info,
            asset,
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::identity::Environment;
    use crate::json;

    fn account() -> CloudAccount {
        let mut a = CloudAccount::new("main", "demo").with_api_key("123456789012345");
        a.unsigned_upload_presets = vec!["public_drop".into()];
        a
    }

    fn identity() -> Identity {
        Identity::new("Reference Host", "2.1.0", Environment::Dev).unwrap()
    }

    #[track_caller]
    fn err(v: Value) -> String {
        match UploadWidgetOptions::from_json(&v) {
            Ok(o) => o
                .to_json(&account(), &identity(), None)
                .unwrap_err()
                .to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn signed_options_use_cloudinary_names() {
        let o = UploadWidgetOptions::from_json(&json!({
            "uploadPreset": "signed_products", "sources": ["local", "url", "camera"],
            "folder": "shop/uploads", "tags": ["shop", "new"], "clientAllowedFormats": ["jpg", "png", "mp4"],
            "maxFileSize": 20_000_000u64, "maxImageFileSize": 10_000_000u64, "maxChunkSize": 6_000_000u64,
            "multiple": true, "maxFiles": 5, "resourceType": "auto"
        }))
        .unwrap();
        assert!(o.is_signed());
        let v = o.to_json(&account(), &identity(), Some("#up")).unwrap();
        assert_eq!(
            v,
            json!({
                "cloudName": "demo", "apiKey": "123456789012345", "uploadPreset": "signed_products",
                "sources": ["local", "url", "camera"], "folder": "shop/uploads", "tags": ["shop", "new"],
                "clientAllowedFormats": ["jpg", "png", "mp4"], "maxFileSize": 20_000_000u64,
                "maxImageFileSize": 10_000_000u64, "maxChunkSize": 6_000_000u64, "maxFiles": 5,
                "multiple": true, "resourceType": "auto", "inlineContainer": "#up",
                "integration": {"type": "cloudinary_connector", "platform": "Reference Host 2.1.0",
                                "version": crate::core::VERSION, "environment": "dev"}
            })
        );
    }

    #[test]
    fn unsigned_presets_need_the_account_configured_for_them() {
        let o = UploadWidgetOptions::from_json(
            &json!({"signed": false, "uploadPreset": "public_drop"}),
        )
        .unwrap();
        let v = o.to_json(&account(), &identity(), None).unwrap();
        assert_eq!(v["uploadPreset"], "public_drop");
        assert!(v.get("apiKey").is_none());
        assert_eq!(
            err(json!({"signed": false, "uploadPreset": "other"})),
            "the account \"main\" is not configured for the unsigned upload preset \"other\""
        );
        assert_eq!(
            err(json!({"signed": false})),
            "option uploadPreset must be set for unsigned uploads (signed: false)"
        );
    }

    #[test]
    fn bad_upload_options_are_refused() {
        assert_eq!(
            err(json!({"sources": ["local", "ftp"]})),
            format!(
                "unknown Upload widget source \"ftp\": expected one of {}",
                SOURCES.join(", ")
            )
        );
        assert_eq!(
            err(json!({"tags": ["a,b"]})),
            "the tag \"a,b\" is empty or contains a comma"
        );
        assert_eq!(
            err(json!({"clientAllowedFormats": [".jpg"]})),
            "the format \".jpg\" is not a file extension (lower-case letters and digits, no dot)"
        );
        assert_eq!(
            err(json!({"maxChunkSize": 1_000_000})),
            "option maxChunkSize must be between 5242880 (5 MiB, Cloudinary's smallest chunk) and 100000000 (100 MB, its largest request)"
        );
        assert_eq!(
            err(json!({"maxFileSize": 0})),
            "option maxFileSize must be above 0"
        );
        assert_eq!(
            err(json!({"uploadPreset": "a b"})),
            "the upload preset name \"a b\" is not valid: use letters, digits, '_' and '-'"
        );
        assert_eq!(
            err(json!({"upload_preset": "x"})),
            "unknown Upload widget option \"upload_preset\""
        );
        assert_eq!(
            err(json!({"resourceType": "pdf"})),
            "unknown resource type \"pdf\": expected \"image\", \"video\", \"raw\" or \"auto\""
        );
        assert_eq!(
            err(json!({"sources": ["local"], "defaultSource": "url"})),
            "option defaultSource must be one of the configured sources"
        );
        assert_eq!(
            err(json!({"folder": "a/../b"})),
            "the folder \"a/../b\" is not valid: it has a '.' or '..' segment"
        );
    }

    #[test]
    fn widget_events_are_normalised() {
        let ok = UploadEvent::from_widget(
            &Value::Null,
            &json!({"event": "success", "info": {"public_id": "shop/a", "resource_type": "image", "type": "upload",
                     "version": 3, "format": "png", "width": 10, "height": 20,
                     "secure_url": "https://res.cloudinary.com/demo/image/upload/v3/shop/a.png"}}),
        );
        assert_eq!(ok.event, "success");
        assert_eq!(ok.asset.as_ref().unwrap().public_id, "shop/a");
        let added = UploadEvent::from_widget(
            &Value::Null,
            &json!({"event": "upload-added", "info": {"file": {}}}),
        );
        assert_eq!(
            (added.event.as_str(), added.asset.is_none()),
            ("upload-added", true)
        );
        let e = UploadEvent::from_widget(
            &json!({"status": "File size too large", "statusText": "File size too large"}),
            &Value::Null,
        );
        assert_eq!(
            (e.event.as_str(), e.error.as_deref()),
            ("error", Some("File size too large"))
        );
    }
}
