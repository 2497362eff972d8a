//! A cursor over a characteristic value: little-endian fields read in spec order, each read
//! either succeeding or naming the field that was cut short.

use chrono::{NaiveDate, NaiveDateTime};

use super::numeric::{Float, SFloat};
use super::DecodeError;

/// Reads a GATT value front to back. Every read is bounds-checked; nothing here can panic.
#[derive(Debug, Clone)]
pub(crate) struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    fn take<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let end = self.at.checked_add(N).filter(|end| *end <= self.data.len());
        let Some(end) = end else {
            return Err(DecodeError::Truncated {
                field,
                offset: self.at,
                needed: N,
                length: self.data.len(),
            });
        };
        let mut out = [0u8; N];
        out.copy_from_slice(&self.data[self.at..end]);
        self.at = end;
        Ok(out)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take::<1>(field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.take::<2>(field)?))
    }

    pub(crate) fn i16(&mut self, field: &'static str) -> Result<i16, DecodeError> {
        Ok(i16::from_le_bytes(self.take::<2>(field)?))
    }

    pub(crate) fn u24(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let [a, b, c] = self.take::<3>(field)?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    pub(crate) fn sfloat(&mut self, field: &'static str) -> Result<SFloat, DecodeError> {
        Ok(SFloat::from_raw(self.u16(field)?))
    }

    pub(crate) fn float(&mut self, field: &'static str) -> Result<Float, DecodeError> {
        Ok(Float::from_raw(u32::from_le_bytes(self.take::<4>(field)?)))
    }

    /// The GATT Date Time (7 bytes). Any unknown part (a zero year, month or day) or an
    /// impossible date gives `None`: the reading then takes the time it was received.
    pub(crate) fn date_time(
        &mut self,
        field: &'static str,
    ) -> Result<Option<NaiveDateTime>, DecodeError> {
        let year = self.u16(field)?;
        let [month, day, hours, minutes, seconds] = self.take::<5>(field)?;
        if year == 0 || month == 0 || day == 0 {
            return Ok(None);
        }
        Ok(
            NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day)).and_then(
                |date| date.and_hms_opt(u32::from(hours), u32::from(minutes), u32::from(seconds)),
            ),
        )
    }

    /// The bytes left; repeated trailing fields (RR intervals) read until this is empty.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.at
    }

    /// Ends a value whose fields are all read. Bytes left over are refused, unless the value
    /// may have grown: a flag the specification reserves for future use is set (a later
    /// version's optional field follows, which this version skips). A value with no reserved
    /// flag set has nothing after its last field, so extra bytes mean it was misread.
    pub(crate) fn finish(&self, may_grow: bool) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            _ if may_grow => Ok(()),
            count => Err(DecodeError::TrailingBytes { count }),
        }
    }

    /// Skips `count` bytes (a field this version does not read), or names it cut short.
    pub(crate) fn skip(&mut self, count: usize, field: &'static str) -> Result<(), DecodeError> {
        if self.remaining() < count {
            return Err(DecodeError::Truncated {
                field,
                offset: self.at,
                needed: count,
                length: self.data.len(),
            });
        }
        self.at += count;
        Ok(())
    }

    /// The bytes read so far (what an E2E-CRC covers).
    pub(crate) fn consumed(&self) -> &'a [u8] {
        &self.data[..self.at]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reads_name_the_field_and_offset() {
        let mut bytes = Bytes::new(&[0x01, 0x02, 0x03]);
        assert_eq!(bytes.u16("first").unwrap(), 0x0201);
        assert_eq!(
            bytes.u16("second"),
            Err(DecodeError::Truncated {
                field: "second",
                offset: 2,
                needed: 2,
                length: 3
            })
        );
    }

    #[test]
    fn date_time_with_unknown_parts_is_no_time() {
        // 2026-12-02 08:30:15
        let known = [0xEA, 0x07, 12, 2, 8, 30, 15];
        let time = Bytes::new(&known).date_time("t").unwrap().unwrap();
        assert_eq!(time.to_string(), "2026-12-02 08:30:15");
        // Year 0 means "not known", never the year zero.
        assert_eq!(
            Bytes::new(&[0, 0, 12, 2, 8, 30, 15])
                .date_time("t")
                .unwrap(),
            None
        );
        assert_eq!(
            Bytes::new(&[0xEA, 0x07, 0, 2, 8, 30, 15])
                .date_time("t")
                .unwrap(),
            None
        );
        // 31 February and hour 25 do not exist.
        assert_eq!(
            Bytes::new(&[0xEA, 0x07, 2, 31, 8, 30, 15])
                .date_time("t")
                .unwrap(),
            None
        );
        assert_eq!(
            Bytes::new(&[0xEA, 0x07, 2, 3, 25, 30, 15])
                .date_time("t")
                .unwrap(),
            None
        );
    }
}
