//! The document's Markdown as rustdoc comments that produce no warnings and no doctests.
//!
//! rustdoc reads doc comments as Markdown with extras: `[text]` may be an intra-doc link,
//! `<word>` an HTML tag, a bare URL draws a lint, and any code block without a language is
//! compiled as a Rust doctest. Descriptions written for Swagger UI trip all four, so text is
//! escaped outside code, bare URLs are wrapped in `<…>`, and code blocks are marked `text`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Constraints;

/// `#[doc = "…"]` attributes for `text`, one per line.
pub fn doc_attrs(text: &str) -> TokenStream {
    written_doc_attrs(&sanitize(text))
}

/// `#[doc]` attributes for text the generator wrote itself, links and all: not sanitized (that
/// would escape its intra-doc links into literal brackets). Text from the document in it must
/// have been through [`sanitize`] already.
pub fn written_doc_attrs(text: &str) -> TokenStream {
    let attrs = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

/// Docs for a value: the document's description, then (one paragraph) its format, bounds,
/// pattern, example and server default, and `placed`, where it goes on the wire, if given.
pub fn value_docs(
    description: Option<&str>,
    default: Option<&serde_json::Value>,
    constraints: &Constraints,
    placed: Option<&str>,
) -> TokenStream {
    let mut facts = constraint_sentences(constraints);
    if let Some(value) = default {
        facts.push(format!("Server default: {}.", code(&value.to_string())));
    }
    facts.extend(placed.map(str::to_owned));
    let facts = facts.join(" ");
    doc_attrs(&paragraphs([description, Some(facts.as_str())]))
}

/// `text` as inline code, with enough backticks around it that none inside ends it.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A number as the document would write it: integers without a fraction.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// A sentence for a count between `min` and `max` of `unit` (characters, items), if bounded.
fn count_bounds(min: Option<usize>, max: Option<usize>, unit: &str) -> Option<String> {
    Some(match (min, max) {
        (Some(min), Some(max)) if min == max => format!("Exactly {min} {unit}."),
        (Some(min), Some(max)) => format!("{min} to {max} {unit}."),
        (Some(min), None) => format!("At least {min} {unit}."),
        (None, Some(max)) => format!("At most {max} {unit}."),
        (None, None) => return None,
    })
}

/// What a schema says of a value beyond its type, in sentences.
pub fn constraint_sentences(c: &Constraints) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(format) = &c.format {
        out.push(format!("Format {}.", code(format)));
    }
    out.extend(count_bounds(c.min_length, c.max_length, "characters"));
    if let Some(pattern) = &c.pattern {
        out.push(format!("Matches {}.", code(pattern)));
    }
    if let Some(min) = c.minimum {
        let bound = if c.exclusive_minimum {
            "Greater than"
        } else {
            "At least"
        };
        out.push(format!("{bound} {}.", number(min)));
    }
    if let Some(max) = c.maximum {
        let bound = if c.exclusive_maximum {
            "Less than"
        } else {
            "At most"
        };
        out.push(format!("{bound} {}.", number(max)));
    }
    out.extend(count_bounds(c.min_items, c.max_items, "items"));
    if let Some(example) = &c.example {
        out.push(format!("Example: {}.", code(&example.to_string())));
    }
    out
}

/// Joins optional paragraphs into one doc text.
pub fn paragraphs<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Makes Markdown safe for rustdoc; see the module documentation.
pub fn sanitize(markdown: &str) -> String {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut indented = false;
    let mut previous_blank = true;
    for raw in markdown.replace("\r\n", "\n").replace('\t', "    ").lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(marker) = &fence {
            out.push(line.to_owned());
            if trimmed.starts_with(marker.as_str()) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let marker = trimmed[..3].to_owned();
            let info = trimmed[3..].trim();
            let indent = &line[..line.len() - trimmed.len()];
            out.push(if info.is_empty() || info == "rust" {
                format!("{indent}{marker}text")
            } else {
                line.to_owned()
            });
            fence = Some(marker);
            previous_blank = false;
            continue;
        }
        let is_indented_code = line.starts_with("    ") && !trimmed.is_empty();
        if indented && !is_indented_code && !trimmed.is_empty() {
            out.push("```".to_owned());
            indented = false;
        }
        if is_indented_code && (indented || previous_blank) {
            if !indented {
                out.push("```text".to_owned());
                indented = true;
            }
            out.push(line[4..].to_owned());
            previous_blank = false;
            continue;
        }
        if indented && trimmed.is_empty() {
            // A blank line may sit inside an indented block; close it only at real text.
            out.push(String::new());
            continue;
        }
        out.push(escape_line(line));
        previous_blank = trimmed.is_empty();
    }
    if indented {
        while out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        out.push("```".to_owned());
    }
    if let Some(marker) = fence {
        out.push(marker);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

/// Escapes one line of prose outside `code spans`, keeping `[text](url)` links.
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while !rest.is_empty() {
        if rest.starts_with('`') {
            // A code span runs to the next backtick run of the same length.
            let ticks = rest.len() - rest.trim_start_matches('`').len();
            let marker = &rest[..ticks];
            if let Some(end) = rest[ticks..].find(marker) {
                let span_end = ticks + end + ticks;
                out.push_str(&rest[..span_end]);
                rest = &rest[span_end..];
                continue;
            }
            out.push_str(&"\\`".repeat(ticks));
            rest = &rest[ticks..];
            continue;
        }
        if let Some(link_len) = markdown_link_len(rest) {
            out.push_str(&rest[..link_len]);
            rest = &rest[link_len..];
            continue;
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\''))
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        match c {
            '[' | ']' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The length of an inline link `[text](http…)` at the start of `text`, if there is one.
fn markdown_link_len(text: &str) -> Option<usize> {
    if !text.starts_with('[') {
        return None;
    }
    let close = text.find("](")?;
    if text[1..close].contains(['[', ']']) {
        return None;
    }
    let target = &text[close + 2..];
    if !(target.starts_with("http://") || target.starts_with("https://") || target.starts_with('#'))
    {
        return None;
    }
    let end = target.find(')')?;
    Some(close + 2 + end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_escaped_outside_code() {
        assert_eq!(
            sanitize("Possible options: ['document', 'text'] for <provider> `a[0] <b>`"),
            r"Possible options: \['document', 'text'\] for \<provider\> `a[0] <b>`"
        );
    }

    #[test]
    fn links_are_kept_and_bare_urls_wrapped() {
        assert_eq!(
            sanitize("please [contact us](https://contract.fit/contact-us). See https://x.io/a."),
            "please [contact us](https://contract.fit/contact-us). See <https://x.io/a>."
        );
    }

    #[test]
    fn code_blocks_never_become_doctests() {
        assert_eq!(sanitize("```\nlet x;\n```"), "```text\nlet x;\n```");
        assert_eq!(
            sanitize("Example:\n\n    {\"a\": 1}\n    more\n\nafter"),
            "Example:\n\n```text\n{\"a\": 1}\nmore\n\n```\nafter"
        );
        assert_eq!(sanitize("```\nunclosed"), "```text\nunclosed\n```");
    }

    #[test]
    fn indented_list_continuations_stay_prose() {
        assert_eq!(sanitize("- item\n    continued"), "- item\n    continued");
    }
}
