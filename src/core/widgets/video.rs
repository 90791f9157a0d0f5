//! The Cloudinary Video Player: `cloudinary.videoPlayer(elementId, options)` options, and the
//! embed-iframe URL (`https://player.cloudinary.com/embed/?cloud_name=…&public_id=…`).

use crate::core::json::{Map, Value};
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};

use super::asset::AssetReference;
use super::media_library::{want_bool, want_str};
use super::{CloudAccount, WidgetError};

/// The embed player's base URL.
pub const EMBED_BASE: &str = "https://player.cloudinary.com/embed/";
/// What the embed iframe must allow (Cloudinary's embed snippet).
pub const EMBED_ALLOW: &str = "autoplay; fullscreen; encrypted-media; picture-in-picture";

/// What the host may set on a player.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct VideoPlayerOptions {
    /// The video's public id.
    pub public_id: String,
    /// A transformation for the source (`raw_transformation`).
    pub transformation: Option<String>,
    /// `controls` (default true in the player).
    pub controls: Option<bool>,
    /// `autoplay`.
    pub autoplay: Option<bool>,
    /// `muted` (browsers only autoplay muted videos).
    pub muted: Option<bool>,
    /// `loop`.
    pub r#loop: Option<bool>,
    /// `fluid`: fill the container width.
    pub fluid: Option<bool>,
    /// Chain `q_auto` after the source's transformation unless it sets a quality (default on):
    /// the plugin's delivery default (partner guidelines: "add common optimization
    /// transformations as default"). Only the quality: the player picks the formats itself
    /// (its source types), so no `f_auto` is added.
    pub optimize: Option<bool>,
    /// `cloudinaryAnalytics` (the player's default: on): Cloudinary's video analytics for the
    /// account. On, each player leaves a `beforeunload` listener on `window` and the
    /// `cld-analytics-user-id` key in `localStorage` after `dispose()` (the player's own; see
    /// README "Known limitations"); off, the player leaves nothing. The `<iframe>` form ignores it.
    pub cloudinary_analytics: Option<bool>,
}

/// Alias: the embed form takes the same options.
pub type EmbedOptions = VideoPlayerOptions;

impl VideoPlayerOptions {
    /// A player for `public_id`.
    pub fn new(public_id: &str) -> Self {
        VideoPlayerOptions {
            public_id: public_id.to_owned(),
            ..Default::default()
        }
    }

    /// A player for a stored reference (video assets only).
    pub fn from_reference(r: &AssetReference) -> Result<Self, WidgetError> {
        if r.resource_type != "video" {
            return Err(WidgetError::BadOptionShape {
                option: "publicId",
                expected: "a video asset",
            });
        }
        Ok(VideoPlayerOptions {
            public_id: r.public_id.clone(),
            transformation: r.transformation.clone(),
            ..Default::default()
        })
    }

    /// The source's transformation as delivered: the host's, with `q_auto` chained after it
    /// unless it sets a quality itself or `optimize` is off.
    ///
    /// ```
    /// use cloudinary_connector::core::widgets::VideoPlayerOptions;
    /// let mut o = VideoPlayerOptions::new("clip");
    /// assert_eq!(o.source_transformation().as_deref(), Some("q_auto"));
    /// o.transformation = Some("e_blur:300".into());
    /// assert_eq!(o.source_transformation().as_deref(), Some("e_blur:300/q_auto"));
    /// o.transformation = Some("c_fill,q_70,w_640".into());
    /// assert_eq!(o.source_transformation().as_deref(), Some("c_fill,q_70,w_640"));
    /// o.optimize = Some(false);
    /// assert_eq!(o.source_transformation().as_deref(), Some("c_fill,q_70,w_640"));
    /// ```
    pub fn source_transformation(&self) -> Option<String> {
        let t = self.transformation.as_deref().filter(|t| !t.is_empty());
        let sets_quality =
            t.is_some_and(|t| crate::core::url::defaults::sets_format_and_quality(t).1);
        if self.optimize == Some(false) || sets_quality {
            return t.map(str::to_owned);
        }
        Some(match t {
            Some(t) => [t, "/q_auto"].concat(),
            None => "q_auto".to_owned(),
        })
    }

    /// Whether the player fills its container's width: `fluid`, on unless set to false (the
    /// plugin's default; the player's own default is a fixed size).
    pub fn is_fluid(&self) -> bool {
        self.fluid != Some(false)
    }

    /// Checks the options.
    pub fn validate(&self) -> Result<(), WidgetError> {
        if self.public_id.trim().is_empty() {
            return Err(WidgetError::EmptyOption("publicId"));
        }
        if self.autoplay == Some(true) && self.muted == Some(false) {
            return Err(WidgetError::OutOfRange {
                option: "autoplay",
                rule: "needs muted: true (browsers block autoplay with sound)",
            });
        }
        Ok(())
    }

    /// The options object for `cloudinary.videoPlayer(id, options)`: the account's cloud
    /// settings (`cloudName`, `secure`, `privateCdn`, `secureDistribution`) plus the player's.
    pub fn to_json(&self, account: &CloudAccount) -> Result<Value, WidgetError> {
        account.validate()?;
        self.validate()?;
        let mut o = Map::new();
        o.set("cloudName", account.cloud_name.clone().into());
        o.set("secure", true.into());
        if account.private_cdn {
            o.set("privateCdn", true.into());
        }
        if let Some(host) = &account.secure_distribution {
            o.set("secureDistribution", host.clone().into());
        }
        o.set("publicId", self.public_id.clone().into());
        if let Some(t) = self.source_transformation() {
            let mut m = Map::new();
            m.set("raw_transformation", t.into());
            o.set("transformation", Value::Object(m));
        }
        for (k, v) in [
            ("controls", self.controls),
            ("autoplay", self.autoplay),
            ("muted", self.muted),
            ("loop", self.r#loop),
            ("fluid", self.fluid),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), v.into());
            }
        }
        if let Some(a) = self.cloudinary_analytics {
            o.set("cloudinaryAnalytics", a.into());
        }
        // The page's font: with its default ("Inter") the player loads Google Fonts through
        // webfontloader, which adds a <link> per player and `wf-*` classes on <html> that
        // `dispose()` leaves behind, and a request to fonts.googleapis.com that CSP-strict
        // hosts refuse (cloudinary-video-player 4.0.3, utils/fontFace.js: "inherit" loads none).
        o.set("fontFace", "inherit".into());
        Ok(Value::Object(o))
    }

    /// The embed-iframe URL: `cloud_name`, `public_id`, `player[...]` flags,
    /// `source[transformation][raw_transformation]`, `cloudinary[private_cdn]` /
    /// `cloudinary[secure_distribution]`, every value percent-encoded.
    ///
    /// ```
    /// use cloudinary_connector::core::widgets::{CloudAccount, VideoPlayerOptions};
    /// let url = VideoPlayerOptions::new("race_road_car").embed_url(&CloudAccount::new("a", "demo")).unwrap();
    /// assert_eq!(url, "https://player.cloudinary.com/embed/?cloud_name=demo&public_id=race_road_car\
    ///     &source%5Btransformation%5D%5Braw_transformation%5D=q_auto");
    /// ```
    pub fn embed_url(&self, account: &CloudAccount) -> Result<String, WidgetError> {
        account.validate()?;
        self.validate()?;
        let mut q: Vec<(String, String)> = vec![
            ("cloud_name".into(), account.cloud_name.clone()),
            ("public_id".into(), self.public_id.clone()),
        ];
        for (k, v) in [
            ("controls", self.controls),
            ("autoplay", self.autoplay),
            ("muted", self.muted),
            ("loop", self.r#loop),
            ("fluid", self.fluid),
        ] {
            if let Some(v) = v {
                q.push((format!("player[{k}]"), v.to_string()));
            }
        }
        if let Some(t) = self.source_transformation() {
            q.push(("source[transformation][raw_transformation]".into(), t));
        }
        if account.private_cdn {
            q.push(("cloudinary[private_cdn]".into(), "true".into()));
        }
        if let Some(host) = &account.secure_distribution {
            q.push(("cloudinary[secure_distribution]".into(), host.clone()));
        }
        let query: Vec<String> = q
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        Ok(format!("{EMBED_BASE}?{}", query.join("&")))
    }

    /// Reads host options: `publicId` (or a stored reference under `reference`),
    /// `transformation` (string), `controls`, `autoplay`, `muted`, `loop`, `fluid`, `optimize`,
    /// `cloudinaryAnalytics`.
    pub fn from_json(v: &Value) -> Result<Self, WidgetError> {
        let o = v.as_object().ok_or(WidgetError::BadOptionShape {
            option: "options",
            expected: "an object",
        })?;
        let mut out = VideoPlayerOptions::default();
        for (k, val) in o {
            match k.as_str() {
                "publicId" => out.public_id = want_str("publicId", val)?,
                "reference" => {
                    let r = AssetReference::from_json(val).map_err(|_| {
                        WidgetError::BadOptionShape {
                            option: "reference",
                            expected:
                                "a stored reference {public_id, resource_type, delivery_type, ...}",
                        }
                    })?;
                    let from = VideoPlayerOptions::from_reference(&r)?;
                    out.public_id = from.public_id;
                    out.transformation = from.transformation;
                }
                "transformation" => out.transformation = Some(want_str("transformation", val)?),
                "controls" => out.controls = Some(want_bool("controls", val)?),
                "autoplay" => out.autoplay = Some(want_bool("autoplay", val)?),
                "muted" => out.muted = Some(want_bool("muted", val)?),
                "loop" => out.r#loop = Some(want_bool("loop", val)?),
                "fluid" => out.fluid = Some(want_bool("fluid", val)?),
                "optimize" => out.optimize = Some(want_bool("optimize", val)?),
                "cloudinaryAnalytics" => {
                    out.cloudinary_analytics = Some(want_bool("cloudinaryAnalytics", val)?)
                }
                _ => {
                    return Err(WidgetError::UnknownOption {
                        widget: "Video Player",
                        option: k.clone(),
                    })
                }
            }
        }
        out.validate()?;
        Ok(out)
    }
}

/// `encodeURIComponent`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn player_options_carry_the_cloud_settings() {
        let mut account = CloudAccount::new("main", "demo");
        account.private_cdn = true;
        let o = VideoPlayerOptions::from_json(&json!({"publicId": "clips/intro", "transformation": "e_blur:300", "autoplay": true, "muted": true})).unwrap();
        assert_eq!(
            o.to_json(&account).unwrap(),
            json!({"cloudName": "demo", "secure": true, "privateCdn": true, "publicId": "clips/intro",
                   "transformation": {"raw_transformation": "e_blur:300/q_auto"}, "autoplay": true, "muted": true,
                   "fontFace": "inherit"})
        );
        let off =
            VideoPlayerOptions::from_json(&json!({"publicId": "clips/intro", "optimize": false}))
                .unwrap();
        assert_eq!(
            off.to_json(&account).unwrap(),
            json!({"cloudName": "demo", "secure": true, "privateCdn": true, "publicId": "clips/intro", "fontFace": "inherit"})
        );
        let quiet =
            VideoPlayerOptions::from_json(&json!({"publicId": "c", "cloudinaryAnalytics": false}))
                .unwrap();
        assert_eq!(
            quiet.to_json(&account).unwrap()["cloudinaryAnalytics"],
            json!(false)
        );
        let chosen = VideoPlayerOptions::from_json(
            &json!({"publicId": "c", "transformation": "q_auto:eco"}),
        )
        .unwrap();
        assert_eq!(
            chosen.to_json(&account).unwrap()["transformation"],
            json!({"raw_transformation": "q_auto:eco"})
        );
    }

    #[test]
    fn embed_urls_are_encoded() {
        let mut account = CloudAccount::new("main", "demo");
        account.secure_distribution = Some("media.example.com".into());
        let mut o = VideoPlayerOptions::new("clips/my intro");
        o.controls = Some(true);
        o.transformation = Some("c_fill,w_400".into());
        assert_eq!(
            o.embed_url(&account).unwrap(),
            "https://player.cloudinary.com/embed/?cloud_name=demo&public_id=clips%2Fmy%20intro&player%5Bcontrols%5D=true\
             &source%5Btransformation%5D%5Braw_transformation%5D=c_fill%2Cw_400%2Fq_auto&cloudinary%5Bsecure_distribution%5D=media.example.com"
        );
    }

    #[test]
    fn bad_player_options_are_refused() {
        let e = |v: Value| VideoPlayerOptions::from_json(&v).unwrap_err().to_string();
        assert_eq!(e(json!({})), "option publicId is empty");
        assert_eq!(
            e(json!({"publicId": "a", "autoplay": true, "muted": false})),
            "option autoplay needs muted: true (browsers block autoplay with sound)"
        );
        assert_eq!(
            e(json!({"publicId": "a", "public_id": "b"})),
            "unknown Video Player option \"public_id\""
        );
        assert_eq!(
            e(
                json!({"reference": {"public_id": "a", "resource_type": "image", "delivery_type": "upload"}})
            ),
            "option publicId must be a video asset"
        );
    }
}
