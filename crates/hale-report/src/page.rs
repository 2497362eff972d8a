//! A4 pages filled top to bottom: a cursor that moves down as text, tables and charts are
//! placed, and a new page when the next thing would not fit.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::text::{width, win_ansi, wrap};

pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;
pub const MARGIN: f32 = 50.0;
/// The width between the margins.
pub const BODY: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const FONT: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

pub struct Document {
    pages: Vec<Content>,
    /// The baseline of the next line, from the page's foot.
    y: f32,
}

impl Document {
    pub fn new() -> Self {
        Self {
            pages: vec![Content::new()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    /// Room for `height` points below the cursor, on a new page if need be.
    pub fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    /// Moves the cursor down by `height`, returning where it was.
    pub fn take(&mut self, height: f32) -> f32 {
        self.room(height);
        let top = self.y;
        self.y -= height;
        top
    }

    pub fn content(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a document has a page")
    }

    /// `text` at (`x`, `y`) in the regular or bold face.
    pub fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { BOLD } else { FONT };
        let c = self.content();
        c.begin_text();
        c.set_font(font, size);
        c.next_line(x, y);
        c.show(Str(&win_ansi(text)));
        c.end_text();
    }

    pub fn title(&mut self, text: &str) {
        let y = self.take(26.0);
        self.text_at(MARGIN, y - 20.0, 20.0, true, text);
    }

    pub fn heading(&mut self, text: &str) {
        // A heading is never the last line of a page.
        self.room(60.0);
        self.take(10.0);
        let y = self.take(20.0);
        self.text_at(MARGIN, y - 14.0, 14.0, true, text);
    }

    pub fn subheading(&mut self, text: &str) {
        self.room(40.0);
        let y = self.take(18.0);
        self.text_at(MARGIN, y - 12.0, 11.5, true, text);
    }

    pub fn line(&mut self, text: &str, size: f32) {
        let y = self.take(size * 1.4);
        self.text_at(MARGIN, y - size, size, false, text);
    }

    /// `text` wrapped to the body's width.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        for line in wrap(text, size, BODY) {
            self.line(&line, size);
        }
        self.take(size * 0.4);
    }

    /// A table: `columns` are (header, x offset from the margin); each row has a cell per
    /// column, cut short with "…" where it would run into the next column.
    pub fn table(&mut self, columns: &[(&str, f32)], rows: Vec<Vec<String>>) {
        let size = 9.5;
        let row_height = size * 1.6;
        let header: Vec<String> = columns.iter().map(|(h, _)| (*h).to_owned()).collect();
        self.row(columns, &header, size, true);
        let y = self.y + 3.0;
        self.content()
            .set_line_width(0.5)
            .move_to(MARGIN, y)
            .line_to(MARGIN + BODY, y)
            .stroke();
        for row in &rows {
            self.room(row_height);
            self.row(columns, row, size, false);
        }
        self.take(size * 0.6);
    }

    fn row(&mut self, columns: &[(&str, f32)], cells: &[String], size: f32, bold: bool) {
        let y = self.take(size * 1.6);
        for (i, ((_, x), cell)) in columns.iter().zip(cells).enumerate() {
            let next = columns.get(i + 1).map_or(BODY, |(_, x)| *x);
            let room = next - x - 6.0;
            let shown = fit(cell, size, room);
            self.text_at(MARGIN + x, y - size, size, bold, &shown);
        }
    }

    /// The finished PDF, titled for `who`.
    pub fn finish(self, who: &str) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let font = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first_page = 6;
        let count = self.pages.len();
        let page_ids: Vec<Ref> = (0..count)
            .map(|i| Ref::new(first_page + 2 * i as i32))
            .collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(count as i32);
        for (i, content) in self.pages.into_iter().enumerate() {
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
            page.parent(tree);
            page.contents(content_id);
            let mut resources = page.resources();
            resources.fonts().pair(FONT, font).pair(BOLD, bold);
            resources.finish();
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        for (id, face) in [(font, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
            pdf.type1_font(id)
                .base_font(Name(face))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info)
            .title(TextStr(&format!("Health report: {who}")))
            .producer(TextStr("Hale"));
        pdf.finish()
    }
}

/// `text`, cut short with "…" until it is no wider than `room` at `size`.
fn fit(text: &str, size: f32, room: f32) -> String {
    if width(text, size) <= room {
        return text.to_owned();
    }
    let mut kept: Vec<char> = text.chars().collect();
    while !kept.is_empty() {
        kept.pop();
        let shown = format!("{}…", kept.iter().collect::<String>().trim_end());
        if width(&shown, size) <= room {
            return shown;
        }
    }
    "…".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_too_wide_for_its_column_is_cut_short_and_a_narrow_one_is_kept() {
        assert_eq!(fit("Metformin", 10.0, 200.0), "Metformin");
        let cut = fit("Metformin 500 mg modified-release tablets", 10.0, 80.0);
        assert!(cut.ends_with('…') && width(&cut, 10.0) <= 80.0, "{cut}");
        assert_eq!(fit("Metformin", 10.0, 1.0), "…");
    }
}
