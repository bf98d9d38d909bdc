//! Output written whole or not at all: under a temporary name beside its
//! final one, renamed once complete.

use std::path::{Path, PathBuf};

/// The temporary name `path` is written under.
pub fn temporary(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.partial"))
}

/// Gives a complete temporary file its final name.
pub fn publish(path: &Path) -> Result<(), String> {
    std::fs::rename(temporary(path), path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes `bytes` to `path` atomically, creating its folder if need be.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = temporary(path);
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Err(e) = folder.map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&partial, bytes)) {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    publish(path)
}
