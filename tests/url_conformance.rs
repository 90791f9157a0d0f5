//! Conformance: every delivery-URL case recorded from the official SDK test suites
//! (`fixtures/conformance/url_cases.json`, 167 pycloudinary + 101 cloudinary_npm) and every
//! URL-signature vector of `signatures.json`, natively (`cargo test`) and in headless browsers
//! (`wasm-pack test --headless --chrome|--firefox -- --test url_conformance`), rust-url
//! `tests/wpt.rs` style: one data-driven test compiled for both.
//!
//! Each suite runs with its own recorded configuration (`context`: pycloudinary leaves `secure`
//! unset ⇒ `http://`; the Node suite defaults to `https://`), plus the case's
//! `config_overrides`, plus what `url_cases_annotations.json` records for cases whose test set
//! a configuration the recording did not capture.
//!
//! Signed cases go through the engine's signature-source path: the engine builds the string to
//! sign, and a TEST-ONLY source hashes it with the suites' public fixture secret `b`. The
//! library itself never hashes and never holds a secret.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use cloudinary_connector::core::json::Value as J;
use cloudinary_connector::core::url::encode::base64;
use cloudinary_connector::core::url::{
    url, SignRequest, SignatureAlgorithm, SignatureSource, UrlTemplate, Value,
};
use cloudinary_connector::json;
use sha1::Digest as _;

const CASES: &str = include_str!("fixtures/conformance/url_cases.json");
const ANNOTATIONS: &str = include_str!("fixtures/conformance/url_cases_annotations.json");
const SIGNATURES: &str = include_str!("fixtures/conformance/signatures.json");

/// TEST ONLY: a signature source holding the SDK suites' public fixture secret.
struct FixtureSigner {
    secret: String,
}

fn sign(to_sign: &str, secret: &str, algorithm: SignatureAlgorithm, length: usize) -> String {
    let mut input = to_sign.as_bytes().to_vec();
    input.extend_from_slice(secret.as_bytes());
    let digest: Vec<u8> = match algorithm {
        SignatureAlgorithm::Sha1 => sha1::Sha1::digest(&input).to_vec(),
        SignatureAlgorithm::Sha256 => sha2::Sha256::digest(&input).to_vec(),
    };
    let mut b64 = String::new();
    base64(&digest, true, &mut b64);
    b64.truncate(length);
    b64
}

impl SignatureSource for FixtureSigner {
    fn signature(&self, r: &SignRequest) -> Result<String, String> {
        // The parts the signing endpoint is sent rebuild exactly the string the URL engine signs
        // (the endpoint calls the same core function on them).
        assert_eq!(
            cloudinary_connector::core::sign::url_string_to_sign(&r.transformation, &r.public_id),
            r.to_sign,
            "the parts of {r:?} do not rebuild its string to sign"
        );
        assert!(
            matches!(r.resource_type.as_str(), "image" | "video" | "raw"),
            "{r:?}"
        );
        assert!(!r.delivery_type.is_empty(), "{r:?}");
        Ok(sign(&r.to_sign, &self.secret, r.algorithm, r.length))
    }
}

fn merge(base: &mut Value, extra: &J) {
    if let J::Object(map) = extra {
        for (k, v) in map {
            base.set(k.as_str(), v.clone());
        }
    }
}

/// The configuration each suite's tests ran with (the file's `context`).
fn suite_config(suite: &str) -> Value {
    let config = json!({"cloud_name": "test123"});
    match suite {
        // `secure` unset: http://
        "pycloudinary" => config,
        // The Node SDK defaults `secure` to true; analytics off.
        "cloudinary_npm" => json!({"cloud_name": "test123", "secure": true, "urlAnalytics": false}),
        other => panic!("unknown suite {other}"),
    }
}

#[cfg_attr(not(all(target_arch = "wasm32", target_os = "unknown")), test)]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    wasm_bindgen_test::wasm_bindgen_test
)]
fn all_recorded_sdk_cases_match_byte_for_byte() {
    let cases: J =
        cloudinary_connector::core::json::from_str(CASES).expect("url_cases.json parses");
    let annotations: J = cloudinary_connector::core::json::from_str(ANNOTATIONS)
        .expect("url_cases_annotations.json parses");
    let annotations = annotations["cases"]
        .as_array()
        .expect("annotations.cases is an array");
    let signer = FixtureSigner { secret: "b".into() };

    let mut failures = Vec::new();
    let mut ran = 0;
    let mut used_annotations = 0;
    for suite in ["pycloudinary", "cloudinary_npm"] {
        let list = cases[suite].as_array().expect("suite is an array");
        for (index, case) in list.iter().enumerate() {
            let mut config = suite_config(suite);
            merge(&mut config, &case["config_overrides"]);
            for a in annotations
                .iter()
                .filter(|a| a["suite"] == suite && a["index"] == index)
            {
                assert_eq!(
                    a["expected_url"], case["expected_url"],
                    "annotation {suite}[{index}] is for another case"
                );
                assert_eq!(
                    a["source"], case["source"],
                    "annotation {suite}[{index}] is for another test"
                );
                merge(&mut config, &a["config"]);
                used_annotations += 1;
            }
            let public_id = case["public_id"].as_str().expect("public_id is a string");
            let options = case["options"].clone();
            let expected = case["expected_url"]
                .as_str()
                .expect("expected_url is a string");
            ran += 1;
            // The same case through a template (transformation built once, URL per id).
            match UrlTemplate::new(&options, &config).and_then(|t| t.url(public_id, &signer)) {
                Ok(got) if got == expected => {}
                Ok(got) => failures.push(format!(
                    "{suite}[{index}] (template) expected {expected}\n  got {got}"
                )),
                Err(e) => failures.push(format!(
                    "{suite}[{index}] (template) expected {expected}\n  error {e}"
                )),
            }
            match url(public_id, &options, &config, &signer) {
                Ok(got) if got == expected => {}
                Ok(got) => failures.push(format!(
                    "{suite}[{index}] {public_id:?} {}\n  expected {expected}\n  got      {got}",
                    case["options"]
                )),
                Err(e) => failures.push(format!(
                    "{suite}[{index}] {public_id:?} {}\n  expected {expected}\n  error    {e}",
                    case["options"]
                )),
            }
        }
    }
    assert_eq!(ran, 268, "every recorded case runs");
    assert_eq!(
        used_annotations,
        annotations.len(),
        "every annotation applies to a case"
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[cfg_attr(not(all(target_arch = "wasm32", target_os = "unknown")), test)]
#[cfg_attr(
    all(target_arch = "wasm32", target_os = "unknown"),
    wasm_bindgen_test::wasm_bindgen_test
)]
fn url_signature_vectors_through_the_signature_source_path() {
    let data: J =
        cloudinary_connector::core::json::from_str(SIGNATURES).expect("signatures.json parses");
    let vectors = data["url_signature"]
        .as_array()
        .expect("url_signature is an array");
    assert_eq!(vectors.len(), 6);
    for v in vectors {
        let to_sign = v["to_sign"].as_str().unwrap();
        let algorithm = match v["algorithm"].as_str().unwrap() {
            "sha1" => SignatureAlgorithm::Sha1,
            "sha256" => SignatureAlgorithm::Sha256,
            other => panic!("unknown algorithm {other}"),
        };
        let length = v["length"].as_u64().unwrap() as usize;
        let expected = v["signature"].as_str().unwrap();
        assert_eq!(
            sign(to_sign, v["secret"].as_str().unwrap(), algorithm, length),
            expected,
            "{to_sign}"
        );

        // And through the engine: a URL whose string to sign is `to_sign` carries `s--<sig>--`.
        let (public_id, mut options) = match to_sign.split_once('/') {
            Some((t, id)) if !to_sign.starts_with("http") => (id, json!({"raw_transformation": t})),
            _ => (to_sign, json!({})),
        };
        if to_sign.starts_with("http") {
            options.set("type", "fetch".into());
        }
        options.set("sign_url", true.into());
        options.set("long_url_signature", (length == 32).into());
        options.set("signature_algorithm", algorithm.as_str().into());
        let signer = FixtureSigner {
            secret: v["secret"].as_str().unwrap().into(),
        };
        let got = url(
            public_id,
            &options,
            &suite_config("cloudinary_npm"),
            &signer,
        )
        .unwrap();
        assert!(
            got.contains(&format!("/s--{expected}--/")),
            "{got} lacks {expected}"
        );
    }
}
