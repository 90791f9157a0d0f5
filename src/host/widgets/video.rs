//! The Cloudinary Video Player (`cloudinary.videoPlayer(id, options)`, `.dispose()` on
//! unmount) and its embed-iframe form.

use alloc::string::String;
use core::fmt;

use wasm_bindgen::prelude::*;

use super::{
    call_method, create_instance, to_js, MountError, Mounted, WidgetHost, WidgetNode, WidgetSpec,
};
use crate::core::widgets::video::EMBED_ALLOW;
use crate::core::widgets::{CloudAccount, VideoPlayerOptions};
use crate::host::script::{self, LoadedScript, ResourceKind};
use crate::host::signer_client::js_message;

/// One mount of the Video Player.
pub struct Live {
    instance: JsValue,
    _container: WidgetNode,
    _css: LoadedScript,
    _script: LoadedScript,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = call_method(&self.instance, "dispose", "dispose", &[]);
    }
}

/// What the Video Player is mounted with.
pub struct VideoPlayerSpec {
    options: VideoPlayerOptions,
    parent: web_sys::Element,
}

impl fmt::Debug for VideoPlayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoPlayerSpec")
            .field("public_id", &self.options.public_id)
            .finish_non_exhaustive()
    }
}

/// A mounted Video Player. Dropping it disposes of the player and removes its nodes.
pub type VideoPlayer = Mounted<VideoPlayerSpec>;

impl VideoPlayer {
    /// Loads the player script and stylesheet (once), creates a `<video>` under `parent` and
    /// starts the player on it.
    pub async fn mount(
        host: &WidgetHost,
        account: &CloudAccount,
        options: VideoPlayerOptions,
        parent: &web_sys::Element,
    ) -> Result<VideoPlayer, MountError> {
        let spec = VideoPlayerSpec {
            options,
            parent: parent.clone(),
        };
        Mounted::with_spec(host, account, spec).await
    }
}

impl WidgetSpec for VideoPlayerSpec {
    const NAME: &'static str = "VideoPlayer";
    type Live = Live;

    fn debug_fields(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        f.field("public_id", &self.options.public_id);
    }

    async fn create(&self, host: &WidgetHost, account: &CloudAccount) -> Result<Live, MountError> {
        host.check_enabled()?;
        let json = self.options.to_json(account)?;
        host.scripts.validate()?;
        let css = script::load(
            ResourceKind::Stylesheet,
            &host.scripts.video_player_css,
            None,
            &host.script_options,
        )
        .await?;
        let loaded = script::load(
            ResourceKind::Script,
            &host.scripts.video_player,
            Some("videoPlayer"),
            &host.script_options,
        )
        .await?;
        let container = WidgetNode::create("div", "video-player", Some(&self.parent))?;
        let video = WidgetNode::create("video", "video-player-element", Some(container.element()))?;
        let dom = |e: JsValue| MountError::Dom(js_message(&e));
        // `cld-fluid` on the element forces fluid mode in the player whatever its `fluid`
        // option says (observed with cloudinary-video-player 4.0.3): set it only when fluid.
        let class = if self.options.is_fluid() {
            "cld-video-player cld-fluid"
        } else {
            "cld-video-player"
        };
        video.element().set_attribute("class", class).map_err(dom)?;
        video.element().set_attribute("controls", "").map_err(dom)?;
        let id = video.element().id();
        // The player owns the <video> from here on; the container removes it on drop.
        core::mem::forget(video);
        let options = to_js(&json)?;
        let instance = create_instance("videoPlayer", &[&id.into(), &options], "player")?;
        Ok(Live {
            instance,
            _container: container,
            _css: css,
            _script: loaded,
        })
    }
}

/// The embed-iframe form: no script on the page, just an `<iframe>` to
/// `player.cloudinary.com/embed/`. Dropping it removes the iframe.
#[must_use = "dropping the handle removes the iframe"]
pub struct VideoEmbed {
    host: WidgetHost,
    account: CloudAccount,
    options: VideoPlayerOptions,
    parent: web_sys::Element,
    iframe: Option<WidgetNode>,
}

impl fmt::Debug for VideoEmbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoEmbed")
            .field("account", &self.account.id)
            .finish_non_exhaustive()
    }
}

impl VideoEmbed {
    /// Adds the iframe under `parent`.
    pub fn mount(
        host: &WidgetHost,
        account: &CloudAccount,
        options: VideoPlayerOptions,
        parent: &web_sys::Element,
    ) -> Result<VideoEmbed, MountError> {
        let mut e = VideoEmbed {
            host: host.clone(),
            account: account.clone(),
            options,
            parent: parent.clone(),
            iframe: None,
        };
        e.iframe = Some(e.create()?);
        Ok(e)
    }

    fn create(&self) -> Result<WidgetNode, MountError> {
        self.host.check_enabled()?;
        let url = self.options.embed_url(&self.account)?;
        let iframe = WidgetNode::create("iframe", "video-embed", Some(&self.parent))?;
        let dom = |e: JsValue| MountError::Dom(js_message(&e));
        let el = iframe.element();
        el.set_attribute("src", &url).map_err(dom)?;
        el.set_attribute("allow", EMBED_ALLOW).map_err(dom)?;
        el.set_attribute("allowfullscreen", "").map_err(dom)?;
        el.set_attribute("frameborder", "0").map_err(dom)?;
        el.set_attribute("title", "Cloudinary video player")
            .map_err(dom)?;
        Ok(iframe)
    }

    /// The iframe's `src`.
    pub fn src(&self) -> Option<String> {
        self.iframe
            .as_ref()
            .and_then(|i| i.element().get_attribute("src"))
    }

    /// Account switch.
    pub fn remount(&mut self, account: &CloudAccount) -> Result<(), MountError> {
        self.iframe = None;
        self.account = account.clone();
        self.iframe = Some(self.create()?);
        Ok(())
    }
}
