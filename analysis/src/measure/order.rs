//! Ordering at the destination: a run's first arrivals compared with
//! publish order, globally and per region the arrivals came from.

use serde::{Deserialize, Serialize};

/// The scope of an ordering figure: 0 for all arrivals, else the region
/// the arrivals came from.
pub const GLOBAL: u32 = 0;
/// The regions whose arrivals are also measured on their own.
pub const ORDER_REGIONS: [u32; 2] = [1, 2];

/// Order figures of one sequence of publish positions, in arrival order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderStats {
    pub arrivals: u32,
    /// Records that arrived after a record published later.
    pub out_of_order: u32,
    /// Pairs that arrived in the opposite order of their publication.
    pub inversions: u64,
    /// How far a record's arrival position is from its publish position.
    pub max_displacement: u32,
}

impl OrderStats {
    /// `published[i]` is the publish position (any increasing measure,
    /// distinct) of the i-th arrival.
    pub fn of(published: &[u32]) -> OrderStats {
        let mut sorted = published.to_vec();
        let inversions = sort_counting_inversions(&mut sorted);
        let mut latest = None;
        let mut stats = OrderStats { arrivals: published.len() as u32, inversions, ..OrderStats::default() };
        for (i, &p) in published.iter().enumerate() {
            if latest.is_some_and(|l| p < l) {
                stats.out_of_order += 1;
            }
            latest = latest.max(Some(p));
            let rank = sorted.partition_point(|&q| q < p);
            stats.max_displacement = stats.max_displacement.max(rank.abs_diff(i) as u32);
        }
        stats
    }

    /// Pairs of arrivals: what the inversion count is normalised by.
    pub fn pairs(&self) -> u64 {
        let n = u64::from(self.arrivals);
        n * n.saturating_sub(1) / 2
    }
}

/// The first arrival (its position) published before a record that
/// arrived earlier, if any.
pub fn first_late(published: &[u32]) -> Option<usize> {
    let mut latest = *published.first()?;
    (1..published.len()).find(|&i| {
        let late = published[i] < latest;
        latest = latest.max(published[i]);
        late
    })
}

/// Sorts `values` by merging, and counts the pairs that were out of order.
fn sort_counting_inversions(values: &mut [u32]) -> u64 {
    let n = values.len();
    if n < 2 {
        return 0;
    }
    let (left, right) = values.split_at_mut(n / 2);
    let mut inversions = sort_counting_inversions(left) + sort_counting_inversions(right);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if right[j] < left[i] {
            inversions += (left.len() - i) as u64;
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    values.copy_from_slice(&merged);
    inversions
}

/// Order figures of many runs in one scope, added up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotals {
    /// Runs with at least one arrival in the scope.
    pub runs: u64,
    pub arrivals: u64,
    pub out_of_order: u64,
    pub inversions: u64,
    pub pairs: u64,
    pub max_displacement: u32,
}

impl OrderTotals {
    pub fn add_run(&mut self, s: &OrderStats) {
        self.runs += 1;
        self.arrivals += u64::from(s.arrivals);
        self.out_of_order += u64::from(s.out_of_order);
        self.inversions += s.inversions;
        self.pairs += s.pairs();
        self.max_displacement = self.max_displacement.max(s.max_displacement);
    }

    pub fn merge(&mut self, other: &OrderTotals) {
        self.runs += other.runs;
        self.arrivals += other.arrivals;
        self.out_of_order += other.out_of_order;
        self.inversions += other.inversions;
        self.pairs += other.pairs;
        self.max_displacement = self.max_displacement.max(other.max_displacement);
    }

    /// The share of arrivals that came after a record published later.
    pub fn out_of_order_share(&self) -> f64 {
        ratio(self.out_of_order, self.arrivals)
    }

    /// Inversions over pairs of arrivals: 0 in order, 1 reversed.
    pub fn inversions_normalised(&self) -> f64 {
        ratio(self.inversions, self.pairs)
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// The name of a scope as reports show it.
pub fn scope_name(scope: u32) -> String {
    match scope {
        GLOBAL => "global".into(),
        region => format!("region {region}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_counts_inversions_like_comparing_every_pair() {
        let mut state = 7u32;
        for len in 0..60 {
            let mut values: Vec<u32> = (0..len).collect();
            for i in (1..values.len()).rev() {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                values.swap(i, (state >> 8) as usize % (i + 1));
            }
            let pairs = (0..values.len())
                .map(|i| values[i + 1..].iter().filter(|&&q| q < values[i]).count() as u64)
                .sum::<u64>();
            assert_eq!(OrderStats::of(&values).inversions, pairs, "{values:?}");
        }
        assert_eq!(first_late(&[1, 3, 2, 0]), Some(2));
        assert_eq!(first_late(&[1, 2]), None);
    }
}
