//! [`Client::pages`]: every page of a paginated endpoint, as a stream.

use futures_util::stream::{self, Stream};

use crate::client::Client;
use crate::endpoint::{Page, Paginated};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::runtime::HttpClient;

impl<H: HttpClient> Client<H> {
    /// Every page of a paginated endpoint, following `page_token` until `has_more` is false.
    ///
    /// The stream ends after the first error. A server whose page tokens go round in a cycle
    /// (A → B → A), or more than [`Config::max_pages`](crate::Config::max_pages) pages, end it
    /// with [`Error::Pagination`] after the pages before.
    pub fn pages<E>(&self, endpoint: E) -> impl Stream<Item = Result<E::Output>> + use<H, E>
    where
        E: Paginated + 'static,
        E::Output: Page,
    {
        self.pages_with(endpoint, RequestOptions::default())
    }

    /// [`Client::pages`] with options ([`RequestOptions::max_pages`] overrides
    /// [`Config::max_pages`](crate::Config::max_pages)). The stream holds a clone of the client,
    /// so it may outlive this borrow (the wasm bindings keep one between JavaScript calls).
    pub fn pages_with<E>(
        &self,
        endpoint: E,
        options: RequestOptions,
    ) -> impl Stream<Item = Result<E::Output>> + use<H, E>
    where
        E: Paginated + 'static,
        E::Output: Page,
    {
        struct Cursor<E> {
            endpoint: E,
            options: RequestOptions,
            seen: SeenTokens,
            pages: u32,
        }
        enum State<E> {
            Next(Box<Cursor<E>>),
            Failed(Error),
        }
        let (max_pages, limit) = match options.max_pages {
            Some(n) => (n, "RequestOptions::max_pages"),
            None => (self.inner.config.max_pages, "Config::max_pages"),
        };
        let first = State::Next(Box::new(Cursor {
            endpoint,
            options,
            seen: SeenTokens::default(),
            pages: 0,
        }));
        let client = self.clone();
        stream::unfold(Some(first), move |state| {
            let client = client.clone();
            async move {
                let mut cursor = match state? {
                    State::Next(cursor) => cursor,
                    State::Failed(error) => return Some((Err(error), None)),
                };
                if cursor.pages >= max_pages {
                    let error =
                        Error::Pagination(format!("stopped after {max_pages} pages ({limit})"));
                    return Some((Err(error), None));
                }
                let result = client.send_with(&cursor.endpoint, &cursor.options).await;
                cursor.pages += 1;
                let next = match &result {
                    Ok(page) if page.has_more() => match page.next_page_token() {
                        Some(token) if !token.is_empty() => {
                            if cursor.seen.insert(token) {
                                cursor.endpoint.set_page_token(Some(token.to_owned()));
                                Some(State::Next(cursor))
                            } else {
                                Some(State::Failed(Error::Pagination(format!(
                                    "page {} points to a page token seen before: the server's \
                                     page tokens go round in a cycle",
                                    cursor.pages
                                ))))
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                };
                Some((result, next))
            }
        })
    }
}

/// The page tokens a walk has followed, to tell a cycle: a sorted list searched by halves
/// (exact, and smaller code than a hash set in the wasm builds).
#[derive(Debug, Default)]
pub(crate) struct SeenTokens(Vec<String>);

impl SeenTokens {
    /// Adds `token`; false when it was there already.
    pub(crate) fn insert(&mut self, token: &str) -> bool {
        match self.0.binary_search_by(|seen| seen.as_str().cmp(token)) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, token.to_owned());
                true
            }
        }
    }
}
