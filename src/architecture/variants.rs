//! Which design variants change an architecture. Each variant acts on kinds
//! of machine wherever they appear (global-order on the specification
//! alone); one that would change none of an architecture's machines is
//! refused for it rather than run as if it had been tried.

use super::{Architecture, ComponentKind};
use crate::config::{Variant, Variants};

/// The kinds of machine whose rules `variant` changes; none for a variant
/// of the specification.
fn acts_on(variant: Variant) -> &'static [ComponentKind] {
    use ComponentKind::*;
    match variant {
        Variant::RemoveBeforeStore | Variant::RemoveOnSendFailure => &[StreamContainer],
        Variant::NonIdempotent => &[MongoReplica],
        Variant::LossyKafka => &[Kafka],
        Variant::UniformFailure => &[ApiContainer, StreamContainer],
        Variant::GlobalOrder => &[],
        Variant::IdempotentStores => &[AuroraRegional, DynamoRegional],
    }
}

impl Architecture {
    /// Whether `variant` changes anything of this architecture.
    pub fn is_changed_by(&self, variant: Variant) -> bool {
        let kinds = acts_on(variant);
        kinds.is_empty() || self.instances.iter().any(|i| kinds.contains(&i.kind))
    }

    /// The variants that change this architecture, in the order sets list them.
    pub fn variants(&self) -> impl Iterator<Item = Variant> + '_ {
        Variant::ALL.iter().copied().filter(|&v| self.is_changed_by(v))
    }

    /// An error naming the first of `variants` that changes nothing here.
    pub fn check_variants(&self, variants: Variants) -> Result<(), String> {
        let Some(idle) = variants.iter().find(|&v| !self.is_changed_by(v)) else {
            return Ok(());
        };
        let kinds: Vec<&str> = acts_on(idle).iter().map(|k| k.name()).collect();
        let applying: Vec<&str> = self.variants().map(Variant::name).collect();
        Err(format!(
            "variant {idle} changes nothing in the architecture {:?}: it acts on {} machines, and it has \
             none; the variants that apply there: {}",
            self.name,
            kinds.join(" and "),
            applying.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::architecture::built_in;

    fn applying(name: &str) -> Vec<&'static str> {
        built_in(name).unwrap().variants().map(Variant::name).collect()
    }

    #[test]
    fn each_built_in_architecture_takes_the_variants_of_its_machines() {
        let containers = ["remove-before-store", "remove-on-send-failure"];
        let workload1 = [&containers[..], &["non-idempotent", "lossy-kafka", "uniform-failure", "global-order"]];
        assert_eq!(applying("workload1"), workload1.concat());
        let queues = [&containers[..], &["uniform-failure", "global-order", "idempotent-stores"]].concat();
        assert_eq!(applying("active-passive"), queues);
        assert_eq!(applying("active-active"), queues);
    }

    #[test]
    fn a_variant_that_changes_nothing_is_refused_naming_it_the_architecture_and_what_applies() {
        let active_passive = built_in("active-passive").unwrap();
        let set: Variants = [Variant::UniformFailure, Variant::LossyKafka].into_iter().collect();
        let error = active_passive.check_variants(set).unwrap_err();
        assert!(error.starts_with("variant lossy-kafka changes nothing in the architecture \"active-passive\""));
        assert!(error.contains("acts on kafka machines") && error.contains("remove-before-store"), "{error}");
        let error = built_in("workload1").unwrap().check_variants(Variants::EMPTY.with(Variant::IdempotentStores));
        assert!(error.unwrap_err().contains("aurora-regional and dynamo-regional"));
        assert_eq!(active_passive.check_variants(Variants::EMPTY.with(Variant::IdempotentStores)), Ok(()));
    }
}
