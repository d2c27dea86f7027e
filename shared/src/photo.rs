//! Photos as files: which kinds are taken, how large one may be, and the name a device gives a
//! photo before any upload (the SHA-256 of its bytes as taken). The tablet checks a photo with
//! these before keeping it for upload; the server checks the same before decoding and cleaning
//! it, and answers to that name once it has stored the cleaned copy.

use sha2::Digest;

use crate::lang::Lang;

/// The largest photo file taken, in bytes (a phone's full-size JPEG fits).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The kinds of image a photo may be, told by their first bytes (never by a name or a type
/// the browser gives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    WebP,
}

/// The kind of image these bytes begin like, if any.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::WebP)
    } else {
        None
    }
}

/// Why a file is not taken as a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge,
    NotAnImage,
}

impl Refusal {
    /// One line naming the field, in the user's language.
    pub fn message(self, lang: Lang) -> String {
        let (zh, en) = match self {
            Refusal::Empty => ("照片:文件是空的", "photo: the file is empty"),
            Refusal::TooLarge => ("照片:文件超过 10 MB", "photo: the file is over 10 MB"),
            Refusal::NotAnImage => (
                "照片:只收 JPEG、PNG 或 WebP 图片",
                "photo: only JPEG, PNG or WebP images",
            ),
        };
        lang.pick(zh, en).to_string()
    }
}

/// The checks a file passes before it is kept as a photo: not empty, at most [`MAX_BYTES`],
/// an image of a taken kind. (Whether it decodes is for the server, which cleans it.)
pub fn check(bytes: &[u8]) -> Result<Kind, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge);
    }
    sniff(bytes).ok_or(Refusal::NotAnImage)
}

/// A photo's name from its bytes: the lowercase hex SHA-256, as `arrival::is_photo_hash`
/// expects. The server names its cleaned copy the same way, from the cleaned bytes.
pub fn name(bytes: &[u8]) -> String {
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in hash {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_known_by_its_first_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Kind::WebP));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(check(&[]), Err(Refusal::Empty));
        assert_eq!(check(b"%PDF-1.7"), Err(Refusal::NotAnImage));
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(check(&big), Err(Refusal::TooLarge));
        big.truncate(MAX_BYTES);
        assert_eq!(check(&big), Ok(Kind::Jpeg));
        assert!(Refusal::NotAnImage.message(Lang::En).starts_with("photo: "));
        assert!(Refusal::TooLarge.message(Lang::Zh).starts_with("照片:"));
    }

    #[test]
    fn a_name_is_the_sha256_in_lowercase_hex() {
        // The SHA-256 of "abc" (FIPS 180-2's first example).
        assert_eq!(
            name(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(crate::arrival::is_photo_hash(&name(b"")));
    }
}
