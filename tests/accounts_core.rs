//! The account registry and session state machine: every transition, with the awkward ones
//! the partner review's "Switching accounts and sub-accounts" scenario goes through.
#![cfg(not(target_arch = "wasm32"))]

use cloudinary_connector::core::accounts::{
    AccountError, AccountListing, Accounts, Cloud, Effect, Feature, Grants, Notice, Product, Role,
    Timestamp,
};
use cloudinary_connector::core::json::Value;
use cloudinary_connector::json;

const T0: Timestamp = Timestamp(1_000);
const EXP: u64 = 2_000;

fn perms(ml: bool, upload: bool) -> Value {
    json!({"upload_params": if upload { json!(["*"]) } else { json!([]) }, "upload_presets": [],
           "folder_prefix": "", "delivery_types": ["upload", "authenticated"], "media_library": ml})
}

/// Three accounts in the shape `cld-signer` answers: ACME (admin on its primary cloud, uploader
/// on its staging sub-account), Brand B (DAM only, uploader), Agency (only its EU sub-account,
/// as a viewer).
fn listing_value() -> Value {
    json!({
        "user": "alice@example.com",
        "expires_at": EXP,
        "accounts": [
            {"id": "acme", "label": "ACME", "cloud_name": "acme-prod", "api_key": "222",
             "products": ["programmable_media"], "signature_algorithm": "sha256",
             "role": "admin", "permissions": perms(true, true),
             "sub_accounts": [
                {"id": "acme-staging", "label": "Staging", "cloud_name": "acme-staging", "api_key": "111",
                 "products": ["programmable_media"], "signature_algorithm": "sha256",
                 "role": "uploader", "permissions": perms(true, true)}]},
            {"id": "brand-b", "label": "Brand B", "cloud_name": "brand-b", "api_key": "333",
             "products": ["dam"], "signature_algorithm": "sha256", "role": "uploader",
             "permissions": perms(true, true), "sub_accounts": []},
            {"id": "agency", "label": "Agency", "cloud_name": "agency", "api_key": "444",
             "products": ["programmable_media"], "signature_algorithm": "sha256",
             "role": null, "permissions": null,
             "sub_accounts": [
                {"id": "agency-eu", "label": "Agency EU", "cloud_name": "agency-eu", "api_key": "555",
                 "products": ["programmable_media"], "signature_algorithm": "sha256",
                 "role": "viewer", "permissions": perms(false, false)}]}
        ]
    })
}

fn listing() -> AccountListing {
    AccountListing::from_value(&listing_value(), None).unwrap()
}

fn listing_with(edit: impl FnOnce(&mut Value)) -> AccountListing {
    let mut v = listing_value();
    edit(&mut v);
    AccountListing::from_value(&v, None).unwrap()
}

fn cloud(account: &str, sub: &str) -> Cloud {
    let l = listing();
    let a = l.account(account).unwrap();
    let c = a.clouds().into_iter().find(|c| c.id == sub).unwrap();
    Cloud {
        account: a.id.clone(),
        account_label: a.label.clone(),
        sub_account: c.id.to_owned(),
        sub_account_label: c.label.to_owned(),
        cloud_name: c.cloud_name.to_owned(),
        api_key: c.api_key.to_owned(),
        product: c.product,
        role: c.role,
        grants: c.grants.clone(),
        user: l.user.clone(),
    }
}

fn notify(n: Notice) -> Effect {
    Effect::Notify(n)
}

fn ended(id: &str) -> Vec<Effect> {
    vec![
        Effect::CancelPending(id.into()),
        Effect::UnmountWidgetsOf(id.into()),
        Effect::DropCachedSignatures(id.into()),
    ]
}

fn left(id: &str) -> Vec<Effect> {
    vec![
        Effect::CancelPending(id.into()),
        Effect::UnmountWidgetsOf(id.into()),
    ]
}

/// The error's text, and proof that the refused transition changed nothing.
#[track_caller]
fn refused(
    acc: &mut Accounts,
    op: impl FnOnce(&mut Accounts) -> Result<Vec<Effect>, AccountError>,
) -> String {
    let before = acc.clone();
    let e = op(acc).expect_err("the transition should have been refused");
    assert_eq!(*acc, before, "a refused transition must change nothing");
    e.to_string()
}

fn texts(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// Logged in to ACME then Brand B (current), Agency known but not logged in.
fn two_logged_in() -> Accounts {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login("acme", &listing(), T0).unwrap();
    acc.login("brand-b", &listing(), T0).unwrap();
    acc
}

#[test]
fn login_to_a_first_account_selects_its_default_sub_account() {
    let mut acc = Accounts::new("tab-a").unwrap();
    let fx = acc.login("acme", &listing(), T0).unwrap();
    assert_eq!(
        fx,
        vec![
            notify(Notice::LoggedIn {
                account: "ACME".into()
            }),
            Effect::RemountOn(cloud("acme", "acme")),
            Effect::Persist,
        ]
    );
    assert_eq!(acc.current(), Some(cloud("acme", "acme")));
    assert_eq!(
        acc.accounts().len(),
        3,
        "the listing makes every account known"
    );
    assert!(acc.account("agency").unwrap().session().is_none());
    assert_eq!(
        acc.account("acme").unwrap().session().unwrap().expires_at(),
        Timestamp(EXP)
    );
    assert_eq!(acc.revision(), 1);
}

#[test]
fn login_to_a_second_account_switches_to_it_and_keeps_the_first_logged_in() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login("acme", &listing(), T0).unwrap();
    let fx = acc.login("brand-b", &listing(), T0).unwrap();
    let mut want = left("acme");
    want.extend([
        notify(Notice::LoggedIn {
            account: "Brand B".into(),
        }),
        Effect::RemountOn(cloud("brand-b", "brand-b")),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert!(acc.account("acme").unwrap().is_logged_in(T0));
}

#[test]
fn log_out_of_the_current_account_falls_back_to_another_logged_in_one() {
    let mut acc = two_logged_in();
    acc.switch_sub_account("brand-b", T0).unwrap();
    let fx = acc.logout("brand-b", T0).unwrap();
    let mut want = ended("brand-b");
    want.extend([
        notify(Notice::LoggedOut {
            account: "Brand B".into(),
        }),
        notify(Notice::SwitchedTo {
            account: "ACME".into(),
            sub_account: "ACME".into(),
            cloud_name: "acme-prod".into(),
        }),
        Effect::RemountOn(cloud("acme", "acme")),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert_eq!(
        texts(&fx),
        [
            "Logged out of \"Brand B\"",
            "Switched to \"ACME\" (acme-prod)"
        ]
    );
}

#[test]
fn fallback_returns_to_the_sub_account_last_used() {
    let mut acc = two_logged_in();
    acc.switch_to("acme", Some("acme-staging"), T0).unwrap();
    acc.switch_to("brand-b", None, T0).unwrap();
    acc.logout("brand-b", T0).unwrap();
    assert_eq!(acc.current(), Some(cloud("acme", "acme-staging")));
}

#[test]
fn log_out_of_another_account_leaves_the_current_one_mounted() {
    let mut acc = two_logged_in();
    let fx = acc.logout("acme", T0).unwrap();
    let mut want = ended("acme");
    want.extend([
        notify(Notice::LoggedOut {
            account: "ACME".into(),
        }),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert_eq!(acc.current(), Some(cloud("brand-b", "brand-b")));
}

#[test]
fn log_out_of_the_last_account_leaves_nothing_selected() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login("agency", &listing(), T0).unwrap();
    let fx = acc.logout("agency", T0).unwrap();
    let mut want = ended("agency");
    want.extend([
        notify(Notice::LoggedOut {
            account: "Agency".into(),
        }),
        notify(Notice::NoAccountSelected),
        Effect::NoCurrentAccount,
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert_eq!(acc.current(), None);
    assert_eq!(
        acc.accounts().len(),
        3,
        "logging out forgets the session, not the account"
    );
}

#[test]
fn logout_all_ends_every_session() {
    let mut acc = two_logged_in();
    let fx = acc.logout_all(T0);
    let mut want = ended("acme");
    want.extend(ended("brand-b"));
    want.extend([
        notify(Notice::LoggedOut {
            account: "ACME".into(),
        }),
        notify(Notice::LoggedOut {
            account: "Brand B".into(),
        }),
        Effect::NoCurrentAccount,
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert!(
        acc.logout_all(T0).is_empty(),
        "a second logout_all does nothing"
    );
}

#[test]
fn switching_sub_account_refreshes_widgets_but_keeps_signatures() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login("acme", &listing(), T0).unwrap();
    let fx = acc.switch_sub_account("acme-staging", T0).unwrap();
    let mut want = left("acme");
    want.extend([
        Effect::RemountOn(cloud("acme", "acme-staging")),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert!(
        acc.switch_sub_account("acme-staging", T0)
            .unwrap()
            .is_empty(),
        "no-op"
    );
}

#[test]
fn switching_account_refreshes_everything_bound_to_the_old_one() {
    let mut acc = two_logged_in();
    let fx = acc.switch_to("acme", None, T0).unwrap();
    let mut want = left("brand-b");
    want.extend([Effect::RemountOn(cloud("acme", "acme")), Effect::Persist]);
    assert_eq!(fx, want);
}

#[test]
fn switch_to_an_account_whose_login_expired_is_refused_and_changes_nothing() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login("acme", &listing(), T0).unwrap();
    acc.login(
        "brand-b",
        &listing_with(|v| v["expires_at"] = json!(1_500)),
        T0,
    )
    .unwrap();
    acc.switch_to("acme", None, T0).unwrap();
    // Brand B's login lasts until 1500; ACME's keeps its later expiry (2000).
    assert_eq!(
        refused(&mut acc, |a| a.switch_to("brand-b", None, Timestamp(1_600))),
        "the session for account \"brand-b\" expired at 1970-01-01T00:25:00Z: log in again"
    );
    // Logging in again is the way out.
    let fresh = listing_with(|v| v["expires_at"] = json!(5_000));
    acc.login("brand-b", &fresh, Timestamp(1_600)).unwrap();
    assert_eq!(acc.current().unwrap().account, "brand-b");
}

#[test]
fn bad_switches_get_specific_errors() {
    let mut acc = two_logged_in();
    assert_eq!(
        refused(&mut acc, |a| a.switch_to("nope", None, T0)),
        "unknown account \"nope\" (known accounts: acme, brand-b, agency)"
    );
    assert_eq!(
        refused(&mut acc, |a| a.switch_to("agency", None, T0)),
        "not logged in to account \"agency\": log in to it first"
    );
    assert_eq!(
        refused(&mut acc, |a| a.switch_to("acme", Some("acme-eu"), T0)),
        "account \"acme\" has no sub-account \"acme-eu\" (its sub-accounts: acme, acme-staging)"
    );
    assert_eq!(
        refused(&mut acc, |a| a.switch_to("", None, T0)),
        "account id \"\" is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'"
    );
    assert_eq!(
        refused(&mut acc, |a| a.switch_to("acme", Some("a/b"), T0)),
        "sub-account id \"a/b\" is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'"
    );
    assert_eq!(
        refused(&mut acc, |a| a.switch_sub_account("acme", T0)),
        "account \"brand-b\" has no sub-account \"acme\" (its sub-accounts: brand-b)"
    );
    let mut empty = Accounts::new("tab-a").unwrap();
    assert_eq!(
        refused(&mut empty, |a| a.switch_sub_account("x", T0)),
        "no account is selected: switch to an account first"
    );
    assert_eq!(
        refused(&mut empty, |a| a.logout("acme", T0)),
        "unknown account \"acme\" (no account is known yet: log in first)"
    );
    assert_eq!(
        Accounts::new("tab 1").unwrap_err().to_string(),
        "tab id \"tab 1\" is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'"
    );
}

#[test]
fn bad_logins_and_logouts_get_specific_errors() {
    let mut acc = two_logged_in();
    assert_eq!(
        refused(&mut acc, |a| a.logout("agency", T0)),
        "not logged in to account \"agency\": log in to it first"
    );
    assert_eq!(
        refused(&mut acc, |a| a.login("zeta", &listing(), T0)),
        "the signer does not give alice@example.com access to account \"zeta\" (it lists: acme, brand-b, agency)"
    );
    assert_eq!(
        refused(&mut acc, |a| a.login("acme", &listing(), Timestamp(EXP))),
        "the account listing expired at 1970-01-01T00:33:20Z (now 1970-01-01T00:33:20Z): fetch a fresh one with a valid token"
    );
    let empty = listing_with(|v| v["accounts"] = json!([]));
    assert_eq!(
        refused(&mut acc, |a| a.login("acme", &empty, T0)),
        "the signer gives alice@example.com access to no account, so not to \"acme\""
    );
    let mut hand_made = listing();
    hand_made.accounts[1].id = "acme".into();
    assert_eq!(
        refused(&mut acc, |a| a.login("acme", &hand_made, T0)),
        "invalid account listing from the signer: accounts[1].id: duplicate \"acme\""
    );
    assert_eq!(
        refused(&mut acc, |a| a.reconcile(&hand_made, T0)),
        "invalid account listing from the signer: accounts[1].id: duplicate \"acme\""
    );
}

#[test]
fn session_expiry_falls_back_to_another_logged_in_account() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login(
        "acme",
        &listing_with(|v| v["expires_at"] = json!(3_000)),
        T0,
    )
    .unwrap();
    acc.login(
        "brand-b",
        &listing_with(|v| v["expires_at"] = json!(1_500)),
        T0,
    )
    .unwrap();
    assert_eq!(acc.expire(Timestamp(1_499)), vec![], "nothing expired yet");
    let fx = acc.expire(Timestamp(1_500));
    let mut want = ended("brand-b");
    want.extend([
        notify(Notice::SessionExpired {
            account: "Brand B".into(),
            at: Timestamp(1_500),
        }),
        notify(Notice::SwitchedTo {
            account: "ACME".into(),
            sub_account: "ACME".into(),
            cloud_name: "acme-prod".into(),
        }),
        Effect::RemountOn(cloud("acme", "acme")),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert_eq!(
        texts(&fx)[0],
        "Your session for \"Brand B\" expired at 1970-01-01T00:25:00Z; log in again to use it"
    );
}

#[test]
fn any_transition_sweeps_expired_sessions() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login(
        "brand-b",
        &listing_with(|v| v["expires_at"] = json!(1_500)),
        T0,
    )
    .unwrap();
    acc.login(
        "acme",
        &listing_with(|v| v["expires_at"] = json!(1_400)),
        T0,
    )
    .unwrap();
    // ACME's login with an earlier expiry does not shorten Brand B's session.
    assert_eq!(
        acc.account("brand-b")
            .unwrap()
            .session()
            .unwrap()
            .expires_at(),
        Timestamp(1_500)
    );
    let fx = acc.switch_to("brand-b", None, Timestamp(1_450)).unwrap();
    let mut want = ended("acme");
    want.extend([
        notify(Notice::SessionExpired {
            account: "ACME".into(),
            at: Timestamp(1_400),
        }),
        Effect::RemountOn(cloud("brand-b", "brand-b")),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
}

#[test]
fn a_sub_account_removed_on_the_server_moves_the_selection_predictably() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login("acme", &listing(), T0).unwrap();
    acc.switch_sub_account("acme-staging", T0).unwrap();
    let fresh = listing_with(|v| {
        v["accounts"][0]["sub_accounts"]
            .as_array_mut()
            .unwrap()
            .remove(0);
    });
    let fx = acc.reconcile(&fresh, T0).unwrap();
    let mut want = left("acme");
    want.extend([
        notify(Notice::SubAccountRemoved {
            account: "ACME".into(),
            sub_account: "Staging".into(),
            cloud_name: "acme-staging".into(),
        }),
        notify(Notice::SwitchedTo {
            account: "ACME".into(),
            sub_account: "ACME".into(),
            cloud_name: "acme-prod".into(),
        }),
        Effect::RemountOn(cloud("acme", "acme")),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert_eq!(
        texts(&fx)[0],
        "Sub-account \"Staging\" (acme-staging) of \"ACME\" was removed on the server"
    );
    assert_eq!(
        refused(&mut acc, |a| a.switch_sub_account("acme-staging", T0)),
        "account \"acme\" has no sub-account \"acme-staging\" (its sub-accounts: acme)"
    );
}

#[test]
fn losing_the_primary_cloud_falls_back_to_the_first_sub_account() {
    let mut acc = Accounts::new("tab-a").unwrap();
    acc.login("acme", &listing(), T0).unwrap();
    assert_eq!(
        acc.current().unwrap().sub_account,
        "acme",
        "the primary cloud is the default"
    );
    // The token no longer grants the primary cloud, only the staging sub-account.
    let fresh = listing_with(|v| v["accounts"][0]["role"] = json!(null));
    let fx = acc.reconcile(&fresh, T0).unwrap();
    assert_eq!(
        texts(&fx),
        [
            "Sub-account \"ACME\" (acme-prod) of \"ACME\" was removed on the server",
            "Switched to \"ACME\" / \"Staging\" (acme-staging)"
        ]
    );
    assert_eq!(acc.current(), Some(cloud("acme", "acme-staging")));
    assert_eq!(
        acc.account("acme").unwrap().default_sub_account(),
        "acme-staging"
    );
}

#[test]
fn an_account_the_signer_stops_listing_is_logged_out_and_forgotten() {
    let mut acc = two_logged_in();
    let fresh = listing_with(|v| {
        v["accounts"].as_array_mut().unwrap().remove(1);
    });
    let fx = acc.reconcile(&fresh, T0).unwrap();
    let mut want = ended("brand-b");
    want.extend([
        notify(Notice::AccessRevoked {
            account: "Brand B".into(),
        }),
        notify(Notice::SwitchedTo {
            account: "ACME".into(),
            sub_account: "ACME".into(),
            cloud_name: "acme-prod".into(),
        }),
        Effect::RemountOn(cloud("acme", "acme")),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert!(acc.account("brand-b").is_none());
    assert_eq!(
        texts(&fx)[0],
        "\"Brand B\" is no longer available to you (the signer does not list it any more)"
    );
}

#[test]
fn a_role_change_remounts_with_the_new_role() {
    let mut acc = two_logged_in();
    let fresh = listing_with(|v| {
        v["accounts"][1]["role"] = json!("viewer");
        v["accounts"][1]["permissions"] = json!(null);
    });
    let fx = acc.reconcile(&fresh, T0).unwrap();
    let mut c = cloud("brand-b", "brand-b");
    c.role = Role::Viewer;
    c.grants = Grants::for_role(Role::Viewer);
    let mut want = left("brand-b");
    want.extend([
        notify(Notice::RoleChanged {
            account: "Brand B".into(),
            sub_account: "Brand B".into(),
            from: Role::Uploader,
            to: Role::Viewer,
        }),
        Effect::RemountOn(c),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert_eq!(
        texts(&fx),
        ["Your role on \"Brand B\" changed from uploader to viewer"]
    );
    assert!(!acc.features(T0).is_enabled(Feature::Upload));
}

#[test]
fn a_product_change_is_announced() {
    let mut acc = two_logged_in();
    let fresh = listing_with(|v| v["accounts"][1]["products"] = json!(["programmable_media"]));
    let fx = acc.reconcile(&fresh, T0).unwrap();
    assert_eq!(
        texts(&fx),
        ["\"Brand B\" now uses Cloudinary Programmable Media (was DAM)"]
    );
    assert_eq!(acc.current().unwrap().product, Product::ProgrammableMedia);
}

#[test]
fn a_listing_for_another_user_ends_the_previous_users_sessions() {
    let mut acc = two_logged_in();
    let bob = listing_with(|v| v["user"] = json!("bob@example.com"));
    let fx = acc.reconcile(&bob, T0).unwrap();
    let mut want = ended("acme");
    want.extend(ended("brand-b"));
    want.extend([
        notify(Notice::UserChanged {
            account: "ACME".into(),
            user: "bob@example.com".into(),
        }),
        notify(Notice::UserChanged {
            account: "Brand B".into(),
            user: "bob@example.com".into(),
        }),
        notify(Notice::NoAccountSelected),
        Effect::NoCurrentAccount,
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert_eq!(
        texts(&fx)[0],
        "Logged out of \"ACME\": the signed-in user is now bob@example.com"
    );
}

#[test]
fn a_fresh_listing_extends_live_sessions_and_an_identical_one_changes_nothing() {
    let mut acc = two_logged_in();
    assert_eq!(acc.reconcile(&listing(), T0).unwrap(), vec![]);
    let later = listing_with(|v| v["expires_at"] = json!(9_000));
    assert_eq!(acc.reconcile(&later, T0).unwrap(), vec![Effect::Persist]);
    assert_eq!(
        acc.account("acme").unwrap().session().unwrap().expires_at(),
        Timestamp(9_000)
    );
    assert!(
        acc.account("agency").unwrap().session().is_none(),
        "no login is created"
    );
}

#[test]
fn labels_are_the_users_to_choose_and_survive_refreshes() {
    let mut acc = two_logged_in();
    assert_eq!(
        acc.rename("acme", Some("ACME (client)")).unwrap(),
        vec![Effect::Persist]
    );
    assert_eq!(acc.rename("acme", Some("ACME (client)")).unwrap(), vec![]);
    acc.reconcile(
        &listing_with(|v| v["accounts"][0]["label"] = json!("ACME Corp")),
        T0,
    )
    .unwrap();
    let a = acc.account("acme").unwrap();
    assert_eq!(
        (a.label(), a.listed_label()),
        ("ACME (client)", "ACME Corp")
    );
    acc.rename("acme", None).unwrap();
    assert_eq!(acc.account("acme").unwrap().label(), "ACME Corp");
    assert_eq!(
        refused(&mut acc, |a| a.rename("acme", Some(""))),
        "label \"\" is invalid: use 1 to 100 characters, not only spaces, without control characters"
    );
    assert_eq!(
        refused(&mut acc, |a| a.rename("ghost", Some("x"))),
        "unknown account \"ghost\" (known accounts: acme, brand-b, agency)"
    );
}

mod features {
    use super::*;
    use cloudinary_connector::core::accounts::{Availability, Reason};

    #[test]
    fn programmable_media_admin_has_everything() {
        let mut acc = Accounts::new("t").unwrap();
        acc.login("acme", &listing(), T0).unwrap();
        let caps = acc.features(T0);
        assert!(caps
            .all()
            .iter()
            .all(|s| s.availability == Availability::Enabled));
        assert_eq!(caps.default_transformation(), Some("f_auto,q_auto"));
    }

    #[test]
    fn a_dam_only_account_gets_media_library_and_upload_but_no_optimised_delivery() {
        let mut acc = Accounts::new("t").unwrap();
        acc.login("brand-b", &listing(), T0).unwrap();
        let caps = acc.features(T0);
        let on: Vec<Feature> = Feature::ALL
            .into_iter()
            .filter(|f| caps.is_enabled(*f))
            .collect();
        assert_eq!(on, [Feature::MediaLibrary, Feature::Upload]);
        assert_eq!(
            caps.default_transformation(),
            None,
            "no default f_auto,q_auto"
        );
        assert_eq!(
            caps.get(Feature::OptimizedDelivery).to_string(),
            "Optimised delivery (f_auto,q_auto) needs Cloudinary Programmable Media; \"Brand B\" uses DAM only, \
             which does not include optimised delivery"
        );
        assert_eq!(
            caps.get(Feature::DeliveryTransformations).to_string(),
            "Delivery transformations needs Cloudinary Programmable Media; \"Brand B\" uses DAM only, \
             which does not include optimised delivery"
        );
        assert_eq!(
            caps.get(Feature::ManageAccount).to_string(),
            "Managing the account is not allowed for your role (uploader) on \"Brand B\""
        );
    }

    #[test]
    fn a_viewer_sees_no_upload_button_and_is_told_why() {
        let mut acc = Accounts::new("t").unwrap();
        acc.login("agency", &listing(), T0).unwrap();
        let caps = acc.features(T0);
        let on: Vec<Feature> = Feature::ALL
            .into_iter()
            .filter(|f| caps.is_enabled(*f))
            .collect();
        assert_eq!(
            on,
            [
                Feature::OptimizedDelivery,
                Feature::DeliveryTransformations,
                Feature::SignedDelivery,
                Feature::ProductGallery,
                Feature::VideoPlayer
            ]
        );
        assert_eq!(
            caps.reason(Feature::Upload),
            Some(&Reason::Role {
                account: "Agency".into(),
                cloud: "Agency EU".into(),
                role: Role::Viewer,
            })
        );
        assert_eq!(
            caps.get(Feature::Upload).to_string(),
            "Uploading is not allowed for your role (viewer) on \"Agency\" / \"Agency EU\""
        );
        assert_eq!(
            caps.get(Feature::MediaLibrary).to_string(),
            "The Media Library is not allowed for your role (viewer) on \"Agency\" / \"Agency EU\""
        );
    }

    #[test]
    fn an_expired_session_disables_everything_with_the_way_out() {
        let mut acc = Accounts::new("t").unwrap();
        acc.login("acme", &listing(), T0).unwrap();
        let caps = acc.features(Timestamp(EXP));
        assert!(Feature::ALL.into_iter().all(|f| !caps.is_enabled(f)));
        assert_eq!(
            caps.get(Feature::MediaLibrary).to_string(),
            "The Media Library is unavailable: your session for \"ACME\" expired at 1970-01-01T00:33:20Z; log in again"
        );
    }
}

mod persistence {
    use super::*;
    use cloudinary_connector::core::accounts::LoadIssue;

    #[track_caller]
    fn load_err(json: &str) -> String {
        Accounts::from_stored(json, "tab-b", T0)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn state_survives_a_reload() {
        let mut acc = two_logged_in();
        acc.switch_to("acme", Some("acme-staging"), T0).unwrap();
        acc.rename("agency", Some("Our agency")).unwrap();
        let stored = acc.to_stored();
        let r = Accounts::from_stored(&stored, "tab-b", T0).unwrap();
        assert_eq!(r.issues, vec![]);
        assert_eq!(
            r.effects,
            vec![Effect::RemountOn(cloud("acme", "acme-staging"))]
        );
        assert_eq!(r.accounts.accounts(), acc.accounts());
        assert_eq!(r.accounts.selection(), acc.selection());
        assert_eq!(r.accounts.revision(), acc.revision());
        assert_eq!(r.accounts.tab(), "tab-b");
        assert_eq!(
            r.accounts.to_stored(),
            stored,
            "a reload writes back the same document"
        );
    }

    #[test]
    fn the_persisted_form_is_the_documented_one_and_holds_no_secret() {
        let mut acc = Accounts::new("tab-a").unwrap();
        acc.login("brand-b", &listing(), T0).unwrap();
        let v: Value = cloudinary_connector::core::json::from_str(&acc.to_stored()).unwrap();
        assert_eq!(
            v,
            json!({
                "schema": 1, "revision": 1, "writer": "tab-a",
                "current": {"account": "brand-b", "sub_account": "brand-b"},
                "accounts": [
                    {"id": "acme", "label": "ACME", "default_sub_account": "acme",
                     "sub_accounts": [
                        {"id": "acme", "label": "ACME", "cloud_name": "acme-prod", "api_key": "222",
                         "product": "programmable_media", "role": "admin", "grants": perms(true, true)},
                        {"id": "acme-staging", "label": "Staging", "cloud_name": "acme-staging", "api_key": "111",
                         "product": "programmable_media", "role": "uploader", "grants": perms(true, true)}]},
                    {"id": "brand-b", "label": "Brand B", "default_sub_account": "brand-b",
                     "sub_accounts": [
                        {"id": "brand-b", "label": "Brand B", "cloud_name": "brand-b", "api_key": "333",
                         "product": "dam", "role": "uploader", "grants": perms(true, true)}],
                     "last_sub_account": "brand-b",
                     "session": {"user": "alice@example.com", "expires_at": EXP}},
                    {"id": "agency", "label": "Agency", "default_sub_account": "agency-eu",
                     "sub_accounts": [
                        {"id": "agency-eu", "label": "Agency EU", "cloud_name": "agency-eu", "api_key": "555",
                         "product": "programmable_media", "role": "viewer", "grants": perms(false, false)}]}
                ]
            })
        );
    }

    #[test]
    fn sessions_that_expired_while_the_page_was_closed_are_dropped_on_load() {
        let mut acc = Accounts::new("tab-a").unwrap();
        acc.login(
            "acme",
            &listing_with(|v| v["expires_at"] = json!(5_000)),
            T0,
        )
        .unwrap();
        acc.login("brand-b", &listing(), T0).unwrap();
        let r = Accounts::from_stored(&acc.to_stored(), "tab-b", Timestamp(3_000)).unwrap();
        assert_eq!(
            r.effects,
            vec![
                notify(Notice::SessionExpired {
                    account: "Brand B".into(),
                    at: Timestamp(EXP)
                }),
                notify(Notice::SwitchedTo {
                    account: "ACME".into(),
                    sub_account: "ACME".into(),
                    cloud_name: "acme-prod".into(),
                }),
                Effect::RemountOn(Cloud {
                    ..cloud("acme", "acme")
                }),
                Effect::Persist,
            ]
        );
        assert!(r.accounts.account("brand-b").unwrap().session().is_none());
        assert!(!r
            .accounts
            .to_stored()
            .contains(&format!("\"expires_at\":{EXP}")));
    }

    #[test]
    fn a_bad_entry_is_skipped_and_the_other_accounts_are_kept() {
        let acc = two_logged_in();
        let mut v: Value = cloudinary_connector::core::json::from_str(&acc.to_stored()).unwrap();
        v["accounts"][0]["sub_accounts"][1]["cloud_name"] = json!("not a cloud");
        v["accounts"][2]["sub_accounts"][0]["role"] = json!("owner");
        let r = Accounts::from_stored(&v.to_string(), "tab-b", T0).unwrap();
        let issues: Vec<String> = r.issues.iter().map(LoadIssue::to_string).collect();
        assert_eq!(
            issues,
            [
                "stored account state: accounts[0] (\"acme\"): sub_accounts[1]: cloud name \"not a cloud\" is invalid: \
                 use 1 to 128 ASCII letters, digits, '-' or '_'; this account was skipped, the others were kept",
                "stored account state: accounts[2] (\"agency\"): unknown variant `owner`, expected one of \
                 `viewer`, `uploader`, `admin`; this account was skipped, the others were kept",
            ]
        );
        let ids: Vec<&str> = r.accounts.accounts().iter().map(|a| a.id()).collect();
        assert_eq!(ids, ["brand-b"]);
        assert_eq!(r.accounts.current(), Some(cloud("brand-b", "brand-b")));
        assert_eq!(
            r.effects.last(),
            Some(&Effect::Persist),
            "the repaired state is written back"
        );
    }

    #[test]
    fn a_stored_selection_that_is_unusable_falls_back_with_a_notice() {
        let acc = two_logged_in();
        let mut v: Value = cloudinary_connector::core::json::from_str(&acc.to_stored()).unwrap();
        v["current"] = json!({"account": "agency", "sub_account": "ag"});
        let r = Accounts::from_stored(&v.to_string(), "tab-b", T0).unwrap();
        assert_eq!(r.accounts.current(), Some(cloud("acme", "acme")));
        assert_eq!(texts(&r.effects), ["Switched to \"ACME\" (acme-prod)"]);
        v["current"] = json!("acme");
        let r = Accounts::from_stored(&v.to_string(), "tab-b", T0).unwrap();
        assert_eq!(
            r.issues[0].to_string(),
            "stored account state: current: invalid type: string \"acme\", expected struct Selection; \
             another selection will be made"
        );
    }

    #[test]
    fn repairs_are_reported() {
        let acc = two_logged_in();
        let mut v: Value = cloudinary_connector::core::json::from_str(&acc.to_stored()).unwrap();
        v["accounts"][0]["last_sub_account"] = json!("gone");
        v["accounts"][1]["session"]["user"] = json!("");
        let dup = v["accounts"][2].clone();
        v["accounts"].as_array_mut().unwrap().push(dup);
        v["revision"] = json!("seven");
        let r = Accounts::from_stored(&v.to_string(), "tab-b", T0).unwrap();
        let issues: Vec<String> = r.issues.iter().map(LoadIssue::to_string).collect();
        assert_eq!(
            issues,
            [
                "stored account state: revision: missing or not a non-negative integer; counting from 0",
                "stored account state: accounts[0].last_sub_account: \"gone\" is not one of the account's \
                 sub-accounts; forgotten",
                "stored account state: accounts[1].session: user \"\" is invalid: use 1 to 256 characters \
                 without control characters; the account was logged out",
                "stored account state: accounts[3] (\"agency\"): duplicate account id \"agency\"; this account \
                 was skipped, the others were kept",
            ]
        );
        assert_eq!(r.accounts.accounts().len(), 3);
    }

    #[test]
    fn an_entry_carrying_a_secret_is_never_loaded() {
        let acc = two_logged_in();
        let mut v: Value = cloudinary_connector::core::json::from_str(&acc.to_stored()).unwrap();
        v["accounts"][1]["sub_accounts"][0]["api_secret"] = json!("abcd-secret");
        v["accounts"][0]["session"]["token"] = json!("eyJhbGciOi");
        let r = Accounts::from_stored(&v.to_string(), "tab-b", T0).unwrap();
        let issues: Vec<String> = r.issues.iter().map(LoadIssue::to_string).collect();
        assert_eq!(
            issues,
            [
                "stored account state: accounts[0] (\"acme\"): has a field named \"token\", which is never \
                 stored; this account was skipped, the others were kept",
                "stored account state: accounts[1] (\"brand-b\"): has a field named \"api_secret\", which is \
                 never stored; this account was skipped, the others were kept",
            ]
        );
        let out = r.accounts.to_stored();
        assert!(!out.contains("abcd-secret") && !out.contains("eyJhbGciOi"));
    }

    #[test]
    fn unusable_documents_get_specific_errors() {
        assert_eq!(
            load_err("{"),
            "stored account state is not JSON (EOF while parsing an object at line 1 column 1)"
        );
        assert_eq!(load_err("[]"), "stored account state is not a JSON object");
        assert_eq!(
            load_err(r#"{"accounts":[]}"#),
            "stored account state has no schema version"
        );
        assert_eq!(
            load_err(r#"{"schema":"1","accounts":[]}"#),
            "stored account state has an invalid schema version \"1\""
        );
        assert_eq!(
            load_err(r#"{"schema":0,"accounts":[]}"#),
            "stored account state has an invalid schema version 0"
        );
        assert_eq!(
            load_err(r#"{"schema":2,"accounts":[]}"#),
            "stored account state has schema version 2, but this plugin reads up to 1: a newer version of the plugin wrote it"
        );
        assert_eq!(
            load_err(r#"{"schema":1}"#),
            "stored account state has no \"accounts\" array"
        );
        assert_eq!(
            Accounts::from_stored(r#"{"schema":1,"accounts":[]}"#, "", T0)
                .unwrap_err()
                .to_string(),
            "stored account state cannot be loaded for this tab: tab id \"\" is invalid: \
             use 1 to 64 ASCII letters, digits, '-', '_' or '.'"
        );
    }
}

mod two_tabs {
    use super::*;

    /// Both tabs loaded from the same storage.
    fn pair() -> (Accounts, Accounts, String) {
        let mut a = two_logged_in();
        a.switch_to("acme", None, T0).unwrap();
        let stored = a.to_stored();
        let b = Accounts::from_stored(&stored, "tab-b", T0)
            .unwrap()
            .accounts;
        (a, b, stored)
    }

    #[test]
    fn logging_out_in_one_tab_logs_out_in_the_other() {
        let (mut a, mut b, _) = pair();
        b.switch_to("brand-b", None, T0).unwrap();
        a.merge_stored(&b.to_stored(), T0).unwrap();
        a.logout("brand-b", T0).unwrap();
        let fx = b.merge_stored(&a.to_stored(), T0).unwrap();
        let mut want = ended("brand-b");
        want.extend([
            notify(Notice::LoggedOutInAnotherTab {
                account: "Brand B".into(),
            }),
            notify(Notice::SwitchedTo {
                account: "ACME".into(),
                sub_account: "ACME".into(),
                cloud_name: "acme-prod".into(),
            }),
            Effect::RemountOn(cloud("acme", "acme")),
        ]);
        assert_eq!(
            fx, want,
            "adopting another tab's write does not write again"
        );
        assert_eq!(texts(&fx)[0], "Logged out of \"Brand B\" in another tab");
        assert_eq!(a.accounts(), b.accounts());
        assert_eq!((a.revision(), a.writer()), (b.revision(), b.writer()));
    }

    #[test]
    fn each_tab_keeps_its_own_selection_while_it_stays_valid() {
        let (mut a, mut b, _) = pair();
        let fx = a.switch_to("brand-b", None, T0).unwrap();
        assert_eq!(fx.last(), Some(&Effect::Persist));
        assert_eq!(b.merge_stored(&a.to_stored(), T0).unwrap(), vec![]);
        assert_eq!(b.current(), Some(cloud("acme", "acme")));
        assert_eq!(a.current(), Some(cloud("brand-b", "brand-b")));
        // A reload takes the last writer's selection.
        let reloaded = Accounts::from_stored(&a.to_stored(), "tab-c", T0)
            .unwrap()
            .accounts;
        assert_eq!(reloaded.current(), Some(cloud("brand-b", "brand-b")));
    }

    #[test]
    fn an_echoed_write_is_ignored_and_a_stale_one_is_overwritten() {
        let (mut a, mut b, old) = pair();
        a.logout("acme", T0).unwrap();
        b.merge_stored(&a.to_stored(), T0).unwrap();
        let snapshot = b.clone();
        assert_eq!(
            b.merge_stored(&a.to_stored(), T0).unwrap(),
            vec![],
            "the same write twice"
        );
        assert_eq!(b, snapshot);
        // An older document: storage may hold it now, so b writes its newer state again.
        assert_eq!(b.merge_stored(&old, T0).unwrap(), vec![Effect::Persist]);
        assert_eq!(b.accounts(), snapshot.accounts());
        assert_eq!(
            (b.revision(), b.writer()),
            (snapshot.revision() + 1, "tab-b")
        );
        a.merge_stored(&b.to_stored(), T0).unwrap();
        assert_eq!(a.accounts(), b.accounts());
    }

    #[test]
    fn concurrent_writes_of_the_same_revision_converge_on_the_greater_writer() {
        let (mut a, mut b, _) = pair();
        a.logout("acme", T0).unwrap(); // revision r+1 by tab-a
        b.rename("agency", Some("Partner agency")).unwrap(); // revision r+1 by tab-b
        assert_eq!(a.revision(), b.revision());
        let (wa, wb) = (a.to_stored(), b.to_stored());
        // tab-b > tab-a: a adopts b's write; b, seeing a's losing write, writes its own again.
        let fa = a.merge_stored(&wb, T0).unwrap();
        assert!(!fa.contains(&Effect::Persist));
        assert_eq!(b.merge_stored(&wa, T0).unwrap(), vec![Effect::Persist]);
        a.merge_stored(&b.to_stored(), T0).unwrap();
        assert_eq!(a.accounts(), b.accounts());
        assert_eq!(a.revision(), b.revision());
        assert!(
            a.account("acme").unwrap().session().is_some(),
            "the losing write's logout is undone"
        );
        assert_eq!(a.account("agency").unwrap().label(), "Partner agency");
    }

    #[test]
    fn an_expired_session_found_in_another_tabs_write_is_swept_and_written_back() {
        let (mut a, mut b, _) = pair();
        a.rename("acme", Some("A")).unwrap();
        let fx = b.merge_stored(&a.to_stored(), Timestamp(EXP)).unwrap();
        assert_eq!(fx.last(), Some(&Effect::Persist));
        assert_eq!(
            fx.iter()
                .filter(|e| matches!(e, Effect::NoCurrentAccount))
                .count(),
            1
        );
        // The other tab adopts it without writing again: no ping-pong.
        let fa = a.merge_stored(&b.to_stored(), Timestamp(EXP)).unwrap();
        assert!(!fa.contains(&Effect::Persist));
        assert_eq!(a.accounts(), b.accounts());
    }

    #[test]
    fn a_bad_document_from_another_tab_is_refused_and_changes_nothing() {
        let (_, mut b, _) = pair();
        let before = b.clone();
        assert_eq!(
            b.merge_stored("not json", T0).unwrap_err().to_string(),
            "stored account state is not JSON (expected ident at line 1 column 2)"
        );
        assert_eq!(b, before);
    }
}

#[test]
fn logging_in_as_another_user_drops_the_previous_users_signatures_and_widgets() {
    let mut acc = two_logged_in();
    let bob = listing_with(|v| v["user"] = json!("bob@example.com"));
    let fx = acc.login("brand-b", &bob, T0).unwrap();
    let mut want = ended("acme");
    want.extend(ended("brand-b"));
    want.extend([
        notify(Notice::UserChanged {
            account: "ACME".into(),
            user: "bob@example.com".into(),
        }),
        notify(Notice::UserChanged {
            account: "Brand B".into(),
            user: "bob@example.com".into(),
        }),
        notify(Notice::LoggedIn {
            account: "Brand B".into(),
        }),
        Effect::RemountOn(Cloud {
            user: "bob@example.com".into(),
            ..cloud("brand-b", "brand-b")
        }),
        Effect::Persist,
    ]);
    assert_eq!(fx, want);
    assert!(acc.account("acme").unwrap().session().is_none());
}
