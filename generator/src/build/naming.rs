//! Operation names by what a call does, for documents whose operationIds name the HTTP method
//! instead.
//!
//! Flask-RESTX names every operation `<method>_<resource class>` (`post_inboxes_resource`,
//! `patch_inbox_resource`, `get_inbox_document_resource` for a list). A document that says so
//! (`x-contractfit-verb-names: true`, set in the overlay) gets its names from this rule, after
//! the suffixes of `x-contractfit-strip-suffix` are dropped:
//!
//! | method | when | name |
//! |---|---|---|
//! | GET | it returns an array, or its path is a collection | `list_<things>` |
//! | GET | otherwise | `get_<thing>` |
//! | POST | its path is a collection | `create_<thing>` |
//! | PATCH, PUT | | `update_<thing>` |
//! | DELETE | its path is a collection | `delete_<things>` |
//! | DELETE | otherwise | `delete_<thing>` |
//!
//! A path is a collection when it does not end in a parameter and either the document has an
//! item path below it (`/inboxes` has `/inboxes/{inbox_id}`) or its GET returns an array. The
//! last word of `<thing>` is made plural or singular to fit. An id that does not start with its
//! method (`get_me` stays, but so does a POST action such as `post_generate_report`) is left as
//! it is: what an action does is for the overlay's `x-contractfit-name` to say.

use crate::model::Method;

/// What the rule needs to know of an operation besides its method and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    /// Its 2xx JSON body is an array.
    pub returns_array: bool,
    /// Its path is a collection (see the module's documentation).
    pub collection: bool,
}

/// The name for an operation whose id, in snake case, is `id`.
pub(super) fn by_verb(method: Method, id: &str, shape: Shape) -> String {
    let prefix = match method {
        Method::Get => "get_",
        Method::Post => "post_",
        Method::Patch => "patch_",
        Method::Put => "put_",
        Method::Delete => "delete_",
        _ => return id.to_owned(),
    };
    let Some(thing) = id.strip_prefix(prefix).filter(|t| !t.is_empty()) else {
        return id.to_owned();
    };
    match method {
        Method::Get if shape.returns_array || shape.collection => {
            format!("list_{}", last_word(thing, plural))
        }
        Method::Post if shape.collection => format!("create_{}", last_word(thing, singular)),
        Method::Patch | Method::Put => format!("update_{thing}"),
        Method::Delete if shape.collection => format!("delete_{}", last_word(thing, plural)),
        _ => id.to_owned(),
    }
}

/// Whether `path` is a collection in a document with these paths and these GET-returns-array
/// paths (see the module's documentation).
pub(super) fn is_collection<'p>(
    path: &str,
    mut paths: impl Iterator<Item = &'p str>,
    get_returns_array: bool,
) -> bool {
    let base = path.trim_end_matches('/');
    if base.ends_with('}') {
        return false;
    }
    get_returns_array
        || paths.any(|other| {
            other
                .strip_prefix(base)
                .and_then(|rest| rest.strip_prefix("/{"))
                .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
        })
}

fn last_word(snake: &str, change: fn(&str) -> String) -> String {
    match snake.rsplit_once('_') {
        Some((head, last)) => format!("{head}_{}", change(last)),
        None => change(snake),
    }
}

fn plural(word: &str) -> String {
    if word.ends_with('s') {
        word.to_owned()
    } else if let Some(stem) = word
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if word.ends_with('x') || word.ends_with("ch") || word.ends_with("sh") {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// The singular of an English plural, as far as names need it (`inboxes` → `inbox`,
/// `policies` → `policy`, `statuses` → `status`); a word that is no plural (`status`, `class`)
/// stays as it is. The one rule for every name the generator makes.
pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for ending in ["xes", "ses", "ches", "shes"] {
        if let Some(stem) = word.strip_suffix(ending) {
            return format!("{stem}{}", &ending[..ending.len() - 2]);
        }
    }
    match word.strip_suffix('s') {
        Some(stem) if !stem.ends_with(['s', 'u']) && !stem.is_empty() => stem.to_owned(),
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: Shape = Shape {
        returns_array: false,
        collection: false,
    };
    const COLLECTION: Shape = Shape {
        returns_array: false,
        collection: true,
    };
    const ARRAY: Shape = Shape {
        returns_array: true,
        collection: false,
    };

    #[test]
    fn verbs_follow_what_the_call_does() {
        let cases = [
            (Method::Get, "get_inboxes", COLLECTION, "list_inboxes"),
            (
                Method::Get,
                "get_inbox_document",
                ARRAY,
                "list_inbox_documents",
            ),
            (Method::Get, "get_inbox", ITEM, "get_inbox"),
            (Method::Post, "post_inboxes", COLLECTION, "create_inbox"),
            (Method::Post, "post_api_keys", COLLECTION, "create_api_key"),
            (Method::Post, "post_policies", COLLECTION, "create_policy"),
            (
                Method::Post,
                "post_generate_report",
                ITEM,
                "post_generate_report",
            ),
            (Method::Patch, "patch_inbox", ITEM, "update_inbox"),
            (Method::Put, "put_inbox", ITEM, "update_inbox"),
            (Method::Delete, "delete_inbox", ITEM, "delete_inbox"),
            (
                Method::Delete,
                "delete_inbox_document",
                COLLECTION,
                "delete_inbox_documents",
            ),
            (Method::Get, "get_me", ITEM, "get_me"),
            (Method::Get, "list_pets", ARRAY, "list_pets"),
            (Method::Post, "post_", COLLECTION, "post_"),
            (Method::Get, "get_status", ARRAY, "list_status"),
        ];
        for (method, id, shape, expected) in cases {
            assert_eq!(by_verb(method, id, shape), expected, "{method:?} {id}");
        }
    }

    #[test]
    fn collections_are_paths_with_items_below_them() {
        let paths = [
            "/inboxes",
            "/inboxes/{inbox_id}",
            "/integrations/",
            "/integrations/{id}",
        ];
        let is = |path| is_collection(path, paths.iter().copied(), false);
        assert!(is("/inboxes"));
        assert!(is("/integrations/"));
        assert!(!is("/inboxes/{inbox_id}"));
        assert!(!is("/about"));
        assert!(is_collection("/about", paths.iter().copied(), true));
    }
}
