//! Where `lark` keeps its users' logins: the OS keyring where one works (the kernel's keyutils
//! on Linux, Keychain on macOS, Credential Manager on Windows), else a file only its owner can
//! read. `LARK_TOKEN_STORE=file|keyring` forces one. Both keep the refresh claim in a lock file
//! under the config directory: many `lark` processes on an expired token refresh it once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use keyring_core::{CredentialStore, Entry};
use lark_core::{BoxFuture, RefreshLease, StoreError, StoredUserToken, UserTokenStore};

use crate::Failure;

/// Which store keeps the logins, as `LARK_TOKEN_STORE` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Keyring,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Keyring => "keyring",
        }
    }
}

/// What `LARK_TOKEN_STORE` asks for: one store, or (unset) the keyring if it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Forced(Kind),
    Either,
}

fn wanted(value: Option<&str>) -> Result<Wanted, Failure> {
    match value {
        None | Some("") => Ok(Wanted::Either),
        Some("file") => Ok(Wanted::Forced(Kind::File)),
        Some("keyring") => Ok(Wanted::Forced(Kind::Keyring)),
        Some(other) => Err(Failure::usage(format!(
            "error: LARK_TOKEN_STORE is `file` or `keyring` (unset: the keyring if it works, \
             else the file), not `{other}`"
        ))),
    }
}

/// The store of the logins of app `app_id`: the one `LARK_TOKEN_STORE` forces, else the OS
/// keyring when a probe entry can be written, read and deleted there, else the file.
pub(crate) fn open(app_id: &str) -> Result<Logins, Failure> {
    let wanted = wanted(std::env::var("LARK_TOKEN_STORE").ok().as_deref())?;
    let lock = RefreshLock { dir: tokens_dir()? };
    if wanted == Wanted::Forced(Kind::File) {
        return Ok(Logins::File(FileUserTokenStore { lock }));
    }
    match KeyringUserTokenStore::open(app_id, lock.clone()) {
        Ok(store) => Ok(Logins::Keyring(store)),
        Err(why) if wanted == Wanted::Either => {
            tracing::debug!("the OS keyring is unavailable ({why}): logins are kept in files");
            Ok(Logins::File(FileUserTokenStore { lock }))
        }
        Err(why) => Err(keyring_unavailable(&why)),
    }
}

/// The failure of a forced keyring that does not work.
fn keyring_unavailable(why: &str) -> Failure {
    Failure {
        message: format!(
            "error: LARK_TOKEN_STORE=keyring, but the OS keyring is unavailable: {why} \
             (unset LARK_TOKEN_STORE or set it to `file` to keep logins in a file)"
        ),
        code: 1,
    }
}

/// `LARK_CONFIG_DIR` (else `$XDG_CONFIG_HOME/lark`, else `~/.config/lark`), then `tokens/`.
fn tokens_dir() -> Result<PathBuf, Failure> {
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
    Ok(base.join("tokens"))
}

/// The logins in the store that was chosen.
#[derive(Debug)]
pub(crate) enum Logins {
    File(FileUserTokenStore),
    Keyring(KeyringUserTokenStore),
}

impl Logins {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::File(_) => Kind::File,
            Self::Keyring(_) => Kind::Keyring,
        }
    }

    /// Where the logins are: the directory of the files, or the keyring's service name.
    pub(crate) fn location(&self) -> String {
        match self {
            Self::File(store) => store.lock.dir.display().to_string(),
            Self::Keyring(store) => store.service.clone(),
        }
    }

    /// The file store beside this keyring store (the same directory), to tell of a login left
    /// there.
    pub(crate) fn file_beside(&self) -> Option<FileUserTokenStore> {
        match self {
            Self::File(_) => None,
            Self::Keyring(store) => Some(FileUserTokenStore {
                lock: store.lock.clone(),
            }),
        }
    }

    fn store(&self) -> &dyn UserTokenStore {
        match self {
            Self::File(store) => store,
            Self::Keyring(store) => store,
        }
    }
}

impl UserTokenStore for Logins {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUserToken>, StoreError>> {
        self.store().get(key)
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        token: StoredUserToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.store().set(key, token)
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.store().remove(key)
    }

    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.store().try_acquire_refresh(lease)
    }

    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        self.store().release_refresh(lease)
    }
}

/// A key as a file name: letters, digits, `-` and `_` kept, anything else `_`.
fn file_name(key: &str, extension: &str) -> String {
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
    format!("{safe}.{extension}")
}

/// The refresh claim of every store: `{dir}/{key}.lock`, created only if absent, holding the
/// lease's fencing token and when the claim lapses (a holder that died does not block others
/// for longer than the lease's TTL).
#[derive(Debug, Clone)]
struct RefreshLock {
    dir: PathBuf,
}

impl RefreshLock {
    fn path(&self, key: &str, extension: &str) -> PathBuf {
        self.dir.join(file_name(key, extension))
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| StoreError::new(format!("cannot create {}: {e}", self.dir.display())))?;
        restrict(&self.dir, 0o700)
    }

    fn try_acquire(&self, lease: &RefreshLease) -> Result<bool, StoreError> {
        self.ensure_dir()?;
        let path = self.path(lease.key(), "lock");
        let ttl = u64::try_from(lease.ttl().as_millis()).unwrap_or(u64::MAX);
        let claim = format!("{} {}", lease.fencing(), now_millis().saturating_add(ttl));
        for _ in 0..2 {
            match create_claim(&path, &claim) {
                Ok(()) => return Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // A claim past its time belongs to a holder that died: take it over
                    // (once; another taker may win the new file).
                    let until = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|text| text.split_once(' ')?.1.trim().parse::<u64>().ok());
                    // A claim is whole once visible (see `create_claim`); one that cannot be
                    // read lapses when it is older than a lease.
                    let lapsed = match until {
                        Some(until) => until <= now_millis(),
                        None => std::fs::metadata(&path)
                            .and_then(|m| m.modified())
                            .ok()
                            .and_then(|at| at.elapsed().ok())
                            .is_none_or(|age| age >= lease.ttl()),
                    };
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
    }

    fn release(&self, lease: &RefreshLease) {
        let path = self.path(lease.key(), "lock");
        let ours = std::fs::read_to_string(&path)
            .ok()
            .is_some_and(|text| text.split_once(' ').map(|(f, _)| f) == Some(lease.fencing()));
        if ours {
            let _ = std::fs::remove_file(&path);
        }
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

/// Creates the claim `path` holding `text`, failing with `AlreadyExists` when it is there: the
/// text goes to a private file first, hard-linked into place, so no other process ever reads
/// a claim half written (and mistakes it for a lapsed one).
fn create_claim(path: &Path, text: &str) -> std::io::Result<()> {
    let temp = path.with_extension(format!("claim{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    create_new(&temp, text)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        // No hard links here (some network file systems): the plain exclusive create.
        Err(e) if e.kind() == std::io::ErrorKind::Unsupported => create_new(path, text),
        other => other,
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

/// Users' logins in files: `{dir}/{key}.json`, readable by their owner only.
#[derive(Debug)]
pub(crate) struct FileUserTokenStore {
    lock: RefreshLock,
}

impl UserTokenStore for FileUserTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUserToken>, StoreError>> {
        let path = self.lock.path(key, "json");
        Box::pin(async move {
            match std::fs::read_to_string(&path) {
                Ok(text) => StoredUserToken::from_json(&text).map(Some).ok_or_else(|| {
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
            self.lock.ensure_dir()?;
            write_private(&self.lock.path(key, "json"), &token.to_json())
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let path = self.lock.path(key, "json");
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
        Box::pin(async move { self.lock.try_acquire(lease) })
    }

    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        Box::pin(async move { self.lock.release(lease) })
    }
}

/// Users' logins in the OS keyring: one entry per login, service `lark-cli:{app_id}`, account
/// the login's key, the secret the login's JSON (as in a file). The keyring has no lock: the
/// refresh is claimed with the lock file in the config directory.
pub(crate) struct KeyringUserTokenStore {
    service: String,
    keyring: Arc<CredentialStore>,
    lock: RefreshLock,
}

impl std::fmt::Debug for KeyringUserTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringUserTokenStore")
            .field("service", &self.service)
            .field("keyring", &self.keyring.vendor())
            .field("lock", &self.lock)
            .finish()
    }
}

/// The probe's entry: its own account per process, so that processes probing at once do not
/// delete each other's.
const PROBE_SERVICE: &str = "lark-cli:probe";
const PROBE_SECRET: &[u8] = b"lark-cli keyring probe";

impl KeyringUserTokenStore {
    /// The OS keyring's store, once a probe entry was written, read back and deleted there;
    /// else why not.
    fn open(app_id: &str, lock: RefreshLock) -> Result<Self, String> {
        let keyring = native_keyring().map_err(|e| describe(&e))?;
        probe(&keyring)?;
        Ok(Self {
            service: format!("lark-cli:{app_id}"),
            keyring,
            lock,
        })
    }

    fn entry(&self, key: &str) -> Result<Entry, StoreError> {
        Entry::new_in_store(&self.keyring, &self.service, key)
            .map_err(|e| self.error("cannot open", key, &e))
    }

    fn error(&self, doing: &str, key: &str, error: &keyring_core::Error) -> StoreError {
        StoreError::new(format!(
            "{doing} the keyring entry {key} of {}: {}",
            self.service,
            describe(error)
        ))
    }
}

fn probe(keyring: &Arc<CredentialStore>) -> Result<(), String> {
    let account = format!("probe-{}", std::process::id());
    let entry = Entry::new_in_store(keyring, PROBE_SERVICE, &account).map_err(|e| describe(&e))?;
    let written = entry.set_secret(PROBE_SECRET);
    let read = written.and_then(|()| entry.get_secret());
    let deleted = entry.delete_credential();
    match (read, deleted) {
        (Ok(secret), Ok(())) if secret == PROBE_SECRET => Ok(()),
        (Ok(_), Ok(())) => Err("the probe entry read back differs from what was written".into()),
        (Err(e), _) | (_, Err(e)) => Err(describe(&e)),
    }
}

/// A keyring error in words, never with the secret some of them carry.
fn describe(error: &keyring_core::Error) -> String {
    use keyring_core::Error;
    match error {
        Error::BadEncoding(_) => "the entry is not UTF-8 text".to_owned(),
        Error::BadDataFormat(..) => "the entry is malformed".to_owned(),
        Error::Ambiguous(items) => format!("{} entries match", items.len()),
        other => other.to_string(),
    }
}

/// The kernel's keyutils. Its store keeps entries in the session keyring (linked to the
/// persistent one), which a process outside any login session does not have: the kernel then
/// answers with the user's shared session keyring, where an entry can be added but neither
/// linked nor deleted again. Such a process has no usable keyring, and the probe is not tried
/// (it would leave an entry behind).
#[cfg(target_os = "linux")]
fn native_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let own = |e: linux_keyutils::KeyError| keyring_core::Error::NoStorageAccess(Box::new(e));
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false).map_err(own)?;
    let shared = KeyRing::from_special_id(KeyRingIdentifier::UserSession, false).map_err(own)?;
    if session == shared {
        return Err(keyring_core::Error::NotSupportedByStore(
            "this process has no session keyring of its own (no login session: \
             `keyctl session` starts one)"
                .to_owned(),
        ));
    }
    Ok(linux_keyutils_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn native_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(windows)]
fn native_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn native_keyring() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "no OS keyring on this platform in this build".to_owned(),
    ))
}

impl UserTokenStore for KeyringUserTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUserToken>, StoreError>> {
        Box::pin(async move {
            match self.entry(key)?.get_secret() {
                Ok(secret) => std::str::from_utf8(&secret)
                    .ok()
                    .and_then(StoredUserToken::from_json)
                    .map(Some)
                    .ok_or_else(|| {
                        StoreError::new(format!(
                            "the keyring entry {key} of {} is not a login this store wrote",
                            self.service
                        ))
                    }),
                Err(keyring_core::Error::NoEntry) => Ok(None),
                Err(e) => Err(self.error("cannot read", key, &e)),
            }
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        token: StoredUserToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.entry(key)?
                .set_secret(token.to_json().as_bytes())
                .map_err(|e| self.error("cannot write", key, &e))
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            match self.entry(key)?.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(e) => Err(self.error("cannot delete", key, &e)),
            }
        })
    }

    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { self.lock.try_acquire(lease) })
    }

    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        Box::pin(async move { self.lock.release(lease) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lark_core::Secret;

    #[test]
    fn the_store_variable_names_one_store_or_lets_the_probe_choose() {
        assert_eq!(wanted(None).ok(), Some(Wanted::Either));
        assert_eq!(wanted(Some("")).ok(), Some(Wanted::Either));
        assert_eq!(wanted(Some("file")).ok(), Some(Wanted::Forced(Kind::File)));
        assert_eq!(
            wanted(Some("keyring")).ok(),
            Some(Wanted::Forced(Kind::Keyring))
        );
        let Err(failure) = wanted(Some("vault")) else {
            panic!("`vault` is no store");
        };
        assert_eq!(failure.code, 2);
        assert!(failure.message.contains("LARK_TOKEN_STORE"));
    }

    #[test]
    fn a_forced_keyring_that_does_not_work_is_an_error_naming_the_variable() {
        let failure = keyring_unavailable("Couldn't access platform storage: EACCES");
        assert_eq!(failure.code, 1);
        assert!(failure.message.contains("LARK_TOKEN_STORE=keyring"));
        assert!(failure.message.contains("EACCES"));
    }

    #[test]
    fn a_login_is_the_same_text_in_both_stores_and_no_error_shows_it() {
        let mut token = StoredUserToken::new(Secret::new("u-access-5c1e"), 42);
        token.refresh_token = Some(Secret::new("ur-refresh-9d0a"));
        token.scope = "offline_access".to_owned();
        let text = token.to_json();
        let back = StoredUserToken::from_json(&text).expect("decodes");
        assert_eq!(back.access_token.expose(), "u-access-5c1e");
        assert_eq!(
            back.refresh_token.as_ref().map(Secret::expose),
            Some("ur-refresh-9d0a")
        );
        assert_eq!(back.expires_at_millis, 42);
        // Errors that carry an entry's bytes never print them.
        let bytes = text.clone().into_bytes();
        let errors = [
            keyring_core::Error::BadEncoding(bytes.clone()),
            keyring_core::Error::BadDataFormat(bytes, "not json".into()),
        ];
        for error in &errors {
            let shown = describe(error);
            assert!(
                !shown.contains("u-access-5c1e") && !shown.contains("ur-refresh-9d0a"),
                "{shown}"
            );
        }
        let store = FileUserTokenStore {
            lock: RefreshLock {
                dir: PathBuf::from("/nonexistent"),
            },
        };
        assert!(!format!("{store:?} {token:?}").contains("u-access-5c1e"));
    }
}
