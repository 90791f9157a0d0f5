//! What the Media Library and Upload widgets hand back, normalised, and what a host stores.
//!
//! Sync options: by default a host stores an [`AssetReference`] (public id, version, resource
//! type, delivery type, format, transformation) and rebuilds the delivery URL from it whenever
//! it renders, so an overwritten asset (new version) or a changed default transformation shows
//! up without touching stored content. A host that wants a frozen URL asks for
//! [`SyncMode::FixedUrl`] and gets the exact URL the widget delivered as well.
//!
//! Length: under 480 lines of code; the rest are its tests.

use crate::core::json::{de, object, Map, Number, ToJson, Value};
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use super::WidgetError;
use crate::core::url::{DeliveryDefaults, Prepared};
use crate::json;

/// A stored pointer to a Cloudinary asset, from which delivery URLs are rebuilt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct AssetReference {
    /// The public id (folders included).
    pub public_id: String,
    /// The version (`v<version>` in URLs); `None` when unknown.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub version: Option<u64>,
    /// `image`, `video` or `raw`.
    pub resource_type: String,
    /// The delivery type: `upload`, `private`, `authenticated`, ...
    pub delivery_type: String,
    /// The file format (extension), when the asset has one apart from its public id.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub format: Option<String>,
    /// The transformation the user applied in the widget (`raw_transformation`), if any.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub transformation: Option<String>,
}

/// How a host keeps inserted assets in sync with Cloudinary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SyncMode {
    /// Store the reference only; URLs are rebuilt on render (the default).
    #[default]
    Reference,
    /// Store the reference and the URL delivered at insert time, which never changes.
    FixedUrl,
}

impl SyncMode {
    /// Parses `"reference"` or `"fixed_url"`.
    pub fn parse(s: &str) -> Result<Self, WidgetError> {
        match s {
            "reference" => Ok(SyncMode::Reference),
            "fixed_url" => Ok(SyncMode::FixedUrl),
            _ => Err(WidgetError::BadOptionShape {
                option: "sync",
                expected: "\"reference\" or \"fixed_url\"",
            }),
        }
    }
}

/// What the host stores for one inserted or uploaded asset.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct StoredAsset {
    /// The reference URLs are rebuilt from.
    pub reference: AssetReference,
    /// The frozen URL, with [`SyncMode::FixedUrl`] only.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub fixed_url: Option<String>,
}

/// One asset from a widget, normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct Asset {
    /// The public id.
    pub public_id: String,
    /// `image`, `video` or `raw`.
    pub resource_type: String,
    /// The delivery type (Cloudinary's `type`).
    pub delivery_type: String,
    /// The version.
    pub version: u64,
    /// The format, when the asset has one.
    pub format: Option<String>,
    /// Width in pixels (images, videos).
    pub width: Option<u64>,
    /// Height in pixels (images, videos).
    pub height: Option<u64>,
    /// Size in bytes.
    pub bytes: Option<u64>,
    /// Duration in seconds (video, audio), as the widget wrote the number.
    pub duration: Option<Number>,
    /// The URL to use: the derived `secure_url` when the user applied a transformation in the
    /// widget, else the asset's `secure_url`.
    pub url: String,
    /// The original asset's `secure_url`.
    pub original_url: String,
    /// The transformation the user applied (`derived[0].raw_transformation`), if any.
    pub transformation: Option<String>,
}

fn str_field<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn u64_field(o: &Map<String, Value>, key: &str) -> Option<u64> {
    match o.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_u64_truncated()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl Asset {
    /// Normalises one asset object as the Media Library's insert handler or the Upload
    /// widget's `success` event deliver it. `index` names it in errors.
    pub fn from_widget(value: &Value, index: usize) -> Result<Asset, WidgetError> {
        let o = value.as_object().ok_or(WidgetError::AssetField {
            index,
            field: "asset",
        })?;
        let field = |f: &'static str| WidgetError::AssetField { index, field: f };
        let public_id = str_field(o, "public_id")
            .ok_or(field("public_id"))?
            .to_owned();
        let resource_type = str_field(o, "resource_type").ok_or(field("resource_type"))?;
        if !matches!(resource_type, "image" | "video" | "raw") {
            return Err(field("resource_type"));
        }
        let delivery_type = str_field(o, "type").unwrap_or("upload").to_owned();
        let version = u64_field(o, "version").ok_or(field("version"))?;
        let original_url = str_field(o, "secure_url")
            .or_else(|| str_field(o, "url"))
            .ok_or(field("secure_url"))?
            .to_owned();
        let derived = o
            .get("derived")
            .and_then(Value::as_array)
            .and_then(|d| d.first())
            .and_then(Value::as_object);
        let (url, transformation) = match derived {
            Some(d) => {
                let url = str_field(d, "secure_url")
                    .or_else(|| str_field(d, "url"))
                    .ok_or(field("derived[0].secure_url"))?;
                (
                    url.to_owned(),
                    str_field(d, "raw_transformation").map(str::to_owned),
                )
            }
            None => (original_url.clone(), None),
        };
        Ok(Asset {
            public_id,
            resource_type: resource_type.to_owned(),
            delivery_type,
            version,
            format: str_field(o, "format").map(str::to_owned),
            width: u64_field(o, "width"),
            height: u64_field(o, "height"),
            bytes: u64_field(o, "bytes"),
            duration: match o.get("duration") {
                Some(Value::Number(n)) => Some(n.clone()),
                _ => None,
            },
            url,
            original_url,
            transformation,
        })
    }

    /// Normalises the Media Library's `insertHandler` argument `{mlId, assets: [...]}`.
    pub fn from_media_library_insert(data: &Value) -> Result<Vec<Asset>, WidgetError> {
        let assets =
            data.get("assets")
                .and_then(Value::as_array)
                .ok_or(WidgetError::BadWidgetAnswer(
                    "the insert data has no \"assets\" array",
                ))?;
        assets
            .iter()
            .enumerate()
            .map(|(i, a)| Asset::from_widget(a, i))
            .collect()
    }

    /// The reference to store.
    pub fn reference(&self) -> AssetReference {
        AssetReference {
            public_id: self.public_id.clone(),
            version: Some(self.version),
            resource_type: self.resource_type.clone(),
            delivery_type: self.delivery_type.clone(),
            format: self.format.clone(),
            transformation: self.transformation.clone(),
        }
    }

    /// What the host stores under `mode`.
    pub fn to_stored(&self, mode: SyncMode) -> StoredAsset {
        StoredAsset {
            reference: self.reference(),
            fixed_url: match mode {
                SyncMode::Reference => None,
                SyncMode::FixedUrl => Some(self.url.clone()),
            },
        }
    }
}

impl AssetReference {
    /// Reads a stored reference `{public_id, version?, resource_type, delivery_type, format?,
    /// transformation?}` (other keys ignored), with `serde`'s error wording.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let o = de::object(v, "AssetReference")?;
        Ok(AssetReference {
            public_id: de::string(o, "public_id")?,
            version: de::opt_u64(o, "version")?,
            resource_type: de::string(o, "resource_type")?,
            delivery_type: de::string(o, "delivery_type")?,
            format: de::opt_string(o, "format")?,
            transformation: de::opt_string(o, "transformation")?,
        })
    }
}

impl ToJson for AssetReference {
    fn to_json(&self) -> Value {
        object([
            ("public_id", Some(self.public_id.to_json())),
            ("version", self.version.map(Value::from)),
            ("resource_type", Some(self.resource_type.to_json())),
            ("delivery_type", Some(self.delivery_type.to_json())),
            ("format", self.format.as_ref().map(ToJson::to_json)),
            (
                "transformation",
                self.transformation.as_ref().map(ToJson::to_json),
            ),
        ])
    }
}

impl StoredAsset {
    /// Reads what [`ToJson`] wrote: `{reference, fixed_url?}`.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let o = de::object(v, "StoredAsset")?;
        Ok(StoredAsset {
            reference: AssetReference::from_json(
                o.get("reference")
                    .ok_or_else(|| de::missing_field("reference"))?,
            )?,
            fixed_url: de::opt_string(o, "fixed_url")?,
        })
    }
}

impl ToJson for StoredAsset {
    fn to_json(&self) -> Value {
        object([
            ("reference", Some(self.reference.to_json())),
            ("fixed_url", self.fixed_url.as_ref().map(ToJson::to_json)),
        ])
    }
}

impl ToJson for SyncMode {
    fn to_json(&self) -> Value {
        match self {
            SyncMode::Reference => "reference",
            SyncMode::FixedUrl => "fixed_url",
        }
        .into()
    }
}

impl ToJson for Asset {
    fn to_json(&self) -> Value {
        object([
            ("public_id", Some(self.public_id.to_json())),
            ("resource_type", Some(self.resource_type.to_json())),
            ("delivery_type", Some(self.delivery_type.to_json())),
            ("version", Some(self.version.into())),
            ("format", self.format.as_ref().map(ToJson::to_json)),
            ("width", self.width.map(Value::from)),
            ("height", self.height.map(Value::from)),
            ("bytes", self.bytes.map(Value::from)),
            ("duration", self.duration.clone().map(Value::Number)),
            ("url", Some(self.url.to_json())),
            ("original_url", Some(self.original_url.to_json())),
            (
                "transformation",
                self.transformation.as_ref().map(ToJson::to_json),
            ),
        ])
    }
}

/// Where rebuilt URLs point: the account's delivery settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryTarget {
    /// The cloud name.
    pub cloud_name: String,
    /// A CNAME (`secure_distribution`).
    pub secure_distribution: Option<String>,
    /// Private CDN (`<cloud>-res.cloudinary.com`).
    pub private_cdn: bool,
    /// Chain `f_auto,q_auto` after the stored transformation (the plugin's default).
    pub optimize: bool,
    /// A transformation chained after the asset's own, as one more step (the host's default
    /// transformation): the URL engine joins the steps, as the SDKs join a `transformation`
    /// list of `raw_transformation`s.
    pub default_transformation: Option<String>,
}

impl DeliveryTarget {
    /// Shared CDN, optimised.
    pub fn new(cloud_name: &str) -> Self {
        DeliveryTarget {
            cloud_name: cloud_name.to_owned(),
            secure_distribution: None,
            private_cdn: false,
            optimize: true,
            default_transformation: None,
        }
    }
}

impl AssetReference {
    /// Rebuilds the secure delivery URL: `<prefix>/<resource_type>/<type>/<transformation>/
    /// [f_auto,q_auto/]v<version>/<public_id>[.<format>]`, with the SDKs' prefix, `v1` and
    /// escaping rules. Assets that need a signed URL (`authenticated`, `private`) are refused
    /// here: [`prepare_delivery`](Self::prepare_delivery) builds those, waiting for a signature
    /// from the signing endpoint.
    ///
    /// ```
    /// use cloudinary_connector::core::widgets::{AssetReference, DeliveryTarget};
    /// let r = AssetReference { public_id: "shop/shoe".into(), version: Some(17),
    ///     resource_type: "image".into(), delivery_type: "upload".into(),
    ///     format: Some("jpg".into()), transformation: Some("c_fill,h_200,w_200".into()) };
    /// assert_eq!(r.delivery_url(&DeliveryTarget::new("demo")).unwrap(),
    ///     "https://res.cloudinary.com/demo/image/upload/c_fill,h_200,w_200/f_auto,q_auto/v17/shop/shoe.jpg");
    /// ```
    pub fn delivery_url(&self, target: &DeliveryTarget) -> Result<String, WidgetError> {
        match self.prepare_delivery(target)? {
            Prepared::Unchanged(url) => Ok(url),
            Prepared::Url(p) if p.sign_request().is_some() => Err(WidgetError::NeedsSignedUrl {
                delivery_type: self.delivery_type.clone(),
            }),
            Prepared::Url(p) => p.finish(None).map_err(|e| WidgetError::Url(e.to_string())),
        }
    }

    /// Whether the delivery URL needs a signature (`authenticated` and `private` assets).
    pub fn needs_signature(&self) -> bool {
        matches!(self.delivery_type.as_str(), "authenticated" | "private")
    }

    /// The delivery URL, built but not yet signed: for `authenticated` and `private` assets the
    /// result asks for a signature ([`PreparedUrl::sign_request`](crate::core::url::PreparedUrl::sign_request)),
    /// which the signing endpoint gives; [`PreparedUrl::finish`](crate::core::url::PreparedUrl::finish)
    /// inserts it as `s--<signature>--`.
    ///
    /// ```
    /// use cloudinary_connector::core::url::Prepared;
    /// use cloudinary_connector::core::widgets::{AssetReference, DeliveryTarget};
    /// let r = AssetReference { public_id: "team/plan".into(), version: Some(3),
    ///     resource_type: "image".into(), delivery_type: "authenticated".into(),
    ///     format: Some("png".into()), transformation: None };
    /// let Prepared::Url(p) = r.prepare_delivery(&DeliveryTarget::new("demo")).unwrap() else { panic!() };
    /// assert_eq!(p.sign_request().unwrap().to_sign, "f_auto,q_auto/team/plan.png");
    /// assert_eq!(p.finish(Some("AbCdEf12")).unwrap(),
    ///     "https://res.cloudinary.com/demo/image/authenticated/s--AbCdEf12--/f_auto,q_auto/v3/team/plan.png");
    /// ```
    pub fn prepare_delivery(&self, target: &DeliveryTarget) -> Result<Prepared, WidgetError> {
        let (options, config) = self.url_options(target)?;
        crate::core::url::prepare(&self.public_id, &options, &config)
            .map_err(|e| WidgetError::Url(e.to_string()))
    }

    /// The responsive variants of an inserted image: `(srcset, sizes)` with the same
    /// transformation and defaults as [`delivery_url`](Self::delivery_url), each item chained
    /// with `c_scale,w_<width>` (the Node SDK's `srcset`), for widths from
    /// [`RESPONSIVE_MIN_WIDTH`] up to the image's own width (never upscaled), at most
    /// [`RESPONSIVE_MAX_WIDTH`], in [`RESPONSIVE_IMAGES`] steps.
    ///
    /// `None` where a `srcset` does not apply: not an image, a signed delivery type (each width
    /// would need its own signature from the signer), or an image narrower than the smallest width.
    ///
    /// ```
    /// use cloudinary_connector::core::widgets::{AssetReference, DeliveryTarget};
    /// let r = AssetReference { public_id: "shop/shoe".into(), version: Some(17),
    ///     resource_type: "image".into(), delivery_type: "upload".into(),
    ///     format: Some("jpg".into()), transformation: None };
    /// let (set, sizes) = r.responsive(&DeliveryTarget::new("demo"), Some(800)).unwrap().unwrap();
    /// assert_eq!(set.split(", ").next().unwrap(),
    ///     "https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/c_scale,w_200/v17/shop/shoe.jpg 200w");
    /// assert_eq!(set.split(", ").count(), 5); // 200, 350, 500, 650 and 800 pixels wide
    /// assert!(set.ends_with("/c_scale,w_800/v17/shop/shoe.jpg 800w"));
    /// assert_eq!(sizes.split(", ").last().unwrap(), "(max-width: 800px) 800px");
    /// ```
    pub fn responsive(
        &self,
        target: &DeliveryTarget,
        width: Option<u64>,
    ) -> Result<Option<(String, String)>, WidgetError> {
        if self.resource_type != "image" || self.needs_signature() {
            return Ok(None);
        }
        let max = width.map_or(RESPONSIVE_MAX_WIDTH, |w| {
            u32::try_from(w).map_or(RESPONSIVE_MAX_WIDTH, |w| w.min(RESPONSIVE_MAX_WIDTH))
        });
        if max < RESPONSIVE_MIN_WIDTH {
            return Ok(None);
        }
        let url_err = |e: crate::core::url::UrlError| WidgetError::Url(e.to_string());
        let widths = crate::core::url::breakpoints(&crate::core::url::Breakpoints::Range {
            min: RESPONSIVE_MIN_WIDTH,
            max,
            count: RESPONSIVE_IMAGES,
        })
        .map_err(url_err)?;
        let (options, config) = self.url_options(target)?;
        let set = crate::core::url::srcset(
            &self.public_id,
            &widths,
            &options,
            &config,
            &crate::core::url::NoSignatures,
        )
        .map_err(url_err)?;
        Ok(Some((set, crate::core::url::sizes(&widths))))
    }

    /// The URL engine's options and configuration for this asset on `target`, the plugin's
    /// delivery defaults applied.
    fn url_options(&self, target: &DeliveryTarget) -> Result<(Value, Value), WidgetError> {
        super::check_cloud_name(&target.cloud_name)?;
        // The URL engine builds it (SDK-identical prefix, `v1` rule and escaping): the stored
        // transformation is one raw step; the plugin's defaults (`DeliveryDefaults`, as for
        // `deliveryUrl` and `srcset`) chain whichever of `f_auto`/`q_auto` it does not set.
        let mut steps = Vec::new();
        for step in [&self.transformation, &target.default_transformation] {
            if let Some(t) = step.as_deref().filter(|t| !t.is_empty()) {
                steps.push(json!({"raw_transformation": t}));
            }
        }
        let mut options = json!({"resource_type": self.resource_type.as_str(), "type": self.delivery_type.as_str(), "transformation": steps});
        if self.needs_signature() {
            options.set("sign_url", true.into());
        }
        if let Some(v) = self.version {
            options.set("version", v.into());
        }
        if let Some(f) = &self.format {
            options.set("format", f.as_str().into());
        }
        let mut config = json!({"cloud_name": target.cloud_name.as_str(), "secure": true});
        if let Some(host) = &target.secure_distribution {
            config.set("secure_distribution", host.as_str().into());
        }
        if target.private_cdn {
            config.set("private_cdn", true.into());
        }
        // Inserted URLs are stored in the host's content: no `_a` token, whose plugin version
        // would differ between URLs inserted before and after an update.
        let defaults = DeliveryDefaults {
            auto_format_quality: target.optimize,
            analytics: false,
        };
        let options = defaults.apply(&options, &config);
        Ok((options, config))
    }
}

/// The smallest width of an inserted image's `srcset` ([`AssetReference::responsive`]).
pub const RESPONSIVE_MIN_WIDTH: u32 = 200;
/// The largest width of an inserted image's `srcset`.
pub const RESPONSIVE_MAX_WIDTH: u32 = 2048;
/// How many widths an inserted image's `srcset` lists at most.
pub const RESPONSIVE_IMAGES: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn reference(resource_type: &str, delivery_type: &str) -> AssetReference {
        AssetReference {
            public_id: "shop/shoe".into(),
            version: Some(17),
            resource_type: resource_type.into(),
            delivery_type: delivery_type.into(),
            format: Some("jpg".into()),
            transformation: Some("c_fill,h_600,w_600".into()),
        }
    }

    #[test]
    fn responsive_variants_share_the_inserted_urls_transformation_and_defaults() {
        let r = reference("image", "upload");
        let target = DeliveryTarget::new("demo");
        let (set, sizes) = r.responsive(&target, None).unwrap().unwrap();
        let items: Vec<&str> = set.split(", ").collect();
        assert_eq!(
            items,
            [200, 662, 1124, 1586, 2048].map(|w| format!(
                "https://res.cloudinary.com/demo/image/upload/c_fill,h_600,w_600/f_auto,q_auto/c_scale,w_{w}/v17/shop/shoe.jpg {w}w"
            ))
        );
        assert_eq!(sizes.split(", ").count(), 5);
        // DAM-only accounts get no f_auto,q_auto, in the srcset as in the URL.
        let dam = DeliveryTarget {
            optimize: false,
            ..target
        };
        let (set, _) = r.responsive(&dam, Some(400)).unwrap().unwrap();
        assert!(set.starts_with(
            "https://res.cloudinary.com/demo/image/upload/c_fill,h_600,w_600/c_scale,w_200/v17/shop/shoe.jpg 200w, "
        ), "{set}");
        assert!(
            set.ends_with("/c_scale,w_400/v17/shop/shoe.jpg 400w"),
            "{set}"
        );
    }

    #[test]
    fn no_responsive_variants_for_signed_types_videos_or_narrow_images() {
        let target = DeliveryTarget::new("demo");
        assert_eq!(
            reference("image", "authenticated").responsive(&target, None),
            Ok(None)
        );
        assert_eq!(
            reference("video", "upload").responsive(&target, None),
            Ok(None)
        );
        assert_eq!(
            reference("image", "upload").responsive(&target, Some(199)),
            Ok(None)
        );
        assert_eq!(
            reference("image", "upload")
                .responsive(&DeliveryTarget::new("Bad Cloud"), None)
                .unwrap_err()
                .to_string(),
            reference("image", "upload")
                .delivery_url(&DeliveryTarget::new("Bad Cloud"))
                .unwrap_err()
                .to_string()
        );
    }

    fn ml_asset() -> Value {
        json!({
            "public_id": "shop/red shoe", "resource_type": "image", "type": "upload",
            "format": "jpg", "version": 1_700_000_000, "width": 800, "height": 600, "bytes": 12345,
            "url": "http://res.cloudinary.com/demo/image/upload/v1700000000/shop/red%20shoe.jpg",
            "secure_url": "https://res.cloudinary.com/demo/image/upload/v1700000000/shop/red%20shoe.jpg",
            "tags": [], "created_at": "2026-01-01T00:00:00Z"
        })
    }

    #[track_caller]
    fn insert_err(v: Value) -> String {
        Asset::from_media_library_insert(&v)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn insert_without_transformation_uses_secure_url() {
        let assets =
            Asset::from_media_library_insert(&json!({"mlId": "ml_0", "assets": [ml_asset()]}))
                .unwrap();
        let a = &assets[0];
        assert_eq!(
            a.url,
            "https://res.cloudinary.com/demo/image/upload/v1700000000/shop/red%20shoe.jpg"
        );
        assert_eq!(a.transformation, None);
        assert_eq!(
            (a.width, a.height, a.bytes),
            (Some(800), Some(600), Some(12345))
        );
        assert_eq!(a.delivery_type, "upload");
        assert_eq!(a.version, 1_700_000_000);
    }

    #[test]
    fn insert_with_transformation_uses_the_derived_secure_url() {
        let mut v = ml_asset();
        v["derived"] = json!([{"raw_transformation": "c_fill,g_auto,h_300,w_300",
            "url": "http://x", "secure_url": "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/v1700000000/shop/red%20shoe.jpg"}]);
        let a = Asset::from_widget(&v, 0).unwrap();
        assert_eq!(a.url, "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/v1700000000/shop/red%20shoe.jpg");
        assert_eq!(
            a.original_url,
            "https://res.cloudinary.com/demo/image/upload/v1700000000/shop/red%20shoe.jpg"
        );
        assert_eq!(
            a.transformation.as_deref(),
            Some("c_fill,g_auto,h_300,w_300")
        );
        let stored = a.to_stored(SyncMode::Reference);
        assert_eq!(stored.fixed_url, None);
        assert_eq!(
            crate::core::json::to_value(&stored),
            json!({"reference": {"public_id": "shop/red shoe", "version": 1_700_000_000u64, "resource_type": "image",
                   "delivery_type": "upload", "format": "jpg", "transformation": "c_fill,g_auto,h_300,w_300"}})
        );
        // The rebuilt URL matches what the widget delivered, plus the plugin's f_auto,q_auto.
        let url = stored
            .reference
            .delivery_url(&DeliveryTarget {
                optimize: false,
                ..DeliveryTarget::new("demo")
            })
            .unwrap();
        assert_eq!(url, a.url);
        assert_eq!(
            a.to_stored(SyncMode::FixedUrl).fixed_url.as_deref(),
            Some(a.url.as_str())
        );
    }

    #[test]
    fn version_may_come_as_a_string() {
        let mut v = ml_asset();
        v["version"] = json!("42");
        assert_eq!(Asset::from_widget(&v, 0).unwrap().version, 42);
    }

    #[test]
    fn malformed_inserts_are_refused_with_the_field_named() {
        assert_eq!(
            insert_err(json!({})),
            "the widget's answer is malformed: the insert data has no \"assets\" array"
        );
        let mut v = ml_asset();
        v.as_object_mut().unwrap().remove("public_id");
        assert_eq!(
            insert_err(json!({"assets": [ml_asset(), v]})),
            "the widget returned asset #1 without a usable \"public_id\""
        );
        let mut v = ml_asset();
        v["resource_type"] = json!("document");
        assert_eq!(
            insert_err(json!({"assets": [v]})),
            "the widget returned asset #0 without a usable \"resource_type\""
        );
        let mut v = ml_asset();
        v["derived"] = json!([{"raw_transformation": "w_10"}]);
        assert_eq!(
            insert_err(json!({"assets": [v]})),
            "the widget returned asset #0 without a usable \"derived[0].secure_url\""
        );
        assert_eq!(
            insert_err(json!({"assets": [1]})),
            "the widget returned asset #0 without a usable \"asset\""
        );
    }

    #[test]
    fn urls_are_rebuilt_from_references() {
        let mut r = AssetReference {
            public_id: "folder/test".into(),
            version: None,
            resource_type: "image".into(),
            delivery_type: "upload".into(),
            format: None,
            transformation: None,
        };
        let plain = DeliveryTarget {
            optimize: false,
            ..DeliveryTarget::new("test123")
        };
        // SDK rule: ids with a folder get v1 (pycloudinary test_folder_version).
        assert_eq!(
            r.delivery_url(&plain).unwrap(),
            "https://res.cloudinary.com/test123/image/upload/v1/folder/test"
        );
        r.public_id = "v1234/test".into();
        assert_eq!(
            r.delivery_url(&plain).unwrap(),
            "https://res.cloudinary.com/test123/image/upload/v1234/test"
        );
        r.public_id = "test".into();
        r.format = Some("jpg".into());
        let mut cname = DeliveryTarget::new("test123");
        cname.secure_distribution = Some("cdn.example.com".into());
        assert_eq!(
            r.delivery_url(&cname).unwrap(),
            "https://cdn.example.com/test123/image/upload/f_auto,q_auto/test.jpg"
        );
        cname.private_cdn = true;
        assert_eq!(
            r.delivery_url(&cname).unwrap(),
            "https://cdn.example.com/image/upload/f_auto,q_auto/test.jpg"
        );
        let private = DeliveryTarget {
            private_cdn: true,
            ..plain.clone()
        };
        assert_eq!(
            r.delivery_url(&private).unwrap(),
            "https://test123-res.cloudinary.com/image/upload/test.jpg"
        );
        // A transformation that already sets format and quality is not optimised twice.
        r.transformation = Some("f_webp,q_80".into());
        assert_eq!(
            r.delivery_url(&DeliveryTarget::new("d")).unwrap(),
            "https://res.cloudinary.com/d/image/upload/f_webp,q_80/test.jpg"
        );
        r.delivery_type = "authenticated".into();
        assert_eq!(
            r.delivery_url(&plain).unwrap_err().to_string(),
            "\"authenticated\" assets are delivered only through signed URLs: ask the URL engine with a signature source"
        );
    }

    #[test]
    fn public_ids_are_escaped_like_the_sdks() {
        // The URL engine's escaping (the Node SDK's, byte for byte).
        let url = |id: &str| {
            AssetReference {
                public_id: id.into(),
                version: Some(3),
                resource_type: "image".into(),
                delivery_type: "upload".into(),
                format: None,
                transformation: None,
            }
            .delivery_url(&DeliveryTarget {
                optimize: false,
                ..DeliveryTarget::new("demo")
            })
            .unwrap()
        };
        assert_eq!(
            url("a b/c?d:e"),
            "https://res.cloudinary.com/demo/image/upload/v3/a%20b/c%3Fd:e"
        );
        assert_eq!(
            url("é"),
            "https://res.cloudinary.com/demo/image/upload/v3/%C3%A9"
        );
    }

    #[test]
    fn a_default_transformation_is_chained_as_one_more_step() {
        let r = |transformation: Option<&str>| AssetReference {
            transformation: transformation.map(str::to_owned),
            ..reference("image", "upload")
        };
        // As the panel builds it for a default other than the plugin's own f_auto,q_auto.
        let target = DeliveryTarget {
            optimize: false,
            default_transformation: Some("e_sepia".into()),
            ..DeliveryTarget::new("demo")
        };
        let base = "https://res.cloudinary.com/demo/image/upload";
        assert_eq!(
            r(Some("c_fill,h_200,w_200")).delivery_url(&target).unwrap(),
            format!("{base}/c_fill,h_200,w_200/e_sepia/v17/shop/shoe.jpg")
        );
        assert_eq!(
            r(None).delivery_url(&target).unwrap(),
            format!("{base}/e_sepia/v17/shop/shoe.jpg")
        );
        // With the optimised defaults too, they come last.
        let optimized = DeliveryTarget {
            optimize: true,
            ..target.clone()
        };
        assert_eq!(
            r(None).delivery_url(&optimized).unwrap(),
            format!("{base}/e_sepia/f_auto,q_auto/v17/shop/shoe.jpg")
        );
        // An empty default adds no step.
        let empty = DeliveryTarget {
            default_transformation: Some(String::new()),
            ..target.clone()
        };
        assert_eq!(
            r(None).delivery_url(&empty).unwrap(),
            format!("{base}/v17/shop/shoe.jpg")
        );
        // The srcset items chain it too, and a signed asset signs it.
        let (set, _) = r(Some("c_fill,h_600,w_600"))
            .responsive(&target, Some(400))
            .unwrap()
            .unwrap();
        assert!(
            set.starts_with(&format!(
                "{base}/c_fill,h_600,w_600/e_sepia/c_scale,w_200/v17/shop/shoe.jpg 200w, "
            )),
            "{set}"
        );
        let signed = AssetReference {
            delivery_type: "authenticated".into(),
            ..r(Some("c_fill,h_600,w_600"))
        };
        let Prepared::Url(p) = signed.prepare_delivery(&target).unwrap() else {
            panic!("a signed asset is prepared for signing")
        };
        assert_eq!(
            p.sign_request().unwrap().to_sign,
            "c_fill,h_600,w_600/e_sepia/shop/shoe.jpg"
        );
    }
}
