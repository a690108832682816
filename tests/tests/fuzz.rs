//! Mutated documents: the generator returns a crate or an error that names the file, and never
//! panics, whatever is dropped, duplicated, retyped, dangled, made cyclic, renamed oddly,
//! emptied or blown up. A mutation the generator accepts must still give Rust that parses (an
//! `Emit` error is a generator bug, not a refusal).
//!
//! Bounded here (`FUZZ_ITERATIONS`, default 400, seed `FUZZ_SEED`, default 1). A longer run:
//!
//! ```sh
//! FUZZ_ITERATIONS=100000 FUZZ_SEED=$RANDOM cargo test --release -p contractfit-tests --test fuzz
//! ```
//!
//! A failing document is written to `target/fuzz-failures/` with its seed and iteration.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use contractfit_codegen::{generate, load, Config, Error};
use contractfit_tests::{fixtures, root};
use serde_json::{json, Map, Value};

#[test]
fn mutated_documents_give_a_crate_or_a_located_error_never_a_panic() {
    let iterations: usize = env_number("FUZZ_ITERATIONS", 400);
    let seed: u64 = env_number("FUZZ_SEED", 1);
    let mut bases: Vec<(PathBuf, Value)> = fixtures()
        .into_iter()
        .map(|path| {
            let value = load::read_value(&path).unwrap();
            (path, value)
        })
        .collect();
    let spec = root().join("spec/contract-fit.yaml");
    bases.push((spec.clone(), load::read_value(&spec).unwrap()));

    let dir = contractfit_tests::target_dir().join("fuzz-work");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = fastrand::Rng::with_seed(seed);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for iteration in 0..iterations {
        // The full document is slow to generate unoptimised: one iteration in 20.
        let base = if iteration % 20 == 19 {
            bases.len() - 1
        } else {
            rng.usize(..bases.len() - 1)
        };
        let mut document = bases[base].1.clone();
        let mutations = 1 + rng.usize(..4);
        let mut applied = Vec::new();
        for _ in 0..mutations {
            applied.push(mutate(&mut document, &mut rng));
        }
        let path = dir.join(format!("mutant-{iteration}.json"));
        std::fs::write(&path, serde_json::to_string(&document).unwrap()).unwrap();
        let outcome = generate_within(&path, TIME_LIMIT);
        // A generator that loops cannot be stopped (it is a thread): report it, then stop.
        let hung = outcome.is_none();
        let problem = match outcome {
            None => Some("still running after the time limit".to_owned()),
            Some(Err(panic)) => Some(format!("panicked: {panic}")),
            Some(Ok(Ok(generated))) => {
                accepted += 1;
                let problems = contractfit_tests::cli_name_problems(&generated.api);
                (!problems.is_empty())
                    .then(|| format!("a command-line tool clap refuses: {}", problems.join("; ")))
            }
            Some(Ok(Err(error @ Error::Emit { .. }))) => {
                Some(format!("emitted Rust that does not parse: {error}"))
            }
            Some(Ok(Err(error))) => {
                refused += 1;
                let text = error.to_string();
                (!text.contains("mutant-")).then(|| format!("error does not name the file: {text}"))
            }
        };
        if let Some(problem) = problem {
            failures.push(keep_failure(
                &path,
                seed,
                iteration,
                &bases[base].0,
                &applied,
                &problem,
            ));
        }
        if hung {
            break;
        }
        let _ = std::fs::remove_file(&path);
    }
    std::panic::set_hook(hook);
    println!("{iterations} mutants (seed {seed}): {accepted} generated, {refused} refused");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Mutations that change nothing would make this test pass vacuously.
    assert!(
        refused > iterations / 20,
        "only {refused} of {iterations} mutants were refused"
    );
    assert!(
        accepted > iterations / 20,
        "only {accepted} of {iterations} mutants generated"
    );
}

/// Far beyond what any mutant needs (the full document takes about a second unoptimised).
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Generates from `path` on a thread of its own; `None` if it has not finished in `limit`,
/// `Some(Err(message))` if it panicked.
fn generate_within(
    path: &Path,
    limit: std::time::Duration,
) -> Option<Result<Result<contractfit_codegen::Generated, Error>, String>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let path = path.to_owned();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| generate(&Config::new(&path))));
        let _ = sender.send(outcome.map_err(|panic| panic_text(&panic)));
    });
    receiver.recv_timeout(limit).ok()
}

fn keep_failure(
    path: &Path,
    seed: u64,
    iteration: usize,
    base: &Path,
    applied: &[String],
    problem: &str,
) -> String {
    let kept = contractfit_tests::target_dir().join("fuzz-failures");
    std::fs::create_dir_all(&kept).unwrap();
    let name = format!("seed-{seed}-iteration-{iteration}.json");
    let _ = std::fs::copy(path, kept.join(&name));
    format!(
        "{} (from {}, mutations {applied:?}): {problem}",
        kept.join(&name).display(),
        base.file_name().unwrap().to_string_lossy()
    )
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Applies one random mutation somewhere in `document`; says which, and where.
fn mutate(document: &mut Value, rng: &mut fastrand::Rng) -> String {
    let pointers = all_pointers(document);
    let target = pointers[rng.usize(..pointers.len())].clone();
    let kind = rng.usize(..9);
    match kind {
        0 => {
            remove(document, &target);
            format!("drop {target}")
        }
        1 => {
            let source = &pointers[rng.usize(..pointers.len())];
            let copy = document.pointer(source).cloned().unwrap_or(Value::Null);
            set(document, &target, copy);
            format!("duplicate {source} at {target}")
        }
        2 => {
            let values = [
                json!(null),
                json!(true),
                json!(0),
                json!(-1),
                json!(1e300),
                json!("x"),
                json!([]),
                json!({}),
                json!([null]),
                json!({"type": "nonsense"}),
            ];
            let value = values[rng.usize(..values.len())].clone();
            set(document, &target, value.clone());
            format!("retype {target} to {value}")
        }
        3 => {
            let refs = [
                "#/components/schemas/DoesNotExist",
                "#/nowhere/at/all",
                "other.yaml#/components/schemas/X",
                "#/components/schemas/",
                "#",
                "not a reference",
                "#/components/parameters/Missing",
                "#/components/responses/Missing",
            ];
            let reference = refs[rng.usize(..refs.len())];
            set(document, &target, json!({"$ref": reference}));
            format!("dangle {target} to {reference}")
        }
        4 => {
            // A reference to a schema from inside itself, or to an enclosing place.
            let schemas: Vec<String> = document["components"]["schemas"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let reference = if schemas.is_empty() || rng.bool() {
                let ancestor = target
                    .rsplitn(2 + rng.usize(..3), '/')
                    .last()
                    .unwrap_or("")
                    .to_owned();
                format!("#{ancestor}")
            } else {
                let key = &schemas[rng.usize(..schemas.len())];
                format!(
                    "#/components/schemas/{}",
                    key.replace('~', "~0").replace('/', "~1")
                )
            };
            let cyclic = match rng.usize(..3) {
                0 => json!({"$ref": reference}),
                1 => json!({"allOf": [{"$ref": reference}]}),
                _ => json!({"type": "object", "properties": {"again": {"$ref": reference}}}),
            };
            set(document, &target, cyclic);
            format!("cycle {target} to {reference}")
        }
        5 => {
            let names = [
                "", " ", "type", "self", "Self", "crate", "super", "r#type", "🙂", "1abc", "a-b",
                "a/b", "~1", "%", "a.b", "Unknown", "new", "send", "options", "__", "ÄÖÜ", "x y z",
            ];
            let name = names[rng.usize(..names.len())].to_owned();
            let long = "n".repeat(300);
            let name = if rng.usize(..10) == 0 { long } else { name };
            rename(document, &target, name.clone());
            format!("rename {target} to {name:?}")
        }
        7 => {
            // References to places that are not whole components (copied by the loader), to a
            // random place in the document, or to a ladder whose rungs each refer to the next
            // one ten times: copies of copies that must stop at a bound, not exhaust memory.
            let reference = if rng.bool() {
                format!("#{}", pointers[rng.usize(..pointers.len())])
            } else {
                let rungs = 4 + rng.usize(..12);
                let mut ladder = Map::new();
                for rung in 0..rungs {
                    let refs: Map<String, Value> = (0..10)
                        .map(|i| {
                            (
                                format!("p{i}"),
                                json!({"$ref": format!("#/x-ladder/r{}", rung + 1)}),
                            )
                        })
                        .collect();
                    ladder.insert(
                        format!("r{rung}"),
                        json!({"type": "object", "properties": refs}),
                    );
                }
                ladder.insert(format!("r{rungs}"), json!({"type": "string"}));
                document["x-ladder"] = Value::Object(ladder);
                "#/x-ladder/r0".to_owned()
            };
            set(document, &target, json!({"$ref": reference}));
            format!("refer {target} to {reference}")
        }
        6 => {
            let value = match rng.usize(..3) {
                0 => json!(""),
                1 => json!({}),
                _ => json!([]),
            };
            set(document, &target, value.clone());
            format!("empty {target} to {value}")
        }
        _ => {
            let value = match rng.usize(..4) {
                0 => json!("x".repeat(100_000)),
                1 => {
                    let mut nested = json!({"type": "string"});
                    for i in 0..60 {
                        nested =
                            json!({"type": "object", "properties": {format!("level{i}"): nested}});
                    }
                    nested
                }
                2 => Value::Array((0..5_000).map(|i| json!(format!("value-{i}"))).collect()),
                _ => {
                    let properties: Map<String, Value> = (0..2_000)
                        .map(|i| (format!("property_{i}"), json!({"type": "integer"})))
                        .collect();
                    json!({"type": "object", "properties": properties})
                }
            };
            set(document, &target, value);
            format!("blow up {target}")
        }
    }
}

/// Every JSON pointer in `value` but the root.
fn all_pointers(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), value)];
    while let Some((pointer, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let p = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    stack.push((p, child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let p = format!("{pointer}/{i}");
                    out.push(p.clone());
                    stack.push((p, child));
                }
            }
            _ => {}
        }
    }
    if out.is_empty() {
        out.push("/info".into());
    }
    out
}

fn split(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

fn set(document: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = document.pointer_mut(pointer) {
        *slot = value;
    }
}

fn remove(document: &mut Value, pointer: &str) {
    let (parent, key) = split(pointer);
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

fn rename(document: &mut Value, pointer: &str, name: String) {
    let (parent, key) = split(pointer);
    if let Some(Value::Object(map)) = document.pointer_mut(parent) {
        if let Some(value) = map.shift_remove(&key) {
            map.insert(name, value);
        }
    }
}
