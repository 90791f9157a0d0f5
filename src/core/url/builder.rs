//! The typed Rust API: a consuming [`DeliveryUrl`] builder over [`Transformation`]. Setters
//! never fail; problems are collected and reported by [`DeliveryUrl::build`].

use super::delivery::{prepare, Prepared, SignatureSource};
use super::error::UrlError;
use super::transformation::Transformation;
use super::Value;
use crate::json;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};

/// The asset type (`image`, `video`, `raw`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ResourceType {
    /// Images (and PDFs...).
    #[default]
    Image,
    /// Video and audio.
    Video,
    /// Any other file.
    Raw,
}

impl ResourceType {
    /// The URL segment.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Image => "image",
            ResourceType::Video => "video",
            ResourceType::Raw => "raw",
        }
    }
}

/// Delivery types (js-url-gen's `DELIVERY_TYPE` list plus the SDK tests' `private`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DeliveryType {
    /// `upload` (public).
    #[default]
    Upload,
    /// `private`: originals need a signed URL.
    Private,
    /// `authenticated`: every URL must be signed (or token-authenticated).
    Authenticated,
    /// `fetch`: a remote URL, fetched and cached.
    Fetch,
    /// `private_delivery`
    PrivateDelivery,
    /// `public_delivery`
    PublicDelivery,
    /// `sprite`
    Sprite,
    /// `text`
    Text,
    /// `multi`
    Multi,
    /// `facebook` profile pictures.
    Facebook,
    /// `twitter`
    Twitter,
    /// `twitter_name`
    TwitterName,
    /// `gravatar`
    Gravatar,
    /// `youtube` thumbnails.
    Youtube,
    /// `hulu`
    Hulu,
    /// `vimeo`
    Vimeo,
    /// `animoto`
    Animoto,
    /// `worldstarhiphop`
    Worldstarhiphop,
    /// `dailymotion`
    Dailymotion,
}

impl DeliveryType {
    /// The URL segment.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryType::Upload => "upload",
            DeliveryType::Private => "private",
            DeliveryType::Authenticated => "authenticated",
            DeliveryType::Fetch => "fetch",
            DeliveryType::PrivateDelivery => "private_delivery",
            DeliveryType::PublicDelivery => "public_delivery",
            DeliveryType::Sprite => "sprite",
            DeliveryType::Text => "text",
            DeliveryType::Multi => "multi",
            DeliveryType::Facebook => "facebook",
            DeliveryType::Twitter => "twitter",
            DeliveryType::TwitterName => "twitter_name",
            DeliveryType::Gravatar => "gravatar",
            DeliveryType::Youtube => "youtube",
            DeliveryType::Hulu => "hulu",
            DeliveryType::Vimeo => "vimeo",
            DeliveryType::Animoto => "animoto",
            DeliveryType::Worldstarhiphop => "worldstarhiphop",
            DeliveryType::Dailymotion => "dailymotion",
        }
    }
}

/// A delivery URL under construction.
///
/// ```
/// use cloudinary_connector::core::url::{CropMode, DeliveryUrl, NoSignatures, Step, Transformation};
/// let url = DeliveryUrl::new("demo", "folder/sample")
///     .transformation(Transformation::from(Step::new().crop(CropMode::Fill).width(300).height(200)))
///     .format("webp")
///     .to_url(&NoSignatures)
///     .unwrap();
/// assert_eq!(url, "https://res.cloudinary.com/demo/image/upload/c_fill,h_200,w_300/v1/folder/sample.webp");
///
/// let err = DeliveryUrl::new("demo", "sample").format("we bp").build().unwrap_err();
/// assert_eq!(err.to_string(), "invalid format: 'we bp' is not a file extension");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct DeliveryUrl {
    public_id: String,
    options: Value,
    errors: Vec<UrlError>,
}

impl DeliveryUrl {
    /// A URL for `public_id` in cloud `cloud_name` (https, image/upload).
    pub fn new(cloud_name: &str, public_id: &str) -> Self {
        DeliveryUrl {
            public_id: public_id.to_owned(),
            options: json!({"cloud_name": cloud_name, "secure": true}),
            errors: Vec::new(),
        }
    }

    fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.options.set(key, value.into());
        self
    }

    /// The asset type.
    pub fn resource_type(self, rt: ResourceType) -> Self {
        self.set("resource_type", rt.as_str())
    }

    /// The delivery type.
    pub fn delivery_type(self, ty: DeliveryType) -> Self {
        self.set("type", ty.as_str())
    }

    /// The transformation (chained steps).
    pub fn transformation(self, t: Transformation) -> Self {
        self.set("raw_transformation", t.to_string())
    }

    /// The file extension (`jpg`, `webp`...); for `fetch`, becomes `f_<format>`.
    pub fn format(mut self, format: &str) -> Self {
        if format.is_empty() || !format.bytes().all(|b| b.is_ascii_alphanumeric()) {
            self.errors.push(UrlError::option(
                "format",
                format!("'{format}' is not a file extension"),
            ));
            return self;
        }
        self.set("format", format)
    }

    /// The asset version (`v<version>`).
    pub fn version(self, version: u64) -> Self {
        self.set("version", version.to_string())
    }

    /// `https` (default) or `http`.
    pub fn secure(self, secure: bool) -> Self {
        self.set("secure", secure)
    }

    /// Private CDN distribution (`<cloud>-res.cloudinary.com`).
    pub fn private_cdn(self, on: bool) -> Self {
        self.set("private_cdn", on)
    }

    /// A custom secure distribution host.
    pub fn secure_distribution(self, host: &str) -> Self {
        self.set("secure_distribution", host)
    }

    /// A CNAME host (used for `http` URLs).
    pub fn cname(self, host: &str) -> Self {
        self.set("cname", host)
    }

    /// CDN subdomain sharding.
    pub fn cdn_subdomain(self, on: bool) -> Self {
        self.set("cdn_subdomain", on)
    }

    /// An SEO suffix (`/images/<id>/<suffix>.<format>`); must not contain `.` or `/`.
    pub fn url_suffix(self, suffix: &str) -> Self {
        self.set("url_suffix", suffix)
    }

    /// Drop `image/upload` from the path.
    pub fn use_root_path(self, on: bool) -> Self {
        self.set("use_root_path", on)
    }

    /// `image/upload` → `iu`.
    pub fn shorten(self, on: bool) -> Self {
        self.set("shorten", on)
    }

    /// Add `v1` to public ids in folders (default on).
    pub fn force_version(self, on: bool) -> Self {
        self.set("force_version", on)
    }

    /// Sign the URL (the signature comes from the signature source).
    pub fn signed(self, on: bool) -> Self {
        self.set("sign_url", on)
    }

    /// 32-character SHA-256 signatures.
    pub fn long_signature(self, on: bool) -> Self {
        self.set("long_url_signature", on)
    }

    /// Append the `_a` analytics token.
    pub fn analytics(self, on: bool) -> Self {
        self.set("urlAnalytics", on)
    }

    /// The URL parts and what to sign, or the first problem found.
    pub fn build(self) -> Result<Prepared, UrlError> {
        if let Some(e) = self.errors.into_iter().next() {
            return Err(e);
        }
        prepare(&self.public_id, &self.options, &Value::Null)
    }

    /// The URL, signed through `signer` when needed.
    pub fn to_url(self, signer: &dyn SignatureSource) -> Result<String, UrlError> {
        match self.build()? {
            Prepared::Unchanged(s) => Ok(s),
            Prepared::Url(p) => p.finish_with(signer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::url::{NoSignatures, SignRequest};

    #[test]
    fn signed_urls_ask_the_source() {
        let prepared = DeliveryUrl::new("demo", "image.jpg")
            .delivery_type(DeliveryType::Authenticated)
            .transformation("c_crop,h_20,w_10".parse().unwrap())
            .signed(true)
            .build()
            .unwrap();
        let Prepared::Url(p) = prepared else {
            panic!("expected a URL")
        };
        assert_eq!(
            p.sign_request().map(|r| r.to_sign.as_str()),
            Some("c_crop,h_20,w_10/image.jpg")
        );
        assert_eq!(
            p.clone().finish(Some("Ai4Znfl3")).unwrap(),
            "https://res.cloudinary.com/demo/image/authenticated/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg"
        );
        assert_eq!(
            p.clone().finish(None).unwrap_err().to_string(),
            "this URL must be signed (sign_url, private or authenticated delivery) but no signature source was given"
        );
        assert_eq!(
            p.finish(Some("short")).unwrap_err().to_string(),
            "signature source failed: expected 8 URL-safe base64 characters"
        );
        let err = DeliveryUrl::new("demo", "x")
            .signed(true)
            .to_url(&NoSignatures)
            .unwrap_err();
        assert_eq!(err, UrlError::SignatureRequired);
        let ok = DeliveryUrl::new("demo", "x")
            .signed(true)
            .to_url(&|r: &SignRequest| Ok("A".repeat(r.length)))
            .unwrap();
        assert_eq!(
            ok,
            "https://res.cloudinary.com/demo/image/upload/s--AAAAAAAA--/x"
        );
    }

    #[test]
    fn errors_are_deferred_to_build() {
        let e = DeliveryUrl::new("demo", "x")
            .url_suffix("a.b")
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "url_suffix should not include . or /");
        let e = DeliveryUrl::new("", "x").build().unwrap_err();
        assert_eq!(
            e.to_string(),
            "must supply cloud_name in the options or the configuration"
        );
        let e = DeliveryUrl::new("demo", "").build().unwrap_err();
        assert_eq!(e.to_string(), "public id must not be empty");
    }

    #[test]
    fn delivery_types_and_resource_types() {
        let u = DeliveryUrl::new("demo", "https://example.com/a b.png")
            .delivery_type(DeliveryType::Fetch)
            .format("webp")
            .to_url(&NoSignatures)
            .unwrap();
        assert_eq!(
            u,
            "https://res.cloudinary.com/demo/image/fetch/f_webp/https://example.com/a%20b.png"
        );
        let u = DeliveryUrl::new("demo", "clip")
            .resource_type(ResourceType::Video)
            .url_suffix("my-clip")
            .format("mp4")
            .to_url(&NoSignatures)
            .unwrap();
        assert_eq!(u, "https://res.cloudinary.com/demo/videos/clip/my-clip.mp4");
    }
}
