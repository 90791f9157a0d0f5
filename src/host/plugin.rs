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
//! # fn f(tag: OwnedNode) -> Result<(), plugin::PluginError> {
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

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::core::accounts::{
    AccountListing, Availability, Capabilities, Effect, Feature, FeatureState, Reason,
};
use crate::core::identity::Identity;
use crate::core::lifecycle::{self, Lifecycle, LifecycleError, Op, UninstallMode, UpdateKind};
use crate::core::settings::{self, Settings, SETTINGS_KEY};
use crate::core::url::{Prepared, SignRequest};
use crate::core::widgets::{
    Asset, AssetReference, CloudAccount, DefaultTransformations, DeliveryTarget,
    MediaLibraryOptions, ScriptUrls, SyncMode, UploadEvent, UploadMode, UploadWidgetOptions,
    WidgetError,
};
use crate::host::accounts::{self as host_accounts, AccountStore, AccountsSession};
use crate::host::api::{js_message, HostApi, Level};
use crate::host::resources::*;
use crate::host::script::ScriptOptions;
use crate::host::signer_client::{SignerClient, SignerError, TokenSource};
use crate::host::widgets::media_library::Placement;
use crate::host::widgets::{
    MediaLibrary, MediaLibraryHandlers, MountError, UploadWidget, WidgetHost,
};

/// The manifest shipped with this build (`pkg.json`).
pub const MANIFEST: &str = include_str!("../../pkg.json");

/// The `data-owner` attribute value on every element the plugin creates.
pub const OWNER: &str = "cloudinary-connector";

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
        self.entries
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
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
pub const FEATURES: &[FeatureSpec] = &[FeatureSpec {
    name: "ui",
    activate: activate_ui,
}];

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
        Err(PluginError(format!(
            "cannot add the feature {name:?}: the plugin is not active"
        )))
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
pub fn with_feature<R>(
    name: &str,
    f: impl FnOnce(&mut Resources) -> R,
) -> Result<Option<R>, PluginError> {
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
    Identity::new(
        api.platform_name(),
        api.platform_version(),
        api.environment(),
    )?;
    Ok(api)
}

fn write_settings(api: &HostApi, s: &Settings) -> Result<(), PluginError> {
    KeyValue::set(
        api.storage(),
        SETTINGS_KEY,
        &s.to_record(&current_version()),
    )
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
            (
                loaded.settings,
                InstallReport {
                    kept_settings: true,
                    migrations: loaded.applied,
                },
            )
        }
        None => {
            let s = Settings::default();
            write_settings(&api, &s)?;
            (
                s,
                InstallReport {
                    kept_settings: false,
                    migrations: vec![],
                },
            )
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
        if report.kept_settings {
            "installed with the settings kept from an earlier install"
        } else {
            "installed with default settings"
        },
    );
    Ok(report)
}

fn mount(api: &HostApi, s: &Settings) -> Result<Features, PluginError> {
    let ctx = Context {
        host: api.clone(),
        settings: s.clone(),
    };
    let mut features = Features::default();
    for spec in FEATURES {
        match (spec.activate)(&ctx) {
            Ok(bag) => features.insert(spec.name, bag),
            Err(e) => {
                drop(features); // release what the earlier features mounted
                return Err(PluginError(format!(
                    "cannot activate the feature {:?}: {e}",
                    spec.name
                )));
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
    let features = if plan.reactivate_after {
        Some(mount(&api, &settings)?)
    } else {
        None
    };
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
        &format!(
            "Cloudinary Connector updated from {from} to {}",
            crate::core::VERSION
        ),
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
        (Some(a), UninstallMode::RemoveAllData) => a.storage().clear().map_err(js_err(
            "the page is clean, but removing the stored data failed",
        ))?,
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
                UninstallMode::KeepData => {
                    "uninstalled; its settings are kept for a later install".to_owned()
                }
                UninstallMode::RemoveAllData => {
                    format!("uninstalled; {removed} stored keys removed")
                }
            },
        );
    }
    Ok(removed)
}

// ---------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------
// The "ui" feature: toolbar button, panel, settings, image insertion, accounts, Media Library and
// Upload widgets, signer status
// ---------------------------------------------------------------------------------------------

const CSS: &str = r#"
.cldc-toolbar-button{font:inherit;padding:.25rem .6rem;border:1px solid #3448c5;border-radius:4px;background:#fff;color:#3448c5;cursor:pointer}
.cldc-toolbar-button[aria-pressed=true]{background:#3448c5;color:#fff}
.cldc-panel{border:1px solid #d0d5e6;border-radius:6px;padding:.75rem;margin:.5rem 0;background:#f7f8fc}
.cldc-panel h2{font-size:1rem;margin:0 0 .5rem}
.cldc-panel h3{font-size:.9rem;margin:.5rem 0 .25rem}
.cldc-panel form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0}
.cldc-panel label{display:flex;flex-direction:column;font-size:.85rem}
.cldc-account-list{list-style:none;padding:0;margin:.25rem 0}
.cldc-account-list li{display:flex;gap:.5rem;align-items:center;padding:.15rem 0}
.cldc-account-list li[aria-current=true] .cldc-account-label{font-weight:bold}
.cldc-role{font-size:.75rem;border-radius:3px;padding:0 .3rem;background:#e3e7f7;color:#223}
.cldc-error{color:#b00020}
.cldc-status,.cldc-note{font-size:.85rem;color:#444}
"#;

const PANEL_HTML: &str = r#"<h2>Cloudinary</h2>
<p class="cldc-status" role="status"></p>
<section class="cldc-accounts" aria-label="Cloudinary accounts">
  <h3>Accounts</h3>
  <button type="button" class="cldc-signin">Load my accounts from the signer</button>
  <ul class="cldc-account-list"></ul>
  <label class="cldc-sub" hidden>Sub-account <select name="subAccount"></select></label>
  <p class="cldc-current cldc-note"></p>
  <p class="cldc-notice cldc-note" role="status" hidden></p>
</section>
<form class="cldc-insert">
  <label>Public ID <input name="publicId" placeholder="sample" autocomplete="off"></label>
  <label>Alt text <input name="alt" autocomplete="off"></label>
  <button type="submit">Insert image</button>
</form>
<button type="button" class="cldc-ml">Browse Media Library…</button>
<button type="button" class="cldc-upload" hidden>Upload…</button>
<p class="cldc-upload-reason cldc-note" hidden></p>
<p class="cldc-delivery-note cldc-note" hidden></p>
<details class="cldc-settings"><summary>Settings</summary>
  <form class="cldc-settings-form">
    <label>Cloud name <input name="cloudName" autocomplete="off"></label>
    <label>Default transformation <input name="defaultTransformation" autocomplete="off"></label>
    <label><span><input type="checkbox" name="shortcut"> Ctrl+Shift+M toggles this panel</span></label>
    <button type="submit">Save settings</button>
  </form>
</details>
<p class="cldc-error" role="alert" hidden></p>"#;

/// A future that can be cancelled synchronously: dropping the handle drops the future at once,
/// with everything it holds (a script tag still loading, a signer request in flight).
type Task = Pin<Box<dyn Future<Output = ()>>>;

struct Cancellable(Rc<RefCell<Option<Task>>>);

impl Cancellable {
    fn spawn(f: impl Future<Output = ()> + 'static) -> Self {
        let slot: Rc<RefCell<Option<Task>>> = Rc::new(RefCell::new(Some(Box::pin(f))));
        let task = slot.clone();
        wasm_bindgen_futures::spawn_local(std::future::poll_fn(move |cx| {
            let Ok(mut guard) = task.try_borrow_mut() else {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            };
            let Some(f) = guard.as_mut() else {
                return Poll::Ready(());
            };
            match f.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    *guard = None;
                    Poll::Ready(())
                }
                Poll::Pending => Poll::Pending,
            }
        }));
        Cancellable(slot)
    }
}

impl Cancellable {
    /// Whether the future has completed.
    fn is_done(&self) -> bool {
        self.0.try_borrow().is_ok_and(|g| g.is_none())
    }
}

impl Drop for Cancellable {
    fn drop(&mut self) {
        // While the future is being polled (it is finishing and releasing its own handle) the
        // borrow fails and the future completes by itself.
        if let Ok(mut guard) = self.0.try_borrow_mut() {
            let f = guard.take();
            drop(guard);
            drop(f);
        }
    }
}

/// Work in flight, tagged with the account it belongs to (`None`: the settings' cloud).
struct Pending {
    owner: Option<String>,
    _task: Cancellable,
}

/// A mounted widget and the account it belongs to (the widget handle owns the nodes its widget
/// adds to `<body>`, see [`crate::host::widgets`]).
struct Open<W> {
    widget: W,
    owner: Option<String>,
}

/// A widget's places in the panel's state: its mount in flight and the mounted widget.
type Places<'a, W> = (&'a mut Option<Pending>, &'a mut Option<Open<W>>);

/// Where one kind of widget lives in the panel's state, and how it is shown.
struct WidgetSlot<W> {
    /// For messages: "the Media Library".
    name: &'static str,
    place: fn(&mut Ui) -> Places<'_, W>,
    reveal: fn(&W) -> Result<(), MountError>,
}

fn ml_place(ui: &mut Ui) -> Places<'_, MediaLibrary> {
    (&mut ui.ml_pending, &mut ui.ml)
}

fn upload_place(ui: &mut Ui) -> Places<'_, UploadWidget> {
    (&mut ui.upload_pending, &mut ui.upload)
}

const MEDIA_LIBRARY: WidgetSlot<MediaLibrary> = WidgetSlot {
    name: "the Media Library",
    place: ml_place,
    reveal: MediaLibrary::show,
};
const UPLOAD: WidgetSlot<UploadWidget> = WidgetSlot {
    name: "the Upload widget",
    place: upload_place,
    reveal: UploadWidget::open,
};

/// What the widgets are mounted on: the current account's cloud, or the settings' cloud when
/// no account is logged in (the Media Library then shows Cloudinary's own login screen).
struct Target {
    account: CloudAccount,
    owner: Option<String>,
    /// Where uploads go (the signer's folder rule for the role), if anywhere.
    folder: Option<String>,
    media_library: Result<(), String>,
    upload: Result<(), String>,
    /// `f_auto,q_auto` and delivery transformations allowed (not on DAM-only clouds).
    optimized_delivery: Result<(), String>,
}

struct Ui {
    // Fields drop in declaration order: work in flight first, then the widgets, then the rest.
    ml_pending: Option<Pending>,
    upload_pending: Option<Pending>,
    accounts_pending: Option<Cancellable>,
    /// Inserts waiting for delivery signatures from the signer, with the account they are for.
    inserts: Vec<Pending>,
    signer_check: Option<AbortOnDrop>,
    ml: Option<Open<MediaLibrary>>,
    upload: Option<Open<UploadWidget>>,
    host: HostApi,
    settings: Settings,
    widgets: WidgetHost,
    accounts: Option<AccountsSession>,
    listing: Option<AccountListing>,
    /// Widgets unmounted by an account change, to mount again on the new cloud.
    reopen: (bool, bool),
    panel: web_sys::Element,
    button: Option<web_sys::Element>,
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

fn set_hidden(el: &web_sys::Element, hidden: bool) {
    let _ = if hidden {
        el.set_attribute("hidden", "")
    } else {
        el.remove_attribute("hidden")
    };
}

fn allowed(caps: &Capabilities, f: Feature) -> Result<(), String> {
    if caps.is_enabled(f) {
        Ok(())
    } else {
        Err(caps.get(f).to_string())
    }
}

/// Sentence case for a feature state shown on its own ("Uploading is not allowed…").
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

impl Ui {
    fn render_status(&self) {
        if let Ok(el) = q(&self.panel, ".cldc-status") {
            let cloud = self.target().account.cloud_name;
            el.set_text_content(Some(&format!(
                "Cloud: {cloud} · Signer: {}",
                self.signer_state
            )));
        }
        self.render_accounts();
    }

    fn show_error(&self, message: Option<&str>) {
        if let Ok(el) = q(&self.panel, ".cldc-error") {
            el.set_text_content(message);
            set_hidden(&el, message.is_none());
        }
        if let Some(m) = message {
            self.host.log(Level::Error, m);
        }
    }

    fn notify(&self, text: &str) {
        if let Ok(el) = q(&self.panel, ".cldc-notice") {
            el.set_text_content(Some(text));
            set_hidden(&el, false);
        }
        self.host.log(Level::Info, text);
    }

    fn set_open(&self, open: bool) {
        let _ = if open {
            self.panel.remove_attribute("hidden")
        } else {
            self.panel.set_attribute("hidden", "")
        };
        if let Some(b) = &self.button {
            let _ = b.set_attribute("aria-pressed", if open { "true" } else { "false" });
        }
        let _ = KeyValue::set(
            self.host.storage(),
            UI_STATE_KEY,
            if open {
                r#"{"open":true}"#
            } else {
                r#"{"open":false}"#
            },
        );
    }

    fn toggle(&self) {
        self.set_open(self.panel.has_attribute("hidden"));
    }

    /// The cloud the widgets work on now, and what it allows.
    fn target(&self) -> Target {
        let now = host_accounts::now();
        if let Some(state) = self.accounts.as_ref().map(AccountsSession::state) {
            if let Some(cloud) = state.current() {
                let caps = state.features(now);
                let prefix = cloud.grants.folder_prefix.replace("{user}", &cloud.user);
                return Target {
                    account: CloudAccount {
                        api_key: Some(cloud.api_key.clone()),
                        ..CloudAccount::new(cloud.signer_account(), &cloud.cloud_name)
                    },
                    owner: Some(cloud.account.clone()),
                    folder: (!prefix.is_empty()).then_some(prefix),
                    media_library: allowed(&caps, Feature::MediaLibrary),
                    upload: allowed(&caps, Feature::Upload),
                    optimized_delivery: allowed(&caps, Feature::OptimizedDelivery),
                };
            }
        }
        // No account: the widgets need one (the Media Library its API key and signed login,
        // uploads their signatures); URLs are built for the settings' cloud.
        let no_account = |feature| {
            FeatureState {
                feature,
                availability: Availability::Disabled(Reason::NoAccount),
            }
            .to_string()
        };
        Target {
            account: CloudAccount::new("settings", &self.settings.cloud_name),
            owner: None,
            folder: None,
            media_library: Err(no_account(Feature::MediaLibrary)),
            upload: Err(no_account(Feature::Upload)),
            optimized_delivery: Ok(()),
        }
    }

    /// The widget host for `target`: signed (ML login, upload signatures) on an account, plain
    /// on the settings' cloud.
    fn widget_host(&self, target: &Target) -> WidgetHost {
        let mut host = self.widgets.clone();
        if target.owner.is_none() {
            host.signer = None;
        }
        host
    }

    /// The host's default transformation where the cloud allows delivery transformations.
    fn default_transformation(&self, target: &Target) -> Option<String> {
        let tx = self.settings.delivery.default_transformation.trim();
        (target.optimized_delivery.is_ok() && !tx.is_empty()).then(|| tx.to_owned())
    }

    /// The delivery URL of an inserted asset, rebuilt by the URL engine from its reference on
    /// the target cloud, with the default transformation chained after the user's; for
    /// `authenticated`/`private` assets it waits for its signature.
    fn prepared_delivery(
        &self,
        reference: &AssetReference,
        target: &Target,
    ) -> Result<Prepared, WidgetError> {
        let (r, delivery) = self.effective_reference(reference, target);
        r.prepare_delivery(&delivery)
    }

    /// The reference with the settings' default transformation chained (unless it is the
    /// plugin's own `f_auto,q_auto`, which the delivery target adds where the account allows),
    /// and where its URLs point.
    fn effective_reference(
        &self,
        reference: &AssetReference,
        target: &Target,
    ) -> (AssetReference, DeliveryTarget) {
        let mut r = reference.clone();
        let default = self.default_transformation(target);
        let optimize = default.as_deref() == Some(crate::core::settings::DEFAULT_TRANSFORMATION);
        if let (Some(tx), false) = (&default, optimize) {
            r.transformation = Some(match r.transformation.take().filter(|t| !t.is_empty()) {
                Some(t) => format!("{t}/{tx}"),
                None => tx.clone(),
            });
        }
        let delivery = DeliveryTarget {
            optimize,
            ..DeliveryTarget::new(&target.account.cloud_name)
        };
        (r, delivery)
    }

    /// Inserts `assets` into the host's editor with engine-built URLs. Signed assets
    /// (`authenticated`, `private`) get their signatures from the signer first; a batch is
    /// inserted whole or, on the first error, not at all.
    fn insert_assets(&mut self, weak: &Weak<RefCell<Ui>>, assets: Result<Vec<Asset>, WidgetError>) {
        let assets = match assets {
            Ok(a) => a,
            Err(e) => {
                return self.show_error(Some(&format!(
                    "The Media Library's answer was unusable: {e}"
                )))
            }
        };
        if !self.host.has_editor() {
            return self.show_error(Some("This host has no editor to insert images into."));
        }
        let target = self.target();
        let mut planned = Vec::with_capacity(assets.len());
        for asset in assets {
            let reference = asset.reference();
            match self.prepared_delivery(&reference, &target) {
                Ok(p) => planned.push((asset, reference, p)),
                Err(e) => {
                    return self
                        .show_error(Some(&format!("Cannot insert {}: {e}", asset.public_id)))
                }
            }
        }
        let signed = |p: &Prepared| matches!(p, Prepared::Url(u) if u.sign_request().is_some());
        if !planned.iter().any(|(_, _, p)| signed(p)) {
            let mut ready = Vec::with_capacity(planned.len());
            for (asset, reference, p) in planned {
                match p {
                    Prepared::Unchanged(url) => ready.push((asset, reference, url)),
                    Prepared::Url(u) => match u.finish(None) {
                        Ok(url) => ready.push((asset, reference, url)),
                        Err(e) => {
                            return self.show_error(Some(&format!(
                                "Cannot insert {}: {e}",
                                asset.public_id
                            )))
                        }
                    },
                }
            }
            self.insert_ready(ready);
            return;
        }
        let (Some(signer), Some(_)) = (self.widget_host(&target).signer, target.owner.as_ref())
        else {
            let (asset, _, _) = planned
                .iter()
                .find(|(_, _, p)| signed(p))
                .expect("one is signed");
            return self.show_error(Some(&format!(
                "Cannot insert {}: {:?} assets are delivered only through signed URLs, which need an account on the signer: log in to one.",
                asset.public_id, asset.delivery_type
            )));
        };
        let account = target.account.id.clone();
        let w = weak.clone();
        self.inserts.retain(|p| !p._task.is_done());
        let owner = target.owner.clone();
        let to_sign = planned.iter().filter(|(_, _, p)| signed(p)).count();
        self.notify(&format!(
            "Asking the signer to sign {to_sign} delivery URL{}…",
            if to_sign == 1 { "" } else { "s" }
        ));
        self.inserts.push(Pending {
            owner,
            _task: Cancellable::spawn(async move {
                // One batch request per 50 signatures (one rate-limit token each), all or none.
                let (places, requests): (Vec<usize>, Vec<&SignRequest>) = planned
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, _, p))| match p {
                        Prepared::Url(u) => u.sign_request().map(|r| (i, r)),
                        Prepared::Unchanged(_) => None,
                    })
                    .unzip();
                let answers = match signer.sign_delivery_batch(&account, &requests).await {
                    Ok(a) => a,
                    Err(e) => {
                        // A refused item is named; a failure of the whole request (timeout, rate
                        // limit, signer down) is the batch's, unless the batch is one asset.
                        let what = match batch_failure_index(&e).and_then(|i| places.get(i)) {
                            Some(&i) => planned[i].0.public_id.clone(),
                            None if planned.len() == 1 => planned[0].0.public_id.clone(),
                            None => format!("the {} assets", planned.len()),
                        };
                        let message = format!("Cannot insert {what}: {e}");
                        return on_ui(&w, |ui| ui.show_error(Some(&message)));
                    }
                };
                let mut signatures: Vec<Option<String>> = vec![None; planned.len()];
                for (place, sig) in places.into_iter().zip(answers) {
                    signatures[place] = Some(sig);
                }
                let mut ready = Vec::with_capacity(planned.len());
                for ((asset, reference, p), sig) in planned.into_iter().zip(signatures) {
                    let url = match p {
                        Prepared::Unchanged(url) => Ok(url),
                        Prepared::Url(u) => u.finish(sig.as_deref()),
                    };
                    match url {
                        Ok(url) => ready.push((asset, reference, url)),
                        Err(e) => {
                            let message = format!("Cannot insert {}: {e}", asset.public_id);
                            return on_ui(&w, |ui| ui.show_error(Some(&message)));
                        }
                    }
                }
                let n = ready.len();
                on_ui(&w, move |ui| {
                    if ui.insert_ready(ready) {
                        ui.notify(&format!(
                            "Inserted {n} asset{} with signed URLs",
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                });
            }),
        });
    }

    /// Inserts assets whose URLs are built, in order; stops at the first the host refuses
    /// (and says so). Whether all were inserted.
    fn insert_ready(&self, ready: Vec<(Asset, AssetReference, String)>) -> bool {
        for (asset, reference, url) in ready {
            let stored = asset.to_stored(SyncMode::Reference);
            let media = media_object(
                &url,
                &asset.public_id,
                &asset.public_id,
                &asset.resource_type,
                &asset.delivery_type,
                reference.transformation.as_deref().unwrap_or(""),
            );
            if let Ok(v) = crate::host::widgets::to_js(&stored) {
                let _ = js_sys::Reflect::set(&media, &"reference".into(), &v);
            }
            let (r, delivery) = self.effective_reference(&reference, &self.target());
            add_delivery_fields(&media, &r, &delivery, asset.width);
            if let Err(e) = self.host.insert_media(&media) {
                self.show_error(Some(&format!(
                    "The host refused the image: {}",
                    js_message(&e)
                )));
                return false;
            }
        }
        self.show_error(None);
        true
    }

    fn on_upload_event(&mut self, weak: &Weak<RefCell<Ui>>, e: UploadEvent) {
        if let Some(err) = &e.error {
            return self.show_error(Some(&format!("Upload failed: {err}")));
        }
        if e.event == "success" {
            if let Some(asset) = e.asset {
                self.notify(&format!("Uploaded {}", asset.public_id));
                self.insert_assets(weak, Ok(vec![asset]));
            }
        }
    }

    /// Mounts the Media Library on the current target (and shows it when `show`).
    fn start_media_library(&mut self, weak: &Weak<RefCell<Ui>>, show: bool) {
        let target = self.target();
        if let Err(why) = &target.media_library {
            return self.show_error(Some(&sentence(why)));
        }
        let host = self.widget_host(&target);
        let options = MediaLibraryOptions {
            default_transformations: match self.default_transformation(&target) {
                Some(tx) => DefaultTransformations::parse(&tx)
                    .unwrap_or_else(|_| DefaultTransformations::optimized()),
                None => DefaultTransformations::none(),
            },
            ..MediaLibraryOptions::default()
        };
        let w = weak.clone();
        let handlers = MediaLibraryHandlers {
            on_insert: Rc::new(move |r| on_ui(&w, |ui| ui.insert_assets(&w, r))),
            on_show: None,
            on_hide: None,
        };
        let owner = target.owner.clone();
        let mount = async move {
            MediaLibrary::mount(&host, &target.account, options, Placement::Modal, handlers).await
        };
        self.spawn_mount(weak, MEDIA_LIBRARY, owner, show, mount);
    }

    /// Mounts the Upload widget (signed uploads through the signer) and opens it when `open`.
    fn start_upload(&mut self, weak: &Weak<RefCell<Ui>>, open: bool) {
        let target = self.target();
        if let Err(why) = &target.upload {
            return self.show_error(Some(&sentence(why)));
        }
        let host = self.widget_host(&target);
        let options = UploadWidgetOptions {
            mode: UploadMode::Signed { preset: None },
            folder: target.folder.clone(),
            ..UploadWidgetOptions::default()
        };
        let w = weak.clone();
        let handler: Rc<dyn Fn(UploadEvent)> =
            Rc::new(move |e| on_ui(&w, |ui| ui.on_upload_event(&w, e)));
        let owner = target.owner.clone();
        let mount = async move {
            UploadWidget::mount(&host, &target.account, options, Placement::Modal, handler).await
        };
        self.spawn_mount(weak, UPLOAD, owner, open, mount);
    }

    /// Mounts a widget in the background (cancelled by dropping its [`Pending`]: account switch,
    /// uninstall) and, once mounted, keeps it in its slot and shows it when `reveal`.
    fn spawn_mount<W: 'static>(
        &mut self,
        weak: &Weak<RefCell<Ui>>,
        slot: WidgetSlot<W>,
        owner: Option<String>,
        reveal: bool,
        mount: impl Future<Output = Result<W, MountError>> + 'static,
    ) {
        let w = weak.clone();
        let task_owner = owner.clone();
        self.show_error(None);
        let task = Cancellable::spawn(async move {
            let r = mount.await;
            on_ui(&w, move |ui| {
                let fail = |ui: &Ui, e: MountError| {
                    ui.show_error(Some(&format!("Could not open {}: {e}", slot.name)))
                };
                // Releasing our own handle while running is fine: the task completes by itself.
                (slot.place)(ui).0.take();
                match r {
                    Ok(widget) => {
                        if reveal {
                            if let Err(e) = (slot.reveal)(&widget) {
                                fail(ui, e);
                            }
                        }
                        *(slot.place)(ui).1 = Some(Open {
                            widget,
                            owner: task_owner,
                        });
                    }
                    Err(e) => fail(ui, e),
                }
            });
        });
        *(slot.place)(self).0 = Some(Pending { owner, _task: task });
    }

    /// Unmounts the widgets (and cancels mounts in flight) bound to `owner`, remembering which
    /// were there so they can be mounted again on the next cloud.
    fn unmount_widgets(&mut self, owner: impl Fn(&Option<String>) -> bool) {
        // Signed inserts of that account stop too: nothing it signed reaches the editor after.
        self.inserts.retain(|p| !owner(&p.owner));
        if self.ml.as_ref().is_some_and(|m| owner(&m.owner))
            || self.ml_pending.as_ref().is_some_and(|p| owner(&p.owner))
        {
            self.ml = None;
            self.ml_pending = None;
            self.reopen.0 = true;
        }
        if self.upload.as_ref().is_some_and(|u| owner(&u.owner))
            || self
                .upload_pending
                .as_ref()
                .is_some_and(|p| owner(&p.owner))
        {
            self.upload = None;
            self.upload_pending = None;
            self.reopen.1 = true;
        }
    }

    /// Carries out what an accounts transition asks, in order.
    fn run_effects(&mut self, weak: &Weak<RefCell<Ui>>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::CancelPending(account) => {
                    let mine = |o: &Option<String>| o.as_deref() == Some(account.as_str());
                    if self.ml_pending.as_ref().is_some_and(|p| mine(&p.owner)) {
                        self.ml_pending = None;
                    }
                    if self.upload_pending.as_ref().is_some_and(|p| mine(&p.owner)) {
                        self.upload_pending = None;
                    }
                    self.inserts.retain(|p| !mine(&p.owner));
                }
                Effect::UnmountWidgetsOf(account) => {
                    self.unmount_widgets(|o| o.as_deref() == Some(account.as_str()));
                }
                // The Media Library login signature lives only in the widget unmounted above,
                // upload signatures are asked per upload and never cached, and signed inserts in
                // flight were cancelled with the account's pending work: nothing else holds a
                // signature for the account.
                Effect::DropCachedSignatures(_) => {}
                Effect::Notify(n) => self.notify(&n.to_string()),
                Effect::RemountOn(cloud) => {
                    // Widgets on another cloud (the settings' one before the first login) move too.
                    self.unmount_widgets(|o| o.as_deref() != Some(cloud.account.as_str()));
                    let (ml, upload) = std::mem::take(&mut self.reopen);
                    self.render_status();
                    // A widget the new cloud refuses (a viewer's Upload, say) is remembered and
                    // comes back on the next cloud that allows it.
                    let target = self.target();
                    if ml {
                        match &target.media_library {
                            Ok(()) => self.start_media_library(weak, false),
                            Err(why) => {
                                self.reopen.0 = true;
                                self.show_error(Some(&sentence(why)));
                            }
                        }
                    }
                    if upload {
                        match &target.upload {
                            Ok(()) => self.start_upload(weak, false),
                            Err(_) => self.reopen.1 = true,
                        }
                    }
                }
                Effect::NoCurrentAccount => {
                    self.unmount_widgets(|o| o.is_some());
                    self.reopen = (false, false);
                }
                // Effect::Persist is carried out by the session itself.
                _ => {}
            }
        }
        self.render_status();
    }

    fn render_accounts(&self) {
        let Ok(list) = q(&self.panel, ".cldc-account-list") else {
            return;
        };
        let now = host_accounts::now();
        let state = self.accounts.as_ref().map(AccountsSession::state);
        let current = state.and_then(|s| s.selection().cloned());
        let mut rows: Vec<(String, String, String, String, bool)> = Vec::new();
        if let Some(s) = state {
            for a in s.accounts() {
                let cloud = a
                    .sub_account(a.default_sub_account())
                    .map(|c| c.cloud_name().to_owned())
                    .unwrap_or_default();
                rows.push((
                    a.id().to_owned(),
                    a.label().to_owned(),
                    cloud,
                    a.role().as_str().to_owned(),
                    a.is_logged_in(now),
                ));
            }
        }
        if let Some(l) = &self.listing {
            for a in &l.accounts {
                if rows.iter().any(|r| r.0 == a.id) {
                    continue;
                }
                let role = a
                    .role
                    .or_else(|| a.sub_accounts.first().map(|s| s.role))
                    .map(|r| r.as_str())
                    .unwrap_or("");
                rows.push((
                    a.id.clone(),
                    a.label.clone(),
                    a.cloud_name.clone(),
                    role.to_owned(),
                    false,
                ));
            }
        }
        let doc = document();
        let items = js_sys::Array::new();
        for (id, label, cloud, role, logged_in) in rows {
            let is_current = current.as_ref().is_some_and(|c| c.account == id);
            let Ok(li) = element("li", &[("data-account", &id)]) else {
                continue;
            };
            if is_current {
                let _ = li.set_attribute("aria-current", "true");
            }
            let span = |class: &str, text: &str| {
                let e = doc.create_element("span").ok()?;
                e.set_class_name(class);
                e.set_text_content(Some(text));
                Some(e)
            };
            let button = |act: &str, text: &str| {
                let b = element("button", &[("type", "button"), ("data-act", act)]).ok()?;
                b.set_text_content(Some(text));
                Some(b)
            };
            let mut parts = vec![
                span("cldc-account-label", &label),
                span("cldc-cloud", &cloud),
                span("cldc-role", &role),
                span(
                    "cldc-session",
                    if logged_in { "logged in" } else { "logged out" },
                ),
            ];
            if logged_in {
                if !is_current {
                    parts.push(button("switch", "Use"));
                }
                parts.push(button("logout", "Log out"));
            } else {
                parts.push(button("login", "Log in"));
            }
            for p in parts.into_iter().flatten() {
                let _ = li.append_child(&p);
            }
            items.push(&li);
        }
        list.replace_children_with_node(&items);

        // Sub-accounts of the current account.
        if let (Ok(label), Ok(select)) = (
            q(&self.panel, ".cldc-sub"),
            q(&self.panel, "[name=subAccount]"),
        ) {
            let subs = state
                .zip(current.as_ref())
                .and_then(|(s, c)| s.account(&c.account))
                .map(|a| a.sub_accounts().to_vec())
                .unwrap_or_default();
            let options = js_sys::Array::new();
            for c in &subs {
                if let Ok(o) = element("option", &[("value", c.id())]) {
                    o.set_text_content(Some(&format!("{} ({})", c.label(), c.cloud_name())));
                    if current.as_ref().is_some_and(|s| s.sub_account == c.id()) {
                        let _ = o.set_attribute("selected", "");
                    }
                    options.push(&o);
                }
            }
            select.replace_children_with_node(&options);
            if let Some(c) = &current {
                let _ =
                    js_sys::Reflect::set(&select, &"value".into(), &c.sub_account.as_str().into());
            }
            set_hidden(&label, subs.len() < 2);
        }

        let target = self.target();
        if let Ok(el) = q(&self.panel, ".cldc-current") {
            let text = match state.and_then(|s| s.current()) {
                Some(c) => format!(
                    "Current: {} / {} ({}) · role {} · {}",
                    c.account_label, c.sub_account_label, c.cloud_name, c.role, c.product
                ),
                None => format!(
                    "No account selected: log in to one to use the Media Library and uploads; images inserted by public ID use the cloud \"{}\".",
                    self.settings.cloud_name
                ),
            };
            el.set_text_content(Some(&text));
        }
        if let Ok(b) = q(&self.panel, ".cldc-upload") {
            set_hidden(&b, target.upload.is_err());
        }
        if let Ok(el) = q(&self.panel, ".cldc-upload-reason") {
            let why = target.upload.as_ref().err();
            el.set_text_content(why.map(|w| sentence(w)).as_deref());
            set_hidden(&el, why.is_none());
        }
        if let Ok(el) = q(&self.panel, ".cldc-delivery-note") {
            let why = target.optimized_delivery.as_ref().err();
            el.set_text_content(
                why.map(|w| {
                    format!(
                        "{} Inserted images are delivered untransformed.",
                        sentence(w)
                    )
                })
                .as_deref(),
            );
            set_hidden(&el, why.is_none());
        }
        if let Ok(b) = q(&self.panel, ".cldc-signin") {
            set_hidden(&b, self.accounts.is_none());
        }
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

/// The delivery URL of an image inserted by public id on `settings`' cloud with its default
/// transformation, built by the URL engine.
pub fn image_url(settings: &Settings, public_id: &str) -> Result<String, WidgetError> {
    let (reference, target) = image_reference(settings, public_id);
    reference.delivery_url(&target)
}

/// An image inserted by public id: on `settings`' cloud, with its default transformation.
fn image_reference(settings: &Settings, public_id: &str) -> (AssetReference, DeliveryTarget) {
    let tx = settings.delivery.default_transformation.trim();
    let reference = AssetReference {
        public_id: public_id.to_owned(),
        version: None,
        resource_type: "image".into(),
        delivery_type: "upload".into(),
        format: None,
        transformation: (!tx.is_empty()).then(|| tx.to_owned()),
    };
    let target = DeliveryTarget {
        optimize: false,
        ..DeliveryTarget::new(&settings.cloud_name)
    };
    (reference, target)
}

/// Host API 1.1: the cloud an inserted asset delivers from, and the `srcset` and `sizes` of an
/// inserted image (where it has them), built like its URL.
fn add_delivery_fields(
    media: &JsValue,
    reference: &AssetReference,
    target: &DeliveryTarget,
    width: Option<u64>,
) {
    let _ = js_sys::Reflect::set(
        media,
        &"cloudName".into(),
        &target.cloud_name.as_str().into(),
    );
    if let Ok(Some((srcset, sizes))) = reference.responsive(target, width) {
        let _ = js_sys::Reflect::set(media, &"srcset".into(), &srcset.into());
        let _ = js_sys::Reflect::set(media, &"sizes".into(), &sizes.into());
    }
}

fn media_object(
    url: &str,
    alt: &str,
    public_id: &str,
    resource_type: &str,
    delivery_type: &str,
    tx: &str,
) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in [
        ("url", url),
        ("alt", alt),
        ("publicId", public_id),
        ("resourceType", resource_type),
        ("deliveryType", delivery_type),
        ("transformation", tx),
    ] {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
    }
    o.into()
}

/// The index, over the whole batch, of the item a batch refusal (its `item`) or a malformed
/// answer (`results[N]: ...`) names.
fn batch_failure_index(e: &SignerError) -> Option<usize> {
    let text = match e {
        // The signer names the refused item in the wire contract's `item`.
        SignerError::Refused { error, .. } => return error.as_ref()?.item,
        // The client's own check of a malformed answer (`results[N]: ...`).
        SignerError::BadAnswer(message) => message.strip_prefix("results[")?,
        _ => return None,
    };
    let (n, _) = text.split_once(']')?;
    n.parse().ok()
}

/// The widget host from the host object: identity from its platform and environment, the
/// script URLs it overrides (`scripts`, for self-hosting), the signer with the user's token.
fn widget_host(host: &HostApi) -> Result<WidgetHost, PluginError> {
    let identity = Identity::new(
        host.platform_name(),
        host.platform_version(),
        host.environment(),
    )?;
    let raw_scripts =
        js_sys::Reflect::get(host.as_raw(), &"scripts".into()).unwrap_or(JsValue::UNDEFINED);
    let scripts: ScriptUrls = if raw_scripts.is_undefined() || raw_scripts.is_null() {
        ScriptUrls::default()
    } else {
        let v = crate::host::widgets::json_from_js(&raw_scripts)
            .map_err(|e| PluginError(format!("the host object's `scripts`: {e}")))?;
        ScriptUrls::from_json(&v)
            .map_err(|e| PluginError(format!("the host object's `scripts`: {e}")))?
    };
    scripts
        .validate()
        .map_err(|e| PluginError(format!("the host object's `scripts`: {e}")))?;
    let signer = match host.signer_url() {
        Some(url) => {
            let f: js_sys::Function = js_sys::Reflect::get(host.as_raw(), &"getSignerToken".into())
                .ok()
                .and_then(|f| f.dyn_into().ok())
                .ok_or_else(|| {
                    PluginError("the host object has no `getSignerToken` function".into())
                })?;
            let client = SignerClient::new(url, TokenSource::Provider(f.bind0(host.as_raw())));
            match js_sys::Reflect::get(host.as_raw(), &"signerTimeoutMs".into())
                .unwrap_or(JsValue::UNDEFINED)
            {
                v if v.is_undefined() || v.is_null() => Some(client),
                v => {
                    let ms = v
                        .as_f64()
                        .filter(|n| n.is_finite() && n.fract() == 0.0)
                        .ok_or_else(|| PluginError("the host object's `signerTimeoutMs` must be a whole number of milliseconds".into()))?;
                    // A whole number out of range gets the range message, negative ones too.
                    let ms = match ms {
                        n if n < 0.0 => Err(format!(
                            "must be between 1 and {} milliseconds, not -{}",
                            crate::host::signer_client::MAX_TIMEOUT_MS,
                            (-n) as u64
                        )),
                        n => crate::host::signer_client::check_timeout_ms(n as u64),
                    }
                    .map_err(|e| PluginError(format!("the host object's `signerTimeoutMs` {e}")))?;
                    Some(client.with_timeout(ms))
                }
            }
        }
        None => None,
    };
    Ok(WidgetHost {
        enabled: true,
        identity,
        scripts,
        script_options: ScriptOptions::default(),
        signer,
    })
}

/// A tab id for the accounts' two-tab rule.
fn tab_id() -> String {
    format!(
        "tab-{:x}",
        (js_sys::Math::random() * 4_294_967_296.0) as u64
    )
}

/// Fetches the accounts the host's user token grants; `then` runs on the UI with the listing.
fn with_listing(
    weak: &Weak<RefCell<Ui>>,
    then: impl FnOnce(&mut Ui, &Weak<RefCell<Ui>>, AccountListing) + 'static,
) {
    let Some(rc) = weak.upgrade() else { return };
    let Ok(mut ui) = rc.try_borrow_mut() else {
        return;
    };
    let Some(url) = ui.host.signer_url().map(str::to_owned) else {
        return ui.show_error(Some("No signer is configured: the host must give the plugin a signer URL to log in to accounts."));
    };
    let host = ui.host.clone();
    let w = weak.clone();
    ui.accounts_pending = Some(Cancellable::spawn(async move {
        let listing = match host.signer_token().await {
            Ok(token) => host_accounts::fetch_listing(&url, &token, None)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("the host gave no user token: {}", js_message(&e))),
        };
        let w2 = w.clone();
        on_ui(&w, move |ui| {
            ui.accounts_pending = None;
            match listing {
                Ok(l) => {
                    ui.show_error(None);
                    then(ui, &w2, l);
                }
                Err(e) => {
                    ui.show_error(Some(&format!("Cannot load your Cloudinary accounts: {e}")))
                }
            }
        });
    }));
    drop(ui);
}

fn account_action(weak: &Weak<RefCell<Ui>>, act: &str, account: String) {
    let now = host_accounts::now;
    match act {
        "login" => with_listing(weak, move |ui, w, listing| {
            let Some(session) = ui.accounts.as_mut() else {
                return;
            };
            let ticket = session.begin_login(&account);
            let r = session.login(ticket, &listing, now());
            ui.listing = Some(listing);
            match r {
                Ok(effects) => ui.run_effects(w, effects),
                Err(e) => {
                    ui.show_error(Some(&format!("Cannot log in to \"{account}\": {e}")));
                    ui.render_status();
                }
            }
        }),
        _ => on_ui(weak, |ui| {
            let Some(session) = ui.accounts.as_mut() else {
                return;
            };
            let r = match act {
                "logout" => session.logout(&account, now()),
                "switch" => session.switch_to(&account, None, now()),
                "sub" => session.switch_sub_account(&account, now()),
                _ => return,
            };
            match r {
                Ok(effects) => {
                    ui.show_error(None);
                    ui.run_effects(weak, effects)
                }
                Err(e) => ui.show_error(Some(&e.to_string())),
            }
        }),
    }
}

fn activate_ui(ctx: &Context) -> Result<Resources, PluginError> {
    let mut bag = Resources::new();
    let host = &ctx.host;
    let dom = js_err("cannot build the Cloudinary panel");
    let widgets = widget_host(host)?;

    bag.hold(inject_style(OWNER, CSS).map_err(&dom)?);
    bag.hold(inject_link(OWNER, "preconnect", "https://res.cloudinary.com", true).map_err(&dom)?);
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &"version".into(), &crate::core::VERSION.into());
    bag.hold(
        Global::define("cloudinaryConnector", &js_sys::Object::freeze(&info).into())
            .map_err(&dom)?,
    );

    let panel_slot = host
        .slot("panel")
        .map_err(js_err("the host's ui.slot(\"panel\") failed"))?;
    let Some(panel_slot) = panel_slot else {
        host.log(
            Level::Warn,
            "the host offers no \"panel\" slot: Cloudinary features are unavailable",
        );
        return Ok(bag);
    };
    let panel = element(
        "section",
        &[
            ("class", "cldc-panel"),
            ("data-owner", OWNER),
            ("aria-label", "Cloudinary"),
            ("hidden", ""),
        ],
    )
    .map_err(&dom)?;
    panel.set_inner_html(PANEL_HTML);
    let panel_node = OwnedNode::append(&panel_slot, &panel).map_err(&dom)?;

    // Accounts: restored from the host's namespaced storage when a signer is configured.
    let mut opened_effects = Vec::new();
    let accounts = if host.signer_url().is_some() {
        let store = AccountStore::new(host.storage().clone(), "");
        match AccountsSession::open(store, &tab_id(), host_accounts::now()) {
            Ok(o) => {
                for issue in &o.issues {
                    host.log(Level::Warn, &format!("stored accounts: {issue}"));
                }
                if let Some(e) = &o.load_error {
                    host.log(
                        Level::Warn,
                        &format!("the stored accounts were unusable and are ignored: {e}"),
                    );
                }
                opened_effects = o.effects;
                Some(o.session)
            }
            Err(e) => {
                host.log(
                    Level::Error,
                    &format!("cannot restore the Cloudinary accounts: {e}"),
                );
                None
            }
        }
    } else {
        None
    };

    let ui: UiRef = Rc::new(RefCell::new(Ui {
        ml_pending: None,
        upload_pending: None,
        accounts_pending: None,
        inserts: Vec::new(),
        signer_check: None,
        ml: None,
        upload: None,
        host: host.clone(),
        settings: ctx.settings.clone(),
        widgets,
        accounts,
        listing: None,
        reopen: (false, false),
        panel: panel.clone(),
        button: None,
        signer_state: if host.signer_url().is_some() {
            "checking…".into()
        } else {
            "not configured".into()
        },
    }));
    let weak = Rc::downgrade(&ui);

    // Settings form initial values.
    input(&panel, "cloudName")?.set_value(&ctx.settings.cloud_name);
    input(&panel, "defaultTransformation")?
        .set_value(&ctx.settings.delivery.default_transformation);
    input(&panel, "shortcut")?.set_checked(ctx.settings.ui.shortcut);

    // Toolbar button, kept in place by an observer if the host re-renders its toolbar.
    let mut toolbar_nodes = None;
    if let Some(toolbar) = host
        .slot("toolbar")
        .map_err(js_err("the host's ui.slot(\"toolbar\") failed"))?
    {
        let button = element(
            "button",
            &[
                ("type", "button"),
                ("class", "cldc-toolbar-button"),
                ("data-owner", OWNER),
                ("aria-pressed", "false"),
                ("title", "Cloudinary (Ctrl+Shift+M)"),
            ],
        )
        .map_err(&dom)?;
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
    let insert = Listener::with_options(
        &q(&panel, ".cldc-insert")?,
        "submit",
        false,
        false,
        move |e| {
            e.prevent_default();
            on_ui(&w, |ui| {
                let (Ok(pid), Ok(alt)) = (input(&ui.panel, "publicId"), input(&ui.panel, "alt"))
                else {
                    return;
                };
                let id = pid.value().trim().to_owned();
                if id.is_empty() {
                    return ui.show_error(Some("Enter the public ID of the image to insert."));
                }
                if !ui.host.has_editor() {
                    return ui.show_error(Some("This host has no editor to insert images into."));
                }
                let (reference, target) = image_reference(&ui.settings, &id);
                let url = match reference.delivery_url(&target) {
                    Ok(u) => u,
                    Err(e) => return ui.show_error(Some(&format!("Cannot insert {id}: {e}"))),
                };
                let alt_text = alt.value();
                let media = media_object(
                    &url,
                    alt_text.trim(),
                    &id,
                    "image",
                    "upload",
                    &ui.settings.delivery.default_transformation,
                );
                add_delivery_fields(&media, &reference, &target, None);
                match ui.host.insert_media(&media) {
                    Ok(_) => {
                        ui.show_error(None);
                        pid.set_value("");
                        alt.set_value("");
                    }
                    Err(e) => ui.show_error(Some(&format!(
                        "The host refused the image: {}",
                        js_message(&e)
                    ))),
                }
            })
        },
    );

    // Save settings.
    let w = weak.clone();
    let save = Listener::with_options(
        &q(&panel, ".cldc-settings-form")?,
        "submit",
        false,
        false,
        move |e| {
            e.prevent_default();
            on_ui(&w, |ui| {
                let (Ok(c), Ok(t), Ok(s)) = (
                    input(&ui.panel, "cloudName"),
                    input(&ui.panel, "defaultTransformation"),
                    input(&ui.panel, "shortcut"),
                ) else {
                    return;
                };
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
        },
    );

    // Media Library and Upload widgets.
    let w = weak.clone();
    let ml = Listener::new(&q(&panel, ".cldc-ml")?, "click", move |_| {
        on_ui(&w, |ui| match &ui.ml {
            Some(open) => {
                if let Err(e) = open.widget.show() {
                    ui.show_error(Some(&format!("Could not open the Media Library: {e}")));
                }
            }
            None if ui.ml_pending.is_some() => {}
            None => ui.start_media_library(&w, true),
        })
    });
    let w = weak.clone();
    let upload = Listener::new(&q(&panel, ".cldc-upload")?, "click", move |_| {
        on_ui(&w, |ui| match &ui.upload {
            Some(open) => {
                if let Err(e) = open.widget.open() {
                    ui.show_error(Some(&format!("Could not open the Upload widget: {e}")));
                }
            }
            None if ui.upload_pending.is_some() => {}
            None => ui.start_upload(&w, true),
        })
    });

    // Accounts: load the listing, log in/out, switch account and sub-account.
    let w = weak.clone();
    let signin = Listener::new(&q(&panel, ".cldc-signin")?, "click", move |_| {
        with_listing(&w, |ui, w, listing| {
            let r = ui
                .accounts
                .as_mut()
                .map(|s| s.reconcile(&listing, host_accounts::now()));
            ui.listing = Some(listing);
            match r {
                Some(Ok(effects)) => ui.run_effects(w, effects),
                Some(Err(e)) => ui.show_error(Some(&e.to_string())),
                None => {}
            }
            ui.render_status();
        })
    });
    let w = weak.clone();
    let account_clicks = Listener::new(&q(&panel, ".cldc-account-list")?, "click", move |e| {
        let Some(button) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Ok(Some(button)) = button.closest("button[data-act]") else {
            return;
        };
        let (Some(act), Some(account)) = (
            button.get_attribute("data-act"),
            button
                .closest("li[data-account]")
                .ok()
                .flatten()
                .and_then(|li| li.get_attribute("data-account")),
        ) else {
            return;
        };
        account_action(&w, &act, account);
    });
    let w = weak.clone();
    let sub_change = Listener::new(&q(&panel, "[name=subAccount]")?, "change", move |e| {
        let value = e
            .target()
            .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
            .and_then(|v| v.as_string());
        if let Some(sub) = value {
            account_action(&w, "sub", sub);
        }
    });

    // Keyboard shortcut.
    let w = weak.clone();
    let keys = Listener::new(&document(), "keydown", move |e| {
        let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
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

    // Restore the panel's open state and the accounts' selection.
    let open = KeyValue::get(host.storage(), UI_STATE_KEY)
        .ok()
        .flatten()
        .is_some_and(|v| v.contains("true"));
    {
        let mut u = ui.borrow_mut();
        u.run_effects(&weak, opened_effects);
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
    bag.hold(upload);
    bag.hold(signin);
    bag.hold(account_clicks);
    bag.hold(sub_change);
    bag.hold(keys);
    if let Some(t) = timers {
        bag.hold(t);
    }
    bag.hold(ui);
    Ok(bag)
}

fn check_signer(weak: &Weak<RefCell<Ui>>) {
    let Some(rc) = weak.upgrade() else { return };
    let Ok(mut ui) = rc.try_borrow_mut() else {
        return;
    };
    let Some(base) = ui
        .host
        .signer_url()
        .map(|u| u.trim_end_matches('/').to_owned())
    else {
        return;
    };
    let Ok(abort) = AbortOnDrop::new() else {
        return;
    };
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
