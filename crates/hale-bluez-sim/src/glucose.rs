//! The Record Access Control Point (0x2A52) of the Glucose Service 1.0, as a pure function: a
//! request and the stored records in, the records to send and the response out. Sending is the
//! simulator's job, so that this part can be unit tested without a bus.

use crate::GlucoseRecord;

/// RACP op codes (Glucose Service 1.0, §3.6).
const REPORT_STORED_RECORDS: u8 = 0x01;
const ABORT_OPERATION: u8 = 0x03;
const REPORT_NUMBER_OF_RECORDS: u8 = 0x04;
const NUMBER_OF_RECORDS_RESPONSE: u8 = 0x05;
const RESPONSE_CODE: u8 = 0x06;

/// RACP operators.
const NULL: u8 = 0x00;
const ALL: u8 = 0x01;
const LESS_OR_EQUAL: u8 = 0x02;
const GREATER_OR_EQUAL: u8 = 0x03;
const WITHIN_RANGE: u8 = 0x04;
const FIRST: u8 = 0x05;
const LAST: u8 = 0x06;

/// Filter types of the operand.
const FILTER_SEQUENCE_NUMBER: u8 = 0x01;
const FILTER_USER_FACING_TIME: u8 = 0x02;

/// RACP response code values.
pub(crate) const SUCCESS: u8 = 0x01;
const OP_CODE_NOT_SUPPORTED: u8 = 0x02;
const INVALID_OPERATOR: u8 = 0x03;
const INVALID_OPERAND: u8 = 0x05;
const NO_RECORDS_FOUND: u8 = 0x06;
const OPERAND_NOT_SUPPORTED: u8 = 0x09;

/// What a RACP write leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Records to send, in order, before the response.
    pub(crate) records: Vec<GlucoseRecord>,
    /// The indication to send on the RACP afterwards.
    pub(crate) response: Vec<u8>,
    /// The request is "abort operation": it stops a report in progress.
    pub(crate) abort: bool,
}

fn respond(op_code: u8, code: u8) -> Plan {
    Plan {
        records: Vec::new(),
        response: vec![RESPONSE_CODE, NULL, op_code, code],
        abort: false,
    }
}

/// Works out the answer to one RACP request.
pub(crate) fn plan(request: &[u8], stored: &[GlucoseRecord]) -> Plan {
    let Some((&op_code, rest)) = request.split_first() else {
        return respond(NULL, OP_CODE_NOT_SUPPORTED);
    };
    match op_code {
        REPORT_STORED_RECORDS | REPORT_NUMBER_OF_RECORDS => {
            let selected = match select(rest, stored) {
                Ok(selected) => selected,
                Err(code) => return respond(op_code, code),
            };
            if op_code == REPORT_NUMBER_OF_RECORDS {
                let [lo, hi] = u16::try_from(selected.len())
                    .unwrap_or(u16::MAX)
                    .to_le_bytes();
                return Plan {
                    records: Vec::new(),
                    response: vec![NUMBER_OF_RECORDS_RESPONSE, NULL, lo, hi],
                    abort: false,
                };
            }
            if selected.is_empty() {
                return respond(op_code, NO_RECORDS_FOUND);
            }
            Plan {
                records: selected,
                response: vec![RESPONSE_CODE, NULL, op_code, SUCCESS],
                abort: false,
            }
        }
        ABORT_OPERATION => {
            // The operator of an abort must be "null" and it has no operand.
            if rest != [NULL] {
                return respond(op_code, INVALID_OPERATOR);
            }
            Plan {
                abort: true,
                ..respond(op_code, SUCCESS)
            }
        }
        // Delete stored records (0x02) is not supported: a simulated meter keeps its memory.
        _ => respond(op_code, OP_CODE_NOT_SUPPORTED),
    }
}

/// Applies operator and operand to the stored records; `Err` carries the RACP response code.
fn select(rest: &[u8], stored: &[GlucoseRecord]) -> Result<Vec<GlucoseRecord>, u8> {
    let Some((&operator, operand)) = rest.split_first() else {
        return Err(INVALID_OPERATOR);
    };
    let mut sorted: Vec<GlucoseRecord> = stored.to_vec();
    sorted.sort_by_key(|record| record.sequence);
    let keep = |range: std::ops::RangeInclusive<u16>| -> Vec<GlucoseRecord> {
        sorted
            .iter()
            .filter(|record| range.contains(&record.sequence))
            .cloned()
            .collect()
    };
    match operator {
        ALL | FIRST | LAST => {
            // These operators take no operand; a real meter rejects one.
            if !operand.is_empty() {
                return Err(INVALID_OPERAND);
            }
            Ok(match operator {
                ALL => sorted.clone(),
                FIRST => sorted.first().cloned().into_iter().collect(),
                _ => sorted.last().cloned().into_iter().collect(),
            })
        }
        LESS_OR_EQUAL | GREATER_OR_EQUAL => {
            let [bound] = sequence_operand::<1>(operand)?;
            Ok(if operator == LESS_OR_EQUAL {
                keep(0..=bound)
            } else {
                keep(bound..=u16::MAX)
            })
        }
        WITHIN_RANGE => {
            let [min, max] = sequence_operand::<2>(operand)?;
            if min > max {
                return Err(INVALID_OPERAND);
            }
            Ok(keep(min..=max))
        }
        _ => Err(INVALID_OPERATOR),
    }
}

/// Parses "filter type 0x01 (sequence number) followed by N little-endian u16".
fn sequence_operand<const N: usize>(operand: &[u8]) -> Result<[u16; N], u8> {
    let Some((&filter, values)) = operand.split_first() else {
        return Err(INVALID_OPERAND);
    };
    match filter {
        FILTER_SEQUENCE_NUMBER => {}
        FILTER_USER_FACING_TIME => return Err(OPERAND_NOT_SUPPORTED),
        _ => return Err(INVALID_OPERAND),
    }
    if values.len() != 2 * N {
        return Err(INVALID_OPERAND);
    }
    let mut out = [0u16; N];
    for (slot, pair) in out.iter_mut().zip(values.chunks_exact(2)) {
        *slot = u16::from_le_bytes([pair[0], pair[1]]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Vec<GlucoseRecord> {
        // Deliberately out of order: the meter reports by sequence number.
        [3u16, 1, 2]
            .into_iter()
            .map(|sequence| GlucoseRecord {
                sequence,
                measurement: vec![u8::try_from(sequence).unwrap()],
                context: None,
            })
            .collect()
    }

    fn sequences(plan: &Plan) -> Vec<u16> {
        plan.records.iter().map(|r| r.sequence).collect()
    }

    #[test]
    fn all_records_in_sequence_order() {
        let plan = plan(&[0x01, 0x01], &records());
        assert_eq!(sequences(&plan), [1, 2, 3]);
        assert_eq!(plan.response, [0x06, 0x00, 0x01, 0x01]);
    }

    #[test]
    fn greater_or_equal_by_sequence_number() {
        let plan = plan(&[0x01, 0x03, 0x01, 0x02, 0x00], &records());
        assert_eq!(sequences(&plan), [2, 3]);
        assert_eq!(plan.response, [0x06, 0x00, 0x01, 0x01]);
    }

    #[test]
    fn less_or_equal_range_first_last() {
        assert_eq!(
            sequences(&plan(&[0x01, 0x02, 0x01, 0x02, 0x00], &records())),
            [1, 2]
        );
        assert_eq!(
            sequences(&plan(
                &[0x01, 0x04, 0x01, 0x02, 0x00, 0x02, 0x00],
                &records()
            )),
            [2]
        );
        assert_eq!(sequences(&plan(&[0x01, 0x05], &records())), [1]);
        assert_eq!(sequences(&plan(&[0x01, 0x06], &records())), [3]);
    }

    #[test]
    fn no_records_found() {
        let plan = plan(&[0x01, 0x03, 0x01, 0x09, 0x00], &records());
        assert!(plan.records.is_empty());
        assert_eq!(plan.response, [0x06, 0x00, 0x01, 0x06]);
        assert_eq!(
            super::plan(&[0x01, 0x01], &[]).response,
            [0x06, 0x00, 0x01, 0x06]
        );
    }

    #[test]
    fn number_of_records() {
        assert_eq!(
            plan(&[0x04, 0x01], &records()).response,
            [0x05, 0x00, 0x03, 0x00]
        );
        assert_eq!(
            plan(&[0x04, 0x03, 0x01, 0x03, 0x00], &records()).response,
            [0x05, 0x00, 0x01, 0x00]
        );
        assert_eq!(plan(&[0x04, 0x01], &[]).response, [0x05, 0x00, 0x00, 0x00]);
    }

    #[test]
    fn errors() {
        // Unsupported op code (delete), bad operator, missing operator.
        assert_eq!(
            plan(&[0x02, 0x01], &records()).response,
            [0x06, 0x00, 0x02, 0x02]
        );
        assert_eq!(
            plan(&[0x01, 0x07], &records()).response,
            [0x06, 0x00, 0x01, 0x03]
        );
        assert_eq!(
            plan(&[0x01, 0x00], &records()).response,
            [0x06, 0x00, 0x01, 0x03]
        );
        assert_eq!(plan(&[0x01], &records()).response, [0x06, 0x00, 0x01, 0x03]);
        assert_eq!(plan(&[], &records()).response, [0x06, 0x00, 0x00, 0x02]);
        // Operand problems.
        assert_eq!(
            plan(&[0x01, 0x03, 0x01, 0x02], &records()).response,
            [0x06, 0x00, 0x01, 0x05]
        );
        assert_eq!(
            plan(&[0x01, 0x03, 0x02, 0, 0, 0, 0, 0, 0, 0], &records()).response,
            [0x06, 0x00, 0x01, 0x09]
        );
        assert_eq!(
            plan(&[0x01, 0x01, 0x01], &records()).response,
            [0x06, 0x00, 0x01, 0x05]
        );
        assert_eq!(
            plan(&[0x01, 0x04, 0x01, 0x03, 0x00, 0x01, 0x00], &records()).response,
            [0x06, 0x00, 0x01, 0x05]
        );
    }

    #[test]
    fn abort() {
        let plan = plan(&[0x03, 0x00], &records());
        assert!(plan.abort);
        assert_eq!(plan.response, [0x06, 0x00, 0x03, 0x01]);
        assert_eq!(
            super::plan(&[0x03, 0x01], &[]).response,
            [0x06, 0x00, 0x03, 0x03]
        );
    }
}
