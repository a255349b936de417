//! `lark api METHOD PATH` and `lark api --endpoint im.v1.message.create`: a call with the app's token.

use lark_core::RequestOptions;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::call::Call;
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
    /// Calls a catalog endpoint by its official name (`im.v1.message.create`) or its former one (`message.SendRawMessage`; see `lark endpoints`); its parameters come
    /// from --param and are checked before anything is sent.
    #[arg(long, value_name = "SERVICE.NAME", conflicts_with_all = ["method", "path", "query", "data"])]
    endpoint: Option<String>,
    /// A parameter of --endpoint, `key=value` (repeatable; a list takes its key once per item
    /// or one JSON array, `key=["a","b"]`; an object is JSON; a file is `key=@PATH`).
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
    /// Calls with this tenant access token (got elsewhere) instead of fetching the app's own;
    /// it is not refreshed: a rejected one is the call's error.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "LARK_TENANT_TOKEN",
        hide_env_values = true,
        conflicts_with = "user_token"
    )]
    tenant_token: Option<String>,
    /// Who calls: `app` (its tenant token, the default) or `user` (a user signed in with
    /// `lark auth login`, refreshed as needed).
    #[arg(long = "as", value_name = "app|user", default_value = "app", conflicts_with_all = ["user_token", "tenant_token"])]
    caller: String,
    #[command(flatten)]
    user: crate::auth::UserArg,
}

/// `application/x-www-form-urlencoded` bytes: what is left as is in a query value.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(crate) async fn run(args: Args) -> Outcome {
    let mut options = RequestOptions::new();
    if let Some(token) = &args.user_token {
        options = options.user_access_token(token.clone());
    }
    if let Some(token) = &args.tenant_token {
        options = options.tenant_access_token(token.clone());
    }
    let call = match &args.endpoint {
        Some(id) => crate::endpoints::build(crate::endpoints::find(id)?, &args.param)?,
        None => plain(&args)?,
    };
    let client = match args.caller.as_str() {
        "app" => lark_reqwest::client(crate::env::config_from_env()?),
        "user" => {
            options = options.as_user(args.user.name.clone());
            crate::auth::client()?
        }
        other => {
            return Err(Failure::usage(format!(
                "error: --as is `app` or `user`, not `{other}`"
            )));
        }
    };
    let out = crate::call::send(&client, &call, &options).await?;
    crate::output::stdout(&out)
}

/// The call of `lark api METHOD PATH [--query k=v] [--data JSON]`.
fn plain(args: &Args) -> Result<Call, Failure> {
    let (Some(method), Some(path)) = (&args.method, &args.path) else {
        return Err(Failure::usage("error: give METHOD and PATH, or --endpoint"));
    };
    let method = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::usage(format!("error: `{method}` is not an HTTP method")))?;
    let mut path = path.clone();
    let mut separator = if path.contains('?') { '&' } else { '?' };
    for pair in &args.query {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("error: --query `{pair}` is not KEY=VALUE")))?;
        path.push(separator);
        separator = '&';
        path.extend(utf8_percent_encode(key, QUERY));
        path.push('=');
        path.extend(utf8_percent_encode(value, QUERY));
    }
    let body = match &args.data {
        Some(data) => Some(
            serde_json::from_str::<serde_json::Value>(data)
                .map_err(|e| Failure::usage(format!("error: --data is not JSON: {e}")))?,
        ),
        None => None,
    };
    crate::call::plain(method, path, body)
}
