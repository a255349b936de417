//! The marketplace `app_ticket` in Redis.

use std::collections::HashMap;
use std::sync::Mutex;

use lark_core::{AppTicketStore, BoxFuture, Secret, StoreError};

use crate::link::Link;

/// An [`AppTicketStore`] in Redis, at `{prefix}app_ticket:{app_id}`.
///
/// The instance that receives the `app_ticket` event writes it; every instance reads it. Each
/// ticket read or written is also kept in the process, and answers while Redis cannot be
/// reached.
pub struct RedisAppTicketStore {
    link: Link,
    prefix: String,
    local: Mutex<HashMap<String, Secret>>,
}

impl std::fmt::Debug for RedisAppTicketStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAppTicketStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisAppTicketStore {
    pub(crate) fn new(link: Link, prefix: String) -> Self {
        Self {
            link,
            prefix,
            local: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, app_id: &str) -> String {
        format!("{}app_ticket:{app_id}", self.prefix)
    }

    fn local(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        // A poisoned lock only means a thread panicked mid-insert; the map is still sound.
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl AppTicketStore for RedisAppTicketStore {
    fn get<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Option<Secret>, StoreError>> {
        Box::pin(async move {
            let cmd = redis::cmd("GET").arg(self.key(app_id)).to_owned();
            match self
                .link
                .query::<Option<String>>("GET app_ticket", &cmd)
                .await
            {
                Ok(Some(ticket)) => {
                    let ticket = Secret::new(ticket);
                    self.local().insert(app_id.to_owned(), ticket.clone());
                    Ok(Some(ticket))
                }
                // Another instance may have lost the ticket it wrote; ours is as good.
                Ok(None) => Ok(self.local().get(app_id).cloned()),
                Err(error) => match self.local().get(app_id) {
                    Some(ticket) => Ok(Some(ticket.clone())),
                    None => Err(error),
                },
            }
        })
    }

    fn set<'a>(&'a self, app_id: &'a str, ticket: Secret) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let cmd = redis::cmd("SET")
                .arg(self.key(app_id))
                .arg(ticket.expose())
                .to_owned();
            self.local().insert(app_id.to_owned(), ticket);
            self.link.query::<()>("SET app_ticket", &cmd).await
        })
    }
}
