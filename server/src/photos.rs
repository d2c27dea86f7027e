//! Cleaning an uploaded photo before it is stored: the bytes must really be JPEG, PNG or WebP
//! (by their magic bytes, whatever the client claims), decode within limits (no decompression
//! bomb) and are re-encoded, so EXIF (GPS position, camera serial), other metadata and anything
//! appended after the image never reach the database. Pure (no I/O, no clock): a fuzz target
//! can call [`clean`] directly.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The largest upload accepted, in bytes (the body limit of the upload routes): the shared
/// rule the tablet checks before it keeps a photo.
pub const MAX_BYTES: usize = anju_shared::photo::MAX_BYTES;
/// The largest side in pixels: a phone's 200-megapixel sensor stays below it.
pub const MAX_SIDE: u32 = 10_000;
/// What decoding may allocate. A 48-megapixel RGB photo needs 144 MiB; this bounds a bomb
/// whose sides each pass [`MAX_SIDE`] (10,000² RGBA would be 400 MB).
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// Quality of the re-encoded JPEG: visually the same as a phone's, noticeably smaller.
const JPEG_QUALITY: u8 = 85;

/// A photo as it is stored: re-encoded bytes, their type and their content address.
#[derive(Debug, Clone)]
pub struct CleanPhoto {
    /// SHA-256 of `bytes`, lowercase hex: the photo's only name.
    pub hash: String,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Not JPEG, PNG or WebP by its first bytes (text, HTML, SVG, a renamed file …).
    #[error("not a JPEG, PNG or WebP image")]
    Unsupported,
    /// Dimensions or memory beyond the limits: refused before decoding the pixels.
    #[error("image too large: at most {MAX_SIDE} × {MAX_SIDE} px")]
    TooLarge,
    /// The right magic bytes but an image that does not decode.
    #[error("the image could not be read: {0}")]
    Corrupt(String),
}

/// The formats accepted, told by their magic bytes only.
/// The decoder for the kind `shared::photo::sniff` reads from the first bytes.
fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    Some(match anju_shared::photo::sniff(bytes)? {
        anju_shared::photo::Kind::Jpeg => ImageFormat::Jpeg,
        anju_shared::photo::Kind::Png => ImageFormat::Png,
        anju_shared::photo::Kind::WebP => ImageFormat::WebP,
    })
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn decode_error(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::Limits(_) => PhotoError::TooLarge,
        image::ImageError::Unsupported(_) => PhotoError::Unsupported,
        other => PhotoError::Corrupt(other.to_string()),
    }
}

/// Checks, decodes and re-encodes an uploaded photo: JPEG stays JPEG (quality 85), PNG and
/// WebP become PNG (lossless both). The EXIF orientation is applied to the pixels first, since
/// the re-encoded file no longer carries it.
pub fn clean(bytes: &[u8]) -> Result<CleanPhoto, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = sniff(bytes).ok_or(PhotoError::Unsupported)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    // The header's claim is checked before any pixel buffer exists: a 60,000² PNG of a few
    // hundred bytes is refused here, whatever the decoder itself enforces.
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt("empty image".into()));
    }
    if width > MAX_SIDE || height > MAX_SIDE || decoder.total_bytes() > MAX_ALLOC {
        return Err(PhotoError::TooLarge);
    }
    let orientation = decoder.orientation().map_err(decode_error)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());

    let mut out = Vec::new();
    let mime = if format == ImageFormat::Jpeg {
        // JPEG has no alpha and the encoder takes 8-bit grey or RGB only.
        let image = match image {
            DynamicImage::ImageLuma8(_) => image,
            other => DynamicImage::ImageRgb8(other.to_rgb8()),
        };
        image
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
            .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
        "image/jpeg"
    } else {
        // WebP becomes PNG: image's WebP encoder is lossless-only, and PNG is what every
        // browser and office tool opens.
        image
            .write_with_encoder(PngEncoder::new(&mut out))
            .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
        "image/png"
    };
    Ok(CleanPhoto {
        hash: anju_shared::photo::name(&out),
        mime,
        width,
        height,
        bytes: out,
    })
}

/// The file extension for a stored type.
pub fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        _ => "png",
    }
}

/// The SHA-256 of bytes as sent, in the form of a photo's name: what a tablet calls a photo
/// it took offline, before the server cleaned it.
pub fn content_hash(bytes: &[u8]) -> String {
    anju_shared::photo::name(bytes)
}

/// Whether `s` is a photo's name: 64 lowercase hex digits, as [`clean`] makes them.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbImage, RgbaImage};
    use sha2::Digest;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 128]))
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&gradient(w, h))
            .expect("encode jpeg");
        out
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                gradient(w, h).as_raw(),
                w,
                h,
                image::ExtendedColorType::Rgb8,
            )
            .expect("encode png");
        out
    }

    /// An APP1 Exif segment (little-endian TIFF) with a GPS IFD holding a latitude reference,
    /// and optionally an orientation tag.
    fn exif_segment(orientation: Option<u16>) -> Vec<u8> {
        let mut tiff = b"II*\0".to_vec();
        tiff.extend(8u32.to_le_bytes());
        let entries: u16 = if orientation.is_some() { 2 } else { 1 };
        let ifd0_len = 2 + 12 * u32::from(entries) + 4;
        tiff.extend(entries.to_le_bytes());
        if let Some(o) = orientation {
            tiff.extend(0x0112u16.to_le_bytes()); // Orientation, SHORT, 1
            tiff.extend(3u16.to_le_bytes());
            tiff.extend(1u32.to_le_bytes());
            tiff.extend(u32::from(o).to_le_bytes());
        }
        tiff.extend(0x8825u16.to_le_bytes()); // GPSInfo IFD pointer, LONG, 1
        tiff.extend(4u16.to_le_bytes());
        tiff.extend(1u32.to_le_bytes());
        tiff.extend((8 + ifd0_len).to_le_bytes());
        tiff.extend(0u32.to_le_bytes());
        tiff.extend(1u16.to_le_bytes()); // GPS IFD: GPSLatitudeRef "N"
        tiff.extend(1u16.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        tiff.extend(2u32.to_le_bytes());
        tiff.extend(*b"N\0\0\0");
        tiff.extend(0u32.to_le_bytes());
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend(tiff);
        let mut seg = vec![0xFF, 0xE1];
        seg.extend(
            u16::try_from(payload.len() + 2)
                .expect("short")
                .to_be_bytes(),
        );
        seg.extend(payload);
        seg
    }

    fn with_exif(jpeg: &[u8], orientation: Option<u16>) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend(exif_segment(orientation));
        out.extend(&jpeg[2..]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A valid PNG whose header claims `w × h`: IHDR rewritten, its CRC recomputed.
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut bytes = png(4, 4);
        bytes[16..20].copy_from_slice(&w.to_be_bytes());
        bytes[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn a_jpeg_loses_its_exif_and_trailing_bytes_and_stays_a_jpeg() {
        let mut upload = with_exif(&jpeg(32, 24), None);
        upload.extend(b"<script>alert(1)</script>");
        assert!(contains(&upload, b"Exif"));
        let photo = clean(&upload).expect("clean");
        assert_eq!(
            (photo.mime, photo.width, photo.height),
            ("image/jpeg", 32, 24)
        );
        assert!(!contains(&photo.bytes, b"Exif"));
        assert!(!contains(&photo.bytes, b"<script>"));
        assert!(photo.bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert_eq!(photo.hash, hex::encode(sha2::Sha256::digest(&photo.bytes)));
        assert!(is_hash(&photo.hash));
        let back = image::load_from_memory(&photo.bytes).expect("decodes");
        assert_eq!((back.width(), back.height()), (32, 24));
    }

    #[test]
    fn the_exif_orientation_is_applied_to_the_pixels() {
        // 6 = rotate 90° clockwise: a 32 × 24 photo is shown 24 × 32.
        let photo = clean(&with_exif(&jpeg(32, 24), Some(6))).expect("clean");
        assert_eq!((photo.width, photo.height), (24, 32));
        assert!(!contains(&photo.bytes, b"Exif"));
    }

    #[test]
    fn png_and_webp_become_png_and_cleaning_is_deterministic() {
        let photo = clean(&png(16, 8)).expect("png");
        assert_eq!(
            (photo.mime, photo.width, photo.height),
            ("image/png", 16, 8)
        );
        assert_eq!(clean(&png(16, 8)).expect("again").hash, photo.hash);

        let rgba = RgbaImage::from_fn(10, 6, |x, _| image::Rgba([x as u8 * 20, 0, 0, 200]));
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(rgba.as_raw(), 10, 6, image::ExtendedColorType::Rgba8)
            .expect("encode webp");
        let photo = clean(&webp).expect("webp");
        assert_eq!(
            (photo.mime, photo.width, photo.height),
            ("image/png", 10, 6)
        );
        assert!(photo.bytes.starts_with(b"\x89PNG"));
        let back = image::load_from_memory(&photo.bytes).expect("decodes");
        assert_eq!(back.to_rgba8(), rgba, "lossless both ways");
    }

    #[test]
    fn anything_but_the_three_formats_is_unsupported() {
        for bytes in [
            &b""[..],
            b"hello, this is a text file named photo.jpg",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"GIF89a\x01\x00\x01\x00",
            b"RIFF\x10\x00\x00\x00WAVEfmt ",
        ] {
            assert_eq!(
                clean(bytes).unwrap_err(),
                PhotoError::Unsupported,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn truncated_or_garbled_images_are_corrupt() {
        let jpeg = jpeg(32, 24);
        assert!(matches!(
            clean(&jpeg[..40]),
            Err(PhotoError::Corrupt(_) | PhotoError::TooLarge)
        ));
        let mut png = png(16, 8);
        let n = png.len();
        png[n - 20] ^= 0xFF; // inside IDAT: the CRC no longer matches
        assert!(matches!(clean(&png), Err(PhotoError::Corrupt(_))));
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        assert_eq!(
            clean(&png_claiming(60_000, 60_000)).unwrap_err(),
            PhotoError::TooLarge
        );
        assert_eq!(
            clean(&png_claiming(MAX_SIDE + 1, 1)).unwrap_err(),
            PhotoError::TooLarge
        );
        // A JPEG's SOF0 claiming 60,000 × 60,000.
        let mut bytes = jpeg(8, 8);
        let sof = bytes
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        bytes[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
        bytes[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
        assert_eq!(clean(&bytes).unwrap_err(), PhotoError::TooLarge);
        assert_eq!(
            clean(&vec![0xFF; MAX_BYTES + 1]).unwrap_err(),
            PhotoError::TooLarge
        );
    }

    #[test]
    fn hashes_are_64_lowercase_hex() {
        assert!(is_hash(&"a".repeat(64)));
        assert!(!is_hash(&"A".repeat(64)));
        assert!(!is_hash(&"a".repeat(63)));
        assert!(!is_hash("../../etc/passwd"));
    }
}
