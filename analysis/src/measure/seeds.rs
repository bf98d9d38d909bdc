//! Which runs of one group were counted, as ranges of seeds with the file
//! each came from: a handful of ranges for the usual contiguous seed ranges,
//! whatever the number of runs. A run met again is a duplicate, counted
//! once and reported with both files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Seeds first..=last, read from one file (an index into the summary's
/// file list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    pub first: u64,
    pub last: u64,
    pub file: u32,
}

impl SeedRange {
    /// How many seeds the range holds.
    pub fn seeds(&self) -> u64 {
        self.last - self.first + 1
    }
}

/// Runs met again: seeds first..=last of `again` had been read from `kept`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicates {
    pub first: u64,
    pub last: u64,
    pub kept: u32,
    pub again: u32,
}

/// How many ranges of duplicates a group lists; the count is always exact.
pub const LISTED_DUPLICATES: usize = 20;

/// The seeds counted in one group, by first seed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<SeedRange>", into = "Vec<SeedRange>")]
pub struct SeedSet {
    ranges: BTreeMap<u64, (u64, u32)>,
}

impl SeedSet {
    /// Counts `seed`, read from `file`; if it was counted before, returns
    /// the file it was read from instead.
    pub fn insert(&mut self, seed: u64, file: u32) -> Result<(), u32> {
        if let Some(kept) = self.file_of(seed) {
            return Err(kept);
        }
        let before = self.ranges.range(..=seed).next_back().map(|(&first, &(last, f))| (first, last, f));
        let after = seed.checked_add(1).and_then(|next| self.ranges.get(&next).map(|&(last, f)| (next, last, f)));
        let joins_before = before.filter(|&(_, last, f)| f == file && last + 1 == seed);
        let joins_after = after.filter(|&(_, _, f)| f == file);
        let first = joins_before.map_or(seed, |(first, _, _)| first);
        let last = match joins_after {
            Some((next, last, _)) => {
                self.ranges.remove(&next);
                last
            }
            None => seed,
        };
        self.ranges.insert(first, (last, file));
        Ok(())
    }

    /// The file `seed` was counted from, if it was.
    pub fn file_of(&self, seed: u64) -> Option<u32> {
        let (_, &(last, file)) = self.ranges.range(..=seed).next_back()?;
        (last >= seed).then_some(file)
    }

    /// Forgets `seed`.
    pub fn remove(&mut self, seed: u64) {
        let Some((&first, &(last, file))) = self.ranges.range(..=seed).next_back().filter(|(_, (l, _))| *l >= seed)
        else {
            return;
        };
        self.ranges.remove(&first);
        if first < seed {
            self.ranges.insert(first, (seed - 1, file));
        }
        if seed < last {
            self.ranges.insert(seed + 1, (last, file));
        }
    }

    /// How many seeds are counted.
    pub fn len(&self) -> u64 {
        self.ranges().map(|r| r.seeds()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The `n`th smallest seed counted, from 0.
    pub fn nth(&self, mut n: u64) -> Option<u64> {
        for range in self.ranges() {
            if n < range.seeds() {
                return Some(range.first + n);
            }
            n -= range.seeds();
        }
        None
    }

    pub fn ranges(&self) -> impl Iterator<Item = SeedRange> + '_ {
        self.ranges.iter().map(|(&first, &(last, file))| SeedRange { first, last, file })
    }

    /// The seeds counted in both sets, as ranges of `other` with the file
    /// of `self` they were counted from.
    pub fn overlap(&self, other: &SeedSet) -> Vec<Duplicates> {
        let mut found = Vec::new();
        for theirs in other.ranges() {
            let start = self.ranges.range(..=theirs.first).next_back().map_or(theirs.first, |(&f, _)| f);
            for mine in self.ranges.range(start..=theirs.last).map(|(&first, &(last, file))| (first, last, file)) {
                let (first, last) = (mine.0.max(theirs.first), mine.1.min(theirs.last));
                if first <= last {
                    found.push(Duplicates { first, last, kept: mine.2, again: theirs.file });
                }
            }
        }
        found
    }

    /// Adds every seed of `other`, which must not overlap this set.
    pub fn add_disjoint(&mut self, other: &SeedSet) {
        for r in other.ranges() {
            self.ranges.insert(r.first, (r.last, r.file));
        }
    }

    /// The same set with every file index mapped through `files`.
    pub fn renumbered(&self, files: &[u32]) -> SeedSet {
        SeedSet { ranges: self.ranges.iter().map(|(&first, &(last, f))| (first, (last, files[f as usize]))).collect() }
    }
}

impl From<Vec<SeedRange>> for SeedSet {
    fn from(ranges: Vec<SeedRange>) -> SeedSet {
        SeedSet { ranges: ranges.into_iter().map(|r| (r.first, (r.last, r.file))).collect() }
    }
}

impl From<SeedSet> for Vec<SeedRange> {
    fn from(set: SeedSet) -> Vec<SeedRange> {
        set.ranges().collect()
    }
}

/// The duplicate runs of one group: an exact count and the first ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateRuns {
    pub runs: u64,
    pub listed: Vec<Duplicates>,
}

impl DuplicateRuns {
    /// Notes one range of duplicates, extending the last one listed when
    /// it continues it.
    pub fn add(&mut self, d: Duplicates) {
        self.runs += d.last - d.first + 1;
        if let Some(last) = self.listed.last_mut()
            && (last.kept, last.again) == (d.kept, d.again)
            && last.last.checked_add(1) == Some(d.first)
        {
            last.last = d.last;
        } else if self.listed.len() < LISTED_DUPLICATES {
            self.listed.push(d);
        }
    }

    pub fn merge(&mut self, other: &DuplicateRuns) {
        let runs = self.runs + other.runs;
        other.listed.iter().for_each(|&d| self.add(d));
        self.runs = runs;
    }

    /// The same list with every file index mapped through `files`.
    pub fn renumbered(&self, files: &[u32]) -> DuplicateRuns {
        let map = |d: &Duplicates| Duplicates { kept: files[d.kept as usize], again: files[d.again as usize], ..*d };
        DuplicateRuns { runs: self.runs, listed: self.listed.iter().map(map).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_seeds_of_one_file_stay_one_range() {
        let mut set = SeedSet::default();
        for seed in (0..1000).rev().chain(1000..2000) {
            set.insert(seed, 0).unwrap();
        }
        for seed in 2000..3000 {
            set.insert(seed, 1).unwrap();
        }
        assert_eq!(set.ranges().count(), 2);
        assert_eq!(set.len(), 3000);
        assert_eq!(set.insert(1500, 2), Err(0));
        assert_eq!(set.insert(2999, 2), Err(1));
        set.insert(5, 0).unwrap_err();
        set.insert(u64::MAX, 3).unwrap();
        assert_eq!(set.insert(u64::MAX, 3), Err(3));
    }

    #[test]
    fn gaps_filled_later_join_their_neighbours() {
        let mut set = SeedSet::default();
        for seed in [1, 3, 5, 2, 4] {
            set.insert(seed, 7).unwrap();
        }
        assert_eq!(set.ranges().collect::<Vec<_>>(), [SeedRange { first: 1, last: 5, file: 7 }]);
    }

    #[test]
    fn overlaps_name_both_files() {
        let a: SeedSet =
            vec![SeedRange { first: 0, last: 99, file: 0 }, SeedRange { first: 200, last: 299, file: 1 }].into();
        let b: SeedSet = vec![SeedRange { first: 50, last: 250, file: 5 }].into();
        let found = a.overlap(&b);
        assert_eq!(
            found,
            [
                Duplicates { first: 50, last: 99, kept: 0, again: 5 },
                Duplicates { first: 200, last: 250, kept: 1, again: 5 }
            ]
        );
        assert!(a.overlap(&vec![SeedRange { first: 100, last: 199, file: 2 }].into()).is_empty());
    }
}
