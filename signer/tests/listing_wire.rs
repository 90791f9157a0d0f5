//! The account listing on the wire: what the real signer answers `GET /v1/accounts` with the
//! project's shared test configuration (signer/tests/fixtures/test-config.toml, the one the
//! browser and end-to-end suites run against), parsed by the plugin's own reader
//! (`core::accounts::AccountListing`) and turned into features by its state machine. It replaces
//! a captured copy of the listing, which had gone stale (it predated `expires_at`).
mod common;

use cloudinary_connector::core::accounts::{AccountListing, Accounts, Feature, Role, Timestamp};
use cloudinary_connector_signer::auth::{mint_hs256, Claims};
use cloudinary_connector_signer::config::Secret;
use cloudinary_connector_signer::policy::Role as SignerRole;
use common::*;

const EXP: u64 = NOW + 1_800;
const T0: Timestamp = Timestamp(NOW);

/// The listing the signer sends alice (demo=admin, brand=uploader, brand-us=viewer,
/// archive=viewer), as the raw response body.
async fn real_listing() -> String {
    let env = fixture_env();
    let router = signer_at(dev_config(fixture_config()), NOW, true).router();
    let token = mint_hs256(
        &Secret::new(&env["CLD_TEST_JWT_KEY"]),
        &Claims {
            sub: "alice@example.com".into(),
            exp: EXP,
            nbf: None,
            iat: None,
            iss: None,
            aud: Some("cld-signer".into()),
            roles: [
                ("demo", SignerRole::Admin),
                ("brand", SignerRole::Uploader),
                ("brand-us", SignerRole::Viewer),
                ("archive", SignerRole::Viewer),
            ]
            .into_iter()
            .map(|(a, r)| (a.to_owned(), r))
            .collect(),
            ml_username: None,
        },
    );
    let r = get(&router, "/v1/accounts", Some(&token)).await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{:?}", r.body);
    String::from_utf8(r.raw.to_vec()).unwrap()
}

#[tokio::test]
async fn the_real_signers_listing_parses_with_its_own_expiry() {
    // No expiry from the host: the listing's own `expires_at` (the token's `exp`) is the login's.
    let l = AccountListing::parse(&real_listing().await).unwrap();
    assert_eq!(l.user, "alice@example.com");
    assert_eq!(l.expires_at, Timestamp(EXP));
    let clouds: Vec<(String, Vec<(String, Role)>)> = l
        .accounts
        .iter()
        .map(|a| {
            let c = a
                .clouds()
                .iter()
                .map(|c| (c.id.to_owned(), c.role))
                .collect();
            (a.id.clone(), c)
        })
        .collect();
    assert_eq!(
        clouds,
        [
            ("demo".to_owned(), vec![("demo".to_owned(), Role::Admin)]),
            (
                "brand".to_owned(),
                vec![
                    ("brand".to_owned(), Role::Uploader),
                    ("brand-eu".to_owned(), Role::Uploader),
                    ("brand-us".to_owned(), Role::Viewer)
                ]
            ),
            (
                "archive".to_owned(),
                vec![("archive".to_owned(), Role::Viewer)]
            ),
        ]
    );
    // A host-given expiry shortens the login, never lengthens it.
    let text = real_listing().await;
    assert_eq!(
        AccountListing::parse_with_expiry(&text, Timestamp(EXP - 1))
            .unwrap()
            .expires_at,
        Timestamp(EXP - 1)
    );
    assert_eq!(
        AccountListing::parse_with_expiry(&text, Timestamp(EXP + 1))
            .unwrap()
            .expires_at,
        Timestamp(EXP)
    );
}

#[tokio::test]
async fn the_real_signers_policies_shape_the_features() {
    let l = AccountListing::parse(&real_listing().await).unwrap();
    let mut acc = Accounts::new("tab").unwrap();
    for id in ["demo", "brand", "archive"] {
        acc.login(id, &l, T0).unwrap();
    }
    let on = |acc: &Accounts| -> Vec<Feature> {
        let caps = acc.features(T0);
        Feature::ALL
            .into_iter()
            .filter(|f| caps.is_enabled(*f))
            .collect()
    };
    // archive: DAM only, viewer whose policy grants the Media Library login.
    assert_eq!(on(&acc), [Feature::MediaLibrary]);
    assert_eq!(
        acc.features(T0).get(Feature::Upload).to_string(),
        "Uploading is not allowed for your role (viewer) on \"Archive (Assets / DAM)\""
    );
    acc.switch_to("demo", None, T0).unwrap();
    assert_eq!(on(&acc), Feature::ALL, "admin on Programmable Media + DAM");
    acc.switch_to("brand", Some("brand-us"), T0).unwrap();
    assert_eq!(
        on(&acc),
        [
            Feature::OptimizedDelivery,
            Feature::DeliveryTransformations,
            Feature::SignedDelivery,
            Feature::ProductGallery,
            Feature::VideoPlayer
        ]
    );
    let cur = acc.current().unwrap();
    assert_eq!(
        (cur.cloud_name.as_str(), cur.role),
        ("brand-us", Role::Viewer)
    );
    acc.switch_sub_account("brand-eu", T0).unwrap();
    assert_eq!(
        acc.current().unwrap().grants.folder_prefix,
        "brand/alice@example.com"
    );
    assert_eq!(
        acc.current().unwrap().grants.upload_presets,
        ["brand_signed"]
    );
}
