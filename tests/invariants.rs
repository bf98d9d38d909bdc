//! The invariants the simulator checks while it runs, each shown firing on a
//! deliberately broken machine, with the seed in the error; and shown quiet
//! on the real model, in every scenario and under every design variant,
//! explored or not.

use wl1::config::{Options, Profile, Variant};
use wl1::engine::{ActorId, Ctx, Envelope, Pending, System};
use wl1::model::topology::{DRIVER, Db, IN_DNS, SOURCE, cluster, inbound, receiver};
use wl1::model::{HasWorld, Msg, Record};
use wl1::run::{RunSpec, RunWorld, SimError, Simulator, run_guarded};
use wl1::scenario::{BUILT_IN, Driver, built_in};

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
    let result = run_guarded(&mut sim, seed, |sim| sim.run_with(&spec, seed, |world| Broken { world, tamper }));
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
fn custody_fires_when_a_machine_loses_a_record() {
    // In-DNS answers the source "done" without forwarding record 3.
    let message = broken_run(11, |_, ctx, env| match env.msg {
        Msg::Invoke(Record { id: 3, .. }) if env.to == IN_DNS => {
            ctx.send(SOURCE, Msg::Answer(true));
            Tampered::Swallowed
        }
        _ => Tampered::Untouched,
    });
    assert!(message.contains("record 3 was published and is held nowhere"), "{message}");
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
        Msg::InsertAnswer(_) if env.to == receiver(1) => {
            Tampered::Replaced(Envelope { from: cluster(Db::Validator), ..env })
        }
        _ => Tampered::Untouched,
    });
    let expected = "receiver-1 awaited Insert answer from receiver-db but got InsertAnswer(true) from validator-db";
    assert!(message.contains(expected), "{message}");
}

#[test]
fn coverage_fires_when_a_machine_handles_a_message_in_a_state_its_rules_never_allow() {
    // Receiver-1 takes a Fail while it awaits its database's answer, instead
    // of letting the command wait: the answer then finds it failed.
    let message = broken_run(14, |world, ctx, env| match env.msg {
        Msg::Invoke(_) if env.to == receiver(1) => {
            world.handle(ctx, env);
            world.handle(ctx, Envelope { from: DRIVER, to: receiver(1), msg: Msg::Fail });
            Tampered::Swallowed
        }
        _ => Tampered::Untouched,
    });
    let expected = "receiver-1 handled InsertAnswer(true) in state failed-processing, which its rules do not allow";
    assert!(message.contains(expected), "{message}");
}

#[test]
fn the_real_model_keeps_every_invariant_in_every_scenario_and_variant_explored_or_not() {
    let mut sim = Simulator::new();
    let variants = std::iter::once(None).chain(Variant::ALL.iter().copied().map(Some));
    for variant in variants {
        let options = Options { variants: variant.into_iter().collect(), ..Options::default() };
        for scenario in BUILT_IN {
            for explore in [false, true] {
                let spec = checked(scenario, options.clone()).exploring(explore);
                for seed in 0..20 {
                    if let Err(e) = run_guarded(&mut sim, seed, |sim| sim.run(&spec, seed)) {
                        panic!("{scenario} with {variant:?}, explore {explore}: {e}");
                    }
                }
            }
        }
    }
}
