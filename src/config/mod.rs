//! What decides a run besides its seed: the scenario or drill, and the
//! options that
//! change the model's behaviour, the latency profile that sets its timing,
//! and the environment an explored run draws. The model reads them and the
//! trace format stores them, so they live below both.

pub mod explore;
mod names;
mod options;
mod profile;
pub mod set;
mod text_file;

pub use explore::{DelayedMessage, Environment};
pub use names::{closest, did_you_mean};
pub use options::{Options, Routing, Variant, Variants};
pub use profile::{Pause, Profile, RangeUs, ServiceTimes, Tail};
pub use set::{EnumSet, Member};
pub use text_file::read_text_file;
