//! The Product Gallery: `cloudinary.galleryWidget(options).render()`, destroyed on unmount.

use std::fmt;

use wasm_bindgen::prelude::*;

use super::{call_method, cloudinary_fn, to_js, MountError, WidgetHost, WidgetNode};
use crate::core::widgets::{CloudAccount, GalleryOptions};
use crate::host::script::{self, LoadedScript, ResourceKind};
use crate::host::signer_client::js_message;

struct Live {
    instance: JsValue,
    _container: WidgetNode,
    _script: LoadedScript,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = call_method(&self.instance, "destroy", "destroy", &[]);
    }
}

/// A rendered Product Gallery. Dropping it destroys the gallery and removes its container.
#[must_use = "dropping the handle destroys the gallery"]
pub struct ProductGallery {
    host: WidgetHost,
    account: CloudAccount,
    options: GalleryOptions,
    parent: web_sys::Element,
    live: Option<Live>,
}

impl fmt::Debug for ProductGallery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProductGallery")
            .field("account", &self.account.id)
            .field("mounted", &self.live.is_some())
            .finish()
    }
}

impl ProductGallery {
    /// Loads the script (once) and renders the gallery in a new node under `parent`.
    pub async fn mount(
        host: &WidgetHost,
        account: &CloudAccount,
        options: GalleryOptions,
        parent: &web_sys::Element,
    ) -> Result<ProductGallery, MountError> {
        let mut g = ProductGallery {
            host: host.clone(),
            account: account.clone(),
            options,
            parent: parent.clone(),
            live: None,
        };
        g.live = Some(g.create().await?);
        Ok(g)
    }

    async fn create(&self) -> Result<Live, MountError> {
        let host = &self.host;
        host.check_enabled()?;
        self.options.to_json(&self.account, "#x")?;
        host.scripts.validate()?;
        let loaded = script::load(
            ResourceKind::Script,
            &host.scripts.product_gallery,
            Some("galleryWidget"),
            &host.script_options,
        )
        .await?;
        let container = WidgetNode::create("div", "product-gallery", Some(&self.parent))?;
        let json = self.options.to_json(&self.account, &container.selector())?;
        let options = to_js(&json)?;
        let (global, gallery) = cloudinary_fn("galleryWidget")?;
        let instance = gallery
            .call1(&global, &options)
            .map_err(|e| MountError::Widget {
                call: "galleryWidget",
                message: js_message(&e),
            })?;
        if instance.is_undefined() || instance.is_null() {
            return Err(MountError::Widget {
                call: "galleryWidget",
                message: "it returned no gallery".into(),
            });
        }
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

    /// Whether the gallery is mounted.
    pub fn is_mounted(&self) -> bool {
        self.live.is_some()
    }

    /// The gallery's container element (inside the host's parent).
    pub fn container(&self) -> Option<&web_sys::Element> {
        self.live.as_ref().map(|l| l._container.element())
    }

    /// Account switch: destroys the gallery, then renders it for `account`.
    pub async fn remount(&mut self, account: &CloudAccount) -> Result<(), MountError> {
        self.live = None;
        self.account = account.clone();
        self.live = Some(self.create().await?);
        Ok(())
    }
}
