//! Distributions of integer values (simulated microseconds) as log-linear
//! histograms: exact counts in buckets at most 1/256 of their values wide
//! (exact below 256), the same layout as HdrHistogram's. Two histograms
//! merge exactly by adding counts; count, mean, minimum and maximum are
//! exact; a percentile is within [`RELATIVE_PRECISION`] of the exact one.

use serde::{Deserialize, Serialize};

/// 2^BITS linear buckets per power of two.
const BITS: u32 = 8;
/// The bucket of `u64::MAX`, plus one.
const MAX_BUCKETS: usize = bucket_of(u64::MAX) + 1;

/// How far a percentile may be from the exact one, relative to the larger
/// magnitude of the two values it lies between: half a bucket.
pub const RELATIVE_PRECISION: f64 = 1.0 / (1u64 << (BITS + 1)) as f64;

const fn bucket_of(v: u64) -> usize {
    if v < (1 << BITS) {
        return v as usize;
    }
    let shift = 63 - v.leading_zeros() - BITS;
    (((shift + 1) as usize) << BITS) + ((v >> shift) as usize - (1 << BITS))
}

/// The lowest value of a bucket and its width.
fn bucket_range(i: usize) -> (u64, u64) {
    if i < (1 << BITS) {
        return (i as u64, 1);
    }
    let shift = ((i >> BITS) - 1) as u32;
    ((((i & ((1 << BITS) - 1)) + (1 << BITS)) as u64) << shift, 1 << shift)
}

/// The middle value of a bucket (rounded down).
fn bucket_middle(i: usize) -> u64 {
    let (lowest, width) = bucket_range(i);
    lowest + (width - 1) / 2
}

/// A distribution of signed values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Sparse", try_from = "Sparse")]
pub struct Histogram {
    /// Counts of values >= 0 by bucket.
    positive: Vec<u64>,
    /// Counts of values < 0 by the bucket of their magnitude.
    negative: Vec<u64>,
    count: u64,
    sum: i64,
    min: i64,
    max: i64,
}

impl Histogram {
    pub fn record(&mut self, value: i64) {
        let (counts, magnitude) = match value {
            v if v >= 0 => (&mut self.positive, v as u64),
            v => (&mut self.negative, v.unsigned_abs()),
        };
        let bucket = bucket_of(magnitude);
        if counts.len() <= bucket {
            counts.resize(bucket + 1, 0);
        }
        counts[bucket] += 1;
        self.min = if self.count == 0 { value } else { self.min.min(value) };
        self.max = if self.count == 0 { value } else { self.max.max(value) };
        self.count += 1;
        self.sum = self.sum.saturating_add(value);
    }

    /// Adds the values of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        for (mine, theirs) in [(&mut self.positive, &other.positive), (&mut self.negative, &other.negative)] {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            mine.iter_mut().zip(theirs).for_each(|(m, t)| *m += t);
        }
        self.min = if self.count == 0 { other.min } else { self.min.min(other.min) };
        self.max = if self.count == 0 { other.max } else { self.max.max(other.max) };
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean(&self) -> Option<f64> {
        if self.count == 0 { None } else { Some(self.sum as f64 / self.count as f64) }
    }

    pub fn min(&self) -> Option<i64> {
        (self.count > 0).then_some(self.min)
    }

    pub fn max(&self) -> Option<i64> {
        (self.count > 0).then_some(self.max)
    }

    /// The `rank`-th smallest value (from 0), as the middle of its bucket,
    /// within the exact minimum and maximum.
    fn value_at_rank(&self, mut rank: u64) -> i64 {
        let negatives = self.negative.iter().enumerate().rev().map(|(i, &n)| (-(bucket_middle(i) as i128), n));
        let positives = self.positive.iter().enumerate().map(|(i, &n)| (i128::from(bucket_middle(i)), n));
        for (middle, n) in negatives.chain(positives) {
            if rank < n {
                return middle.clamp(i128::from(self.min), i128::from(self.max)) as i64;
            }
            rank -= n;
        }
        self.max
    }

    /// The `q` quantile (0 to 1) by linear interpolation between the two
    /// closest ranks, as polars' `QuantileMethod::Linear` computes it.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let position = q.clamp(0.0, 1.0) * (self.count - 1) as f64;
        let below = position.floor() as u64;
        let low = self.value_at_rank(below) as f64;
        let fraction = position - below as f64;
        if fraction == 0.0 {
            return Some(low);
        }
        let high = self.value_at_rank(below + 1) as f64;
        Some(low + fraction * (high - low))
    }

    /// Points of the cumulative distribution: (value, share of values at
    /// or below it), one per non-empty bucket, in increasing value.
    pub fn cumulative(&self) -> Vec<(i64, f64)> {
        let mut points = Vec::new();
        let mut seen = 0;
        let negatives = self.negative.iter().enumerate().rev().map(|(i, &n)| (-(bucket_middle(i) as i128), n));
        let positives = self.positive.iter().enumerate().map(|(i, &n)| (i128::from(bucket_middle(i)), n));
        for (middle, n) in negatives.chain(positives).filter(|&(_, n)| n > 0) {
            seen += n;
            let value = middle.clamp(i128::from(self.min), i128::from(self.max)) as i64;
            points.push((value, seen as f64 / self.count as f64));
        }
        points
    }
}

/// A histogram as stored in summaries: its exact figures, then the
/// non-empty buckets as [bucket, count], negative values in buckets
/// -1 - (the bucket of their magnitude).
#[derive(Serialize, Deserialize)]
struct Sparse {
    count: u64,
    sum: i64,
    min: i64,
    max: i64,
    buckets: Vec<(i64, u64)>,
}

impl From<Histogram> for Sparse {
    fn from(h: Histogram) -> Sparse {
        let negative = h.negative.iter().enumerate().rev().map(|(i, &n)| (-1 - i as i64, n));
        let positive = h.positive.iter().enumerate().map(|(i, &n)| (i as i64, n));
        let buckets = negative.chain(positive).filter(|&(_, n)| n > 0).collect();
        Sparse { count: h.count, sum: h.sum, min: h.min, max: h.max, buckets }
    }
}

impl TryFrom<Sparse> for Histogram {
    type Error = String;

    fn try_from(s: Sparse) -> Result<Histogram, String> {
        let mut h = Histogram { count: s.count, sum: s.sum, min: s.min, max: s.max, ..Histogram::default() };
        let mut total = 0u64;
        for (bucket, n) in s.buckets {
            let (counts, i) = match bucket {
                b if b >= 0 => (&mut h.positive, b as usize),
                b => (&mut h.negative, (-1 - b) as usize),
            };
            if i >= MAX_BUCKETS {
                return Err(format!("histogram bucket {bucket} is out of range"));
            }
            if counts.len() <= i {
                counts.resize(i + 1, 0);
            }
            counts[i] += n;
            total = total.checked_add(n).ok_or("histogram counts overflow")?;
        }
        if total != s.count || (s.count > 0 && s.min > s.max) {
            return Err(format!("histogram counts {total} values in its buckets but says {}", s.count));
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact linear-interpolation quantile of sorted values.
    fn exact(sorted: &[i64], q: f64) -> (f64, f64) {
        let position = q * (sorted.len() - 1) as f64;
        let (low, high) = (sorted[position.floor() as usize], sorted[position.ceil() as usize]);
        let value = low as f64 + (position - position.floor()) * (high - low) as f64;
        (value, low.unsigned_abs().max(high.unsigned_abs()) as f64)
    }

    #[test]
    fn buckets_are_contiguous_and_narrow() {
        for i in 0..MAX_BUCKETS - 1 {
            let (lowest, width) = bucket_range(i);
            assert_eq!(lowest + width, bucket_range(i + 1).0, "bucket {i}");
            assert_eq!((bucket_of(lowest), bucket_of(lowest + width - 1)), (i, i));
            assert!(width == 1 || width <= lowest >> BITS, "bucket {i}: {lowest} + {width}");
        }
        assert_eq!(bucket_of(u64::MAX), MAX_BUCKETS - 1);
    }

    #[test]
    fn percentiles_are_within_the_stated_precision_of_the_exact_ones() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for sample in 0..200 {
            let len = 1 + (next() % 3000) as usize;
            let scale = 1u64 << (next() % 34);
            let signed = sample % 4 == 0;
            let values: Vec<i64> = (0..len)
                .map(|_| {
                    let v = (next() % scale) as i64;
                    if signed && next() % 5 == 0 { -v } else { v }
                })
                .collect();
            let mut h = Histogram::default();
            values.iter().for_each(|&v| h.record(v));
            let mut sorted = values.clone();
            sorted.sort_unstable();
            for q in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
                let (want, magnitude) = exact(&sorted, q);
                let got = h.quantile(q).unwrap();
                assert!((got - want).abs() <= magnitude * RELATIVE_PRECISION, "q {q}: {got} vs {want}");
            }
            assert_eq!(h.count(), len as u64);
            assert_eq!((h.min(), h.max()), (sorted.first().copied(), sorted.last().copied()));
            let mean = values.iter().sum::<i64>() as f64 / len as f64;
            assert!((h.mean().unwrap() - mean).abs() < 1e-6 * mean.abs().max(1.0));
        }
    }

    #[test]
    fn merged_halves_equal_the_whole_and_survive_storage() {
        let values: Vec<i64> = (0..5000).map(|i| (i * 7919 % 100_003) - 300).collect();
        let (mut whole, mut first, mut second) = (Histogram::default(), Histogram::default(), Histogram::default());
        values.iter().for_each(|&v| whole.record(v));
        values[..1234].iter().for_each(|&v| first.record(v));
        values[1234..].iter().for_each(|&v| second.record(v));
        second.merge(&first);
        assert_eq!(second, whole);
        let stored = serde_json::to_string(&whole).unwrap();
        assert_eq!(serde_json::from_str::<Histogram>(&stored).unwrap(), whole);
        let forged = r#"{"count":1,"sum":0,"min":0,"max":0,"buckets":[[99999999999,1]]}"#;
        assert!(serde_json::from_str::<Histogram>(forged).unwrap_err().to_string().contains("out of range"));
    }
}
