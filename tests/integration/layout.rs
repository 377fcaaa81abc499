//! The modules of `src/` form no import cycle, at any depth: data flows one way (sources ->
//! typed updates -> the monitor -> read-only front ends), so no module may reach back into
//! one that depends on it. Read from the code itself: every `crate::…`, `super::…` and
//! `self::…` path a file names (outside its `#[cfg(test)]` part) is resolved to a module of
//! the tree, and becomes an edge between the two siblings that contain them (a module using
//! its own parent or child is no edge: that is how a folder is put together).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type ModulePath = Vec<String>;

/// Every module of `src/`, by path, with the text of its file.
fn modules() -> BTreeMap<ModulePath, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap().with_extension("");
            let mut module: ModulePath = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                module.clear();
            }
            found.insert(module, std::fs::read_to_string(&path).unwrap());
        }
    }
    found
}

/// The longest prefix of `path` that is a module.
fn resolve(modules: &BTreeMap<ModulePath, String>, path: &[String]) -> Option<ModulePath> {
    (1..=path.len())
        .map(|n| path[..n].to_vec())
        .take_while(|prefix| modules.contains_key(prefix))
        .last()
}

/// The module paths `text` (in module `at`) names.
fn references(
    modules: &BTreeMap<ModulePath, String>,
    at: &ModulePath,
    text: &str,
) -> Vec<ModulePath> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    for base in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(base) {
            if i > 0 && code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[i + base.len()..];
            let mut segments: Vec<String> = Vec::new();
            let mut braced: Vec<String> = Vec::new();
            let mut tail = rest;
            loop {
                let name: String = tail
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    segments.push(name.clone());
                    tail = &tail[name.len()..];
                }
                if let Some(next) = tail.strip_prefix("::") {
                    if let Some(group) = next.strip_prefix('{') {
                        let inside = group.split('}').next().unwrap_or_default();
                        braced.extend(inside.split(',').filter_map(|item| {
                            let first = item.trim().split("::").next()?.split(' ').next()?;
                            (!first.is_empty()
                                && first.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                            .then(|| first.to_owned())
                        }));
                        break;
                    }
                    if name.is_empty() {
                        break;
                    }
                    tail = next;
                } else {
                    break;
                }
            }
            let mut full: ModulePath = match base {
                "crate::" => Vec::new(),
                "self::" => at.clone(),
                _ => at[..at.len().saturating_sub(1)].to_vec(),
            };
            // `super::super::…`
            while segments.first().is_some_and(|s| s == "super") {
                segments.remove(0);
                full.pop();
            }
            full.extend(segments);
            out.extend(resolve(modules, &full));
            for name in braced {
                let mut with = full.clone();
                with.push(name);
                out.extend(resolve(modules, &with));
            }
        }
    }
    out
}

/// Per folder (a module with children), the edges between its children.
fn sibling_graphs() -> BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> {
    let modules = modules();
    let mut graphs: BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (at, text) in &modules {
        for target in references(&modules, at, text) {
            let common = at.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common == at.len() || common == target.len() {
                continue; // its own parent or child
            }
            graphs
                .entry(at[..common].to_vec())
                .or_default()
                .entry(at[common].clone())
                .or_default()
                .insert(target[common].clone());
        }
    }
    graphs
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_modules_import_one_another_without_a_cycle() {
    let graphs = sibling_graphs();
    // The graph is read for real: edges the layout is built on are there.
    let top = &graphs[&Vec::new()];
    for (from, to) in [
        ("monitor", "events"),
        ("tui", "monitor"),
        ("sources", "state"),
    ] {
        assert!(top[from].contains(to), "{from} -> {to} not found: {top:?}");
    }
    let chain = &graphs[&vec!["sources".to_owned(), "chain".to_owned()]];
    assert!(chain["sell_check"].contains("reader"), "{chain:?}");
    let mut cycles = Vec::new();
    for (folder, graph) in &graphs {
        for module in graph.keys() {
            if let Some(cycle) = cycle_from(graph, module) {
                cycles.push(format!(
                    "in crate::{}: {}",
                    folder.join("::"),
                    cycle.join(" -> ")
                ));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"][..]),
        ("c", &["a"][..]),
        ("d", &["a"][..]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(cycle_from(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert!(cycle_from(&graph, "d").is_none());
}
