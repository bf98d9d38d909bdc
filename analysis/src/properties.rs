//! The properties the specification checks, by name and code: the words a
//! summary, a report and an export share.

use std::sync::LazyLock;

use strum::VariantArray;
use wl1::trace::OutcomeKind;

pub const EVENTUAL_DELIVERY: &str = "eventual-delivery";
pub const REMOVED_BEFORE_STORE: &str = "inbound-removed-before-store";
pub const REMOVED_BEFORE_APPEND: &str = "inbound-removed-before-outbound-append";
pub const REMOVED_BEFORE_DELIVERY: &str = "outbound-removed-before-delivery";
pub const PHANTOM: &str = "phantom-record";
pub const VALUE_CHANGED: &str = "value-changed";
pub const DUPLICATE_STORE: &str = "duplicate-store";
pub const GLOBAL_ORDER: &str = "global-order";

/// Every property, by code: those about records, then one per way a run
/// can end without completing ("run-stuck", "run-time-bound").
pub static PROPERTIES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let about_records = [
        EVENTUAL_DELIVERY,
        REMOVED_BEFORE_STORE,
        REMOVED_BEFORE_APPEND,
        REMOVED_BEFORE_DELIVERY,
        PHANTOM,
        VALUE_CHANGED,
        DUPLICATE_STORE,
        GLOBAL_ORDER,
    ];
    let about_runs = OutcomeKind::VARIANTS.iter().filter(|&&k| k != OutcomeKind::Completed);
    about_records.iter().map(|p| p.to_string()).chain(about_runs.map(|k| format!("run-{}", k.name()))).collect()
});
