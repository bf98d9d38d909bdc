//! The invariants the simulator checks while it runs, each shown firing on a
//! deliberately broken machine, with the seed in the error; custody shown
//! firing on a record lost right after each of the twelve stages; and all
//! shown quiet on the real model, in every scenario and under every design
//! variant, explored or not.

use std::io::Write;

use wl1::config::{Options, Profile};
use wl1::engine::{ActorId, Ctx, Envelope, MICROSECOND, Pending, System};
use wl1::model::topology::events as w1;
use wl1::model::topology::{
    DESTINATION, DRIVER, Db, IN_DNS, Role, WORKLOAD1, cluster, home_region, inbound, processor, receiver, role,
};
use wl1::model::{Batch, Destination, HasWorld, Msg, Record, Wiring};
use wl1::run::{RunSpec, RunWorld, SimError, Simulator, run_guarded};
use wl1::scenario::{BUILT_IN, Driver, built_in};
use wl1::trace::{Event, Kind};

/// Hands every message to the world, except that `tamper` may replace it.
struct Broken<'w, F> {
    world: &'w mut RunWorld,
    tamper: F,
}

/// What a broken machine does with a message instead of handling it.
enum Tampered {
    /// Handled as it is.
    Untouched,
    /// Handled as this other message.
    Replaced(Envelope<Msg>),
    /// Swallowed: the wrapper answered in its place.
    Swallowed,
}

impl<F> System for Broken<'_, F>
where
    F: FnMut(&mut RunWorld, &mut Ctx<'_, Msg>, Envelope<Msg>) -> Tampered,
{
    type Msg = Msg;

    fn accepts(&self, to: ActorId, msg: &Msg) -> bool {
        self.world.accepts(to, msg)
    }

    fn handle(&mut self, ctx: &mut Ctx<'_, Msg>, env: Envelope<Msg>) {
        match (self.tamper)(self.world, ctx, env) {
            Tampered::Untouched => self.world.handle(ctx, env),
            Tampered::Replaced(other) => self.world.handle(ctx, other),
            Tampered::Swallowed => {}
        }
    }

    fn after_delivery(&mut self, _: Pending<'_, Msg>) {}
}

impl<F> HasWorld for Broken<'_, F> {
    type Harness = Driver;
    fn world(&self) -> &RunWorld {
        self.world
    }
}

fn checked(scenario: &str, options: Options) -> RunSpec {
    RunSpec { check_invariants: true, ..RunSpec::new(built_in(scenario).unwrap(), options, Profile::default()) }
}

/// The invariant message of `seed` of baseline run with a broken machine.
fn broken_run<F>(seed: u64, tamper: F) -> String
where
    F: FnMut(&mut RunWorld, &mut Ctx<'_, Msg>, Envelope<Msg>) -> Tampered,
{
    let spec = checked("baseline", Options::default());
    let mut sim = Simulator::new();
    broken(seed, run_guarded(&mut sim, seed, |sim| sim.run_with(&spec, seed, |world| Broken { world, tamper })))
}

/// The message of the broken invariant that stopped the run of `seed`,
/// whose error names the seed.
fn broken<T: std::fmt::Debug>(seed: u64, result: Result<T, SimError>) -> String {
    match result {
        Err(SimError::Invariant { seed: failed, message }) => {
            let error = SimError::Invariant { seed: failed, message: message.clone() }.to_string();
            assert!(error.contains(&format!("seed {seed}")), "{error}");
            message
        }
        other => panic!("the broken machine went unnoticed: {other:?}"),
    }
}

#[test]
fn provenance_fires_when_a_stream_holds_a_record_it_never_received() {
    // Inbound-1 stores record 999 in place of what was appended.
    let message = broken_run(12, |world, _, env| match env.msg {
        Msg::Append(_) if env.to == inbound(1) => {
            let forged = world.arena.put([Record { id: 999, value: 1 }]);
            Tampered::Replaced(Envelope { msg: Msg::Append(forged), ..env })
        }
        _ => Tampered::Untouched,
    });
    assert!(message.contains("inbound-1 holds record 999, which never reached it"), "{message}");
}

#[test]
fn answer_matching_fires_when_an_answer_comes_from_the_wrong_machine() {
    // Receiver-1's database answer arrives as if from the validator database.
    let message = broken_run(13, |_, _, env| match env.msg {
        Msg::InsertAnswer { .. } if env.to == receiver(1) => {
            Tampered::Replaced(Envelope { from: cluster(Db::Validator), ..env })
        }
        _ => Tampered::Untouched,
    });
    let expected =
        "receiver-1 awaited Insert answer from receiver-db but got InsertAnswer { ok: true, id: 1 } from validator-db";
    assert!(message.contains(expected), "{message}");
}

/// The invariant message of `seed` when `actor` takes a Fail right after
/// handling a message that `first` picks, instead of letting the command
/// wait for the answer it awaits.
fn failed_at_once(seed: u64, actor: ActorId, first: fn(&Msg) -> bool) -> String {
    broken_run(seed, move |world, ctx, env| {
        if env.to != actor || !first(&env.msg) {
            return Tampered::Untouched;
        }
        world.handle(ctx, env);
        world.handle(ctx, Envelope { from: DRIVER, to: actor, msg: Msg::Fail });
        Tampered::Swallowed
    })
}

#[test]
fn coverage_fires_when_a_machine_handles_a_message_in_a_state_its_rules_never_allow() {
    // Processor-1 fails while it awaits its database: the answer finds it failed.
    let message = failed_at_once(14, processor(1), |msg| matches!(msg, Msg::Deliver(_)));
    let expected =
        "processor-1 handled InsertAnswer { ok: true, id: 1 } in state failed-processing, which its rules do not allow";
    assert!(message.contains(expected), "{message}");
}

#[test]
fn a_machine_s_own_preconditions_fire_before_a_state_its_rules_never_allow() {
    // Receiver-1 takes a Fail during a call: the receiver itself refuses.
    let message = failed_at_once(15, receiver(1), |msg| matches!(msg, Msg::Invoke(_)));
    assert!(message.contains("receiver-1 took Fail during a call: commands wait for its answer"), "{message}");
}

/// How a probe loses its record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum How {
    /// The message carrying it to the machine loses it on the way; the
    /// machine gets the rest, or its sender a success in its place.
    OnTheWay,
    /// The machine traces the stage for it, then loses it.
    AfterTracing,
    /// As `AfterTracing`, and the machine then removes the whole batch it
    /// was handed from the stream it came from.
    AfterTracingRemovesWhole,
    /// As `OnTheWay`, and the machine then removes the whole batch.
    OnTheWayRemovesWhole,
    /// Once every record has been removed from outbound, the destination
    /// forgets what it received, at its next delivery (the answer to its
    /// last remove).
    Forgets,
}

/// A test-only fault that makes one record vanish right after it reaches
/// `stage`, at the machine `at` names.
#[derive(Clone, Copy)]
struct Probe {
    stage: Kind,
    at: fn(ActorId) -> bool,
    how: How,
}

/// One probe per stage, in stage order.
const PROBES: [Probe; 12] = [
    Probe { stage: Kind::PUBLISHED, at: |a| a == IN_DNS, how: How::OnTheWay },
    Probe { stage: w1::RECEIVER_INVOKED, at: |a| matches!(role(a), Role::Receiver(_)), how: How::AfterTracing },
    Probe { stage: w1::RECEIVER_DB_STORED, at: |a| matches!(role(a), Role::Validator(_)), how: How::OnTheWay },
    Probe { stage: w1::VALIDATOR_INVOKED, at: |a| matches!(role(a), Role::Validator(_)), how: How::AfterTracing },
    Probe { stage: w1::VALIDATOR_DB_STORED, at: |a| matches!(role(a), Role::Inbound(_)), how: How::OnTheWay },
    Probe { stage: w1::INBOUND_APPENDED, at: |a| matches!(role(a), Role::Inbound(_)), how: How::AfterTracing },
    Probe {
        stage: w1::PROCESSOR_READ,
        at: |a| matches!(role(a), Role::Processor(_)),
        how: How::AfterTracingRemovesWhole,
    },
    Probe { stage: w1::PROCESSOR_DB_STORED, at: |a| matches!(role(a), Role::Outbound(_)), how: How::OnTheWay },
    Probe { stage: w1::OUTBOUND_APPENDED, at: |a| matches!(role(a), Role::Outbound(_)), how: How::AfterTracing },
    Probe { stage: w1::INBOUND_REMOVED, at: |a| a == DESTINATION, how: How::OnTheWayRemovesWhole },
    Probe { stage: w1::DESTINATION_RECEIVED, at: |a| a == DESTINATION, how: How::AfterTracing },
    Probe { stage: w1::OUTBOUND_REMOVED, at: |a| a == DESTINATION, how: How::Forgets },
];

/// The world with a probe in it, set on record `id`.
struct Vanishing<'w> {
    world: &'w mut RunWorld,
    probe: Probe,
    id: u32,
    fired: bool,
    /// The batch a machine was handed without the record, and the whole
    /// batch it removes in its place.
    stripped: Option<(Batch, Batch)>,
}

impl Vanishing<'_> {
    /// The record `msg` carries with id `self.id`, and the rest of its batch.
    fn carried(&mut self, msg: Msg) -> Option<(Record, Option<Batch>)> {
        let batch = match msg {
            Msg::Invoke(record) => return (record.id == self.id).then_some((record, None)),
            Msg::Append(batch) | Msg::Deliver(batch) => batch,
            _ => return None,
        };
        let records = self.world.arena.get(batch).to_vec();
        let record = *records.iter().find(|r| r.id == self.id)?;
        let rest: Vec<Record> = records.into_iter().filter(|r| r.id != self.id).collect();
        Some((record, (!rest.is_empty()).then(|| self.world.arena.put(rest))))
    }

    /// Loses the record of `env` as the probe says.
    fn lose(&mut self, ctx: &mut Ctx<'_, Msg>, env: Envelope<Msg>, record: Record, rest: Option<Batch>) {
        if matches!(self.probe.how, How::AfterTracing | How::AfterTracingRemovesWhole) {
            let region = home_region(if env.to == DESTINATION { env.from } else { env.to });
            let value = if WORKLOAD1.vocabulary().carries_value(self.probe.stage) { record.value } else { 0 };
            let time_us = ctx.now() / MICROSECOND;
            self.world.trace.push(Event { time_us, kind: self.probe.stage, region, subject: record.id, value });
        }
        match (env.msg, rest) {
            (Msg::Invoke(_), _) => ctx.send(env.from, Msg::Answer(true)),
            (Msg::Append(_), None) => ctx.send(env.from, Msg::AppendAnswer(true)),
            (Msg::Append(_), Some(rest)) => self.world.handle(ctx, Envelope { msg: Msg::Append(rest), ..env }),
            (Msg::Deliver(whole), Some(rest)) => {
                if matches!(self.probe.how, How::AfterTracingRemovesWhole | How::OnTheWayRemovesWhole) {
                    self.stripped = Some((rest, whole));
                }
                self.world.handle(ctx, Envelope { msg: Msg::Deliver(rest), ..env });
            }
            (other, _) => panic!("the probe cannot lose a record from {other:?}"),
        }
    }

    /// A remove of the batch the machine was handed without the record
    /// becomes a remove of the whole batch.
    fn remove_whole(&self, env: Envelope<Msg>) -> Envelope<Msg> {
        let msg = match (self.stripped, env.msg) {
            (Some((rest, whole)), Msg::Remove(batch)) if batch == rest => Msg::Remove(whole),
            (Some((rest, whole)), Msg::RemoveVia { region, batch }) if batch == rest => {
                Msg::RemoveVia { region, batch: whole }
            }
            (_, msg) => msg,
        };
        Envelope { msg, ..env }
    }

    fn everything_removed_from_outbound(&self) -> bool {
        let removed = self.world.trace.iter().filter(|e| e.kind == w1::OUTBOUND_REMOVED).count();
        removed == self.world.machines.source().records().len()
    }
}

impl System for Vanishing<'_> {
    type Msg = Msg;

    fn accepts(&self, to: ActorId, msg: &Msg) -> bool {
        self.world.accepts(to, msg)
    }

    fn handle(&mut self, ctx: &mut Ctx<'_, Msg>, env: Envelope<Msg>) {
        let env = self.remove_whole(env);
        if !self.fired
            && self.probe.how != How::Forgets
            && (self.probe.at)(env.to)
            && let Some((record, rest)) = self.carried(env.msg)
        {
            self.fired = true;
            return self.lose(ctx, env, record, rest);
        }
        self.world.handle(ctx, env);
        let at = (self.probe.at)(env.to);
        if !self.fired && self.probe.how == How::Forgets && at && self.everything_removed_from_outbound() {
            self.fired = true;
            *self.world.machines.destination_mut() = Destination::new(&Wiring::of(&WORKLOAD1, DESTINATION));
        }
    }

    fn after_delivery(&mut self, _: Pending<'_, Msg>) {}
}

impl HasWorld for Vanishing<'_> {
    type Harness = Driver;
    fn world(&self) -> &RunWorld {
        self.world
    }
}

/// The record the probes lose: in region 1's first inbound and outbound
/// batch of baseline, with other records beside it.
const PROBED: u32 = 7;

#[test]
fn a_record_lost_right_after_any_of_the_twelve_stages_stops_the_run_with_its_seed_and_stage() {
    let spec = checked("baseline", Options::default());
    let mut sim = Simulator::new();
    for (i, probe) in PROBES.into_iter().enumerate() {
        assert_eq!(probe.stage, w1::STAGES[i]);
        let seed = 30 + i as u64;
        let run = |sim: &mut Simulator| {
            sim.run_with(&spec, seed, |world| Vanishing { world, probe, id: PROBED, fired: false, stripped: None })
        };
        let message = broken(seed, run_guarded(&mut sim, seed, run));
        // The destination forgets every record at once; the first is named.
        let record = if probe.how == How::Forgets { 1 } else { PROBED };
        let expected = format!("record {record} vanished after stage {}", WORKLOAD1.event_name(probe.stage));
        assert!(message.contains(&expected), "probe {}: {message}", i + 1);
        eprintln!("probe {:>2}, seed {seed}: {message}", i + 1);
    }
}

/// Seeds per scenario, variant and exploring or not in the suite below.
const SEEDS: u64 = 100;

/// The runs of `scenario`, under no variant and each variant, explored or
/// not, that broke an invariant.
fn broken_runs(scenario: &str) -> Vec<String> {
    let mut sim = Simulator::new();
    let mut broken = Vec::new();
    for variant in std::iter::once(None).chain(WORKLOAD1.variants().map(Some)) {
        let options = Options { variants: variant.into_iter().collect(), ..Options::default() };
        for explore in [false, true] {
            let spec = checked(scenario, options.clone()).exploring(explore);
            for seed in 0..SEEDS {
                if let Err(e) = run_guarded(&mut sim, seed, |sim| sim.run(&spec, seed)) {
                    broken.push(format!("{scenario} with {variant:?}, explore {explore}: {e}"));
                }
            }
        }
    }
    broken
}

#[test]
fn the_real_model_keeps_every_invariant_in_every_scenario_and_variant_explored_or_not() {
    let broken: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = BUILT_IN.map(|scenario| scope.spawn(move || broken_runs(scenario))).into();
        runs.into_iter().flat_map(|runs| runs.join().expect("the checks ran")).collect()
    });
    let variants = WORKLOAD1.variants().count() + 1;
    let line = format!(
        "online checks: {} scenarios x {variants} variants (none included) x {SEEDS} seeds, explored or not: {} \
         broken",
        BUILT_IN.len(),
        broken.len()
    );
    // Straight to stderr, so that CI's log shows it: the test harness
    // captures only the print macros of a passing test.
    writeln!(std::io::stderr(), "{line}").expect("stderr is writable");
    assert!(broken.is_empty(), "{line}:\n{}", broken.join("\n"));
}
