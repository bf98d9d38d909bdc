//! Sums of counts that may come from a stored summary, which can hold any
//! figure: checked, so that two forged counts cannot wrap into a small one.

/// A sum beyond `u64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "its counts added to the others' go beyond 2^64")
    }
}

/// Adds `more` to `total`, or fails leaving `total` as it was.
pub fn add(total: &mut u64, more: u64) -> Result<(), Overflow> {
    *total = total.checked_add(more).ok_or(Overflow)?;
    Ok(())
}
