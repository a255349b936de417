//! Helpers shared by the test files.

/// Everything an error shows of itself: the `Display`, `Debug` and `{:#?}` of it and of every
/// `source()` in its chain (at most 32 deep).
pub(crate) fn everything_shown(error: &(dyn std::error::Error + 'static)) -> String {
    let mut shown = Vec::new();
    let mut next = Some(error);
    for _ in 0..32 {
        let Some(error) = next else { break };
        shown.push(format!("{error}\n{error:?}\n{error:#?}"));
        next = error.source();
    }
    assert!(next.is_none(), "a source chain deeper than 32");
    shown.join("\n")
}

/// Fails when any of `hidden` shows in `shown`.
#[track_caller]
pub(crate) fn assert_hidden(shown: &str, hidden: &[&str]) {
    for secret in hidden {
        assert!(!secret.is_empty());
        assert!(!shown.contains(secret), "`{secret}` was shown:\n{shown}");
    }
}
