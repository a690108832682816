//! The generator on fixture documents (snapshots of model and code), on the full document, on
//! the project's other documents (spec history, corpus of other APIs), and on broken input.

use contractfit_codegen::{generate, model_of, summary::summary, Config, Error};
use contractfit_tests::{fixtures, root, shared};

fn stem(path: &std::path::Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Model summary with warnings, and the emitted Rust, for every fixture. The same code is
/// committed under `tests/fixtures/clients/` and compiled as part of the workspace.
#[test]
fn fixtures_snapshot() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 9, "fixtures missing: {fixtures:?}");
    for path in fixtures {
        let name = stem(&path);
        let generated = generate(&Config::new(&path)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut model = summary(&generated.api);
        model.push_str("\nwarnings:\n");
        for warning in &generated.warnings {
            model.push_str(&format!("  {warning}\n"));
        }
        insta::assert_snapshot!(format!("{name}_model"), model);
        let problems = contractfit_tests::cli_name_problems(&generated.api);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        let code: String = generated
            .files
            .iter()
            .filter(|f| f.path.ends_with(".rs"))
            .map(|f| format!("==> {} <==\n{}\n", f.path, f.contents))
            .collect();
        insta::assert_snapshot!(format!("{name}_code"), code);
    }
}

#[test]
fn full_document_model_snapshot() {
    let config = Config::new(root().join("spec/contract-fit.yaml"))
        .overlay(root().join("spec/overlay.yaml"));
    let (api, applied, warnings) = model_of(&config).unwrap();
    assert_eq!(api.operations.len(), 138);
    assert_eq!(applied.len(), 87);
    assert_eq!(warnings.len(), 17, "{warnings:#?}");
    insta::assert_snapshot!("contract_fit_model", summary(&api));
}

#[test]
fn upstream_copy_is_byte_exact() {
    let bytes = std::fs::read(root().join("spec/contract-fit.yaml")).unwrap();
    let Some(shared) = shared() else {
        panic!(
            "../shared is not beside the checkout; this test compares spec/ with ../shared/spec"
        );
    };
    let upstream = std::fs::read(shared.join("spec/contract-fit-1.0.yaml")).unwrap();
    assert!(
        bytes == upstream,
        "spec/contract-fit.yaml differs from ../shared/spec/contract-fit-1.0.yaml"
    );
}

#[test]
fn generation_is_deterministic() {
    let config = Config::new(root().join("spec/contract-fit.yaml"))
        .overlay(root().join("spec/overlay.yaml"));
    let first = generate(&config).unwrap().files;
    let second = generate(&config).unwrap().files;
    assert_eq!(first, second);
}

/// Every published version of the document generates, every operation of it included.
#[test]
fn spec_history_generates() {
    let Some(shared) = shared() else {
        panic!("../shared is not beside the checkout; this test reads ../shared/spec/history");
    };
    let mut versions: Vec<_> = std::fs::read_dir(shared.join("spec/history"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    versions.sort();
    assert_eq!(versions.len(), 6);
    for version in versions {
        let generated = generate(&Config::new(&version))
            .unwrap_or_else(|e| panic!("{}: {e}", version.display()));
        let document = contractfit_codegen::load::read_value(&version).unwrap();
        let declared: usize = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| *k != "parameters")
                    .count()
            })
            .sum();
        assert!(declared > 0);
        assert_eq!(
            generated.api.operations.len(),
            declared,
            "{}",
            version.display()
        );
    }
}

/// Other APIs' documents: each either generates or fails with an error that names a place;
/// none panics. Most must generate, or the generator is narrower than it should be.
#[test]
fn corpus_never_panics() {
    let Some(shared) = shared() else {
        panic!("../shared is not beside the checkout; this test reads ../shared/openapi-corpus");
    };
    let mut documents: Vec<_> = std::fs::read_dir(shared.join("openapi-corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    documents.sort();
    assert!(documents.len() >= 40);
    let mut failures = Vec::new();
    for document in &documents {
        match generate(&Config::new(document)) {
            Ok(generated) => {
                let problems = contractfit_tests::cli_name_problems(&generated.api);
                assert!(problems.is_empty(), "{}: {problems:#?}", document.display());
            }
            Err(e @ (Error::Syntax { .. } | Error::Invalid { .. })) => {
                failures.push(e.to_string());
            }
            Err(e) => panic!("{}: unexpected error kind: {e}", document.display()),
        }
    }
    for failure in &failures {
        assert!(failure.contains(".yaml"), "error names no file: {failure}");
    }
    let generated = documents.len() - failures.len();
    assert!(
        generated * 10 >= documents.len() * 8,
        "only {generated} of {} corpus documents generate:\n{}",
        documents.len(),
        failures.join("\n")
    );
}

/// The document cut short at many places, and with bytes changed: errors, never panics.
#[test]
fn damaged_documents_give_errors_not_panics() {
    let text = std::fs::read_to_string(root().join("spec/contract-fit.yaml")).unwrap();
    let dir = contractfit_tests::scratch("damaged");
    let path = dir.path().join("damaged.yaml");
    let step = text.len() / 97;
    for (i, cut) in (1..text.len()).step_by(step).enumerate() {
        let mut damaged: String = text.chars().take(cut).collect();
        if i % 2 == 1 {
            // Insert a broken stretch in the middle too, to break structure, not only the end.
            let middle = damaged.len() / 2;
            let at = (middle..damaged.len())
                .find(|&j| damaged.is_char_boundary(j))
                .unwrap_or(0);
            damaged.insert_str(at, "\n  - : [\n");
        }
        std::fs::write(&path, &damaged).unwrap();
        if let Err(e) = generate(&Config::new(&path)) {
            assert!(e.to_string().contains("damaged.yaml"), "{e}");
        }
    }
}

#[test]
fn missing_file_is_an_error_naming_it() {
    let err = generate(&Config::new("does/not/exist.yaml")).unwrap_err();
    assert!(err.to_string().contains("does/not/exist.yaml"), "{err}");
}

#[test]
fn dangling_ref_names_its_pointer() {
    let dir = contractfit_tests::scratch("ref");
    let path = dir.path().join("dangling.yaml");
    std::fs::write(
        &path,
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Nope'}\n",
    )
    .unwrap();
    let err = generate(&Config::new(&path)).unwrap_err().to_string();
    assert!(
        err.contains(
            "dangling.yaml at /paths/~1a/get/responses/200/content/application~1json/schema"
        ),
        "{err}"
    );
    assert!(err.contains("Nope"), "{err}");
}

/// What makes a public name read like machine output rather than careful hand-written Rust:
/// Flask-RESTX's class-name artefacts (`resource`, `atomic`), an HTTP method where the action
/// belongs (`post_inboxes`), a name derived from a path (`…_by_level_by_id`), a number the
/// generator added to settle a clash, or two names that differ only by a plural inside them
/// (`get_settings_threshold` beside `get_setting_threshold`). One line per problem.
fn name_problems(names: &[String]) -> Vec<String> {
    let words = |name: &str| -> Vec<String> {
        let snake = if name.contains(['_', '-', ' ']) || name.chars().all(|c| !c.is_uppercase()) {
            name.to_owned()
        } else {
            // UpperCamelCase to words.
            name.chars().fold(String::new(), |mut out, c| {
                if c.is_uppercase() && !out.is_empty() {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
                out
            })
        };
        snake
            .split(['_', '-', ' '])
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let singular = |word: &str| word.strip_suffix('s').unwrap_or(word).to_owned();
    let mut problems = Vec::new();
    let mut by_shape = std::collections::BTreeMap::<Vec<String>, Vec<&String>>::new();
    for name in names {
        let words = words(name);
        for artefact in ["resource", "resources", "atomic"] {
            if words.iter().any(|w| w == artefact) {
                problems.push(format!("{name}: Flask-RESTX artefact `{artefact}`"));
            }
        }
        if let Some(verb) = ["post", "patch", "put"]
            .into_iter()
            .find(|v| words.first().is_some_and(|w| w == v) && name.contains('_'))
        {
            problems.push(format!("{name}: named after the HTTP method `{verb}`"));
        }
        if words.iter().filter(|w| *w == "by").count() >= 2 {
            problems.push(format!("{name}: derived from a path"));
        }
        let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
        let stem = stem.trim_end_matches(['_', '-']);
        if stem.len() < name.len() && names.iter().any(|n| n == stem) {
            problems.push(format!("{name}: `{stem}` with a number added"));
        }
        by_shape
            .entry(words.iter().map(|w| singular(w)).collect())
            .or_default()
            .push(name);
    }
    for alike in by_shape.values().filter(|names| names.len() > 1) {
        problems.push(format!("{alike:?}: differ only by a plural"));
    }
    problems
}

/// Every public name of the generated crate (methods, types, the tool's commands) reads like
/// hand-written Rust; the checker itself flags the names the crate had before the naming rule.
#[test]
fn public_names_carry_no_document_artefacts() {
    use contractfit_codegen::surface::Surface;
    let config = Config::new(root().join("spec/contract-fit.yaml"))
        .overlay(root().join("spec/overlay.yaml"));
    let (api, _, _) = model_of(&config).unwrap();
    let surface = Surface::of(&api);
    let namespaces = [
        surface.operations.keys().cloned().collect::<Vec<_>>(),
        surface.types.keys().cloned().collect(),
        surface.commands.keys().cloned().collect(),
    ];
    let problems: Vec<String> = namespaces.iter().flat_map(|n| name_problems(n)).collect();
    assert!(problems.is_empty(), "{problems:#?}");

    let before = [
        "get_integration_resources",
        "post_inboxes",
        "patch_inbox",
        "get_settings_threshold",
        "get_setting_threshold",
        "get_data_retention_settings_by_level_by_id",
        "get_dashboard_settings_atomic",
        "PostStyleSheetResourceForm",
        "list",
        "list-2",
    ]
    .map(String::from);
    assert_eq!(
        name_problems(&before).len(),
        8,
        "{:#?}",
        name_problems(&before)
    );
}

/// The links the generator writes into docs stay links: none is escaped into literal brackets
/// (`\[get_document\](Self::get_document)`, which rustdoc shows as text). Over every generated
/// crate's docs: the client's and the fixtures'. (Before: the waiter methods' docs went through
/// the escaping meant for the document's prose.)
#[test]
fn generated_links_are_not_escaped() {
    let mut crates = vec![root().join("generated/src")];
    let clients = root().join("tests/fixtures/clients");
    for entry in std::fs::read_dir(&clients).unwrap() {
        crates.push(entry.unwrap().path().join("src"));
    }
    let mut escaped = Vec::new();
    for dir in crates {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for (n, line) in text.lines().enumerate() {
                let doc = line.trim_start();
                if (doc.starts_with("///") || doc.starts_with("#[doc")) && doc.contains(r"\](") {
                    escaped.push(format!("{}:{}: {doc}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(escaped.is_empty(), "escaped links:\n{}", escaped.join("\n"));
}

/// Every type of the generated crate says more than the schema it came from: what it is (the
/// document's words, or the overlay's), which calls return or take it, or where it is held; and
/// every call's example uses the answer. (Before: 128 of the 134 types said only `Schema: …`,
/// and every example printed `response.status`.)
#[test]
fn every_type_says_where_it_is_used_and_every_example_uses_the_answer() {
    let types = std::fs::read_to_string(root().join("generated/src/types.rs")).unwrap();
    let lines: Vec<&str> = types.lines().collect();
    let bare: Vec<&str> = lines
        .windows(2)
        .filter(|pair| pair[1].starts_with("/// Schema: ") && !pair[0].starts_with("///"))
        .map(|pair| pair[1])
        .collect();
    assert!(
        bare.is_empty(),
        "types documented by their schema only: {bare:#?}"
    );
    for (name, says) in [
        (
            "DocumentModelGet",
            "Returned by [`get_document`](crate::Client::get_document)",
        ),
        ("DocumentUploadReply", "The reply to an upload"),
        ("InboxModelGet", "An inbox of a project"),
        ("TokenReplyModel", "A token for the calls that accept one"),
        ("StatusDataModel", "In [`DocumentModelGet::status_data`]"),
    ] {
        let at = types
            .find(&format!("pub struct {name} {{"))
            .unwrap_or_else(|| panic!("{name}"));
        // The type's docs: what follows the item before it.
        let docs = &types[types[..at].rfind("}\n").unwrap_or(0)..at];
        assert!(docs.contains(says), "{name}: {docs}");
    }
    let client = std::fs::read_to_string(root().join("generated/src/client.rs")).unwrap();
    assert!(
        !client.contains("response.status"),
        "an example prints only the status"
    );
    assert!(
        client.contains("println!(\"{:?}\", reply.id);"),
        "a typed answer's field is read"
    );
}

/// A document whose paths are `paths` (YAML, indented under `paths:`), as a model or its error.
fn model_of_paths(label: &str, paths: &str) -> Result<contractfit_codegen::model::Api, String> {
    let dir = contractfit_tests::scratch(label);
    let path = dir.path().join(format!("{label}.yaml"));
    std::fs::write(
        &path,
        format!("openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}"),
    )
    .unwrap();
    model_of(&Config::new(&path))
        .map(|(api, _, _)| api)
        .map_err(|e| e.to_string())
}

const READY: &str = "x-contractfit-waiters: {ready: {minDelay: 1, maxDelay: 2, acceptors: [{state: success, status: 200}]}}";

/// Names the extensions add to the client are checked like the operations' own: a clash is an
/// error naming the extension that makes the second, never generated code that does not
/// compile. (Before: two waiters called `ready` made two `wait_until_ready` methods, as did a
/// waiter `ready` beside an operation `wait_until_ready`; a parameter `stale` was a second
/// field `stale` of the waiter's builder.)
#[test]
fn names_the_extensions_add_clash_as_located_errors() {
    let two_waiters = format!(
        "  /a/{{id}}:\n    get:\n      operationId: get_a\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      {READY}\n      responses: {{'200': {{description: ok}}}}\n  /b/{{id}}:\n    get:\n      operationId: get_b\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      {READY}\n      responses: {{'200': {{description: ok}}}}\n"
    );
    let err = model_of_paths("two-waiters", &two_waiters).unwrap_err();
    assert!(
        err.contains("/paths/~1b~1{id}/get/x-contractfit-waiters/ready")
            && err.contains("wait_until_ready")
            && err.contains("waiter `ready` of `get_a`"),
        "{err}"
    );

    let taken_by_an_operation = format!(
        "  /a:\n    get:\n      operationId: wait_until_ready\n      responses: {{'200': {{description: ok}}}}\n  /b:\n    get:\n      operationId: get_b\n      {READY}\n      responses: {{'200': {{description: ok}}}}\n"
    );
    let err = model_of_paths("waiter-method", &taken_by_an_operation).unwrap_err();
    assert!(
        err.contains("/paths/~1b/get/x-contractfit-waiters/ready")
            && err.contains("operation `wait_until_ready`"),
        "{err}"
    );

    let stale = format!(
        "  /a:\n    get:\n      operationId: get_a\n      parameters: [{{name: stale, in: query, required: true, schema: {{type: string}}}}]\n      {READY}\n      responses: {{'200': {{description: ok}}}}\n"
    );
    let api = model_of_paths("stale", &stale).unwrap();
    let names: Vec<&str> = api.operations[0]
        .parameters
        .iter()
        .map(|p| p.rust_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["stale_2"],
        "the waiter builder's own field keeps its name"
    );
}

/// A `$ref` to a component that is itself a `$ref` is followed, for parameters, responses and
/// request bodies as for schemas: one resolver for all. (Before: only schemas followed a chain;
/// a parameter reached through two references was "names no parameter".)
#[test]
fn references_to_references_are_followed_for_every_component() {
    let dir = contractfit_tests::scratch("ref-chain");
    let path = dir.path().join("chain.yaml");
    std::fs::write(
        &path,
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    post:\n      operationId: post_a\n      parameters: [{$ref: '#/components/parameters/Alias'}]\n      requestBody: {$ref: '#/components/requestBodies/AliasBody'}\n      responses: {'200': {$ref: '#/components/responses/AliasOk'}}\ncomponents:\n  parameters:\n    Alias: {$ref: '#/components/parameters/Id'}\n    Id: {name: id, in: path, required: true, schema: {type: string}}\n  requestBodies:\n    AliasBody: {$ref: '#/components/requestBodies/Body'}\n    Body: {required: true, content: {application/json: {schema: {type: object, properties: {x: {type: string}}}}}}\n  responses:\n    AliasOk: {$ref: '#/components/responses/Ok'}\n    Ok: {description: ok, content: {application/json: {schema: {type: object, properties: {y: {type: string}}}}}}\n",
    )
    .unwrap();
    let (api, _, _) = model_of(&Config::new(&path)).unwrap_or_else(|e| panic!("{e}"));
    let op = &api.operations[0];
    assert_eq!(op.parameters[0].name, "id");
    assert!(op.request_body.is_some());
    assert!(matches!(
        op.success_body(),
        contractfit_codegen::model::SuccessBody::Json(_)
    ));
}

/// The method `name`'s parameter names and the type it returns, as generated in `source`.
fn generated_signature(source: &str, name: &str) -> Option<(Vec<String>, String)> {
    let start = source.find(&format!("    pub fn {name}("))?;
    let rest = &source[start + "    pub fn (".len() + name.len()..];
    let (params, after) = rest.split_once(") -> ")?;
    // Parameters split at the commas outside angle brackets.
    let (mut names, mut depth, mut current) = (Vec::new(), 0i32, String::new());
    for c in params.chars().chain([',']) {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                if let Some((name, _)) = current.split_once(':') {
                    names.push(name.trim().to_owned());
                }
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    let returns = after.split_once(" {").map_or(after, |(r, _)| r);
    let returns = returns.split_whitespace().collect::<Vec<_>>().join(" ");
    Some((names, returns.replace("< ", "<").replace(", >", ">")))
}

/// What the change report compares (`surface.json`) is what the crate has: each method's
/// arguments by name, its builder, its stub's record and its waiters, read from the
/// generated code itself. (Before the signature was made once in build, the surface said an
/// upload took `body: form UploadDocumentForm` where the method takes `inbox_id, file`.)
#[test]
fn the_surface_is_the_generated_signature() {
    let dir = root().join("generated");
    let surface: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("surface.json")).unwrap()).unwrap();
    let client = std::fs::read_to_string(dir.join("src/client.rs")).unwrap();
    let testing = std::fs::read_to_string(dir.join("src/testing.rs")).unwrap();
    let mut problems = Vec::new();
    let operations = surface["operations"].as_object().unwrap();
    for (name, op) in operations {
        let Some((params, returns)) = generated_signature(&client, name) else {
            problems.push(format!("{name}: no method in client.rs"));
            continue;
        };
        let listed: Vec<String> = op["arguments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().split_once(':').unwrap().0.to_owned())
            .collect();
        if params != listed {
            problems.push(format!("{name}: takes {params:?}, surface says {listed:?}"));
        }
        let builder = format!("crate::builders::{}", op["builder"].as_str().unwrap_or(""));
        if returns != builder {
            problems.push(format!("{name}: returns {returns}, surface says {builder}"));
        }
        let call = op["call"].as_str().unwrap_or("");
        match generated_signature(&testing, name) {
            Some((_, stub)) if stub.starts_with(&format!("Stub<'_, {call},")) => {}
            other => problems.push(format!("{name}: stub {other:?}, surface says {call}")),
        }
        for (method, builder) in op["waiters"].as_object().into_iter().flatten() {
            let wanted = format!("crate::builders::{}", builder.as_str().unwrap());
            match generated_signature(&client, method) {
                Some((_, returns)) if returns == wanted => {}
                other => problems.push(format!("{method}: {other:?}, surface says {wanted}")),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let waiters = operations
        .values()
        .filter_map(|op| op["waiters"].as_object())
        .map(|w| w.len())
        .sum::<usize>();
    let in_client = client.matches("    pub fn wait_until_").count();
    assert_eq!(
        waiters, in_client,
        "waiters in the surface and in client.rs"
    );
}

/// An extension's key the generator does not know is an error at that key, not a setting
/// silently dropped. (Before: an upload-wait's `find` misspelt `finds` generated a batch that
/// never looks for an upload whose answer was lost, and sends the file again; a waiter's
/// `maxdelay` was read as missing only because it is required, and its optional keys as
/// absent.)
#[test]
fn a_misspelt_extension_key_is_a_located_error() {
    let upload = format!(
        "  /files:\n    post:\n      operationId: upload\n      requestBody: {{content: {{multipart/form-data: {{schema: {{type: object, required: [file], properties: {{file: {{type: string, format: binary}}}}}}}}}}}}\n      responses: {{'200': {{description: ok}}}}\n      x-contractfit-upload-wait: {{id: /id, operationId: get_a, waiter: ready, finds: {{operationId: get_a, since: s, name: /n, id: /id}}}}\n  /a/{{id}}:\n    get:\n      operationId: get_a\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      {READY}\n      responses: {{'200': {{description: ok}}}}\n"
    );
    let err = model_of_paths("misspelt-find", &upload).unwrap_err();
    assert!(
        err.contains("/paths/~1files/post/x-contractfit-upload-wait")
            && err.contains("unknown field `finds`"),
        "{err}"
    );

    let waiter = "  /a:\n    get:\n      operationId: get_a\n      x-contractfit-waiters: {ready: {minDelay: 1, maxDelay: 2, acceptors: [{state: success, status: 200, al: []}]}}\n      responses: {'200': {description: ok}}\n";
    let err = model_of_paths("misspelt-acceptor", waiter).unwrap_err();
    assert!(
        err.contains("/paths/~1a/get/x-contractfit-waiters/ready/acceptors/0")
            && err.contains("unknown field `al`"),
        "{err}"
    );

    let wrong_type = "  /a:\n    get:\n      operationId: get_a\n      x-contractfit-waiters: {ready: {minDelay: soon, maxDelay: 2, acceptors: [{state: success, status: 200}]}}\n      responses: {'200': {description: ok}}\n";
    let err = model_of_paths("wrong-type", wrong_type).unwrap_err();
    assert!(
        err.contains("/paths/~1a/get/x-contractfit-waiters/ready/minDelay")
            && err.contains("invalid type"),
        "{err}"
    );
}

/// What the review of the one-signature work found, each a crate that did not compile or a
/// setting silently dropped, now a renamed method or an error at its place:
/// an operation named like a method of the stubs' `Mock` (`start`); an upload-and-wait that
/// is also a then-wait (two `send_and_wait`); `find: null` (read as no `find`); a `set` field
/// that is not an optional boolean (`Some(true)` into a string).
#[test]
fn the_review_s_clashes_are_renamed_or_located() {
    let start =
        "  /a:\n    get:\n      operationId: start\n      responses: {'200': {description: ok}}\n";
    let api = model_of_paths("mock-start", start).unwrap();
    assert_eq!(api.operations[0].name, "start_2");

    let upload = |extra: &str| {
        format!(
            "  /files/{{id}}:\n    post:\n      operationId: upload\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      requestBody: {{content: {{multipart/form-data: {{schema: {{type: object, required: [file], properties: {{file: {{type: string, format: binary}}, label: {{type: string}}}}}}}}}}}}\n      responses: {{'200': {{description: ok}}}}\n      x-contractfit-upload-wait: {{id: /id, operationId: get_a, waiter: ready{extra}}}\n  /a/{{id}}:\n    get:\n      operationId: get_a\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      {READY}\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let null = model_of_paths("find-null", &upload(", find: null")).unwrap_err();
    assert!(
        null.contains("/paths/~1files~1{id}/post/x-contractfit-upload-wait/find")
            && null.contains("`null`"),
        "{null}"
    );
    let set = model_of_paths("set-string", &upload(", set: {label: true}")).unwrap_err();
    assert!(
        set.contains("x-contractfit-upload-wait/set/label") && set.contains("optional boolean"),
        "{set}"
    );
    let both =
        upload("}\n      x-contractfit-then-wait: {operationId: get_a, waiter: ready, changed: /x");
    let both = model_of_paths("both-waits", &both).unwrap_err();
    assert!(
        both.contains("/paths/~1files~1{id}/post/x-contractfit-then-wait")
            && both.contains("send_and_wait"),
        "{both}"
    );
}
