//! The QR decoder of the field app's scanner, for browsers without `BarcodeDetector` (desktop
//! Linux and Windows Chromium, WeChat and other in-app browsers): a wasm module of its own
//! (`dist/anju_qr*`), fetched by `boot.js` only when the scanner opens, so the app's first
//! load does not carry it. It reads a camera frame as a canvas gives it (RGBA) and answers the
//! text of the first QR code it can read.

use wasm_bindgen::prelude::wasm_bindgen;

/// The text of the first readable QR code in an RGBA frame of `width` × `height` pixels, or
/// nothing (no code, a code too blurred to read, or a frame of the wrong size).
#[wasm_bindgen]
pub fn decode_rgba(rgba: &[u8], width: u32, height: u32) -> Option<String> {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || w.checked_mul(h)?.checked_mul(4)? > rgba.len() {
        return None;
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * 4;
        let (r, g, b) = (
            u32::from(rgba[i]),
            u32::from(rgba[i + 1]),
            u32::from(rgba[i + 2]),
        );
        // Luma by the usual weights: a code on coloured paper still reads.
        ((r * 299 + g * 587 + b * 114) / 1000) as u8
    });
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

#[cfg(test)]
mod tests {
    use super::decode_rgba;

    /// A code drawn as a camera would see it: `scale` pixels a module, a quiet zone, grey
    /// paper and dark ink, on a larger frame.
    fn frame(text: &str, scale: usize) -> (Vec<u8>, u32, u32) {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("encodes");
        let modules = code.width();
        let colors = code.to_colors();
        let size = (modules + 8) * scale + 40;
        let mut rgba = vec![0u8; size * size * 4];
        for y in 0..size {
            for x in 0..size {
                let (mx, my) = ((x / scale).checked_sub(4), (y / scale).checked_sub(4));
                let dark = match (mx, my) {
                    (Some(mx), Some(my)) if mx < modules && my < modules => {
                        colors[my * modules + mx] == qrcode::Color::Dark
                    }
                    _ => false,
                };
                let v = if dark { 30 } else { 220 };
                let i = (y * size + x) * 4;
                rgba[i..i + 4].copy_from_slice(&[v, v, v + 10, 255]);
            }
        }
        (rgba, size as u32, size as u32)
    }

    #[test]
    fn reads_a_checkpoint_code_from_a_frame() {
        let token = "anju-cp:est-cuihu:0190f0f0-0000-7000-8000-000000000001:3:0123456789abcdef0123456789abcdef";
        for scale in [3, 5] {
            let (rgba, w, h) = frame(token, scale);
            assert_eq!(
                decode_rgba(&rgba, w, h).as_deref(),
                Some(token),
                "scale {scale}"
            );
        }
    }

    #[test]
    fn a_frame_without_a_code_or_of_the_wrong_size_reads_nothing() {
        let blank = vec![200u8; 64 * 64 * 4];
        assert_eq!(decode_rgba(&blank, 64, 64), None);
        assert_eq!(decode_rgba(&blank, 65, 64), None, "shorter than its size");
        assert_eq!(decode_rgba(&[], 0, 0), None);
        assert_eq!(decode_rgba(&blank, u32::MAX, u32::MAX), None);
    }
}
