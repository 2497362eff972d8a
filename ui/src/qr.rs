//! QR codes of booking references. A kiosk's scanner reads the code and types the reference,
//! so the code holds exactly the text the patient would type, nothing else.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `text` as an SVG document, or `None` if it cannot be encoded.
///
/// Error correction M (15 %) survives a scratched phone screen; black on white with the
/// standard quiet zone keeps scanners happy in dark mode too.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a code back the way a scanner would: modules → pixels → rqrr.
    fn read_back(text: &str) -> String {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
        let width = code.width();
        let colors = code.to_colors();
        let (scale, quiet) = (4, 4);
        let side = (width + 2 * quiet) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / scale, y / scale);
            let dark = (quiet..quiet + width).contains(&mx)
                && (quiet..quiet + width).contains(&my)
                && colors[(my - quiet) * width + (mx - quiet)] == qrcode::Color::Dark;
            if dark {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn a_booking_reference_reads_back_exactly() {
        assert_eq!(read_back("HALE-7K3M9Q2P"), "HALE-7K3M9Q2P");
    }

    #[test]
    fn the_svg_is_a_standalone_black_on_white_image() {
        let svg = svg("7K3M-9Q2PX").unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("#000000") && svg.contains("#ffffff"));
    }
}
