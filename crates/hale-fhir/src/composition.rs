//! FHIR R4 `Composition` and `Organization`: the head of a document Bundle, and who wrote and
//! keeps it. Hale writes one kind of document, the International Patient Summary (see `ips`).

use serde::{Deserialize, Serialize};

use crate::{CodeableConcept, Identifier, Reference};

/// A document's head: what it is, whom it is about, who wrote it, and its sections.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Composition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<crate::datatypes::Meta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Narrative>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    // Required in R4, yet defaulted when read, so another's malformed document does not make a
    // whole Bundle unreadable.
    /// preliminary | final | amended | entered-in-error
    #[serde(default)]
    pub status: String,
    #[serde(rename = "type", default)]
    pub kind: CodeableConcept,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// A FHIR dateTime, which may be partial ("2026-12").
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub author: Vec<Reference>,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custodian: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub section: Vec<Section>,
}

/// One titled part of a document: what it lists, or why it lists nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub code: CodeableConcept,
    #[serde(default)]
    pub text: Narrative,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_reason: Option<CodeableConcept>,
}

/// The human-readable part of a resource: XHTML, with its `status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Narrative {
    /// generated | extensions | additional | empty
    pub status: String,
    pub div: String,
}

impl Narrative {
    /// A generated narrative of `paragraphs` then `items` (a list), each escaped as XHTML text.
    pub fn generated(paragraphs: &[&str], items: &[String]) -> Self {
        let mut div = String::from(r#"<div xmlns="http://www.w3.org/1999/xhtml">"#);
        for p in paragraphs {
            div.push_str("<p>");
            div.push_str(&escape(p));
            div.push_str("</p>");
        }
        if !items.is_empty() {
            div.push_str("<ul>");
            for item in items {
                div.push_str("<li>");
                div.push_str(&escape(item));
                div.push_str("</li>");
            }
            div.push_str("</ul>");
        }
        div.push_str("</div>");
        Self {
            status: "generated".into(),
            div,
        }
    }
}

/// `text` as XHTML character data: a medicine's or a hospital's name can hold `<` or `&`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML has no place for other control characters: the narrative would not parse.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// An organisation: here, the hospital that writes and keeps a document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Organization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_narrative_escapes_what_it_is_given() {
        let n = Narrative::generated(&["A & B\u{7}"], &["<script>\"x\"</script>".into()]);
        assert_eq!(
            n.div,
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>A &amp; B</p><ul>\
             <li>&lt;script&gt;&quot;x&quot;&lt;/script&gt;</li></ul></div>"
        );
        assert_eq!(n.status, "generated");
    }

    #[test]
    fn a_narrative_without_items_has_no_empty_list() {
        let n = Narrative::generated(&["Nothing recorded."], &[]);
        assert!(!n.div.contains("<ul>"), "{}", n.div);
    }
}
