//! JavaScript API of the widgets: `new Widgets(config)` and its `mount*` methods, returning
//! handles whose `free()` (or `unmount()`) unmounts everything they own.
//!
//! ```js
//! const widgets = new Widgets({ platform: "Reference Host", platformVersion: "2.1.0",
//!   environment: "prod", signerUrl: "https://signer.example.com", token: () => getToken() });
//! const ml = await widgets.mountMediaLibrary(account, { multiple: true },
//!   { onInsert: ({ assets, stored }) => save(stored) });
//! ml.show();
//! await ml.remount(otherAccount);   // account switch
//! ml.free();                        // unmount: nothing is left on the page
//! ```

use alloc::rc::Rc;
use alloc::{
    string::{String, ToString},
    vec::Vec,
};
use core::cell::RefCell;

use crate::core::json::{de, Map, Value};
use crate::json;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::identity::{Environment, Identity};
use crate::core::widgets::{
    AssetReference, CloudAccount, DeliveryTarget, GalleryOptions, MediaLibraryOptions, ScriptUrls,
    SyncMode, UploadWidgetOptions, VideoPlayerOptions,
};
use crate::host::script::ScriptOptions;
use crate::host::signer_client::{self, SignerClient, TokenSource};
use crate::host::widgets::media_library::Placement;
use crate::host::widgets::{
    json_from_js, MediaLibrary, MediaLibraryHandlers, MountError, Mounted, ProductGallery,
    UploadWidget, VideoEmbed, VideoPlayer, WidgetHost, WidgetSpec,
};
use crate::web::error::CodedError;

/// A bad argument, option or configuration (`code: "invalid_options"`).
fn err(e: impl core::fmt::Display) -> JsValue {
    CodedError::new(&e.to_string()).into()
}

/// A mount, show, hide, open, close or remount failure, with its own code.
fn mount_err(e: MountError) -> JsValue {
    crate::web::host_errors::mount(&e).into()
}

fn json_of(v: &JsValue) -> Result<Value, JsValue> {
    json_from_js(v).map_err(|e| err(format!("not a JSON value: {e}")))
}

fn to_js(v: &Value) -> JsValue {
    crate::host::widgets::js_of(v)
}

/// Reads a typed value from a JS object (through JSON) with `read`, naming `what` in the error.
fn typed<T>(
    v: &JsValue,
    what: &str,
    read: impl FnOnce(&Value) -> Result<T, String>,
) -> Result<T, JsValue> {
    read(&json_of(v)?).map_err(|e| err(format!("bad {what}: {e}")))
}

fn account_of(v: &JsValue) -> Result<CloudAccount, JsValue> {
    let a = typed(v, "account", CloudAccount::from_json)?;
    a.validate().map_err(err)?;
    Ok(a)
}

fn get_fn(obj: &JsValue, key: &str) -> Option<Function> {
    Reflect::get(obj, &key.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
}

struct Config {
    platform: String,
    platform_version: String,
    environment: Option<String>,
    enabled: Option<bool>,
    scripts: Option<ScriptUrls>,
    nonce: Option<String>,
    timeout_ms: Option<u32>,
    signer_url: Option<String>,
    signer_timeout_ms: u32,
    sync: Option<String>,
}

const CONFIG_FIELDS: [&str; 10] = [
    "platform",
    "platformVersion",
    "environment",
    "enabled",
    "scripts",
    "nonce",
    "timeoutMs",
    "signerUrl",
    "signerTimeoutMs",
    "sync",
];

impl Config {
    /// Reads the constructor's config (without `token`), unknown keys refused.
    fn from_json(v: &Value) -> Result<Config, String> {
        let o: &Map<String, Value> = de::strict(v, "Config", &CONFIG_FIELDS)?;
        let opt_str = |k| Ok::<_, String>(de::field(o, k, de::nullable(de::str_value))?.flatten());
        let enabled = de::field(o, "enabled", de::nullable(de::bool_value))?.flatten();
        let environment = opt_str("environment")?;
        let nonce = opt_str("nonce")?;
        let platform = de::field(o, "platform", de::str_value)?;
        let platform_version = de::field(o, "platformVersion", de::str_value)?;
        let scripts = de::field(o, "scripts", de::nullable(ScriptUrls::from_json))?.flatten();
        let signer_url = opt_str("signerUrl")?;
        let sync = opt_str("sync")?;
        let timeout_ms = de::field(o, "timeoutMs", de::nullable(de::u32_value))?.flatten();
        let signer_timeout_ms = signer_client::timeout_option(
            de::field(o, "signerTimeoutMs", de::nullable(de::u64_value))?.flatten(),
        )?;
        Ok(Config {
            platform: de::required(platform, "platform")?,
            platform_version: de::required(platform_version, "platformVersion")?,
            environment,
            enabled,
            scripts,
            nonce,
            timeout_ms,
            signer_url,
            signer_timeout_ms,
            sync,
        })
    }
}

/// The widget mounter for one host integration.
#[wasm_bindgen(js_name = Widgets)]
#[derive(Debug)]
pub struct JsWidgets {
    host: WidgetHost,
    sync: SyncMode,
}

#[wasm_bindgen(js_class = Widgets)]
impl JsWidgets {
    /// `config`: `{platform, platformVersion, environment?, enabled?, scripts?, nonce?,
    /// timeoutMs?, signerUrl?, signerTimeoutMs?, token?, sync?}`; `token` is a string or a
    /// function returning a token (or a promise of one); `signerTimeoutMs` (1 to 600000, default
    /// 30000) abandons a signer request without an answer; `sync` is `"reference"` (default) or
    /// `"fixed_url"`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "WidgetsConfig")] config: JsValue,
    ) -> Result<JsWidgets, JsValue> {
        let token = Reflect::get(&config, &"token".into()).unwrap_or(JsValue::UNDEFINED);
        let mut plain =
            json_from_js(&config).map_err(|e| err(format!("bad widgets config: {e}")))?;
        if let Some(o) = plain.as_object_mut() {
            o.remove("token");
        }
        let c = Config::from_json(&plain).map_err(|e| err(format!("bad widgets config: {e}")))?;
        let env: Environment = c
            .environment
            .as_deref()
            .unwrap_or("prod")
            .parse()
            .map_err(err)?;
        let identity = Identity::new(&c.platform, &c.platform_version, env).map_err(err)?;
        let scripts = c.scripts.unwrap_or_default();
        scripts.validate().map_err(err)?;
        let signer = match c.signer_url {
            Some(url) => {
                let source = TokenSource::from_js(&token).ok_or_else(|| {
                    err("signerUrl needs a token: a non-empty string or a function returning one")
                })?;
                Some(SignerClient::new(&url, source).with_timeout(c.signer_timeout_ms))
            }
            None => None,
        };
        let sync = SyncMode::parse(c.sync.as_deref().unwrap_or("reference")).map_err(err)?;
        Ok(JsWidgets {
            host: WidgetHost {
                enabled: c.enabled.unwrap_or(true),
                identity,
                scripts,
                script_options: ScriptOptions {
                    nonce: c.nonce,
                    timeout_ms: c
                        .timeout_ms
                        .unwrap_or(crate::host::script::DEFAULT_TIMEOUT_MS),
                },
                signer,
            },
            sync,
        })
    }

    /// Enables or disables the integration for later mounts (a disabled integration mounts
    /// nothing; unmount existing handles with `free()`).
    #[wasm_bindgen(js_name = setEnabled)]
    pub fn set_enabled(&mut self, enabled: bool) {
        self.host.enabled = enabled;
    }

    /// Whether the integration is enabled.
    #[wasm_bindgen(getter)]
    pub fn enabled(&self) -> bool {
        self.host.enabled
    }

    /// Mounts the Media Library widget; `handlers`: `{onInsert({assets, stored}), onError(message),
    /// onShow(), onHide()}`; `container` makes it inline. Resolves to a `MediaLibraryHandle`.
    #[wasm_bindgen(js_name = mountMediaLibrary, unchecked_return_type = "Promise<MediaLibraryHandle>")]
    pub fn mount_media_library(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
        #[wasm_bindgen(unchecked_param_type = "MediaLibraryOptions | null | undefined")]
        options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "MediaLibraryHandlers")] handlers: JsValue,
        container: Option<web_sys::Element>,
    ) -> Promise {
        let host = self.host.clone();
        let sync = self.sync;
        crate::web::promise(async move {
            let account = account_of(&account)?;
            let options = MediaLibraryOptions::from_json(&json_of(&options)?).map_err(err)?;
            let on_insert_js = get_fn(&handlers, "onInsert")
                .ok_or_else(|| err("handlers.onInsert must be a function"))?;
            let on_error_js = get_fn(&handlers, "onError");
            let on_show_js = get_fn(&handlers, "onShow");
            let on_hide_js = get_fn(&handlers, "onHide");
            let handlers = MediaLibraryHandlers {
                on_insert: Rc::new(move |r| match r {
                    Ok(assets) => {
                        let stored: Vec<_> = assets.iter().map(|a| a.to_stored(sync)).collect();
                        let v = json!({"assets": assets, "stored": stored});
                        let _ = on_insert_js.call1(&JsValue::NULL, &to_js(&v));
                    }
                    Err(e) => {
                        if let Some(f) = &on_error_js {
                            let _ = f.call1(&JsValue::NULL, &e.to_string().into());
                        }
                    }
                }),
                on_show: on_show_js
                    .map(|f| Rc::new(move || drop(f.call0(&JsValue::NULL))) as Rc<dyn Fn()>),
                on_hide: on_hide_js
                    .map(|f| Rc::new(move || drop(f.call0(&JsValue::NULL))) as Rc<dyn Fn()>),
            };
            let placement = container.map_or(Placement::Modal, Placement::Inline);
            let ml = MediaLibrary::mount(&host, &account, options, placement, handlers)
                .await
                .map_err(mount_err)?;
            Ok(JsMediaLibrary(Rc::new(RefCell::new(Some(ml)))).into())
        })
    }

    /// Mounts the Upload widget; `onEvent({event, info, asset?, error?})` gets every event.
    #[wasm_bindgen(js_name = mountUploadWidget, unchecked_return_type = "Promise<UploadWidgetHandle>")]
    pub fn mount_upload_widget(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
        #[wasm_bindgen(unchecked_param_type = "UploadWidgetOptions | null | undefined")]
        options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(event: UploadEvent) => void")] on_event: Function,
        container: Option<web_sys::Element>,
    ) -> Promise {
        let host = self.host.clone();
        crate::web::promise(async move {
            let account = account_of(&account)?;
            let options = UploadWidgetOptions::from_json(&json_of(&options)?).map_err(err)?;
            let handler = Rc::new(move |e: crate::core::widgets::UploadEvent| {
                let v = crate::core::json::to_value(&e);
                let _ = on_event.call1(&JsValue::NULL, &to_js(&v));
            });
            let placement = container.map_or(Placement::Modal, Placement::Inline);
            let w = UploadWidget::mount(&host, &account, options, placement, handler)
                .await
                .map_err(mount_err)?;
            Ok(JsUploadWidget(Rc::new(RefCell::new(Some(w)))).into())
        })
    }

    /// Renders a Product Gallery under `container`.
    #[wasm_bindgen(js_name = mountProductGallery, unchecked_return_type = "Promise<ProductGalleryHandle>")]
    pub fn mount_product_gallery(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
        #[wasm_bindgen(unchecked_param_type = "GalleryOptions")] options: JsValue,
        container: web_sys::Element,
    ) -> Promise {
        let host = self.host.clone();
        crate::web::promise(async move {
            let account = account_of(&account)?;
            let options = GalleryOptions::from_json(&json_of(&options)?).map_err(err)?;
            let g = ProductGallery::mount(&host, &account, options, &container)
                .await
                .map_err(mount_err)?;
            Ok(JsProductGallery(Rc::new(RefCell::new(Some(g)))).into())
        })
    }

    /// Starts a Video Player under `container`.
    #[wasm_bindgen(js_name = mountVideoPlayer, unchecked_return_type = "Promise<VideoPlayerHandle>")]
    pub fn mount_video_player(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
        #[wasm_bindgen(unchecked_param_type = "VideoPlayerOptions")] options: JsValue,
        container: web_sys::Element,
    ) -> Promise {
        let host = self.host.clone();
        crate::web::promise(async move {
            let account = account_of(&account)?;
            let options = VideoPlayerOptions::from_json(&json_of(&options)?).map_err(err)?;
            let p = VideoPlayer::mount(&host, &account, options, &container)
                .await
                .map_err(mount_err)?;
            Ok(JsVideoPlayer(Rc::new(RefCell::new(Some(p)))).into())
        })
    }

    /// Adds the embed-iframe player under `container`.
    #[wasm_bindgen(js_name = mountVideoEmbed)]
    pub fn mount_video_embed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
        #[wasm_bindgen(unchecked_param_type = "VideoPlayerOptions")] options: JsValue,
        container: web_sys::Element,
    ) -> Result<JsVideoEmbed, JsValue> {
        let account = account_of(&account)?;
        let options = VideoPlayerOptions::from_json(&json_of(&options)?).map_err(err)?;
        let e = VideoEmbed::mount(&self.host, &account, options, &container).map_err(mount_err)?;
        Ok(JsVideoEmbed(Some(e)))
    }
}

fn not_mounted() -> JsValue {
    mount_err(MountError::NotMounted)
}

/// Runs `f` on the mounted widget in `cell`: `not_mounted` after `unmount()`.
fn with_mounted<S: WidgetSpec>(
    cell: &RefCell<Option<Mounted<S>>>,
    f: impl FnOnce(&Mounted<S>) -> Result<(), MountError>,
) -> Result<(), JsValue> {
    f(cell.borrow().as_ref().ok_or_else(not_mounted)?).map_err(mount_err)
}

/// `remount(account)` of every mounted-widget handle: the account switch, as a Promise.
fn remount<S>(cell: &Rc<RefCell<Option<Mounted<S>>>>, account: JsValue) -> Promise
where
    S: WidgetSpec + 'static,
    S::Live: 'static,
{
    let cell = cell.clone();
    crate::web::promise(async move {
        let account = account_of(&account)?;
        let mut w = cell.borrow_mut().take().ok_or_else(not_mounted)?;
        let r = w.remount(&account).await;
        *cell.borrow_mut() = Some(w);
        r.map_err(mount_err)?;
        Ok(JsValue::UNDEFINED)
    })
}

/// A mounted Media Library widget.
#[wasm_bindgen(js_name = MediaLibraryHandle)]
#[derive(Debug)]
pub struct JsMediaLibrary(Rc<RefCell<Option<MediaLibrary>>>);

#[wasm_bindgen(js_class = MediaLibraryHandle)]
impl JsMediaLibrary {
    /// Opens the widget (on `folder` when given).
    pub fn show(&self, folder: Option<String>) -> Result<(), JsValue> {
        with_mounted(&self.0, |ml| match folder {
            Some(f) => ml.show_folder(&f),
            None => ml.show(),
        })
    }

    /// Closes the widget.
    pub fn hide(&self) -> Result<(), JsValue> {
        with_mounted(&self.0, |w| w.hide())
    }

    /// Account switch: unmounts, then mounts for `account`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn remount(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
    ) -> Promise {
        remount(&self.0, account)
    }

    /// Unmounts now (also done by `free()`).
    pub fn unmount(&self) {
        self.0.borrow_mut().take();
    }
}

/// A mounted Upload widget.
#[wasm_bindgen(js_name = UploadWidgetHandle)]
#[derive(Debug)]
pub struct JsUploadWidget(Rc<RefCell<Option<UploadWidget>>>);

#[wasm_bindgen(js_class = UploadWidgetHandle)]
impl JsUploadWidget {
    /// Opens the widget.
    pub fn open(&self) -> Result<(), JsValue> {
        with_mounted(&self.0, |w| w.open())
    }

    /// Closes the widget.
    pub fn close(&self) -> Result<(), JsValue> {
        with_mounted(&self.0, |w| w.close())
    }

    /// Account switch.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn remount(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
    ) -> Promise {
        remount(&self.0, account)
    }

    /// Destroys the widget now (also done by `free()`).
    pub fn unmount(&self) {
        self.0.borrow_mut().take();
    }
}

/// A rendered Product Gallery.
#[wasm_bindgen(js_name = ProductGalleryHandle)]
#[derive(Debug)]
pub struct JsProductGallery(Rc<RefCell<Option<ProductGallery>>>);

#[wasm_bindgen(js_class = ProductGalleryHandle)]
impl JsProductGallery {
    /// Account switch.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn remount(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
    ) -> Promise {
        remount(&self.0, account)
    }

    /// Destroys the gallery now (also done by `free()`).
    pub fn unmount(&self) {
        self.0.borrow_mut().take();
    }
}

/// A mounted Video Player.
#[wasm_bindgen(js_name = VideoPlayerHandle)]
#[derive(Debug)]
pub struct JsVideoPlayer(Rc<RefCell<Option<VideoPlayer>>>);

#[wasm_bindgen(js_class = VideoPlayerHandle)]
impl JsVideoPlayer {
    /// Account switch.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn remount(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
    ) -> Promise {
        remount(&self.0, account)
    }

    /// Disposes of the player now (also done by `free()`).
    pub fn unmount(&self) {
        self.0.borrow_mut().take();
    }
}

/// An embedded (iframe) Video Player.
#[wasm_bindgen(js_name = VideoEmbedHandle)]
#[derive(Debug)]
pub struct JsVideoEmbed(Option<VideoEmbed>);

#[wasm_bindgen(js_class = VideoEmbedHandle)]
impl JsVideoEmbed {
    /// The iframe's URL.
    #[wasm_bindgen(getter)]
    pub fn src(&self) -> Option<String> {
        self.0.as_ref().and_then(VideoEmbed::src)
    }

    /// Account switch.
    pub fn remount(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
    ) -> Result<(), JsValue> {
        let account = account_of(&account)?;
        self.0
            .as_mut()
            .ok_or_else(not_mounted)?
            .remount(&account)
            .map_err(mount_err)
    }

    /// Removes the iframe now (also done by `free()`).
    pub fn unmount(&mut self) {
        self.0.take();
    }
}

/// A stored reference and the target to deliver it on, read from JS.
fn reference_and_target(
    reference: &JsValue,
    target: &JsValue,
) -> Result<(AssetReference, DeliveryTarget), JsValue> {
    let r = typed(reference, "reference", AssetReference::from_json)?;
    let target = typed(target, "target", |v| {
        let o = de::strict(
            v,
            "Target",
            &[
                "cloud_name",
                "secure_distribution",
                "private_cdn",
                "optimize",
            ],
        )?;
        let cloud_name = de::field(o, "cloud_name", de::str_value)?;
        let optimize = de::field(o, "optimize", de::nullable(de::bool_value))?.flatten();
        let private_cdn = de::field(o, "private_cdn", de::bool_value)?;
        let secure_distribution =
            de::field(o, "secure_distribution", de::nullable(de::str_value))?.flatten();
        Ok(DeliveryTarget {
            cloud_name: de::required(cloud_name, "cloud_name")?,
            secure_distribution,
            private_cdn: private_cdn.unwrap_or_default(),
            optimize: optimize.unwrap_or(true),
            default_transformation: None,
        })
    })?;
    Ok((r, target))
}

/// Rebuilds the delivery URL of a stored reference (`{public_id, version, resource_type,
/// delivery_type, format, transformation}`) for `target` (`{cloud_name, secure_distribution?,
/// private_cdn?, optimize?}`; `optimize` chains `f_auto,q_auto`, default true).
/// `authenticated`/`private` references need a signature: use `referenceUrlWithSigner`.
#[wasm_bindgen(js_name = referenceUrl)]
pub fn reference_url(
    #[wasm_bindgen(unchecked_param_type = "AssetReference")] reference: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DeliveryTarget")] target: JsValue,
) -> Result<String, JsValue> {
    let (r, target) = reference_and_target(&reference, &target)?;
    r.delivery_url(&target).map_err(err)
}

/// `referenceUrl` for any reference: when the URL needs a signature (`authenticated`,
/// `private`), `signer(request)` is asked for it (a `SignRequest`, whose `delivery` member is
/// the body of the signing endpoint's `POST /v1/sign/delivery`); it may return a Promise.
#[wasm_bindgen(js_name = referenceUrlWithSigner, unchecked_return_type = "Promise<string>")]
pub fn reference_url_with_signer(
    #[wasm_bindgen(unchecked_param_type = "AssetReference")] reference: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DeliveryTarget")] target: JsValue,
    #[wasm_bindgen(unchecked_param_type = "(request: SignRequest) => string | Promise<string>")]
    signer: js_sys::Function,
) -> Result<js_sys::Promise, JsValue> {
    let (r, target) = reference_and_target(&reference, &target)?;
    let prepared = r.prepare_delivery(&target).map_err(err)?;
    crate::web::url::finish_with_signer(prepared, &signer).map_err(JsValue::from)
}

/// The embed-iframe URL of a video for `account`.
#[wasm_bindgen(js_name = videoEmbedUrl)]
pub fn video_embed_url(
    #[wasm_bindgen(unchecked_param_type = "CloudAccount")] account: JsValue,
    #[wasm_bindgen(unchecked_param_type = "VideoPlayerOptions")] options: JsValue,
) -> Result<String, JsValue> {
    let account = account_of(&account)?;
    VideoPlayerOptions::from_json(&json_of(&options)?)
        .map_err(err)?
        .embed_url(&account)
        .map_err(err)
}
