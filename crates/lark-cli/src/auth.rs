//! `lark auth`: signing in as a user (the device flow), the login kept in a file only its owner
//! can read, and calls made as that user (`lark api --as user`). Many `lark` processes started
//! at once with an expired token refresh it once between them: the refresh is claimed with a
//! lock file beside the login.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use lark_core::{
    BoxFuture, Client, RefreshLease, Secret, StoreError, StoredUserToken, UserTokenStore,
};
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::{Value, json};

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

/// The client of `lark`, with users' logins in the file store.
pub(crate) fn client() -> Result<Client<ReqwestClient>, Failure> {
    let mut config = crate::api::config_from_env()?;
    if let Some(accounts) = std::env::var("LARK_ACCOUNTS_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        config = config.accounts_base_url(accounts);
    }
    Ok(Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .user_token_store(FileUserTokenStore::open()?)
        .build())
}

pub(crate) async fn run(args: Args) -> Outcome {
    let client = client()?;
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
            crate::output::error_line(&format!("Signed in as `{}` (scope: {scope})", user.name));
            Ok(())
        }
        Command::Status { user } => {
            let Some(stored) = client.stored_user_token(&user.name).await? else {
                return Err(failure(format!("`{}` is not signed in", user.name)));
            };
            let status = json!({
                "user": user.name,
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

/// Users' logins in files: `{dir}/{key}.json`, readable by their owner only, and a refresh
/// claimed with `{dir}/{key}.lock`, created only if absent (the claim lapses after its TTL).
#[derive(Debug)]
pub(crate) struct FileUserTokenStore {
    dir: PathBuf,
}

impl FileUserTokenStore {
    /// The store under `LARK_CONFIG_DIR` (else `$XDG_CONFIG_HOME/lark`, else
    /// `~/.config/lark`), in `tokens/`. `LARK_TOKEN_STORE` may only say `file` for now.
    pub(crate) fn open() -> Result<Self, Failure> {
        match std::env::var("LARK_TOKEN_STORE").ok().as_deref() {
            None | Some("" | "file") => {}
            Some(other) => {
                return Err(Failure::usage(format!(
                    "error: LARK_TOKEN_STORE is `file` (the only store of this build), not `{other}`"
                )));
            }
        }
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let base = match (var("LARK_CONFIG_DIR"), var("XDG_CONFIG_HOME"), var("HOME")) {
            (Some(dir), _, _) => PathBuf::from(dir),
            (None, Some(xdg), _) => PathBuf::from(xdg).join("lark"),
            (None, None, Some(home)) => PathBuf::from(home).join(".config").join("lark"),
            (None, None, None) => {
                return Err(Failure::usage(
                    "error: set LARK_CONFIG_DIR (no HOME to keep the login under)",
                ));
            }
        };
        Ok(Self {
            dir: base.join("tokens"),
        })
    }

    fn path(&self, key: &str, extension: &str) -> PathBuf {
        let safe: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.{extension}"))
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| StoreError::new(format!("cannot create {}: {e}", self.dir.display())))?;
        restrict(&self.dir, 0o700)
    }
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StoreError::new(format!("cannot restrict {}: {e}", path.display())))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<(), StoreError> {
    Ok(())
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn encode(token: &StoredUserToken) -> String {
    json!({
        "access_token": token.access_token.expose(),
        "refresh_token": token.refresh_token.as_ref().map(Secret::expose),
        "expires_at_millis": token.expires_at_millis,
        "refresh_expires_at_millis": token.refresh_expires_at_millis,
        "scope": token.scope,
    })
    .to_string()
}

fn decode(text: &str) -> Option<StoredUserToken> {
    let value: Value = serde_json::from_str(text).ok()?;
    let mut token = StoredUserToken::new(
        Secret::new(value.get("access_token")?.as_str()?),
        value.get("expires_at_millis")?.as_u64()?,
    );
    token.refresh_token = value
        .get("refresh_token")
        .and_then(Value::as_str)
        .map(Secret::new);
    token.refresh_expires_at_millis = value
        .get("refresh_expires_at_millis")
        .and_then(Value::as_u64);
    token.scope = value
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(token)
}

/// Writes `text` to `path` through a file of the owner's only, renamed into place: a reader
/// never sees half a login.
fn write_private(path: &Path, text: &str) -> Result<(), StoreError> {
    use std::io::Write as _;
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = options
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
        })
        .and_then(|()| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        StoreError::new(format!("cannot write {}: {e}", path.display()))
    })
}

impl UserTokenStore for FileUserTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUserToken>, StoreError>> {
        let path = self.path(key, "json");
        Box::pin(async move {
            match std::fs::read_to_string(&path) {
                Ok(text) => decode(&text).map(Some).ok_or_else(|| {
                    StoreError::new(format!(
                        "{} is not a login this store wrote",
                        path.display()
                    ))
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(StoreError::new(format!(
                    "cannot read {}: {e}",
                    path.display()
                ))),
            }
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        token: StoredUserToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.ensure_dir()?;
            write_private(&self.path(key, "json"), &encode(&token))
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let path = self.path(key, "json");
        Box::pin(async move {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::new(
                    format!("cannot remove {}: {e}", path.display()),
                )),
                _ => Ok(()),
            }
        })
    }

    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            self.ensure_dir()?;
            let path = self.path(lease.key(), "lock");
            let ttl = u64::try_from(lease.ttl().as_millis()).unwrap_or(u64::MAX);
            let claim = format!("{} {}", lease.fencing(), now_millis().saturating_add(ttl));
            for _ in 0..2 {
                match create_new(&path, &claim) {
                    Ok(()) => return Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        // A claim past its time belongs to a holder that died: take it over
                        // (once; another taker may win the new file).
                        let lapsed = std::fs::read_to_string(&path)
                            .ok()
                            .and_then(|text| text.split_once(' ')?.1.trim().parse::<u64>().ok())
                            .is_none_or(|until| until <= now_millis());
                        if !lapsed {
                            return Ok(false);
                        }
                        let _ = std::fs::remove_file(&path);
                    }
                    Err(e) => {
                        return Err(StoreError::new(format!(
                            "cannot claim {}: {e}",
                            path.display()
                        )));
                    }
                }
            }
            Ok(false)
        })
    }

    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(lease.key(), "lock");
            let ours = std::fs::read_to_string(&path)
                .ok()
                .is_some_and(|text| text.split_once(' ').map(|(f, _)| f) == Some(lease.fencing()));
            if ours {
                let _ = std::fs::remove_file(&path);
            }
        })
    }
}

fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}
