//! The coverage section: how much of the model the seeds of a group
//! reached, so that a user can tell whether more seeds would find more.
//!
//! - **Destination orders:** the distinct orders in which the published
//!   records first reached the destination, each with the smallest seed
//!   that gave it; the report says how many the last tenth of the seeds
//!   added (few or none: more seeds of this kind are unlikely to find new
//!   orders), how the runs spread over them (the share of the most common
//!   order, and the effective number of orders: `exp` of the entropy of
//!   the runs' orders, the number of equally common orders that would
//!   spread them as evenly).
//! - **Pairs:** per kind of machine the group's architecture has, the
//!   (state, message) pairs its machines handled and in how many runs,
//!   from the bits each run's trace frame records, numbered as its
//!   architecture numbers them (see `wl1::model::coverage`), listing the pairs the
//!   machines' rules allow that no run reached, as the P checker reports
//!   event and state coverage: apart, those no step of the scenario can
//!   cause (`wl1::scenario::causable`: no region offline in a scenario
//!   without such a step), and those it could but no run did ("never").
//! - **Situations:** notable things that happened, in how many runs, with
//!   the smallest seed as an example; all but one are read from the events
//!   (see [`Situation`]).
//!
//! [`Coverage`] is part of the mergeable summary: orders merge by union
//! (keeping the smaller first seed), counts by addition, examples by the
//! smaller seed. At most [`MAX_ORDERS`] orders are kept per group, those
//! first met in the smallest seeds; past that the figures are lower bounds
//! and say so.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};
use wl1::model::coverage::{Pair, Pairs};
use wl1::trace::meaning::{Incident, Meaning, Step};
use wl1::trace::{Event, Vocabulary};

use crate::measure::seeds::SeedSet;
use crate::measure::sum::{Overflow, add};
use crate::record::facts::RecordFacts;
use crate::record::places::Places;
use crate::runs::Arrival;
use crate::text::{counted, thousands, wrap};

/// Distinct destination orders kept per group: what bounds a summary's
/// size whatever the number of runs.
pub const MAX_ORDERS: usize = 1 << 16;

/// The coverage figures of the runs of one group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Per destination order (a digest of the record ids in order of first
    /// arrival), the smallest seed that gave it.
    pub orders: BTreeMap<u64, u64>,
    /// More orders were met than [`MAX_ORDERS`]: those of the largest
    /// first seeds were dropped.
    pub orders_capped: bool,
    /// Per destination order kept, the runs that gave it (empty in
    /// summaries written before it was counted).
    #[serde(default)]
    pub order_runs: BTreeMap<u64, u64>,
    /// Per pair handled, as `kind state/message`: the runs that handled it.
    pub pairs: BTreeMap<String, u64>,
    /// Per situation that happened, by name.
    pub situations: BTreeMap<String, Seen>,
}

/// In how many runs something happened, and the smallest seed of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub runs: u64,
    pub example: u64,
}

/// The notable situations the coverage section counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Situation {
    /// A record reached the destination more than once.
    DeliveredTwice,
    /// Out-DNS answered success for a remove the stream had failed.
    RemoveFailureHidden,
    /// A remove named a record its stream did not hold.
    RemoveMissed,
    /// A batch was published again whole, from its first record
    /// ([`wl1::trace::Kind::BATCH_REPUBLISHED`]): its records published
    /// before are duplicates at publication.
    BatchRepublished,
    /// A fault found its component holding records: the one situation the
    /// simulator records for the analysis ([`wl1::trace::Kind::FAULT_FOUND_HOLDING`]),
    /// since the events cannot show what a machine has in hand.
    FaultFoundHolding,
    /// The last first arrival at the destination came from region 1.
    #[strum(serialize = "region-1-finished-last")]
    Region1FinishedLast,
    /// ... from region 2.
    #[strum(serialize = "region-2-finished-last")]
    Region2FinishedLast,
    /// A processor read a record a second time: it read its batch again.
    ProcessorReadTwice,
}

impl Situation {
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What the report says of it.
    pub fn description(self) -> &'static str {
        match self {
            Situation::DeliveredTwice => "a record delivered twice",
            Situation::RemoveFailureHidden => "a remove failure hidden by out-DNS",
            Situation::RemoveMissed => "a remove that found nothing",
            Situation::BatchRepublished => "a batch republished whole, from its first record",
            Situation::FaultFoundHolding => "a fault that found its component holding records",
            Situation::Region1FinishedLast => "region 1 finished last",
            Situation::Region2FinishedLast => "region 2 finished last",
            Situation::ProcessorReadTwice => "a processor that read the same batch twice",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// What one run's events show of the situations, gathered as they are
/// decoded; the rest comes from the records' facts at the end.
#[derive(Default)]
pub struct RunSituations {
    seen: u16,
    /// Records published again by the run's republishes.
    republished: u64,
}

impl RunSituations {
    pub fn start(&mut self) {
        self.seen = 0;
        self.republished = 0;
    }

    /// The records the run's whole-batch republishes published again: each
    /// a duplicate at publication.
    pub fn republished(&self) -> u64 {
        self.republished
    }

    /// Takes in the run's next event, coded in `vocabulary`.
    pub fn observe(&mut self, e: &Event, vocabulary: Vocabulary) {
        let seen = match e.meaning(vocabulary) {
            Meaning::Incident { incident: Incident::RemoveFailureHidden, .. } => Situation::RemoveFailureHidden,
            Meaning::Incident { incident: Incident::RemoveMissed, .. } => Situation::RemoveMissed,
            Meaning::FoundHolding { .. } => Situation::FaultFoundHolding,
            Meaning::Step { step: Step::BatchRepublished, records, .. } => {
                self.republished += u64::from(records);
                Situation::BatchRepublished
            }
            _ => return,
        };
        self.seen |= seen.bit();
    }

    /// Every situation of the run, with what its records' facts and first
    /// arrivals show.
    fn finish(&self, places: &Places, records: &[RecordFacts], arrivals: &[Arrival]) -> u16 {
        let mut seen = self.seen;
        let mut note = |happened: bool, s: Situation| seen |= if happened { s.bit() } else { 0 };
        note(records.iter().any(|f| f.n[places.arrival()] > 1), Situation::DeliveredTwice);
        let read_twice = |f: &RecordFacts| places.reads().iter().any(|&read| f.n[read] > 1);
        note(records.iter().any(read_twice), Situation::ProcessorReadTwice);
        let last = arrivals.last().map(|a| a.region);
        note(last == Some(1), Situation::Region1FinishedLast);
        note(last == Some(2), Situation::Region2FinishedLast);
        seen
    }
}

/// A digest of the record ids in order of first arrival (FNV-1a over their
/// bytes): the same order gives the same digest on every machine.
fn order_digest(arrivals: &[Arrival]) -> u64 {
    let mut digest = 0xcbf2_9ce4_8422_2325u64;
    for byte in arrivals.iter().flat_map(|a| a.record.to_le_bytes()) {
        digest = (digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    digest
}

/// A pair's key in [`Coverage::pairs`].
fn pair_key(pair: &Pair) -> String {
    format!("{} {}/{}", pair.kind.name(), pair.state, pair.message)
}

/// The coverage bits of a run.
const BITS: usize = u128::BITS as usize;

/// The coverage of the runs of one group in a unit, counted by bit as
/// each run ends (no string per run), then turned into a [`Coverage`].
pub struct CoverageTally {
    orders: BTreeMap<u64, u64>,
    order_runs: BTreeMap<u64, u64>,
    /// Per coverage bit, the runs that set it.
    pairs: [u64; BITS],
    situations: [Option<Seen>; Situation::VARIANTS.len()],
}

impl Default for CoverageTally {
    fn default() -> Self {
        CoverageTally {
            orders: BTreeMap::new(),
            order_runs: BTreeMap::new(),
            pairs: [0; BITS],
            situations: Default::default(),
        }
    }
}

impl CoverageTally {
    /// Adds one run of `seed`: the pairs it handled (`bits`, as its trace
    /// frame stores them), its records' facts at `places`, its first
    /// arrivals and its situations.
    pub fn add_run(
        &mut self,
        seed: u64,
        bits: u128,
        places: &Places,
        records: &[RecordFacts],
        arrivals: &[Arrival],
        situations: &RunSituations,
    ) {
        let digest = order_digest(arrivals);
        let first = self.orders.entry(digest).or_insert(seed);
        *first = (*first).min(seed);
        *self.order_runs.entry(digest).or_default() += 1;
        for (bit, runs) in self.pairs.iter_mut().enumerate() {
            *runs += (bits >> bit & 1) as u64;
        }
        let seen = situations.finish(places, records, arrivals);
        for (_, counted) in Situation::VARIANTS.iter().zip(&mut self.situations).filter(|(s, _)| seen & s.bit() != 0) {
            let counted = counted.get_or_insert(Seen { runs: 0, example: seed });
            counted.runs += 1;
            counted.example = counted.example.min(seed);
        }
    }

    /// The coverage counted, its bits naming the pairs of `pairs` (the
    /// group's architecture's); bits beyond them are ignored.
    pub fn into_coverage(self, pairs: &Pairs) -> Coverage {
        let named = pairs.as_slice().iter().zip(self.pairs).filter(|(_, runs)| *runs > 0);
        let pairs = named.map(|(p, runs)| (pair_key(p), runs));
        let situations = Situation::VARIANTS.iter().zip(self.situations);
        let mut coverage = Coverage {
            orders: self.orders,
            orders_capped: false,
            order_runs: self.order_runs,
            pairs: pairs.collect(),
            situations: situations.filter_map(|(s, seen)| Some((s.name().to_string(), seen?))).collect(),
        };
        coverage.cap_orders();
        coverage
    }
}

impl Coverage {
    /// Adds the coverage of other runs, none of them counted here.
    pub fn merge(&mut self, other: &Coverage) -> Result<(), Overflow> {
        for (&digest, &seed) in &other.orders {
            let first = self.orders.entry(digest).or_insert(seed);
            *first = (*first).min(seed);
        }
        self.orders_capped |= other.orders_capped;
        for (&digest, &runs) in &other.order_runs {
            add(self.order_runs.entry(digest).or_default(), runs)?;
        }
        self.cap_orders();
        for (pair, runs) in &other.pairs {
            add(self.pairs.entry(pair.clone()).or_default(), *runs)?;
        }
        for (name, &seen) in &other.situations {
            add_seen(&mut self.situations, name, seen)?;
        }
        Ok(())
    }

    /// What is inconsistent in the coverage of `runs` runs, the `seeds`
    /// counted, of an architecture whose pairs are `pairs`, as read from a
    /// stored summary: more orders or runs than there are, a seed not
    /// counted, a pair or situation unknown.
    pub(crate) fn damage(&self, runs: u64, seeds: &SeedSet, pairs: &Pairs) -> Option<&'static str> {
        let counted = |seed: &u64| seeds.file_of(*seed).is_some();
        let known_pairs: Vec<String> = pairs.as_slice().iter().map(pair_key).collect();
        let known_situation = |name: &String| Situation::VARIANTS.iter().any(|s| s.name() == name);
        let checks = [
            (self.orders.len() <= MAX_ORDERS && self.orders.len() as u64 <= runs, "more destination orders than runs"),
            (self.orders.values().all(counted), "a destination order of a seed not counted"),
            (
                self.order_runs.keys().all(|d| self.orders.contains_key(d))
                    && self.order_runs.values().try_fold(0u64, |sum, &n| sum.checked_add(n)).is_some_and(|n| n <= runs),
                "runs of a destination order not kept, or more than there are",
            ),
            (self.pairs.keys().all(|p| known_pairs.contains(p)), "an unknown coverage pair"),
            (
                self.pairs.values().all(|&n| (1..=runs).contains(&n)),
                "a coverage pair handled in more runs than there are",
            ),
            (self.situations.keys().all(known_situation), "an unknown situation"),
            (
                self.situations.values().all(|s| (1..=runs).contains(&s.runs) && counted(&s.example)),
                "a situation in more runs than there are, or in a seed not counted",
            ),
        ];
        checks.into_iter().find(|(ok, _)| !ok).map(|(_, what)| what)
    }

    /// Keeps the [`MAX_ORDERS`] orders of smallest first seed.
    fn cap_orders(&mut self) {
        if self.orders.len() <= MAX_ORDERS {
            return;
        }
        let mut by_seed: Vec<(u64, u64)> = self.orders.iter().map(|(&d, &s)| (s, d)).collect();
        by_seed.sort_unstable();
        by_seed.truncate(MAX_ORDERS);
        self.orders = by_seed.into_iter().map(|(s, d)| (d, s)).collect();
        self.order_runs.retain(|d, _| self.orders.contains_key(d));
        self.orders_capped = true;
    }
}

fn add_seen(situations: &mut BTreeMap<String, Seen>, name: &str, seen: Seen) -> Result<(), Overflow> {
    let mine = situations.entry(name.to_string()).or_insert(Seen { runs: 0, example: seen.example });
    add(&mut mine.runs, seen.runs)?;
    mine.example = mine.example.min(seen.example);
    Ok(())
}

/// The coverage section of one group, as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoverageReport {
    pub runs: u64,
    /// Distinct destination orders (at least, if capped).
    pub orders: u64,
    /// The seeds of the last tenth (the largest), and the orders first met
    /// in them.
    pub last_tenth_seeds: u64,
    pub last_tenth_new_orders: u64,
    pub orders_capped: bool,
    /// How the runs spread over the orders, if the summary counted it.
    pub spread: Option<OrderSpread>,
    pub kinds: Vec<KindCoverage>,
    pub situations: Vec<SituationCount>,
}

/// How the runs of a group spread over the destination orders.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OrderSpread {
    /// The runs that gave the most common order, and their share.
    pub most_common_runs: u64,
    pub most_common_share: f64,
    /// `exp` of the entropy of the runs' orders: as many equally common
    /// orders would spread the runs as evenly.
    pub effective_orders: f64,
}

impl OrderSpread {
    /// The spread of runs counted per order, if any were.
    pub fn of(order_runs: &BTreeMap<u64, u64>) -> Option<OrderSpread> {
        let total: u64 = order_runs.values().sum();
        let most = *order_runs.values().max()?;
        let entropy: f64 = order_runs.values().map(|&n| n as f64 / total as f64).map(|share| -share * share.ln()).sum();
        Some(OrderSpread {
            most_common_runs: most,
            most_common_share: most as f64 / total as f64,
            effective_orders: entropy.exp(),
        })
    }
}

/// The pairs of one kind of machine.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindCoverage {
    pub kind: &'static str,
    /// Every pair its rules allow, as `state/message`, with the runs that
    /// handled it (0 for never).
    pub pairs: Vec<(String, u64)>,
    /// The pairs no step of the group's scenario can cause.
    pub out_of_reach: Vec<String>,
}

impl KindCoverage {
    /// The pairs no run handled that the scenario could cause.
    pub fn never(&self) -> Vec<&str> {
        let unhandled = self.pairs.iter().filter(|(_, runs)| *runs == 0).map(|(p, _)| p.as_str());
        unhandled.filter(|p| !self.out_of_reach.iter().any(|o| o == p)).collect()
    }

    /// The pairs the runs handled.
    pub fn reached(&self) -> usize {
        self.pairs.iter().filter(|(_, runs)| *runs > 0).count()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SituationCount {
    pub situation: &'static str,
    pub description: &'static str,
    pub runs: u64,
    pub example_seed: Option<u64>,
}

impl CoverageReport {
    /// The section of a group of `runs` runs, whose seeds are `seeds`, of
    /// an architecture whose pairs are `pairs`, of a scenario that can
    /// cause the pairs of the bits of `causable` (all, if not known).
    pub fn new(coverage: &Coverage, runs: u64, seeds: &SeedSet, pairs: &Pairs, causable: u128) -> CoverageReport {
        let last_tenth_seeds = runs / 10;
        let cutoff = seeds.nth(runs - last_tenth_seeds);
        let new = coverage.orders.values().filter(|&&first| cutoff.is_some_and(|c| first >= c)).count();
        let mut kinds: Vec<KindCoverage> = Vec::new();
        for (bit, pair) in pairs.as_slice().iter().enumerate() {
            let runs = coverage.pairs.get(&pair_key(pair)).copied().unwrap_or(0);
            let name = format!("{}/{}", pair.state, pair.message);
            if !matches!(kinds.last(), Some(k) if k.kind == pair.kind.name()) {
                kinds.push(KindCoverage { kind: pair.kind.name(), pairs: Vec::new(), out_of_reach: Vec::new() });
            }
            let kind = kinds.last_mut().expect("pushed");
            if causable & 1 << bit == 0 && runs == 0 {
                kind.out_of_reach.push(name.clone());
            }
            kind.pairs.push((name, runs));
        }
        let situations = Situation::VARIANTS
            .iter()
            .map(|s| {
                let seen = coverage.situations.get(s.name());
                SituationCount {
                    situation: s.name(),
                    description: s.description(),
                    runs: seen.map_or(0, |s| s.runs),
                    example_seed: seen.map(|s| s.example),
                }
            })
            .collect();
        CoverageReport {
            runs,
            orders: coverage.orders.len() as u64,
            last_tenth_seeds,
            last_tenth_new_orders: new as u64,
            orders_capped: coverage.orders_capped,
            spread: OrderSpread::of(&coverage.order_runs),
            kinds,
            situations,
        }
    }

    /// How many orders the runs produced, how many the last tenth added,
    /// and how the runs spread over them.
    pub fn orders_sentence(&self) -> String {
        let spread = self.spread.map_or(String::new(), |s| {
            format!(
                "; the most common in {:.1}% of the runs, an effective {:.1} orders",
                100.0 * s.most_common_share,
                s.effective_orders
            )
        });
        self.orders_count() + &spread
    }

    /// How many orders the runs produced, and how many the last tenth added.
    fn orders_count(&self) -> String {
        let at_least = if self.orders_capped { "at least " } else { "" };
        format!(
            "{at_least}{} of arrival at the destination in {}; the last {} added {}",
            counted(self.orders, "distinct order"),
            counted(self.runs, "run"),
            counted(self.last_tenth_seeds, "seed"),
            thousands(self.last_tenth_new_orders)
        )
    }

    /// The section in brief: the orders, and per kind of machine how many
    /// of its pairs the runs reached, within `width` columns.
    pub fn brief(&self, width: usize) -> String {
        let out = wrap(&format!("  coverage: {}", self.orders_count()), width, 4);
        let spread = self.spread.map_or(String::new(), |s| {
            format!("most common order {:.1}%, effective {:.1}; ", 100.0 * s.most_common_share, s.effective_orders)
        });
        let kinds =
            self.kinds.iter().map(|k| format!("{} {}/{}", k.kind, k.reached(), k.pairs.len() - k.out_of_reach.len()));
        let met = self.situations.iter().filter(|s| s.runs > 0).count();
        let line = format!(
            "    {spread}pairs reached/in reach: {}; situations met: {met} of {} (--coverage full lists them)",
            kinds.collect::<Vec<_>>().join(", "),
            self.situations.len()
        );
        out + &wrap(&line, width, 6)
    }

    /// The section as text, in lines of at most `width` characters.
    pub fn text(&self, width: usize) -> String {
        let mut out = wrap(&format!("  coverage: {}", self.orders_sentence()), width, 4);
        let head = "  (state/message) pairs handled, in how many runs; out of reach: no step of the scenario can \
                    cause them; never: it can, and no run did:";
        out += &wrap(head, width, 4);
        for k in &self.kinds {
            let reached: Vec<String> = k
                .pairs
                .iter()
                .filter(|(_, runs)| *runs > 0)
                .map(|(p, runs)| format!("{p} {}", thousands(*runs)))
                .collect();
            let never = k.never();
            let head = format!("{} ({} of {} pairs):", k.kind, reached.len(), k.pairs.len());
            out += &wrapped(&head, &reached, width);
            if !k.out_of_reach.is_empty() {
                out += &wrapped("  out of reach:", &k.out_of_reach, width);
            }
            if !never.is_empty() {
                out += &wrapped("  never:", &never, width);
            }
        }
        out += "  notable situations:\n";
        let words = self.situations.iter().map(|s| s.description.len()).max().unwrap_or(0);
        for s in &self.situations {
            let example = s.example_seed.map_or(String::new(), |seed| format!("  e.g. seed {seed}"));
            out += &format!("    {:<words$}  {:>8} runs{example}\n", s.description, thousands(s.runs));
        }
        out
    }
}

/// `head` then `items` separated by commas, wrapped at `width` columns,
/// continued lines indented.
fn wrapped(head: &str, items: &[impl AsRef<str>], width: usize) -> String {
    let mut out = String::new();
    let mut line = format!("    {head}");
    for (i, item) in items.iter().enumerate() {
        let item = item.as_ref();
        let piece = if i + 1 < items.len() { format!("{item},") } else { item.to_string() };
        if line.len() + 1 + piece.len() > width && line.trim_start().len() > head.len() {
            out += &line;
            out += "\n";
            line = "        ".to_string();
            line += &piece;
        } else {
            line += " ";
            line += &piece;
        }
    }
    out += &line;
    out += "\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wl1::trace::Kind;

    fn arrival(record: u32, region: u8) -> Arrival {
        Arrival { record, region, published: 0, arrived: 0 }
    }

    #[test]
    fn orders_merge_by_union_keeping_the_first_seed() {
        let mut a = CoverageTally::default();
        let none = RunSituations::default();
        a.add_run(5, 0, &Places::workload1(), &[], &[arrival(1, 1), arrival(2, 2)], &none);
        a.add_run(3, 0, &Places::workload1(), &[], &[arrival(2, 2), arrival(1, 1)], &none);
        let mut b = CoverageTally::default();
        b.add_run(1, 0, &Places::workload1(), &[], &[arrival(1, 1), arrival(2, 2)], &none);
        let pairs = Places::workload1().pairs().clone();
        let mut a = a.into_coverage(&pairs);
        a.merge(&b.into_coverage(&pairs)).unwrap();
        let mut firsts: Vec<u64> = a.orders.values().copied().collect();
        firsts.sort_unstable();
        assert_eq!(firsts, [1, 3], "two orders, first met in seeds 1 and 3");
        assert_eq!(a.situations["region-2-finished-last"], Seen { runs: 2, example: 1 });
        assert_eq!(a.situations["region-1-finished-last"], Seen { runs: 1, example: 3 });
    }

    #[test]
    fn bits_beyond_the_architectures_pairs_are_ignored() {
        let mut tally = CoverageTally::default();
        tally.add_run(0, u128::MAX, &Places::workload1(), &[], &[], &RunSituations::default());
        let coverage = tally.into_coverage(Places::workload1().pairs());
        assert_eq!(coverage.pairs.len(), Places::workload1().pairs().len());
        assert!(coverage.pairs.values().all(|&runs| runs == 1));
    }

    #[test]
    fn a_republished_batch_is_the_sources_republish_with_the_records_it_publishes_again() {
        let event = |kind, subject, value| Event { time_us: 0, kind, region: 0, subject, value };
        let (places, mut run) = (Places::workload1(), RunSituations::default());
        run.observe(&event(Kind::BATCH_STOPPED, 2, 3), places.vocabulary());
        run.observe(&event(Kind::PUBLISH_REQUESTED, 2, 0), places.vocabulary());
        assert_eq!(run.finish(&places, &[], &[]), 0, "a request alone republishes nothing yet");
        run.observe(&event(Kind::BATCH_REPUBLISHED, 2, 4), places.vocabulary());
        run.observe(&event(Kind::BATCH_REPUBLISHED, 3, 1), places.vocabulary());
        assert_eq!(run.finish(&places, &[], &[]), Situation::BatchRepublished.bit());
        assert_eq!(run.republished(), 5, "the records of both");
        run.start();
        assert_eq!((run.finish(&places, &[], &[]), run.republished()), (0, 0));
    }

    #[test]
    fn wrapped_lines_fit_their_width() {
        let items: Vec<String> = (0..40).map(|i| format!("state-{i}/message {i}")).collect();
        let text = wrapped("kafka (40 of 40 pairs):", &items, 100);
        assert!(text.lines().all(|l| l.len() <= 100), "{text}");
        assert_eq!(text.matches("state-").count(), 40);
    }
}
