//! The Product Gallery: `cloudinary.galleryWidget(options).render()`, destroyed on unmount.

use core::fmt;

use wasm_bindgen::prelude::*;

use super::{
    call_method, create_instance, to_js, MountError, Mounted, WidgetHost, WidgetNode, WidgetSpec,
};
use crate::core::widgets::{CloudAccount, GalleryOptions};
use crate::host::script::{self, LoadedScript, ResourceKind};

/// One rendering of the Product Gallery.
pub struct Live {
    instance: JsValue,
    _container: WidgetNode,
    _script: LoadedScript,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = call_method(&self.instance, "destroy", "destroy", &[]);
    }
}

/// What the Product Gallery is rendered with.
pub struct ProductGallerySpec {
    options: GalleryOptions,
    parent: web_sys::Element,
}

impl fmt::Debug for ProductGallerySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProductGallerySpec").finish_non_exhaustive()
    }
}

/// A rendered Product Gallery. Dropping it destroys the gallery and removes its container.
pub type ProductGallery = Mounted<ProductGallerySpec>;

impl ProductGallery {
    /// Loads the script (once) and renders the gallery in a new node under `parent`.
    pub async fn mount(
        host: &WidgetHost,
        account: &CloudAccount,
        options: GalleryOptions,
        parent: &web_sys::Element,
    ) -> Result<ProductGallery, MountError> {
        let spec = ProductGallerySpec {
            options,
            parent: parent.clone(),
        };
        Mounted::with_spec(host, account, spec).await
    }

    /// The gallery's container element (inside the host's parent).
    pub fn container(&self) -> Option<&web_sys::Element> {
        self.live().ok().map(|l| l._container.element())
    }
}

impl WidgetSpec for ProductGallerySpec {
    const NAME: &'static str = "ProductGallery";
    type Live = Live;

    async fn create(&self, host: &WidgetHost, account: &CloudAccount) -> Result<Live, MountError> {
        host.check_enabled()?;
        self.options.to_json(account, "#x")?;
        host.scripts.validate()?;
        let loaded = script::load(
            ResourceKind::Script,
            &host.scripts.product_gallery,
            Some("galleryWidget"),
            &host.script_options,
        )
        .await?;
        let container = WidgetNode::create("div", "product-gallery", Some(&self.parent))?;
        let json = self.options.to_json(account, &container.selector())?;
        let options = to_js(&json)?;
        let instance = create_instance("galleryWidget", &[&options], "gallery")?;
        let live = Live {
            instance,
            _container: container,
            _script: loaded,
        };
        call_method(&live.instance, "galleryWidget", "render", &[])?.ok_or(MountError::Widget {
            call: "galleryWidget",
            message: "the gallery has no render()".into(),
        })?;
        Ok(live)
    }
}
