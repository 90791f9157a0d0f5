//! Several accounts in a real browser against the real signer (`cld-signer --dev` with
//! signer/tests/fixtures/test-config.toml): three accounts, one with two sub-accounts, and a
//! different role on each. Partner review scenario: "Switching accounts and sub-accounts".
//!
//! SIGNER_URL is baked in at compile time (default `http://127.0.0.1:18787`, the test command's).
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

mod support;

use std::cell::Cell;
use std::rc::Rc;

use cloudinary_connector::core::accounts::{Effect, Feature, Notice, Product, Role, Timestamp};
use cloudinary_connector::host::accounts::{
    fetch_listing, now, AccountStore, AccountsError, AccountsSession, StorageWatch,
};
use gloo_net::http::Request;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn signer() -> &'static str {
    // The test command's signer (signer/tests/fixtures/test-config.toml, --dev).
    support::SIGNER_URL
}

/// The token roles every test uses: admin on demo (Programmable Media + DAM), uploader on brand
/// and its EU sub-account, viewer on its US sub-account, viewer on archive (DAM only).
const ROLES: [(&str, &str); 4] = [
    ("demo", "admin"),
    ("brand", "uploader"),
    ("brand-us", "viewer"),
    ("archive", "viewer"),
];

async fn dev_token(user: &str, roles: &[(&str, &str)]) -> (String, u64) {
    let roles: serde_json::Map<String, Value> = roles
        .iter()
        .map(|(a, r)| ((*a).to_owned(), json!(r)))
        .collect();
    let v = support::signer_dev_token_answer(user, Value::Object(roles)).await;
    (
        v["token"].as_str().unwrap().to_owned(),
        v["expires_at"].as_u64().unwrap(),
    )
}

/// A fresh, empty storage key per test.
fn store(test: &str) -> AccountStore {
    let s = AccountStore::local(&format!("cc-accounts-test:{test}:")).unwrap();
    s.clear().unwrap();
    s
}

fn open(store: AccountStore, tab: &str) -> AccountsSession {
    AccountsSession::open(store, tab, now()).unwrap().session
}

async fn logged_in_to_three(test: &str) -> (AccountsSession, String) {
    let (token, _) = dev_token("alice@example.com", &ROLES).await;
    let mut s = open(store(test), "tab-a");
    for account in ["demo", "brand", "archive"] {
        let ticket = s.begin_login(account);
        let listing = fetch_listing(signer(), &token, None).await.unwrap();
        s.login(ticket, &listing, now()).unwrap();
    }
    (s, token)
}

fn remounted_on(effects: &[Effect]) -> Option<(String, String)> {
    effects.iter().find_map(|e| match e {
        Effect::RemountOn(c) => Some((c.account.clone(), c.cloud_name.clone())),
        _ => None,
    })
}

#[wasm_bindgen_test]
async fn switching_accounts_and_sub_accounts_login_logout_and_switch() {
    let (token, exp) = dev_token("alice@example.com", &ROLES).await;
    let mut s = open(store("flows"), "tab-a");

    let ticket = s.begin_login("demo");
    let listing = fetch_listing(signer(), &token, None).await.unwrap();
    assert_eq!(
        listing.expires_at,
        Timestamp(exp),
        "the login lasts as long as the token"
    );
    let fx = s.login(ticket, &listing, now()).unwrap();
    assert_eq!(remounted_on(&fx), Some(("demo".into(), "dn6ot3ged".into())));
    assert!(fx.contains(&Effect::Notify(Notice::LoggedIn {
        account: "Demo (Programmable Media)".into()
    })));

    let ticket = s.begin_login("brand");
    let fx = s.login(ticket, &listing, now()).unwrap();
    assert_eq!(
        remounted_on(&fx),
        Some(("brand".into(), "brand-cloud".into()))
    );
    assert!(
        fx.contains(&Effect::UnmountWidgetsOf("demo".into())),
        "refresh on switch"
    );

    // Sub-accounts of brand: EU (uploader), US (viewer).
    let fx = s.switch_sub_account("brand-us", now()).unwrap();
    assert_eq!(remounted_on(&fx), Some(("brand".into(), "brand-us".into())));
    let cur = s.state().current().unwrap();
    assert_eq!(
        (cur.role, cur.product),
        (Role::Viewer, Product::ProgrammableMedia)
    );
    let fx = s.switch_sub_account("brand-eu", now()).unwrap();
    assert_eq!(remounted_on(&fx), Some(("brand".into(), "brand-eu".into())));
    assert_eq!(
        s.state().current().unwrap().grants.upload_presets,
        ["brand_signed"]
    );

    // Logging out of the current account leaves the others logged in and falls back.
    let fx = s.logout("brand", now()).unwrap();
    assert!(fx.contains(&Effect::DropCachedSignatures("brand".into())));
    assert!(fx.contains(&Effect::CancelPending("brand".into())));
    assert_eq!(remounted_on(&fx), Some(("demo".into(), "dn6ot3ged".into())));
    assert!(s.state().account("demo").unwrap().is_logged_in(now()));
    assert!(s.state().account("brand").unwrap().session().is_none());
}

#[wasm_bindgen_test]
async fn roles_and_products_shape_the_ui_and_the_signer_refuses_the_same() {
    let (mut s, token) = logged_in_to_three("roles").await;
    // archive: DAM only; a viewer whose policy grants the Media Library.
    let caps = s.state().features(now());
    assert!(caps.is_enabled(Feature::MediaLibrary));
    assert_eq!(
        caps.default_transformation(),
        None,
        "no f_auto,q_auto on a DAM-only account"
    );
    assert_eq!(
        caps.get(Feature::OptimizedDelivery).to_string(),
        "Optimised delivery (f_auto,q_auto) needs Cloudinary Programmable Media; \
         \"Archive (Assets / DAM)\" uses DAM only, which does not include optimised delivery"
    );
    s.switch_to("brand", Some("brand-us"), now()).unwrap();
    let caps = s.state().features(now());
    assert_eq!(
        caps.get(Feature::Upload).to_string(),
        "Uploading is not allowed for your role (viewer) on \"Brand\" / \"Brand US\""
    );
    // The signer refuses the viewer whatever the UI shows...
    let sign = |account: &str, folder: &str| {
        Request::post(&format!("{}/v1/sign/upload", signer()))
            .header("Authorization", &format!("Bearer {token}"))
            .json(&json!({"account": account,
                          "params_to_sign": {"timestamp": now().0, "source": "uw", "folder": folder}}))
            .unwrap()
            .send()
    };
    let res = sign("brand-us", "anything").await.unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "role viewer may not sign uploads on account \"brand-us\""
    );
    // ...and signs for the uploader on the EU sub-account, which the UI offers, in the folder
    // the listing's grants name.
    s.switch_sub_account("brand-eu", now()).unwrap();
    assert!(s.state().features(now()).is_enabled(Feature::Upload));
    let folder = s.state().current().unwrap().grants.folder_prefix;
    assert_eq!(folder, "brand/alice@example.com");
    let res = sign("brand-eu", &folder).await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = sign("brand-eu", "elsewhere").await.unwrap();
    assert_eq!(res.status(), 403, "outside the granted folder");
}

#[wasm_bindgen_test]
async fn the_state_survives_a_reload() {
    let (mut s, _) = logged_in_to_three("reload").await;
    s.switch_to("brand", Some("brand-eu"), now()).unwrap();
    s.rename("demo", Some("Our demo")).unwrap();
    let before = s.state().clone();
    let key = s.store().key().to_owned();
    drop(s);
    let stored = web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item(&key)
        .unwrap()
        .unwrap();
    assert!(!stored.contains("eyJ"), "no token in storage");
    let opened = AccountsSession::open(
        AccountStore::local("cc-accounts-test:reload:").unwrap(),
        "tab-b",
        now(),
    )
    .unwrap();
    assert!(opened.issues.is_empty() && opened.load_error.is_none());
    assert_eq!(
        remounted_on(&opened.effects),
        Some(("brand".into(), "brand-eu".into()))
    );
    assert_eq!(opened.session.state().accounts(), before.accounts());
    assert_eq!(
        opened.session.state().account("demo").unwrap().label(),
        "Our demo"
    );
}

/// Every refusal leaves the other accounts' state, and what is stored, as it was.
#[wasm_bindgen_test]
async fn bad_input_gives_clear_errors_without_losing_the_other_accounts() {
    let (mut s, token) = logged_in_to_three("bad").await;
    let state = s.state().clone();
    let stored = s.store().read().unwrap();
    let check_unchanged = |s: &AccountsSession| {
        assert_eq!(*s.state(), state);
        assert_eq!(s.store().read().unwrap(), stored);
    };

    // Unknown account id.
    let listing = fetch_listing(signer(), &token, None).await.unwrap();
    let ticket = s.begin_login("nope");
    assert_eq!(
        s.login(ticket, &listing, now()).unwrap_err().to_string(),
        "the signer does not give alice@example.com access to account \"nope\" (it lists: demo, brand, archive)"
    );
    assert_eq!(
        s.switch_to("nope", None, now()).unwrap_err().to_string(),
        "unknown account \"nope\" (known accounts: demo, brand, archive)"
    );
    check_unchanged(&s);

    // Signer unreachable (nothing listens on port 9).
    let e = fetch_listing("http://127.0.0.1:9", &token, None)
        .await
        .unwrap_err();
    assert!(matches!(e, AccountsError::Unreachable { .. }), "{e:?}");
    assert!(e
        .to_string()
        .starts_with("the signer at http://127.0.0.1:9/v1/accounts is unreachable: "));
    assert!(!e.to_string().contains(&token));

    // A token no HTTP header can carry: nothing is sent, the token is not in the message.
    let e = fetch_listing(signer(), &format!("{token}\n"), None)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "no usable signer token: the token has a line break, a NUL or a character beyond \
         Latin-1, which no HTTP header can carry"
    );

    // A token the signer rejects.
    let mut forged = token.clone();
    forged.push('x');
    let e = fetch_listing(signer(), &forged, None).await.unwrap_err();
    assert!(
        matches!(e, AccountsError::Refused { status: 401, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("the signer refused the account listing (401): "),
        "{e}"
    );
    assert!(!e.to_string().contains(&token));

    // An expired token: the login it would make is already over.
    let past = Timestamp(now().0 - 60);
    let stale = fetch_listing(signer(), &token, Some(past)).await.unwrap();
    let ticket = s.begin_login("demo");
    let e = s.login(ticket, &stale, now()).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("the account listing expired at {past} (now ")),
        "{e}"
    );
    assert_eq!(
        fetch_listing(signer(), "", None)
            .await
            .unwrap_err()
            .to_string(),
        "no usable signer token: the host gave an empty token"
    );
    // The plugin no longer decodes tokens (the signer's listing carries their `exp`): the
    // signer judges an opaque token.
    assert_eq!(
        fetch_listing(signer(), "opaque-token", None)
            .await
            .unwrap_err()
            .to_string(),
        "the signer refused the account listing (401): the bearer token is malformed: not a JWT"
    );
    check_unchanged(&s);
}

#[wasm_bindgen_test]
async fn a_logout_while_a_login_is_in_flight_voids_the_login() {
    let (mut s, token) = logged_in_to_three("cancel").await;
    let ticket = s.begin_login("brand");
    let listing = fetch_listing(signer(), &token, None).await.unwrap();
    s.logout("brand", now()).unwrap();
    assert_eq!(
        s.login(ticket, &listing, now()).unwrap_err().to_string(),
        "the login to account \"brand\" was cancelled before the signer answered"
    );
    assert!(s.state().account("brand").unwrap().session().is_none());
}

#[wasm_bindgen_test]
async fn two_tabs_follow_each_others_logouts() {
    let (mut a, _) = logged_in_to_three("tabs").await;
    let mut b = open(
        AccountStore::local("cc-accounts-test:tabs:").unwrap(),
        "tab-b",
    );
    b.switch_to("brand", None, now()).unwrap();
    a.sync_from_storage(now()).unwrap();
    a.logout("brand", now()).unwrap();
    let fx = b.sync_from_storage(now()).unwrap();
    assert!(fx.contains(&Effect::Notify(Notice::LoggedOutInAnotherTab {
        account: "Brand".into()
    })));
    assert!(fx.contains(&Effect::UnmountWidgetsOf("brand".into())));
    assert_eq!(a.state().accounts(), b.state().accounts());
    assert_eq!(
        b.state().current().unwrap().account,
        "demo",
        "b's selection falls back to the first logged-in account"
    );
}

#[wasm_bindgen_test]
fn the_storage_watch_fires_for_its_key_until_dropped() {
    let hits = Rc::new(Cell::new(0));
    let h = hits.clone();
    let watch = StorageWatch::new("cc-accounts-test:watch:accounts", move || {
        h.set(h.get() + 1)
    })
    .unwrap();
    let fire = |key: &str| {
        let init = web_sys::StorageEventInit::new();
        init.set_key(Some(key));
        let e = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
        web_sys::window()
            .unwrap()
            .dispatch_event(e.unchecked_ref())
            .unwrap();
    };
    fire("cc-accounts-test:watch:accounts");
    fire("someone-else");
    assert_eq!(hits.get(), 1);
    drop(watch);
    fire("cc-accounts-test:watch:accounts");
    assert_eq!(hits.get(), 1, "no listener is left behind");
}

/// A host's own storage plugs in through `KeyValueStore`; a failing one is reported, and the
/// transition it could not persist is still applied in memory.
#[wasm_bindgen_test]
async fn a_host_storage_adapter_is_used_and_its_failures_are_reported() {
    use cloudinary_connector::host::accounts::KeyValueStore;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct Mem {
        map: RefCell<BTreeMap<String, String>>,
        full: Cell<bool>,
    }
    impl KeyValueStore for Mem {
        fn get(&self, key: &str) -> Result<Option<String>, String> {
            Ok(self.map.borrow().get(key).cloned())
        }
        fn set(&self, key: &str, value: &str) -> Result<(), String> {
            if self.full.get() {
                return Err("QuotaExceededError: the host's storage is full".into());
            }
            self.map.borrow_mut().insert(key.into(), value.into());
            Ok(())
        }
        fn remove(&self, key: &str) -> Result<(), String> {
            self.map.borrow_mut().remove(key);
            Ok(())
        }
    }
    let mem = Rc::new(Mem::default());
    let (token, _) = dev_token("alice@example.com", &ROLES).await;
    let mut s = open(AccountStore::new(mem.clone(), "host-ns:"), "tab-a");
    let listing = fetch_listing(signer(), &token, None).await.unwrap();
    let ticket = s.begin_login("demo");
    s.login(ticket, &listing, now()).unwrap();
    assert!(mem
        .map
        .borrow()
        .get("host-ns:accounts")
        .unwrap()
        .contains("\"demo\""));
    mem.full.set(true);
    let ticket = s.begin_login("brand");
    assert_eq!(
        s.login(ticket, &listing, now()).unwrap_err().to_string(),
        "the browser storage failed: QuotaExceededError: the host's storage is full"
    );
    assert!(
        s.state().account("brand").unwrap().is_logged_in(now()),
        "applied in memory"
    );
}

/// Sub-accounts live from Cloudinary go through the signer's admin endpoint: a viewer is refused
/// by the signer, and an account without Provisioning API credentials says so.
#[wasm_bindgen_test]
async fn remote_sub_accounts_need_an_admin_and_provisioning_credentials() {
    use cloudinary_connector::host::accounts::fetch_remote_sub_accounts;
    let (token, _) = dev_token("alice@example.com", &ROLES).await;
    assert_eq!(
        fetch_remote_sub_accounts(signer(), &token, "archive").await.unwrap_err().to_string(),
        "the signer refused the sub-account listing (403): listing sub-accounts on account \"archive\" \
         needs the admin role, not viewer"
    );
    assert_eq!(
        fetch_remote_sub_accounts(signer(), &token, "demo").await.unwrap_err().to_string(),
        "the signer refused the sub-account listing (422): account \"demo\" has no [accounts.provisioning] \
         credentials to list sub-accounts with"
    );
    assert_eq!(
        fetch_remote_sub_accounts(signer(), &token, "../x")
            .await
            .unwrap_err()
            .to_string(),
        "account id \"../x\" is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'"
    );
}
