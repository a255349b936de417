//! `lark event`: decrypt an event body, or verify a request signature.

use std::io::Read as _;
use std::time::Duration;

use lark_core::event;

use crate::{Failure, Outcome};

/// `lark event` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Reads an encrypted request body (`{"encrypt": "..."}`, or the bare base64 value) on stdin
    /// and prints the plaintext JSON.
    Decrypt(Decrypt),
    /// Reads a raw request body on stdin and checks its X-Lark-Signature; exits 0 when valid,
    /// 1 with the reason when not.
    Verify(Verify),
}

#[derive(Debug, clap::Args)]
struct Decrypt {
    /// The app's event encrypt key.
    #[arg(
        long,
        value_name = "KEY",
        env = "LARK_ENCRYPT_KEY",
        hide_env_values = true
    )]
    encrypt_key: String,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("secret").required(true).multiple(false))]
struct Verify {
    /// The event encrypt key: checks an event's SHA-256 signature.
    #[arg(
        long,
        group = "secret",
        value_name = "KEY",
        env = "LARK_ENCRYPT_KEY",
        hide_env_values = true
    )]
    encrypt_key: Option<String>,
    /// The verification token: checks a legacy card callback's SHA-1 signature.
    #[arg(
        long,
        group = "secret",
        value_name = "TOKEN",
        env = "LARK_VERIFICATION_TOKEN",
        hide_env_values = true
    )]
    verification_token: Option<String>,
    /// X-Lark-Request-Timestamp.
    #[arg(long, value_name = "T")]
    timestamp: String,
    /// X-Lark-Request-Nonce.
    #[arg(long, value_name = "N")]
    nonce: String,
    /// X-Lark-Signature.
    #[arg(long, value_name = "S")]
    signature: String,
    /// Also refuse a timestamp more than this many seconds from now.
    #[arg(long, value_name = "SECONDS")]
    max_age: Option<u64>,
}

pub(crate) fn run(args: Args) -> Outcome {
    match args.command {
        Command::Decrypt(args) => decrypt(args),
        Command::Verify(args) => verify(args),
    }
}

fn read_stdin() -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| Failure::usage(format!("error: cannot read stdin: {e}")))?;
    Ok(body)
}

fn rejected(error: event::EventError) -> Failure {
    Failure {
        message: format!("error: {error}"),
        code: 1,
    }
}

fn decrypt(args: Decrypt) -> Outcome {
    let body = read_stdin()?;
    let text = String::from_utf8_lossy(&body);
    let sealed = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(map)) => match map.get("encrypt") {
            Some(serde_json::Value::String(sealed)) => sealed.clone(),
            _ => {
                return Err(Failure::usage(
                    "error: the body has no string `encrypt` field",
                ));
            }
        },
        Ok(serde_json::Value::String(sealed)) => sealed,
        _ => text.trim().to_owned(),
    };
    let plain = event::decrypt(&args.encrypt_key, &sealed).map_err(rejected)?;
    let mut out = plain;
    out.push(b'\n');
    crate::output::stdout(&out)
}

fn verify(args: Verify) -> Outcome {
    let body = read_stdin()?;
    let checked = match (&args.encrypt_key, &args.verification_token) {
        (Some(key), _) => {
            event::verify_event_signature(&args.timestamp, &args.nonce, key, &body, &args.signature)
        }
        (None, Some(token)) => event::verify_card_signature(
            &args.timestamp,
            &args.nonce,
            token,
            &body,
            &args.signature,
        ),
        (None, None) => {
            return Err(Failure::usage(
                "error: give --encrypt-key or --verification-token",
            ));
        }
    };
    checked.map_err(rejected)?;
    if let Some(max_age) = args.max_age {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| Failure::usage(format!("error: the system clock: {e}")))?;
        let now_millis = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
        event::check_freshness(&args.timestamp, now_millis, Duration::from_secs(max_age))
            .map_err(rejected)?;
    }
    crate::output::line("valid")
}
