//! `lark mock serve`: the embedded Feishu-compatible server as a process.

use crate::{Failure, Outcome};

/// `lark mock` subcommands.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Serves on 127.0.0.1 until interrupted; prints the base URL and the app credentials.
    Serve {
        /// The port; a free one when omitted.
        #[arg(long, short = 'p', default_value_t = 0)]
        port: u16,
    },
}

pub(crate) async fn run(args: Args) -> Outcome {
    let Command::Serve { port } = args.command;
    let server = lark_mock::MockServer::builder()
        .port(port)
        .start()
        .await
        .map_err(|e| Failure {
            message: format!("error: cannot listen on 127.0.0.1:{port}: {e}"),
            code: 1,
        })?;
    crate::output::line(server.base_url())?;
    crate::output::error_line(&format!(
        "lark-mock serving on {}; app id {}, app secret {}; control API at {}{}; Ctrl-C stops it",
        server.base_url(),
        lark_mock::MockServer::APP_ID,
        lark_mock::MockServer::APP_SECRET,
        server.base_url(),
        lark_mock::CONTROL_PREFIX
    ));
    server
        .serve_until(async {
            // A failing signal handler leaves nothing to wait for: serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await;
    Ok(())
}
