//! The JavaScript `Accounts` class (what an account switcher uses), in a real browser against
//! the real signer. Partner review scenario: "Switching accounts and sub-accounts".
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use cloudinary_connector::web::accounts::JsAccounts;
use gloo_net::http::Request;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn signer() -> &'static str {
    match option_env!("SIGNER_URL") {
        Some(url) => url,
        None => "http://127.0.0.1:18787",
    }
}

async fn dev_token() -> String {
    let res = Request::post(&format!("{}/v1/dev/token", signer()))
        .json(&json!({"user": "bob@example.com", "ttl_secs": 600,
                      "roles": {"demo": "uploader", "brand": "admin", "brand-us": "viewer", "archive": "viewer"}}))
        .unwrap()
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

fn rust(v: &JsValue) -> Value {
    serde_wasm_bindgen::from_value(v.clone()).unwrap()
}

fn message(e: &JsValue) -> String {
    js_sys::Error::from(e.clone()).message().into()
}

fn kinds(effects: &Value) -> Vec<String> {
    effects
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match e["type"].as_str().unwrap() {
            "notify" => format!("notify:{}", e["kind"].as_str().unwrap()),
            t => t.to_owned(),
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_switcher_api_logs_in_switches_and_explains_disabled_features() {
    let prefix = "cc-accounts-web-test:";
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .remove_item(&format!("{prefix}accounts"))
        .unwrap();
    let token = dev_token().await;
    let accounts = JsAccounts::new(prefix, signer(), "tab-web").unwrap();
    assert_eq!(
        rust(&accounts.restored()),
        json!({"effects": [], "issues": [], "loadError": null})
    );

    let fx = rust(
        &JsFuture::from(accounts.login("brand".into(), token.clone(), None))
            .await
            .unwrap(),
    );
    assert_eq!(kinds(&fx), ["notify:loggedIn", "remountOn", "persisted"]);
    assert_eq!(fx[1]["cloud"]["cloudName"], "brand-cloud");
    assert_eq!(fx[1]["cloud"]["role"], "admin");
    assert_eq!(
        fx[1]["cloud"]["widgetAccount"],
        json!({"id": "brand", "cloud_name": "brand-cloud", "api_key": "223344556677889"})
    );
    JsFuture::from(accounts.login("archive".into(), token.clone(), None))
        .await
        .unwrap();

    let state = rust(&accounts.state());
    assert_eq!(state["current"]["account"], "archive");
    let brand = &state["accounts"][1];
    assert_eq!(
        (brand["id"].as_str(), brand["loggedIn"].as_bool()),
        (Some("brand"), Some(true))
    );
    let subs: Vec<&str> = brand["subAccounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["cloudName"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["brand-cloud", "brand-eu", "brand-us"]);
    assert_eq!(
        state["accounts"][0]["loggedIn"], false,
        "demo is listed but not logged in"
    );

    // DAM-only archive: no optimised delivery, and the reason to show.
    let f = rust(&accounts.features());
    assert_eq!(f["defaultTransformation"], Value::Null);
    let od = f["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["feature"] == "OptimizedDelivery")
        .unwrap();
    assert_eq!(od["enabled"], false);
    assert_eq!(
        od["reason"],
        "Optimised delivery (f_auto,q_auto) needs Cloudinary Programmable Media; \
         \"Archive (Assets / DAM)\" uses DAM only, which does not include optimised delivery"
    );

    let fx = rust(
        &accounts
            .switch_to("brand", Some("brand-us".into()))
            .unwrap(),
    );
    assert_eq!(
        kinds(&fx),
        [
            "cancelPending",
            "unmountWidgetsOf",
            "remountOn",
            "persisted"
        ]
    );
    assert_eq!(
        fx[2]["cloud"]["signerAccount"], "brand-us",
        "the signer signs for the sub-account"
    );
    let f = rust(&accounts.features());
    assert_eq!(f["defaultTransformation"], "f_auto,q_auto");
    let up = f["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["feature"] == "Upload")
        .unwrap();
    assert_eq!(
        up["reason"],
        "Uploading is not allowed for your role (viewer) on \"Brand\" / \"Brand US\""
    );

    // Refusals throw an Error with the user-facing message, and change nothing.
    let before = rust(&accounts.state());
    assert_eq!(
        message(&accounts.switch_to("demo", None).unwrap_err()),
        "not logged in to account \"demo\": log in to it first"
    );
    let e = JsFuture::from(accounts.login("nope".into(), token.clone(), None))
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "the signer does not give bob@example.com access to account \"nope\" (it lists: demo, brand, archive)"
    );
    assert_eq!(rust(&accounts.state()), before);

    let fx = rust(&accounts.logout("brand").unwrap());
    assert_eq!(
        kinds(&fx),
        [
            "cancelPending",
            "unmountWidgetsOf",
            "dropCachedSignatures",
            "notify:loggedOut",
            "notify:switchedTo",
            "remountOn",
            "persisted"
        ]
    );
    assert_eq!(
        fx[4]["text"],
        "Switched to \"Archive (Assets / DAM)\" (archive-dam)"
    );

    // A reload restores it.
    drop(accounts);
    let again = JsAccounts::new(prefix, signer(), "tab-web-2").unwrap();
    assert_eq!(kinds(&rust(&again.restored())["effects"]), ["remountOn"]);
    assert_eq!(rust(&again.state())["current"]["account"], "archive");
}
