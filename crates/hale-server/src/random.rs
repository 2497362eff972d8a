//! Randomness from the operating system, for tokens, ids and booking references.

use crate::FhirError;

/// `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], FhirError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| FhirError::Internal(format!("no randomness: {e}")))?;
    Ok(out)
}

/// A random `u64`.
pub(crate) fn u64() -> Result<u64, FhirError> {
    bytes::<8>().map(u64::from_le_bytes)
}

/// A random (version 4) UUID, as a document's identity.
pub(crate) fn uuid() -> Result<String, FhirError> {
    let mut b = bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}
