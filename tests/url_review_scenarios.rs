//! Cloudinary's partner review scenarios for storage and delivery, and for transformations, as
//! the URL engine serves them. Runs natively and in headless browsers (same test bodies).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use cloudinary_connector::core::url::{
    breakpoints, url, Breakpoints, CropMode, DeliveryDefaults, DeliveryType, DeliveryUrl,
    NoSignatures, ResourceType, SignRequest, Step, Transformation, UrlError,
};
use cloudinary_connector::json;

mod url_common;
use url_common::{config, json, scenario};

/// A stand-in for the signing endpoint: answers a fixed signature of the requested length.
fn endpoint(r: &SignRequest) -> Result<String, String> {
    Ok(match r.length {
        32 => "L".repeat(32),
        _ => "S".repeat(8),
    })
}

scenario! {
    /// Storage and delivery: relevant media types are supported (image/video/raw).
    fn review_scenario_media_types_image_video_raw_are_delivered() {
        let u = |o: &str, id: &str| url(id, &json(o), &config(), &NoSignatures).unwrap();
        assert_eq!(u(r#"{"width":300,"crop":"scale"}"#, "photos/cat"), "https://res.cloudinary.com/demo/image/upload/c_scale,w_300/v1/photos/cat");
        assert_eq!(
            u(r#"{"resource_type":"video","start_offset":"2.5","end_offset":"35%","format":"mp4"}"#, "clip"),
            "https://res.cloudinary.com/demo/video/upload/eo_35p,so_2.5/clip.mp4"
        );
        assert_eq!(u(r#"{"resource_type":"raw"}"#, "docs/terms.pdf"), "https://res.cloudinary.com/demo/raw/upload/v1/docs/terms.pdf");
        // The plugin's own delivery adds f_auto,q_auto to images and video, never to raw files.
        let d = DeliveryDefaults { auto_format_quality: true, analytics: false };
        assert_eq!(d.url("clip", &json(r#"{"resource_type":"video"}"#), &config(), &NoSignatures).unwrap(), "https://res.cloudinary.com/demo/video/upload/f_auto,q_auto/clip");
        assert_eq!(d.url("a.pdf", &json(r#"{"resource_type":"raw"}"#), &config(), &NoSignatures).unwrap(), "https://res.cloudinary.com/demo/raw/upload/a.pdf");
    }
}

scenario! {
    /// Storage and delivery: restricted (private / authenticated) assets. Their URLs are signed
    /// with a signature the signing endpoint computes; the engine never sees the secret and
    /// refuses to build an unsigned URL that must be signed.
    fn review_scenario_private_and_authenticated_assets_are_signed_by_the_endpoint() {
        let o = json(r#"{"type":"authenticated","sign_url":true,"width":200,"crop":"fill"}"#);
        assert_eq!(
            url("secret/plan", &o, &config(), &endpoint).unwrap(),
            "https://res.cloudinary.com/demo/image/authenticated/s--SSSSSSSS--/c_fill,w_200/v1/secret/plan"
        );
        let o = json(r#"{"type":"private","sign_url":true,"long_url_signature":true,"format":"jpg"}"#);
        assert_eq!(
            url("original", &o, &config(), &endpoint).unwrap(),
            format!("https://res.cloudinary.com/demo/image/private/s--{}--/original.jpg", "L".repeat(32))
        );
        assert_eq!(url("original", &o, &config(), &NoSignatures).unwrap_err(), UrlError::SignatureRequired);
        let with_secret = json(r#"{"api_secret":"never"}"#);
        assert_eq!(url("x", &with_secret, &config(), &endpoint).unwrap_err(), UrlError::SecretNotAccepted);
        // The typed builder: same rules.
        let u = DeliveryUrl::new("demo", "doc")
            .resource_type(ResourceType::Image)
            .delivery_type(DeliveryType::Authenticated)
            .signed(true)
            .to_url(&endpoint)
            .unwrap();
        assert_eq!(u, "https://res.cloudinary.com/demo/image/authenticated/s--SSSSSSSS--/doc");
    }
}

scenario! {
    /// Storage and delivery: delivery methods (fetch / upload).
    fn review_scenario_delivery_methods_fetch_and_upload() {
        let fetch = json(r#"{"type":"fetch","format":"webp","width":500,"crop":"limit"}"#);
        assert_eq!(
            url("https://shop.example.com/img/shoe 1.jpg?v=2", &fetch, &config(), &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/image/fetch/c_limit,f_webp,w_500/https://shop.example.com/img/shoe%201.jpg%3Fv%3D2"
        );
        assert_eq!(url("shoe", &json!({}), &config(), &NoSignatures).unwrap(), "https://res.cloudinary.com/demo/image/upload/shoe");
        // A remote URL with no delivery type is already a URL: returned as it is.
        assert_eq!(url("https://example.com/a.png", &json!({}), &config(), &NoSignatures).unwrap(), "https://example.com/a.png");
    }
}

scenario! {
    /// Storage and delivery: breakpoints (srcset and sizes).
    fn review_scenario_breakpoints_give_srcset_and_sizes() {
        let widths = breakpoints(&Breakpoints::Range { min: 320, max: 1280, count: 4 }).unwrap();
        assert_eq!(widths, [320, 640, 960, 1280]);
        let d = DeliveryDefaults { auto_format_quality: true, analytics: false };
        let (srcset, sizes) = d.srcset("hero", &widths[..2], &json(r#"{"aspect_ratio":"16:9","crop":"fill"}"#), &config(), &NoSignatures).unwrap();
        assert_eq!(
            srcset,
            "https://res.cloudinary.com/demo/image/upload/ar_16:9,c_fill,f_auto,q_auto/c_scale,w_320/hero 320w, \
             https://res.cloudinary.com/demo/image/upload/ar_16:9,c_fill,f_auto,q_auto/c_scale,w_640/hero 640w"
        );
        assert_eq!(sizes, "(max-width: 320px) 320px, (max-width: 640px) 640px");
    }
}

scenario! {
    /// Transformations: applied as expected, multi-level (chained) transformations, and named
    /// transformations.
    fn review_scenario_transformations_multi_level_and_named() {
        let o = json(r#"{"transformation":[{"width":400,"height":300,"crop":"fill","gravity":"auto"},{"effect":"sepia"},"my_named"],"quality":"auto"}"#);
        assert_eq!(
            url("sample", &o, &config(), &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_400/e_sepia/t_my_named/q_auto/sample"
        );
        assert_eq!(
            url("sample", &json(r#"{"transformation":["thumb","grey"]}"#), &config(), &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/t_thumb.grey/sample"
        );
        let typed = Transformation::new()
            .then(Step::new().crop(CropMode::Fill).width(400).height(300))
            .then("t_my_named".parse().unwrap());
        assert_eq!(typed.to_string(), "c_fill,h_300,w_400/t_my_named");
        assert_eq!("t_".parse::<Transformation>().unwrap_err().to_string(), "empty named transformation");
    }
}
