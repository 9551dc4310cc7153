//! Spec loading: the only layer that reads files. Turns paths into bundled JSON documents.
//!
//! A document is kept as a `serde_json::Value` (see ARCHITECTURE.md for why not `openapiv3`),
//! with every external `$ref` inlined by [`bundle`] so that later layers see one self-contained
//! document per API.

mod bundle;
mod embedded;
mod error;
mod parse;
mod position;
mod source;
mod swagger2;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use embedded::BUNDLED_SPECS;
pub use error::{LoadError, SourceLocation};
pub use position::{line_of_pointer, lines_of_pointers};
pub use source::{Disk, FileSource};
pub use swagger2::Origins;

/// One API document, bundled (no external `$ref` left) and ready to compile.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The file stem, used as the default mount prefix when several specs are served.
    pub name: String,
    /// The path as the user gave it (or `specs/NAME` for a bundled spec).
    pub file: String,
    /// The root document's text, kept to find the line of a JSON pointer on error paths.
    pub text: String,
    /// The document as OpenAPI 3: a Swagger 2.0 file is converted on load.
    pub document: Value,
    /// Where places of `document` are in the file (they differ for a converted 2.0 file).
    pub origins: Origins,
    /// The version the file was written in when it was converted (`2.0`).
    pub converted_from: Option<String>,
    /// The files the document was made of: the root, then those its `$ref`s reach.
    pub files: Vec<PathBuf>,
}

impl LoadedSpec {
    /// The pointer in the file of `pointer` in [`LoadedSpec::document`].
    pub fn original_pointer(&self, pointer: &str) -> String {
        self.origins.original(pointer)
    }
}

/// Loads every path: a file is one spec, a directory contributes each OpenAPI document directly
/// in it (sorted by name, so the mount order is stable). Files in a directory without a
/// top-level `openapi` or `swagger` key are parts that documents reference, not documents.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<LoadedSpec>, LoadError> {
    let mut specs = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = specs.len();
            for file in spec_files_in(path)? {
                let text = Disk.read(&file).map_err(|source| LoadError::Io {
                    path: file.display().to_string(),
                    source,
                })?;
                let root = parse::parse_document(&file.display().to_string(), &text)?;
                if root.get("openapi").is_some() || root.get("swagger").is_some() {
                    specs.push(assemble(&Disk, &file, text, root)?);
                }
            }
            if specs.len() == before {
                return Err(LoadError::EmptyDirectory(path.display().to_string()));
            }
        } else {
            specs.push(load_file(&Disk, path)?);
        }
    }
    Ok(specs)
}

/// The specs shipped inside the binary (`specs/` at build time).
pub fn load_bundled() -> Result<Vec<LoadedSpec>, LoadError> {
    BUNDLED_SPECS
        .iter()
        .map(|(name, _)| load_file(&embedded::Embedded, Path::new(&format!("specs/{name}"))))
        .collect()
}

fn spec_files_in(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io_error = |source| LoadError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let path = entry.map_err(io_error)?.path();
        let is_spec = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        if path.is_file() && is_spec {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Loads one root document and everything it references.
pub fn load_file(source: &dyn FileSource, path: &Path) -> Result<LoadedSpec, LoadError> {
    let file = path.display().to_string();
    let text = source.read(path).map_err(|source| LoadError::Io {
        path: file.clone(),
        source,
    })?;
    let root = parse::parse_document(&file, &text)?;
    assemble(source, path, text, root)
}

/// Bundles a parsed root document into a [`LoadedSpec`].
fn assemble(
    source: &dyn FileSource,
    path: &Path,
    text: String,
    root: Value,
) -> Result<LoadedSpec, LoadError> {
    let (document, files) = bundle::bundle(source, path, root)?;
    let converted_from = swagger2::is_swagger2(&document).then(|| "2.0".to_string());
    let (document, origins) = if converted_from.is_some() {
        swagger2::convert(&document)
    } else {
        (document, Origins::default())
    };
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("spec")
        .to_string();
    Ok(LoadedSpec {
        name,
        file: path.display().to_string(),
        text,
        document,
        origins,
        converted_from,
        files,
    })
}

/// Fills in the line of each location's pointer, reading and parsing each file once (error
/// paths only: a spec's text is not kept for this). Bundled specs are found by file name.
pub fn fill_lines(locations: &mut [SourceLocation]) {
    let mut files: Vec<String> = locations
        .iter()
        .filter(|l| l.line.is_none() && !l.pointer.is_empty())
        .map(|l| l.file.clone())
        .collect();
    files.sort();
    files.dedup();
    for file in files {
        let text = Disk.read(Path::new(&file)).ok().or_else(|| {
            let name = Path::new(&file).file_name()?.to_str()?;
            BUNDLED_SPECS
                .iter()
                .find(|(bundled, _)| *bundled == name)
                .map(|(_, text)| text.to_string())
        });
        let Some(text) = text else { continue };
        let mut pending: Vec<&mut SourceLocation> = locations
            .iter_mut()
            .filter(|l| l.file == file && l.line.is_none() && !l.pointer.is_empty())
            .collect();
        let pointers: Vec<&str> = pending.iter().map(|l| l.pointer.as_str()).collect();
        let lines = lines_of_pointers(&text, &pointers);
        for (location, line) in pending.iter_mut().zip(lines) {
            location.line = line;
        }
    }
}

/// A fixtures file (JSON, or YAML) as the JSON text the store loads.
pub fn read_fixtures(path: &Path) -> Result<String, LoadError> {
    let file = path.display().to_string();
    let text = Disk.read(path).map_err(|source| LoadError::Io {
        path: file.clone(),
        source,
    })?;
    // JSON goes to the store as it is; YAML is converted to JSON text first.
    if path.extension().is_some_and(|e| e == "json") {
        return Ok(text);
    }
    parse::parse_document(&file, &text).map(|value| value.to_string())
}

/// The stub files of `serve --stubs DIR`: every `*.json`, `*.yaml` and `*.yml` in it, by
/// name, each as its path and the JSON it holds (one stub, or a list of stubs).
pub fn read_stub_files(dir: &Path) -> Result<Vec<(PathBuf, serde_json::Value)>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let file = path.display().to_string();
            let text = Disk.read(&path).map_err(|source| LoadError::Io {
                path: file.clone(),
                source,
            })?;
            let value = parse::parse_document(&file, &text)?;
            Ok((path, value))
        })
        .collect()
}

/// Loads a spec from text in memory (tests, and documents piped in by tools); relative
/// `$ref`s are read from disk relative to `name`.
pub fn load_text(name: &str, text: &str) -> Result<LoadedSpec, LoadError> {
    let root = parse::parse_document(name, text)?;
    assemble(&Disk, Path::new(name), text.to_string(), root)
}
