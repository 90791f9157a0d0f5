//! What each role may have signed on an account: signable upload parameters, upload presets,
//! the folder it may write to, the delivery types it may sign, and the Media Library login.
//! Every refusal names the rule that refused it.

use std::collections::BTreeSet;

use cloudinary_connector::core::sign::ParamValue;
use cloudinary_connector::core::url::transformation::lex;
use serde::Deserialize;

/// A caller's role on an account, from least to most trusted (`Viewer < Uploader < Admin`).
/// The plugin's account model and the signer share this one type, so the roles the signer grants
/// and the roles the plugin reads cannot drift apart.
pub use cloudinary_connector::core::accounts::Role;

/// An allowlist: everything (`["*"]`) or exactly the names listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allow {
    /// Any name.
    Any,
    /// Only these names (possibly none).
    Only(BTreeSet<String>),
}

impl Allow {
    /// Whether `name` is allowed.
    pub fn allows(&self, name: &str) -> bool {
        match self {
            Allow::Any => true,
            Allow::Only(s) => s.contains(name),
        }
    }

    /// Whether nothing at all is allowed.
    pub fn is_none(&self) -> bool {
        matches!(self, Allow::Only(s) if s.is_empty())
    }

    fn of(items: &[&str]) -> Self {
        Allow::Only(items.iter().map(|s| (*s).to_owned()).collect())
    }

    /// The list form used in JSON and TOML (`["*"]` for any).
    pub fn to_list(&self) -> Vec<String> {
        match self {
            Allow::Any => vec!["*".into()],
            Allow::Only(s) => s.iter().cloned().collect(),
        }
    }
}

/// Upload parameters an uploader may have signed by default: what the Upload widget sends for a
/// user-chosen file, and nothing that changes access or calls out (`type`, `access_mode`,
/// `notification_url`, `eager`, ... are admin-only by default). `overwrite` is not listed:
/// a role without it may sign only `overwrite=false`, and must, whenever it chooses the public id
/// (Cloudinary's signed uploads overwrite by default, and a signature over `{public_id}` is also
/// valid for `destroy`/`explicit` of that id) — see [`RolePolicy::check_upload`].
pub const DEFAULT_UPLOADER_PARAMS: [&str; 20] = [
    "source",
    "folder",
    "asset_folder",
    "public_id",
    "public_id_prefix",
    "display_name",
    "use_filename",
    "unique_filename",
    "use_filename_as_display_name",
    "use_asset_folder_as_public_id_prefix",
    "filename_override",
    "tags",
    "context",
    "metadata",
    "upload_preset",
    "custom_coordinates",
    "face_coordinates",
    "allowed_formats",
    "discard_original_filename",
    "chunk_size",
];

/// One role's policy on one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolePolicy {
    /// Upload parameters this role may have signed (`timestamp` is always allowed and
    /// `upload_preset` is governed by `upload_presets`).
    pub upload_params: Allow,
    /// Upload presets this role may use.
    pub upload_presets: Allow,
    /// Folder prefix every upload must stay under; `{user}` is replaced by the caller's id.
    /// Empty: anywhere.
    pub folder_prefix: String,
    /// Delivery types (`upload`, `authenticated`, `private`, `fetch`, ...) whose URLs this role
    /// may have signed.
    pub delivery_types: Allow,
    /// Whether this role may get a Media Library login signature.
    pub media_library: bool,
    /// Public-id prefixes whose delivery URLs this role may have signed; `None`: any.
    /// (A URL signature covers only the transformation and the public id, never the delivery
    /// type, so this — not `delivery_types` — is what confines delivery signing.)
    pub delivery_prefixes: Option<Vec<String>>,
}

/// How an account computes public ids from upload parameters (its Cloudinary folder mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FolderMode {
    /// Not configured: `asset_folder` without `folder` is refused when uploads are confined,
    /// and a public id must lie under the prefix on its own.
    #[default]
    Unspecified,
    /// Fixed folders: the public id is `folder/public_id`; `asset_folder` does not exist.
    Fixed,
    /// Dynamic folders: `asset_folder` is only where the asset is shown; the public id (the
    /// delivery path) is `public_id`, or `public_id_prefix`/`folder` + a generated id.
    Dynamic,
}

impl FolderMode {
    /// `"unspecified"`, `"fixed"` or `"dynamic"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FolderMode::Unspecified => "unspecified",
            FolderMode::Fixed => "fixed",
            FolderMode::Dynamic => "dynamic",
        }
    }
}

/// Upload parameters never signed, whatever the policy: `username` is not an Upload API
/// parameter and, with `cloud_name` (which belongs in the URL), turns an upload signature into a
/// Media Library login signature for any user.
pub const NEVER_SIGNED_UPLOAD_PARAMS: [&str; 2] = ["cloud_name", "username"];

impl RolePolicy {
    /// The built-in policy of `role`.
    pub fn default_for(role: Role) -> Self {
        match role {
            Role::Viewer => RolePolicy {
                upload_params: Allow::Only(BTreeSet::new()),
                upload_presets: Allow::Only(BTreeSet::new()),
                folder_prefix: String::new(),
                delivery_types: Allow::of(&["upload", "authenticated"]),
                media_library: false,
                delivery_prefixes: None,
            },
            Role::Uploader => RolePolicy {
                upload_params: Allow::of(&DEFAULT_UPLOADER_PARAMS),
                upload_presets: Allow::Only(BTreeSet::new()),
                folder_prefix: String::new(),
                delivery_types: Allow::of(&["upload", "authenticated"]),
                media_library: true,
                delivery_prefixes: None,
            },
            Role::Admin => RolePolicy {
                upload_params: Allow::Any,
                upload_presets: Allow::Any,
                folder_prefix: String::new(),
                delivery_types: Allow::of(&["upload", "authenticated", "private", "fetch"]),
                media_library: true,
                delivery_prefixes: None,
            },
        }
    }
}

/// A role's policy as written in the configuration; unset fields keep the role's defaults.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RolePolicyToml {
    upload_params: Option<Vec<String>>,
    upload_presets: Option<Vec<String>>,
    folder_prefix: Option<String>,
    delivery_types: Option<Vec<String>>,
    media_library: Option<bool>,
    delivery_prefixes: Option<Vec<String>>,
}

fn allow_from(list: Vec<String>, path: &str, what: &str) -> Result<Allow, String> {
    if list.iter().any(|s| s == "*") {
        if list.len() > 1 {
            return Err(format!(
                "{path}.{what}: \"*\" allows everything and cannot be combined with names"
            ));
        }
        return Ok(Allow::Any);
    }
    for n in &list {
        if n.is_empty()
            || !n
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!("{path}.{what}: {n:?} is not a valid name"));
        }
    }
    Ok(Allow::Only(list.into_iter().collect()))
}

impl RolePolicyToml {
    /// Completes the written policy with `role`'s defaults and validates it.
    pub fn build(self, role: Role, path: &str) -> Result<RolePolicy, String> {
        let d = RolePolicy::default_for(role);
        let folder_prefix = match self.folder_prefix {
            None => d.folder_prefix,
            Some(p) => {
                let p = p.trim_matches('/').to_owned();
                if p.split('/').any(|seg| seg == ".." || seg == ".") || p.contains("//") {
                    return Err(format!(
                        "{path}.folder_prefix: must not contain empty, `.` or `..` segments"
                    ));
                }
                p
            }
        };
        Ok(RolePolicy {
            upload_params: match self.upload_params {
                Some(l) => allow_from(l, path, "upload_params")?,
                None => d.upload_params,
            },
            upload_presets: match self.upload_presets {
                Some(l) => allow_from(l, path, "upload_presets")?,
                None => d.upload_presets,
            },
            folder_prefix,
            delivery_types: match self.delivery_types {
                Some(l) => allow_from(l, path, "delivery_types")?,
                None => d.delivery_types,
            },
            media_library: self.media_library.unwrap_or(d.media_library),
            delivery_prefixes: match self.delivery_prefixes {
                None => d.delivery_prefixes,
                Some(l) if l.iter().any(|p| p == "*") => {
                    if l.len() > 1 {
                        return Err(format!(
                            "{path}.delivery_prefixes: \"*\" allows everything and cannot be combined with prefixes"
                        ));
                    }
                    None
                }
                Some(l) => {
                    let mut out = Vec::with_capacity(l.len());
                    for p in l {
                        let t = p.trim_matches('/');
                        if t.is_empty()
                            || t.split('/')
                                .any(|seg| seg.is_empty() || seg == "." || seg == "..")
                            || t.contains(':')
                            || t.chars().any(char::is_control)
                        {
                            return Err(format!(
                                "{path}.delivery_prefixes: {:?} is not a public-id folder (no empty, `.` or `..` segments, no `:`)",
                                p.chars().take(64).collect::<String>()
                            ));
                        }
                        out.push(t.to_owned());
                    }
                    Some(out)
                }
            },
        })
    }
}

/// A policy refusal: the rule (a configuration path) and a sentence for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The configuration path of the rule that refused, e.g.
    /// `accounts.demo.policy.uploader.upload_params`.
    pub rule: String,
    /// What was refused and why.
    pub message: String,
}

/// Everything a check needs to word its refusal.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The account id.
    pub account: &'a str,
    /// The caller's role there.
    pub role: Role,
    /// The caller's id (token `sub`).
    pub user: &'a str,
    /// The account's folder mode.
    pub folder_mode: FolderMode,
}

impl Subject<'_> {
    fn rule(&self, field: &str) -> String {
        format!("accounts.{}.policy.{}.{field}", self.account, self.role)
    }
}

/// Whether `path` (a folder or public id) is `prefix` or lies under it. Paths with `.`, `..`
/// or empty segments (`a//b`, a leading `/`) and control characters are never under anything.
fn folder_under(path: &str, prefix: &str) -> bool {
    let f = path.strip_suffix('/').unwrap_or(path);
    if f.is_empty()
        || f.split('/').any(|s| s.is_empty() || s == "." || s == "..")
        || f.chars().any(char::is_control)
    {
        return false;
    }
    f == prefix || (f.starts_with(prefix) && f.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// [`folder_under`] for an upload parameter (`folder`, `public_id`, `asset_folder`, ...), which
/// the policy reads literally: a value with a character Cloudinary does not allow in public ids
/// and folders (`? & # \ % < >`, Upload API reference, `public_id`) is never under anything. In
/// particular a `%` escape, which could name another folder once decoded (`cms/u/%2e%2e/v`).
/// (Delivery public ids are percent-decoded first, as URLs are, then checked by
/// [`folder_under`].)
fn upload_path_under(path: &str, prefix: &str) -> bool {
    !path.contains(['?', '&', '#', '\\', '%', '<', '>']) && folder_under(path, prefix)
}

/// Cloudinary's boolean parameters: `true`/`1` and `false`/`0`.
fn truthy(v: &ParamValue) -> bool {
    matches!(&*v.joined(), "true" | "1")
}

fn falsy(v: &ParamValue) -> bool {
    matches!(&*v.joined(), "false" | "0")
}

/// Whether `public_id` looks like a remote URL (`https://...`, `s3:...`, `//host/...`): what a
/// `fetch` URL delivers.
fn url_like(public_id: &str) -> bool {
    if public_id.contains("://") || public_id.starts_with("//") {
        return true;
    }
    match public_id.split_once(':') {
        Some((scheme, _)) => {
            let mut c = scheme.chars();
            matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic())
                && c.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Whether a transformation fetches a remote resource (`l_fetch:`, `u_fetch:`, any `fetch:`).
/// An asset a transformation layers in (`l_`/`u_`), as far as the signer can tell.
#[derive(Debug, PartialEq, Eq)]
enum LayerAsset {
    /// Its public id (`l_authenticated:hr:salaries` → `hr/salaries`).
    Id(String),
    /// A reference the signer cannot resolve (a variable such as `l_$img`).
    Unknown(String),
}

/// The assets `transformation` names, read with the crate's transformation grammar
/// ([`lex`]: the same split as the URL engine's parser):
///
/// * every `l_` / `u_` layer except text layers and remote (`fetch:`, checked by the `fetch`
///   rule) ones, with the resource type (`image:`, `video:`, `raw:`, `audio:`, `subtitles:`,
///   `lut:`) and delivery type (`upload:`, `private:`, `authenticated:`) prefixes removed and
///   `:` read as `/`;
/// * `fn_wasm:<public id>` (a WebAssembly function is a raw asset); any other `fn_` is unknown;
/// * a layer or function naming a user variable (`l_$img`): unknown (the variable can hold any
///   asset's public id: `$img_!hr:salaries!`).
fn layer_assets(transformation: &str) -> Vec<LayerAsset> {
    let mut out = Vec::new();
    for q in lex(transformation) {
        let value = q.value;
        match q.key {
            Some("l" | "u") => {}
            Some("fn") => {
                let lower = value.to_ascii_lowercase();
                match lower.strip_prefix("wasm:") {
                    Some(_) if !value[5..].starts_with('$') && !value[5..].is_empty() => {
                        out.push(LayerAsset::Id(value[5..].replace(':', "/")));
                    }
                    _ => out.push(LayerAsset::Unknown(q.token.to_owned())),
                }
                continue;
            }
            _ => continue,
        }
        let lower = value.to_ascii_lowercase();
        if lower.starts_with("text:") || lower.starts_with("fetch:") || value.is_empty() {
            continue;
        }
        let mut rest = value;
        for kind in ["image:", "video:", "raw:", "audio:", "subtitles:", "lut:"] {
            if rest.len() >= kind.len() && rest[..kind.len()].eq_ignore_ascii_case(kind) {
                rest = &rest[kind.len()..];
                break;
            }
        }
        for ty in ["upload:", "private:", "authenticated:"] {
            if rest.len() >= ty.len() && rest[..ty.len()].eq_ignore_ascii_case(ty) {
                rest = &rest[ty.len()..];
                break;
            }
        }
        if rest.starts_with('$') || rest.is_empty() {
            out.push(LayerAsset::Unknown(value.to_owned()));
            continue;
        }
        out.push(LayerAsset::Id(rest.replace(':', "/")));
    }
    out
}

/// `s` with `%XX` escapes decoded; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decoded(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// At most `n` characters of `s` (for messages).
fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn fetches(transformation: &str) -> bool {
    let t = transformation.to_ascii_lowercase();
    t.contains("fetch:") || t.contains("l_fetch") || t.contains("u_fetch")
}

impl RolePolicy {
    /// The folder prefix with `{user}` replaced by the caller's id.
    pub fn effective_prefix(&self, user: &str) -> String {
        self.folder_prefix.replace("{user}", user)
    }

    /// Whether this role may sign `overwrite=true` (its `upload_params` allow `overwrite`).
    pub fn may_overwrite(&self) -> bool {
        self.upload_params.allows("overwrite")
    }

    /// Checks an upload signing request's parameters (already stripped of the never-signed
    /// ones).
    pub fn check_upload(
        &self,
        who: Subject<'_>,
        params: &[(String, ParamValue)],
    ) -> Result<(), Refusal> {
        if self.upload_params.is_none() {
            return Err(Refusal {
                rule: who.rule("upload_params"),
                message: format!(
                    "role {} may not sign uploads on account {:?}",
                    who.role, who.account
                ),
            });
        }
        let may_overwrite = self.may_overwrite();
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| !v.joined().is_empty())
        };
        for (name, value) in params {
            match name.as_str() {
                "timestamp" => {}
                never if NEVER_SIGNED_UPLOAD_PARAMS.contains(&never) => {
                    return Err(Refusal {
                        rule: who.rule("upload_params"),
                        message: format!(
                            "parameter {never:?} is never signed for uploads: it is not an Upload API parameter \
                             there, and with it an upload signature would be a Media Library login signature \
                             (use /v1/sign/media-library)"
                        ),
                    });
                }
                "upload_preset" => {
                    let preset = value.joined();
                    if !preset.is_empty() && !self.upload_presets.allows(&preset) {
                        return Err(Refusal {
                            rule: who.rule("upload_presets"),
                            message: format!(
                                "upload preset {preset:?} is not allowed for role {} on account {:?}",
                                who.role, who.account
                            ),
                        });
                    }
                }
                "overwrite" if !may_overwrite && !falsy(value) => {
                    return Err(Refusal {
                        rule: who.rule("upload_params"),
                        message: format!(
                            "role {} may sign only overwrite=false on account {:?}",
                            who.role, who.account
                        ),
                    });
                }
                "overwrite" if !may_overwrite => {}
                other if !self.upload_params.allows(other) => {
                    return Err(Refusal {
                        rule: who.rule("upload_params"),
                        message: format!(
                            "parameter {other:?} may not be signed by role {} on account {:?}",
                            who.role, who.account
                        ),
                    });
                }
                _ => {}
            }
        }
        let prefix = self.effective_prefix(who.user);
        // The caller chooses the public id: `public_id`, or the file name kept as is.
        let chosen_id = get("public_id").is_some()
            || (get("use_filename").is_some_and(truthy)
                && get("unique_filename").is_some_and(falsy));
        if chosen_id && !may_overwrite {
            if !get("overwrite").is_some_and(falsy) {
                return Err(Refusal {
                    rule: who.rule("upload_params"),
                    message: format!(
                        "role {} on account {:?} may choose the public id (public_id, or use_filename with \
                         unique_filename=false) only with overwrite=false among the signed parameters: \
                         Cloudinary's signed uploads replace an existing asset by default",
                        who.role, who.account
                    ),
                });
            }
            if prefix.is_empty() {
                return Err(Refusal {
                    rule: who.rule("folder_prefix"),
                    message: format!(
                        "role {} on account {:?} may choose the public id only when a folder_prefix confines it \
                         (a signature for a chosen public id also authorises destroying that asset)",
                        who.role, who.account
                    ),
                });
            }
        }
        if prefix.is_empty() {
            return Ok(());
        }
        if self.folder_prefix.contains("{user}")
            && (who.user.is_empty()
                || who.user == "."
                || who.user == ".."
                || who.user.contains('/')
                || who.user.chars().any(char::is_control))
        {
            return Err(Refusal {
                rule: who.rule("folder_prefix"),
                message: format!(
                    "user {:?} cannot be placed in the folder_prefix {:?}: a user id used as a folder must not be \
                     empty, `.` or `..`, nor contain `/` or control characters",
                    who.user.chars().take(64).collect::<String>(),
                    self.folder_prefix
                ),
            });
        }
        let refuse = |what: String| Refusal {
            rule: who.rule("folder_prefix"),
            message: what,
        };
        let outside = |key: &str, v: &str| {
            refuse(format!(
                "{key} {v:?} is outside the folder {prefix:?} that role {} may write to on account {:?}",
                who.role, who.account
            ))
        };
        for key in ["folder", "asset_folder", "public_id_prefix"] {
            if let Some(v) = get(key) {
                let v = v.joined();
                if !upload_path_under(&v, &prefix) {
                    return Err(outside(key, &v));
                }
            }
        }
        if let Some(f) = get("filename_override") {
            let f = f.joined();
            if f.contains('/') || f == "." || f == ".." {
                return Err(refuse(format!(
                    "filename_override {f:?} may not contain `/` or be `.` or `..` when uploads are confined to {prefix:?}"
                )));
            }
        }
        let folder = get("folder").map(|v| v.joined().to_string());
        let asset_folder = get("asset_folder").map(|v| v.joined().to_string());
        if who.folder_mode == FolderMode::Unspecified && asset_folder.is_some() && folder.is_none()
        {
            return Err(Refusal {
                rule: format!("accounts.{}.folder_mode", who.account),
                message: format!(
                    "asset_folder without folder does not decide the public id: set folder, or set folder_mode \
                     (\"fixed\" or \"dynamic\") on account {:?}",
                    who.account
                ),
            });
        }
        // Where the public id (the delivery path) lands.
        let placed = if let Some(id) = get("public_id").map(|v| v.joined().to_string()) {
            match (&folder, who.folder_mode) {
                (Some(f), FolderMode::Fixed) => (
                    "public_id",
                    format!("{}/{id}", f.strip_suffix('/').unwrap_or(f)),
                ),
                _ => ("public_id", id),
            }
        } else if let Some(p) =
            get("public_id_prefix").filter(|_| who.folder_mode != FolderMode::Fixed)
        {
            ("public_id_prefix", p.joined().to_string())
        } else if let Some(f) = folder.clone() {
            ("folder", f)
        } else if let (Some(a), FolderMode::Dynamic) = (
            asset_folder
                .filter(|_| get("use_asset_folder_as_public_id_prefix").is_some_and(truthy)),
            who.folder_mode,
        ) {
            ("asset_folder", a)
        } else {
            return Err(refuse(format!(
                "uploads by role {} on account {:?} must name a folder under {prefix:?}",
                who.role, who.account
            )));
        };
        if !upload_path_under(&placed.1, &prefix) {
            return Err(refuse(format!(
                "the public id {:?} (from {}) is outside the folder {prefix:?} that role {} may write to on account {:?}",
                placed.1, placed.0, who.role, who.account
            )));
        }
        Ok(())
    }

    /// Checks that a delivery URL of `delivery_type` for `public_id` with `transformation` may
    /// be signed. The signature covers only `transformation/public_id`, so the content is
    /// checked, not just the declared type: URL-like public ids and fetch layers need the
    /// `fetch` type, and the public id must lie under one of `delivery_prefixes`.
    pub fn check_delivery(
        &self,
        who: Subject<'_>,
        delivery_type: &str,
        transformation: &str,
        public_id: &str,
    ) -> Result<(), Refusal> {
        if !self.delivery_types.allows(delivery_type) {
            return Err(Refusal {
                rule: who.rule("delivery_types"),
                message: format!(
                    "role {} may not sign {delivery_type:?} delivery URLs on account {:?}",
                    who.role, who.account
                ),
            });
        }
        let may_fetch = self.delivery_types.allows("fetch");
        if !may_fetch && url_like(public_id) {
            return Err(Refusal {
                rule: who.rule("delivery_types"),
                message: format!(
                    "role {} may not sign URLs of remote resources on account {:?}: a public id that is a URL \
                     is a \"fetch\" delivery, whatever the type requested",
                    who.role, who.account
                ),
            });
        }
        if !may_fetch && fetches(transformation) {
            return Err(Refusal {
                rule: who.rule("delivery_types"),
                message: format!(
                    "role {} may not sign transformations that fetch remote resources (fetch:, l_fetch, u_fetch) \
                     on account {:?}",
                    who.role, who.account
                ),
            });
        }
        if let Some(prefixes) = &self.delivery_prefixes {
            let listed = || {
                prefixes
                    .iter()
                    .map(|p| format!("{p:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let under = |id: &str| {
                percent_decoded(id).is_some_and(|d| prefixes.iter().any(|p| folder_under(&d, p)))
            };
            if !under(public_id) {
                return Err(Refusal {
                    rule: who.rule("delivery_prefixes"),
                    message: format!(
                        "role {} may sign delivery URLs on account {:?} only for public ids under {}",
                        who.role,
                        who.account,
                        listed()
                    ),
                });
            }
            // Assets the transformation shows (overlays, underlays) are confined the same way.
            for layer in layer_assets(transformation) {
                let ok = match &layer {
                    LayerAsset::Id(id) => under(id),
                    LayerAsset::Unknown(_) => false,
                };
                if !ok {
                    let (LayerAsset::Id(what) | LayerAsset::Unknown(what)) = &layer;
                    return Err(Refusal {
                        rule: who.rule("delivery_prefixes"),
                        message: format!(
                            "role {} may sign delivery URLs on account {:?} only for assets under {}: the \
                             transformation's layer {:?} is not",
                            who.role,
                            who.account,
                            listed(),
                            truncate_chars(what, 64)
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Checks that the Media Library login may be signed.
    pub fn check_media_library(&self, who: Subject<'_>) -> Result<(), Refusal> {
        if self.media_library {
            return Ok(());
        }
        Err(Refusal {
            rule: who.rule("media_library"),
            message: format!(
                "role {} may not log in to the Media Library of account {:?}",
                who.role, who.account
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(items: &[(&str, &str)]) -> Vec<(String, ParamValue)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), ParamValue::from(*v)))
            .collect()
    }

    const WHO: Subject<'static> = Subject {
        account: "demo",
        role: Role::Uploader,
        user: "alice",
        folder_mode: FolderMode::Unspecified,
    };

    #[track_caller]
    fn refused(pol: &RolePolicy, params: &[(&str, &str)]) -> Refusal {
        pol.check_upload(WHO, &p(params)).unwrap_err()
    }

    #[test]
    fn uploader_defaults_refuse_overwrite_and_presets() {
        let pol = RolePolicy::default_for(Role::Uploader);
        assert!(pol
            .check_upload(
                WHO,
                &p(&[("timestamp", "1"), ("source", "uw"), ("folder", "x")])
            )
            .is_ok());
        let r = refused(&pol, &[("timestamp", "1"), ("overwrite", "true")]);
        assert_eq!(r.rule, "accounts.demo.policy.uploader.upload_params");
        assert_eq!(
            r.message,
            "role uploader may sign only overwrite=false on account \"demo\""
        );
        let r = refused(&pol, &[("upload_preset", "p1")]);
        assert_eq!(r.rule, "accounts.demo.policy.uploader.upload_presets");
        assert_eq!(
            r.message,
            "upload preset \"p1\" is not allowed for role uploader on account \"demo\""
        );
    }

    #[test]
    fn folder_prefix_with_user_placeholder() {
        let pol = RolePolicyToml {
            folder_prefix: Some("/users/{user}/".into()),
            ..Default::default()
        }
        .build(Role::Uploader, "x")
        .unwrap();
        assert_eq!(pol.effective_prefix("alice"), "users/alice");
        assert!(pol
            .check_upload(WHO, &p(&[("folder", "users/alice")]))
            .is_ok());
        assert!(pol
            .check_upload(WHO, &p(&[("folder", "users/alice/trips/")]))
            .is_ok());
        // asset_folder alone does not place the public id when the folder mode is unknown.
        assert!(pol
            .check_upload(WHO, &p(&[("asset_folder", "users/alice/a")]))
            .is_err());
        assert!(pol
            .check_upload(
                WHO,
                &p(&[("folder", "users/alice"), ("asset_folder", "users/alice/a")])
            )
            .is_ok());
        for bad in ["users/alice2", "users/bob", "users/alice/../bob", ""] {
            let r = refused(&pol, &[("folder", bad)]);
            assert_eq!(
                r.rule, "accounts.demo.policy.uploader.folder_prefix",
                "{bad}"
            );
        }
        assert_eq!(
            refused(&pol, &[("folder", "users/bob")]).message,
            "folder \"users/bob\" is outside the folder \"users/alice\" that role uploader may write to on account \"demo\""
        );
        assert_eq!(
            refused(&pol, &[("timestamp", "1")]).message,
            "uploads by role uploader on account \"demo\" must name a folder under \"users/alice\""
        );
        assert_eq!(
            refused(
                &pol,
                &[("folder", "users/alice"), ("public_id", "users/alice/../../x"), ("overwrite", "false")]
            )
            .message,
            "the public id \"users/alice/../../x\" (from public_id) is outside the folder \"users/alice\" that role uploader may write to on account \"demo\""
        );
    }

    #[test]
    fn viewer_cannot_upload_or_log_in() {
        let pol = RolePolicy::default_for(Role::Viewer);
        let who = Subject {
            role: Role::Viewer,
            ..WHO
        };
        let r = pol
            .check_upload(who, &p(&[("timestamp", "1")]))
            .unwrap_err();
        assert_eq!(
            r.message,
            "role viewer may not sign uploads on account \"demo\""
        );
        let r = pol.check_media_library(who).unwrap_err();
        assert_eq!(r.rule, "accounts.demo.policy.viewer.media_library");
        assert!(pol.check_delivery(who, "authenticated", "", "a/b").is_ok());
        let r = pol.check_delivery(who, "private", "", "a/b").unwrap_err();
        assert_eq!(
            r.message,
            "role viewer may not sign \"private\" delivery URLs on account \"demo\""
        );
    }

    #[test]
    fn written_policies_are_validated() {
        let e = RolePolicyToml {
            upload_params: Some(vec!["*".into(), "x".into()]),
            ..Default::default()
        }
        .build(Role::Admin, "accounts[0].policy.admin")
        .unwrap_err();
        assert_eq!(e, "accounts[0].policy.admin.upload_params: \"*\" allows everything and cannot be combined with names");
        let e = RolePolicyToml {
            folder_prefix: Some("a/../b".into()),
            ..Default::default()
        }
        .build(Role::Admin, "p")
        .unwrap_err();
        assert_eq!(
            e,
            "p.folder_prefix: must not contain empty, `.` or `..` segments"
        );
        let e = RolePolicyToml {
            delivery_types: Some(vec!["a b".into()]),
            ..Default::default()
        }
        .build(Role::Admin, "p")
        .unwrap_err();
        assert_eq!(e, "p.delivery_types: \"a b\" is not a valid name");
    }

    fn confined(mode: FolderMode) -> (RolePolicy, Subject<'static>) {
        let pol = RolePolicyToml {
            folder_prefix: Some("shop/{user}".into()),
            ..Default::default()
        }
        .build(Role::Uploader, "x")
        .unwrap();
        (
            pol,
            Subject {
                folder_mode: mode,
                ..WHO
            },
        )
    }

    #[test]
    fn the_public_id_is_confined_in_every_folder_mode() {
        for mode in [
            FolderMode::Unspecified,
            FolderMode::Fixed,
            FolderMode::Dynamic,
        ] {
            let (pol, who) = confined(mode);
            let ok = |params: &[(&str, &str)]| pol.check_upload(who, &p(params));
            assert!(ok(&[("folder", "shop/alice")]).is_ok(), "{mode:?}");
            assert!(ok(&[
                ("folder", "shop/alice"),
                ("public_id", "shop/alice/a"),
                ("overwrite", "false")
            ])
            .is_ok());
            let r = ok(&[
                ("folder", "shop/alice"),
                ("public_id", "../bob/a"),
                ("overwrite", "false"),
            ])
            .unwrap_err();
            assert_eq!(
                r.rule, "accounts.demo.policy.uploader.folder_prefix",
                "{mode:?}"
            );
            let r = ok(&[("folder", "shop/alice"), ("public_id_prefix", "shop/bob")]).unwrap_err();
            assert_eq!(
                r.message,
                "public_id_prefix \"shop/bob\" is outside the folder \"shop/alice\" that role uploader may write to on account \"demo\""
            );
        }
        // Fixed folders: the public id is folder/public_id.
        let (pol, who) = confined(FolderMode::Fixed);
        assert!(pol
            .check_upload(
                who,
                &p(&[
                    ("folder", "shop/alice"),
                    ("public_id", "a"),
                    ("overwrite", "false")
                ])
            )
            .is_ok());
        // Elsewhere a relative public id is not under the prefix on its own.
        let (pol, who) = confined(FolderMode::Dynamic);
        assert_eq!(
            pol.check_upload(who, &p(&[("folder", "shop/alice"), ("public_id", "a"), ("overwrite", "false")]))
                .unwrap_err()
                .message,
            "the public id \"a\" (from public_id) is outside the folder \"shop/alice\" that role uploader may write to on account \"demo\""
        );
        // Dynamic folders: asset_folder alone places the id only with use_asset_folder_as_public_id_prefix.
        assert!(pol
            .check_upload(
                who,
                &p(&[
                    ("asset_folder", "shop/alice"),
                    ("use_asset_folder_as_public_id_prefix", "true")
                ])
            )
            .is_ok());
        assert_eq!(
            pol.check_upload(who, &p(&[("asset_folder", "shop/alice")]))
                .unwrap_err()
                .message,
            "uploads by role uploader on account \"demo\" must name a folder under \"shop/alice\""
        );
        let (pol, who) = confined(FolderMode::Unspecified);
        let r = pol
            .check_upload(who, &p(&[("asset_folder", "shop/alice")]))
            .unwrap_err();
        assert_eq!(r.rule, "accounts.demo.folder_mode");
        assert_eq!(
            r.message,
            "asset_folder without folder does not decide the public id: set folder, or set folder_mode (\"fixed\" or \"dynamic\") on account \"demo\""
        );
    }

    #[test]
    fn a_user_id_that_is_not_one_folder_is_refused() {
        let (pol, who) = confined(FolderMode::Fixed);
        for user in ["alice/x", "..", ".", "a\u{7}"] {
            let r = pol
                .check_upload(Subject { user, ..who }, &p(&[("folder", "shop/alice/x")]))
                .unwrap_err();
            assert_eq!(
                r.rule, "accounts.demo.policy.uploader.folder_prefix",
                "{user:?}"
            );
            assert!(r.message.starts_with("user "), "{}", r.message);
        }
    }

    #[test]
    fn chosen_public_ids_need_overwrite_false_and_a_prefix() {
        let pol = RolePolicy::default_for(Role::Uploader);
        let r = refused(&pol, &[("public_id", "site/logo")]);
        assert_eq!(r.rule, "accounts.demo.policy.uploader.upload_params");
        assert_eq!(
            r.message,
            "role uploader on account \"demo\" may choose the public id (public_id, or use_filename with unique_filename=false) only with overwrite=false among the signed parameters: Cloudinary's signed uploads replace an existing asset by default"
        );
        let r = refused(&pol, &[("public_id", "site/logo"), ("overwrite", "false")]);
        assert_eq!(r.rule, "accounts.demo.policy.uploader.folder_prefix");
        let r = refused(&pol, &[("public_id", "x"), ("overwrite", "true")]);
        assert_eq!(
            r.message,
            "role uploader may sign only overwrite=false on account \"demo\""
        );
        let r = refused(
            &pol,
            &[
                ("use_filename", "true"),
                ("unique_filename", "false"),
                ("folder", "site"),
            ],
        );
        assert_eq!(r.rule, "accounts.demo.policy.uploader.upload_params");
        // Generated ids cannot replace anything.
        assert!(pol
            .check_upload(WHO, &p(&[("use_filename", "true"), ("folder", "site")]))
            .is_ok());
        // Admins keep overwrite.
        let admin = RolePolicy::default_for(Role::Admin);
        assert!(admin
            .check_upload(
                Subject {
                    role: Role::Admin,
                    ..WHO
                },
                &p(&[("public_id", "site/logo")])
            )
            .is_ok());
    }

    #[test]
    fn delivery_prefixes_confine_layers_and_encoded_ids_too() {
        let who = Subject {
            role: Role::Viewer,
            ..WHO
        };
        let pol = RolePolicyToml {
            delivery_prefixes: Some(vec!["public".into()]),
            ..Default::default()
        }
        .build(Role::Viewer, "x")
        .unwrap();
        // Review M1: an allowed public id must not carry a restricted asset in as a layer.
        for t in [
            "l_authenticated:contracts:secret/fl_layer_apply",
            "u_authenticated:contracts:secret",
            "l_private:contracts:secret",
            "l_contracts:secret",
            "c_fill,w_100/l_image:upload:contracts:secret,g_north",
            "l_video:contracts:clip",
            "l_$img",
        ] {
            let r = pol
                .check_delivery(who, "authenticated", t, "public/a.jpg")
                .unwrap_err();
            assert_eq!(
                r.rule, "accounts.demo.policy.viewer.delivery_prefixes",
                "{t}"
            );
            assert!(
                r.message.contains("the transformation's layer"),
                "{t}: {}",
                r.message
            );
        }
        let r = pol
            .check_delivery(
                who,
                "authenticated",
                "l_authenticated:contracts:secret",
                "public/a.jpg",
            )
            .unwrap_err();
        assert_eq!(
            r.message,
            "role viewer may sign delivery URLs on account \"demo\" only for assets under \"public\": the \
             transformation's layer \"contracts/secret\" is not"
        );
        // Layers under the prefix, text layers and plain transformations are fine.
        for t in [
            "l_public:logo/fl_layer_apply",
            "l_authenticated:public:badge,g_south",
            "l_text:Arial_20:Hello",
            "c_fill,w_300/e_sepia",
            "",
        ] {
            assert!(
                pol.check_delivery(who, "authenticated", t, "public/a.jpg")
                    .is_ok(),
                "{t}"
            );
        }
        // Encoded dot segments and slashes are read decoded.
        for pid in [
            "public/%2E%2E/contracts/secret.jpg",
            "public%2F..%2Fcontracts/x",
            "public/%zz",
        ] {
            assert!(
                pol.check_delivery(who, "authenticated", "", pid).is_err(),
                "{pid}"
            );
        }
        assert!(pol
            .check_delivery(who, "authenticated", "", "public/100%25%20cotton.jpg")
            .is_ok());
    }

    #[test]
    fn delivery_content_is_checked_not_just_the_type() {
        let who = Subject {
            role: Role::Viewer,
            ..WHO
        };
        let pol = RolePolicy::default_for(Role::Viewer);
        for pid in [
            "https://evil.example/x.jpg",
            "s3:bucket/x",
            "//evil.example/x",
        ] {
            let r = pol.check_delivery(who, "upload", "", pid).unwrap_err();
            assert_eq!(
                r.rule, "accounts.demo.policy.viewer.delivery_types",
                "{pid}"
            );
        }
        assert!(pol.check_delivery(who, "upload", "", "a:b/c").is_err());
        assert!(pol
            .check_delivery(who, "upload", "", "folder/a_b.jpg")
            .is_ok());
        for t in ["l_fetch:aHR0cHM6Ly9ldmls", "u_fetch:x", "w_10/l_FETCH:x"] {
            assert!(pol.check_delivery(who, "upload", t, "a").is_err(), "{t}");
        }
        let admin = RolePolicy::default_for(Role::Admin);
        assert!(admin
            .check_delivery(
                Subject {
                    role: Role::Admin,
                    ..WHO
                },
                "fetch",
                "",
                "https://x.example/a.jpg"
            )
            .is_ok());
        let pol = RolePolicyToml {
            delivery_prefixes: Some(vec!["public".into(), "/shared/".into()]),
            ..Default::default()
        }
        .build(Role::Viewer, "x")
        .unwrap();
        assert!(pol.check_delivery(who, "upload", "", "public/a").is_ok());
        assert!(pol.check_delivery(who, "upload", "", "shared/b/c").is_ok());
        let r = pol
            .check_delivery(who, "upload", "", "contracts/secret.pdf")
            .unwrap_err();
        assert_eq!(r.rule, "accounts.demo.policy.viewer.delivery_prefixes");
        assert_eq!(
            r.message,
            "role viewer may sign delivery URLs on account \"demo\" only for public ids under \"public\", \"shared\""
        );
        assert!(pol
            .check_delivery(who, "upload", "", "public/../contracts/x")
            .is_err());
        let e = RolePolicyToml {
            delivery_prefixes: Some(vec!["a/../b".into()]),
            ..Default::default()
        }
        .build(Role::Viewer, "p")
        .unwrap_err();
        assert_eq!(
            e,
            "p.delivery_prefixes: \"a/../b\" is not a public-id folder (no empty, `.` or `..` segments, no `:`)"
        );
    }

    #[test]
    fn username_and_cloud_name_are_never_signed_for_uploads() {
        let admin = RolePolicy::default_for(Role::Admin);
        let who = Subject {
            role: Role::Admin,
            ..WHO
        };
        for k in NEVER_SIGNED_UPLOAD_PARAMS {
            let r = admin.check_upload(who, &p(&[(k, "x")])).unwrap_err();
            assert_eq!(r.rule, "accounts.demo.policy.admin.upload_params");
        }
    }
}
