//! Browser tests of the widgets against the test doubles (tests/doubles/, served by
//! scripts/serve-doubles.mjs), named after Cloudinary's partner review scenarios.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

mod support;

use std::rc::Rc;

use cloudinary_connector::core::widgets::{
    DeliveryTarget, GalleryOptions, MediaLibraryOptions, SyncMode, UploadWidgetOptions,
    VideoPlayerOptions,
};
use cloudinary_connector::core::VERSION;
use cloudinary_connector::host::widgets::media_library::Placement;
use cloudinary_connector::host::widgets::{
    MediaLibrary, MediaLibraryHandlers, ProductGallery, UploadWidget, VideoEmbed, VideoPlayer,
};
use serde_json::json;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A `serde_json` value as the plugin's own JSON value (`core::json`), for its option readers.
fn ours(v: serde_json::Value) -> cloudinary_connector::core::json::Value {
    cloudinary_connector::core::json::from_str(&v.to_string()).unwrap()
}

fn integration() -> serde_json::Value {
    json!({"type": "cloudinary_connector", "platform": "Reference Host 2.1.0", "version": VERSION, "environment": "dev"})
}

fn no_handlers() -> MediaLibraryHandlers {
    MediaLibraryHandlers {
        on_insert: Rc::new(|_| {}),
        on_show: None,
        on_hide: None,
    }
}

#[wasm_bindgen_test]
async fn review_scenario_media_library_widget_gets_exact_options_with_integration_object() {
    reset();
    let ml = MediaLibrary::mount(
        &host(),
        &account("main", "demo"),
        MediaLibraryOptions::default(),
        Placement::Modal,
        no_handlers(),
    )
    .await
    .unwrap();
    let created = calls("media_library", "createMediaLibrary");
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0]["options"],
        json!({"cloud_name": "demo", "api_key": "123456789012345", "integration": integration(),
               "multiple": false, "default_transformations": [[{"fetch_format": "auto"}, {"quality": "auto"}]]})
    );
    assert_eq!(
        created[0]["callbacks"],
        json!(["hideHandler", "insertHandler", "showHandler"])
    );
    drop(ml);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_media_library_widget_insert_reaches_the_host_normalised() {
    reset();
    let parent = Parent::new();
    let (inserted, on_insert) = collector();
    let (shown, on_show) = collector::<()>();
    let (hidden, on_hide) = collector::<()>();
    let options = MediaLibraryOptions::from_json(&ours(
        json!({"multiple": true, "max_files": 10, "insert_caption": "Insert",
        "remove_header": true, "folder": {"path": "shop/shoes"}}),
    ))
    .unwrap();
    let handlers = MediaLibraryHandlers {
        on_insert: Rc::new(move |r| on_insert(r)),
        on_show: Some(Rc::new(move || on_show(()))),
        on_hide: Some(Rc::new(move || on_hide(()))),
    };
    let ml = MediaLibrary::mount(
        &host(),
        &account("main", "demo"),
        options,
        Placement::Inline(parent.0.clone()),
        handlers,
    )
    .await
    .unwrap();
    let opts = &calls("media_library", "createMediaLibrary")[0]["options"];
    let container = parent
        .0
        .query_selector("[data-cld-connector=media-library]")
        .unwrap()
        .unwrap();
    assert_eq!(opts["inline_container"], format!("#{}", container.id()));
    assert_eq!(
        (opts["multiple"].clone(), opts["max_files"].clone()),
        (json!(true), json!(10))
    );
    assert_eq!(opts["folder"], json!({"path": "shop/shoes"}));
    assert_eq!(
        (
            opts["insert_caption"].clone(),
            opts["remove_header"].clone()
        ),
        (json!("Insert"), json!(true))
    );
    ml.show().unwrap();
    // The widget renders into the inline container (on show: when exactly is unconfirmed).
    assert_eq!(
        container
            .query_selector_all("[data-cld-double=media-library]")
            .unwrap()
            .length(),
        1
    );
    // The widget answers from its iframe: in a later task.
    assert_eq!(shown.borrow().len(), 0);
    tick(0).await;
    assert_eq!(shown.borrow().len(), 1);
    ml.show_folder("shop/boots").unwrap();
    assert_eq!(
        calls("media_library", "show")[1]["options"],
        json!({"folder": {"path": "shop/boots"}})
    );
    assert_eq!(
        ml.show_folder("../x").unwrap_err().to_string(),
        "the folder \"../x\" is not valid: it has a '.' or '..' segment"
    );
    let base = "https://res.cloudinary.com/demo/image/upload";
    simulate(
        "simulateMediaLibraryInsert",
        &[js(&json!({"mlId": "ml_1", "assets": [
            {"public_id": "shop/shoe", "resource_type": "image", "type": "upload", "format": "jpg", "version": 17,
             "width": 800, "height": 600, "secure_url": format!("{base}/v17/shop/shoe.jpg"),
             "derived": [{"raw_transformation": "c_fill,h_300,w_300", "secure_url": format!("{base}/c_fill,h_300,w_300/v17/shop/shoe.jpg")}]},
            {"public_id": "docs/manual.pdf", "resource_type": "raw", "type": "authenticated", "version": 2,
             "secure_url": "https://res.cloudinary.com/demo/raw/authenticated/v2/docs/manual.pdf"}
        ]}))],
    )
    .await;
    simulate(
        "simulateMediaLibraryInsert",
        &[js(&json!({"mlId": "ml_1"}))],
    )
    .await;
    ml.hide().unwrap();
    tick(0).await;
    assert_eq!(hidden.borrow().len(), 1);

    let got = inserted.borrow();
    assert_eq!(got.len(), 2);
    let assets = got[0].as_ref().unwrap();
    assert_eq!(
        assets[0].url,
        format!("{base}/c_fill,h_300,w_300/v17/shop/shoe.jpg")
    );
    assert_eq!(assets[0].original_url, format!("{base}/v17/shop/shoe.jpg"));
    assert_eq!(
        (
            assets[0].width,
            assets[0].height,
            assets[0].format.as_deref()
        ),
        (Some(800), Some(600), Some("jpg"))
    );
    assert_eq!(
        assets[1].url,
        "https://res.cloudinary.com/demo/raw/authenticated/v2/docs/manual.pdf"
    );
    assert_eq!(
        (
            assets[1].resource_type.as_str(),
            assets[1].delivery_type.as_str()
        ),
        ("raw", "authenticated")
    );
    // Supported sync options: the stored reference rebuilds the widget's URL.
    let stored = assets[0].to_stored(SyncMode::Reference);
    let target = DeliveryTarget {
        optimize: false,
        ..DeliveryTarget::new("demo")
    };
    assert_eq!(
        stored.reference.delivery_url(&target).unwrap(),
        assets[0].url
    );
    assert_eq!(
        got[1].as_ref().unwrap_err().to_string(),
        "the widget's answer is malformed: the insert data has no \"assets\" array"
    );
    drop(got);
    drop(ml);
    drop(parent);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_media_library_widget_remounts_on_account_switch() {
    reset();
    let parent = Parent::new();
    let mut ml = MediaLibrary::mount(
        &host(),
        &account("main", "demo"),
        MediaLibraryOptions::default(),
        Placement::Inline(parent.0.clone()),
        no_handlers(),
    )
    .await
    .unwrap();
    ml.remount(&account("brand", "brand-cloud")).await.unwrap();
    let created = calls("media_library", "createMediaLibrary");
    assert_eq!(created.len(), 2);
    assert_eq!(created[1]["options"]["cloud_name"], "brand-cloud");
    assert_eq!(created[1]["options"]["integration"], integration());
    assert_eq!(
        calls("media_library", "hide").len(),
        1,
        "the old widget is unmounted first"
    );
    assert_eq!(count("[data-cld-connector=media-library]"), 1);
    ml.show().unwrap();
    assert_eq!(count("[data-cld-double=media-library]"), 1);
    assert_eq!(ml.account().cloud_name, "brand-cloud");
    // A failed remount leaves the handle unmounted and says so.
    let err = ml.remount(&account("x", "bad cloud")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the cloud name \"bad cloud\" is not valid: use ASCII letters, digits, '_' and '-' only"
    );
    assert!(!ml.is_mounted());
    assert_eq!(
        ml.show().unwrap_err().to_string(),
        "the widget is not mounted (its last remount failed)"
    );
    drop(ml);
    drop(parent);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_media_library_widget_leaves_no_residue_after_unmount() {
    reset();
    let ml = MediaLibrary::mount(
        &host(),
        &account("main", "demo"),
        MediaLibraryOptions::default(),
        Placement::Modal,
        no_handlers(),
    )
    .await
    .unwrap();
    ml.show().unwrap();
    assert_eq!(count("[data-cld-double=media-library] iframe"), 1);
    assert_eq!(count("script[data-cld-connector]"), 1);
    assert!(cloudinary_defined());
    drop(ml);
    // The widget's hide() only hid its modal: the handle removed it.
    assert_eq!(calls("media_library", "hide").len(), 1);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn media_library_callbacks_arriving_after_unmount_reach_nothing_and_throw_nothing() {
    reset();
    let (hidden, on_hide) = collector::<()>();
    let handlers = MediaLibraryHandlers {
        on_insert: Rc::new(|_| {}),
        on_show: None,
        on_hide: Some(Rc::new(move || on_hide(()))),
    };
    let ml = MediaLibrary::mount(
        &host(),
        &account("main", "demo"),
        MediaLibraryOptions::default(),
        Placement::Modal,
        handlers,
    )
    .await
    .unwrap();
    ml.show().unwrap();
    tick(0).await;
    assert_eq!(
        cloudinary_connector::host::widgets::callbacks::registered_count(),
        3
    );
    // Unmount calls hide(); the widget's hideHandler arrives a task later, after the unmount.
    drop(ml);
    assert_eq!(
        cloudinary_connector::host::widgets::callbacks::registered_count(),
        0
    );
    tick(0).await;
    assert_eq!(
        hidden.borrow().len(),
        0,
        "the host hears nothing after unmount"
    );
    assert_eq!(
        double_errors(),
        json!([]),
        "the widget's late call did not throw"
    );
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_upload_widget_exact_options_and_events_reach_the_host() {
    reset();
    let parent = Parent::new();
    let (events, on_event) = collector();
    let options = UploadWidgetOptions::from_json(&ours(json!({
        "signed": false, "uploadPreset": "public_drop", "sources": ["local", "url"], "folder": "shop/uploads",
        "tags": ["shop"], "clientAllowedFormats": ["jpg", "png"], "maxFileSize": 10_000_000u64,
        "maxChunkSize": 6_000_000u64, "multiple": false
    })))
    .unwrap();
    let w = UploadWidget::mount(
        &host(),
        &account("main", "demo"),
        options,
        Placement::Inline(parent.0.clone()),
        on_event,
    )
    .await
    .unwrap();
    let created = calls("upload", "createUploadWidget");
    let container = parent
        .0
        .query_selector("[data-cld-connector=upload-widget]")
        .unwrap()
        .unwrap();
    assert_eq!(
        created[0]["options"],
        json!({"cloudName": "demo", "uploadPreset": "public_drop", "sources": ["local", "url"], "folder": "shop/uploads",
               "tags": ["shop"], "clientAllowedFormats": ["jpg", "png"], "maxFileSize": 10_000_000u64,
               "maxChunkSize": 6_000_000u64, "multiple": false, "inlineContainer": format!("#{}", container.id()),
               "integration": integration()})
    );
    assert_eq!(created[0]["callback"], "function");
    w.open().unwrap();
    simulate(
        "simulateUpload",
        &[js(&json!({"public_id": "shop/uploads/new", "resource_type": "image", "type": "upload", "version": 5,
                     "format": "png", "width": 4, "height": 3, "bytes": 99, "original_filename": "new",
                     "secure_url": "https://res.cloudinary.com/demo/image/upload/v5/shop/uploads/new.png"}))],
    )
    .await;
    simulate(
        "simulateUploadError",
        &[js(
            &json!({"status": "File is too large", "statusText": "File is too large"}),
        )],
    )
    .await;
    w.close().unwrap();
    tick(0).await;
    let got = events.borrow();
    let names: Vec<&str> = got
        .iter()
        .map(|e: &cloudinary_connector::core::widgets::UploadEvent| e.event.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "display-changed",
            "queues-start",
            "upload-added",
            "success",
            "queues-end",
            "error",
            "close"
        ]
    );
    let asset = got[3].asset.as_ref().unwrap();
    assert_eq!(
        (asset.public_id.as_str(), asset.version, asset.bytes),
        ("shop/uploads/new", 5, Some(99))
    );
    assert_eq!(got[5].error.as_deref(), Some("File is too large"));
    drop(got);
    drop(w);
    assert_eq!(calls("upload", "destroy").len(), 1);
    drop(parent);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_upload_presets_unsigned_preset_needs_account_configuration() {
    reset();
    let options = UploadWidgetOptions::from_json(&ours(
        json!({"signed": false, "uploadPreset": "not_configured"}),
    ))
    .unwrap();
    let err = UploadWidget::mount(
        &host(),
        &account("main", "demo"),
        options,
        Placement::Modal,
        Rc::new(|_| {}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the account \"main\" is not configured for the unsigned upload preset \"not_configured\""
    );
    assert_eq!(calls("upload", "createUploadWidget").len(), 0);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_upload_presets_signed_preset_needs_a_signer() {
    reset();
    let options =
        UploadWidgetOptions::from_json(&ours(json!({"uploadPreset": "signed_products"}))).unwrap();
    let err = UploadWidget::mount(
        &host(),
        &account("main", "demo"),
        options,
        Placement::Modal,
        Rc::new(|_| {}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a signed Upload widget needs a signer, and none is configured"
    );
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_upload_widget_remounts_on_account_switch_without_residue() {
    reset();
    let options = UploadWidgetOptions::from_json(&ours(
        json!({"signed": false, "uploadPreset": "public_drop"}),
    ))
    .unwrap();
    let mut w = UploadWidget::mount(
        &host(),
        &account("main", "demo"),
        options,
        Placement::Modal,
        Rc::new(|_| {}),
    )
    .await
    .unwrap();
    assert_eq!(count("iframe[data-cld-double=upload-widget]"), 1);
    w.remount(&account("brand", "brand-cloud")).await.unwrap();
    let created = calls("upload", "createUploadWidget");
    assert_eq!(created[1]["options"]["cloudName"], "brand-cloud");
    assert_eq!(calls("upload", "destroy").len(), 1);
    assert_eq!(count("iframe[data-cld-double=upload-widget]"), 1);
    drop(w);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn upload_widget_events_during_and_after_destroy_reach_nothing_and_throw_nothing() {
    reset();
    let (events, on_event) = collector();
    let options = UploadWidgetOptions::from_json(&ours(
        json!({"signed": false, "uploadPreset": "public_drop"}),
    ))
    .unwrap();
    let w = UploadWidget::mount(
        &host(),
        &account("main", "demo"),
        options,
        Placement::Modal,
        on_event,
    )
    .await
    .unwrap();
    w.open().unwrap();
    tick(0).await;
    assert_eq!(events.borrow().len(), 1, "display-changed");
    // The widget reports an event while its destroy() settles, and another one after.
    let doubles =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"__cldDoubles".into()).unwrap();
    js_sys::Reflect::set(&doubles, &"lateEventOnDestroy".into(), &true.into()).unwrap();
    drop(w);
    assert_eq!(calls("upload", "destroy").len(), 1);
    assert_eq!(
        count("iframe[data-cld-double=upload-widget]"),
        0,
        "the handle removed the frame"
    );
    tick(0).await;
    simulate("simulateLateEvent", &[]).await;
    let got: Vec<String> = events.borrow().iter().map(|e| e.event.clone()).collect();
    assert_eq!(
        got,
        ["display-changed"],
        "nothing after unmount reaches the host"
    );
    assert_eq!(
        double_errors(),
        json!([]),
        "the widget's late calls did not throw"
    );
    assert_no_residue();
}

fn references() -> serde_json::Value {
    json!([
        {"public_id": "shop/shoe", "version": 17, "resource_type": "image", "delivery_type": "upload", "format": "jpg"},
        {"public_id": "shop/clip", "version": 3, "resource_type": "video", "delivery_type": "upload"}
    ])
}

#[wasm_bindgen_test]
async fn review_scenario_product_gallery_renders_from_references_and_is_destroyed_on_unmount() {
    reset();
    let parent = Parent::new();
    let options = GalleryOptions::from_json(&ours(
        json!({"mediaAssets": references(), "aspectRatio": "4:3", "carouselStyle": "thumbnails"}),
    ))
    .unwrap();
    let mut acc = account("main", "demo");
    acc.secure_distribution = Some("media.example.com".into());
    let mut g = ProductGallery::mount(&host(), &acc, options, &parent.0)
        .await
        .unwrap();
    let container = g.container().unwrap().clone();
    assert_eq!(
        calls("gallery", "galleryWidget")[0]["options"],
        json!({"cloudName": "demo", "container": format!("#{}", container.id()),
               "mediaAssets": [{"publicId": "shop/shoe", "mediaType": "image"}, {"publicId": "shop/clip", "mediaType": "video"}],
               "secureDistribution": "media.example.com", "aspectRatio": "4:3", "carouselStyle": "thumbnails"})
    );
    assert_eq!(calls("gallery", "render").len(), 1);
    // The gallery renders asynchronously.
    simulate("galleryRendered", &[]).await;
    assert_eq!(
        container
            .query_selector_all("[data-public-id]")
            .unwrap()
            .length(),
        2
    );
    g.remount(&account("brand", "brand-cloud")).await.unwrap();
    assert_eq!(calls("gallery", "destroy").len(), 1);
    assert_eq!(
        calls("gallery", "galleryWidget")[1]["options"]["cloudName"],
        "brand-cloud"
    );
    simulate("galleryRendered", &[]).await;
    assert_eq!(count("[data-cld-double=product-gallery]"), 1);
    drop(g);
    assert_eq!(calls("gallery", "destroy").len(), 2);
    drop(parent);
    assert_no_residue();
}

/// A widget factory (`window.cloudinary.galleryWidget` here; the four widgets share the call) that
/// throws or makes nothing is a mount error naming the call, and the failed mount leaves nothing:
/// its container is gone, the mounted gallery beside it is untouched.
#[wasm_bindgen_test]
async fn a_widget_factory_that_throws_or_makes_nothing_is_a_clear_mount_error() {
    reset();
    let parent = Parent::new();
    let acc = account("main", "demo");
    let options =
        || GalleryOptions::from_json(&ours(json!({"mediaAssets": references()}))).unwrap();
    // A first gallery keeps the script loaded while the factory is swapped.
    let g = ProductGallery::mount(&host(), &acc, options(), &parent.0)
        .await
        .unwrap();
    let cld = js_sys::Reflect::get(&web_sys::window().unwrap(), &"cloudinary".into()).unwrap();
    let original = js_sys::Reflect::get(&cld, &"galleryWidget".into()).unwrap();
    let swap =
        |f: &wasm_bindgen::JsValue| js_sys::Reflect::set(&cld, &"galleryWidget".into(), f).unwrap();
    for (factory, message) in [
        (
            js_sys::Function::new_with_args("o", "throw new Error('no such cloud')"),
            "cloudinary.galleryWidget failed: no such cloud",
        ),
        (
            js_sys::Function::new_no_args("return undefined"),
            "cloudinary.galleryWidget failed: it returned no gallery",
        ),
    ] {
        swap(&factory.into());
        let e = ProductGallery::mount(&host(), &acc, options(), &parent.0)
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), message);
        assert_eq!(
            parent.0.child_element_count(),
            1,
            "only the first gallery's node"
        );
    }
    swap(&original);
    assert!(g.container().is_some());
    drop(g);
    drop(parent);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_video_player_embed_iframe() {
    reset();
    let parent = Parent::new();
    let mut options = VideoPlayerOptions::new("clips/intro");
    options.controls = Some(true);
    let mut e = VideoEmbed::mount(&host(), &account("main", "demo"), options, &parent.0).unwrap();
    let iframe = parent
        .0
        .query_selector("iframe[data-cld-connector=video-embed]")
        .unwrap()
        .unwrap();
    assert_eq!(
        iframe.get_attribute("src").unwrap(),
        "https://player.cloudinary.com/embed/?cloud_name=demo&public_id=clips%2Fintro&player%5Bcontrols%5D=true\
         &source%5Btransformation%5D%5Braw_transformation%5D=q_auto"
    );
    assert_eq!(
        iframe.get_attribute("allow").unwrap(),
        "autoplay; fullscreen; encrypted-media; picture-in-picture"
    );
    e.remount(&account("brand", "brand-cloud")).unwrap();
    assert!(e.src().unwrap().contains("cloud_name=brand-cloud"));
    assert_eq!(count("iframe[data-cld-connector=video-embed]"), 1);
    drop(e);
    drop(parent);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_integration_disabled_enabled_disabled_loads_and_mounts_nothing() {
    reset();
    let parent = Parent::new();
    let mut h = host();
    h.enabled = false;
    let acc = account("main", "demo");
    let disabled = "the Cloudinary integration is disabled: nothing is loaded or mounted";
    let e = MediaLibrary::mount(
        &h,
        &acc,
        MediaLibraryOptions::default(),
        Placement::Modal,
        no_handlers(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), disabled);
    let up = UploadWidgetOptions::from_json(&ours(
        json!({"signed": false, "uploadPreset": "public_drop"}),
    ))
    .unwrap();
    let e = UploadWidget::mount(&h, &acc, up.clone(), Placement::Modal, Rc::new(|_| {}))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), disabled);
    let gallery = GalleryOptions::from_json(&ours(json!({"mediaAssets": references()}))).unwrap();
    let e = ProductGallery::mount(&h, &acc, gallery.clone(), &parent.0)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), disabled);
    let e = VideoPlayer::mount(&h, &acc, VideoPlayerOptions::new("clip"), &parent.0)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), disabled);
    let e = VideoEmbed::mount(&h, &acc, VideoPlayerOptions::new("clip"), &parent.0).unwrap_err();
    assert_eq!(e.to_string(), disabled);
    assert_eq!(
        support::recording(),
        json!({"calls": []}),
        "no widget was called"
    );
    let loads =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"__cldDoubleLoads".into()).unwrap();
    assert_eq!(from_js(&loads), json!({}), "no widget script ran");
    assert_eq!(parent.0.child_element_count(), 0);
    assert_no_residue();

    // Enabled again: the same calls mount.
    h.enabled = true;
    let ml = MediaLibrary::mount(
        &h,
        &acc,
        MediaLibraryOptions::default(),
        Placement::Modal,
        no_handlers(),
    )
    .await
    .unwrap();
    let uw = UploadWidget::mount(&h, &acc, up, Placement::Modal, Rc::new(|_| {}))
        .await
        .unwrap();
    let g = ProductGallery::mount(&h, &acc, gallery, &parent.0)
        .await
        .unwrap();
    assert_eq!(calls("media_library", "createMediaLibrary").len(), 1);
    assert_eq!(calls("upload", "createUploadWidget").len(), 1);
    assert_eq!(calls("gallery", "render").len(), 1);
    // Disabling = dropping the handles (what the lifecycle does): nothing is left.
    drop((ml, uw, g));
    drop(parent);
    assert_no_residue();
}

/// Calls `obj[method](...args)` as JavaScript would.
fn call(
    obj: &wasm_bindgen::JsValue,
    method: &str,
    args: &[wasm_bindgen::JsValue],
) -> wasm_bindgen::JsValue {
    use wasm_bindgen::JsCast;
    let f: js_sys::Function = js_sys::Reflect::get(obj, &method.into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let arr = js_sys::Array::new();
    for a in args {
        arr.push(a);
    }
    f.apply(obj, &arr).unwrap()
}

#[wasm_bindgen_test]
async fn review_scenario_media_library_widget_through_the_js_api_stores_references() {
    use cloudinary_connector::web::widgets::JsWidgets;
    use wasm_bindgen::prelude::*;
    reset();
    // The record's own JSON (`core::json`: the library's serde derives are the signer's feature).
    use cloudinary_connector::core::json::ToJson;
    let scripts: serde_json::Value =
        serde_json::from_str(&support::scripts().to_json().to_string()).unwrap();
    let widgets = JsWidgets::new(js(
        &json!({"platform": "Reference Host", "platformVersion": "2.1.0",
        "environment": "dev", "scripts": scripts, "timeoutMs": 5000, "sync": "reference"}),
    ))
    .unwrap();
    let got = Rc::new(std::cell::RefCell::new(Vec::new()));
    let g = got.clone();
    let on_insert =
        Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| g.borrow_mut().push(from_js(&v)));
    let handlers = js_sys::Object::new();
    js_sys::Reflect::set(&handlers, &"onInsert".into(), on_insert.as_ref()).unwrap();
    let account = js(&json!({"id": "main", "cloud_name": "demo", "api_key": "123456789012345"}));
    let promise = widgets.mount_media_library(
        account,
        js(&json!({"multiple": true})),
        handlers.into(),
        None,
    );
    let handle = wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    call(&handle, "show", &[]);
    simulate(
        "simulateMediaLibraryInsert",
        &[js(&json!({"assets": [{"public_id": "a/b", "resource_type": "image", "type": "upload", "version": 9,
            "format": "png", "secure_url": "https://res.cloudinary.com/demo/image/upload/v9/a/b.png"}]}))],
    )
    .await;
    assert_eq!(
        got.borrow()[0]["stored"],
        json!([{"reference": {"public_id": "a/b", "version": 9, "resource_type": "image", "delivery_type": "upload", "format": "png"}}])
    );
    let url = cloudinary_connector::web::widgets::reference_url(
        js(&got.borrow()[0]["stored"][0]["reference"]),
        js(&json!({"cloud_name": "demo"})),
    )
    .unwrap();
    assert_eq!(
        url,
        "https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/v9/a/b.png"
    );
    // A bad account is refused with a clear error, before anything is loaded.
    let bad = widgets.mount_media_library(
        js(&json!({"id": "x", "cloud_name": ""})),
        JsValue::NULL,
        js_sys::Object::new().into(),
        None,
    );
    let e = wasm_bindgen_futures::JsFuture::from(bad).await.unwrap_err();
    assert_eq!(
        String::from(e.dyn_into::<js_sys::Error>().unwrap().message()),
        "the cloud name is empty"
    );
    call(&handle, "free", &[]);
    drop(on_insert);
    assert_no_residue();
}
