//! Byte layout of trace files (format version 1).
//!
//! ```text
//! file    := header frame* trailer
//! header  := "WL1TRACE" version:u16le tool_len:u16le tool:utf8
//! frame   := 'R' len:u32le crc32:u32le payload[len]
//! trailer := 'E' runs:u64le crc32(runs):u32le
//! payload := bincode(RunHeader) bincode(Events)
//! Events  := count:varint event*
//! event   := (kind | region << 5):u8 dt_us:zigzag-varint subject:varint [value:varint]
//! ```
//!
//! Integers inside the payload use bincode's standard configuration
//! (little-endian, variable length). An event's time is stored as the
//! difference from the previous event's, which is usually a few bytes;
//! `value` is present only for kinds that carry one.

use bincode::de::Decoder;
use bincode::enc::Encoder;
use bincode::error::{DecodeError, EncodeError};
use bincode::{Decode, Encode};

use serde::Serialize;

use super::{Event, Kind, Run, RunHeader};
use crate::config::{Options, Profile};

pub const MAGIC: &[u8; 8] = b"WL1TRACE";
pub const FORMAT_VERSION: u16 = 1;
pub const RUN_TAG: u8 = b'R';
pub const END_TAG: u8 = b'E';
/// No honest run comes near this; a larger length means a damaged frame.
pub const MAX_FRAME_LEN: u32 = 256 << 20;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ MAX_FRAME_LEN as usize }>()
}

/// The file header for this build.
pub fn file_header() -> Vec<u8> {
    let tool = concat!("wl1 ", env!("CARGO_PKG_VERSION")).as_bytes();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(tool.len() as u16).to_le_bytes());
    out.extend_from_slice(tool);
    out
}

/// Appends the frame of one run to `out`.
pub fn encode_frame(header: &RunHeader, events: &[Event], out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[RUN_TAG, 0, 0, 0, 0, 0, 0, 0, 0]);
    encode_payload(header, events, out);
    let payload = &out[start + 9..];
    let len = u32::try_from(payload.len()).ok().filter(|&l| l <= MAX_FRAME_LEN).expect("a run fits in a frame");
    let crc = crc32fast::hash(payload);
    out[start + 1..start + 5].copy_from_slice(&len.to_le_bytes());
    out[start + 5..start + 9].copy_from_slice(&crc.to_le_bytes());
}

pub fn encode_payload(header: &RunHeader, events: &[Event], out: &mut Vec<u8>) {
    bincode::serde::encode_into_std_write(header, out, config()).expect("writing to memory cannot fail");
    bincode::encode_into_std_write(EventsRef(events), out, config()).expect("writing to memory cannot fail");
}

/// A stable 64-bit digest (FNV-1a) of what decides a run besides its seed:
/// the scenario's name and drill text, the options and the profile, in
/// their trace encoding. The same on every machine and every build that
/// writes the same format.
pub fn spec_identity(scenario: &str, drill: &str, options: &Options, profile: &Profile) -> u64 {
    #[derive(Serialize)]
    struct Spec<'a> {
        scenario: &'a str,
        drill: &'a str,
        options: &'a Options,
        profile: &'a Profile,
    }
    let mut bytes = Vec::new();
    let spec = Spec { scenario, drill, options, profile };
    bincode::serde::encode_into_std_write(spec, &mut bytes, config()).expect("writing to memory cannot fail");
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

pub fn trailer(runs: u64) -> Vec<u8> {
    let mut out = vec![END_TAG];
    out.extend_from_slice(&runs.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&runs.to_le_bytes()).to_le_bytes());
    out
}

/// Decodes a frame's payload (already checked against its checksum).
pub fn decode_payload(payload: &[u8]) -> Result<Run, String> {
    let (header, used): (RunHeader, usize) =
        bincode::serde::decode_from_slice(payload, config()).map_err(|e| format!("run header: {e}"))?;
    let (Events(events), used_events) =
        bincode::decode_from_slice(&payload[used..], config()).map_err(|e| format!("events: {e}"))?;
    if used + used_events != payload.len() {
        return Err(format!("{} bytes left over after the events", payload.len() - used - used_events));
    }
    Ok(Run { header, events })
}

struct EventsRef<'a>(&'a [Event]);

impl Encode for EventsRef<'_> {
    fn encode<E: Encoder>(&self, encoder: &mut E) -> Result<(), EncodeError> {
        (self.0.len() as u64).encode(encoder)?;
        let mut last = 0u64;
        for e in self.0 {
            debug_assert!(e.region < 8 && (e.kind as u8) < 32);
            (e.kind as u8 | e.region << 5).encode(encoder)?;
            (e.time_us as i64 - last as i64).encode(encoder)?;
            e.subject.encode(encoder)?;
            if e.kind.carries_value() {
                e.value.encode(encoder)?;
            }
            last = e.time_us;
        }
        Ok(())
    }
}

struct Events(Vec<Event>);

impl<C> Decode<C> for Events {
    fn decode<D: Decoder<Context = C>>(decoder: &mut D) -> Result<Self, DecodeError> {
        let count = u64::decode(decoder)?;
        // Each event takes at least three bytes: refuse counts the frame cannot hold.
        if count > MAX_FRAME_LEN as u64 / 3 {
            return Err(DecodeError::Other("event count larger than the frame can hold"));
        }
        decoder.claim_container_read::<[u8; 3]>(count as usize)?;
        let mut events = Vec::with_capacity(count as usize);
        let mut time = 0i64;
        for _ in 0..count {
            let code = u8::decode(decoder)?;
            let kind = Kind::from_code(code & 31).ok_or(DecodeError::Other("unknown event kind"))?;
            time = time.checked_add(i64::decode(decoder)?).ok_or(DecodeError::Other("time overflow"))?;
            if time < 0 {
                return Err(DecodeError::Other("negative event time"));
            }
            let subject = u32::decode(decoder)?;
            let value = if kind.carries_value() { u32::decode(decoder)? } else { 0 };
            events.push(Event { time_us: time as u64, kind, region: code >> 5, subject, value });
        }
        Ok(Events(events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Outcome, OutcomeKind};

    pub(crate) fn sample() -> Run {
        let header = RunHeader {
            seed: 42,
            scenario: "baseline".into(),
            drill: String::new(),
            records: 50,
            options: Options::default(),
            profile: Profile::default(),
            outcome: Outcome { kind: OutcomeKind::Completed, end_us: 900, message_events: 12 },
        };
        let events = vec![
            Event { time_us: 5, kind: Kind::Published, region: 0, subject: 1, value: 99_999 },
            Event { time_us: 900, kind: Kind::ReceiverInvoked, region: 1, subject: 1, value: 0 },
            Event { time_us: 400, kind: Kind::ProcessorReplicaStored, region: 3, subject: 1, value: 0 },
        ];
        Run { header, events }
    }

    #[test]
    fn payload_round_trips_including_backward_times() {
        let run = sample();
        let mut out = Vec::new();
        encode_payload(&run.header, &run.events, &mut out);
        assert_eq!(decode_payload(&out).unwrap(), run);
    }

    #[test]
    fn damaged_payloads_are_errors_not_panics() {
        let run = sample();
        let mut out = Vec::new();
        encode_payload(&run.header, &run.events, &mut out);
        for cut in 0..out.len() {
            assert!(decode_payload(&out[..cut]).is_err(), "cut at {cut} decoded");
        }
        let mut extra = out.clone();
        extra.push(0);
        assert!(decode_payload(&extra).unwrap_err().contains("left over"));
    }

    #[test]
    fn a_small_event_takes_a_few_bytes() {
        let e = |t| Event { time_us: t, kind: Kind::InboundAppended, region: 2, subject: 17, value: 0 };
        let mut one = Vec::new();
        bincode::encode_into_std_write(EventsRef(&[e(10)]), &mut one, config()).unwrap();
        let mut two = Vec::new();
        bincode::encode_into_std_write(EventsRef(&[e(10), e(60)]), &mut two, config()).unwrap();
        assert_eq!(two.len() - one.len(), 3, "code, time delta and subject: one byte each");
    }
}
