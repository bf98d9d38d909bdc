use std::collections::BTreeMap;
use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::built_in;
use wl1::trace::Kind;

#[test]
#[ignore]
fn probe() {
    let n: u64 = std::env::var("N").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let scen = std::env::var("SCEN").unwrap_or("baseline".into());
    let spec = RunSpec::new(built_in(&scen).unwrap(), Options::default(), Profile::default()).exploring(true);
    let mut sim = Simulator::new();
    let mut orders: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    let mut ends = Vec::new();
    let mut kinds = BTreeMap::new();
    for seed in 0..n {
        let h = sim.run(&spec, seed);
        *kinds.entry(format!("{:?}", h.outcome.kind)).or_insert(0) += 1;
        ends.push(h.outcome.end_us);
        let mut seen = std::collections::BTreeSet::new();
        let arr: Vec<u32> = sim.events().iter().filter(|e| e.kind == Kind::DestinationReceived && seen.insert(e.subject)).map(|e| e.subject).collect();
        *orders.entry(arr).or_insert(0) += 1;
    }
    ends.sort();
    let mut counts: Vec<(u64, String)> = orders.iter().map(|(o, c)| (*c, o.chunks(5).map(|b| if b[0] % 2 == 1 {'1'} else {'2'}).collect())).collect();
    counts.sort();
    counts.reverse();
    let p: f64 = counts.iter().map(|(c, _)| { let q = *c as f64 / n as f64; -q * q.ln() }).sum();
    println!("{scen}: {} orders in {n}, top {:?}, eff {:.1}, kinds {kinds:?}", orders.len(), &counts[..5.min(counts.len())], p.exp());
    println!("end us p10 {} p50 {} p90 {} max {}", ends[n as usize/10], ends[n as usize/2], ends[n as usize*9/10], ends[n as usize-1]);
}
