//! A patient's pre-visit answers as the console shows them beside their appointment: each
//! question as the form worded it, with the answer given, groups nested.

use hale_fhir::questionnaire::{ResponseAnswer, ResponseItem};
use hale_fhir::Resource;

use crate::html::escape;

/// The answers in `json` (a stored QuestionnaireResponse) as a disclosure: summary first, the
/// questions and answers inside. Nothing when the resource cannot be read.
pub(crate) fn answers_html(json: &str, sent: &str) -> String {
    let Ok(Resource::QuestionnaireResponse(qr)) = serde_json::from_str::<Resource>(json) else {
        return String::new();
    };
    format!(
        r#"<details class="form-answers"><summary>Pre-visit form sent {}</summary>{}</details>"#,
        escape(sent),
        list(&qr.item)
    )
}

fn list(items: &[ResponseItem]) -> String {
    let rows: String = items.iter().map(row).collect();
    format!("<dl>{rows}</dl>")
}

fn row(item: &ResponseItem) -> String {
    let question = escape(item.text.as_deref().unwrap_or(&item.link_id));
    if !item.item.is_empty() && item.answer.is_empty() {
        return format!("<dt>{question}</dt><dd>{}</dd>", list(&item.item));
    }
    let answers: Vec<String> = item.answer.iter().map(|a| escape(&words(a))).collect();
    format!("<dt>{question}</dt><dd>{}</dd>", answers.join("; "))
}

fn words(a: &ResponseAnswer) -> String {
    if let Some(b) = a.value_boolean {
        return if b { "Yes" } else { "No" }.into();
    }
    if let Some(c) = &a.value_coding {
        return c
            .display
            .clone()
            .filter(|d| !d.is_empty())
            .or_else(|| c.code.clone())
            .unwrap_or_default();
    }
    a.value_decimal
        .map(|d| d.to_string())
        .or_else(|| a.value_integer.map(|i| i.to_string()))
        .or_else(|| a.value_date.map(|d| d.format("%d/%m/%Y").to_string()))
        .or_else(|| a.value_string.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_show_as_the_form_worded_them_escaped_and_nested() {
        let stored = json!({
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "item": [
                {"linkId": "symptoms", "text": "How you have been", "item": [
                    {"linkId": "chest-pain", "text": "Chest pain?", "answer": [{"valueBoolean": false}]},
                    {"linkId": "breathless", "text": "Breathless?", "answer": [{"valueCoding": {"code": "heavy", "display": "Only when very active"}}]}
                ]},
                {"linkId": "questions", "text": "Anything to ask?", "answer": [{"valueString": "<b>Can I drive?</b>"}]}
            ]
        })
        .to_string();
        let html = answers_html(&stored, "Sun 06/12/2026 09:00");
        assert!(html.contains("<dt>Chest pain?</dt><dd>No</dd>"), "{html}");
        assert!(html.contains("<dd>Only when very active</dd>"), "{html}");
        assert!(html.contains("&lt;b&gt;Can I drive?&lt;/b&gt;"), "{html}");
        assert!(html.starts_with("<details"), "{html}");
        assert_eq!(answers_html("not json", "x"), "");
    }
}
