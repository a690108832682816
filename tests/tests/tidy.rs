//! The architecture's checkable invariants (ARCHITECTURE.md, "Invariants"), checked on the
//! sources: no import circle between the modules of a crate, the emitter never reaches into the
//! builder, and each overlay extension's key is read in one place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use contractfit_tests::root;

/// A crate's modules (`error`, `emit::types`; the root is ``) and their source.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                if path.components().any(|c| c.as_os_str() == "bin") {
                    continue;
                }
                found.insert(
                    module_of(src, &path),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    found
}

fn module_of(src: &Path, file: &Path) -> String {
    let relative: PathBuf = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of `source` without comments, string literals and `#[cfg(test)]` modules: what
/// the module itself uses.
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    let mut code = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            // A character literal (`'"'`, `'\''`) is not the start of a string; a lifetime
            // (`'a`) has no closing quote two characters on.
            '\'' => {
                let mut ahead = chars.clone();
                let literal = matches!(
                    (ahead.next(), ahead.next()),
                    (Some('\\'), _) | (Some(_), Some('\''))
                );
                if literal {
                    let mut escaped = false;
                    for c in chars.by_ref() {
                        match (escaped, c) {
                            (false, '\\') => escaped = true,
                            (false, '\'') => break,
                            _ => escaped = false,
                        }
                    }
                    code.push_str("' '");
                } else {
                    code.push(c);
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => escaped = false,
                    }
                }
                code.push_str("\"\"");
            }
            c => code.push(c),
        }
    }
    code
}

/// The paths a module names, each as segments from the crate root: `crate::a::b`, `super::c`,
/// and the names inside `use crate::{a, b::{c, d}}`.
fn named_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let here: Vec<String> = module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let boundary = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        let (base, skip) = if boundary && rest.starts_with("crate::") {
            (Vec::new(), 7)
        } else if boundary && rest.starts_with("super::") {
            let mut base = here.clone();
            let mut skip = 0;
            let mut j = i;
            while bytes[j..].iter().collect::<String>().starts_with("super::") {
                base.pop();
                j += 7;
                skip += 7;
            }
            (base, skip)
        } else {
            i += 1;
            continue;
        };
        i += skip;
        let (tree, used) = use_tree(&bytes[i..]);
        for path in tree {
            let mut full = base.clone();
            full.extend(path);
            paths.push(full);
        }
        i += used.max(1);
    }
    paths
}

/// The paths of a use tree at the start of `text` (`a::b`, `{a, b::{c}}`), and its length.
fn use_tree(text: &[char]) -> (Vec<Vec<String>>, usize) {
    let mut i = 0;
    let mut prefix = Vec::new();
    loop {
        let start = i;
        while i < text.len() && (text[i].is_alphanumeric() || text[i] == '_') {
            i += 1;
        }
        if i > start {
            prefix.push(text[start..i].iter().collect::<String>());
        }
        if text[i..].starts_with(&[':', ':', '{']) || (i == 0 && text.first() == Some(&'{')) {
            i += if i == 0 { 1 } else { 3 };
            let mut paths = Vec::new();
            loop {
                while i < text.len() && text[i].is_whitespace() {
                    i += 1;
                }
                if i >= text.len() || text[i] == '}' {
                    i += 1;
                    break;
                }
                let (inner, used) = use_tree(&text[i..]);
                for path in inner {
                    let mut full = prefix.clone();
                    full.extend(path);
                    paths.push(full);
                }
                i += used;
                while i < text.len() && (text[i].is_whitespace() || text[i] == ',') {
                    i += 1;
                }
            }
            return (paths, i);
        }
        if text[i..].starts_with(&[':', ':']) {
            i += 2;
            continue;
        }
        return (vec![prefix], i);
    }
}

/// Which module each path names: the longest module that prefixes it, or, for a name the
/// crate root re-exports (`pub use waiter::WaitError`), the module it comes from.
fn target(
    path: &[String],
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    if path.len() == 1 {
        if let Some(module) = reexports.get(&path[0]) {
            return Some(module.clone());
        }
    }
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// Names the crate root re-exports from its modules: `pub use a::{B, C}` makes `B` `a`'s.
fn reexports(root: &str) -> BTreeMap<String, String> {
    let code = code_of(root);
    let mut names = BTreeMap::new();
    for statement in code.split(';') {
        let statement = statement.trim();
        let Some(tree) = statement
            .rsplit("pub use ")
            .next()
            .filter(|_| statement.contains("pub use "))
        else {
            continue;
        };
        let chars: Vec<char> = tree.chars().collect();
        for path in use_tree(&chars).0 {
            if path.len() >= 2 {
                names.insert(path[path.len() - 1].clone(), path[0].clone());
            }
        }
    }
    names
}

/// Edges between modules, leaving out a module's use of its ancestors (its parent's items are
/// its own context) and of itself.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let reexports = reexports(modules.get("").map(String::as_str).unwrap_or(""));
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, source) in &modules {
        let code = code_of(source);
        for path in named_paths(module, &code) {
            let Some(to) = target(&path, &names, &reexports) else {
                continue;
            };
            let ancestor = to.is_empty() || module == &to || module.starts_with(&format!("{to}::"));
            if !ancestor {
                edges.entry(module.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

/// The import circles of a graph, each as the modules on it, found as its strongly connected
/// components of more than one module.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().chain(edges.values().flatten()).collect();
    let reaches = |from: &String, to: &String| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(node) = stack.pop() {
            for next in edges.get(node).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        false
    };
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for node in &nodes {
        if placed.contains(*node) {
            continue;
        }
        let component: Vec<String> = nodes
            .iter()
            .filter(|other| *other == node || (reaches(node, other) && reaches(other, node)))
            .map(|s| (*s).clone())
            .collect();
        if component.len() > 1 {
            placed.extend(component.iter().cloned());
            found.push(component);
        }
    }
    found
}

const CRATES: [&str; 6] = ["runtime", "generator", "cli", "batch", "fake", "xtask"];

#[test]
fn no_crate_has_an_import_circle() {
    let mut problems = Vec::new();
    for krate in CRATES {
        for circle in circles(&graph(&root().join(krate).join("src"))) {
            problems.push(format!("{krate}: {}", circle.join(" ↔ ")));
        }
    }
    assert!(
        problems.is_empty(),
        "import circles:\n{}",
        problems.join("\n")
    );
}

/// The check itself finds a circle: two modules that use each other.
#[test]
fn a_circle_added_on_purpose_is_found() {
    let dir = contractfit_tests::scratch("tidy-circle");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("emit")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod emit;\npub use a::Thing;\n").unwrap();
    std::fs::write(
        src.join("a.rs"),
        "use crate::emit::{types::T, other};\npub struct Thing;\n",
    )
    .unwrap();
    std::fs::write(src.join("emit/mod.rs"), "mod types;\nmod other;\n").unwrap();
    std::fs::write(
        src.join("emit/types.rs"),
        "use super::super::Thing;\npub struct T;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("emit/other.rs"),
        "// crate::a is only named here\n",
    )
    .unwrap();
    let found = circles(&graph(&src));
    assert_eq!(found, [vec!["a".to_owned(), "emit::types".to_owned()]]);
}

/// The emitter reads the model only: names and decisions are made in build.
#[test]
fn the_emitter_never_reaches_into_the_builder() {
    // The import graph, as the circle check reads it (`use` trees, paths, re-exports), so that
    // `use crate::{model::Api, build::camel}` and `super::build::…` count too.
    let edges = graph(&root().join("generator/src"));
    let is_build = |module: &str| module == "build" || module.starts_with("build::");
    let reaching: Vec<String> = edges
        .iter()
        .filter(|(from, _)| from.as_str() == "emit" || from.starts_with("emit::"))
        .flat_map(|(from, to)| {
            to.iter()
                .filter(|t| is_build(t))
                .map(move |t| format!("{from} -> {t}"))
        })
        .collect();
    assert!(
        reaching.is_empty(),
        "emit modules using build: {reaching:?}"
    );
    assert!(
        edges
            .get("emit::operations")
            .is_some_and(|to| to.contains("model")),
        "the graph sees the emitter's imports at all"
    );
}

/// Every overlay extension the generator reads (`x-contractfit-*`) is read in one module, where
/// its shape and its errors are.
#[test]
fn every_extension_is_read_in_one_module() {
    let generator = modules(&root().join("generator/src"));
    let mut readers = BTreeSet::new();
    for (module, source) in &generator {
        let source = match source.find("#[cfg(test)]\nmod tests") {
            Some(at) => &source[..at],
            None => source,
        };
        let reads = source
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .any(|line| line.contains("\"x-contractfit-"));
        if reads {
            readers.insert(module.as_str());
        }
    }
    assert_eq!(
        readers,
        BTreeSet::from(["build::extensions"]),
        "modules naming an extension key"
    );
    // And each key is read by one module of its own under `build::extensions`, and named by
    // no module outside it.
    let keys: Vec<&str> = generator["build::extensions"]
        .lines()
        .filter_map(|line| line.strip_prefix("pub const "))
        .filter_map(|rest| rest.split_once(':').map(|(name, _)| name))
        .collect();
    assert!(keys.len() >= 8, "{keys:?}");
    let names = |source: &str, key: &str| {
        code_of(source)
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == key)
    };
    for key in keys {
        let naming: Vec<&str> = generator
            .iter()
            .filter(|(module, source)| module.as_str() != "build::extensions" && names(source, key))
            .map(|(module, _)| module.as_str())
            .collect();
        assert!(
            naming.len() == 1 && naming[0].starts_with("build::extensions::"),
            "{key} is named by {naming:?}"
        );
    }
}

/// The bottom of the runtime's stack knows nothing above it: redaction (told what to redact
/// by `auth`, which knows the credential kinds), header parsing and wire text import nothing
/// of the crate.
#[test]
fn the_runtime_bottom_imports_nothing_of_ours() {
    let runtime = modules(&root().join("runtime/src"));
    for bottom in ["redact", "headers", "wire"] {
        let code = code_of(&runtime[bottom]);
        assert!(
            !code.contains("crate::") && !code.contains("super::"),
            "runtime `{bottom}` imports from the crate"
        );
    }
}
