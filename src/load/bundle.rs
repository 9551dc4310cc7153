//! Inlines external `$ref`s (`other.yaml#/components/schemas/X`, relative to the referring
//! file) so that every later layer sees one self-contained document.
//!
//! Each referenced file is placed once under `/x-understudy-bundled/N` of the root document and
//! every `$ref` into it (including its own local ones) is rewritten to point there, so circular
//! references across files stay circular references, never infinite copies. Then every local
//! `$ref` is checked to resolve, so a dangling one is reported with its file and pointer here
//! instead of surfacing later as an opaque validator error.
//!
//! A `$ref` to a file that is not YAML or JSON (`description: {$ref: intro.md}`, code samples
//! in `.rb` or `.sh`) is replaced by the file's text, as bundlers such as Redocly's do.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::error::{LoadError, SourceLocation};
use super::parse::parse_document;
use super::source::FileSource;
use crate::pointer::{decode_fragment, push_segment};

pub const BUNDLED_KEY: &str = "x-understudy-bundled";

struct Doc {
    path: PathBuf,
    value: Value,
}

/// The document with every external `$ref` inlined, and the files it was made of (the root
/// first), which `serve --watch` watches.
pub fn bundle(
    source: &dyn FileSource,
    root_path: &Path,
    root: Value,
) -> Result<(Value, Vec<PathBuf>), LoadError> {
    if only_resolving_local_refs(&root) {
        return Ok((root, vec![root_path.to_path_buf()]));
    }
    let mut docs = vec![Doc {
        path: normalize(root_path),
        value: root,
    }];
    let mut next = 0;
    // The root's references, while they are still what the root holds: most documents have
    // no other file and no text `$ref`, and are then checked without walking them again.
    let mut root_refs = None;
    while next < docs.len() {
        let mut value = std::mem::take(&mut docs[next].value);
        let mut refs = Vec::new();
        collect_refs(&value, &mut String::new(), &mut refs);
        let mut unchanged = true;
        for (pointer, reference) in &refs {
            match rewrite(source, &mut docs, next, pointer, reference)? {
                Target::Reference(rewritten) if rewritten == *reference => {}
                Target::Reference(rewritten) => {
                    unchanged = false;
                    if let Some(slot) = value.pointer_mut(pointer).and_then(|v| v.get_mut("$ref")) {
                        *slot = Value::String(rewritten);
                    }
                }
                Target::Text(text) => {
                    unchanged = false;
                    if let Some(slot) = value.pointer_mut(pointer) {
                        *slot = Value::String(text);
                    }
                }
            }
        }
        if next == 0 && unchanged {
            root_refs = Some(refs);
        }
        docs[next].value = value;
        next += 1;
    }
    let root_refs = root_refs.filter(|_| docs.len() == 1);
    let files = docs.iter().map(|d| d.path.clone()).collect();
    let mut docs = docs.into_iter();
    let Some(Doc {
        path: root_path,
        value: mut root,
    }) = docs.next()
    else {
        unreachable!("the root document is always present")
    };
    let externals: Vec<Value> = docs.map(|d| d.value).collect();
    if !externals.is_empty()
        && let Some(map) = root.as_object_mut()
    {
        map.insert(BUNDLED_KEY.to_string(), Value::Array(externals));
    }
    check_local_refs(&root, root_refs, &root_path.display().to_string())?;
    Ok((root, files))
}

/// Whether every `$ref` of `root` is local and resolves: most documents, which then need no
/// rewriting. Each distinct reference is looked up once, and no pointer is built on the way
/// (a 46 MB document has hundreds of thousands of `$ref`s, to a few thousand targets).
fn only_resolving_local_refs(root: &Value) -> bool {
    fn walk<'v>(value: &'v Value, out: &mut HashSet<&'v str>) -> bool {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    if !r.starts_with('#') {
                        return false;
                    }
                    out.insert(r);
                }
                map.values().all(|child| walk(child, out))
            }
            Value::Array(items) => items.iter().all(|child| walk(child, out)),
            _ => true,
        }
    }
    let mut refs = HashSet::new();
    walk(root, &mut refs)
        && refs.into_iter().all(|r| {
            let fragment = &r[1..];
            !fragment.starts_with('/') || root.pointer(&decode_fragment(fragment)).is_some()
        })
}

/// Every object holding a string `$ref`: (pointer to the object, the reference). `pointer`
/// is where `value` is, and is as it was on return.
fn collect_refs(value: &Value, pointer: &mut String, out: &mut Vec<(String, String)>) {
    let at = pointer.len();
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push((pointer.clone(), r.clone()));
            }
            for (key, child) in map {
                push_segment(pointer, key);
                collect_refs(child, pointer, out);
                pointer.truncate(at);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointer.push('/');
                pointer.push_str(itoa::Buffer::new().format(i));
                collect_refs(child, pointer, out);
                pointer.truncate(at);
            }
        }
        _ => {}
    }
}

/// What a `$ref` becomes once bundled.
enum Target {
    /// A local reference into the bundled document.
    Reference(String),
    /// The whole text of a file that is not YAML or JSON, which replaces the `$ref` object.
    Text(String),
}

/// Whether a referenced file is parsed as a document (else its text is the value).
fn is_document(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yaml", "yml", "json"].contains(&e.to_ascii_lowercase().as_str()))
}

fn rewrite(
    source: &dyn FileSource,
    docs: &mut Vec<Doc>,
    current: usize,
    pointer: &str,
    reference: &str,
) -> Result<Target, LoadError> {
    let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let target = if file_part.is_empty() {
        current
    } else if file_part.contains("://") {
        return Err(LoadError::Reference {
            location: location(&docs[current].path, pointer),
            message: format!(
                "remote $ref {reference:?} is not supported: understudy works offline, \
                 save the referenced document beside the spec and refer to it by relative path"
            ),
        });
    } else {
        let base = docs[current].path.parent().unwrap_or(Path::new(""));
        let path = normalize(&base.join(decode_fragment(file_part)));
        match docs.iter().position(|d| d.path == path) {
            Some(i) => i,
            None => {
                let text = source.read(&path).map_err(|e| LoadError::Reference {
                    location: location(&docs[current].path, pointer),
                    message: format!("cannot read {} for $ref {reference:?}: {e}", path.display()),
                })?;
                if !is_document(&path) {
                    return Ok(Target::Text(text));
                }
                let value = parse_document(&path.display().to_string(), &text)?;
                docs.push(Doc { path, value });
                docs.len() - 1
            }
        }
    };
    Ok(Target::Reference(if target == 0 {
        format!("#{fragment}")
    } else {
        format!("#/{BUNDLED_KEY}/{}{fragment}", target - 1)
    }))
}

/// Checks that every local `$ref` of `root` resolves; `refs` are its references when already
/// collected.
fn check_local_refs(
    root: &Value,
    refs: Option<Vec<(String, String)>>,
    file: &str,
) -> Result<(), LoadError> {
    let refs = refs.unwrap_or_else(|| {
        let mut refs = Vec::new();
        collect_refs(root, &mut String::new(), &mut refs);
        refs
    });
    for (pointer, r) in refs {
        if let Some(fragment) = r.strip_prefix('#')
            && (fragment.is_empty() || fragment.starts_with('/'))
            && root.pointer(&decode_fragment(fragment)).is_none()
        {
            return Err(LoadError::Reference {
                location: SourceLocation {
                    file: file.to_string(),
                    pointer: format!("{pointer}/$ref"),
                    line: None,
                },
                message: format!("$ref {r:?} points at nothing in the document"),
            });
        }
    }
    Ok(())
}

fn location(path: &Path, pointer: &str) -> SourceLocation {
    SourceLocation {
        file: path.display().to_string(),
        pointer: format!("{pointer}/$ref"),
        line: None,
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`): bundled specs have no real files to
/// canonicalise, and the same file must be recognised however it was reached.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
