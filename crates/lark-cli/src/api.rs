//! `lark api METHOD PATH`: a raw call with the app's token.

use lark_core::{Config, RequestOptions};

use crate::{Failure, Outcome};

/// `lark api` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The HTTP method: GET, POST, PUT, PATCH, DELETE.
    method: String,
    /// The path, such as /open-apis/im/v1/chats.
    path: String,
    /// A query parameter `key=value` (repeatable).
    #[arg(long = "query", short = 'q', value_name = "KEY=VALUE")]
    query: Vec<String>,
    /// The JSON body.
    #[arg(long, short = 'd', value_name = "JSON")]
    data: Option<String>,
    /// Calls as a user with this user access token instead of the app's tenant token.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "LARK_USER_TOKEN",
        hide_env_values = true
    )]
    user_token: Option<String>,
}

/// The app's configuration from `LARK_APP_ID`, `LARK_APP_SECRET` and `LARK_BASE_URL`.
pub(crate) fn config_from_env() -> Result<Config, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let app_id = var("LARK_APP_ID").ok_or_else(|| Failure::usage("error: set LARK_APP_ID"))?;
    let app_secret =
        var("LARK_APP_SECRET").ok_or_else(|| Failure::usage("error: set LARK_APP_SECRET"))?;
    let config = Config::new(app_id, app_secret);
    Ok(match var("LARK_BASE_URL") {
        Some(base) => config.base_url(base),
        None => config,
    })
}

pub(crate) async fn run(args: Args) -> Outcome {
    let method = http::Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::usage(format!("error: `{}` is not an HTTP method", args.method)))?;
    let client = lark_reqwest::client(config_from_env()?);
    let mut request = client.raw(method, args.path);
    for pair in &args.query {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("error: --query `{pair}` is not KEY=VALUE")))?;
        request = request.query(key, value);
    }
    if let Some(data) = &args.data {
        let body: serde_json::Value = serde_json::from_str(data)
            .map_err(|e| Failure::usage(format!("error: --data is not JSON: {e}")))?;
        request = request.json(body);
    }
    if let Some(token) = args.user_token {
        request = request.options(RequestOptions::new().user_access_token(token));
    }
    let answer = request.send().await?;
    let text = serde_json::to_string_pretty(&answer).map_err(|e| Failure {
        message: format!("error: {e}"),
        code: 1,
    })?;
    println!("{text}");
    Ok(())
}
