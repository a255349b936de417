//! Writing to stdout and stderr without panicking when the reader has gone away.
//!
//! `println!` panics on a closed pipe (`lark endpoints | head`). A reader that stops early has
//! what it wanted, so a closed stdout ends the output quietly; any other write error fails.

use std::io::Write as _;

use crate::{Failure, Outcome};

/// Writes `bytes` to stdout and flushes. A closed pipe is not an error.
pub(crate) fn stdout(bytes: &[u8]) -> Outcome {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure {
            message: format!("error: cannot write stdout: {e}"),
            code: 1,
        }),
    }
}

/// Writes `text` and a newline to stdout.
pub(crate) fn line(text: &str) -> Outcome {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    stdout(&bytes)
}

/// Writes `text` and a newline to stderr; there is nowhere to report a failure to.
pub(crate) fn error_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"));
}
