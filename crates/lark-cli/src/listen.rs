//! `lark event listen`: receives events over the long connection and prints each as one JSON
//! object per line on stdout, until Ctrl-C. Logs (connects, reconnects, liveness) go to stderr.

use std::io::Write as _;
use std::sync::Arc;

use lark_core::event::{Dispatcher, Event, Schema};
use lark_reqwest::ws::{WsClient, WsClientError};
use serde_json::json;
use tokio::sync::Notify;

use crate::{Failure, Outcome};

/// `lark event listen` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// The subcommand, for `lark event`: `listen`.
pub(crate) fn command() -> clap::Command {
    use clap::Args as _;
    Args::augment_args(clap::Command::new("listen")).about(
        "Receives events over the long connection (LARK_APP_ID, LARK_APP_SECRET, LARK_BASE_URL) \
         and prints each as one JSON line on stdout, acking and reconnecting, until Ctrl-C",
    )
}

/// One event as printed: the envelope's fields and the payload.
fn line(event: &Event) -> String {
    let schema = match event.schema {
        Schema::V2 => "2.0",
        Schema::V1 => "1.0",
        _ => "card",
    };
    json!({
        "schema": schema,
        "event_type": event.event_type,
        "event_id": event.event_id,
        "create_time": event.create_time,
        "app_id": event.app_id,
        "tenant_key": event.tenant_key,
        "event": event.payload,
    })
    .to_string()
}

pub(crate) async fn run(args: Args) -> Outcome {
    let config = crate::env::config_from_env()?;
    // Logging (`-v`, `--log-format`) is set up by `main` for every command.
    let Args {} = args;
    eprintln!(
        "lark event listen: app {} at {}; Ctrl-C stops",
        config.app_id,
        config.domain.open_base()
    );
    // A closed stdout (`| head -1`) ends the listener instead of dropping events.
    let stdout_closed = Arc::new(Notify::new());
    let closed = Arc::clone(&stdout_closed);
    let dispatcher = Dispatcher::from_config(&config).fallback(move |event: Event| {
        let closed = Arc::clone(&closed);
        async move {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{}", line(&event))
                .and_then(|()| out.flush())
                .is_err()
            {
                closed.notify_one();
                return Err("stdout is closed".into());
            }
            Ok(())
        }
    });
    let result = WsClient::new(config, dispatcher)
        .run_until(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = stdout_closed.notified() => {}
            }
        })
        .await;
    result.map_err(|error: WsClientError| Failure {
        message: format!("error: {error}"),
        code: 1,
    })
}
