//! JSON pointer to source line, for error messages. Only called on error paths, so the text
//! is read again here, as a stream: tokens of jsonc-parser's scanner for JSON, saphyr's
//! span-carrying parser events for YAML. No tree is built (a tree of marked nodes took 230 MB
//! for a 5 MB document, and YAML parsers refuse some valid JSON), and one pass answers every
//! pointer asked about.

use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};
use saphyr_parser::{Event, Parser};

use crate::pointer::push_segment;

/// The 1-based line where `pointer` (e.g. `/paths/~1pets/get`) starts in `text`, or of its
/// deepest ancestor that could be found.
pub fn line_of_pointer(text: &str, pointer: &str) -> Option<usize> {
    lines_of_pointers(text, &[pointer]).pop().flatten()
}

/// [`line_of_pointer`] for each of `pointers`, in one pass over `text` (its first document).
/// A mapping entry is reported at its key, where a reader looks for it.
pub fn lines_of_pointers(text: &str, pointers: &[&str]) -> Vec<Option<usize>> {
    let mut tracker = Tracker::new(pointers);
    if text.trim_start().starts_with(['{', '[']) {
        json(text, &mut tracker);
    } else {
        yaml(text, &mut tracker);
    }
    tracker.lines()
}

fn json(text: &str, tracker: &mut Tracker) {
    let lines = LineStarts::new(text);
    let mut scanner = Scanner::new(text, &ScannerOptions::default());
    while let Ok(Some(token)) = scanner.scan() {
        let line = lines.line_of(scanner.token_start());
        let more = match token {
            Token::OpenBrace => tracker.node(line, Some(Kind::Mapping)),
            Token::OpenBracket => tracker.node(line, Some(Kind::Sequence)),
            Token::CloseBrace | Token::CloseBracket => tracker.close(),
            Token::String(value) if tracker.wants_key() => {
                tracker.key(&value, line);
                true
            }
            Token::String(_)
            | Token::Word(_)
            | Token::Boolean(_)
            | Token::Number(_)
            | Token::Null => tracker.node(line, None),
            Token::Comma | Token::Colon | Token::CommentLine(_) | Token::CommentBlock(_) => true,
        };
        if !more {
            break;
        }
    }
}

fn yaml(text: &str, tracker: &mut Tracker) {
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let line = span.start.line();
        let more = match event {
            Event::MappingStart(..) => tracker.node(line, Some(Kind::Mapping)),
            Event::SequenceStart(..) => tracker.node(line, Some(Kind::Sequence)),
            Event::MappingEnd | Event::SequenceEnd => tracker.close(),
            Event::Scalar(value, ..) if tracker.wants_key() => {
                tracker.key(&value, line);
                true
            }
            Event::Scalar(..) | Event::Alias(..) => tracker.node(line, None),
            _ => true,
        };
        if !more {
            break;
        }
    }
}

/// Byte offsets where lines start, to turn a token's offset into its line.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineStarts(starts)
    }

    fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|start| *start <= offset)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Mapping,
    Sequence,
}

/// A container being read: a mapping (with the key just read, waiting for its value) or a
/// sequence (with the index of its next item).
enum Frame {
    Mapping { key: Option<(String, usize)> },
    Sequence { next: usize },
}

/// Follows where a stream of nodes is in the document, and remembers for each pointer asked
/// about the line of its deepest ancestor-or-self met.
struct Tracker<'p> {
    pointers: &'p [&'p str],
    best: Vec<Option<(usize, usize)>>,
    frames: Vec<Frame>,
    /// The pointer of the innermost open container, and where each level of it starts.
    pointer: String,
    starts: Vec<usize>,
    seen_root: bool,
}

impl<'p> Tracker<'p> {
    fn new(pointers: &'p [&'p str]) -> Tracker<'p> {
        Tracker {
            pointers,
            best: vec![None; pointers.len()],
            frames: Vec::new(),
            pointer: String::new(),
            starts: Vec::new(),
            seen_root: false,
        }
    }

    fn wants_key(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Mapping { key: None }))
    }

    fn key(&mut self, name: &str, line: usize) {
        if let Some(Frame::Mapping { key }) = self.frames.last_mut() {
            *key = Some((name.to_string(), line));
        }
    }

    /// A value starts on `line` (a container of `opens` kind, or a scalar); false once the
    /// first document is over.
    fn node(&mut self, line: usize, opens: Option<Kind>) -> bool {
        if self.seen_root && self.frames.is_empty() {
            return false;
        }
        self.seen_root = true;
        let at = self.pointer.len();
        let line = match self.frames.last_mut() {
            Some(Frame::Mapping { key }) => {
                let (name, line) = key.take().unwrap_or((String::new(), line));
                push_segment(&mut self.pointer, &name);
                line
            }
            Some(Frame::Sequence { next }) => {
                self.pointer.push('/');
                self.pointer.push_str(&next.to_string());
                *next += 1;
                line
            }
            None => line,
        };
        let depth = self.frames.len();
        let here = self.pointer.as_str();
        for (target, found) in self.pointers.iter().zip(self.best.iter_mut()) {
            let within =
                target.len() == here.len() || target.as_bytes().get(here.len()) == Some(&b'/');
            if within && target.starts_with(here) && found.is_none_or(|(d, _)| depth > d) {
                *found = Some((depth, line));
            }
        }
        match opens {
            Some(kind) => {
                self.starts.push(at);
                self.frames.push(match kind {
                    Kind::Mapping => Frame::Mapping { key: None },
                    Kind::Sequence => Frame::Sequence { next: 0 },
                });
            }
            None => self.pointer.truncate(at),
        }
        true
    }

    /// The innermost container ends; false once the root has.
    fn close(&mut self) -> bool {
        self.frames.pop();
        if let Some(at) = self.starts.pop() {
            self.pointer.truncate(at);
        }
        !self.frames.is_empty()
    }

    fn lines(self) -> Vec<Option<usize>> {
        self.best
            .into_iter()
            .map(|b| b.map(|(_, line)| line))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_a_nested_key() {
        let text = "openapi: 3.0.0\npaths:\n  /pets:\n    get:\n      responses: {}\n";
        assert_eq!(line_of_pointer(text, "/paths/~1pets/get"), Some(4));
    }

    #[test]
    fn finds_items_of_sequences_and_keys_of_json() {
        let yaml = "a:\n  - x: 1\n  - y: 2\n    z: 3\n";
        assert_eq!(line_of_pointer(yaml, "/a/1/z"), Some(4));
        assert_eq!(line_of_pointer(yaml, "/a/1"), Some(3));
        let json = "{\n \"p\": {\n  \"a/b\": {\"c\": true}\n }\n}";
        assert_eq!(line_of_pointer(json, "/p/a~1b/c"), Some(3));
        assert_eq!(
            lines_of_pointers(json, &["/p", "/nothing", ""]),
            [Some(2), Some(1), Some(1)]
        );
    }

    #[test]
    fn falls_back_to_the_deepest_known_ancestor() {
        let text = "a:\n  b: 1\n";
        assert_eq!(line_of_pointer(text, "/a/zzz"), Some(1));
        assert_eq!(line_of_pointer(text, "/a/b"), Some(2));
    }
}
