//! Where file contents come from: the disk, or the specs compiled into the binary.

use std::path::Path;

/// Reads file contents; lets the same loader serve files on disk and the specs compiled into
/// the binary.
pub trait FileSource {
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// The real file system.
pub struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}
