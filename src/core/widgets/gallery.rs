//! Product Gallery options: `cloudinary.galleryWidget(options).render()`, with the gallery's
//! camelCase option names, fed from stored [`AssetReference`]s.
//!
//! Only documented options are sent (reference §6.1, the typed option list of
//! cloudinary-util's `cloudinary-product-gallery.ts`, "Sourced from" Cloudinary's Product Gallery
//! reference): no `integration` object, which the gallery does not list (the Media Library
//! does). Spin sets are given by tag (`{tag, mediaType: "spin"}`: the gallery builds a spin set
//! from the images with that tag), never by public id.

use crate::core::json::{Map, Value};
use alloc::{borrow::ToOwned, string::String, vec::Vec};

use super::asset::AssetReference;
use super::media_library::{want_bool, want_str};
use super::{CloudAccount, WidgetError};

/// One gallery item.
#[derive(Clone, Debug, PartialEq)]
pub struct GalleryAsset {
    /// `publicId` (empty when the item is given by `tag`).
    pub public_id: String,
    /// `tag`: every asset with the tag (a spin set's images).
    pub tag: Option<String>,
    /// `mediaType`: `image`, `video`, `spin` or `3d`.
    pub media_type: String,
    /// `altText`.
    pub alt_text: Option<String>,
}

impl GalleryAsset {
    /// A gallery item for a stored reference (`raw` assets cannot be shown).
    pub fn from_reference(r: &AssetReference) -> Result<Self, WidgetError> {
        let media_type = match r.resource_type.as_str() {
            "image" | "video" => r.resource_type.clone(),
            _ => {
                return Err(WidgetError::BadOptionShape {
                    option: "mediaAssets",
                    expected: "image or video assets (raw files cannot be shown in a gallery)",
                })
            }
        };
        if r.delivery_type != "upload" {
            return Err(WidgetError::BadOptionShape {
                option: "mediaAssets",
                expected: "publicly delivered (type \"upload\") assets",
            });
        }
        Ok(GalleryAsset {
            public_id: r.public_id.clone(),
            tag: None,
            media_type,
            alt_text: None,
        })
    }
}

/// The gallery's `aspectRatio` values.
pub const ASPECT_RATIOS: &[&str] = &[
    "square", "1:1", "3:4", "4:3", "4:6", "6:4", "5:7", "7:5", "5:8", "8:5", "9:16", "16:9",
];

/// What the host may set on the Product Gallery.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GalleryOptions {
    /// `mediaAssets`.
    pub assets: Vec<GalleryAsset>,
    /// `aspectRatio`.
    pub aspect_ratio: Option<String>,
    /// `carouselStyle`: `none`, `thumbnails` or `indicators`.
    pub carousel_style: Option<String>,
    /// `carouselLocation`: `top`, `bottom`, `left` or `right`.
    pub carousel_location: Option<String>,
    /// `transition`: `slide`, `fade` or `none`.
    pub transition: Option<String>,
    /// `zoom`.
    pub zoom: Option<bool>,
    /// `displayProps.mode`: `classic` or `expanded`.
    pub display_mode: Option<String>,
}

fn one_of(
    option: &'static str,
    v: &Option<String>,
    allowed: &'static [&'static str],
    expected: &'static str,
) -> Result<(), WidgetError> {
    match v {
        Some(s) if !allowed.contains(&s.as_str()) => {
            Err(WidgetError::BadOptionShape { option, expected })
        }
        _ => Ok(()),
    }
}

impl GalleryOptions {
    /// Checks the options on their own.
    pub fn validate(&self) -> Result<(), WidgetError> {
        if self.assets.is_empty() {
            return Err(WidgetError::NoGalleryAssets);
        }
        for a in &self.assets {
            match (&a.tag, a.public_id.is_empty()) {
                (None, true) => return Err(WidgetError::EmptyOption("mediaAssets[].publicId")),
                (Some(t), _) if t.is_empty() => {
                    return Err(WidgetError::EmptyOption("mediaAssets[].tag"))
                }
                (Some(_), false) => {
                    return Err(WidgetError::BadOptionShape {
                        option: "mediaAssets[]",
                        expected: "either a publicId or a tag, not both",
                    })
                }
                _ => {}
            }
            if !matches!(a.media_type.as_str(), "image" | "video" | "spin" | "3d") {
                return Err(WidgetError::BadOptionShape {
                    option: "mediaAssets[].mediaType",
                    expected: "\"image\", \"video\", \"spin\" or \"3d\"",
                });
            }
            if a.media_type == "spin" && a.tag.is_none() {
                return Err(WidgetError::BadOptionShape {
                    option: "mediaAssets[].mediaType",
                    expected: "\"spin\" only with a tag (a spin set is built from the images with that tag)",
                });
            }
        }
        one_of(
            "aspectRatio",
            &self.aspect_ratio,
            ASPECT_RATIOS,
            "one of square, 1:1, 3:4, 4:3, 4:6, 6:4, 5:7, 7:5, 5:8, 8:5, 9:16, 16:9",
        )?;
        one_of(
            "carouselStyle",
            &self.carousel_style,
            &["none", "thumbnails", "indicators"],
            "\"none\", \"thumbnails\" or \"indicators\"",
        )?;
        one_of(
            "carouselLocation",
            &self.carousel_location,
            &["top", "bottom", "left", "right"],
            "\"top\", \"bottom\", \"left\" or \"right\"",
        )?;
        one_of(
            "transition",
            &self.transition,
            &["slide", "fade", "none"],
            "\"slide\", \"fade\" or \"none\"",
        )?;
        one_of(
            "displayProps.mode",
            &self.display_mode,
            &["classic", "expanded"],
            "\"classic\" or \"expanded\"",
        )?;
        Ok(())
    }

    /// The options object for `galleryWidget`; `container` is the CSS selector of the element
    /// the host layer created for it.
    pub fn to_json(&self, account: &CloudAccount, container: &str) -> Result<Value, WidgetError> {
        account.validate()?;
        self.validate()?;
        let mut o = Map::new();
        o.set("cloudName", account.cloud_name.clone().into());
        o.set("container", container.into());
        let assets = self
            .assets
            .iter()
            .map(|a| {
                let mut m = Map::new();
                match &a.tag {
                    Some(t) => m.insert("tag".into(), t.clone().into()),
                    None => m.insert("publicId".into(), a.public_id.clone().into()),
                };
                m.set("mediaType", a.media_type.clone().into());
                if let Some(alt) = &a.alt_text {
                    m.set("altText", alt.clone().into());
                }
                Value::Object(m)
            })
            .collect();
        o.set("mediaAssets", Value::Array(assets));
        if let Some(host) = &account.secure_distribution {
            o.set("secureDistribution", host.clone().into());
        }
        if account.private_cdn {
            o.set("privateCdn", true.into());
        }
        for (k, v) in [
            ("aspectRatio", &self.aspect_ratio),
            ("carouselStyle", &self.carousel_style),
            ("carouselLocation", &self.carousel_location),
            ("transition", &self.transition),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), v.clone().into());
            }
        }
        if let Some(z) = self.zoom {
            o.set("zoom", z.into());
        }
        if let Some(m) = &self.display_mode {
            let mut d = Map::new();
            d.set("mode", m.clone().into());
            o.set("displayProps", Value::Object(d));
        }
        Ok(Value::Object(o))
    }

    /// Reads host options: `mediaAssets` (stored references `{public_id, resource_type,
    /// delivery_type, ...}`, or `{publicId, mediaType, altText}` items, or public-id strings for
    /// images), `aspectRatio`, `carouselStyle`, `carouselLocation`, `transition`, `zoom`,
    /// `displayProps: {mode}`. Unknown keys are refused.
    pub fn from_json(v: &Value) -> Result<Self, WidgetError> {
        let o = v.as_object().ok_or(WidgetError::BadOptionShape {
            option: "options",
            expected: "an object",
        })?;
        let mut out = GalleryOptions::default();
        for (k, val) in o {
            match k.as_str() {
                "mediaAssets" => {
                    let items = val.as_array().ok_or(WidgetError::BadOptionShape {
                        option: "mediaAssets",
                        expected: "an array",
                    })?;
                    for item in items {
                        out.assets.push(gallery_asset(item)?);
                    }
                }
                "aspectRatio" => out.aspect_ratio = Some(want_str("aspectRatio", val)?),
                "carouselStyle" => out.carousel_style = Some(want_str("carouselStyle", val)?),
                "carouselLocation" => {
                    out.carousel_location = Some(want_str("carouselLocation", val)?)
                }
                "transition" => out.transition = Some(want_str("transition", val)?),
                "zoom" => out.zoom = Some(want_bool("zoom", val)?),
                "displayProps" => {
                    out.display_mode = val
                        .get("mode")
                        .map(|m| want_str("displayProps.mode", m))
                        .transpose()?
                }
                _ => {
                    return Err(WidgetError::UnknownOption {
                        widget: "Product Gallery",
                        option: k.clone(),
                    })
                }
            }
        }
        out.validate()?;
        Ok(out)
    }
}

fn gallery_asset(item: &Value) -> Result<GalleryAsset, WidgetError> {
    let shape = WidgetError::BadOptionShape {
        option: "mediaAssets[]",
        expected: "a public id, a stored reference, {publicId, mediaType} or {tag, mediaType}",
    };
    match item {
        Value::String(id) => Ok(GalleryAsset {
            public_id: id.clone(),
            tag: None,
            media_type: "image".into(),
            alt_text: None,
        }),
        Value::Object(m) if m.contains_key("public_id") => {
            let r = AssetReference::from_json(item).map_err(|_| shape)?;
            GalleryAsset::from_reference(&r)
        }
        Value::Object(m) => Ok(GalleryAsset {
            tag: match m.get("tag") {
                None => None,
                Some(t) => Some(t.as_str().ok_or(shape.clone())?.to_owned()),
            },
            public_id: match (m.get("publicId"), m.contains_key("tag")) {
                (Some(p), _) => p.as_str().ok_or(shape.clone())?.to_owned(),
                (None, true) => String::new(),
                (None, false) => return Err(shape),
            },
            media_type: m
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or("image")
                .to_owned(),
            alt_text: m.get("altText").and_then(Value::as_str).map(str::to_owned),
        }),
        _ => Err(shape),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[track_caller]
    fn err(v: Value) -> String {
        GalleryOptions::from_json(&v).unwrap_err().to_string()
    }

    #[test]
    fn gallery_options_from_references() {
        let o = GalleryOptions::from_json(&json!({
            "mediaAssets": [
                {"public_id": "shop/shoe", "version": 3, "resource_type": "image", "delivery_type": "upload"},
                {"tag": "shoe_spin", "mediaType": "spin"},
                "shop/plain",
                {"public_id": "shop/clip", "resource_type": "video", "delivery_type": "upload"}
            ],
            "aspectRatio": "4:3", "carouselStyle": "thumbnails", "displayProps": {"mode": "expanded"}
        }))
        .unwrap();
        let mut account = CloudAccount::new("main", "demo");
        account.secure_distribution = Some("media.example.com".into());
        let v = o.to_json(&account, "#cld-gallery-1").unwrap();
        assert_eq!(v["cloudName"], "demo");
        assert_eq!(v["container"], "#cld-gallery-1");
        assert_eq!(
            v["mediaAssets"],
            json!([{"publicId": "shop/shoe", "mediaType": "image"}, {"tag": "shoe_spin", "mediaType": "spin"},
                   {"publicId": "shop/plain", "mediaType": "image"}, {"publicId": "shop/clip", "mediaType": "video"}])
        );
        assert_eq!(v["secureDistribution"], "media.example.com");
        assert_eq!(v["displayProps"], json!({"mode": "expanded"}));
        assert!(
            v.get("integration").is_none(),
            "not a documented gallery option"
        );
    }

    #[test]
    fn bad_gallery_options_are_refused() {
        assert_eq!(
            err(json!({"mediaAssets": []})),
            "the Product Gallery needs at least one asset"
        );
        assert_eq!(
            err(json!({"mediaAssets": ["a"], "aspectRatio": "2:1"})),
            "option aspectRatio must be one of square, 1:1, 3:4, 4:3, 4:6, 6:4, 5:7, 7:5, 5:8, 8:5, 9:16, 16:9"
        );
        assert_eq!(
            err(json!({"mediaAssets": [{"public_id": "f", "resource_type": "raw", "delivery_type": "upload"}]})),
            "option mediaAssets must be image or video assets (raw files cannot be shown in a gallery)"
        );
        assert_eq!(
            err(
                json!({"mediaAssets": [{"public_id": "f", "resource_type": "image", "delivery_type": "authenticated"}]})
            ),
            "option mediaAssets must be publicly delivered (type \"upload\") assets"
        );
        assert_eq!(
            err(json!({"mediaAssets": [3]})),
            "option mediaAssets[] must be a public id, a stored reference, {publicId, mediaType} or {tag, mediaType}"
        );
        assert_eq!(
            err(json!({"mediaAssets": [{"publicId": "shop/spin", "mediaType": "spin"}]})),
            "option mediaAssets[].mediaType must be \"spin\" only with a tag (a spin set is built from the images with that tag)"
        );
        assert_eq!(
            err(json!({"mediaAssets": [{"publicId": "a", "tag": "t"}]})),
            "option mediaAssets[] must be either a publicId or a tag, not both"
        );
        assert_eq!(
            err(json!({"mediaAssets": [{"tag": ""}]})),
            "option mediaAssets[].tag is empty"
        );
        assert_eq!(
            err(json!({"mediaAssets": ["a"], "cloud_name": "x"})),
            "unknown Product Gallery option \"cloud_name\""
        );
        assert_eq!(
            err(json!({"mediaAssets": [{"publicId": "a", "mediaType": "gif"}]})),
            "option mediaAssets[].mediaType must be \"image\", \"video\", \"spin\" or \"3d\""
        );
    }
}
