//! Property tests of the typed transformation model: `Display` and `FromStr` are exact
//! inverses (`parse(t.to_string()) == t`), and parsing keeps any valid string as it is.
#![cfg(not(target_arch = "wasm32"))]

use cloudinary_connector::core::url::transformation::{Compass, Qualifier, Token};
use cloudinary_connector::core::url::{
    CropMode, Dimension, Gravity, NamedTransformations, ParamKey, Step, Transformation, VarName,
};
use proptest::prelude::*;

fn value() -> impl Strategy<Value = String> {
    // Qualifier values: no `,` `/` or whitespace; may contain `_`, `:`, `.`, `$`, `%`.
    "[a-z0-9$%:._-]{1,12}"
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        prop::sample::select(CropMode::ALL).prop_map(Qualifier::Crop),
        prop::sample::select(Compass::ALL).prop_map(|c| Qualifier::Gravity(Gravity::Compass(c))),
        Just(Qualifier::Gravity(Gravity::Auto)),
        "(auto:[a-z]{1,8}|ocr_text|custom_no_override)"
            .prop_map(|g| Qualifier::param("g", &g).unwrap()),
        any::<u32>().prop_map(|w| Qualifier::Width(Dimension::Px(w))),
        any::<u32>().prop_map(|h| Qualifier::Height(Dimension::Px(h))),
        "(0\\.[0-9]{1,3}|auto(:[0-9]{1,3})?|iw_div_[0-9]|ow)"
            .prop_map(|w| Qualifier::param("w", &w).unwrap()),
        prop::collection::vec("[a-z][a-z0-9_ -]{0,6}[a-z0-9]", 1..3).prop_map(|names| {
            let joined = names
                .iter()
                .map(|n| n.replace(' ', "%20"))
                .collect::<Vec<_>>()
                .join(".");
            Qualifier::param("t", &joined).unwrap()
        }),
        ("[a-z][a-z0-9]{0,5}", value())
            .prop_map(|(n, v)| format!("${n}_{v}").parse::<Qualifier>().unwrap()),
        value().prop_map(|v| Qualifier::param("if", &v).unwrap()),
        (
            prop::sample::select(
                &[
                    "a", "ar", "b", "bo", "co", "dpr", "e", "f", "fl", "l", "o", "q", "r", "u",
                    "x", "y", "z", "zz"
                ][..]
            ),
            value()
        )
            .prop_map(|(k, v)| Qualifier::param(k, &v).unwrap()),
        "[A-Za-z0-9:.%-]{1,10}".prop_map(|raw| raw.parse::<Qualifier>().unwrap()),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop::collection::vec(qualifier(), 1..6).prop_map(Step::from_qualifiers)
}

fn transformation() -> impl Strategy<Value = Transformation> {
    prop::collection::vec(step(), 0..5).prop_map(|steps| {
        steps
            .into_iter()
            .fold(Transformation::new(), Transformation::then)
    })
}

/// Qualifiers built directly through the variants' validated parts, with arbitrary input: what
/// the constructors accept round-trips, whatever it is (the parser is not used to build them).
fn direct_qualifier() -> impl Strategy<Value = Option<Qualifier>> {
    let token = "[a-z0-9$%:._ ,/-]{0,8}";
    prop_oneof![
        ("[a-zA-Z0-9_$ -]{0,6}", token).prop_map(|(n, v)| Some(Qualifier::Variable {
            name: VarName::new(&n).ok()?,
            value: Token::new("$", &v).ok()?,
        })),
        ("[a-zA-Z_ ]{0,4}", token).prop_map(|(k, v)| Some(Qualifier::Param {
            key: ParamKey::new(&k).ok()?,
            value: Token::new(&k, &v).ok()?,
        })),
        prop::collection::vec("[a-z0-9. _-]{0,5}", 0..3)
            .prop_map(|names| Some(Qualifier::Named(NamedTransformations::new(&names).ok()?))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn directly_built_qualifiers_round_trip(q in direct_qualifier()) {
        if let Some(q) = q {
            let s = q.to_string();
            prop_assert_eq!(s.parse::<Qualifier>(), Ok(q));
        }
    }

    #[test]
    fn parse_is_the_inverse_of_display(t in transformation()) {
        let s = t.to_string();
        prop_assert_eq!(s.parse::<Transformation>(), Ok(t));
    }

    #[test]
    fn valid_strings_survive_a_round_trip(t in transformation()) {
        // Any string the model accepts prints back unchanged, whatever its order.
        let shuffled: Vec<String> = t.steps().iter().map(|s| {
            let mut q: Vec<String> = s.qualifiers().iter().map(ToString::to_string).collect();
            q.reverse();
            q.join(",")
        }).collect();
        let s = shuffled.join("/");
        let parsed: Transformation = s.parse().unwrap();
        prop_assert_eq!(parsed.to_string(), s);
    }

    #[test]
    fn parsing_never_panics(s in "\\PC{0,40}") {
        let _ = s.parse::<Transformation>();
    }
}
