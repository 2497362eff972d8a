//! The app's icons: drawn here as inline SVG (24 × 24, stroked in the text colour), so nothing is
//! fetched at run time and each follows the theme. Every icon is decoration beside a visible
//! label, so each is hidden from assistive technology.

use leptos::prelude::*;

/// One icon's drawing, inside a 24 × 24 box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Today,
    Calendar,
    Pill,
    Parking,
    More,
    Heartbeat,
    Clock,
    People,
    Sliders,
    Tick,
    Warning,
    Plus,
    Info,
    Backspace,
}

impl Icon {
    fn paths(self) -> &'static str {
        match self {
            Icon::Today => {
                r#"<circle cx="12" cy="12" r="4"/><path d="M12 2v2M12 20v2M2 12h2M20 12h2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"/>"#
            }
            Icon::Calendar => {
                r#"<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/>"#
            }
            Icon::Pill => {
                r#"<rect x="2.5" y="8.5" width="19" height="7" rx="3.5" transform="rotate(-45 12 12)"/><path d="M8.6 8.6l6.8 6.8"/>"#
            }
            Icon::Parking => {
                r#"<rect x="3" y="3" width="18" height="18" rx="3"/><path d="M9.5 17V7h3.5a3 3 0 0 1 0 6H9.5"/>"#
            }
            Icon::More => {
                r#"<circle cx="5" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/><circle cx="19" cy="12" r="1.5"/>"#
            }
            Icon::Heartbeat => r#"<path d="M2 12h4l2.5-6 4 12 2.5-6h7"/>"#,
            Icon::Clock => r#"<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3.5 2"/>"#,
            Icon::People => {
                r#"<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0"/><circle cx="17.5" cy="9" r="2.5"/><path d="M16.5 14.2A5 5 0 0 1 21.5 19"/>"#
            }
            Icon::Sliders => {
                r#"<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>"#
            }
            Icon::Tick => r#"<path d="M5 12.5l4.5 4.5L19 7"/>"#,
            Icon::Warning => r#"<path d="M12 3.5L22 20.5H2z"/><path d="M12 10v4.5M12 17.5v.5"/>"#,
            Icon::Plus => r#"<path d="M12 5v14M5 12h14"/>"#,
            Icon::Info => r#"<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>"#,
            Icon::Backspace => {
                r#"<path d="M21 5H9l-6 7 6 7h12z"/><path d="M12.5 9.5l5 5M17.5 9.5l-5 5"/>"#
            }
        }
    }

    /// The whole `<svg>` element.
    pub fn svg(self) -> String {
        format!(
            r#"<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>"#,
            self.paths()
        )
    }
}

/// An icon as an element, for beside a label.
#[component]
pub fn IconView(icon: Icon) -> impl IntoView {
    view! { <span class="icon" aria-hidden="true" inner_html=icon.svg()></span> }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Icon; 14] = [
        Icon::Today,
        Icon::Calendar,
        Icon::Pill,
        Icon::Parking,
        Icon::More,
        Icon::Heartbeat,
        Icon::Clock,
        Icon::People,
        Icon::Sliders,
        Icon::Tick,
        Icon::Warning,
        Icon::Plus,
        Icon::Info,
        Icon::Backspace,
    ];

    #[test]
    fn every_icon_is_hidden_from_screen_readers_and_draws_in_the_text_colour() {
        for icon in ALL {
            let svg = icon.svg();
            assert!(svg.contains(r#"aria-hidden="true""#), "{icon:?}");
            assert!(svg.contains(r#"stroke="currentColor""#), "{icon:?}");
            assert!(!svg.contains("http"), "{icon:?} fetches nothing");
            assert_eq!(svg.matches("<svg").count(), 1);
        }
    }
}
