//! The Media Library widget: `cloudinary.createMediaLibrary(options, {insertHandler,
//! showHandler, hideHandler}, el?)`, with the signed auto-login from the signer and the
//! `integration` object.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::fmt;

use wasm_bindgen::prelude::*;

use super::callbacks::WidgetCallback;
use super::{
    call_method, create_instance, from_js, to_js, MountError, Mounted, WidgetHost, WidgetNode,
    WidgetSpec,
};
use crate::core::widgets::{Asset, CloudAccount, MediaLibraryOptions, WidgetError};
use crate::host::resources::{widget_of_node, AdoptAdded, WidgetKind};
use crate::host::script::{self, LoadedScript, ResourceKind};

/// Where the widget renders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Cloudinary's modal.
    Modal,
    /// Inline, inside a node this crate creates under the given element.
    Inline(web_sys::Element),
}

/// What the host wants to hear.
#[derive(Clone)]
pub struct MediaLibraryHandlers {
    /// Inserted assets, normalised (or why the widget's answer was unusable).
    pub on_insert: Rc<dyn Fn(Result<Vec<Asset>, WidgetError>)>,
    /// The widget was shown.
    pub on_show: Option<Rc<dyn Fn()>>,
    /// The widget was hidden.
    pub on_hide: Option<Rc<dyn Fn()>>,
}

impl fmt::Debug for MediaLibraryHandlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaLibraryHandlers")
            .field("on_show", &self.on_show.is_some())
            .field("on_hide", &self.on_hide.is_some())
            .finish_non_exhaustive()
    }
}

/// One mount of the Media Library.
pub struct Live {
    instance: JsValue,
    /// The handlers behind the functions the widget holds: unregistered after `hide()`, so a
    /// `hideHandler` the widget sends later (its iframe answers asynchronously) reaches nothing.
    _callbacks: Vec<WidgetCallback>,
    /// The nodes the widget added to `<body>` (its modal iframe): the widget has no `destroy()`
    /// and `hide()` only hides them, so they are removed here, whichever API mounted it.
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
        // The documented API has show()/hide() only (reference §2.4: no destroy() in any
        // source); call destroy() when a widget version offers it. The fields drop after this:
        // the handlers, then the adopted nodes, the container and the script.
        let destroyed = call_method(&self.instance, "destroy", "destroy", &[])
            .ok()
            .flatten()
            .is_some();
        if !destroyed {
            let _ = call_method(&self.instance, "hide", "hide", &[]);
        }
    }
}

/// Watches `<body>` for the nodes a widget of `kind` adds there while it is mounted.
pub(crate) fn watch_body(kind: WidgetKind) -> Option<AdoptAdded> {
    let body = web_sys::window()?.document()?.body()?;
    AdoptAdded::watch(&body, move |el| widget_of_node(el) == Some(kind)).ok()
}

/// What the Media Library is mounted with.
pub struct MediaLibrarySpec {
    options: MediaLibraryOptions,
    placement: Placement,
    handlers: MediaLibraryHandlers,
}

impl fmt::Debug for MediaLibrarySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaLibrarySpec")
            .field("placement", &self.placement)
            .finish_non_exhaustive()
    }
}

/// A mounted Media Library widget. Dropping it unmounts it.
pub type MediaLibrary = Mounted<MediaLibrarySpec>;

impl MediaLibrary {
    /// Loads the script (once), asks the signer for the auto-login (when a signer is
    /// configured), and creates the widget.
    pub async fn mount(
        host: &WidgetHost,
        account: &CloudAccount,
        options: MediaLibraryOptions,
        placement: Placement,
        handlers: MediaLibraryHandlers,
    ) -> Result<MediaLibrary, MountError> {
        let spec = MediaLibrarySpec {
            options,
            placement,
            handlers,
        };
        Mounted::with_spec(host, account, spec).await
    }

    /// Opens the widget.
    pub fn show(&self) -> Result<(), MountError> {
        call_method(&self.live()?.instance, "show", "show", &[]).map(|_| ())
    }

    /// Opens the widget on a folder (`show({folder: {path}})`).
    pub fn show_folder(&self, path: &str) -> Result<(), MountError> {
        crate::core::widgets::check_folder(path)?;
        let opts = to_js(&crate::json!({"folder": {"path": path}}))?;
        call_method(&self.live()?.instance, "show", "show", &[&opts]).map(|_| ())
    }

    /// Closes the widget.
    pub fn hide(&self) -> Result<(), MountError> {
        call_method(&self.live()?.instance, "hide", "hide", &[]).map(|_| ())
    }
}

impl WidgetSpec for MediaLibrarySpec {
    const NAME: &'static str = "MediaLibrary";
    type Live = Live;

    async fn create(&self, host: &WidgetHost, account: &CloudAccount) -> Result<Live, MountError> {
        host.check_enabled()?;
        // Validate everything before touching the page.
        self.options.to_json(account, &host.identity, None, None)?;
        host.scripts.validate()?;
        let login = match &host.signer {
            Some(s) => Some(s.media_library_login(&account.id).await?),
            None => None,
        };
        let loaded = script::load(
            ResourceKind::Script,
            &host.scripts.media_library,
            Some("createMediaLibrary"),
            &host.script_options,
        )
        .await?;
        let container = match &self.placement {
            Placement::Modal => None,
            Placement::Inline(parent) => {
                Some(WidgetNode::create("div", "media-library", Some(parent))?)
            }
        };
        let selector = container.as_ref().map(WidgetNode::selector);
        let json =
            self.options
                .to_json(account, &host.identity, login.as_ref(), selector.as_deref())?;
        let options = to_js(&json)?;

        let on_insert = self.handlers.on_insert.clone();
        let insert = WidgetCallback::new(move |data: JsValue, _| {
            on_insert(Asset::from_media_library_insert(&from_js(&data)));
        });
        let on_show = self.handlers.on_show.clone();
        let show = WidgetCallback::new(move |_, _| {
            if let Some(f) = &on_show {
                f();
            }
        });
        let on_hide = self.handlers.on_hide.clone();
        let hide = WidgetCallback::new(move |_, _| {
            if let Some(f) = &on_hide {
                f();
            }
        });
        let callbacks = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&callbacks, &k.into(), v).map(|_| ());
        set("insertHandler", insert.function())
            .and(set("showHandler", show.function()))
            .and(set("hideHandler", hide.function()))
            .map_err(|e| MountError::Dom(crate::host::signer_client::js_message(&e)))?;
        // From before the widget exists: its modal lands in <body> (on create or on show).
        let nodes = watch_body(WidgetKind::MediaLibrary);
        let instance = create_instance("createMediaLibrary", &[&options, &callbacks], "widget")?;
        Ok(Live {
            instance,
            _callbacks: vec![insert, show, hide],
            _nodes: nodes,
            _container: container,
            _script: loaded,
        })
    }
}
