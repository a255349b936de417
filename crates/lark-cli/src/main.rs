//! `lark`: the Feishu/Lark Open Platform from the command line.

mod api;
mod auth;
mod bot;
mod call;
mod drive;
mod endpoints;
mod env;
mod event;
mod listen;
mod logging;
mod logins;
mod mock;
mod output;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

/// The Feishu/Lark Open Platform from the command line.
#[derive(Debug, Parser)]
#[command(name = "lark", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log to stderr what the SDK does: -v retries and token fetches, -vv each attempt (status,
    /// Lark code, log id, time), -vvv everything. Never a token.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// How log lines look: `text`, or `json` (one object per line, for machines).
    #[arg(long, value_enum, default_value_t, global = true)]
    log_format: logging::LogFormat,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Calls any endpoint with the app's tenant access token (or a user token) and prints the JSON.
    Api(api::Args),
    /// Lists every endpoint of the catalog: `METHOD PATH official.name (former.Name)`.
    Endpoints(endpoints::ListArgs),
    /// Posts to a custom bot's webhook (`send`) or computes a webhook signature (`sign`).
    Bot(bot::Args),
    /// Runs the embedded Feishu-compatible mock server.
    Mock(mock::Args),
    /// Decrypts an event body (`decrypt`), checks a request signature (`verify`), or prints
    /// the events of the long connection (`listen`).
    Event(event::Args),
    /// Uploads a file of any size to drive (`upload`) or downloads one (`download`).
    Drive(drive::Args),
    /// Signs a user in (`login --device`), shows (`status`), ends (`logout`) or prints the
    /// user's token (`token`); `lark api --as user` then calls as that user.
    Auth(auth::Args),
}

/// What a subcommand returns: the process exit code.
pub(crate) type Outcome = Result<(), Failure>;

/// A failure already worth a message on stderr and a non-zero exit.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) code: u8,
}

impl Failure {
    /// A usage error (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }
}

impl From<lark_core::Error> for Failure {
    fn from(error: lark_core::Error) -> Self {
        match &error {
            lark_core::Error::Api(api) => Self {
                message: format!(
                    "error: Lark code {}: {}{}",
                    api.code,
                    api.msg,
                    api.log_id
                        .as_deref()
                        .map(|id| format!(" (log id {id})"))
                        .unwrap_or_default()
                ),
                code: 1,
            },
            lark_core::Error::Build(_) => Self::usage(format!("error: {}", with_causes(&error))),
            _ => Self {
                message: format!("error: {}", with_causes(&error)),
                code: 1,
            },
        }
    }
}

/// `error` and every error under it (`source()`), joined with `: `: "cannot get the
/// tenant_access_token" alone does not say that the connection to the host was refused.
/// A cause whose text the line already shows (a wrapper that displays its source) is skipped.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let part = e.to_string();
        if !part.is_empty() && !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = e.source();
    }
    text
}

#[tokio::main]
async fn main() -> ExitCode {
    // `lark event listen` lives in listen.rs, grafted onto `lark event`.
    let matches = Cli::command()
        .mut_subcommand("event", |event| event.subcommand(listen::command()))
        .get_matches();
    let listen = match matches.subcommand() {
        Some(("event", event)) => event.subcommand_matches("listen"),
        _ => None,
    };
    // The global flags, from the innermost subcommand they were given with.
    let mut innermost = &matches;
    while let Some((_, sub)) = innermost.subcommand() {
        innermost = sub;
    }
    let verbose = innermost.get_count("verbose");
    let format = innermost
        .get_one::<logging::LogFormat>("log_format")
        .copied()
        .unwrap_or_default();
    logging::init(verbose, format, listen.is_some());
    let outcome = match listen {
        Some(m) => {
            listen::run(listen::Args::from_arg_matches(m).unwrap_or_else(|e| e.exit())).await
        }
        None => run(Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            output::error_line(&failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Api(args) => api::run(args).await,
        Command::Mock(args) => mock::run(args).await,
        Command::Bot(args) => bot::run(args).await,
        Command::Endpoints(args) => endpoints::list(&args),
        Command::Event(args) => event::run(args),
        Command::Drive(args) => drive::run(args).await,
        Command::Auth(args) => auth::run(args).await,
    }
}
