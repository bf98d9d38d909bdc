//! Where the outputs of `analyze` and `check` go, checked before any work
//! starts: never onto an input, onto another output, or onto a device or
//! a folder by accident. Outputs are then written whole, beside their
//! final name, and renamed into place.

use std::path::{Path, PathBuf};

use wl1::trace::trace_files;

/// An output and the option that names it (`--summary`, `--html`, ...).
pub struct Output<'a> {
    pub option: &'static str,
    pub path: &'a Path,
    /// The files written in it, if it is a folder.
    pub folder_of: Option<Vec<PathBuf>>,
}

impl<'a> Output<'a> {
    pub fn file(option: &'static str, path: &'a Path) -> Self {
        Output { option, path, folder_of: None }
    }

    pub fn folder(option: &'static str, path: &'a Path, files: &[&str]) -> Self {
        Output { option, path, folder_of: Some(files.iter().map(|f| path.join(f)).collect()) }
    }

    /// The files this output writes, as far as known before any work.
    fn files(&self) -> Vec<PathBuf> {
        self.folder_of.clone().unwrap_or_else(|| vec![self.path.to_owned()])
    }
}

/// An error naming the first output that would replace an input (a trace
/// or summary under `inputs`) or another output, or that is a device, a
/// FIFO or a folder where a file goes (or a file where a folder goes).
pub fn check(inputs: &[PathBuf], outputs: &[Output]) -> Result<(), String> {
    for output in outputs {
        kind_fits(output)?;
    }
    let (read, _) = trace_files(inputs);
    let read: Vec<FileKey> = read.iter().filter_map(|p| key(p)).collect();
    let mut written: Vec<(&str, PathBuf)> = Vec::new();
    for output in outputs {
        for file in output.files() {
            if key(&file).is_some_and(|k| read.contains(&k)) {
                return Err(format!(
                    "{} {}: {} is also an input, which it would replace; write elsewhere",
                    output.option,
                    output.path.display(),
                    file.display()
                ));
            }
            let at = normal(&file);
            if let Some((other, _)) = written.iter().find(|(_, w)| *w == at) {
                return Err(format!(
                    "{} {} and {other} write the same file {}: give each its own",
                    output.option,
                    output.path.display(),
                    file.display()
                ));
            }
            written.push((output.option, at));
        }
    }
    Ok(())
}

/// A file where a file goes (or nothing yet), a folder where a folder goes.
fn kind_fits(output: &Output) -> Result<(), String> {
    let Ok(meta) = std::fs::metadata(output.path) else { return Ok(()) };
    let (option, path) = (output.option, output.path.display());
    match (output.folder_of.is_some(), meta.is_dir(), meta.is_file()) {
        (true, true, _) | (false, _, true) => Ok(()),
        (true, false, _) => Err(format!("{option} {path}: cannot create the folder: something else is there")),
        (false, true, _) => Err(format!("{option} {path}: a folder, where a file goes")),
        (false, false, false) => Err(format!(
            "{option} {path}: a device, FIFO or socket, not a file: outputs are written as whole files; \
             give the path of a file"
        )),
    }
}

/// A file's identity, whatever path leads to it.
#[cfg(unix)]
type FileKey = (u64, u64);

#[cfg(unix)]
fn key(path: &Path) -> Option<FileKey> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
type FileKey = PathBuf;

#[cfg(not(unix))]
fn key(path: &Path) -> Option<FileKey> {
    std::fs::canonicalize(path).ok()
}

/// `path` made absolute, its folder's links resolved where it exists.
fn normal(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    match (absolute.parent().and_then(|p| std::fs::canonicalize(p).ok()), absolute.file_name()) {
        (Some(folder), Some(name)) => folder.join(name),
        _ => absolute,
    }
}
