//! Reads trace files in order, run by run, without decoding their events:
//! each run is identified by its group and seed, counted once (a run met
//! again is a duplicate, noted with both files), and handed on in units of
//! whole runs for the analyzers to decode.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wl1::trace::format::decode_run_header;
use wl1::trace::{Spec, TraceError, TraceFile};

use crate::measure::seeds::{DuplicateRuns, Duplicates, SeedSet};
use crate::measure::summary::{Problems, Summary};
use crate::record::places::{architecture_of, places_of};
use crate::runs::{Group, InputFile, RunInput, Unit};

/// A unit is handed on once its runs publish this many records, whatever
/// the size of their events: the rows of its record frame.
const UNIT_ROWS: usize = 1 << 18;

/// What reading the traces found besides the runs handed on.
pub struct Read {
    /// The summary's file list, with the trace files read appended.
    pub files: Vec<String>,
    /// Per group identity: the seeds counted from the traces, and the runs
    /// met again.
    pub seeds: BTreeMap<u64, SeedSet>,
    pub duplicates: BTreeMap<u64, DuplicateRuns>,
    pub groups: BTreeMap<u64, Arc<Group>>,
    pub problems: Problems,
}

/// Reads `traces` in order, handing each unit of about `unit_bytes` of
/// events to `hand_on` (which says false to stop); runs already counted in
/// `counted` are duplicates.
pub fn read(traces: &[PathBuf], counted: &Summary, unit_bytes: usize, mut hand_on: impl FnMut(Unit) -> bool) -> Read {
    let mut reader = Reader {
        counted,
        read: Read {
            files: counted.files.clone(),
            seeds: BTreeMap::new(),
            duplicates: BTreeMap::new(),
            groups: BTreeMap::new(),
            problems: Problems::default(),
        },
        unit: Unit::default(),
    };
    for path in traces {
        if !reader.read_file(path, unit_bytes, &mut hand_on) {
            return reader.read;
        }
    }
    if !reader.unit.runs.is_empty() {
        hand_on(reader.take_unit());
    }
    reader.read
}

struct Reader<'a> {
    counted: &'a Summary,
    read: Read,
    unit: Unit,
}

impl Reader<'_> {
    /// Reads one file; false if the runs handed on are no longer wanted.
    fn read_file(&mut self, path: &Path, unit_bytes: usize, hand_on: &mut impl FnMut(Unit) -> bool) -> bool {
        let id = self.file_index(path);
        let Some(mut trace) = self.open(path) else {
            return true;
        };
        let (spec, group) = (trace.spec().clone(), self.group(trace.spec()));
        // A unit holds runs of one architecture: its record frame has one
        // set of places as columns.
        let other = self.unit.runs.first().is_some_and(|run| places_of(&run.file.spec) != places_of(&spec));
        if other && !hand_on(self.take_unit()) {
            return false;
        }
        let file = Arc::new(InputFile { id, path: path.to_owned(), spec, group });
        let counted = self.counted.group(file.group.identity).map(|g| &g.seeds);
        let mut index = 0;
        while let Some(next) = trace.next_payload() {
            match next {
                Ok((offset, payload)) => self.read_run(&file, counted, payload, offset, index),
                Err(e) => self.read.problems.add(e.to_string()),
            }
            index += 1;
            let full = self.unit.events.len() >= unit_bytes || self.unit.rows >= UNIT_ROWS;
            if full && !hand_on(self.take_unit()) {
                return false;
            }
        }
        true
    }

    /// Opens a trace file whose architecture reads; its problem otherwise.
    fn open(&mut self, path: &Path) -> Option<TraceFile> {
        let problem = match TraceFile::open(path) {
            Ok(trace) => match architecture_of(trace.spec()) {
                Ok(_) => return Some(trace),
                Err(problem) => TraceError { path: path.to_owned(), offset: None, run: None, problem },
            },
            Err(e) => e,
        };
        self.read.problems.add(problem.to_string());
        None
    }

    /// Reads the header of the run at `offset`, which is run `index` of
    /// its file, and counts it.
    fn read_run(&mut self, file: &Arc<InputFile>, counted: Option<&SeedSet>, payload: &[u8], offset: u64, index: u64) {
        let header = decode_run_header(payload, &file.spec)
            .and_then(|(header, at)| wl1::run::check_stored_run(&header).map(|()| (header, at)));
        match header {
            Ok((header, events_at)) => {
                let (seed, outcome, coverage) = (header.seed, header.outcome, header.coverage);
                let run = RunInput { file: file.clone(), seed, outcome, coverage, events: 0..0, offset, index };
                self.add_run(counted, run, &payload[events_at..]);
            }
            Err(problem) => {
                let error = TraceError { path: file.path.clone(), offset: Some(offset), run: Some(index), problem };
                self.read.problems.add(error.to_string());
            }
        }
    }

    /// The runs gathered so far; the next unit numbers its runs after them.
    fn take_unit(&mut self) -> Unit {
        let first_run = self.unit.first_run + self.unit.runs.len() as u64;
        std::mem::replace(&mut self.unit, Unit { first_run, ..Unit::default() })
    }

    fn file_index(&mut self, path: &Path) -> u32 {
        let name = path.display().to_string();
        let files = &mut self.read.files;
        files.iter().position(|f| *f == name).unwrap_or_else(|| {
            files.push(name);
            files.len() - 1
        }) as u32
    }

    fn group(&mut self, spec: &Arc<Spec>) -> Arc<Group> {
        let identity = spec.identity();
        let group = self.read.groups.entry(identity).or_insert_with(|| Arc::new(Group::of(spec)));
        group.clone()
    }

    /// Counts a run, unless it was counted before (in `counted`, or in
    /// the traces read so far).
    fn add_run(&mut self, counted: Option<&SeedSet>, mut run: RunInput, events: &[u8]) {
        let (identity, file) = (run.file.group.identity, run.file.id);
        let first_time = match counted.and_then(|seeds| seeds.file_of(run.seed)) {
            Some(kept) => Err(kept),
            None => self.read.seeds.entry(identity).or_default().insert(run.seed, file),
        };
        if let Err(kept) = first_time {
            let duplicate = Duplicates { first: run.seed, last: run.seed, kept, again: file };
            let noted = self.read.duplicates.entry(identity).or_default().add(duplicate);
            noted.expect("fewer runs are read than 2^64");
            return;
        }
        let start = self.unit.events.len();
        self.unit.events.extend_from_slice(events);
        run.events = start..self.unit.events.len();
        self.unit.rows += run.file.group.records as usize;
        self.unit.runs.push(run);
    }
}
