//! The health of a container (receiver, validator or processor): the three
//! states of MODEL.md, "Machines", and how Fail, Recover and a dependency's
//! failure move between them. Every state change is traced.

use strum::{FromRepr, IntoStaticStr};

use super::Io;
use crate::config::Variant;

/// The discriminant is the code traced in [`crate::trace::Kind::STATE_CHANGED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoStaticStr, FromRepr)]
#[strum(serialize_all = "kebab-case")]
#[repr(u8)]
pub enum ContainerState {
    Processing = 0,
    FailedDependency = 1,
    FailedProcessing = 2,
}

impl ContainerState {
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The state a traced code stands for.
    pub fn from_code(code: u32) -> Option<Self> {
        u8::try_from(code).ok().and_then(Self::from_repr)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Health {
    state: ContainerState,
}

impl Default for Health {
    fn default() -> Self {
        Self { state: ContainerState::Processing }
    }
}

impl Health {
    pub fn state(self) -> ContainerState {
        self.state
    }

    pub fn is_processing(self) -> bool {
        self.state == ContainerState::Processing
    }

    /// A dependency answered failure. The uniform-failure variant treats it
    /// like an internal failure, so recovery does not re-register.
    pub fn dependency_failed(&mut self, io: &mut Io<'_, '_>) {
        assert!(self.is_processing(), "{}'s dependency failed while it was {:?}", io.name(), self.state);
        let state = if io.options.variants.has(Variant::UniformFailure) {
            ContainerState::FailedProcessing
        } else {
            ContainerState::FailedDependency
        };
        self.set(io, state);
    }

    /// The Fail command moves Processing to FailedProcessing; a container
    /// already failed keeps its state, and with it what its recovery owes.
    pub fn fail(&mut self, io: &mut Io<'_, '_>) {
        if self.is_processing() {
            self.set(io, ContainerState::FailedProcessing);
        }
        assert!(!self.is_processing());
    }

    /// The Recover command: back to Processing. Returns the state it left.
    pub fn recover(&mut self, io: &mut Io<'_, '_>) -> ContainerState {
        let was = self.state;
        self.set(io, ContainerState::Processing);
        assert!(self.is_processing());
        was
    }

    fn set(&mut self, io: &mut Io<'_, '_>, state: ContainerState) {
        if self.state != state {
            self.state = state;
            io.trace_state(state as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_have_names_and_codes() {
        assert_eq!(ContainerState::FailedDependency.name(), "failed-dependency");
        assert_eq!(ContainerState::from_code(2), Some(ContainerState::FailedProcessing));
        assert_eq!(ContainerState::from_code(3), None);
        assert_eq!(ContainerState::from_code(256), None);
    }
}
