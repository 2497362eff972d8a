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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

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
    Throttled,
    Exception,
    NotSupported,
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
                diagnostics: Some(diagnostics.into()),
            }],
        }
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
            r#"{"issue":[{"severity":"error","code":"business-rule","diagnostics":"no"}]}"#,
        )
        .unwrap();
        assert_eq!(o.issue[0].code, IssueType::Other);
        assert_eq!(o.diagnostics(), Some("no"));
    }
}
