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

/// Decodes an indication of the control point. Both responses are exactly 4 bytes with the
/// Null operator (GSS §3.183; CGMS 1.0.1 §3.6.4 uses the same two): a Number of Stored Records
/// response is op code, operator, uint16; a Response Code is op code, operator, request op
/// code, response code value. Any other width or operator is an error, never a count.
pub fn decode_response(data: &[u8]) -> Result<Response, DecodeError> {
    let mut bytes = Bytes::new(data);
    let op = bytes.u8("op code")?;
    let operator = bytes.u8("operator")?;
    if operator != OPERATOR_NULL {
        return Err(DecodeError::Unexpected {
            field: "response operator",
            value: u32::from(operator),
        });
    }
    let response = match op {
        OP_NUMBER_RESPONSE => Response::NumberOfRecords {
            count: bytes.u16("number of records")?,
        },
        OP_RESPONSE_CODE => {
            let request = bytes.u8("request op code")?;
            let code = ResponseCode::from_code(bytes.u8("response code value")?);
            Response::Outcome { request, code }
        }
        other => {
            return Err(DecodeError::Unexpected {
                field: "op code",
                value: u32::from(other),
            })
        }
    };
    // The control point's responses have no flags and cannot grow.
    bytes.finish(false)?;
    Ok(response)
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

    #[test]
    fn regression_number_of_records_of_the_wrong_width_is_an_error() {
        // Op code 5 is exactly 4 bytes: op code, operator Null, uint16 (GSS §3.183.2). A uint32
        // operand (a CGM implementation's mistake) used to be read as its low 16 bits.
        assert_eq!(
            decode_response(&[0x05, 0x00, 0x2C, 0x01, 0x00, 0x00]),
            Err(DecodeError::TrailingBytes { count: 2 })
        );
        assert_eq!(
            decode_response(&[0x05, 0x00, 0x2C, 0x01, 0x00]),
            Err(DecodeError::TrailingBytes { count: 1 })
        );
        assert_eq!(
            decode_response(&[0x06, 0x00, 0x01, 0x01, 0x00]),
            Err(DecodeError::TrailingBytes { count: 1 })
        );
    }

    #[test]
    fn regression_a_response_operator_other_than_null_is_an_error() {
        assert_eq!(
            decode_response(&[0x05, 0x01, 0x2C, 0x01]),
            Err(DecodeError::Unexpected {
                field: "response operator",
                value: 1
            })
        );
        assert!(decode_response(&[0x06, 0x03, 0x01, 0x01]).is_err());
    }
}
