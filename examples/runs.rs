use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::built_in;
fn main() {
    let n: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let spec = RunSpec::new(built_in("baseline").unwrap(), Options::default(), Profile::default());
    let mut sim = Simulator::new();
    let m: u64 = (0..n).map(|s| sim.run(&spec, s).outcome.message_events).sum();
    println!("{m}");
}
