//! `core::json` against `serde_json` (a dev-dependency): the same parse errors, word for word and
//! position for position, and the same values, for inputs users and signers actually send.
#![cfg(not(target_arch = "wasm32"))]

use cloudinary_connector::core::json;

const INPUTS: &[&str] = &[
    "",
    " ",
    "{",
    "[",
    "nope",
    "tru",
    "<html>",
    "[1,]",
    "[1 2]",
    "{\"a\" 1}",
    "{\"a\":1 \"b\"}",
    "{1:2}",
    "{\"a\":1,}",
    "{} x",
    "[\n  01]",
    "\"ab",
    "\"\\x\"",
    "\"a\nb\"",
    "1.",
    "1.x",
    "1e",
    "1e+",
    "-",
    "-x",
    "{\"a\":",
    "{\"a\"",
    "[1,",
    "\"\\u12\"",
    "\"\\u12G4\"",
    "\"\\udc00\"",
    "\"\\ud800x\"",
    "\"\\ud800\\u0041\"",
    "{\"error\":{\"message\":\"Invalid Signature\"}}",
    "{\"a\":[1,-2.5,true,null,{}],\"b\":\"x\\\"\\\\\\/\\n\\u00e9\\ud83d\\ude0d\",\"c\":[]}",
    "  [ 1 , 2 ]  ",
    "\n\n  {\"x\": 1,\n \"y\" 2}",
];

#[test]
fn parse_errors_and_values_match_serde_json() {
    for input in INPUTS {
        let ours = json::from_str(input);
        let theirs = serde_json::from_str::<serde_json::Value>(input);
        match (&ours, &theirs) {
            (Err(a), Err(b)) => assert_eq!(a, &b.to_string(), "input {input:?}"),
            (Ok(a), Ok(b)) => assert_eq!(a.to_string(), b.to_string(), "input {input:?}"),
            _ => panic!("input {input:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }
}

#[test]
fn nesting_limit_matches_serde_json() {
    for depth in [127, 128, 200] {
        let input = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let ours = json::from_str(&input).map(|_| ());
        let theirs = serde_json::from_str::<serde_json::Value>(&input)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(ours, theirs, "depth {depth}");
    }
}

#[test]
fn serialised_text_matches_serde_json_for_integers_and_strings() {
    let input =
        r#"{"z":[0,-7,18446744073709551615,"\u0001\u001f\"\\/é😍\t"],"a":{"b":null,"c":false}}"#;
    let ours = json::from_str(input).unwrap();
    let theirs: serde_json::Value = serde_json::from_str(input).unwrap();
    assert_eq!(ours.to_string(), theirs.to_string());
}
