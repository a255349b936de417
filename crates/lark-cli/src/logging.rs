//! `-v` / `-vv` / `-vvv` and `--log-format`: what the SDK tells `tracing` (each call, each
//! attempt with its status, code, log id and retry decision, token fetches and refreshes) on
//! stderr, as text for people or JSON lines for machines. Never a token or a secret: the SDK's
//! spans and events carry none.

use clap::ValueEnum;
use tracing_subscriber::fmt::format::FmtSpan;

/// How log lines look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Starts logging to stderr: nothing below `quiet_level`'s worth unless `verbose` says more.
/// `verbose` 1 shows retries and token fetches, 2 each attempt as it ends (its status, code,
/// log id and time), 3 everything.
pub(crate) fn init(verbose: u8, format: LogFormat, listening: bool) {
    use tracing::Level;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let level = match (verbose, listening) {
        (0, false) => return,
        (0, true) | (1, false) => Level::INFO,
        (1, true) | (2, false) => Level::DEBUG,
        _ => Level::TRACE,
    };
    // The SDK's own crates at `level`; the HTTP stack under them only when everything is asked
    // for (its connection pool talks a lot at debug).
    let filter = if level == Level::TRACE {
        Targets::new().with_default(Level::TRACE)
    } else {
        [
            "lark_core",
            "lark_reqwest",
            "lark_redis",
            "lark_files",
            "lark_cli",
            "lark",
        ]
        .into_iter()
        .fold(
            Targets::new().with_default(Level::WARN),
            |targets, crate_name| targets.with_target(crate_name, level),
        )
    };
    // At -vv and more, a line for each attempt and call as it ends, with its fields.
    let spans = if level >= Level::DEBUG && !listening {
        FmtSpan::CLOSE
    } else {
        FmtSpan::NONE
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(spans)
        .with_target(false)
        .with_ansi(false);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Text => registry.with(layer).try_init(),
        LogFormat::Json => registry.with(layer.json()).try_init(),
    };
}
