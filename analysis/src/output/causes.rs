//! The report's "violations by cause": per group, each property violated
//! and each cause the runs' events show for it, with the runs, their seeds
//! as ranges and the command that replays the first.

use serde_json::{Value, json};
use wl1::run::{consecutive, range_text};

use crate::text::thousands;

/// How long the seeds of one cause may run in a report, in characters,
/// before the rest are only counted.
const SEEDS_TEXT: usize = 150;

/// One property's runs with one cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CauseRow {
    pub property: String,
    pub cause: String,
    pub runs: u64,
    /// The smallest seeds kept, ascending.
    pub seeds: Vec<u64>,
    /// The command that replays the first of them.
    pub command: Option<String>,
}

impl CauseRow {
    /// Its seeds as ranges, "0-4, 7", within 150 characters (two report lines),
    /// then how many more runs there are.
    pub fn seeds_text(&self) -> String {
        let mut out = String::new();
        let mut shown = 0u64;
        for (first, last) in consecutive(&self.seeds) {
            let range = range_text((first, last));
            if out.len() + range.len() > SEEDS_TEXT {
                break;
            }
            if !out.is_empty() {
                out += ", ";
            }
            out += &range;
            shown += last - first + 1;
        }
        match self.runs - shown {
            0 => out,
            rest => format!("{out}, and {} more", thousands(rest)),
        }
    }

    fn json(&self) -> Value {
        json!({
            "property": self.property,
            "cause": self.cause,
            "runs": self.runs,
            "seeds": self.seeds,
            "seeds_text": self.seeds_text(),
            "command": self.command,
        })
    }
}

pub fn json(rows: &[CauseRow]) -> Value {
    Value::Array(rows.iter().map(CauseRow::json).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seeds: Vec<u64>, runs: u64) -> CauseRow {
        CauseRow { property: "p".into(), cause: "c".into(), runs, seeds, command: None }
    }

    #[test]
    fn seeds_show_as_ranges_and_the_rest_is_counted() {
        assert_eq!(row(vec![0, 1, 2, 5, 7, 8], 6).seeds_text(), "0-2, 5, 7-8");
        assert_eq!(row(vec![0, 1, 2], 10).seeds_text(), "0-2, and 7 more");
        let scattered: Vec<u64> = (0..100).map(|i| i * 3).collect();
        let text = row(scattered, 100).seeds_text();
        assert!(text.len() <= SEEDS_TEXT + 20 && text.ends_with(" more"), "{text}");
    }
}
