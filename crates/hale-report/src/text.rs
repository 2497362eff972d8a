//! Text for the standard Helvetica font: encoded as WinAnsi (what the font's encoding is set
//! to), and measured with Helvetica's own widths so lines wrap inside the page.

/// `text` as WinAnsi bytes; a character the encoding lacks becomes `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// The width of `text` at `size`, in points, from Helvetica's metrics (per 1,000 units of the
/// em; letters the table lacks count as wide as an "n").
pub fn width(text: &str, size: f32) -> f32 {
    let units: u32 = text.chars().map(advance).sum();
    units as f32 * size / 1000.0
}

fn advance(c: char) -> u32 {
    match c {
        ' ' | '!' | ',' | '.' | '/' | ':' | ';' | 'I' | '[' | ']' | '\\' | 'f' | 't' => 278,
        'i' | 'j' | 'l' | '\'' => 222,
        'r' | '-' | '(' | ')' => 333,
        'm' => 833,
        'w' => 722,
        'W' => 944,
        'M' => 833,
        'A'..='Z' => 667,
        '0'..='9' => 556,
        'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' => 500,
        '%' => 889,
        _ => 556,
    }
}

/// `text` broken into lines no wider than `max` points at `size`, at spaces.
pub fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size) > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_encoded_as_win_ansi_with_a_stand_in_for_what_it_lacks() {
        assert_eq!(win_ansi("5–7 °C é"), b"5\x967 \xb0C \xe9".to_vec());
        assert_eq!(win_ansi("µg 🙂 …"), b"\xb5g ? \x85".to_vec());
    }

    #[test]
    fn long_text_wraps_at_spaces_within_the_width() {
        let lines = wrap(
            "one two three four five six seven eight nine ten",
            10.0,
            80.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 10.0) <= 80.0), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "one two three four five six seven eight nine ten"
        );
    }
}
