//! What each role may have signed on an account: signable upload parameters, upload presets,
//! the folder it may write to, the delivery types it may sign, and the Media Library login.
//! Every refusal names the rule that refused it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use cloudinary_connector::core::sign::ParamValue;
use serde::Deserialize;

/// A caller's role on an account, from least to most trusted.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May sign delivery URLs and list the account.
    Viewer,
    /// May also sign uploads and the Media Library login.
    Uploader,
    /// May also check credentials and list sub-accounts; signs what its policy allows.
    Admin,
}

impl Role {
    /// All roles, ascending.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Uploader, Role::Admin];

    /// `"viewer"`, `"uploader"` or `"admin"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Uploader => "uploader",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "uploader" => Ok(Role::Uploader),
            "admin" => Ok(Role::Admin),
            _ => Err(()),
        }
    }
}

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
/// user-chosen file, and nothing that overwrites, changes access or calls out (`overwrite`,
/// `type`, `access_mode`, `notification_url`, `eager`, ... are admin-only by default).
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
}

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
            },
            Role::Uploader => RolePolicy {
                upload_params: Allow::of(&DEFAULT_UPLOADER_PARAMS),
                upload_presets: Allow::Only(BTreeSet::new()),
                folder_prefix: String::new(),
                delivery_types: Allow::of(&["upload", "authenticated"]),
                media_library: true,
            },
            Role::Admin => RolePolicy {
                upload_params: Allow::Any,
                upload_presets: Allow::Any,
                folder_prefix: String::new(),
                delivery_types: Allow::of(&["upload", "authenticated", "private", "fetch"]),
                media_library: true,
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
}

impl Subject<'_> {
    fn rule(&self, field: &str) -> String {
        format!("accounts.{}.policy.{}.{field}", self.account, self.role)
    }
}

fn folder_under(folder: &str, prefix: &str) -> bool {
    let f = folder.trim_matches('/');
    if f.split('/').any(|s| s == "..") {
        return false;
    }
    f == prefix || (f.starts_with(prefix) && f.as_bytes().get(prefix.len()) == Some(&b'/'))
}

impl RolePolicy {
    /// The folder prefix with `{user}` replaced by the caller's id.
    pub fn effective_prefix(&self, user: &str) -> String {
        self.folder_prefix.replace("{user}", user)
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
        for (name, value) in params {
            match name.as_str() {
                "timestamp" => {}
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
        if prefix.is_empty() {
            return Ok(());
        }
        let refuse = |what: String| Refusal {
            rule: who.rule("folder_prefix"),
            message: what,
        };
        let mut saw_folder = false;
        for key in ["folder", "asset_folder"] {
            if let Some((_, v)) = params.iter().find(|(k, _)| k == key) {
                let v = v.joined();
                if v.is_empty() {
                    continue;
                }
                saw_folder = true;
                if !folder_under(&v, &prefix) {
                    return Err(refuse(format!(
                        "{key} {v:?} is outside the folder {prefix:?} that role {} may write to on account {:?}",
                        who.role, who.account
                    )));
                }
            }
        }
        if !saw_folder {
            return Err(refuse(format!(
                "uploads by role {} on account {:?} must name a folder under {prefix:?}",
                who.role, who.account
            )));
        }
        for key in ["public_id", "public_id_prefix"] {
            if let Some((_, v)) = params.iter().find(|(k, _)| k == key) {
                let v = v.joined();
                if v.starts_with('/') || v.split('/').any(|s| s == "..") {
                    return Err(refuse(format!(
                        "{key} {v:?} may not start with `/` or contain `..` when uploads are confined to {prefix:?}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Checks that URLs of `delivery_type` may be signed.
    pub fn check_delivery(&self, who: Subject<'_>, delivery_type: &str) -> Result<(), Refusal> {
        if self.delivery_types.allows(delivery_type) {
            return Ok(());
        }
        Err(Refusal {
            rule: who.rule("delivery_types"),
            message: format!(
                "role {} may not sign {delivery_type:?} delivery URLs on account {:?}",
                who.role, who.account
            ),
        })
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
            "parameter \"overwrite\" may not be signed by role uploader on account \"demo\""
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
        assert!(pol
            .check_upload(WHO, &p(&[("asset_folder", "users/alice/a")]))
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
            refused(&pol, &[("folder", "users/alice"), ("public_id", "../../x")]).message,
            "public_id \"../../x\" may not start with `/` or contain `..` when uploads are confined to \"users/alice\""
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
        assert!(pol.check_delivery(who, "authenticated").is_ok());
        let r = pol.check_delivery(who, "private").unwrap_err();
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
}
