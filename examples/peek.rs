use wl1::model::Options;
use wl1::run::{Profile, RunSpec, Simulator};
use wl1::scenario::built_in;
fn main() {
    let name = std::env::args().nth(1).unwrap_or("baseline".into());
    let spec = RunSpec::new(
        built_in(&name).unwrap(),
        Options::default(),
        Profile::default(),
    );
    let mut sim = Simulator::new();
    let mut kinds = std::collections::BTreeMap::new();
    for seed in 0..20 {
        let h = sim.run(&spec, seed);
        let ev = sim.events();
        let delivered: std::collections::BTreeSet<u32> = ev
            .iter()
            .filter(|e| e.kind == wl1::trace::Kind::DestinationReceived)
            .map(|e| e.subject)
            .collect();
        *kinds.entry(format!("{:?}", h.outcome.kind)).or_insert(0) += 1;
        println!(
            "seed {seed}: {:?} end {}ms msgs {} events {} delivered {}",
            h.outcome.kind,
            h.outcome.end_us / 1000,
            h.outcome.message_events,
            ev.len(),
            delivered.len()
        );
    }
    println!("{kinds:?}");
}
