//! FHIR R4 OperationOutcome: how the hospital explains a refusal or a failure.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OperationOutcome {
    pub issue: Vec<OutcomeIssue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeIssue {
    pub severity: IssueSeverity,
    pub code: IssueType,
    /// A machine-readable reason, e.g. Hale's refusal codes (system [`REFUSAL_SYSTEM`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<crate::CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

/// The code system of Hale's business-rule refusals in `OperationOutcome.issue.details`.
pub const REFUSAL_SYSTEM: &str = "urn:hale:refusal";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    Fatal,
    Error,
    Warning,
    Information,
}

/// The FHIR `issue-type` codes Hale produces or reacts to; others decode as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueType {
    Invalid,
    Security,
    Login,
    Forbidden,
    NotFound,
    Conflict,
    BusinessRule,
    Throttled,
    Exception,
    NotSupported,
    /// A request or a part of it is larger than the server takes.
    TooLong,
    #[serde(other)]
    Other,
}

impl OperationOutcome {
    /// An outcome with one error issue.
    pub fn error(code: IssueType, diagnostics: impl Into<String>) -> Self {
        Self {
            issue: vec![OutcomeIssue {
                severity: IssueSeverity::Error,
                code,
                details: None,
                diagnostics: Some(diagnostics.into()),
            }],
        }
    }

    /// An outcome refusing a request for a business rule, with its machine-readable code.
    pub fn refusal(code: IssueType, refusal_code: &str, diagnostics: impl Into<String>) -> Self {
        let mut outcome = Self::error(code, diagnostics);
        outcome.issue[0].details = Some(crate::CodeableConcept {
            coding: vec![crate::Coding {
                system: Some(REFUSAL_SYSTEM.into()),
                code: Some(refusal_code.into()),
                display: None,
            }],
            text: None,
        });
        outcome
    }

    /// The Hale refusal code of the first issue that has one.
    pub fn refusal_code(&self) -> Option<&str> {
        self.issue.iter().find_map(|i| {
            i.details
                .as_ref()?
                .coding
                .iter()
                .find(|c| c.system.as_deref() == Some(REFUSAL_SYSTEM))?
                .code
                .as_deref()
        })
    }

    /// The first issue's diagnostics, for messages.
    pub fn diagnostics(&self) -> Option<&str> {
        self.issue.iter().find_map(|i| i.diagnostics.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_issue_codes_still_decode() {
        let o: OperationOutcome = serde_json::from_str(
            r#"{"issue":[{"severity":"error","code":"too-costly","diagnostics":"no"}]}"#,
        )
        .unwrap();
        assert_eq!(o.issue[0].code, IssueType::Other);
        assert_eq!(o.diagnostics(), Some("no"));
    }
}
