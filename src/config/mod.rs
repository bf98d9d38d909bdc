//! What decides a run besides its seed and its scenario: the options that
//! change the model's behaviour and the latency profile that sets its
//! timing. The model reads them and the trace format stores them, so they
//! live below both.

mod options;
mod profile;
pub mod set;
mod text_file;

pub use options::{Options, Routing, Variant, Variants};
pub use profile::{Profile, RangeUs, ServiceTimes};
pub use set::{EnumSet, Member};
pub use text_file::read_text_file;
