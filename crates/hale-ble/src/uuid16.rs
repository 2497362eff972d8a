//! 16-bit Bluetooth SIG UUIDs in the base UUID 0000xxxx-0000-1000-8000-00805f9b34fb.

use uuid::Uuid;

const BASE_TAIL: [u8; 8] = [0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb];

/// The full UUID of a 16-bit SIG UUID.
pub fn full_uuid(short: u16) -> Uuid {
    Uuid::from_fields(u32::from(short), 0x0000, 0x1000, &BASE_TAIL)
}

/// The 16-bit SIG UUID inside `uuid`, if it is one.
pub fn short_uuid(uuid: &Uuid) -> Option<u16> {
    let (d1, d2, d3, d4) = uuid.as_fields();
    if d2 == 0 && d3 == 0x1000 && *d4 == BASE_TAIL {
        u16::try_from(d1).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_foreign_uuids() {
        assert_eq!(
            full_uuid(0x180D).to_string(),
            "0000180d-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(short_uuid(&full_uuid(0x2A37)), Some(0x2A37));
        let vendor = Uuid::parse_str("6e400001-b5a3-f393-e0a9-e50e24dcca9e").unwrap();
        assert_eq!(short_uuid(&vendor), None);
        let wide = Uuid::parse_str("12345678-0000-1000-8000-00805f9b34fb").unwrap();
        assert_eq!(short_uuid(&wide), None);
    }
}
