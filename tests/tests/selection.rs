//! A crate of some operations only (`Config::only`): what it keeps is closed (every name its
//! code refers to is in it), it names things as the whole crate does, it compiles with every
//! feature, and a selection that names nothing is an error.

use std::collections::BTreeSet;

use contractfit_codegen::model::Api;
use contractfit_codegen::{generate, model_of, Config, CrateInfo, Selection};
use contractfit_tests::{check_generated, root};

fn config() -> Config {
    Config::new(root().join("spec/contract-fit.yaml")).overlay(root().join("spec/overlay.yaml"))
}

fn only(operations: &[&str], tags: &[&str]) -> Selection {
    Selection {
        operations: operations.iter().map(|s| s.to_string()).collect(),
        tags: tags.iter().map(|s| s.to_string()).collect(),
    }
}

/// Every `Named("X")` in the model's debug text: read from the text, not by walking the
/// model as the selection does, so that the two do not share a blind spot.
fn names_referred_to(text: &str) -> BTreeSet<String> {
    text.split("Named(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// What the kept operations' code calls besides themselves, read the same way: every
/// `operation: "x"` and `content: Some("x")`.
fn operations_referred_to(text: &str) -> BTreeSet<String> {
    ["operation: \"", "content: Some(\""]
        .iter()
        .flat_map(|marker| text.split(marker).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

fn closed(api: &Api, full: &Api, what: &str) {
    let types: BTreeSet<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
    let operations: BTreeSet<&str> = api.operations.iter().map(|o| o.name.as_str()).collect();
    let text = format!("{:?}{:?}", api.operations, api.types);
    for name in names_referred_to(&text) {
        assert!(
            types.contains(name.as_str()),
            "{what}: refers to {name}, not kept"
        );
    }
    for name in operations_referred_to(&text) {
        assert!(
            operations.contains(name.as_str()),
            "{what}: calls {name}, not kept"
        );
    }
    // Named as in the whole crate: every kept operation and type is the whole model's, as is,
    // and so is its command in the tool.
    for op in &api.operations {
        assert!(full.operations.contains(op), "{what}: {} changed", op.name);
        assert_eq!(
            api.tool.command_of(&op.name),
            full.tool.command_of(&op.name),
            "{what}: the command of {} changed",
            op.name
        );
    }
    for def in &api.types {
        assert!(full.types.contains(def), "{what}: {} changed", def.name);
    }
}

/// Each operation alone, and each tag alone: closed, and named as in the whole crate.
#[test]
fn every_selection_of_one_operation_or_one_tag_is_closed_and_named_as_the_whole() {
    let (full, _, _) = model_of(&config()).unwrap();
    assert!(full.operations.len() > 100);
    for op in &full.operations {
        let (api, _, _) = model_of(&config().only(only(&[&op.name], &[]))).unwrap();
        assert!(api.operations.iter().any(|kept| kept.name == op.name));
        assert!(api.operations.len() < full.operations.len());
        closed(&api, &full, &op.name);
        // By its operationId too (the document leaves one operation without).
        if let Some(id) = op.operation_id.as_deref() {
            let (by_id, _, _) = model_of(&config().only(only(&[id], &[]))).unwrap();
            assert_eq!(by_id.operations, api.operations, "{id}");
        }
    }
    let tags: BTreeSet<&String> = full.operations.iter().flat_map(|o| &o.tags).collect();
    for tag in tags {
        let (api, _, _) = model_of(&config().only(only(&[], &[tag]))).unwrap();
        for op in full.operations.iter().filter(|op| op.tags.contains(tag)) {
            assert!(api.operations.contains(op), "{tag}: {} left out", op.name);
        }
        closed(&api, &full, tag);
    }
}

#[test]
fn a_selection_that_names_nothing_is_an_error() {
    for (selection, named) in [
        (only(&["upload_documnet"], &[]), "upload_documnet"),
        (only(&[], &["no such tag"]), "no such tag"),
    ] {
        let error = model_of(&config().only(selection)).unwrap_err().to_string();
        assert!(error.contains(named), "{error}");
    }
}

/// The upload alone keeps what its batch and waiter call, and the crate compiles with the
/// tool, the batch and the test stubs.
#[test]
fn the_upload_alone_compiles_with_every_feature() {
    let dir = contractfit_tests::target_dir().join("generated-crates/selection");
    let _ = std::fs::remove_dir_all(&dir);
    let generated = generate(&config().only(only(&["upload_document"], &[])).crate_info(
        CrateInfo {
            name: "upload-only".into(),
            runtime_path: Some(root().join("runtime").display().to_string()),
            source: "contract-fit.yaml".into(),
            ..CrateInfo::default()
        },
    ))
    .unwrap();
    let names: Vec<&str> = generated
        .api
        .operations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert!(names.contains(&"upload_document"), "{names:?}");
    assert!(names.len() < 10, "{names:?}");
    // Its README says it is a part, not "one method per operation (N in all)".
    let readme = generated
        .files
        .iter()
        .find(|f| f.path == "README.md")
        .unwrap();
    let part = format!("for {} of the document's 138 operations", names.len());
    assert!(readme.contents.contains(&part), "{}", readme.contents);
    for file in &generated.files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
    }
    // Not a member of any workspace above it.
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    if !text.contains("[workspace]") {
        std::fs::write(&manifest, format!("{text}\n[workspace]\n")).unwrap();
    }
    let output = check_generated(&dir, &["--features", "cli,batch,testing"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A command's name depends on its neighbours (`get-document` beside `get-documents`, `get`
/// alone in its group): a crate of some operations keeps the names the whole tool gives them.
#[test]
fn a_selection_keeps_the_whole_tools_command_names() {
    let document = r#"openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /documents/{id}:
    get:
      operationId: get_document
      tags: [documents]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /documents:
    get:
      operationId: get_documents
      tags: [documents]
      responses: {'200': {description: ok}}
"#;
    let dir = contractfit_tests::target_dir().join("generated-crates/selection-names");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("names.yaml");
    std::fs::write(&path, document).unwrap();
    let (full, _, _) = model_of(&Config::new(&path)).unwrap();
    for name in ["get_document", "get_documents"] {
        let (api, _, _) = model_of(&Config::new(&path).only(only(&[name], &[]))).unwrap();
        let group = |api: &Api| {
            api.tool
                .groups
                .iter()
                .find(|g| g.commands.iter().any(|c| c.operation == name))
                .map(|g| {
                    (
                        g.name.clone(),
                        g.commands.iter().find(|c| c.operation == name).cloned(),
                    )
                })
        };
        assert_eq!(group(&api), group(&full), "{name}");
        assert_eq!(
            api.tool
                .groups
                .iter()
                .map(|g| g.commands.len())
                .sum::<usize>(),
            1
        );
    }
}
