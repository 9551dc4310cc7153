//! The bundled contracts, compiled into the binary so `understudy serve` works from any
//! directory. A plain table of `include_str!` keeps this dependency-free and explicit.

use std::path::Path;

use super::source::FileSource;

/// `(file name, contents)` of every contract in `specs/`.
pub const BUNDLED_SPECS: &[(&str, &str)] = &[
    ("kantata.yaml", include_str!("../../specs/kantata.yaml")),
    ("kodexa.yaml", include_str!("../../specs/kodexa.yaml")),
    ("pxyz.yaml", include_str!("../../specs/pxyz.yaml")),
    ("rebilly.yaml", include_str!("../../specs/rebilly.yaml")),
];

/// Serves `specs/NAME` from [`BUNDLED_SPECS`].
pub struct Embedded;

impl FileSource for Embedded {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        BUNDLED_SPECS
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not a bundled spec"))
    }
}
