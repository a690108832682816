//! OpenAPI Overlay 1.0 and 1.1: our fixes and extensions, applied to the upstream document as
//! data, as written (before a Swagger 2.0 or 3.1 document is read as 3.0).
//!
//! An overlay is a list of actions, each a JSONPath `target` with one of `update` (merged into
//! every node the target selects: objects recursively, arrays appended), `remove: true`, or
//! (1.1) `copy`, a JSONPath selecting one node whose value is merged as `update` is.
//! Actions apply in order, each to the result of the ones before. An action whose target
//! selects nothing is an error: it means the upstream document changed under the fix.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::diagnostics::{Error, Location};

/// A parsed overlay document.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overlay {
    pub overlay: String,
    pub info: OverlayInfo,
    #[serde(default)]
    pub extends: Option<String>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OverlayInfo {
    pub title: String,
    pub version: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    pub target: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub update: Option<Value>,
    #[serde(default)]
    pub remove: bool,
    #[serde(default)]
    pub copy: Option<String>,
}

/// What one action did, for the generator's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedAction {
    pub target: String,
    pub description: Option<String>,
    pub kind: ActionKind,
    /// JSON pointers of the nodes the target selected.
    pub matched: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Update,
    Remove,
    Copy,
}

impl Overlay {
    /// Reads an overlay from a JSON value; `path` names it in errors.
    pub fn from_value(path: &Path, value: Value) -> Result<Overlay, Error> {
        let overlay: Overlay =
            serde_path_to_error::deserialize(value).map_err(|e| Error::Syntax {
                location: location(path, crate::diagnostics::pointer_of(e.path())),
                message: e.into_inner().to_string(),
            })?;
        if !overlay.overlay.starts_with("1.") {
            return Err(Error::Invalid {
                location: location(path, "/overlay".into()),
                message: format!("unsupported overlay version {:?}", overlay.overlay),
            });
        }
        Ok(overlay)
    }

    /// Applies every action in order to `document`.
    pub fn apply(&self, path: &Path, document: &mut Value) -> Result<Vec<AppliedAction>, Error> {
        self.actions
            .iter()
            .enumerate()
            .map(|(index, action)| apply_action(path, index, action, document))
            .collect()
    }
}

fn apply_action(
    path: &Path,
    index: usize,
    action: &Action,
    document: &mut Value,
) -> Result<AppliedAction, Error> {
    let at = |field: &str| location(path, format!("/actions/{index}/{field}"));
    let json_path = JsonPath::parse(&action.target).map_err(|e| Error::Invalid {
        location: at("target"),
        message: format!("invalid JSONPath {:?}: {e}", action.target),
    })?;
    let kind = match (&action.update, action.remove, &action.copy) {
        (Some(_), false, None) => ActionKind::Update,
        (None, true, None) => ActionKind::Remove,
        (None, false, Some(_)) => ActionKind::Copy,
        _ => {
            return Err(Error::Invalid {
                location: at("target"),
                message: "an action needs exactly one of `update`, `remove: true` and `copy`"
                    .into(),
            })
        }
    };
    // The value `copy` selects, read before the targets change.
    let copied = match &action.copy {
        Some(source) => {
            let source_path = JsonPath::parse(source).map_err(|e| Error::Invalid {
                location: at("copy"),
                message: format!("invalid JSONPath {source:?}: {e}"),
            })?;
            let nodes = source_path.query(document).all();
            match nodes.as_slice() {
                [one] => Some((*one).clone()),
                found => {
                    return Err(Error::Invalid {
                        location: at("copy"),
                        message: format!(
                            "`copy` {source:?} must select one node; it selects {}",
                            found.len()
                        ),
                    })
                }
            }
        }
        None => None,
    };
    let matched: Vec<String> = json_path
        .query_located(document)
        .locations()
        .map(|l| l.to_json_pointer())
        .collect();
    if matched.is_empty() {
        return Err(Error::Invalid {
            location: at("target"),
            message: format!(
                "target {:?} matches nothing in the document; the upstream document may have changed",
                action.target
            ),
        });
    }
    match (kind, action.update.as_ref().or(copied.as_ref())) {
        (ActionKind::Update | ActionKind::Copy, Some(update)) => {
            for pointer in &matched {
                if let Some(node) = document.pointer_mut(pointer) {
                    merge(node, update);
                }
            }
        }
        _ => {
            // Remove the last matches first, so that array indices of earlier ones stay valid.
            for pointer in matched.iter().rev() {
                remove(document, pointer);
            }
        }
    }
    Ok(AppliedAction {
        target: action.target.clone(),
        description: action.description.clone(),
        kind,
        matched,
    })
}

/// Overlay 1.0 §4.4.3: objects merge recursively, arrays append, anything else replaces.
fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(target), Value::Object(update)) => {
            for (key, value) in update {
                match target.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(target), Value::Array(update)) => target.extend(update.iter().cloned()),
        (Value::Array(target), update) => target.push(update.clone()),
        (target, update) => *target = update.clone(),
    }
}

fn remove(document: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = crate::diagnostics::unescape_token(last);
    match document.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

fn location(path: &Path, pointer: String) -> Location {
    Location {
        file: path.to_owned(),
        pointer,
        line: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overlay(actions: Value) -> Overlay {
        Overlay::from_value(
            Path::new("overlay.yaml"),
            json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": actions}),
        )
        .unwrap()
    }

    /// Overlay 1.1's `copy`: the one node it selects is merged into every target, as an
    /// update is; a `copy` that selects none or several is an error at the action.
    #[test]
    fn copy_merges_the_node_it_selects_into_each_target() {
        let mut document = json!({"components": {"schemas": {
            "Error": {"properties": {"code": {"type": "integer"}}},
            "A": {"properties": {"id": {"type": "string"}}},
            "B": {"properties": {}}
        }}});
        let actions = json!([{"target": "$.components.schemas['A','B']",
                              "copy": "$.components.schemas.Error"}]);
        let applied = overlay(actions)
            .apply(Path::new("o.yaml"), &mut document)
            .unwrap();
        assert_eq!(applied[0].kind, ActionKind::Copy);
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            schemas["A"]["properties"]["code"],
            json!({"type": "integer"})
        );
        assert_eq!(schemas["A"]["properties"]["id"], json!({"type": "string"}));
        assert_eq!(
            schemas["B"]["properties"]["code"],
            json!({"type": "integer"})
        );

        let several =
            json!([{"target": "$.components.schemas.B", "copy": "$.components.schemas.*"}]);
        let error = overlay(several)
            .apply(Path::new("o.yaml"), &mut document)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("/actions/0/copy") && error.contains("selects 3"),
            "{error}"
        );
    }

    #[test]
    fn update_merges_objects_and_appends_arrays() {
        let mut doc = json!({"paths": {"/a": {"get": {"tags": ["x"], "responses": {"200": {"description": "ok"}}}}}});
        let applied = overlay(json!([{
            "target": "$.paths['/a'].get",
            "update": {"tags": ["y"], "responses": {"200": {"content": {"image/png": {}}}}}
        }]))
        .apply(Path::new("overlay.yaml"), &mut doc)
        .unwrap();
        assert_eq!(applied[0].matched, vec!["/paths/~1a/get".to_string()]);
        assert_eq!(
            doc,
            json!({"paths": {"/a": {"get": {"tags": ["x", "y"], "responses": {"200": {"description": "ok", "content": {"image/png": {}}}}}}}})
        );
    }

    #[test]
    fn remove_deletes_every_match() {
        let mut doc = json!({"list": [1, 2, 3, 4], "keep": true});
        overlay(json!([{"target": "$.list[?@ > 2]", "remove": true}]))
            .apply(Path::new("o.yaml"), &mut doc)
            .unwrap();
        assert_eq!(doc, json!({"list": [1, 2], "keep": true}));
    }

    #[test]
    fn unmatched_target_is_an_error_naming_the_action() {
        let mut doc = json!({"paths": {}});
        let err = overlay(json!([
            {"target": "$.paths", "update": {}},
            {"target": "$.paths['/gone']", "remove": true}
        ]))
        .apply(Path::new("overlay.yaml"), &mut doc)
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("overlay.yaml at /actions/1/target"), "{text}");
        assert!(text.contains("matches nothing"), "{text}");
    }

    #[test]
    fn invalid_jsonpath_is_an_error() {
        let mut doc = json!({});
        let err = overlay(json!([{"target": "$[", "remove": true}]))
            .apply(Path::new("o.yaml"), &mut doc)
            .unwrap_err();
        assert!(err.to_string().contains("invalid JSONPath"), "{err}");
    }
}
