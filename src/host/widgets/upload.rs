//! The Upload widget: `cloudinary.createUploadWidget(options, callback)`. Signed uploads get
//! `uploadSignature(callback, params_to_sign)` as a function that asks the signer for exactly
//! the params the widget gives; every widget event reaches the host, normalised.

use alloc::rc::Rc;
use alloc::string::{String, ToString};
use core::cell::Cell;
use core::fmt;

use crate::core::json::Value;
use wasm_bindgen::prelude::*;

use super::callbacks::WidgetCallback;
use super::media_library::{watch_body, Placement};
use super::{
    call_method, create_instance, from_js, to_js, MountError, Mounted, WidgetHost, WidgetNode,
    WidgetSpec,
};
use crate::core::widgets::{CloudAccount, UploadEvent, UploadWidgetOptions};
use crate::host::resources::{AdoptAdded, WidgetKind};
use crate::host::script::{self, LoadedScript, ResourceKind};
use crate::host::signer_client::{js_message, SignerClient};

/// The host's event handler.
pub type UploadHandler = Rc<dyn Fn(UploadEvent)>;

/// One mount of the Upload widget.
pub struct Live {
    instance: JsValue,
    /// Set at unmount: events the widget reports after (while its `destroy()` settles, or
    /// later) do not reach the host.
    unmounted: Rc<Cell<bool>>,
    /// The handlers behind the result callback and `uploadSignature`: unregistered with the
    /// handle; the functions the widget holds stay callable and do nothing then.
    _result: WidgetCallback,
    _signature: Option<WidgetCallback>,
    /// The nodes the widget added to `<body>` (its iframe), removed whichever API mounted it.
    _nodes: Option<AdoptAdded>,
    _container: Option<WidgetNode>,
    _script: LoadedScript,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.unmounted.set(true);
        // destroy() → Promise (reference §3, cloudinary-util's types); nothing to wait for:
        // the handlers are gone and late events reach nothing. `close({quiet: true})` when
        // there is no destroy(): the quiet close sends no "close" event.
        if call_method(&self.instance, "destroy", "destroy", &[])
            .ok()
            .flatten()
            .is_none()
        {
            let quiet = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&quiet, &"quiet".into(), &true.into());
            let _ = call_method(&self.instance, "close", "close", &[&quiet]);
        }
    }
}

/// What the Upload widget is mounted with.
pub struct UploadWidgetSpec {
    options: UploadWidgetOptions,
    placement: Placement,
    on_event: UploadHandler,
}

impl fmt::Debug for UploadWidgetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadWidgetSpec")
            .field("signed", &self.options.is_signed())
            .finish_non_exhaustive()
    }
}

/// A mounted Upload widget. Dropping it destroys it.
pub type UploadWidget = Mounted<UploadWidgetSpec>;

/// The event sent to the host when the signer refuses or cannot be reached.
pub const SIGNATURE_ERROR_EVENT: &str = "signature-error";

impl UploadWidget {
    /// Loads the script (once) and creates the widget (not yet opened).
    pub async fn mount(
        host: &WidgetHost,
        account: &CloudAccount,
        options: UploadWidgetOptions,
        placement: Placement,
        on_event: UploadHandler,
    ) -> Result<UploadWidget, MountError> {
        let spec = UploadWidgetSpec {
            options,
            placement,
            on_event,
        };
        Mounted::with_spec(host, account, spec).await
    }

    /// Opens the widget.
    pub fn open(&self) -> Result<(), MountError> {
        call_method(&self.live()?.instance, "open", "open", &[]).map(|_| ())
    }

    /// Closes the widget.
    pub fn close(&self) -> Result<(), MountError> {
        call_method(&self.live()?.instance, "close", "close", &[]).map(|_| ())
    }
}

impl WidgetSpec for UploadWidgetSpec {
    const NAME: &'static str = "UploadWidget";
    type Live = Live;

    fn debug_fields(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        f.field("signed", &self.options.is_signed());
    }

    async fn create(&self, host: &WidgetHost, account: &CloudAccount) -> Result<Live, MountError> {
        host.check_enabled()?;
        self.options.to_json(account, &host.identity, None)?;
        host.scripts.validate()?;
        let signer = if self.options.is_signed() {
            Some(
                host.signer
                    .clone()
                    .ok_or(MountError::NoSigner("a signed Upload widget"))?,
            )
        } else {
            None
        };
        let loaded = script::load(
            ResourceKind::Script,
            &host.scripts.upload_widget,
            Some("createUploadWidget"),
            &host.script_options,
        )
        .await?;
        let container = match &self.placement {
            Placement::Modal => None,
            Placement::Inline(parent) => {
                Some(WidgetNode::create("div", "upload-widget", Some(parent))?)
            }
        };
        let selector = container.as_ref().map(WidgetNode::selector);
        let json = self
            .options
            .to_json(account, &host.identity, selector.as_deref())?;
        let options = to_js(&json)?;

        let unmounted = Rc::new(Cell::new(false));
        let on_event: UploadHandler = {
            let (f, gone) = (self.on_event.clone(), unmounted.clone());
            Rc::new(move |e| {
                if !gone.get() {
                    f(e)
                }
            })
        };
        let signature = signer.map(|s| signature_callback(s, account.id.clone(), on_event.clone()));
        if let Some(sig) = &signature {
            js_sys::Reflect::set(&options, &"uploadSignature".into(), sig.function())
                .map_err(|e| MountError::Dom(js_message(&e)))?;
        }
        let result = WidgetCallback::new(move |error: JsValue, result: JsValue| {
            on_event(UploadEvent::from_widget(
                &from_js(&error),
                &from_js(&result),
            ));
        });
        let nodes = watch_body(WidgetKind::UploadWidget);
        let instance = create_instance(
            "createUploadWidget",
            &[&options, result.function()],
            "widget",
        )?;
        Ok(Live {
            instance,
            unmounted,
            _result: result,
            _signature: signature,
            _nodes: nodes,
            _container: container,
            _script: loaded,
        })
    }
}

/// `uploadSignature(callback, params_to_sign)`: forwards exactly `params_to_sign` to the
/// signer and calls `callback(signature)`. A refusal reaches the host as a
/// [`SIGNATURE_ERROR_EVENT`] event (the widget then reports the upload as failed).
fn signature_callback(
    signer: SignerClient,
    account: String,
    on_event: UploadHandler,
) -> WidgetCallback {
    WidgetCallback::new(move |callback: JsValue, params: JsValue| {
        let signer = signer.clone();
        let account = account.clone();
        let on_event = on_event.clone();
        let callback: js_sys::Function = match callback.dyn_into() {
            Ok(f) => f,
            Err(_) => {
                on_event(UploadEvent {
                    event: SIGNATURE_ERROR_EVENT.into(),
                    info: Value::Null,
                    asset: None,
                    error: Some("the widget called uploadSignature without a callback".into()),
                });
                return;
            }
        };
        crate::host::resources::spawn(async move {
            let params = match from_js(&params) {
                Value::Object(m) => m,
                _ => {
                    on_event(UploadEvent {
                        event: SIGNATURE_ERROR_EVENT.into(),
                        info: Value::Null,
                        asset: None,
                        error: Some("the widget gave no params_to_sign object".into()),
                    });
                    return;
                }
            };
            match signer.sign_upload(&account, &params).await {
                Ok(sig) => {
                    let _ = callback.call1(&JsValue::NULL, &sig.into());
                }
                Err(e) => on_event(UploadEvent {
                    event: SIGNATURE_ERROR_EVENT.into(),
                    info: Value::Object(params),
                    asset: None,
                    error: Some(e.to_string()),
                }),
            }
        });
    })
}
