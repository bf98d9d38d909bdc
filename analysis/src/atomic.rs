//! Output written whole or not at all, as traces are: under a temporary
//! name of its own beside its final one, created exclusively (whatever is
//! already at that name, a file or a planted link, is never written
//! through), and renamed once complete. Two writers of one path, in one
//! process or two, never share a temporary file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Makes temporary names unique among the outputs of one process; the
/// process id makes them unique among processes.
static OUTPUTS: AtomicU64 = AtomicU64::new(0);

/// A name beside `path`, hidden, unique to this output: `.NAME.PID-N.what`.
fn beside(path: &Path, what: &str) -> PathBuf {
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let n = OUTPUTS.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}-{n}.{what}", std::process::id()))
}

fn cannot(path: &Path, e: impl std::fmt::Display) -> String {
    format!("cannot write {}: {e}", path.display())
}

/// An output being written; removed unless published.
pub struct Partial {
    path: PathBuf,
    temp: PathBuf,
    file: Option<File>,
}

impl Partial {
    /// Starts `path`, creating its folder if need be.
    pub fn create(path: &Path) -> Result<Partial, String> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| cannot(path, e))?;
        }
        let temp = beside(path, "partial");
        let file = OpenOptions::new().write(true).create_new(true).open(&temp).map_err(|e| cannot(path, e))?;
        Ok(Partial { path: path.to_owned(), temp, file: Some(file) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file, to write to.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until published")
    }

    /// Syncs the temporary file and gives it its final name.
    pub fn publish(mut self) -> Result<(), String> {
        self.finish()?;
        std::fs::rename(&self.temp, &self.path).map_err(|e| cannot(&self.path, e))
    }

    /// Syncs and closes the temporary file, which stays to be renamed.
    fn finish(&mut self) -> Result<(), String> {
        let file = self.file.take().expect("finished once");
        file.sync_all().map_err(|e| cannot(&self.path, e))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Writes `bytes` to `path` atomically, creating its folder if need be.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut partial = Partial::create(path)?;
    partial.file().write_all(bytes).map_err(|e| cannot(path, e))?;
    partial.publish()
}

/// Publishes complete outputs all together or none: the files they
/// replace are kept aside until every one is in place, and put back if one
/// cannot be. Writers publishing into the same folder take turns.
pub fn publish_all(mut outputs: Vec<Partial>, folder: &Path) -> Result<(), String> {
    outputs.iter_mut().try_for_each(Partial::finish)?;
    let _turn = File::open(folder).and_then(|f| f.lock().map(|()| f));
    let mut kept = Vec::new();
    for output in &outputs {
        let aside = beside(&output.path, "old");
        match std::fs::hard_link(&output.path, &aside) {
            Ok(()) => kept.push((output.path.clone(), Some(aside))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => kept.push((output.path.clone(), None)),
            Err(e) => {
                put_back(&kept, 0);
                return Err(cannot(&output.path, e));
            }
        }
    }
    for (done, output) in outputs.iter().enumerate() {
        if let Err(e) = std::fs::rename(&output.temp, &output.path) {
            put_back(&kept, done);
            return Err(cannot(&output.path, e));
        }
    }
    put_back(&kept, 0);
    Ok(())
}

/// Puts back the first `replaced` files kept aside, removing what replaced
/// them, then forgets the rest kept aside.
fn put_back(kept: &[(PathBuf, Option<PathBuf>)], replaced: usize) {
    for (i, (path, aside)) in kept.iter().enumerate() {
        match aside {
            Some(aside) if i < replaced => {
                let _ = std::fs::rename(aside, path);
            }
            Some(aside) => {
                let _ = std::fs::remove_file(aside);
            }
            None if i < replaced => {
                let _ = std::fs::remove_file(path);
            }
            None => {}
        }
    }
}
