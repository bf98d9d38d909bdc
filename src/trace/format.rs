//! Byte layout of trace files (format version 7).
//!
//! ```text
//! file    := header frame* trailer
//! header  := "WL1TRACE" version:u16le tool_len:u16le tool:utf8
//!            spec_len:u32le spec_crc32:u32le bincode(Spec)[spec_len]
//! frame   := 'R' len:u32le crc32:u32le payload[len]
//! trailer := 'E' runs:u64le crc32(runs):u32le
//! payload := bincode(RunFrame) Events
//! RunFrame:= seed:varint outcome environment coverage:varint(u128)
//! environment := 0 | 1 Unspread | 2 Environment
//! Events  := count:varint event*
//! event   := code dt_us:zigzag-varint subject:varint [value:varint]
//! code    := (kind | region << 6):u8      where every kind is below 64 and
//!                                       every region below 4
//!          | kind:u8 region:u8          otherwise
//! ```
//!
//! What decides the runs besides their seeds (the [`Spec`]: architecture
//! name and file text, scenario, drill text, options, profile) is stored
//! once, in the header; every run of a file shares it. So is which table of
//! (state, message) pairs the runs' coverage bits index (the spec's
//! `coverage_table`, a digest of the pairs' names), so that bits recorded
//! against one table are never read as pairs of another. So is the
//! architecture's vocabulary of event codes (the spec's `vocabulary`):
//! which codes are its stages and its replica stores, which carry a value,
//! and whether every code and region fit one byte (every built-in
//! architecture's do). Integers
//! inside the spec and the payload use bincode's standard configuration
//! (little-endian, variable length). An event's time is stored as the
//! difference from the previous event's, which is usually a few bytes;
//! `value` is present only for kinds that carry one. A run
//! frame also holds what an explored run drew (its environment; one byte
//! for runs that do not explore) and the bits of the coverage pairs the run
//! handled. An environment that draws no spread (no region or instance
//! speeds, slow periods or change points, as every environment before them)
//! is stored in the layout those had, after the byte 1 (an option's `Some`,
//! which is how they were stored); one with spread after the byte 2. Files
//! written before the spread thus read as they were.
//!
//! Version 1 stored the spec in every run; version 2 stored no architecture
//! and no coverage table; version 3 no vocabulary; version 4 had four fixed
//! events fewer, so that an architecture's places past its fifteenth had
//! other codes; version 5 had no `batch-republished` (code 32) and a
//! compact byte of five bits of code and three of region, so that only
//! Workload1 was compact; version 6 had this layout, but its explored runs
//! drew their `fail_random` steps' components as default runs do (the
//! scenario's `FaultSets`), so that its explored runs of
//! such a scenario would not replay as they ran. All are refused with a
//! message that says to simulate the runs again.

use bincode::de::Decoder;
use bincode::enc::Encoder;
use bincode::error::{DecodeError, EncodeError};
use bincode::{Decode, Encode};
use std::borrow::Cow;
use std::io::Read;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::meaning::COMPACT_CODE_BITS;
use super::{Event, Kind, Outcome, Run, RunHeader, Spec, Vocabulary};
use crate::config::Environment;
use crate::config::explore::Unspread;

pub const MAGIC: &[u8; 8] = b"WL1TRACE";
pub const FORMAT_VERSION: u16 = 7;
/// The longest spec a header may hold: a drill text of at most
/// [`MAX_DRILL_LEN`], an architecture text of at most
/// [`MAX_ARCHITECTURE_LEN`] and a few hundred bytes more, so that a forged
/// length cannot make a reader allocate much.
pub const MAX_SPEC_LEN: u32 = 1 << 20;
/// The longest drill text a spec may hold.
pub const MAX_DRILL_LEN: usize = 256 << 10;
/// The longest architecture text a spec may hold: the longest architecture
/// file.
pub const MAX_ARCHITECTURE_LEN: usize = 64 << 10;
const _: () = assert!(MAX_DRILL_LEN + MAX_ARCHITECTURE_LEN + (64 << 10) <= MAX_SPEC_LEN as usize);
/// The most records a run may publish, the one bound on records: a
/// scenario has at most 200 batches of 50 records. A reader refuses a spec
/// claiming more, since whoever reads its runs may allocate per record.
pub const MAX_RECORDS: u32 = 200 * 50;
/// The most events a run may record: a run that records more is refused
/// when simulated (it stops there, which bounds its memory to a few
/// hundred MB), and a frame that claims more is damaged. One limit for
/// writer and reader. The built-in scenarios record a few thousand; only a
/// drill of endless chaos comes near.
pub const MAX_RUN_EVENTS: u64 = 1 << 22;
pub const RUN_TAG: u8 = b'R';
pub const END_TAG: u8 = b'E';
/// No honest run comes near this (the largest, a drill of 200 batches,
/// takes about 1 MB); a larger length means a damaged frame. It bounds
/// what a reader holds at once: one frame, and its events decoded.
pub const MAX_FRAME_LEN: u32 = 64 << 20;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ MAX_FRAME_LEN as usize }>()
}

/// What a frame stores besides the events.
#[derive(Serialize, Deserialize)]
struct RunFrame<'a> {
    seed: u64,
    outcome: Outcome,
    environment: StoredEnvironment<'a>,
    coverage: u128,
}

/// What a frame stores of a run's environment (see the module's layout).
#[derive(Serialize, Deserialize)]
enum StoredEnvironment<'a> {
    None,
    Unspread(Unspread),
    Spread(Cow<'a, Environment>),
}

impl<'a> StoredEnvironment<'a> {
    fn of(environment: Option<&'a Environment>) -> Self {
        match environment {
            None => Self::None,
            Some(e) => e.as_unspread().map_or(Self::Spread(Cow::Borrowed(e)), Self::Unspread),
        }
    }

    fn into_environment(self) -> Option<Environment> {
        match self {
            Self::None => None,
            Self::Unspread(u) => Some(u.into()),
            Self::Spread(e) => Some(e.into_owned()),
        }
    }
}

/// The file header for this build, for runs of `spec`; an error if the
/// spec is beyond what a reader accepts.
pub fn file_header(spec: &Spec) -> Result<Vec<u8>, String> {
    let tool = concat!("wl1 ", env!("CARGO_PKG_VERSION")).as_bytes();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(tool.len() as u16).to_le_bytes());
    out.extend_from_slice(tool);
    check_spec(spec)?;
    let spec = encode_spec(spec);
    let len = u32::try_from(spec.len()).ok().filter(|&len| len <= MAX_SPEC_LEN);
    let len = len.ok_or_else(|| format!("the spec takes {} bytes, beyond {MAX_SPEC_LEN}", spec.len()))?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&spec).to_le_bytes());
    out.extend_from_slice(&spec);
    Ok(out)
}

/// The bounds a spec keeps, on writing and on reading: those the command
/// line keeps on its options and profile.
fn check_spec(spec: &Spec) -> Result<(), String> {
    if spec.records > MAX_RECORDS {
        return Err(format!("the spec claims {} records, beyond any scenario's {MAX_RECORDS}", spec.records));
    }
    if spec.drill.len() > MAX_DRILL_LEN {
        return Err(format!("the drill text takes {} bytes, beyond {MAX_DRILL_LEN}", spec.drill.len()));
    }
    if spec.architecture_text.len() > MAX_ARCHITECTURE_LEN {
        let len = spec.architecture_text.len();
        return Err(format!("the architecture text takes {len} bytes, beyond {MAX_ARCHITECTURE_LEN}"));
    }
    if !spec.vocabulary.is_sound() {
        return Err("the spec's vocabulary of event codes is not one an architecture has".into());
    }
    spec.options.validate().map_err(|e| format!("the spec's options: {e}"))?;
    spec.profile.validate().map_err(|e| format!("the spec's profile: {e}"))
}

fn encode_spec(spec: &Spec) -> Vec<u8> {
    spec.to_wire()
}

/// A file header read back: the tool that wrote it, the runs' spec, and the
/// header's length in bytes.
#[derive(Debug)]
pub struct FileHeader {
    pub tool: String,
    pub spec: Spec,
    pub len: usize,
}

/// Reads a file header from the start of `source`, taking only the bytes
/// that the header's own lengths say it has, within [`MAX_SPEC_LEN`] (see
/// [`decode_file_header`]).
pub fn read_file_header(source: &mut impl Read) -> Result<FileHeader, (u64, String)> {
    let mut data = Vec::new();
    loop {
        let wanted = header_bytes_wanted(&data);
        if wanted <= data.len() {
            break;
        }
        let read = source.by_ref().take((wanted - data.len()) as u64).read_to_end(&mut data);
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err((data.len() as u64, format!("cannot read: {e}"))),
        }
    }
    decode_file_header(&data)
}

/// How many bytes of header the bytes so far call for.
fn header_bytes_wanted(data: &[u8]) -> usize {
    if data.len() < 12 || &data[..8] != MAGIC {
        return 12;
    }
    let spec_at = 12 + u16::from_le_bytes([data[10], data[11]]) as usize;
    match data.get(spec_at..spec_at + 4) {
        None => spec_at + 8,
        Some(len) => spec_at + 8 + u32::from_le_bytes(len.try_into().unwrap()).min(MAX_SPEC_LEN) as usize,
    }
}

/// Reads a file header from the start of `data`: Err names the byte offset
/// of the problem and the problem.
pub fn decode_file_header(data: &[u8]) -> Result<FileHeader, (u64, String)> {
    if data.len() < 12 || &data[..8] != MAGIC {
        return Err((0, "not a wl1 trace file (no WL1TRACE header)".into()));
    }
    let version = u16::from_le_bytes([data[8], data[9]]);
    if version != FORMAT_VERSION {
        let why = if version > FORMAT_VERSION {
            "it was written by a newer wl1, upgrade to read it"
        } else {
            "it was written by an older wl1; simulate the runs again"
        };
        return Err((8, format!("trace format version {version}, this wl1 reads version {FORMAT_VERSION}: {why}")));
    }
    let tool_len = u16::from_le_bytes([data[10], data[11]]) as usize;
    let spec_at = 12 + tool_len;
    let (Some(tool), Some(lengths)) = (data.get(12..spec_at), data.get(spec_at..spec_at + 8)) else {
        return Err((10, "truncated inside the file header".into()));
    };
    let spec_len = u32::from_le_bytes(lengths[..4].try_into().unwrap());
    let spec_crc = u32::from_le_bytes(lengths[4..].try_into().unwrap());
    if spec_len > MAX_SPEC_LEN {
        return Err((spec_at as u64, format!("a spec of {spec_len} bytes is beyond any run's: the header is damaged")));
    }
    let start = spec_at + 8;
    let Some(bytes) = data.get(start..start + spec_len as usize) else {
        return Err((spec_at as u64, "truncated inside the file header's spec".into()));
    };
    if crc32fast::hash(bytes) != spec_crc {
        return Err((spec_at as u64, "checksum mismatch in the file header's spec".into()));
    }
    let (spec, used): (Spec, usize) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| (start as u64, format!("the file header's spec: {}", decode_problem(e))))?;
    if used != bytes.len() {
        return Err((start as u64, "bytes left over after the file header's spec".into()));
    }
    check_spec(&spec).map_err(|problem| (start as u64, format!("{problem}: the header is damaged")))?;
    let tool = String::from_utf8_lossy(tool).into_owned();
    Ok(FileHeader { tool, spec, len: start + bytes.len() })
}

/// Appends the frame of one run to `out`; an error (and `out` as it was) if
/// the run is beyond [`MAX_FRAME_LEN`].
pub fn encode_frame(header: &RunHeader, events: &[Event], out: &mut Vec<u8>) -> Result<(), String> {
    if events.len() as u64 > MAX_RUN_EVENTS {
        let (seed, events) = (header.seed, events.len());
        return Err(format!("the run of seed {seed} records {events} events, beyond the {MAX_RUN_EVENTS} a run may"));
    }
    let start = out.len();
    out.extend_from_slice(&[RUN_TAG, 0, 0, 0, 0, 0, 0, 0, 0]);
    if let Err(e) = write_payload(header, events, out) {
        out.truncate(start);
        return Err(format!("the run of seed {} cannot be stored: {e}", header.seed));
    }
    let payload = &out[start + 9..];
    let Some(len) = u32::try_from(payload.len()).ok().filter(|&l| l <= MAX_FRAME_LEN) else {
        let problem =
            format!("the run of seed {} takes {} bytes, beyond a frame's {MAX_FRAME_LEN}", header.seed, payload.len());
        out.truncate(start);
        return Err(problem);
    };
    let crc = crc32fast::hash(payload);
    out[start + 1..start + 5].copy_from_slice(&len.to_le_bytes());
    out[start + 5..start + 9].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// Appends a run's payload (seed, outcome, environment, coverage, events;
/// not its spec) to `out`. Its events are the simulator's, which traces
/// only events its architecture's vocabulary has: it panics on another
/// ([`encode_frame`] refuses it).
pub fn encode_payload(header: &RunHeader, events: &[Event], out: &mut Vec<u8>) {
    write_payload(header, events, out).unwrap_or_else(|e| panic!("a run's payload: {e}"));
}

/// Appends a run's payload to `out`; an error (and part of it written) at
/// an event the run's vocabulary cannot store.
fn write_payload(header: &RunHeader, events: &[Event], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let frame = RunFrame {
        seed: header.seed,
        outcome: header.outcome,
        environment: StoredEnvironment::of(header.environment.as_deref()),
        coverage: header.coverage,
    };
    bincode::serde::encode_into_std_write(frame, out, config())?;
    let events = EventsRef { events, vocabulary: header.spec.vocabulary };
    bincode::encode_into_std_write(events, out, config())?;
    Ok(())
}

pub fn trailer(runs: u64) -> Vec<u8> {
    let mut out = vec![END_TAG];
    out.extend_from_slice(&runs.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&runs.to_le_bytes()).to_le_bytes());
    out
}

/// Decodes a frame's payload (already checked against its checksum), a run
/// of `spec`.
pub fn decode_payload(payload: &[u8], spec: &Arc<Spec>) -> Result<Run, String> {
    let (header, events_at) = decode_run_header(payload, spec)?;
    let mut events = Vec::new();
    decode_events(&payload[events_at..], spec.vocabulary, |e| events.push(e))?;
    Ok(Run { header, events })
}

/// Decodes the run header at the start of a payload; its events follow
/// at the offset returned, for [`decode_events`].
pub fn decode_run_header(payload: &[u8], spec: &Arc<Spec>) -> Result<(RunHeader, usize), String> {
    let (frame, used): (RunFrame, usize) = bincode::serde::decode_from_slice(payload, config())
        .map_err(|e| format!("run header: {}", decode_problem(e)))?;
    let environment = frame.environment.into_environment();
    match (&environment, spec.explore) {
        (Some(environment), true) => {
            environment.validate().map_err(|e| format!("run header: the environment: {e}"))?;
        }
        (Some(_), false) => return Err("run header: an environment on a run of a spec that does not explore".into()),
        (None, true) => return Err("run header: no environment on a run of a spec that explores".into()),
        (None, false) => {}
    }
    let header = RunHeader {
        seed: frame.seed,
        spec: spec.clone(),
        environment: environment.map(Arc::new),
        outcome: frame.outcome,
        coverage: frame.coverage,
    };
    Ok((header, used))
}

/// Decodes the events that end a payload (`payload[offset..]`, as
/// [`decode_run_header`] says), handing each to `visit` in order instead
/// of collecting them; returns how many there were.
pub fn decode_events(bytes: &[u8], vocabulary: Vocabulary, visit: impl FnMut(Event)) -> Result<u64, String> {
    let max_events = ((bytes.len() / MIN_EVENT_LEN) as u64).min(MAX_RUN_EVENTS);
    let context = Visit { visit, max_events, vocabulary };
    // Without bincode's byte limit, which counts every integer at its full
    // width: the events of a frame [`encode_frame`] accepts would exceed it.
    // The count is bounded above, and nothing is allocated per event.
    let (VisitedEvents(count), used) =
        bincode::decode_from_slice_with_context(bytes, bincode::config::standard(), context)
            .map_err(|e| format!("events: {}", decode_problem(e)))?;
    if used != bytes.len() {
        return Err(format!("{} bytes left over after the events", bytes.len() - used));
    }
    Ok(count)
}

/// What a decoding error says, in words: bincode's own messages are its
/// internal names ("LimitExceeded", "UnexpectedEnd { additional: 3 }").
fn decode_problem(e: DecodeError) -> String {
    match e {
        DecodeError::UnexpectedEnd { .. } => "it ends in the middle".into(),
        DecodeError::LimitExceeded => "larger than any run's".into(),
        DecodeError::Other(what) => what.into(),
        DecodeError::OtherString(what) => what,
        DecodeError::Utf8 { .. } => "text that is not UTF-8".into(),
        DecodeError::UnexpectedVariant { found, .. } => format!("an unknown choice ({found})"),
        _ => "bytes that do not decode".into(),
    }
}

struct EventsRef<'a> {
    events: &'a [Event],
    vocabulary: Vocabulary,
}

impl Encode for EventsRef<'_> {
    fn encode<E: Encoder>(&self, encoder: &mut E) -> Result<(), EncodeError> {
        (self.events.len() as u64).encode(encoder)?;
        let (vocabulary, compact) = (self.vocabulary, self.vocabulary.compact());
        let mut last = 0u64;
        for e in self.events {
            // Never cut to fit: an event the vocabulary lacks may not fit
            // the compact byte.
            if !vocabulary.knows(e.kind, e.region) {
                return Err(EncodeError::Other("an event code or region the run's architecture does not have"));
            }
            if compact {
                (e.kind.code() | e.region << COMPACT_CODE_BITS).encode(encoder)?;
            } else {
                [e.kind.code(), e.region].encode(encoder)?;
            }
            (e.time_us as i64 - last as i64).encode(encoder)?;
            e.subject.encode(encoder)?;
            if vocabulary.carries_value(e.kind) {
                e.value.encode(encoder)?;
            }
            last = e.time_us;
        }
        Ok(())
    }
}

/// How many events were handed to the visitor, which the decoder holds as
/// its context.
struct VisitedEvents(u64);

/// Each event takes at least three bytes: code, time and subject.
const MIN_EVENT_LEN: usize = 3;

/// The decoder's context: who is handed each event, and the most events
/// the bytes can hold, so that a forged count is refused at once.
struct Visit<V> {
    visit: V,
    max_events: u64,
    vocabulary: Vocabulary,
}

impl<V: FnMut(Event)> Decode<Visit<V>> for VisitedEvents {
    fn decode<D: Decoder<Context = Visit<V>>>(decoder: &mut D) -> Result<Self, DecodeError> {
        let count = u64::decode(decoder)?;
        if count > decoder.context().max_events {
            return Err(DecodeError::Other("an event count larger than the frame can hold, or than a run may record"));
        }
        let vocabulary = decoder.context().vocabulary;
        let compact = vocabulary.compact();
        let mut time = 0i64;
        for _ in 0..count {
            let (kind, region) = if compact {
                let code = u8::decode(decoder)?;
                (Kind::from_code(code & ((1 << COMPACT_CODE_BITS) - 1)), code >> COMPACT_CODE_BITS)
            } else {
                let [code, region] = <[u8; 2]>::decode(decoder)?;
                (Kind::from_code(code), region)
            };
            if !vocabulary.knows(kind, region) {
                return Err(DecodeError::Other("an event code or region the run's architecture does not have"));
            }
            time = time.checked_add(i64::decode(decoder)?).ok_or(DecodeError::Other("time overflow"))?;
            if time < 0 {
                return Err(DecodeError::Other("negative event time"));
            }
            let subject = u32::decode(decoder)?;
            let value = if vocabulary.carries_value(kind) { u32::decode(decoder)? } else { 0 };
            (decoder.context().visit)(Event { time_us: time as u64, kind, region, subject, value });
        }
        Ok(VisitedEvents(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Options, Profile};
    use crate::trace::OutcomeKind;

    fn spec() -> Arc<Spec> {
        Arc::new(Spec {
            architecture: "workload1".into(),
            architecture_text: String::new(),
            scenario: "baseline".into(),
            drill: String::new(),
            records: 50,
            options: Options::default(),
            profile: Profile::default(),
            explore: false,
            coverage_table: 1,
            vocabulary: Vocabulary::new(12, 15, 10, 3, 26).unwrap(),
        })
    }

    pub(crate) fn sample() -> Run {
        let header = RunHeader {
            seed: 42,
            spec: spec(),
            environment: None,
            outcome: Outcome { kind: OutcomeKind::Completed, end_us: 900, message_events: 12 },
            coverage: 1 << 100 | 5,
        };
        let events = vec![
            Event { time_us: 5, kind: Kind::PUBLISHED, region: 0, subject: 1, value: 99_999 },
            Event { time_us: 900, kind: Kind::place(1), region: 1, subject: 1, value: 0 },
            Event { time_us: 400, kind: Kind::place(14), region: 3, subject: 1, value: 0 },
        ];
        Run { header, events }
    }

    #[test]
    fn payload_round_trips_including_backward_times() {
        let run = sample();
        let mut out = Vec::new();
        encode_payload(&run.header, &run.events, &mut out);
        assert_eq!(decode_payload(&out, &spec()).unwrap(), run);
    }

    #[test]
    fn an_explored_run_keeps_its_environment_and_one_beyond_the_bounds_is_refused() {
        let mut env = Environment::draw(&Profile::default(), 26, 1);
        assert!(!env.is_unspread());
        let explored = Arc::new(Spec { explore: true, ..(*spec()).clone() });
        let mut run = sample();
        run.header.spec = explored.clone();
        let mut layouts = Vec::new();
        for environment in [env.clone(), env.unspread()] {
            run.header.environment = Some(Arc::new(environment));
            let mut out = Vec::new();
            encode_payload(&run.header, &run.events, &mut out);
            assert_eq!(decode_payload(&out, &explored).unwrap(), run);
            layouts.push(out[sample_seed_and_outcome_len(&run)]);
        }
        assert_eq!(layouts, [2, 1], "with spread after a 2, without in the layout before the spread, after a 1");
        env.slow_periods[0].until_us = env.slow_periods[0].from_us - 1;
        run.header.environment = Some(Arc::new(env.clone()));
        let mut out = Vec::new();
        encode_payload(&run.header, &run.events, &mut out);
        let problem = decode_payload(&out, &explored).unwrap_err();
        assert!(problem.contains("a slow period from"), "{problem}");
        let mut env = env.unspread();
        env.profile.pause.every_ms = 1;
        run.header.environment = Some(Arc::new(env));
        out.clear();
        encode_payload(&run.header, &run.events, &mut out);
        let problem = decode_payload(&out, &explored).unwrap_err();
        assert!(problem.starts_with("run header: the environment: the run's profile: pause.every_ms"), "{problem}");
    }

    /// Where the environment starts in a payload of `run`.
    fn sample_seed_and_outcome_len(run: &Run) -> usize {
        let frame = RunFrame {
            seed: run.header.seed,
            outcome: run.header.outcome,
            environment: StoredEnvironment::None,
            coverage: 0,
        };
        bincode::serde::encode_to_vec(frame, config()).unwrap().len() - 2
    }

    #[test]
    fn events_are_visited_in_order_without_collecting_them() {
        let run = sample();
        let mut out = Vec::new();
        encode_payload(&run.header, &run.events, &mut out);
        let (header, events_at) = decode_run_header(&out, &spec()).unwrap();
        assert_eq!(header, run.header);
        let mut visited = Vec::new();
        assert_eq!(decode_events(&out[events_at..], spec().vocabulary, |e| visited.push(e)), Ok(3));
        assert_eq!(visited, run.events);
        assert!(decode_events(&out[events_at..out.len() - 1], spec().vocabulary, |_| {}).is_err());
    }

    #[test]
    fn damaged_payloads_are_errors_not_panics() {
        let run = sample();
        let mut out = Vec::new();
        encode_payload(&run.header, &run.events, &mut out);
        for cut in 0..out.len() {
            assert!(decode_payload(&out[..cut], &spec()).is_err(), "cut at {cut} decoded");
        }
        let mut extra = out.clone();
        extra.push(0);
        assert!(decode_payload(&extra, &spec()).unwrap_err().contains("left over"));
    }

    #[test]
    fn a_file_header_holds_the_spec_and_refuses_damage() {
        let header = file_header(&spec()).unwrap();
        let read = decode_file_header(&header).unwrap();
        assert_eq!((read.spec, read.len), ((*spec()).clone(), header.len()));
        assert!(read.tool.starts_with("wl1 "));
        let mut flipped = header.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(decode_file_header(&flipped).unwrap_err().1.contains("checksum mismatch"));
        for version in [1u16, 2, 3, 4, 5] {
            let mut old = header.clone();
            old[8..10].copy_from_slice(&version.to_le_bytes());
            let (offset, problem) = decode_file_header(&old).unwrap_err();
            assert_eq!(offset, 8);
            let expected = format!("trace format version {version}, this wl1 reads version {FORMAT_VERSION}");
            assert!(problem.starts_with(&expected) && problem.ends_with("simulate the runs again"), "{problem}");
        }
        for cut in 0..header.len() {
            assert!(decode_file_header(&header[..cut]).is_err(), "cut at {cut} read");
        }
    }

    #[test]
    fn a_spec_beyond_the_bounds_is_neither_written_nor_read() {
        let many = Spec { records: MAX_RECORDS + 1, ..(*spec()).clone() };
        assert!(file_header(&many).unwrap_err().contains("records"));
        let long = Spec { drill: "#".repeat(MAX_DRILL_LEN + 1), ..(*spec()).clone() };
        assert!(file_header(&long).unwrap_err().contains("drill text"));
        let long = Spec { architecture_text: "#".repeat(MAX_ARCHITECTURE_LEN + 1), ..(*spec()).clone() };
        assert!(file_header(&long).unwrap_err().contains("architecture text takes 65537 bytes"));
        let longest = Spec {
            drill: "#".repeat(MAX_DRILL_LEN),
            architecture_text: "#".repeat(MAX_ARCHITECTURE_LEN),
            ..(*spec()).clone()
        };
        let header = file_header(&longest).unwrap();
        assert_eq!(decode_file_header(&header).unwrap().spec, longest, "the longest texts fit in a header");
        // Forged headers, with valid checksums: a spec of 4e9 records, one
        // whose architecture text is beyond an architecture file's.
        let forged = forged_header(&Spec { records: 4_000_000_000, ..(*spec()).clone() });
        let (_, problem) = decode_file_header(&forged).unwrap_err();
        assert!(problem.contains("4000000000 records") && problem.contains("damaged"), "{problem}");
        let long_text = "#".repeat(MAX_ARCHITECTURE_LEN + 1);
        let forged = forged_header(&Spec { architecture_text: long_text, ..(*spec()).clone() });
        let (_, problem) = decode_file_header(&forged).unwrap_err();
        assert!(problem.contains("architecture text takes 65537 bytes") && problem.contains("damaged"), "{problem}");
    }

    /// A file header holding `spec` whatever its bounds, as a forger makes it.
    fn forged_header(spec: &Spec) -> Vec<u8> {
        let forged = encode_spec(spec);
        let mut header = file_header(&self::spec()).unwrap();
        let spec_at = header.len() - encode_spec(&self::spec()).len() - 8;
        header.truncate(spec_at);
        header.extend_from_slice(&(forged.len() as u32).to_le_bytes());
        header.extend_from_slice(&crc32fast::hash(&forged).to_le_bytes());
        header.extend_from_slice(&forged);
        header
    }

    #[test]
    fn a_forged_event_count_is_refused_before_any_allocation() {
        let run = sample();
        let mut out = Vec::new();
        let frame = RunFrame {
            seed: run.header.seed,
            outcome: run.header.outcome,
            environment: StoredEnvironment::None,
            coverage: 0,
        };
        bincode::serde::encode_into_std_write(frame, &mut out, config()).unwrap();
        // A count the 64 bytes after it cannot hold.
        bincode::encode_into_std_write(1_000_000u64, &mut out, config()).unwrap();
        out.extend_from_slice(&[0; 64]);
        assert!(decode_payload(&out, &spec()).unwrap_err().contains("larger than the frame can hold"));
    }

    #[test]
    fn a_run_the_writer_takes_the_reader_reads_and_one_beyond_is_refused() {
        let mut run = sample();
        let published = run.events[0];
        run.events = vec![published; MAX_RUN_EVENTS as usize];
        let mut out = Vec::new();
        encode_frame(&run.header, &run.events, &mut out).unwrap();
        let (_, events_at) = decode_run_header(&out[9..], &spec()).unwrap();
        assert_eq!(decode_events(&out[9 + events_at..], spec().vocabulary, |_| {}), Ok(MAX_RUN_EVENTS));
        run.events.push(published);
        let problem = encode_frame(&run.header, &run.events, &mut out).unwrap_err();
        assert!(problem.contains("4194305 events, beyond the 4194304 a run may"), "{problem}");
    }

    fn encoded(events: &[Event], vocabulary: Vocabulary) -> Vec<u8> {
        let mut out = Vec::new();
        bincode::encode_into_std_write(EventsRef { events, vocabulary }, &mut out, config()).unwrap();
        out
    }

    #[test]
    fn a_small_event_takes_a_few_bytes() {
        let e = |t| Event { time_us: t, kind: Kind::place(5), region: 2, subject: 17, value: 0 };
        let (one, two) = (encoded(&[e(10)], spec().vocabulary), encoded(&[e(10), e(60)], spec().vocabulary));
        assert_eq!(two.len() - one.len(), 3, "code, time delta and subject: one byte each");
    }

    #[test]
    fn an_architecture_with_more_codes_or_regions_than_a_byte_holds_stores_both_whole() {
        let wide = Vocabulary::new(30, 34, 25, 9, 26).unwrap();
        assert!(!wide.compact(), "regions above 3");
        let e = |kind, region, value| Event { time_us: 7, kind, region, subject: 3, value };
        let events = [e(Kind::PUBLISHED, 0, 11), e(Kind::place(33), 9, 0), e(Kind::place(25), 8, 12)];
        let bytes = encoded(&events, wide);
        let mut back = Vec::new();
        assert_eq!(decode_events(&bytes, wide, |e| back.push(e)), Ok(3));
        assert_eq!(back, events, "regions above 3 and the arrival's value kept");
        let one = encoded(&events[1..2], wide).len() - encoded(&[], wide).len();
        assert_eq!(one, 4, "code, region, time delta and subject");
        let fewer = Vocabulary::new(10, 12, 8, 3, 26).unwrap();
        let store = encoded(&[e(Kind::place(14), 3, 0)], spec().vocabulary);
        let problem = decode_events(&store, fewer, |_| {}).unwrap_err();
        assert!(problem.contains("does not have"), "a code beyond the vocabulary is refused: {problem}");
    }

    #[test]
    fn code_63_and_region_3_take_the_compact_byte_and_code_64_the_wide_layout() {
        let e = |kind, region| Event { time_us: 7, kind, region, subject: 3, value: 0 };
        let (last, highest) = (Kind::place(45), e(Kind::place(45), 3));
        assert_eq!(last.code(), 63);
        let compact = Vocabulary::new(40, 46, 38, 3, 26).unwrap();
        let events = [highest, e(Kind::BATCH_REPUBLISHED, 0), e(Kind::place(12), 3)];
        let bytes = encoded(&events, compact);
        let mut back = Vec::new();
        assert_eq!(decode_events(&bytes, compact, |e| back.push(e)), Ok(3));
        assert_eq!(back, events);
        assert_eq!(encoded(&[highest], compact).len() - encoded(&[], compact).len(), 3, "one byte of code");
        let wide = Vocabulary::new(40, 47, 38, 3, 26).unwrap();
        let beyond = [e(Kind::place(46), 3), highest];
        let (bytes, mut back) = (encoded(&beyond, wide), Vec::new());
        assert_eq!(decode_events(&bytes, wide, |e| back.push(e)), Ok(2));
        assert_eq!(back, beyond, "code 64 in the wide layout");
        assert_eq!(encoded(&[highest], wide).len() - encoded(&[], wide).len(), 4, "code and region apart");
    }

    #[test]
    fn an_event_the_vocabulary_lacks_is_refused_never_cut_to_fit() {
        let mut run = sample();
        // Region 4 would spill into the code bits of a compact byte.
        run.events.push(Event { time_us: 900, kind: Kind::place(3), region: 4, subject: 1, value: 0 });
        let mut out = vec![7];
        let problem = encode_frame(&run.header, &run.events, &mut out).unwrap_err();
        assert!(problem.contains("seed 42 cannot be stored") && problem.contains("does not have"), "{problem}");
        assert_eq!(out, [7], "nothing written");
        run.events.pop();
        run.events.push(Event { time_us: 900, kind: Kind::place(15), region: 1, subject: 1, value: 0 });
        assert!(encode_frame(&run.header, &run.events, &mut out).is_err(), "a place beyond Workload1's");
    }
}
