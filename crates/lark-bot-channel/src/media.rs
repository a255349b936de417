//! Images, files, videos and audio in replies, from bytes or from a URL (`sources.rs` reads
//! them): uploaded through `im.v1.image.create` or `im.v1.file.create`, then sent.

use std::time::Duration;

use lark_api_im::v1::{file, image};
use lark_core::HttpClient;
use lark_core::endpoint::File as Upload;
use lark_message::content::{Audio, File, Image, Media};

use crate::reply::Context;
use crate::sources::{FILE_LIMIT, IMAGE_LIMIT, MediaError, MediaSource};

/// The `file_type` of a file message, by its name: `pdf`, `doc`, `xls`, `ppt`, else `stream`
/// (a video or audio file sent this way is a plain file; [`Context::reply_video`] and
/// [`Context::reply_audio`] send them as media the chat plays).
fn file_type_of(file_name: &str) -> file::FileType {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("pdf") => file::FileType::Pdf,
        Some("doc" | "docx") => file::FileType::Doc,
        Some("xls" | "xlsx") => file::FileType::Xls,
        Some("ppt" | "pptx") => file::FileType::Ppt,
        _ => file::FileType::Stream,
    }
}

/// A video or a voice message: the `file_type` the platform plays it as, and how to know its
/// bytes are that format.
#[derive(Clone, Copy)]
enum Playable {
    /// `mp4`: an ISO base media file (a `ftyp` box first).
    Video,
    /// `opus`: Opus audio in an Ogg container (an `OggS` page whose packet is `OpusHead`).
    Audio,
}

impl Playable {
    fn file_type(self) -> file::FileType {
        match self {
            Self::Video => file::FileType::Mp4,
            Self::Audio => file::FileType::Opus,
        }
    }

    /// The format's name in errors.
    fn name(self) -> &'static str {
        match self {
            Self::Video => "mp4",
            Self::Audio => "opus",
        }
    }

    fn matches(self, data: &[u8]) -> bool {
        match self {
            Self::Video => data.get(4..8) == Some(b"ftyp".as_slice()),
            // The first Ogg page's header is 27 bytes plus one byte per segment; its packet
            // starts with `OpusHead`.
            Self::Audio => {
                data.starts_with(b"OggS")
                    && data.get(26).is_some_and(|&segments| {
                        let start = 27 + usize::from(segments);
                        data.get(start..start + 8) == Some(b"OpusHead".as_slice())
                    })
            }
        }
    }
}

/// Milliseconds, as the upload's `duration` takes them (saturating).
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl<H: HttpClient> Context<H> {
    /// Uploads `source` as a video or audio file of `duration`, after checking its format.
    async fn upload_playable(
        &self,
        source: MediaSource,
        kind: Playable,
        duration: Option<Duration>,
    ) -> Result<String, MediaError> {
        let (file_name, data) = self.media().bytes(source, FILE_LIMIT).await?;
        if !kind.matches(&data) {
            return Err(MediaError::Format {
                expected: kind.name(),
            });
        }
        self.send_file(kind.file_type(), file_name, data, duration)
            .await
    }

    /// Uploads `data` as a message file of `file_type` (with its `duration`, for video and
    /// audio); returns its `file_key`.
    async fn send_file(
        &self,
        file_type: file::FileType,
        file_name: String,
        data: Vec<u8>,
        duration: Option<Duration>,
    ) -> Result<String, MediaError> {
        let mut request =
            file::Create::new(file_type, file_name.clone(), Upload::new(file_name, data));
        if let Some(duration) = duration {
            request = request.duration(millis(duration));
        }
        let uploaded = self.client().send(&request).await?;
        uploaded
            .file_key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| MediaError::Fetch("the upload answered no file_key".to_owned()))
    }

    /// Uploads an MP4 video of `duration` (`None`: not given, the platform shows none) for
    /// messages; returns its `file_key`. Other bytes
    /// are refused ([`MediaError::Format`]) before anything is uploaded.
    pub async fn upload_video(
        &self,
        source: MediaSource,
        duration: impl Into<Option<Duration>>,
    ) -> Result<String, MediaError> {
        self.upload_playable(source, Playable::Video, duration.into())
            .await
    }

    /// Uploads an Opus (Ogg) audio file of `duration` (or `None`) for voice messages; returns its
    /// `file_key`. Other bytes are refused ([`MediaError::Format`]) before anything is
    /// uploaded.
    pub async fn upload_audio(
        &self,
        source: MediaSource,
        duration: impl Into<Option<Duration>>,
    ) -> Result<String, MediaError> {
        self.upload_playable(source, Playable::Audio, duration.into())
            .await
    }

    /// Uploads an MP4 video (and its cover image, when given) and replies with it as a
    /// `media` message the chat plays; returns the message id.
    pub async fn reply_video(
        &self,
        source: MediaSource,
        duration: impl Into<Option<Duration>>,
        cover: Option<MediaSource>,
    ) -> Result<String, MediaError> {
        let file_key = self.upload_video(source, duration).await?;
        let mut media = Media::new(file_key);
        if let Some(cover) = cover {
            media = media.cover(self.upload_image(cover).await?);
        }
        Ok(self.reply(media).await?)
    }

    /// Uploads an Opus (Ogg) audio file and replies with it as a voice (`audio`) message;
    /// returns the message id.
    pub async fn reply_audio(
        &self,
        source: MediaSource,
        duration: impl Into<Option<Duration>>,
    ) -> Result<String, MediaError> {
        let file_key = self.upload_audio(source, duration).await?;
        Ok(self.reply(Audio::new(file_key)).await?)
    }

    /// Uploads an image (from bytes, or fetched from a URL through the channel's guard and
    /// fetcher) for messages; returns its `image_key`.
    pub async fn upload_image(&self, source: MediaSource) -> Result<String, MediaError> {
        let (file_name, data) = self.media().bytes(source, IMAGE_LIMIT).await?;
        let request = image::Create::new(image::ImageType::Message, Upload::new(file_name, data));
        let uploaded = self.client().send(&request).await?;
        uploaded
            .image_key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| MediaError::Fetch("the upload answered no image_key".to_owned()))
    }

    /// Uploads a file (from bytes, or fetched from a URL) for messages; returns its
    /// `file_key`.
    pub async fn upload_file(&self, source: MediaSource) -> Result<String, MediaError> {
        let (file_name, data) = self.media().bytes(source, FILE_LIMIT).await?;
        self.send_file(file_type_of(&file_name), file_name, data, None)
            .await
    }

    /// Uploads an image and replies with it; returns the message id.
    pub async fn reply_image(&self, source: MediaSource) -> Result<String, MediaError> {
        let image_key = self.upload_image(source).await?;
        Ok(self.reply(Image::new(image_key)).await?)
    }

    /// Uploads a file and replies with it; returns the message id.
    pub async fn reply_file(&self, source: MediaSource) -> Result<String, MediaError> {
        let file_key = self.upload_file(source).await?;
        Ok(self.reply(File::new(file_key)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_types_from_names() {
        assert_eq!(file_type_of("report.PDF").as_str(), "pdf");
        assert_eq!(file_type_of("sheet.xlsx").as_str(), "xls");
        assert_eq!(file_type_of("clip.mp4").as_str(), "stream");
        assert_eq!(file_type_of("noextension").as_str(), "stream");
    }

    #[test]
    fn playable_formats_by_their_first_bytes() {
        let mp4 = b"\0\0\0\x18ftypmp42\0\0\0\0";
        assert!(Playable::Video.matches(mp4));
        assert!(!Playable::Video.matches(b"\0\0\0\x18fty"));
        assert!(!Playable::Audio.matches(mp4));
        // One segment: the packet starts at 28.
        let mut ogg = b"OggS".to_vec();
        ogg.resize(26, 0);
        ogg.extend_from_slice(&[1, 19]);
        ogg.extend_from_slice(b"OpusHead\x01\x01");
        assert!(Playable::Audio.matches(&ogg));
        assert!(!Playable::Audio.matches(&ogg[..30]));
        assert!(!Playable::Audio.matches(b"OggS"));
        assert!(!Playable::Video.matches(&[]));
        assert_eq!(millis(Duration::from_millis(1_500)), 1_500);
        assert_eq!(millis(Duration::MAX), i64::MAX);
    }
}
