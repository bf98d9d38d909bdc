//! What a machine takes from its architecture: the actors its wires name,
//! and the events of the stages it reaches (none where no stage names what
//! it does).

use crate::architecture::{Action, Architecture, ComponentKind};
use crate::engine::ActorId;
use crate::trace::Kind;

/// One instance of an architecture, as its machine is built.
pub struct Wiring<'a> {
    architecture: &'a Architecture,
    instance: usize,
}

impl<'a> Wiring<'a> {
    /// The wiring of `actor` (instance `actor - 1`).
    pub fn of(architecture: &'a Architecture, actor: ActorId) -> Self {
        assert!(actor >= 1 && (actor as usize) <= architecture.instances.len(), "no instance is actor {actor}");
        Self { architecture, instance: actor as usize - 1 }
    }

    pub fn region(&self) -> u8 {
        self.architecture.instances[self.instance].region
    }

    /// The actors wire `key` names, a family's region by region.
    pub fn all(&self, key: &str) -> Vec<ActorId> {
        let instance = &self.architecture.instances[self.instance];
        let (_, to) = instance.wires.iter().find(|(k, _)| *k == key).unwrap_or_else(|| {
            panic!("{} ({}) has no wire `{key}`", instance.name, instance.kind.name());
        });
        to.iter().map(|&t| t as ActorId + 1).collect()
    }

    /// The one actor wire `key` names.
    pub fn one(&self, key: &str) -> ActorId {
        let all = self.all(key);
        assert_eq!(all.len(), 1, "wire `{key}` names one instance");
        all[0]
    }

    /// The wiring of the one instance wire `key` names.
    pub fn through(&self, key: &str) -> Wiring<'a> {
        Wiring::of(self.architecture, self.one(key))
    }

    /// The kind of the instance wire `key` names.
    pub fn kind_of(&self, key: &str) -> ComponentKind {
        self.architecture.instances[self.one(key) as usize - 1].kind
    }

    /// The kind of the instances wire `key` names, a family's (the check
    /// makes a family's members of one kind).
    pub fn kind_of_all(&self, key: &str) -> ComponentKind {
        self.architecture.instances[self.all(key)[0] as usize - 1].kind
    }

    /// The event this instance traces when it does `action`.
    pub fn stage(&self, action: Action) -> Option<Kind> {
        self.architecture.stage_of(self.instance, action).map(Kind::place)
    }

    /// The event of a store by this replica: the replica store of the
    /// database whose `replicas` name it.
    pub fn replica_stored(&self) -> Option<Kind> {
        let a = self.architecture;
        let me = self.instance;
        let stores = a.stores();
        let holds = |db: usize| a.instances[db].wire("replicas").contains(&me);
        stores.iter().position(|&db| holds(db)).map(|store| Kind::place(a.stages.len() + store))
    }

    /// The event of `action` at the instance wire `key` names: a database's
    /// store is traced by the container whose insert it answers.
    pub fn stage_of(&self, key: &str, action: Action) -> Option<Kind> {
        let other = self.one(key) as usize - 1;
        self.architecture.stage_of(other, action).map(Kind::place)
    }
}
