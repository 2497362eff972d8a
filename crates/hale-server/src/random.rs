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
