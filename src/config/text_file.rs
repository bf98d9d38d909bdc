//! Small text inputs (a latency profile, a drill) read with a bound, so
//! that `/dev/zero`, a FIFO or a huge file given by mistake is refused by
//! name instead of being read for ever or into all of memory.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

/// The text of the regular file at `path`, if it holds at most `max_len`
/// bytes of UTF-8. Errors start with the path.
pub fn read_text_file(path: &Path, max_len: u64) -> Result<String, String> {
    let name = path.display();
    let meta = fs::metadata(path).map_err(|e| format!("{name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{name}: not a regular file (a folder, FIFO, socket or device): not read"));
    }
    let too_long = || format!("{name}: more than {max_len} bytes, beyond what such a file needs: not read");
    if meta.len() > max_len {
        return Err(too_long());
    }
    let mut text = String::new();
    let file = File::open(path).map_err(|e| format!("{name}: {e}"))?;
    file.take(max_len + 1).read_to_string(&mut text).map_err(|e| format!("{name}: {e}"))?;
    if text.len() as u64 > max_len {
        return Err(too_long());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_long_files_are_refused_by_name() {
        let e = read_text_file(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(e.starts_with("/dev/zero: not a regular file"), "{e}");
        assert!(read_text_file(Path::new("/"), 100).unwrap_err().contains("not a regular file"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("long.toml");
        fs::write(&file, "x".repeat(101)).unwrap();
        assert!(read_text_file(&file, 100).unwrap_err().contains("more than 100 bytes"));
        assert_eq!(read_text_file(&file, 101).unwrap().len(), 101);
    }
}
