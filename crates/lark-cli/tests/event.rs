//! `lark event decrypt` and `lark event verify`, running the built binary on the vectors that
//! scripts/event_vectors.py made with Python's `cryptography`.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../lark-core/testdata/event_vectors.json")).unwrap()
}

fn lark(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(args)
        .env_remove("LARK_ENCRYPT_KEY")
        .env_remove("LARK_VERIFICATION_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn decrypt_prints_the_plaintext() {
    let v = vectors();
    for case in v["encryption"].as_array().unwrap() {
        let key = case["encrypt_key"].as_str().unwrap();
        let body = serde_json::to_vec(&serde_json::json!({"encrypt": case["encrypt"]})).unwrap();
        let out = lark(&["event", "decrypt", "--encrypt-key", key], &body);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            format!("{}\n", case["plaintext"].as_str().unwrap())
        );
    }
    // The bare base64 value works too.
    let case = &v["encryption"][3];
    let out = lark(
        &[
            "event",
            "decrypt",
            "--encrypt-key",
            case["encrypt_key"].as_str().unwrap(),
        ],
        case["encrypt"].as_str().unwrap().as_bytes(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plain: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plain["type"], "url_verification");
}

#[test]
fn decrypt_fails_with_the_reason() {
    let v = vectors();
    for case in v["rejected"].as_array().unwrap() {
        let body = serde_json::to_vec(&serde_json::json!({"encrypt": case["encrypt"]})).unwrap();
        let out = lark(
            &[
                "event",
                "decrypt",
                "--encrypt-key",
                case["encrypt_key"].as_str().unwrap(),
            ],
            &body,
        );
        assert_eq!(out.status.code(), Some(1), "{}", case["why"]);
        assert!(
            text(&out.stderr).contains("cannot decrypt"),
            "{}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    let out = lark(
        &["event", "decrypt", "--encrypt-key", "k"],
        br#"{"no":"encrypt"}"#,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_accepts_valid_and_refuses_tampered_signatures() {
    let v = vectors();
    for case in v["signatures"].as_array().unwrap() {
        let args = |signature: &str| -> Vec<String> {
            [
                "event",
                "verify",
                "--encrypt-key",
                case["encrypt_key"].as_str().unwrap(),
                "--timestamp",
                case["timestamp"].as_str().unwrap(),
                "--nonce",
                case["nonce"].as_str().unwrap(),
                "--signature",
                signature,
            ]
            .map(str::to_owned)
            .to_vec()
        };
        let body = case["body"].as_str().unwrap().as_bytes();
        let good = args(case["signature"].as_str().unwrap());
        let good: Vec<&str> = good.iter().map(String::as_str).collect();
        let out = lark(&good, body);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "valid\n");

        let mut tampered = body.to_vec();
        tampered.push(b'\n');
        let out = lark(&good, &tampered);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("bad signature"),
            "{}",
            text(&out.stderr)
        );

        let wrong = args(&"0".repeat(64));
        let wrong: Vec<&str> = wrong.iter().map(String::as_str).collect();
        assert_eq!(lark(&wrong, body).status.code(), Some(1));
    }
    // A stale timestamp is refused when --max-age is given.
    let case = &v["signatures"][0];
    let out = lark(
        &[
            "event",
            "verify",
            "--encrypt-key",
            case["encrypt_key"].as_str().unwrap(),
            "--timestamp",
            case["timestamp"].as_str().unwrap(),
            "--nonce",
            case["nonce"].as_str().unwrap(),
            "--signature",
            case["signature"].as_str().unwrap(),
            "--max-age",
            "60",
        ],
        case["body"].as_str().unwrap().as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("stale"), "{}", text(&out.stderr));
}

#[test]
fn verify_checks_legacy_card_signatures_with_the_token() {
    let v = vectors();
    let case = &v["card_signatures"][0];
    let args = |token: &str| {
        vec![
            "event".to_owned(),
            "verify".to_owned(),
            "--verification-token".to_owned(),
            token.to_owned(),
            "--timestamp".to_owned(),
            case["timestamp"].as_str().unwrap().to_owned(),
            "--nonce".to_owned(),
            case["nonce"].as_str().unwrap().to_owned(),
            "--signature".to_owned(),
            case["signature"].as_str().unwrap().to_owned(),
        ]
    };
    let body = case["body"].as_str().unwrap().as_bytes();
    let good = args(case["verification_token"].as_str().unwrap());
    let out = lark(&good.iter().map(String::as_str).collect::<Vec<_>>(), body);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bad = args("other-token");
    let out = lark(&bad.iter().map(String::as_str).collect::<Vec<_>>(), body);
    assert_eq!(out.status.code(), Some(1));
}
