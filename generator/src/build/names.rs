//! Turning the document's names into Rust identifiers, deterministically.
//!
//! Case conversion goes through `heck`. A name that is a Rust keyword gets a trailing
//! underscore (`type` → `type_`), which, unlike a raw identifier, works for every keyword
//! including `self` and `crate`. Clashes are settled by numeric suffixes in the order names are
//! first claimed, and that order is the document's, so the outcome is stable.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// A snake-case identifier for a field, parameter or method.
pub fn snake(name: &str) -> String {
    finish(spell_symbols(name).to_snake_case(), "value")
}

/// An upper-camel-case identifier for a type or enum variant.
pub fn camel(name: &str) -> String {
    finish(spell_symbols(name).to_upper_camel_case(), "Value")
}

/// Names made only of punctuation (the document has a property named `*`) get a word.
fn spell_symbols(name: &str) -> String {
    if name.chars().any(char::is_alphanumeric) {
        return name.to_owned();
    }
    name.chars()
        .map(|c| match c {
            '*' => " star ",
            '+' => " plus ",
            '-' => " minus ",
            '$' => " dollar ",
            '@' => " at ",
            '.' => " dot ",
            '/' => " slash ",
            _ => " ",
        })
        .collect()
}

fn finish(mut ident: String, empty: &str) -> String {
    if ident.is_empty() {
        ident = empty.to_owned();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        let prefix = if empty == "Value" { "V" } else { "n" };
        ident.insert_str(0, prefix);
    }
    if !ident.is_ascii() {
        ident = ident
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
    }
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// Hands out identifiers that are unique within one scope.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    taken: BTreeSet<String>,
    /// Numbers are joined with `-` (command-line names) rather than Rust's conventions.
    kebab: bool,
}

impl Namespace {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope for kebab-case names (commands, flags): `name-2`, `name-3`, ….
    pub fn kebab() -> Self {
        Namespace {
            kebab: true,
            ..Self::default()
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Reserves a name (for instance one the generated code itself uses).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// Returns `wanted`, or `wanted2`, `wanted3`, … whichever is free first, and takes it.
    /// Snake-case names get an underscore before the number so that they stay snake case.
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_owned()) {
            return wanted.to_owned();
        }
        let separator = if self.kebab {
            "-"
        } else if wanted.contains(char::is_uppercase) || wanted.ends_with('_') {
            ""
        } else {
            "_"
        };
        let mut n = 2;
        loop {
            let candidate = format!("{wanted}{separator}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_get_an_underscore() {
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("format"), "format");
        assert_eq!(camel("self"), "Self_");
    }

    #[test]
    fn symbols_and_digits_become_identifiers() {
        assert_eq!(snake("*"), "star");
        assert_eq!(snake("X-Fields"), "x_fields");
        assert_eq!(camel("get-todo-count"), "GetTodoCount");
        assert_eq!(camel("3d"), "V3d");
        assert_eq!(snake("2fa"), "n2fa");
        assert_eq!(camel(""), "Value");
        assert_eq!(snake("Filter_OId_List_Model"), "filter_o_id_list_model");
    }

    #[test]
    fn namespace_settles_clashes_in_claim_order() {
        let mut ns = Namespace::new();
        assert_eq!(ns.claim("id"), "id");
        assert_eq!(ns.claim("id"), "id_2");
        assert_eq!(ns.claim("Id"), "Id");
        assert_eq!(ns.claim("Id"), "Id2");
        ns.reserve("send");
        assert_eq!(ns.claim("send"), "send_2");
        assert_eq!(ns.claim("type_"), "type_");
        assert_eq!(ns.claim("type_"), "type_2");
    }
}
