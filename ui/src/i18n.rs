//! Words in more than one language. The texts live in `ui/locales/*.ftl`, one file per locale, in
//! the simple part of Fluent's syntax (`id = text`, `{ $name }` for a value), so translators can
//! use Fluent's tools and the patient app can move its own words there later. The kiosk is the
//! first user: a patient picks English, Polski or اردو at its start.
//!
//! Each message is a `Msg`, so a missing id is a compile error here and a missing translation a
//! failing test, never a blank on a screen.

use std::collections::HashMap;

/// A language the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Pl,
    Ur,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Pl, Locale::Ur];

    /// Its BCP 47 tag, for `lang`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en-GB",
            Locale::Pl => "pl",
            Locale::Ur => "ur",
        }
    }

    /// Its name in its own language, as a chooser shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Pl => "Polski",
            Locale::Ur => "اردو",
        }
    }

    /// `rtl` for a language written right to left, for `dir`.
    pub fn dir(self) -> &'static str {
        match self {
            Locale::Ur => "rtl",
            Locale::En | Locale::Pl => "ltr",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Locale::En => include_str!("../locales/en.ftl"),
            Locale::Pl => include_str!("../locales/pl.ftl"),
            Locale::Ur => include_str!("../locales/ur.ftl"),
        }
    }
}

macro_rules! messages {
    ($($name:ident = $id:literal,)*) => {
        /// One message, by its id in the `.ftl` files.
        // Named by screen, so the kiosk's all share a prefix until the app's own join them.
        #[allow(clippy::enum_variant_names)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Msg { $($name,)* }

        impl Msg {
            #[cfg(test)]
            pub const ALL: &'static [Msg] = &[$(Msg::$name,)*];

            pub fn id(self) -> &'static str {
                match self { $(Msg::$name => $id,)* }
            }
        }
    };
}

messages! {
    KioskWelcome = "kiosk-welcome",
    KioskLanguage = "kiosk-language",
    KioskTitle = "kiosk-title",
    KioskReference = "kiosk-reference",
    KioskReferenceHint = "kiosk-reference-hint",
    KioskBirthDate = "kiosk-birth-date",
    KioskDay = "kiosk-day",
    KioskMonth = "kiosk-month",
    KioskYear = "kiosk-year",
    KioskKeypad = "kiosk-keypad",
    KioskKeyDelete = "kiosk-key-delete",
    KioskKeyNext = "kiosk-key-next",
    KioskCheckIn = "kiosk-check-in",
    KioskBusy = "kiosk-busy",
    KioskReferenceMissing = "kiosk-reference-missing",
    KioskDobNumbers = "kiosk-dob-numbers",
    KioskDobYear = "kiosk-dob-year",
    KioskDobNoSuchDate = "kiosk-dob-no-such-date",
    KioskCheckedIn = "kiosk-checked-in",
    KioskGoTo = "kiosk-go-to",
    KioskQueue = "kiosk-queue",
    KioskTooEarly = "kiosk-too-early",
    KioskOpensAt = "kiosk-opens-at",
    KioskSeeReception = "kiosk-see-reception",
    KioskNotHere = "kiosk-not-here",
    KioskNotMatched = "kiosk-not-matched",
    KioskNotMatchedDetail = "kiosk-not-matched-detail",
    KioskCheckReference = "kiosk-check-reference",
    KioskCheckReferenceDetail = "kiosk-check-reference-detail",
    KioskTooMany = "kiosk-too-many",
    KioskCheckBirthDate = "kiosk-check-birth-date",
    KioskUnavailable = "kiosk-unavailable",
    KioskTryAgain = "kiosk-try-again",
    KioskDone = "kiosk-done",
    KioskClearsIn = "kiosk-clears-in",
    KioskStillThere = "kiosk-still-there",
    KioskFormOffer = "kiosk-form-offer",
    KioskFormStart = "kiosk-form-start",
    KioskFormKept = "kiosk-form-kept",
    KioskFormSent = "kiosk-form-sent",
    KioskFormClosed = "kiosk-form-closed",
    KioskFormLeave = "kiosk-form-leave",
}

/// A problem in a locale file: what a test reports, naming the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pub line: usize,
    pub problem: &'static str,
}

/// A locale file's messages by id. Comments (`#`) and blank lines are skipped; anything else
/// must be `id = text` on one line.
pub fn parse(source: &str) -> Result<HashMap<&str, &str>, CatalogError> {
    let mut out = HashMap::new();
    for (i, line) in source.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fail = |problem| CatalogError {
            line: line_no,
            problem,
        };
        let (id, text) = trimmed.split_once(" = ").ok_or(fail("not `id = text`"))?;
        if !id.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            return Err(fail("an id is lower case with dashes"));
        }
        if text.trim().is_empty() {
            return Err(fail("a message has no text"));
        }
        if out.insert(id, text.trim()).is_some() {
            return Err(fail("an id appears twice"));
        }
    }
    Ok(out)
}

thread_local! {
    // Parsed once; the sources are part of the binary, and the tests prove each parses whole.
    static CATALOGS: HashMap<Locale, HashMap<&'static str, &'static str>> = Locale::ALL
        .iter()
        .map(|&l| (l, parse(l.source()).unwrap_or_default()))
        .collect();
}

/// `msg` in `locale`, with each `{ $name }` replaced by its value. A value is set apart from
/// text written the other way (Unicode isolates), as Fluent does, so a location in Latin
/// letters reads in order inside an Urdu sentence.
pub fn text(locale: Locale, msg: Msg, values: &[(&str, &str)]) -> String {
    let template = CATALOGS.with(|c| {
        c.get(&locale)
            .and_then(|m| m.get(msg.id()).copied())
            .or_else(|| c.get(&Locale::En).and_then(|m| m.get(msg.id()).copied()))
            .unwrap_or("")
    });
    let mut out = template.to_owned();
    for (name, value) in values {
        let value = if locale.dir() == "rtl" {
            format!("\u{2068}{value}\u{2069}")
        } else {
            (*value).to_owned()
        };
        out = out.replace(&format!("{{ ${name} }}"), &value);
    }
    out
}

/// `msg` in `locale`, for a message without values.
pub fn t(locale: Locale, msg: Msg) -> String {
    text(locale, msg, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of the values a text takes, in order: `{ $name }`.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{ $") {
            let after = &rest[start + 3..];
            let Some(end) = after.find(" }") else { break };
            out.push(&after[..end]);
            rest = &after[end + 2..];
        }
        out
    }

    #[test]
    fn every_locale_file_parses_whole() {
        for locale in Locale::ALL {
            if let Err(e) = parse(locale.source()) {
                panic!("{}: line {}: {}", locale.tag(), e.line, e.problem);
            }
        }
    }

    #[test]
    fn every_locale_has_every_message_and_nothing_else() {
        for locale in Locale::ALL {
            let catalog = parse(locale.source()).unwrap();
            for msg in Msg::ALL {
                assert!(
                    catalog.contains_key(msg.id()),
                    "{} lacks {}",
                    locale.tag(),
                    msg.id()
                );
            }
            for id in catalog.keys() {
                assert!(
                    Msg::ALL.iter().any(|m| m.id() == *id),
                    "{} has {id}, which no Msg names",
                    locale.tag()
                );
            }
        }
    }

    #[test]
    fn every_translation_takes_the_same_values_as_the_english() {
        let english = parse(Locale::En.source()).unwrap();
        for locale in Locale::ALL.into_iter().filter(|l| *l != Locale::En) {
            let catalog = parse(locale.source()).unwrap();
            for msg in Msg::ALL {
                let mut want = placeholders(english[msg.id()]);
                let mut got = placeholders(catalog[msg.id()]);
                // Word order differs between languages; the set of values must not.
                want.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, want, "{} {}", locale.tag(), msg.id());
            }
        }
    }

    #[test]
    fn values_are_put_in_and_isolated_only_in_a_right_to_left_language() {
        let values = [("position", "3"), ("minutes", "25")];
        assert_eq!(
            text(Locale::En, Msg::KioskQueue, &values),
            "Your place in the queue: 3. The wait is about 25 min."
        );
        let urdu = text(Locale::Ur, Msg::KioskQueue, &values);
        assert!(urdu.contains("\u{2068}3\u{2069}"), "{urdu}");
        assert!(!urdu.contains('$'), "{urdu}");
    }

    #[test]
    fn broken_lines_are_refused_with_their_line_number() {
        assert_eq!(parse("a = b\nno equals here").unwrap_err().line, 2);
        assert_eq!(
            parse("a = b\na = c").unwrap_err().problem,
            "an id appears twice"
        );
        assert_eq!(parse("Bad_Id = x").unwrap_err().line, 1);
        assert_eq!(placeholders("{ $a } and { $b }"), ["a", "b"]);
    }
}
