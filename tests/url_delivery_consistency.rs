//! One asset, one URL: the plugin's delivery defaults (`f_auto,q_auto`) are decided in one place
//! whichever way an asset is delivered (inserted from the Media Library, `deliveryUrl`, `srcset`),
//! a format or quality the user chose anywhere wins, and no URL ever holds a bare space (the
//! Node SDK's `%20` rule). Runs natively and in headless browsers (same test bodies).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use cloudinary_connector::core::url::{
    defaults::sets_format_and_quality, prepare, url, DeliveryDefaults, NoSignatures, Prepared,
    UrlTemplate,
};
use cloudinary_connector::core::widgets::{AssetReference, DeliveryTarget};
use cloudinary_connector::json;

mod url_common;
use url_common::{config, json, scenario};

#[track_caller]
fn plain(id: &str, options: &str) -> String {
    url(id, &json(options), &config(), &NoSignatures).unwrap()
}

/// The plugin's own delivery without the `_a` token (which inserted assets do not carry).
#[track_caller]
fn delivered(id: &str, options: &str) -> String {
    let d = DeliveryDefaults {
        auto_format_quality: true,
        analytics: false,
    };
    d.url(id, &json(options), &config(), &NoSignatures).unwrap()
}

#[track_caller]
fn inserted(transformation: Option<&str>) -> String {
    let r = AssetReference {
        public_id: "shop/shoe".into(),
        version: Some(17),
        resource_type: "image".into(),
        delivery_type: "upload".into(),
        format: Some("jpg".into()),
        transformation: transformation.map(str::to_owned),
    };
    r.delivery_url(&DeliveryTarget::new("demo")).unwrap()
}

/// The options `deliveryUrl` would be given for the same stored asset.
fn same_asset_options(transformation: &str) -> String {
    format!(
        r#"{{"transformation":[{{"raw_transformation":"{transformation}"}}],"version":17,"format":"jpg"}}"#
    )
}

scenario! {
    fn an_inserted_asset_and_delivery_url_give_the_same_url() {
        for t in ["", "c_fill,h_200,w_200", "q_80", "f_png", "q_80,f_webp", "c_fill,w_300/e_sepia", "t_thumb"] {
            let tx = (!t.is_empty()).then_some(t);
            assert_eq!(inserted(tx), delivered("shop/shoe", &same_asset_options(t)), "stored transformation {t:?}");
        }
        assert_eq!(inserted(None), "https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/v17/shop/shoe.jpg");
        assert_eq!(
            inserted(Some("c_fill,h_200,w_200")),
            "https://res.cloudinary.com/demo/image/upload/c_fill,h_200,w_200/f_auto,q_auto/v17/shop/shoe.jpg"
        );
    }
}

scenario! {
    fn a_format_or_quality_the_user_chose_is_never_overridden() {
        // Stored with the asset: only the missing half is added.
        assert_eq!(inserted(Some("q_80")), "https://res.cloudinary.com/demo/image/upload/q_80/f_auto/v17/shop/shoe.jpg");
        assert_eq!(inserted(Some("f_png")), "https://res.cloudinary.com/demo/image/upload/f_png/q_auto/v17/shop/shoe.jpg");
        assert_eq!(inserted(Some("f_webp,q_50")), "https://res.cloudinary.com/demo/image/upload/f_webp,q_50/v17/shop/shoe.jpg");
        // In a chained step of the options, not only at their top level.
        assert_eq!(
            delivered("sample", r#"{"transformation":[{"quality":50,"fetch_format":"webp"}],"width":300}"#),
            "https://res.cloudinary.com/demo/image/upload/f_webp,q_50/w_300/sample"
        );
        assert_eq!(
            delivered("sample", r#"{"raw_transformation":"q_auto:eco"}"#),
            "https://res.cloudinary.com/demo/image/upload/f_auto,q_auto:eco/sample"
        );
        // `format` with `use_fetch_format` (and on fetch URLs) is the format: url() and the
        // plugin agree on it, the plugin only adds the quality.
        assert_eq!(plain("sample", r#"{"use_fetch_format":true,"format":"png"}"#), "https://res.cloudinary.com/demo/image/upload/f_png/sample");
        assert_eq!(
            delivered("sample", r#"{"use_fetch_format":true,"format":"png"}"#),
            "https://res.cloudinary.com/demo/image/upload/f_png,q_auto/sample"
        );
        assert_eq!(
            delivered("https://example.com/a.jpg", r#"{"type":"fetch","format":"png"}"#),
            "https://res.cloudinary.com/demo/image/fetch/f_png,q_auto/https://example.com/a.jpg"
        );
        // Nothing chosen: both are added, in the options' own step.
        assert_eq!(delivered("sample", r#"{"width":300,"crop":"fill"}"#), "https://res.cloudinary.com/demo/image/upload/c_fill,f_auto,q_auto,w_300/sample");
    }
}

scenario! {
    fn qualifiers_are_recognised_only_at_the_start_of_a_component() {
        assert_eq!(sets_format_and_quality("c_fill,f_auto/q_80"), (true, true));
        assert_eq!(sets_format_and_quality("fl_lossy,fn_wasm:blur.wasm"), (false, false));
        assert_eq!(sets_format_and_quality("l_text:Arial_20:f_b"), (false, false));
        assert_eq!(sets_format_and_quality("t_thumb"), (false, false));
        assert_eq!(sets_format_and_quality(""), (false, false));
        // What a condition sets applies only when it holds: q_auto is still added.
        assert_eq!(sets_format_and_quality("if_w_gt_100,q_80,if_end"), (false, false));
        assert_eq!(sets_format_and_quality("if_w_gt_100/q_80/if_else/f_png/if_end/q_50"), (false, true));
        assert_eq!(sets_format_and_quality("if_w_gt_300,c_scale,q_60,w_300/q_50"), (false, true));
        assert_eq!(sets_format_and_quality("if_w_gt_300,c_scale,f_png/if_end"), (false, false));
        assert_eq!(
            inserted(Some("if_w_gt_100,q_80,if_end")),
            "https://res.cloudinary.com/demo/image/upload/if_w_gt_100,q_80,if_end/f_auto,q_auto/v17/shop/shoe.jpg"
        );
    }
}

scenario! {
    fn spaces_never_reach_a_url() {
        let o = r#"{"overlay":{"text":"Hi there","font_family":"Open Sans","font_size":20}}"#;
        // The Node SDK's output (`….join('/').replace(/ /g, '%20')`).
        assert_eq!(plain("sample", o), "https://res.cloudinary.com/demo/image/upload/l_text:Open%20Sans_20:Hi%20there/sample");
        assert_eq!(plain("sample", r#"{"overlay":"text:Arial_60:Hello World"}"#), "https://res.cloudinary.com/demo/image/upload/l_text:Arial_60:Hello%20World/sample");
        assert_eq!(plain("sample", r#"{"default_image":"my placeholder.png"}"#), "https://res.cloudinary.com/demo/image/upload/d_my%20placeholder.png/sample");
        assert_eq!(plain("sample", r#"{"flags":"attachment:my file"}"#), "https://res.cloudinary.com/demo/image/upload/fl_attachment:my%20file/sample");
        assert_eq!(plain("sample", r#"{"url_suffix":"red shoes"}"#), "https://res.cloudinary.com/demo/images/sample/red%20shoes");
        // A template's fast path gives the same URL as the general one.
        let t = UrlTemplate::new(&json(o), &config()).unwrap();
        for id in ["sample", "folder/sample", "a b"] {
            assert_eq!(t.url(id, &NoSignatures).unwrap(), plain(id, o), "{id}");
        }
        // Also for ids that decode to a URL (no `v1` then, whichever path builds it).
        let t = UrlTemplate::new(&json("{}"), &config()).unwrap();
        for id in ["%68ttp://x.com/a.jpg", "http%3A//x.com/a", "https%3A%2F%2Fx.com%2Fa"] {
            assert_eq!(t.url(id, &NoSignatures).unwrap(), plain(id, "{}"), "{id}");
            assert!(!plain(id, "{}").contains("/v1/"), "{id}");
        }
        // Every srcset item is one URL and one width, whatever whitespace the options or a
        // remote URL returned as given hold.
        let d = DeliveryDefaults { auto_format_quality: true, analytics: true };
        for (id, o) in [
            ("sample", o),
            ("sample", r#"{"raw_transformation":"e_sepia\t,w_10","format":"jp\ng"}"#),
            ("https://x.com/a b.jpg", "{}"),
        ] {
            let (set, _) = d.srcset(id, &[200, 400], &json(o), &config(), &NoSignatures).unwrap();
            for item in set.split(", ") {
                assert_eq!(item.split(|c: char| c.is_ascii_whitespace()).count(), 2, "{item}");
            }
        }
        assert_eq!(
            plain("sample", r#"{"raw_transformation":"e_sepia\t,w_10"}"#),
            "https://res.cloudinary.com/demo/image/upload/e_sepia%09,w_10/sample"
        );
    }
}

scenario! {
    fn what_is_signed_keeps_the_space_as_the_sdks_sign_it() {
        let o = json(r#"{"overlay":{"text":"Hi there","font_family":"Open Sans","font_size":20},"sign_url":true}"#);
        let Prepared::Url(p) = prepare("sample", &o, &config()).unwrap() else { panic!("a URL to sign") };
        assert_eq!(p.sign_request().unwrap().to_sign, "l_text:Open Sans_20:Hi%20there/sample");
        // The Node SDK 2.11 (secret "b", cloud test123) signs and prints it so:
        // `…/upload/s--XLVmjbLA--/l_text:Open%20Sans_20:Hi%20there/sample`.
        assert_eq!(
            p.finish(Some("XLVmjbLA")).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/s--XLVmjbLA--/l_text:Open%20Sans_20:Hi%20there/sample"
        );
    }
}

scenario! {
    fn a_url_suffix_cannot_end_the_path() {
        for s in ["a?b", "a#b", "red shoes?x=1#f"] {
            let e = url("sample", &json!({"url_suffix": s}), &config(), &NoSignatures).unwrap_err();
            assert_eq!(e.to_string(), "url_suffix should not include ? or # (they would end the URL's path)", "{s}");
        }
        let e = url("sample", &json(r#"{"url_suffix":"a.b"}"#), &config(), &NoSignatures).unwrap_err();
        assert_eq!(e.to_string(), "url_suffix should not include . or /");
    }
}
