//! What decides a run besides its seed, as one value: the architecture (a
//! built-in name, or a file's text), the scenario (a built-in name, or a
//! drill's text), the options with their design variants, the latency
//! profile and whether each run explores, and which coverage table the
//! runs' coverage bits index. It has an
//! identity (a digest, the same on every machine) and a wire form (the
//! bytes a trace header stores, and the same bytes as text, for a command
//! line or a summary). The chaos scenario's settings live in its drill
//! text: a chaos run with other settings is stored as a drill.

use serde::{Deserialize, Serialize};

use super::meaning::Vocabulary;
use crate::config::{Options, Profile};

/// What decides a run besides its seed. A trace file stores it once, in its
/// header: every run of a file shares it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// The architecture's name: a built-in one, or the one its file gives.
    pub architecture: String,
    /// The architecture file's text when it came from a file, so that the
    /// run can be reproduced from this value alone; empty for built-in
    /// architectures.
    pub architecture_text: String,
    pub scenario: String,
    /// The scenario's text when it came from a drill file (or from chaos
    /// settings), so that the run can be reproduced from this value alone;
    /// empty for built-in scenarios.
    pub drill: String,
    /// Records the scenario publishes: ids `1..=records`.
    pub records: u32,
    pub options: Options,
    /// The latency profile; with `explore`, what each run's environment is
    /// drawn around.
    pub profile: Profile,
    /// Each run draws its own environment (`--explore`). Part of the
    /// identity: explored runs are never pooled with default ones.
    pub explore: bool,
    /// Which table of (state, message) pairs the runs' coverage bits index:
    /// a digest of the pairs' names in bit order. Part of the identity: the
    /// coverage of runs of two tables cannot be pooled, nor read by a wl1
    /// with another table.
    pub coverage_table: u64,
    /// How the runs' event codes divide between the architecture's places
    /// and the fixed events, drawn from the architecture: a trace is read
    /// with it, without the architecture.
    pub vocabulary: Vocabulary,
}

/// The wire form as text starts with this, so that a reader can tell it
/// from a file name.
pub const TEXT_PREFIX: &str = "wl1spec:";

/// The bincode configuration of the wire form (a trace header's).
fn wire() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// A stable 64-bit digest (FNV-1a) of `bytes`, the same on every machine.
pub fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Spec {
    /// Everything that decides a run besides its seed, as one number: a
    /// stable 64-bit digest (FNV-1a) of the wire form. Runs with the same
    /// identity may be pooled, and two runs with the same identity and seed
    /// are the same run.
    pub fn identity(&self) -> u64 {
        digest(&self.to_wire())
    }

    /// The bytes a trace header stores.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        bincode::serde::encode_into_std_write(self, &mut bytes, wire()).expect("writing to memory cannot fail");
        bytes
    }

    /// The wire form as one word of text (`wl1spec:` and hex digits): what
    /// `wl1 replay --spec` takes, and what a summary keeps of each group.
    pub fn to_text(&self) -> String {
        let hex: String = self.to_wire().iter().map(|b| format!("{b:02x}")).collect();
        format!("{TEXT_PREFIX}{hex}")
    }

    /// Reads [`Spec::to_text`] back, at most `max_len` bytes of wire form;
    /// the profile is checked as when it is read from a file.
    pub fn from_text(text: &str, max_len: usize) -> Result<Spec, String> {
        let hex = text.trim().strip_prefix(TEXT_PREFIX).ok_or_else(|| format!("does not start with {TEXT_PREFIX}"))?;
        if hex.len() > 2 * max_len {
            return Err(format!("longer than {max_len} bytes"));
        }
        if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("not an even number of hex digits after the prefix".into());
        }
        let bytes: Vec<u8> =
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits")).collect();
        let (spec, used): (Spec, usize) = bincode::serde::decode_from_slice(&bytes, wire().with_limit::<{ 1 << 20 }>())
            .map_err(|_| "not the wire form of a spec of this wl1".to_string())?;
        if used != bytes.len() {
            return Err("bytes left over after the spec".into());
        }
        spec.profile.validate().map_err(|e| format!("its profile: {e}"))?;
        if !spec.vocabulary.is_sound() {
            return Err("its vocabulary of event codes is not one an architecture has".into());
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec {
            architecture: "workload1".into(),
            architecture_text: String::new(),
            scenario: "chaos".into(),
            drill: "name = \"chaos\"\n".into(),
            records: 200,
            options: Options { batch_size: 3, ..Options::default() },
            profile: Profile::default(),
            explore: true,
            coverage_table: 7,
            vocabulary: Vocabulary::new(12, 15, 10, 3, 26).unwrap(),
        }
    }

    #[test]
    fn the_text_form_round_trips_and_keeps_the_identity() {
        let text = spec().to_text();
        assert!(text.starts_with(TEXT_PREFIX) && !text.contains(char::is_whitespace), "{text}");
        let back = Spec::from_text(&text, 1 << 20).unwrap();
        assert_eq!(back, spec());
        assert_eq!(back.identity(), spec().identity());
        assert_ne!(Spec { explore: false, ..spec() }.identity(), spec().identity());
    }

    #[test]
    fn the_architecture_and_the_coverage_table_are_part_of_the_identity() {
        let file = Spec { architecture_text: "name = \"workload1\"\n".into(), ..spec() };
        let other = Spec { architecture: "no-validator".into(), ..spec() };
        let table = Spec { coverage_table: 8, ..spec() };
        let identities = [spec(), file, other, table].map(|s| s.identity());
        for (i, a) in identities.iter().enumerate() {
            assert!(!identities[i + 1..].contains(a), "{identities:x?}");
        }
    }

    #[test]
    fn a_damaged_text_form_is_refused_with_a_reason() {
        let text = spec().to_text();
        assert!(Spec::from_text(&text[TEXT_PREFIX.len()..], 1 << 20).unwrap_err().contains("start with"));
        assert!(Spec::from_text(&text[..text.len() - 1], 1 << 20).unwrap_err().contains("even number"));
        assert!(Spec::from_text(&format!("{text}00"), 1 << 20).unwrap_err().contains("left over"));
        assert!(Spec::from_text(&text[..40], 1 << 20).unwrap_err().contains("wire form"));
        assert!(Spec::from_text(&text, 10).unwrap_err().contains("longer than"));
    }
}
