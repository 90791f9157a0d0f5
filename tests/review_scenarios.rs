//! Partner review scenarios that live in the pure core: "Relevant assets are stored and delivered
//! from Cloudinary", "Supported sync options", transformations "Applied as expected", and the
//! integration-specific limits a reviewer checks ("a maximum of N assets", "max queue sizes").
//! The other scenarios are named in the widget, URL, upload, account and end-to-end tests
//! (`grep -r review_scenario tests`).
//!
//! The same tests run natively (`cargo test`) and in headless browsers (`wasm-pack test`).

use cloudinary_connector::core::upload::{ChunkPlan, Scheduler, MAX_CONCURRENCY, MIN_CHUNK_SIZE};
use cloudinary_connector::core::widgets::{
    Asset, AssetReference, DeliveryTarget, MediaLibraryOptions, SyncMode,
};
use cloudinary_connector::json;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// What the Media Library widget hands to `insertHandler` for one image the user cropped in the
/// widget, and one untouched video (shape: reference §2.4).
fn insert_event() -> cloudinary_connector::core::json::Value {
    json!({
        "mlId": "ml_0",
        "assets": [
            {
                "public_id": "shop/shoes/red", "resource_type": "image", "type": "upload",
                "format": "jpg", "version": 1712345678, "width": 1200, "height": 800,
                "bytes": 123456,
                "secure_url": "https://res.cloudinary.com/demo/image/upload/v1712345678/shop/shoes/red.jpg",
                "url": "http://res.cloudinary.com/demo/image/upload/v1712345678/shop/shoes/red.jpg",
                "derived": [{
                    "raw_transformation": "c_fill,g_auto,h_300,w_300",
                    "secure_url": "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/v1712345678/shop/shoes/red.jpg",
                    "url": "http://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/v1712345678/shop/shoes/red.jpg"
                }]
            },
            {
                "public_id": "clips/intro", "resource_type": "video", "type": "upload",
                "format": "mp4", "version": 1700000000, "width": 1920, "height": 1080,
                "duration": 12.5,
                "secure_url": "https://res.cloudinary.com/demo/video/upload/v1700000000/clips/intro.mp4"
            }
        ]
    })
}

fn assets() -> Vec<Asset> {
    Asset::from_media_library_insert(&insert_event()).expect("a valid insert event")
}

#[test]
fn review_scenario_relevant_assets_are_stored_and_delivered_from_cloudinary() {
    let assets = assets();
    assert_eq!(assets.len(), 2);

    // What the host stores points at the Cloudinary asset, not at a copy.
    let image = assets[0].reference();
    assert_eq!(
        image,
        AssetReference {
            public_id: "shop/shoes/red".into(),
            version: Some(1712345678),
            resource_type: "image".into(),
            delivery_type: "upload".into(),
            format: Some("jpg".into()),
            transformation: Some("c_fill,g_auto,h_300,w_300".into()),
        }
    );
    // ...and what the page shows is delivered by Cloudinary's CDN for the account's cloud.
    let target = DeliveryTarget::new("demo");
    assert_eq!(
        image.delivery_url(&target).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/f_auto,q_auto/v1712345678/shop/shoes/red.jpg"
    );
    assert_eq!(
        assets[1].reference().delivery_url(&target).unwrap(),
        "https://res.cloudinary.com/demo/video/upload/f_auto,q_auto/v1700000000/clips/intro.mp4"
    );
    // The widget's own URL is kept as delivered: the derived one where the user transformed.
    assert_eq!(
        assets[0].url,
        "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/v1712345678/shop/shoes/red.jpg"
    );
    assert_eq!(
        assets[0].original_url,
        "https://res.cloudinary.com/demo/image/upload/v1712345678/shop/shoes/red.jpg"
    );
}

#[test]
fn review_scenario_supported_sync_options() {
    let image = &assets()[0];

    // "reference" (the default): only the reference is stored; URLs are rebuilt on render.
    assert_eq!(SyncMode::default(), SyncMode::Reference);
    let stored = image.to_stored(SyncMode::parse("reference").unwrap());
    assert_eq!(stored.fixed_url, None);

    // An overwrite on Cloudinary (new version) reaches the page through the rebuilt URL.
    let mut overwritten = stored.reference.clone();
    overwritten.version = Some(1800000000);
    assert_eq!(
        overwritten.delivery_url(&DeliveryTarget::new("demo")).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/f_auto,q_auto/v1800000000/shop/shoes/red.jpg"
    );
    // So does a move to a CNAME / private CDN in the account's delivery settings.
    let cname = DeliveryTarget {
        secure_distribution: Some("media.example.com".into()),
        ..DeliveryTarget::new("demo")
    };
    assert!(stored
        .reference
        .delivery_url(&cname)
        .unwrap()
        .starts_with("https://media.example.com/demo/image/upload/"));

    // "fixed_url": the URL delivered at insert time is kept as well, and never changes.
    let fixed = image.to_stored(SyncMode::parse("fixed_url").unwrap());
    assert_eq!(fixed.fixed_url.as_deref(), Some(image.url.as_str()));
    assert_eq!(fixed.reference, stored.reference);

    // The stored form round-trips through JSON (what a host writes to its database: the JSON the
    // plugin hands it, `core::json`; serde derives are the signer's feature).
    let text = cloudinary_connector::core::json::ToJson::to_json(&fixed).to_string();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["reference"]["public_id"],
        "shop/shoes/red"
    );

    assert_eq!(
        SyncMode::parse("copy").unwrap_err().to_string(),
        "option sync must be \"reference\" or \"fixed_url\""
    );
}

#[test]
fn review_scenario_transformations_applied_as_expected() {
    let image = assets()[0].reference();
    // The user's transformation first, the optimisation default chained after it.
    let optimised = image.delivery_url(&DeliveryTarget::new("demo")).unwrap();
    assert!(
        optimised.contains("/c_fill,g_auto,h_300,w_300/f_auto,q_auto/"),
        "{optimised}"
    );

    // A transformation that already chooses format and quality gets no second default.
    let explicit = AssetReference {
        transformation: Some("c_scale,w_500/f_webp,q_80".into()),
        ..image.clone()
    };
    assert_eq!(
        explicit.delivery_url(&DeliveryTarget::new("demo")).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_scale,w_500/f_webp,q_80/v1712345678/shop/shoes/red.jpg"
    );

    // A DAM-only account (no optimised delivery) or a host that switched the default off.
    let plain = DeliveryTarget {
        optimize: false,
        ..DeliveryTarget::new("demo")
    };
    assert_eq!(
        image.delivery_url(&plain).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_300/v1712345678/shop/shoes/red.jpg"
    );

    // Raw files are delivered untransformed.
    let raw = AssetReference {
        public_id: "docs/manual.pdf".into(),
        resource_type: "raw".into(),
        format: None,
        transformation: None,
        ..image
    };
    assert_eq!(
        raw.delivery_url(&DeliveryTarget::new("demo")).unwrap(),
        "https://res.cloudinary.com/demo/raw/upload/v1712345678/docs/manual.pdf"
    );
}

#[test]
fn review_scenario_integration_specific_limits() {
    // Media Library: at most 1000 assets per insert, more than one only with `multiple`.
    let ml = |v: cloudinary_connector::core::json::Value| {
        MediaLibraryOptions::from_json(&v)
            .and_then(|o| o.validate().map(|()| o))
            .map_err(|e| e.to_string())
    };
    assert!(ml(json!({"multiple": true, "max_files": 1000})).is_ok());
    assert_eq!(
        ml(json!({"multiple": true, "max_files": 1001})).unwrap_err(),
        "option max_files must be between 1 and 1000"
    );
    assert_eq!(
        ml(json!({"max_files": 5})).unwrap_err(),
        "option max_files above 1 needs multiple: true"
    );

    // Chunked uploads: parts of 5 MiB to 100 MB, at most 8 middle parts in flight (the queue),
    // and a 1.1 GB file in 55 parts of 20 MB.
    let plan = ChunkPlan::new(1_100_000_000, 20_000_000, None).unwrap();
    assert_eq!(plan.count(), 55);
    assert_eq!(
        ChunkPlan::new(1_100_000_000, MIN_CHUNK_SIZE - 1, None).unwrap_err().to_string(),
        "chunk size 5242879 bytes is out of range: Cloudinary accepts 5242880 to 100000000 bytes per part"
    );
    assert!(Scheduler::new(plan, MAX_CONCURRENCY).is_ok());
    assert_eq!(
        Scheduler::new(plan, MAX_CONCURRENCY + 1)
            .unwrap_err()
            .to_string(),
        "9 parts in flight is out of range: choose 1 to 8"
    );
    assert_eq!(
        ChunkPlan::new(0, 20_000_000, None).unwrap_err().to_string(),
        "the file is empty (0 bytes): there is nothing to upload"
    );
}
