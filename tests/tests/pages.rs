//! Pagination through the real SDK against lark-mock, for the endpoints that page by something
//! other than `page_token`: the stream follows whatever the catalog says the endpoint takes and
//! answers.

use std::time::Duration;

use futures_util::StreamExt as _;
use lark_api::vc::v1::note;
use lark_core::Endpoint as _;
use lark_core::endpoint::PageToken;
use lark_tests::{client, mock, within};

const LIMIT: Duration = Duration::from_secs(30);

/// `vc.v1.note.unifiedNoteTranscript` pages by `cursor_id` and answers `next_cursor_id`.
#[tokio::test]
async fn a_cursor_paginated_endpoint_follows_its_next_cursor() {
    let request = note::UnifiedNoteTranscript::new("note_1").page_size(50);
    let pages = request.meta().pages.expect("paginated");
    assert_eq!(pages.token, PageToken::Query("cursor_id"));
    assert_eq!(pages.next_token, "next_cursor_id");

    let mock = mock().await;
    let client = client(&mock);
    let answers: Vec<_> = within(LIMIT, client.pages(request).collect::<Vec<_>>()).await;
    assert_eq!(answers.len(), 2, "{answers:?}");
    let first = answers[0].as_ref().unwrap();
    assert_eq!(first.has_more, Some(true));
    assert_eq!(
        first.next_cursor_id.as_deref(),
        Some(lark_mock::SECOND_PAGE)
    );
    assert_eq!(answers[1].as_ref().unwrap().has_more, Some(false));

    let path = "/open-apis/vc/v1/notes/note_1/unified_note_transcript";
    let requests = mock.requests_to(path);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].query_param("cursor_id"), None);
    assert_eq!(
        requests[1].query_param("cursor_id"),
        Some(lark_mock::SECOND_PAGE)
    );
    // No `page_token` is invented for it, and the other parameters stay on every page.
    assert!(
        requests
            .iter()
            .all(|r| r.query_param("page_token").is_none())
    );
    assert!(
        requests
            .iter()
            .all(|r| r.query_param("page_size") == Some("50"))
    );
}

/// Any cursor the mock did not issue reads as the last page.
#[tokio::test]
async fn a_cursor_the_mock_did_not_issue_is_the_last_page() {
    let mock = mock().await;
    let client = client(&mock);
    let page = within(
        LIMIT,
        client.send(&note::UnifiedNoteTranscript::new("note_1").cursor_id("elsewhere")),
    )
    .await
    .unwrap();
    assert_eq!(page.has_more, Some(false));
    assert_eq!(page.next_cursor_id, None);
}
