//! The plugin's side of the lifecycle: install, activate, deactivate, update, uninstall, on top of
//! the pure [`crate::core::lifecycle`] state machine.
//!
//! While active, everything the plugin has put into the page is held by [`Features`]: a registry
//! of named [`Resources`] bags. `deactivate` and `uninstall` drop them all (newest first), so the
//! page returns to what it was. Features built elsewhere in the crate (widgets, accounts) join in
//! one of two ways:
//!
//! * at activation, from [`FEATURES`]: add a [`FeatureSpec`] whose `activate` returns the bag;
//! * at any time while active: [`add_feature`] (`"media-library"`, a bag holding the widget
//!   handle and its script) and [`remove_feature`]; [`with_feature`] reaches a held value.
//!
//! ```no_run
//! # use cloudinary_connector::host::{plugin, resources::*};
//! # fn f(tag: ScriptTag) -> Result<(), plugin::PluginError> {
//! let mut bag = Resources::new();
//! bag.hold(tag);
//! plugin::add_feature("upload-widget", bag)?; // dropped on deactivate/uninstall
//! # Ok(()) }
//! ```

use std::cell::RefCell;
use std::fmt;
use std::rc::{Rc, Weak};

use semver::Version;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::identity::Identity;
use crate::core::lifecycle::{self, Lifecycle, LifecycleError, Op, UninstallMode, UpdateKind};
use crate::core::settings::{self, Settings, SETTINGS_KEY};
use crate::host::api::{js_message, HostApi, Level};
use crate::host::resources::*;

/// The manifest shipped with this build (`pkg.json`).
pub const MANIFEST: &str = include_str!("../../pkg.json");

/// The `data-owner` attribute value on every element the plugin creates.
pub const OWNER: &str = "cloudinary-connector";

/// The Media Library widget script (Cloudinary's CDN).
pub const MEDIA_LIBRARY_SCRIPT: &str = "https://media-library.cloudinary.com/global/all.js";

/// Storage key (in the plugin's namespace) of the panel's open/closed state.
pub const UI_STATE_KEY: &str = "ui-state";

/// Why a lifecycle call failed. The message is what the host shows the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginError(pub String);

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PluginError {}

macro_rules! from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for PluginError {
            fn from(e: $t) -> Self { PluginError(e.to_string()) }
        }
    )*}
}
from_display!(
    LifecycleError,
    lifecycle::Refused,
    settings::SettingsError,
    crate::host::api::HostError,
    crate::core::identity::IdentityError
);

fn js_err(context: &str) -> impl Fn(JsValue) -> PluginError + '_ {
    move |e| PluginError(format!("{context}: {}", js_message(&e)))
}

// ---------------------------------------------------------------------------------------------
// Feature registry
// ---------------------------------------------------------------------------------------------

/// Everything the plugin holds in the page, by feature name.
#[derive(Debug, Default)]
pub struct Features {
    entries: Vec<(String, Resources)>,
}

impl Features {
    /// Adds (or replaces, releasing the old bag) the feature `name`.
    pub fn insert(&mut self, name: &str, bag: Resources) {
        self.remove(name);
        self.entries.push((name.to_owned(), bag));
    }

    /// Releases the feature `name`; `false` if there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        match self.entries.iter().position(|(n, _)| n == name) {
            Some(i) => {
                let (_, bag) = self.entries.remove(i);
                drop(bag);
                true
            }
            None => false,
        }
    }

    /// The bag of feature `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Resources> {
        self.entries.iter_mut().find(|(n, _)| n == name).map(|(_, b)| b)
    }

    /// Feature names, oldest first.
    pub fn names(&self) -> Vec<String> {
        self.entries.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Releases every feature, newest first.
    pub fn release_all(&mut self) {
        while let Some((_, bag)) = self.entries.pop() {
            drop(bag);
        }
    }
}

impl Drop for Features {
    fn drop(&mut self) {
        self.release_all();
    }
}

/// What a feature gets when the plugin activates.
#[derive(Debug, Clone)]
pub struct Context {
    /// The host.
    pub host: HostApi,
    /// The current settings.
    pub settings: Settings,
}

/// A feature mounted at activation.
#[derive(Debug, Clone, Copy)]
pub struct FeatureSpec {
    /// Its name in [`Features`].
    pub name: &'static str,
    /// Mounts it; everything it creates goes into the returned bag.
    pub activate: fn(&Context) -> Result<Resources, PluginError>,
}

/// The features mounted at activation, in order (released in reverse).
pub const FEATURES: &[FeatureSpec] = &[FeatureSpec { name: "ui", activate: activate_ui }];

// ---------------------------------------------------------------------------------------------
// Plugin state
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Plugin {
    lifecycle: Lifecycle,
    host: Option<HostApi>,
    settings: Option<Settings>,
    features: Features,
}

thread_local! {
    static PLUGIN: RefCell<Plugin> = RefCell::new(Plugin::default());
}

fn with<R>(f: impl FnOnce(&mut Plugin) -> R) -> Result<R, PluginError> {
    PLUGIN.with(|p| match p.try_borrow_mut() {
        Ok(mut p) => Ok(f(&mut p)),
        Err(_) => Err(PluginError(
            "the plugin is busy with another lifecycle call; call it again when that one has finished".into(),
        )),
    })
}

/// Adds a feature bag to the active plugin (released on deactivate/uninstall).
pub fn add_feature(name: &str, bag: Resources) -> Result<(), PluginError> {
    let mut bag = Some(bag);
    let added = with(|p| {
        let active = p.lifecycle.state() == lifecycle::State::Active;
        if let (true, Some(b)) = (active, bag.take()) {
            p.features.insert(name, b);
        }
        active
    })?;
    drop(bag); // released outside the borrow when refused
    if added {
        Ok(())
    } else {
        Err(PluginError(format!("cannot add the feature {name:?}: the plugin is not active")))
    }
}

/// Releases the feature `name`; `false` if it was not there.
pub fn remove_feature(name: &str) -> Result<bool, PluginError> {
    // Take the bag out first so its release runs outside the borrow (dropping nodes can fire
    // events synchronously, e.g. `blur`, into the plugin's own listeners).
    let bag = with(|p| {
        let i = p.features.entries.iter().position(|(n, _)| n == name)?;
        Some(p.features.entries.remove(i).1)
    })?;
    Ok(bag.is_some())
}

/// Runs `f` on the bag of feature `name`, if the plugin is active and has it.
pub fn with_feature<R>(name: &str, f: impl FnOnce(&mut Resources) -> R) -> Result<Option<R>, PluginError> {
    with(|p| p.features.get_mut(name).map(f))
}

/// The host the plugin was last activated/installed with.
pub fn current_host() -> Option<HostApi> {
    with(|p| p.host.clone()).ok().flatten()
}

/// The current settings, if installed.
pub fn current_settings() -> Option<Settings> {
    with(|p| p.settings.clone()).ok().flatten()
}

/// The lifecycle state name and the active feature names.
pub fn status() -> Result<(lifecycle::State, Vec<String>), PluginError> {
    with(|p| (p.lifecycle.state(), p.features.names()))
}

fn current_version() -> Version {
    Version::parse(crate::core::VERSION).expect("Cargo.toml's version is SemVer")
}

/// Validates the host object and admits it: the manifest (the host's, or the shipped one)
/// describes this module, and the host API version is in range.
fn admit(host: &JsValue) -> Result<HostApi, PluginError> {
    let api = HostApi::from_js(host)?;
    let manifest = api.manifest().unwrap_or(MANIFEST);
    lifecycle::admit(manifest, api.api_version(), crate::core::VERSION)?;
    Identity::new(api.platform_name(), api.platform_version(), api.environment())?;
    Ok(api)
}

fn write_settings(api: &HostApi, s: &Settings) -> Result<(), PluginError> {
    KeyValue::set(api.storage(), SETTINGS_KEY, &s.to_record(&current_version()))
        .map_err(js_err("cannot store the settings in the host's storage"))
}

fn read_record(api: &HostApi) -> Result<Option<String>, PluginError> {
    KeyValue::get(api.storage(), SETTINGS_KEY).map_err(js_err("cannot read the host's storage"))
}

/// The result of `install`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallReport {
    /// `true`: settings kept from an earlier install were found (and migrated if older).
    pub kept_settings: bool,
    /// Migrations applied to kept settings.
    pub migrations: Vec<&'static str>,
}

/// First-time install: admits the host and stores initial settings (or adopts the settings an
/// earlier install kept). Mounts nothing.
pub fn install(host: &JsValue) -> Result<InstallReport, PluginError> {
    let api = admit(host)?;
    with(|p| p.lifecycle.plan(Op::Install))??;
    let (settings, report) = match read_record(&api)? {
        Some(rec) => {
            let loaded = settings::load(&rec, &current_version())?;
            if loaded.needs_write(&current_version()) {
                write_settings(&api, &loaded.settings)?;
            }
            (loaded.settings, InstallReport { kept_settings: true, migrations: loaded.applied })
        }
        None => {
            let s = Settings::default();
            write_settings(&api, &s)?;
            (s, InstallReport { kept_settings: false, migrations: vec![] })
        }
    };
    with(|p| {
        p.lifecycle.apply(Op::Install)?;
        p.host = Some(api.clone());
        p.settings = Some(settings);
        Ok::<_, PluginError>(())
    })??;
    api.log(
        Level::Info,
        if report.kept_settings { "installed with the settings kept from an earlier install" } else { "installed with default settings" },
    );
    Ok(report)
}

fn mount(api: &HostApi, s: &Settings) -> Result<Features, PluginError> {
    let ctx = Context { host: api.clone(), settings: s.clone() };
    let mut features = Features::default();
    for spec in FEATURES {
        match (spec.activate)(&ctx) {
            Ok(bag) => features.insert(spec.name, bag),
            Err(e) => {
                drop(features); // release what the earlier features mounted
                return Err(PluginError(format!("cannot activate the feature {:?}: {e}", spec.name)));
            }
        }
    }
    Ok(features)
}

/// Mounts every feature. A module loaded into a page where the plugin was installed earlier may
/// call this first: the stored settings prove the install.
pub fn activate(host: &JsValue) -> Result<(), PluginError> {
    let api = admit(host)?;
    if with(|p| p.lifecycle.plan(Op::Activate))??.no_op {
        return Ok(());
    }
    let record = read_record(&api)?.ok_or_else(|| {
        PluginError("cannot activate: the plugin is not installed on this host (it has no stored settings); call install() first".into())
    })?;
    let loaded = settings::load(&record, &current_version())?;
    if loaded.needs_write(&current_version()) {
        api.log(
            Level::Warn,
            &format!(
                "settings written by {} were migrated at activation; hosts should call update() after replacing a version",
                loaded.written_by
            ),
        );
        write_settings(&api, &loaded.settings)?;
    }
    let features = mount(&api, &loaded.settings)?;
    with(|p| {
        p.lifecycle.apply(Op::Activate)?;
        p.host = Some(api);
        p.settings = Some(loaded.settings);
        p.features = features;
        Ok::<_, PluginError>(())
    })?
}

/// Releases everything the plugin put into the page. Never fails; calling it when inactive does
/// nothing.
pub fn deactivate() -> Result<(), PluginError> {
    let features = with(|p| {
        let _ = p.lifecycle.apply(Op::Deactivate);
        std::mem::take(&mut p.features)
    })?;
    drop(features);
    Ok(())
}

/// The result of `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateReport {
    /// The version updated from.
    pub from: Version,
    /// Migrations applied, in order.
    pub migrations: Vec<&'static str>,
}

/// Updates from `previous` (the version the host had installed): migrates the stored settings in
/// order, refusing a downgrade. An active plugin is deactivated and re-activated around it.
pub fn update(host: &JsValue, previous: &str) -> Result<UpdateReport, PluginError> {
    let api = admit(host)?;
    let current = current_version();
    let kind = lifecycle::classify_update(previous, &current)?;
    let plan = with(|p| p.lifecycle.plan(Op::Update))??;
    let loaded = match read_record(&api)? {
        Some(rec) => Some(settings::load(&rec, &current)?),
        None => None,
    };
    if plan.deactivate_first {
        deactivate()?;
    }
    let (settings, migrations) = match loaded {
        Some(l) => {
            if l.needs_write(&current) {
                write_settings(&api, &l.settings)?;
            }
            (l.settings, l.applied)
        }
        None => {
            let s = Settings::default();
            write_settings(&api, &s)?;
            (s, vec![])
        }
    };
    let features = if plan.reactivate_after { Some(mount(&api, &settings)?) } else { None };
    with(|p| {
        // An active plugin was deactivated above, so this moves inactive → inactive.
        p.lifecycle.apply(Op::Update)?;
        if let Some(f) = features {
            p.lifecycle.apply(Op::Activate)?;
            p.features = f;
        }
        p.host = Some(api.clone());
        p.settings = Some(settings);
        Ok::<_, PluginError>(())
    })??;
    let from = match kind {
        UpdateKind::Upgrade { from } => from,
        UpdateKind::Same => current,
    };
    api.log(
        Level::Info,
        &format!("Cloudinary Connector updated from {from} to {}", crate::core::VERSION),
    );
    Ok(UpdateReport { from, migrations })
}

/// Releases everything and, with [`UninstallMode::RemoveAllData`], removes every key in the
/// plugin's storage namespace. Returns how many keys were removed.
pub fn uninstall(host: &JsValue, mode: UninstallMode) -> Result<usize, PluginError> {
    // Release first, whatever the host object looks like: uninstall must always clean the page.
    deactivate()?;
    let api = match HostApi::from_js(host) {
        Ok(a) => Some(a),
        Err(e) => {
            if mode == UninstallMode::RemoveAllData {
                return Err(PluginError(format!(
                    "the page is clean, but the stored data could not be removed: {e}"
                )));
            }
            None
        }
    };
    let removed = match (&api, mode) {
        (Some(a), UninstallMode::RemoveAllData) => a
            .storage()
            .clear()
            .map_err(js_err("the page is clean, but removing the stored data failed"))?,
        _ => 0,
    };
    with(|p| {
        let _ = p.lifecycle.apply(Op::Uninstall);
        p.host = None;
        p.settings = None;
    })?;
    if let Some(a) = api {
        a.log(
            Level::Info,
            &match mode {
                UninstallMode::KeepData => "uninstalled; its settings are kept for a later install".to_owned(),
                UninstallMode::RemoveAllData => format!("uninstalled; {removed} stored keys removed"),
            },
        );
    }
    Ok(removed)
}

// ---------------------------------------------------------------------------------------------
// The "ui" feature: toolbar button, panel, settings, image insertion, Media Library, signer status
// ---------------------------------------------------------------------------------------------

const CSS: &str = r#"
.cldc-toolbar-button{font:inherit;padding:.25rem .6rem;border:1px solid #3448c5;border-radius:4px;background:#fff;color:#3448c5;cursor:pointer}
.cldc-toolbar-button[aria-pressed=true]{background:#3448c5;color:#fff}
.cldc-panel{border:1px solid #d0d5e6;border-radius:6px;padding:.75rem;margin:.5rem 0;background:#f7f8fc}
.cldc-panel h2{font-size:1rem;margin:0 0 .5rem}
.cldc-panel form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0}
.cldc-panel label{display:flex;flex-direction:column;font-size:.85rem}
.cldc-error{color:#b00020}
.cldc-status{font-size:.85rem;color:#444}
"#;

const PANEL_HTML: &str = r#"<h2>Cloudinary</h2>
<p class="cldc-status" role="status"></p>
<form class="cldc-insert">
  <label>Public ID <input name="publicId" placeholder="sample" autocomplete="off"></label>
  <label>Alt text <input name="alt" autocomplete="off"></label>
  <button type="submit">Insert image</button>
</form>
<button type="button" class="cldc-ml">Browse Media Library…</button>
<details class="cldc-settings"><summary>Settings</summary>
  <form class="cldc-settings-form">
    <label>Cloud name <input name="cloudName" autocomplete="off"></label>
    <label>Default transformation <input name="defaultTransformation" autocomplete="off"></label>
    <label><span><input type="checkbox" name="shortcut"> Ctrl+Shift+M toggles this panel</span></label>
    <button type="submit">Save settings</button>
  </form>
</details>
<p class="cldc-error" role="alert" hidden></p>"#;

/// The Media Library while it loads or is open.
struct MediaLibrary {
    // Fields drop in this order: hide the widget, remove the nodes it added to <body>, cancel the
    // timeout, remove the script, restore the global.
    widget: Option<MlWidget>,
    _nodes: Option<AdoptAdded>,
    timeout: Option<Timeout>,
    _script: ScriptTag,
    _global: Global,
}

struct MlWidget {
    instance: JsValue,
    _insert: Closure<dyn FnMut(JsValue)>,
}

impl Drop for MlWidget {
    fn drop(&mut self) {
        if let Ok(hide) = js_sys::Reflect::get(&self.instance, &"hide".into()) {
            if let Some(f) = hide.dyn_ref::<js_sys::Function>() {
                let _ = f.call0(&self.instance);
            }
        }
    }
}

struct Ui {
    host: HostApi,
    settings: Settings,
    panel: web_sys::Element,
    button: Option<web_sys::Element>,
    ml: Option<MediaLibrary>,
    signer_check: Option<AbortOnDrop>,
    signer_state: String,
}

type UiRef = Rc<RefCell<Ui>>;

fn q(root: &web_sys::Element, sel: &str) -> Result<web_sys::Element, PluginError> {
    root.query_selector(sel)
        .ok()
        .flatten()
        .ok_or_else(|| PluginError(format!("the panel has no {sel}")))
}

fn input(root: &web_sys::Element, name: &str) -> Result<web_sys::HtmlInputElement, PluginError> {
    q(root, &format!("[name={name}]"))?
        .dyn_into()
        .map_err(|_| PluginError(format!("[name={name}] is not an input")))
}

impl Ui {
    fn render_status(&self) {
        if let Ok(el) = q(&self.panel, ".cldc-status") {
            el.set_text_content(Some(&format!(
                "Cloud: {} · Signer: {}",
                self.settings.cloud_name, self.signer_state
            )));
        }
    }

    fn show_error(&self, message: Option<&str>) {
        if let Ok(el) = q(&self.panel, ".cldc-error") {
            el.set_text_content(message);
            let _ = if message.is_some() { el.remove_attribute("hidden") } else { el.set_attribute("hidden", "") };
        }
        if let Some(m) = message {
            self.host.log(Level::Error, m);
        }
    }

    fn set_open(&self, open: bool) {
        let _ = if open { self.panel.remove_attribute("hidden") } else { self.panel.set_attribute("hidden", "") };
        if let Some(b) = &self.button {
            let _ = b.set_attribute("aria-pressed", if open { "true" } else { "false" });
        }
        let _ = KeyValue::set(self.host.storage(), UI_STATE_KEY, if open { r#"{"open":true}"# } else { r#"{"open":false}"# });
    }

    fn toggle(&self) {
        self.set_open(self.panel.has_attribute("hidden"));
    }
}

/// Runs `f` on the live UI state, if the feature has not been released; never panics into the
/// host's event dispatch.
fn on_ui(weak: &Weak<RefCell<Ui>>, f: impl FnOnce(&mut Ui)) {
    if let Some(rc) = weak.upgrade() {
        if let Ok(mut ui) = rc.try_borrow_mut() {
            f(&mut ui);
        }
    }
}

/// Percent-encodes a public id for a URL path (keeps `/` as the folder separator).
fn encode_public_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The delivery URL of an image on `settings`' cloud with its default transformation.
pub fn image_url(settings: &Settings, public_id: &str) -> String {
    let tx = &settings.delivery.default_transformation;
    let tx = if tx.is_empty() { String::new() } else { format!("{tx}/") };
    format!(
        "https://res.cloudinary.com/{}/image/upload/{tx}{}",
        settings.cloud_name,
        encode_public_id(public_id)
    )
}

fn media_object(url: &str, alt: &str, public_id: &str, tx: &str) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in [("url", url), ("alt", alt), ("publicId", public_id), ("resourceType", "image"), ("deliveryType", "upload"), ("transformation", tx)] {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
    }
    o.into()
}

fn activate_ui(ctx: &Context) -> Result<Resources, PluginError> {
    let mut bag = Resources::new();
    let host = &ctx.host;
    let dom = js_err("cannot build the Cloudinary panel");

    bag.hold(inject_style(OWNER, CSS).map_err(&dom)?);
    bag.hold(inject_link(OWNER, "preconnect", "https://res.cloudinary.com", true).map_err(&dom)?);
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &"version".into(), &crate::core::VERSION.into());
    bag.hold(Global::define("cloudinaryConnector", &js_sys::Object::freeze(&info).into()).map_err(&dom)?);

    let panel_slot = host.slot("panel").map_err(js_err("the host's ui.slot(\"panel\") failed"))?;
    let Some(panel_slot) = panel_slot else {
        host.log(Level::Warn, "the host offers no \"panel\" slot: Cloudinary features are unavailable");
        return Ok(bag);
    };
    let panel = element("section", &[("class", "cldc-panel"), ("data-owner", OWNER), ("aria-label", "Cloudinary"), ("hidden", "")]).map_err(&dom)?;
    panel.set_inner_html(PANEL_HTML);
    let panel_node = OwnedNode::append(&panel_slot, &panel).map_err(&dom)?;

    let ui: UiRef = Rc::new(RefCell::new(Ui {
        host: host.clone(),
        settings: ctx.settings.clone(),
        panel: panel.clone(),
        button: None,
        ml: None,
        signer_check: None,
        signer_state: if host.signer_url().is_some() { "checking…".into() } else { "not configured".into() },
    }));
    let weak = Rc::downgrade(&ui);

    // Settings form initial values.
    input(&panel, "cloudName")?.set_value(&ctx.settings.cloud_name);
    input(&panel, "defaultTransformation")?.set_value(&ctx.settings.delivery.default_transformation);
    input(&panel, "shortcut")?.set_checked(ctx.settings.ui.shortcut);

    // Toolbar button, kept in place by an observer if the host re-renders its toolbar.
    let mut toolbar_nodes = None;
    if let Some(toolbar) = host.slot("toolbar").map_err(js_err("the host's ui.slot(\"toolbar\") failed"))? {
        let button = element("button", &[("type", "button"), ("class", "cldc-toolbar-button"), ("data-owner", OWNER), ("aria-pressed", "false"), ("title", "Cloudinary (Ctrl+Shift+M)")]).map_err(&dom)?;
        button.set_text_content(Some("Cloudinary"));
        let node = OwnedNode::append(&toolbar, &button).map_err(&dom)?;
        let w = weak.clone();
        let click = Listener::new(&button, "click", move |_| on_ui(&w, |ui| ui.toggle()));
        let (tb, bt) = (toolbar.clone(), button.clone());
        let observer = Observer::children(&toolbar, move |_| {
            if bt.parent_node().is_none() {
                let _ = tb.append_child(&bt);
            }
        })
        .map_err(&dom)?;
        ui.borrow_mut().button = Some(button);
        toolbar_nodes = Some((node, click, observer));
    }

    // Insert an image by public id.
    let w = weak.clone();
    let insert = Listener::with_options(&q(&panel, ".cldc-insert")?, "submit", false, false, move |e| {
        e.prevent_default();
        on_ui(&w, |ui| {
            let (Ok(pid), Ok(alt)) = (input(&ui.panel, "publicId"), input(&ui.panel, "alt")) else { return };
            let id = pid.value().trim().to_owned();
            if id.is_empty() {
                return ui.show_error(Some("Enter the public ID of the image to insert."));
            }
            if !ui.host.has_editor() {
                return ui.show_error(Some("This host has no editor to insert images into."));
            }
            let url = image_url(&ui.settings, &id);
            let alt_text = alt.value();
            let media = media_object(&url, alt_text.trim(), &id, &ui.settings.delivery.default_transformation);
            match ui.host.insert_media(&media) {
                Ok(_) => {
                    ui.show_error(None);
                    pid.set_value("");
                    alt.set_value("");
                }
                Err(e) => ui.show_error(Some(&format!("The host refused the image: {}", js_message(&e)))),
            }
        })
    });

    // Save settings.
    let w = weak.clone();
    let save = Listener::with_options(&q(&panel, ".cldc-settings-form")?, "submit", false, false, move |e| {
        e.prevent_default();
        on_ui(&w, |ui| {
            let (Ok(c), Ok(t), Ok(s)) = (input(&ui.panel, "cloudName"), input(&ui.panel, "defaultTransformation"), input(&ui.panel, "shortcut")) else { return };
            let mut next = ui.settings.clone();
            next.cloud_name = c.value().trim().to_owned();
            next.delivery.default_transformation = t.value().trim().to_owned();
            next.ui.shortcut = s.checked();
            if let Err(e) = next.validate() {
                return ui.show_error(Some(&format!("Settings not saved: {e}.")));
            }
            if let Err(e) = write_settings(&ui.host, &next) {
                return ui.show_error(Some(&format!("Settings not saved: {e}.")));
            }
            ui.settings = next.clone();
            let _ = with(|p| p.settings = Some(next));
            ui.show_error(None);
            ui.render_status();
        })
    });

    // Media Library.
    let w = weak.clone();
    let ml = Listener::new(&q(&panel, ".cldc-ml")?, "click", move |_| open_media_library(&w));

    // Keyboard shortcut.
    let w = weak.clone();
    let keys = Listener::new(&document(), "keydown", move |e| {
        let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
        if k.ctrl_key() && k.shift_key() && k.key().eq_ignore_ascii_case("m") {
            on_ui(&w, |ui| {
                if ui.settings.ui.shortcut {
                    ui.toggle()
                }
            });
        }
    });

    // Signer status: checked now and every 30 s while active.
    let mut timers = None;
    if host.signer_url().is_some() {
        let w = weak.clone();
        let first = Timeout::new(0, move || check_signer(&w));
        let w = weak.clone();
        let every = Interval::new(30_000, move || check_signer(&w));
        timers = Some((first, every));
    }

    // Restore the panel's open state.
    let open = KeyValue::get(host.storage(), UI_STATE_KEY).ok().flatten().is_some_and(|v| v.contains("true"));
    {
        let u = ui.borrow();
        u.render_status();
        if open {
            u.set_open(true);
        }
    }

    // Acquisition order = release order reversed: state (widgets, requests) first, then timers
    // and listeners, then nodes.
    bag.hold(panel_node);
    if let Some((node, click, observer)) = toolbar_nodes {
        bag.hold(node);
        bag.hold(observer);
        bag.hold(click);
    }
    bag.hold(insert);
    bag.hold(save);
    bag.hold(ml);
    bag.hold(keys);
    if let Some(t) = timers {
        bag.hold(t);
    }
    bag.hold(ui);
    Ok(bag)
}

fn check_signer(weak: &Weak<RefCell<Ui>>) {
    let Some(rc) = weak.upgrade() else { return };
    let Ok(mut ui) = rc.try_borrow_mut() else { return };
    let Some(base) = ui.host.signer_url().map(|u| u.trim_end_matches('/').to_owned()) else { return };
    let Ok(abort) = AbortOnDrop::new() else { return };
    let signal = abort.signal();
    ui.signer_check = Some(abort); // replaces (aborts) a check still running
    drop(ui);
    drop(rc);
    let weak = weak.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let res = gloo_net::http::Request::get(&format!("{base}/v1/health"))
            .abort_signal(Some(&signal))
            .send()
            .await;
        if signal.aborted() {
            return; // torn down or superseded
        }
        let state = match res {
            Ok(r) if r.ok() => "connected".to_owned(),
            Ok(r) => format!("error (HTTP {})", r.status()),
            Err(_) => "unreachable".to_owned(),
        };
        on_ui(&weak, |ui| {
            ui.signer_check = None;
            ui.signer_state = state;
            ui.render_status();
        });
    });
}

fn open_media_library(weak: &Weak<RefCell<Ui>>) {
    let Some(rc) = weak.upgrade() else { return };
    let Ok(mut ui) = rc.try_borrow_mut() else { return };
    if let Some(ml) = &ui.ml {
        if let Some(w) = &ml.widget {
            // Already loaded: show it again.
            let _ = js_sys::Reflect::get(&w.instance, &"show".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .map(|f| f.call0(&w.instance));
        }
        return; // loading
    }
    let global = Global::adopt("cloudinary");
    let script = match ScriptTag::load(OWNER, MEDIA_LIBRARY_SCRIPT, None, &["cloudinary"]) {
        Ok(s) => s,
        Err(e) => return ui.show_error(Some(&format!("Cannot load the Media Library: {}", js_message(&e)))),
    };
    let settled = script.settled();
    let w = weak.clone();
    let timeout = Timeout::new(20_000, move || {
        on_ui(&w, |ui| {
            ui.ml = None;
            ui.show_error(Some(&format!("The Media Library script did not load within 20 s ({MEDIA_LIBRARY_SCRIPT}).")));
        })
    });
    // The widget has no destroy(): what it appends to <body> is adopted and removed with it.
    let nodes = document().body().and_then(|b| AdoptAdded::watch(&b, is_cloudinary_widget_node).ok());
    ui.ml = Some(MediaLibrary {
        widget: None,
        _nodes: nodes,
        timeout: Some(timeout),
        _script: script,
        _global: global,
    });
    ui.show_error(None);
    drop(ui);
    drop(rc);
    let weak = weak.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let state = settled.await;
        on_ui(&weak, |ui| {
            let Some(ml) = ui.ml.as_mut() else { return };
            ml.timeout = None;
            if state != ScriptState::Loaded {
                ui.ml = None;
                return ui.show_error(Some(&format!("Could not load the Media Library script from {MEDIA_LIBRARY_SCRIPT}.")));
            }
            match mount_media_library(ui, weak.clone()) {
                Ok(widget) => {
                    if let Some(ml) = ui.ml.as_mut() {
                        ml.widget = Some(widget);
                    }
                }
                Err(e) => {
                    ui.ml = None;
                    ui.show_error(Some(&format!("Could not open the Media Library: {e}")));
                }
            }
        });
    });
}

fn mount_media_library(ui: &Ui, weak: Weak<RefCell<Ui>>) -> Result<MlWidget, String> {
    let cld = js_sys::Reflect::get(&window(), &"cloudinary".into()).map_err(|e| js_message(&e))?;
    let open = js_sys::Reflect::get(&cld, &"openMediaLibrary".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("the script did not define cloudinary.openMediaLibrary")?;
    let identity = Identity::new(ui.host.platform_name(), ui.host.platform_version(), ui.host.environment())
        .map_err(|e| e.to_string())?;
    let options = js_sys::Object::new();
    let set = |o: &js_sys::Object, k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(o, &k.into(), v);
    };
    set(&options, "cloud_name", &ui.settings.cloud_name.as_str().into());
    set(&options, "multiple", &false.into());
    set(&options, "integration", &serde_wasm_bindgen::to_value(&identity.integration()).map_err(|e| e.to_string())?);
    let insert = Closure::wrap(Box::new(move |data: JsValue| {
        on_ui(&weak, |ui| {
            let assets = js_sys::Reflect::get(&data, &"assets".into()).unwrap_or(JsValue::UNDEFINED);
            let first = js_sys::Reflect::get(&assets, &0.into()).unwrap_or(JsValue::UNDEFINED);
            let url = js_sys::Reflect::get(&first, &"secure_url".into()).ok().and_then(|v| v.as_string());
            let pid = js_sys::Reflect::get(&first, &"public_id".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
            match url {
                Some(url) => {
                    if let Err(e) = ui.host.insert_media(&media_object(&url, &pid, &pid, "")) {
                        ui.show_error(Some(&format!("The host refused the image: {}", js_message(&e))));
                    }
                }
                None => ui.show_error(Some("The Media Library returned no asset URL.")),
            }
        })
    }) as Box<dyn FnMut(JsValue)>);
    let handlers = js_sys::Object::new();
    set(&handlers, "insertHandler", insert.as_ref());
    let instance = open.call2(&cld, &options, &handlers).map_err(|e| js_message(&e))?;
    Ok(MlWidget { instance, _insert: insert })
}
