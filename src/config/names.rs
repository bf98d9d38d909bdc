//! Names given by a person and the names they may have meant: a typo in a
//! scenario, variant or drill step is answered with the closest valid name.

/// The name of `names` closest to `given`, if one is close enough to be a
/// typo of it: at most a third of its letters changed, added, removed or
/// swapped with the next (at least one).
pub fn closest<'a>(given: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let most = (given.chars().count() / 3).max(1);
    let by_distance = names.into_iter().map(|name| (edits(given, name), name));
    by_distance.filter(|&(d, _)| d <= most).min_by_key(|&(d, _)| d).map(|(_, name)| name)
}

/// " (did you mean "publish"?)" after an unknown name, or nothing.
pub fn did_you_mean<'a>(given: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    closest(given, names).map_or(String::new(), |name| format!(" (did you mean {name:?}?)"))
}

/// The edits that turn `a` into `b`: letters changed, added, removed, or
/// two neighbours swapped (the optimal string alignment distance).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: the edits from a[..i] to b[..j].
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    (0..=a.len()).for_each(|i| d[i][0] = i);
    (0..=b.len()).for_each(|j| d[0][j] = j);
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let changed = d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = changed.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let names = ["publish", "await_published", "recover"];
        assert_eq!(closest("publsh", names), Some("publish"));
        assert_eq!(closest("recovr", names), Some("recover"));
        assert_eq!(closest("explode", names), None);
        assert_eq!(closest("chaso", ["chaos", "f1"]), Some("chaos"));
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(did_you_mean("non-idempotnt", ["non-idempotent"]), " (did you mean \"non-idempotent\"?)");
    }
}
