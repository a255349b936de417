//! Images and files in replies, from bytes or from a URL (`sources.rs` reads them): uploaded
//! through `im.v1.image.create` or `im.v1.file.create`, then sent.

use lark_api_im::v1::{file, image};
use lark_core::HttpClient;
use lark_core::endpoint::File as Upload;
use lark_message::content::{File, Image};

use crate::reply::Context;
use crate::sources::{FILE_LIMIT, IMAGE_LIMIT, MediaError, MediaSource};

/// The `file_type` of a file message, by its name: `pdf`, `doc`, `xls`, `ppt`, else `stream`
/// (videos and audio go as plain files here: as `media` or `audio` they need their duration).
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

impl<H: HttpClient> Context<H> {
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
        let request = file::Create::new(
            file_type_of(&file_name),
            file_name.clone(),
            Upload::new(file_name, data),
        );
        let uploaded = self.client().send(&request).await?;
        uploaded
            .file_key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| MediaError::Fetch("the upload answered no file_key".to_owned()))
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
}
