//! Where a marketplace app's `app_ticket` is kept.
//!
//! The platform pushes the ticket (an `app_ticket` event, about hourly) to ONE instance of the
//! app; every instance needs it to buy an app access token. A store shared between instances
//! (Redis, Workers KV) makes the push reach all of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::secret::Secret;
use crate::store::StoreError;
use crate::token::{StoredToken, TokenStore};

/// Keeps the newest `app_ticket` of each app id.
///
/// [`Dispatcher::app_ticket_to`](crate::event::Dispatcher::app_ticket_to) and
/// [`Dispatcher::app_ticket_store`](crate::event::Dispatcher::app_ticket_store) write it;
/// the [`Client`](crate::Client) of a marketplace app reads it when it buys an app access
/// token.
pub trait AppTicketStore: MaybeSend + MaybeSync {
    /// The newest ticket of `app_id`, if one has arrived.
    fn get<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Option<Secret>, StoreError>>;
    /// Replaces the ticket of `app_id`.
    fn set<'a>(&'a self, app_id: &'a str, ticket: Secret) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<T: AppTicketStore + ?Sized> AppTicketStore for Arc<T> {
    fn get<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Option<Secret>, StoreError>> {
        (**self).get(app_id)
    }

    fn set<'a>(&'a self, app_id: &'a str, ticket: Secret) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).set(app_id, ticket)
    }
}

/// An in-process [`AppTicketStore`].
#[derive(Default)]
pub struct MemoryAppTicketStore {
    tickets: Mutex<HashMap<String, Secret>>,
}

impl std::fmt::Debug for MemoryAppTicketStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let apps = self.tickets.lock().map_or(0, |t| t.len());
        f.debug_struct("MemoryAppTicketStore")
            .field("apps", &apps)
            .finish()
    }
}

impl MemoryAppTicketStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl AppTicketStore for MemoryAppTicketStore {
    fn get<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Option<Secret>, StoreError>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still sound.
        let tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        Box::pin(std::future::ready(Ok(tickets.get(app_id).cloned())))
    }

    fn set<'a>(&'a self, app_id: &'a str, ticket: Secret) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        tickets.insert(app_id.to_owned(), ticket);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// The ticket kept in a [`TokenStore`] under `app_ticket:{app_id}`, where the client kept it
/// before there was an [`AppTicketStore`]: the default, so a token store of your own keeps
/// receiving the ticket.
pub(crate) struct TicketsInTokenStore(pub(crate) Arc<dyn TokenStore>);

impl TicketsInTokenStore {
    fn key(app_id: &str) -> String {
        format!("app_ticket:{app_id}")
    }
}

impl AppTicketStore for TicketsInTokenStore {
    fn get<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Option<Secret>, StoreError>> {
        Box::pin(async move {
            let key = Self::key(app_id);
            Ok(self.0.get(&key).await.map(|t| t.value))
        })
    }

    fn set<'a>(&'a self, app_id: &'a str, ticket: Secret) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let token = StoredToken {
                value: ticket,
                expires_at_millis: u64::MAX,
                refresh_at_millis: u64::MAX,
            };
            self.0.set(&Self::key(app_id), token).await;
            Ok(())
        })
    }
}
