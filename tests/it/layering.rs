//! The layering of `src/`, read from the source: which top-level module names which through
//! `crate::…` paths (in `use` lines and inline). It fails on an import cycle between top-level
//! modules, on a module that imports the composition root (`plugin`), on a feature that
//! imports another feature, and on a domain module that names a transport.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The composition root: imports everything, imported by nothing.
const ROOT: &str = "plugin";
/// Features build on the answer core and never on each other.
const FEATURES: [&str; 7] = [
    "actions",
    "bridge",
    "conversations",
    "mcp",
    "mcpserver",
    "search",
    "tools",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/answer/stream.rs` → `answer`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    first.unwrap_or_default().trim_end_matches(".rs").to_owned()
}

/// The code of a file without its comments (line and doc comments; block comments are not
/// used in this code base).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string literal (a URL) is kept; good enough for paths.
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module named after `crate::` in `code`, including `crate::{a, b::c}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `mattermost_simulator::crate::` does not occur; a preceding identifier char means a
        // longer name such as `plugin_runtime_crate::`.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1usize;
            let mut end = group.len();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            // Top-level items of the group: split on commas outside nested braces.
            let mut depth = 0usize;
            let mut start = 0usize;
            let inner = &group[..end];
            for (i, c) in inner.char_indices().chain(std::iter::once((inner.len(), ','))) {
                match c {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        let name = ident(inner[start..i.min(inner.len())].trim());
                        if !name.is_empty() {
                            out.insert(name);
                        }
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// module → the other top-level modules it names, and module → files that name a transport.
fn graph() -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut transport_users = Vec::new();
    for f in files {
        let m = module_of(&src, &f);
        // The crate root and the executables are outside the layering.
        if ["lib", "main", "bin"].contains(&m.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let code = code(&text);
        if m != ROOT && code.contains("plugin_runtime::transport") {
            transport_users.push(f.display().to_string());
        }
        let entry = edges.entry(m.clone()).or_default();
        for n in named_modules(&code) {
            // Items of the crate root (PLUGIN_ID) are not modules.
            if n != m && n.chars().next().is_some_and(|c| c.is_lowercase()) {
                entry.insert(n);
            }
        }
    }
    (edges, transport_users)
}

/// A cycle through the graph, if there is one, as the modules on it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|p| p == n).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(n.to_owned());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n.to_owned(), 1);
        path.push(n.to_owned());
        for next in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, edges, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn top_level_modules_form_no_cycle() {
    let (edges, _) = graph();
    assert!(edges.len() >= 10, "the scan found too few modules: {edges:?}");
    if let Some(cycle) = find_cycle(&edges) {
        panic!("import cycle between top-level modules: {}", cycle.join(" → "));
    }
}

#[test]
fn nothing_imports_the_composition_root() {
    let (edges, _) = graph();
    let importers: Vec<&String> = edges
        .iter()
        .filter(|(m, to)| *m != ROOT && to.contains(ROOT))
        .map(|(m, _)| m)
        .collect();
    assert!(importers.is_empty(), "modules importing `{ROOT}`: {importers:?}");
}

#[test]
fn features_do_not_import_each_other() {
    let (edges, _) = graph();
    let mut wrong = Vec::new();
    for f in FEATURES {
        for other in edges.get(f).into_iter().flatten() {
            if FEATURES.contains(&other.as_str()) {
                wrong.push(format!("{f} → {other}"));
            }
        }
    }
    assert!(wrong.is_empty(), "features importing features: {wrong:?}");
}

#[test]
fn only_the_composition_root_names_a_transport() {
    let (_, users) = graph();
    assert!(users.is_empty(), "domain files naming a transport: {users:?}");
}

#[test]
fn the_scanner_sees_grouped_and_inline_paths() {
    let found = named_modules(&code(
        "use crate::{a::B, c, d::{e, f}};\nfn x() { crate::g::h(); }\n// crate::comment\n",
    ));
    assert_eq!(found.into_iter().collect::<Vec<_>>(), vec!["a", "c", "d", "g"]);
    let mut cyclic = BTreeMap::new();
    cyclic.insert("x".to_owned(), BTreeSet::from(["y".to_owned()]));
    cyclic.insert("y".to_owned(), BTreeSet::from(["x".to_owned()]));
    assert!(find_cycle(&cyclic).is_some());
}
