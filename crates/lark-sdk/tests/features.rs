//! lark-sdk forwards every service feature of lark-api under the same name, and no other.
//! (lark-api's manifest is generated; a service added there must be added here.)

use std::collections::BTreeSet;

/// The `[features]` table's lines of a manifest, as `(name, value)`.
fn features(manifest: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.trim() == "[features]";
            continue;
        }
        if let (true, Some((name, value))) = (inside, line.split_once(" = ")) {
            if !name.starts_with('#') && !name.starts_with(' ') {
                out.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    out
}

fn read(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_service_of_lark_api_is_a_feature_of_the_same_name() {
    let api: BTreeSet<String> = features(&read("../lark-api/Cargo.toml"))
        .into_iter()
        .filter(|(_, value)| value.starts_with("[\"dep:lark-api-"))
        .map(|(name, _)| name)
        .collect();
    assert!(api.len() > 60, "lark-api's services not found: {api:?}");

    let sdk = features(&read("Cargo.toml"));
    let forwarded: BTreeSet<String> = sdk
        .iter()
        .filter(|(name, value)| value.contains(&format!("\"lark-api/{name}\"")))
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(
        forwarded, api,
        "lark-sdk's service features differ from lark-api's services"
    );
    assert!(
        sdk.iter()
            .any(|(name, value)| name == "api-full" && value == "[\"lark-api/full\"]"),
        "api-full is lark-api's full"
    );
}

#[test]
fn the_features_parser_reads_only_the_features_table() {
    let manifest = "[package]\nname = \"x\"\n\n[features]\n# a = [\"b\"]\nim = [\"dep:lark-api-im\"]\n\n[dependencies]\nhttp = \"1\"\n";
    assert_eq!(
        features(manifest),
        [("im".to_owned(), "[\"dep:lark-api-im\"]".to_owned())]
    );
}
