//! `core::semver` against the `semver` crate it ports (a dev-dependency): the same versions,
//! requirements, order, matches and error messages, word for word, for listed edge cases and
//! for generated texts over the grammar's characters.
#![cfg(not(target_arch = "wasm32"))]

use std::cmp::Ordering;

use cloudinary_connector::core::semver::{Op, Version, VersionReq};
use proptest::prelude::*;

/// Ours and the crate's answer for `text` as a version, `Ok` as the crate displays it.
fn both_versions(text: &str) -> (Result<String, String>, Result<String, String>) {
    let ours = Version::parse(text).map_err(|e| e.to_string()).map(|v| {
        let theirs = semver::Version::parse(text).expect("the crate accepts what the port accepts");
        assert_eq!(
            (v.major, v.minor, v.patch, &*v.pre, &*v.build),
            (
                theirs.major,
                theirs.minor,
                theirs.patch,
                theirs.pre.as_str(),
                theirs.build.as_str()
            ),
            "{text:?}"
        );
        v.to_string()
    });
    let theirs = semver::Version::parse(text)
        .map(|v| v.to_string())
        .map_err(|e| e.to_string());
    (ours, theirs)
}

fn op_of(op: semver::Op) -> Op {
    match op {
        semver::Op::Exact => Op::Exact,
        semver::Op::Greater => Op::Greater,
        semver::Op::GreaterEq => Op::GreaterEq,
        semver::Op::Less => Op::Less,
        semver::Op::LessEq => Op::LessEq,
        semver::Op::Tilde => Op::Tilde,
        semver::Op::Caret => Op::Caret,
        semver::Op::Wildcard => Op::Wildcard,
        other => panic!("an operator the port does not know: {other:?}"),
    }
}

fn both_reqs(text: &str) -> (Result<String, String>, Result<String, String>) {
    let ours = VersionReq::parse(text).map_err(|e| e.to_string()).map(|r| {
        let theirs = semver::VersionReq::parse(text).expect("the crate accepts it too");
        let mine: Vec<_> = r
            .comparators
            .iter()
            .map(|c| (c.op, c.major, c.minor, c.patch, c.pre.to_string()))
            .collect();
        let crate_: Vec<_> = theirs
            .comparators
            .iter()
            .map(|c| (op_of(c.op), c.major, c.minor, c.patch, c.pre.to_string()))
            .collect();
        assert_eq!(mine, crate_, "{text:?}");
        r.to_string()
    });
    let theirs = semver::VersionReq::parse(text)
        .map(|r| r.to_string())
        .map_err(|e| e.to_string());
    (ours, theirs)
}

const VERSIONS: &[&str] = &[
    "",
    " ",
    "1",
    "1.",
    "1.0",
    "1.0.",
    "1.0.0",
    "v1.0.0",
    " 1.0.0",
    "1.0.0 ",
    "01.0.0",
    "1.00.0",
    "1.0.00",
    "0.0.0",
    "18446744073709551615.0.0",
    "18446744073709551616.0.0",
    "1.2.3-",
    "1.2.3-.",
    "1.2.3-a.",
    "1.2.3-a..b",
    "1.2.3-01",
    "1.2.3-0a",
    "1.2.3-00a",
    "1.2.3-0",
    "1.2.3-rc.1",
    "1.2.3-rc.10",
    "1.2.3+",
    "1.2.3+001",
    "1.2.3+build.5",
    "1.2.3-rc.1+build.5",
    "1.2.3-rc.1+",
    "1.2.3-rc_1",
    "1.2.3+b_1",
    "1.2.3.4",
    "1.2.3x",
    "1.2.x",
    "1.x.3",
    "a.b.c",
    "1.q.r",
    "1.é.0",
    "1.2.3-é",
    "1.\u{0}.0",
    "1.2.3-\u{0}",
    "1,2,3",
];

const REQS: &[&str] = &[
    "",
    "*",
    "x",
    "X",
    " * ",
    "*, 1",
    "* 1",
    "xyz",
    "1",
    "1.2",
    "1.2.3",
    "^1.0",
    "^0.1",
    "^0.0.1",
    "~1",
    "~1.2",
    "~1.2.3-rc.1",
    "=1.2.3",
    ">1",
    ">=1.2",
    "<2",
    "<=2.0.0",
    "> 1",
    ">= 1.2, < 2",
    ">=1.2,<2",
    ">=1.2 ,<2",
    ">=> 1",
    "=>1",
    "<>1",
    "1.*",
    "1.*.*",
    "1.2.*",
    "1.*.3",
    ">=1.*",
    "1.x",
    "1.X.x",
    "1, *",
    "1, x",
    "1, *, 2",
    "1, * 2",
    "1, ",
    "1,",
    "1 2",
    "1.2.3-",
    "1.2.3-rc.1+build",
    "1.2-rc.1",
    "1.2+build",
    "^1.2.3+",
    "1.2.3 4",
    "1.é",
    "^é",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 x",
];

#[test]
fn listed_versions_parse_as_the_crate_parses_them() {
    for text in VERSIONS {
        let (ours, theirs) = both_versions(text);
        assert_eq!(ours, theirs, "{text:?}");
    }
}

#[test]
fn listed_requirements_parse_as_the_crate_parses_them() {
    for text in REQS {
        let (ours, theirs) = both_reqs(text);
        assert_eq!(ours, theirs, "{text:?}");
    }
}

#[test]
fn the_messages_the_plugin_shows_are_the_crates() {
    assert_eq!(
        Version::parse("1.0").unwrap_err().to_string(),
        "unexpected end of input while parsing minor version number"
    );
    assert_eq!(
        Version::parse("v1").unwrap_err().to_string(),
        "unexpected character 'v' while parsing major version number"
    );
    assert_eq!(
        VersionReq::parse(">=> 1").unwrap_err().to_string(),
        "unexpected character '>' while parsing major version number"
    );
    assert_eq!(
        VersionReq::parse("1, *").unwrap_err().to_string(),
        "wildcard req (*) must be the only comparator in the version req"
    );
}

/// Versions and requirements built from the grammar's pieces, and character soup over its
/// alphabet (with a non-ASCII letter and a NUL, which the messages quote).
fn version_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "(0|[1-9][0-9]{0,2}|0[0-9]|18446744073709551616)\\.(0|[1-9]|10|01)\\.(0|[1-9]|10)(-(0|1|00|01|a|rc|rc\\.1|rc\\.10|[0-9a-z-]{0,3}(\\.[0-9a-z-]{0,3}){0,2}))?(\\+[0-9A-Za-z.-]{0,5})?",
        "[0-9.+\\-a-zA-Z é\u{0}]{0,12}",
    ]
}

fn req_text() -> impl Strategy<Value = String> {
    let comparator = "( ?(=|>|>=|<|<=|~|\\^|=>|)? ?(0|1|2|01|x|\\*)(\\.(0|1|2|x|X|\\*)(\\.(0|1|3|x|\\*)(-(rc|rc\\.1|0|01|))?(\\+b)?)?)? ?)";
    prop_oneof![
        proptest::string::string_regex(&format!("{comparator}(,{comparator}){{0,3}}")).unwrap(),
        "[0-9.*xX^~=<>, \\-+a-z]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn versions_parse_as_the_crate_parses_them(text in version_text()) {
        let (ours, theirs) = both_versions(&text);
        prop_assert_eq!(ours, theirs, "{:?}", text);
    }

    #[test]
    fn requirements_parse_as_the_crate_parses_them(text in req_text()) {
        let (ours, theirs) = both_reqs(&text);
        prop_assert_eq!(ours, theirs, "{:?}", text);
    }

    #[test]
    fn versions_order_as_the_crate_orders_them(a in version_text(), b in version_text()) {
        if let (Ok(x), Ok(y)) = (Version::parse(&a), Version::parse(&b)) {
            let (cx, cy) = (semver::Version::parse(&a).unwrap(), semver::Version::parse(&b).unwrap());
            prop_assert_eq!(x.cmp(&y), cx.cmp(&cy), "{:?} {:?}", a, b);
            prop_assert_eq!(x == y, cx == cy);
            prop_assert_eq!(x.cmp(&y) == Ordering::Equal, x == y);
        }
    }

    #[test]
    fn requirements_match_as_the_crate_matches(r in req_text(), v in version_text()) {
        if let (Ok(req), Ok(ver)) = (VersionReq::parse(&r), Version::parse(&v)) {
            let (creq, cver) = (semver::VersionReq::parse(&r).unwrap(), semver::Version::parse(&v).unwrap());
            prop_assert_eq!(req.matches(&ver), creq.matches(&cver), "{:?} {:?}", r, v);
        }
    }
}

/// Matching over a grid of requirements and versions, every pair (the generated pairs above
/// rarely both parse and sit near each other).
#[test]
fn a_grid_of_requirements_matches_as_the_crate() {
    let reqs = [
        "*",
        "1",
        "1.2",
        "1.2.3",
        "^0",
        "^0.0",
        "^0.0.3",
        "^0.2",
        "^0.2.3",
        "^1.2.3-rc.1",
        "~1",
        "~1.2",
        "~1.2.3",
        "~1.2.3-rc.1",
        "=1.2",
        "=1.2.3-rc.1",
        ">1",
        ">1.2",
        ">1.2.3",
        ">1.2.3-rc.1",
        ">=1.2",
        ">=1.2.3-rc.1",
        "<1",
        "<1.2",
        "<1.2.3",
        "<1.2.3-rc.2",
        "<=1.2",
        "<=1.2.3-rc.1",
        "1.*",
        "1.2.*",
        ">=1.2, <2",
        ">=1.2.3-rc.1, <1.3",
    ];
    let versions = [
        "0.0.3",
        "0.2.3",
        "0.2.4",
        "0.3.0",
        "1.0.0",
        "1.1.9",
        "1.2.0",
        "1.2.2",
        "1.2.3-rc.1",
        "1.2.3-rc.2",
        "1.2.3-alpha",
        "1.2.3",
        "1.2.4",
        "1.2.4-rc.1",
        "1.3.0",
        "2.0.0",
        "2.0.0-rc.1",
        "1.2.3+b",
        "0.0.0",
    ];
    for r in reqs {
        let (req, creq) = (
            VersionReq::parse(r).unwrap(),
            semver::VersionReq::parse(r).unwrap(),
        );
        assert_eq!(req.to_string(), creq.to_string());
        for v in versions {
            let (ver, cver) = (
                Version::parse(v).unwrap(),
                semver::Version::parse(v).unwrap(),
            );
            assert_eq!(req.matches(&ver), creq.matches(&cver), "{r} {v}");
        }
    }
}
