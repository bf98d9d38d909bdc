//! Ctrl-C and SIGTERM, for every command: they raise one flag that each
//! long phase (simulating, analyzing, writing outputs) looks at, so that a
//! command stops soon, leaves only whole files, and exits 2 saying so.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static CANCEL: AtomicBool = AtomicBool::new(false);

/// The flag, its handler set on first use.
pub fn cancel_flag() -> &'static AtomicBool {
    static HANDLER: Once = Once::new();
    HANDLER.call_once(|| {
        // Fails only if another handler is set, which nothing here does.
        let _ = ctrlc::set_handler(|| CANCEL.store(true, Ordering::Relaxed));
    });
    &CANCEL
}

/// An error if a signal came.
pub fn not_interrupted(what_is_kept: &str) -> Result<(), String> {
    if cancel_flag().load(Ordering::Relaxed) { Err(format!("interrupted: {what_is_kept}")) } else { Ok(()) }
}
