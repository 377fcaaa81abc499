//! Where each key of a TOML document is: its dotted path (`wallets[1].address`), the line it is
//! on, and the byte spans of the key and its value. Used to turn both serde errors (which carry a
//! span) and validation errors (which carry a path) into "file:line: key: message".

use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

#[derive(Debug, Clone)]
struct Entry {
    path: String,
    key_span: Option<Range<usize>>,
    value_span: Option<Range<usize>>,
}

/// An index of a document's keys by path and span.
#[derive(Debug, Default)]
pub struct KeyLocator {
    entries: Vec<Entry>,
    line_starts: Vec<usize>,
}

impl KeyLocator {
    /// Indexes `source`; a document that does not parse gives an empty index (the parse error
    /// then carries its own position).
    pub fn new(source: &str) -> Self {
        let mut locator = Self {
            entries: Vec::new(),
            line_starts: std::iter::once(0)
                .chain(source.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        };
        if let Ok(doc) = Document::parse(source) {
            locator.walk_table(doc.as_table(), "");
        }
        locator
    }

    fn push(
        &mut self,
        path: String,
        key_span: Option<Range<usize>>,
        value_span: Option<Range<usize>>,
    ) {
        self.entries.push(Entry {
            path,
            key_span,
            value_span,
        });
    }

    fn walk_table(&mut self, table: &Table, prefix: &str) {
        for (key, item) in table.iter() {
            let path = join(prefix, key);
            let key_span = table.key(key).and_then(|k| k.span());
            self.push(path.clone(), key_span, item.span());
            self.walk_item(item, &path);
        }
    }

    fn walk_item(&mut self, item: &Item, path: &str) {
        match item {
            Item::Table(table) => self.walk_table(table, path),
            Item::ArrayOfTables(array) => {
                for (i, table) in array.iter().enumerate() {
                    let elem = format!("{path}[{i}]");
                    self.push(elem.clone(), table.span(), table.span());
                    self.walk_table(table, &elem);
                }
            }
            Item::Value(value) => self.walk_value(value, path),
            Item::None => {}
        }
    }

    fn walk_value(&mut self, value: &Value, path: &str) {
        match value {
            Value::Array(array) => {
                for (i, v) in array.iter().enumerate() {
                    let elem = format!("{path}[{i}]");
                    self.push(elem.clone(), v.span(), v.span());
                    self.walk_value(v, &elem);
                }
            }
            Value::InlineTable(table) => {
                for (key, v) in table.iter() {
                    let p = join(path, key);
                    let key_span = table.key(key).and_then(|k| k.span());
                    self.push(p.clone(), key_span, v.span());
                    self.walk_value(v, &p);
                }
            }
            _ => {}
        }
    }

    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        (line, offset - self.line_starts[line - 1] + 1)
    }

    /// The start offset of the key at `path` (or of its value, if the key has no span).
    pub fn offset_of(&self, path: &str) -> Option<usize> {
        let entry = self.entries.iter().find(|e| e.path == path)?;
        entry
            .key_span
            .as_ref()
            .or(entry.value_span.as_ref())
            .map(|s| s.start)
    }

    /// The path of the innermost key whose key or value covers `offset`.
    pub fn path_at(&self, offset: usize) -> Option<&str> {
        let covers = |s: &Option<Range<usize>>| s.as_ref().is_some_and(|s| s.contains(&offset));
        self.entries
            .iter()
            .filter(|e| covers(&e.key_span) || covers(&e.value_span))
            // The innermost entry has the longest path among those covering the offset.
            .max_by_key(|e| e.path.len())
            .map(|e| e.path.as_str())
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}
