//! `lark auth`: signing in as a user (the device flow or a browser), the login kept in the OS
//! keyring or a file only its owner can read (see [`crate::logins`]), and calls made as that
//! user (`lark api --as user`). Many `lark` processes started at once with an expired token
//! refresh it once between them: the refresh is claimed with a lock file in the config directory.

use lark_core::Client;
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::json;

use crate::logins::{self, Kind};
use crate::{Failure, Outcome};

/// `lark auth` subcommands.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Signs a user in: with `--device` (the default) open the page printed on stderr and enter
    /// the code, from any machine; with `--web` open the printed URL in a browser on this
    /// machine, which comes back to a listener on 127.0.0.1.
    Login {
        /// The device flow: no browser needed on this machine.
        #[arg(long, conflicts_with = "web")]
        device: bool,
        /// The browser flow with a loopback redirect (RFC 8252), PKCE and state checked.
        #[arg(long)]
        web: bool,
        /// A scope to ask for (repeatable); `offline_access` is always asked.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        #[command(flatten)]
        user: UserArg,
    },
    /// Who is signed in: the scopes and when the token expires (never a token).
    Status {
        #[command(flatten)]
        user: UserArg,
    },
    /// Forgets a user's login.
    Logout {
        #[command(flatten)]
        user: UserArg,
    },
    /// Prints a valid access token of the user, refreshing it if needed (for scripts).
    Token {
        #[command(flatten)]
        user: UserArg,
    },
}

/// Which signed-in user: several accounts live side by side under names of your choosing.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct UserArg {
    /// The account name (`default` when omitted).
    #[arg(long = "user", value_name = "NAME", default_value = "default")]
    pub(crate) name: String,
}

/// The client of `lark`, with users' logins in the store `LARK_TOKEN_STORE` chose.
pub(crate) fn client() -> Result<Client<ReqwestClient>, Failure> {
    Ok(with_store()?.client)
}

/// The client of `lark auth`, and which store keeps its logins.
#[derive(Debug)]
struct WithStore {
    client: Client<ReqwestClient>,
    kind: Kind,
    /// Where the store keeps logins (a directory, a keyring service).
    location: String,
    /// The same client with the file store, when the keyring was chosen: a login left in a
    /// file is then worth a word.
    file_client: Option<Client<ReqwestClient>>,
}

fn with_store() -> Result<WithStore, Failure> {
    let mut config = crate::env::config_from_env()?;
    if let Some(accounts) = std::env::var("LARK_ACCOUNTS_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        config = config.accounts_base_url(accounts);
    }
    let logins = logins::open(&config.app_id)?;
    let (kind, location) = (logins.kind(), logins.location());
    let file_client = logins.file_beside().map(|file| {
        Client::builder(config.clone(), ReqwestClient::new(), SystemRuntime)
            .user_token_store(file)
            .build()
    });
    let client = Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .user_token_store(logins)
        .build();
    Ok(WithStore {
        client,
        kind,
        location,
        file_client,
    })
}

pub(crate) async fn run(args: Args) -> Outcome {
    let WithStore {
        client,
        kind,
        location,
        file_client,
    } = with_store()?;
    match args.command {
        Command::Login {
            scopes, user, web, ..
        } => {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let token = if web {
                let wait = std::time::Duration::from_secs(300);
                lark_reqwest::loopback::sign_in(&client, &scopes, wait, |url| {
                    crate::output::error_line(&format!("To sign in, open {url}"));
                })
                .await?
            } else {
                let device = client.begin_device_authorization(&scopes).await?;
                crate::output::error_line(&format!(
                    "To sign in, open {} and enter the code {}",
                    device
                        .verification_uri_complete
                        .as_deref()
                        .unwrap_or(&device.verification_uri),
                    device.user_code
                ));
                client.poll_device(&device).await?
            };
            let scope = token.scope.clone();
            client.sign_in_user(&user.name, token).await?;
            crate::output::error_line(&format!(
                "Signed in as `{}` (scope: {scope}), the login kept in the {} store",
                user.name,
                kind.name()
            ));
            Ok(())
        }
        Command::Status { user } => {
            let Some(stored) = client.stored_user_token(&user.name).await? else {
                let mut message = format!(
                    "`{}` is not signed in (logins are in the {} store, {location})",
                    user.name,
                    kind.name()
                );
                if let Some(file) = file_client {
                    if file
                        .stored_user_token(&user.name)
                        .await
                        .ok()
                        .flatten()
                        .is_some()
                    {
                        message.push_str(
                            "; a login left in the file store is not used while the keyring \
                             is: sign in again, or set LARK_TOKEN_STORE=file",
                        );
                    }
                }
                return Err(failure(message));
            };
            let status = json!({
                "user": user.name,
                "store": kind.name(),
                "store_location": location,
                "scope": stored.scope,
                "expires_at_millis": stored.expires_at_millis,
                "refresh_expires_at_millis": stored.refresh_expires_at_millis,
                "can_refresh": stored.refresh_token.is_some(),
            });
            crate::output::line(&status.to_string())
        }
        Command::Logout { user } => {
            client.sign_out_user(&user.name).await?;
            crate::output::error_line(&format!("Signed `{}` out", user.name));
            Ok(())
        }
        Command::Token { user } => {
            let token = client.user_access_token(&user.name).await?;
            crate::output::line(token.expose())
        }
    }
}

fn failure(message: String) -> Failure {
    Failure { message, code: 1 }
}
