//! `application/x-www-form-urlencoded` query building, appended to a URL in place.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(crate) struct Serializer<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Serializer<'a> {
    pub(crate) fn new(out: &'a mut String, has_query: bool) -> Self {
        Self {
            out,
            first: !has_query,
        }
    }

    pub(crate) fn append(&mut self, key: &str, value: &str) {
        self.out.push(if self.first { '?' } else { '&' });
        self.first = false;
        self.out.extend(utf8_percent_encode(key, QUERY));
        self.out.push('=');
        self.out.extend(utf8_percent_encode(value, QUERY));
    }
}
