//! Record Access Control Point (0x2A52), Glucose Service 1.0 §3.4 and the GATT Specification
//! Supplement §3.183: the requests the app writes and the indications the meter answers with.

use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::DecodeError;

pub const OP_REPORT_RECORDS: u8 = 0x01;
pub const OP_ABORT: u8 = 0x03;
pub const OP_REPORT_NUMBER: u8 = 0x04;
const OP_NUMBER_RESPONSE: u8 = 0x05;
const OP_RESPONSE_CODE: u8 = 0x06;
const OPERATOR_NULL: u8 = 0x00;
const OPERATOR_ALL: u8 = 0x01;
const OPERATOR_AT_LEAST: u8 = 0x03;
const FILTER_SEQUENCE: u8 = 0x01;

/// Which stored records to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    All,
    /// Records with a sequence number greater than this one: the ones not yet stored.
    After(u16),
}

/// The request to report stored records, or `None` when nothing newer can exist (the last
/// stored record already has the highest sequence number).
pub fn report_records(which: Records) -> Option<Vec<u8>> {
    match which {
        Records::All => Some(vec![OP_REPORT_RECORDS, OPERATOR_ALL]),
        Records::After(last) => {
            let first = last.checked_add(1)?;
            let [lo, hi] = first.to_le_bytes();
            Some(vec![
                OP_REPORT_RECORDS,
                OPERATOR_AT_LEAST,
                FILTER_SEQUENCE,
                lo,
                hi,
            ])
        }
    }
}

/// The request to count the stored records that [`report_records`] would send.
pub fn report_number(which: Records) -> Option<Vec<u8>> {
    let mut request = report_records(which)?;
    request[0] = OP_REPORT_NUMBER;
    Some(request)
}

pub fn abort() -> Vec<u8> {
    vec![OP_ABORT, OPERATOR_NULL]
}

/// The meter's answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Response {
    /// How many records match (a 16-bit count).
    NumberOfRecords { count: u16 },
    /// The outcome of the request with op code `request`.
    Outcome { request: u8, code: ResponseCode },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseCode {
    Success,
    OpCodeNotSupported,
    InvalidOperator,
    OperatorNotSupported,
    InvalidOperand,
    NoRecordsFound,
    AbortUnsuccessful,
    ProcedureNotCompleted,
    OperandNotSupported,
    Other(u8),
}

impl ResponseCode {
    fn from_code(code: u8) -> Self {
        match code {
            1 => Self::Success,
            2 => Self::OpCodeNotSupported,
            3 => Self::InvalidOperator,
            4 => Self::OperatorNotSupported,
            5 => Self::InvalidOperand,
            6 => Self::NoRecordsFound,
            7 => Self::AbortUnsuccessful,
            8 => Self::ProcedureNotCompleted,
            9 => Self::OperandNotSupported,
            other => Self::Other(other),
        }
    }

    /// Whether the transfer ended as it should: every record sent, or there were none.
    pub fn is_complete(self) -> bool {
        matches!(self, Self::Success | Self::NoRecordsFound)
    }
}

pub fn decode_response(data: &[u8]) -> Result<Response, DecodeError> {
    let mut bytes = Bytes::new(data);
    let op = bytes.u8("op code")?;
    let _operator = bytes.u8("operator")?;
    match op {
        OP_NUMBER_RESPONSE => Ok(Response::NumberOfRecords {
            count: bytes.u16("number of records")?,
        }),
        OP_RESPONSE_CODE => {
            let request = bytes.u8("request op code")?;
            let code = ResponseCode::from_code(bytes.u8("response code value")?);
            Ok(Response::Outcome { request, code })
        }
        other => Err(DecodeError::Unexpected {
            field: "op code",
            value: u32::from(other),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_records_after_the_last_stored() {
        assert_eq!(report_records(Records::All).unwrap(), vec![0x01, 0x01]);
        // After 298 means "≥ 299": 0x012B little-endian.
        assert_eq!(
            report_records(Records::After(298)).unwrap(),
            vec![0x01, 0x03, 0x01, 0x2B, 0x01]
        );
        assert_eq!(
            report_number(Records::After(0)).unwrap(),
            vec![0x04, 0x03, 0x01, 0x01, 0x00]
        );
        assert_eq!(report_records(Records::After(u16::MAX)), None);
        assert_eq!(abort(), vec![0x03, 0x00]);
    }

    #[test]
    fn responses() {
        assert_eq!(
            decode_response(&[0x05, 0x00, 0x2C, 0x01]).unwrap(),
            Response::NumberOfRecords { count: 300 }
        );
        assert_eq!(
            decode_response(&[0x06, 0x00, 0x01, 0x01]).unwrap(),
            Response::Outcome {
                request: 1,
                code: ResponseCode::Success
            }
        );
        let Response::Outcome { code, .. } = decode_response(&[0x06, 0x00, 0x01, 0x06]).unwrap()
        else {
            panic!("an outcome")
        };
        assert!(code.is_complete());
        assert!(!ResponseCode::ProcedureNotCompleted.is_complete());
    }

    #[test]
    fn malformed_responses() {
        // A count one byte wide is the wrong width: an error, not a count.
        assert!(decode_response(&[0x05, 0x00, 0x2C]).is_err());
        assert!(decode_response(&[0x06, 0x00, 0x01]).is_err());
        assert!(matches!(
            decode_response(&[0x09, 0x00]),
            Err(DecodeError::Unexpected { .. })
        ));
        assert!(decode_response(&[]).is_err());
    }
}
