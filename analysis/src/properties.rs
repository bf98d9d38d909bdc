//! The properties the specification checks, by name and code: the words a
//! summary, a report and an export share.

use std::sync::LazyLock;

use strum::VariantArray;
use wl1::architecture;
use wl1::trace::OutcomeKind;

pub const EVENTUAL_DELIVERY: &str = "eventual-delivery";
pub const REMOVED_BEFORE_STORE: &str = "inbound-removed-before-store";
pub const REMOVED_BEFORE_APPEND: &str = "inbound-removed-before-outbound-append";
pub const REMOVED_BEFORE_DELIVERY: &str = "outbound-removed-before-delivery";
pub const PHANTOM: &str = "phantom-record";
pub const VALUE_CHANGED: &str = "value-changed";
pub const DUPLICATE_STORE: &str = "duplicate-store";
pub const GLOBAL_ORDER: &str = "global-order";

/// Every property, by code: those about records (eventual delivery, the
/// safety orders of every built-in architecture, then the rest), then one
/// per way a run can end without completing ("run-stuck",
/// "run-time-bound"). An architecture of the user's names its orders
/// among these.
pub static PROPERTIES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let workload1 = [REMOVED_BEFORE_STORE, REMOVED_BEFORE_APPEND, REMOVED_BEFORE_DELIVERY].map(String::from);
    let built_in = architecture::BUILT_IN.iter().filter_map(|(name, _)| architecture::built_in(name));
    let orders: Vec<String> =
        built_in.flat_map(|a| a.orders.iter().map(|o| o.name.clone()).collect::<Vec<_>>()).collect();
    let mut about_records = vec![EVENTUAL_DELIVERY.to_string()];
    for order in workload1.into_iter().chain(orders) {
        if !about_records.contains(&order) {
            about_records.push(order);
        }
    }
    about_records.extend([PHANTOM, VALUE_CHANGED, DUPLICATE_STORE, GLOBAL_ORDER].map(String::from));
    let about_runs = OutcomeKind::VARIANTS.iter().filter(|&&k| k != OutcomeKind::Completed);
    about_records.into_iter().chain(about_runs.map(|k| format!("run-{}", k.name()))).collect()
});
