//! A set of the members of a small enum, kept as bits.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

/// An enum whose members can be kept in an [`EnumSet`].
pub trait Member: Copy + 'static {
    /// Every member, in the order sets list them.
    const ALL: &'static [Self];
    /// The member's bit, below 32.
    fn bit(self) -> u32;
}

#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct EnumSet<T> {
    bits: u32,
    #[serde(skip)]
    members: PhantomData<T>,
}

impl<T: Member> EnumSet<T> {
    pub const EMPTY: Self = Self { bits: 0, members: PhantomData };

    pub fn all() -> Self {
        T::ALL.iter().copied().collect()
    }

    pub fn has(self, member: T) -> bool {
        self.bits & (1 << member.bit()) != 0
    }

    pub fn with(self, member: T) -> Self {
        Self { bits: self.bits | 1 << member.bit(), members: PhantomData }
    }

    pub fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// Whether every bit set is a member's (a set read from a file may
    /// hold others).
    pub fn only_members(self) -> bool {
        self.bits & !Self::all().bits == 0
    }

    pub fn iter(self) -> impl Iterator<Item = T> {
        T::ALL.iter().copied().filter(move |&m| self.has(m))
    }
}

impl<T: Member> FromIterator<T> for EnumSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(members: I) -> Self {
        members.into_iter().fold(Self::EMPTY, Self::with)
    }
}

// Derives would demand the same traits of `T` for nothing: only bits are kept.
impl<T> Clone for EnumSet<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for EnumSet<T> {}
impl<T> PartialEq for EnumSet<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<T> Eq for EnumSet<T> {}
impl<T> std::hash::Hash for EnumSet<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}
impl<T: Member> Default for EnumSet<T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// Members joined by `+`, or `none`.
impl<T: Member + fmt::Display> fmt::Display for EnumSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, member) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            write!(f, "{member}")?;
        }
        Ok(())
    }
}

impl<T: Member + fmt::Debug> fmt::Debug for EnumSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Colour {
        Red,
        Green,
        Blue,
    }

    impl Member for Colour {
        const ALL: &'static [Self] = &[Colour::Red, Colour::Green, Colour::Blue];
        fn bit(self) -> u32 {
            self as u32
        }
    }

    impl fmt::Display for Colour {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{self:?}")
        }
    }

    #[test]
    fn a_set_holds_what_was_put_in_and_lists_it_in_order() {
        let set: EnumSet<Colour> = [Colour::Blue, Colour::Red].into_iter().collect();
        assert!(set.has(Colour::Red) && !set.has(Colour::Green));
        assert_eq!(set.iter().collect::<Vec<_>>(), [Colour::Red, Colour::Blue]);
        assert_eq!(set.to_string(), "Red+Blue");
        assert_eq!(EnumSet::<Colour>::EMPTY.to_string(), "none");
        assert_eq!(EnumSet::<Colour>::all().iter().count(), 3);
    }
}
