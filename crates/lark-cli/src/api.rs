//! `lark api METHOD PATH`: a raw call with the app's token.

use lark_core::{Config, RequestOptions};

use crate::{Failure, Outcome};

/// `lark api` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The HTTP method: GET, POST, PUT, PATCH, DELETE (not with --endpoint).
    #[arg(required_unless_present = "endpoint")]
    method: Option<String>,
    /// The path, such as /open-apis/im/v1/chats (not with --endpoint).
    #[arg(required_unless_present = "endpoint")]
    path: Option<String>,
    /// Calls a catalog endpoint by `service.Name` (see `lark endpoints`); its parameters come
    /// from --param and are checked before anything is sent.
    #[arg(long, value_name = "SERVICE.NAME", conflicts_with_all = ["method", "path", "query", "data"])]
    endpoint: Option<String>,
    /// A parameter of --endpoint, `key=value` (repeatable; repeat a list's key for each item,
    /// give a file as `key=@PATH`).
    #[arg(
        long = "param",
        short = 'p',
        value_name = "KEY=VALUE",
        requires = "endpoint"
    )]
    param: Vec<String>,
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
    if let Some(id) = &args.endpoint {
        let call = crate::endpoints::build(crate::endpoints::find(id)?, &args.param)?;
        let mut options = RequestOptions::new();
        if let Some(token) = args.user_token {
            options = options.user_access_token(token);
        }
        return crate::endpoints::send(call, options).await;
    }
    let (Some(method), Some(path)) = (args.method, args.path) else {
        return Err(Failure::usage("error: give METHOD and PATH, or --endpoint"));
    };
    let method = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::usage(format!("error: `{method}` is not an HTTP method")))?;
    let client = lark_reqwest::client(config_from_env()?);
    let mut request = client.raw(method, path);
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
