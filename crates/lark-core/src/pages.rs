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
    /// (A → B → A), or more than [`Config::max_pages`](crate::Config::max_pages) pages, end it with
    /// [`Error::Pagination`] after the pages before.
    pub fn pages<E>(&self, endpoint: E) -> impl Stream<Item = Result<E::Output>> + '_
    where
        E: Paginated + 'static,
        E::Output: Page,
    {
        self.pages_with(endpoint, RequestOptions::default())
    }

    /// [`Client::pages`] with options.
    pub fn pages_with<E>(
        &self,
        endpoint: E,
        options: RequestOptions,
    ) -> impl Stream<Item = Result<E::Output>> + '_
    where
        E: Paginated + 'static,
        E::Output: Page,
    {
        struct Cursor<E> {
            endpoint: E,
            options: RequestOptions,
            seen: std::collections::HashSet<String>,
            pages: u32,
        }
        enum State<E> {
            Next(Box<Cursor<E>>),
            Failed(Error),
        }
        let max_pages = self.inner.config.max_pages;
        let first = State::Next(Box::new(Cursor {
            endpoint,
            options,
            seen: std::collections::HashSet::new(),
            pages: 0,
        }));
        stream::unfold(Some(first), move |state| async move {
            let mut cursor = match state? {
                State::Next(cursor) => cursor,
                State::Failed(error) => return Some((Err(error), None)),
            };
            if cursor.pages >= max_pages {
                let error = Error::Pagination(format!(
                    "stopped after {max_pages} pages (Config::max_pages)"
                ));
                return Some((Err(error), None));
            }
            let result = self.send_with(&cursor.endpoint, &cursor.options).await;
            cursor.pages += 1;
            let next = match &result {
                Ok(page) if page.has_more() => match page.next_page_token() {
                    Some(token) if !token.is_empty() => {
                        if cursor.seen.insert(token.to_owned()) {
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
        })
    }
}
