//! The CI check that the one version source (`[workspace.package] version` in Cargo.toml) agrees
//! with every place a version is published: `pkg.json`, the npm package's `npm/package.json`,
//! CHANGELOG.md's latest release, the signer, and the User-Agent / Media Library `integration`
//! object.
#![cfg(not(target_arch = "wasm32"))]

use cloudinary_connector::core::VERSION;
use cloudinary_connector::{Environment, Identity, Manifest};

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {full}: {e}"))
}

/// The `version = "x.y.z"` under `[workspace.package]` in the root Cargo.toml.
fn cargo_toml_version() -> String {
    let toml = read("Cargo.toml");
    let section = toml
        .split("[workspace.package]")
        .nth(1)
        .expect("Cargo.toml has a [workspace.package] section");
    let line = section
        .lines()
        .take_while(|l| !l.starts_with('['))
        .find(|l| l.trim_start().starts_with("version"))
        .expect("[workspace.package] declares a version");
    line.split('"')
        .nth(1)
        .expect("version is a quoted string")
        .to_owned()
}

/// The first `## [x.y.z]` heading of CHANGELOG.md, skipping `[Unreleased]`.
fn changelog_version() -> String {
    read("CHANGELOG.md")
        .lines()
        .filter_map(|l| l.strip_prefix("## ["))
        .filter_map(|l| l.split(']').next())
        .find(|v| !v.eq_ignore_ascii_case("unreleased"))
        .expect("CHANGELOG.md has a released version heading")
        .to_owned()
}

#[test]
fn all_version_sources_agree() {
    let cargo = cargo_toml_version();
    assert_eq!(
        VERSION, cargo,
        "the crate was built from another Cargo.toml version"
    );

    let manifest = Manifest::parse(&read("pkg.json")).expect("pkg.json is valid");
    assert_eq!(
        manifest.version.to_string(),
        cargo,
        "pkg.json version differs from Cargo.toml"
    );

    assert_eq!(
        changelog_version(),
        cargo,
        "CHANGELOG.md's latest release differs from Cargo.toml"
    );

    // The npm package's metadata (scripts/npm-pack.sh copies it into the package).
    let npm: serde_json::Value =
        serde_json::from_str(&read("npm/package.json")).expect("npm/package.json is JSON");
    assert_eq!(
        npm["version"].as_str(),
        Some(cargo.as_str()),
        "npm/package.json version differs from Cargo.toml"
    );
    assert_eq!(npm["name"], "cloudinary-connector");

    let signer = read("signer/Cargo.toml");
    assert!(
        signer.contains("version.workspace = true"),
        "the signer must take its version from the workspace"
    );

    let id = Identity::new("Host", "1.0.0", Environment::Prod).unwrap();
    assert_eq!(
        id.user_agent(),
        format!("CloudinaryHost/{cargo} (Host 1.0.0) CloudinaryConnectorRust/{cargo}")
    );
    assert_eq!(id.integration().version, cargo);
}

#[test]
fn changelog_follows_keep_a_changelog() {
    let log = read("CHANGELOG.md");
    assert!(
        log.contains("## [Unreleased]"),
        "CHANGELOG.md needs an [Unreleased] section"
    );
    for heading in log
        .lines()
        .filter(|l| l.starts_with("## [") && !l.contains("Unreleased"))
    {
        let (version, date) = heading
            .trim_start_matches("## [")
            .split_once("] - ")
            .unwrap_or_else(|| {
                panic!("release heading {heading:?} must read `## [x.y.z] - YYYY-MM-DD`")
            });
        semver::Version::parse(version)
            .unwrap_or_else(|e| panic!("{version:?} is not SemVer: {e}"));
        assert!(
            date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
            "release date {date:?} must be YYYY-MM-DD"
        );
    }
}

/// The WordPress plugin's header (`Version:`) and its `CLDC_VERSION` constant; the built zip's
/// header and readme.txt `Stable tag` are checked by platforms/wordpress/tests (they are made
/// from these by platforms/wordpress/build.sh, which refuses a mismatch too).
#[test]
fn wordpress_plugin_version_is_the_one_version() {
    let cargo = cargo_toml_version();
    let php = read("platforms/wordpress/plugin/cloudinary-connector.php");
    let header = php
        .lines()
        .find_map(|l| l.strip_prefix(" * Version:"))
        .expect("the plugin header has a Version line")
        .trim();
    assert_eq!(header, cargo, "the WordPress plugin header's Version");
    assert!(
        php.contains(&format!("const CLDC_VERSION = '{cargo}';")),
        "CLDC_VERSION in platforms/wordpress/plugin/cloudinary-connector.php is not {cargo}"
    );
    let readme = read("platforms/wordpress/readme.txt.in");
    assert!(
        readme.contains("\nStable tag: {{VERSION}}\n"),
        "readme.txt.in's Stable tag must be the build's {{VERSION}}"
    );
}
