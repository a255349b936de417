//! Images and files in replies, against lark-mock (which keeps what was uploaded): from bytes;
//! from a URL through the SSRF guard, which refuses loopback, link-local and the like before
//! any fetcher runs; and (feature `reqwest`) fetched by `ReqwestFetcher` from a server on
//! 127.0.0.1 when loopback is allowed, with redirects and sizes checked too.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Msg, start, wait_until};
use lark_bot_channel::{
    AddressKind, ChannelBuilder, Fetched, MediaError, MediaFetcher, MediaSource, RefuseReason,
    Target, UrlGuard,
};
use lark_core::BoxFuture;
use lark_mock::UploadKind;
use lark_reqwest::ReqwestClient;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR a tiny test image";

type Outcome = Arc<Mutex<Option<Result<String, MediaError>>>>;

/// How the bot replies with its media.
#[derive(Clone, Copy)]
enum As {
    Image,
    File,
    /// A video of 1.5 s, with an image as its cover.
    Video,
    /// A voice message of 2 s.
    Audio,
}

/// A bot that replies to a message with `source` in the form `how`; what came of it.
async fn media_bot(
    configure: impl FnOnce(ChannelBuilder<ReqwestClient>) -> ChannelBuilder<ReqwestClient>,
    source: MediaSource,
    how: As,
) -> (common::Bot, Result<String, MediaError>) {
    let outcome: Outcome = Arc::default();
    let sink = Arc::clone(&outcome);
    let bot = start(move |b| {
        configure(b).on_message(move |_, ctx| {
            let (sink, source) = (Arc::clone(&sink), source.clone());
            async move {
                let sent = match how {
                    As::Image => ctx.reply_image(source).await,
                    As::File => ctx.reply_file(source).await,
                    As::Video => {
                        let cover = MediaSource::bytes("cover.png", PNG);
                        ctx.reply_video(source, Duration::from_millis(1_500), Some(cover))
                            .await
                    }
                    As::Audio => ctx.reply_audio(source, Duration::from_secs(2)).await,
                };
                *sink.lock().unwrap() = Some(sent);
                Ok(())
            }
        })
    })
    .await;
    bot.deliver(&Msg::dm("om_media", "show me").event()).await;
    wait_until(|| outcome.lock().unwrap().is_some()).await;
    let result = outcome.lock().unwrap().take().unwrap();
    (bot, result)
}

#[tokio::test]
async fn an_image_and_a_file_from_bytes_are_uploaded_and_sent() {
    let (bot, sent) = media_bot(|b| b, MediaSource::bytes("tiny.png", PNG), As::Image).await;
    let message_id = sent.unwrap();
    let reply = &bot.mock.replies_to("om_media")[0];
    assert_eq!(reply.message_id, message_id);
    assert_eq!(reply.msg_type, "image");
    let key = reply.content["image_key"].as_str().unwrap();
    let upload = bot.mock.upload(key).expect("the image was uploaded");
    assert_eq!(upload.kind, UploadKind::Image);
    assert_eq!(upload.file_type, "message");
    assert_eq!(upload.bytes, PNG);

    let (bot, sent) = media_bot(
        |b| b,
        MediaSource::bytes("report.pdf", b"%PDF-1.7 a report".to_vec()),
        As::File,
    )
    .await;
    sent.unwrap();
    let reply = &bot.mock.replies_to("om_media")[0];
    assert_eq!(reply.msg_type, "file");
    let upload = bot
        .mock
        .upload(reply.content["file_key"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (upload.file_type.as_str(), upload.file_name.as_deref()),
        ("pdf", Some("report.pdf"))
    );

    // Nothing to send, nothing uploaded.
    let (bot, sent) = media_bot(
        |b| b,
        MediaSource::bytes("empty.png", Vec::new()),
        As::Image,
    )
    .await;
    assert!(matches!(sent, Err(MediaError::Empty)), "{sent:?}");
    assert!(bot.mock.uploads().is_empty());
}

#[tokio::test]
async fn a_video_and_a_voice_message_are_uploaded_with_their_duration() {
    let mp4 = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom a short clip".to_vec();
    let (bot, sent) = media_bot(
        |b| b,
        MediaSource::bytes("clip.mp4", mp4.clone()),
        As::Video,
    )
    .await;
    let message_id = sent.unwrap();
    let reply = &bot.mock.replies_to("om_media")[0];
    assert_eq!(
        (reply.message_id.as_str(), reply.msg_type.as_str()),
        (message_id.as_str(), "media")
    );
    let video = bot
        .mock
        .upload(reply.content["file_key"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (video.file_type.as_str(), video.duration_ms),
        ("mp4", Some(1_500))
    );
    assert_eq!(
        (video.file_name.as_deref(), video.bytes),
        (Some("clip.mp4"), mp4)
    );
    let cover = bot
        .mock
        .upload(reply.content["image_key"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (cover.kind, cover.bytes.as_slice()),
        (UploadKind::Image, PNG)
    );

    let mut opus = b"OggS".to_vec();
    opus.resize(26, 0);
    opus.extend_from_slice(&[1, 19]);
    opus.extend_from_slice(b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0");
    let (bot, sent) = media_bot(|b| b, MediaSource::bytes("hello.opus", opus), As::Audio).await;
    sent.unwrap();
    let reply = &bot.mock.replies_to("om_media")[0];
    assert_eq!(reply.msg_type, "audio");
    let audio = bot
        .mock
        .upload(reply.content["file_key"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (audio.file_type.as_str(), audio.duration_ms),
        ("opus", Some(2_000))
    );

    // Bytes that are not the format: refused before anything is uploaded or sent.
    for (how, expected) in [(As::Video, "mp4"), (As::Audio, "opus")] {
        let (bot, sent) = media_bot(|b| b, MediaSource::bytes("clip.mp4", PNG), how).await;
        let Err(MediaError::Format { expected: got }) = &sent else {
            panic!("{sent:?}");
        };
        assert_eq!(*got, expected);
        assert!(bot.mock.uploads().is_empty());
        assert!(bot.mock.replies_to("om_media").is_empty());
    }
}

/// A fetcher that only counts: the guard must refuse before it is asked.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl MediaFetcher for Counting {
    fn fetch<'a>(
        &'a self,
        _url: &'a str,
        _target: &'a Target,
        _guard: &'a UrlGuard,
        _max_bytes: usize,
    ) -> BoxFuture<'a, Result<Fetched, MediaError>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Fetched::new(PNG)) })
    }
}

#[tokio::test]
async fn an_ssrf_attempt_is_refused_before_anything_is_fetched() {
    let fetcher = Counting::default();
    for (url, kind) in [
        ("http://127.0.0.1:9/secret.png", Some(AddressKind::Loopback)),
        (
            "http://[::ffff:127.0.0.1]:9/secret.png",
            Some(AddressKind::Loopback),
        ),
        (
            "http://169.254.169.254/latest/meta-data/iam",
            Some(AddressKind::LinkLocal),
        ),
        ("http://10.0.0.8/intranet.png", Some(AddressKind::Private)),
        ("http://[fd00::8]/x.png", Some(AddressKind::UniqueLocal)),
        ("http://100.64.1.1/x.png", Some(AddressKind::SharedCgnat)),
        ("http://0.0.0.0:9/x.png", Some(AddressKind::Unspecified)),
        ("http://localhost:9/x.png", None),
        ("http://2130706433/x.png", None),
    ] {
        let counting = fetcher.clone();
        let (bot, sent) = media_bot(
            move |b| b.media_fetcher(counting),
            MediaSource::url(url),
            As::Image,
        )
        .await;
        let Err(MediaError::Refused(refused)) = &sent else {
            panic!("{url}: {sent:?}");
        };
        match (kind, &refused.reason) {
            (Some(kind), RefuseReason::Address { kind: got, .. }) => assert_eq!(*got, kind),
            (None, RefuseReason::Localhost | RefuseReason::AmbiguousNumericHost) => {}
            (_, other) => panic!("{url}: {other:?}"),
        }
        let message = sent.unwrap_err().to_string();
        assert!(
            message.starts_with("refused to fetch media from"),
            "{message}"
        );
        assert!(bot.mock.uploads().is_empty(), "{url}");
        assert!(bot.mock.replies_to("om_media").is_empty(), "{url}");
    }
    assert_eq!(
        fetcher.0.load(Ordering::SeqCst),
        0,
        "no fetch was attempted"
    );

    // A public URL gets to the fetcher; with none set, that is an error of its own.
    let counting = fetcher.clone();
    let (bot, sent) = media_bot(
        move |b| b.media_fetcher(counting),
        MediaSource::url("https://cdn.example.com/cat.png?sig=abc"),
        As::Image,
    )
    .await;
    sent.unwrap();
    assert_eq!(fetcher.0.load(Ordering::SeqCst), 1);
    assert_eq!(bot.mock.uploads()[0].bytes, PNG);
    let (_, sent) = media_bot(
        |b| b,
        MediaSource::url("https://cdn.example.com/cat.png"),
        As::Image,
    )
    .await;
    assert!(matches!(sent, Err(MediaError::NoFetcher)), "{sent:?}");
}

#[cfg(feature = "reqwest")]
mod reqwest_fetcher {
    use super::*;
    use lark_bot_channel::{IMAGE_LIMIT, ReqwestFetcher};

    /// A media server on 127.0.0.1: `/cat.png`, `/to-metadata` (a redirect to the cloud
    /// metadata address), `/huge.png` (one byte over the image limit); counts requests.
    async fn media_server() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&hits);
        let app = axum::Router::new()
            .route("/cat.png", axum::routing::get(|| async { PNG }))
            .route(
                "/to-metadata",
                axum::routing::get(|| async {
                    (
                        http::StatusCode::FOUND,
                        [(http::header::LOCATION, "http://169.254.169.254/latest/")],
                    )
                }),
            )
            .route(
                "/huge.png",
                axum::routing::get(|| async { vec![0u8; IMAGE_LIMIT + 1] }),
            )
            .layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    next.run(request)
                },
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (base, hits, task)
    }

    fn loopback_allowed(b: ChannelBuilder<ReqwestClient>) -> ChannelBuilder<ReqwestClient> {
        b.url_guard(UrlGuard::new().allow(AddressKind::Loopback))
            .media_fetcher(ReqwestFetcher::new())
    }

    #[tokio::test]
    async fn an_allowed_loopback_url_is_fetched_and_uploaded() {
        let (base, hits, server) = media_server().await;
        let url = format!("{base}/cat.png");
        let (bot, sent) = media_bot(loopback_allowed, MediaSource::url(&url), As::Image).await;
        sent.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        let reply = &bot.mock.replies_to("om_media")[0];
        let upload = bot
            .mock
            .upload(reply.content["image_key"].as_str().unwrap())
            .unwrap();
        assert_eq!(upload.bytes, PNG);

        // As a file, named after the URL's last segment.
        let (bot, sent) = media_bot(loopback_allowed, MediaSource::url(&url), As::File).await;
        sent.unwrap();
        assert_eq!(bot.mock.uploads()[0].file_name.as_deref(), Some("cat.png"));
        server.abort();
    }

    #[tokio::test]
    async fn the_same_url_without_the_allowance_is_refused_and_never_requested() {
        let (base, hits, server) = media_server().await;
        let (bot, sent) = media_bot(
            |b| b.media_fetcher(ReqwestFetcher::new()),
            MediaSource::url(format!("{base}/cat.png")),
            As::Image,
        )
        .await;
        let error = sent.unwrap_err();
        assert!(
            matches!(&error, MediaError::Refused(r) if matches!(r.reason, RefuseReason::Address { kind: AddressKind::Loopback, .. })),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("is a loopback address"),
            "{error}"
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        assert!(bot.mock.uploads().is_empty());
        server.abort();
    }

    #[tokio::test]
    async fn a_redirect_to_a_refused_address_and_an_oversized_body_are_refused() {
        let (base, hits, server) = media_server().await;
        let (bot, sent) = media_bot(
            loopback_allowed,
            MediaSource::url(format!("{base}/to-metadata")),
            As::Image,
        )
        .await;
        assert!(
            matches!(&sent, Err(MediaError::Refused(r)) if matches!(r.reason, RefuseReason::Address { kind: AddressKind::LinkLocal, .. })),
            "{sent:?}"
        );
        assert!(bot.mock.uploads().is_empty());

        let (bot, sent) = media_bot(
            loopback_allowed,
            MediaSource::url(format!("{base}/huge.png")),
            As::Image,
        )
        .await;
        assert!(
            matches!(sent, Err(MediaError::TooLarge { limit, .. }) if limit == IMAGE_LIMIT),
            "{sent:?}"
        );
        assert!(bot.mock.uploads().is_empty());
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        server.abort();
    }
}
