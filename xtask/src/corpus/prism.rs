//! `cargo xtask corpus --prism`: beyond "it compiles". For every corpus document whose client
//! compiled, Prism serves the document as the generator read it in dynamic mode (`-d`: answers
//! it invents from the schemas) and validates every request; a runner program calls each
//! operation through the generated client's `send()` (its answer decoded into its type), a few
//! rounds, with every kind of credential the runtime sends, and classifies each call.
//!
//! The runner is one crate in the corpus workspace (`prism-runner`), depending on every compiled
//! client: each client's calls are emitted from its model (`emit::test_files`, the same
//! `call_typed` the Contract.fit conformance test uses), its samples come from
//! `tests/src/samples.rs`, included as a module.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use contractfit_codegen::Config;

/// Rounds of calls per document: Prism invents other answers each time.
const ROUNDS: usize = 3;

/// How long one document's calls may take: Prism inventing answers for deeply recursive
/// schemas can take minutes per call.
const DOCUMENT_BUDGET: Duration = Duration::from_secs(150);

/// What became of one call, as the runner classifies it.
pub const CLASSES: [&str; 8] = [
    "ok",
    "decode failure",
    "request violation",
    "security",
    "Prism limitation",
    "document error",
    "no sample",
    "other",
];

/// The classes that are the client's fault: a run with any of them fails.
pub const CLIENT_FAULTS: [&str; 4] = ["decode failure", "request violation", "security", "other"];

/// How many calls of `tally` failed for the client's fault.
pub fn client_faults(tally: &Tally) -> usize {
    tally
        .values()
        .flat_map(|(counts, _)| counts.iter())
        .filter(|(class, _)| CLIENT_FAULTS.contains(class))
        .map(|(_, n)| n)
        .sum()
}

/// One document's client, ready for the runner.
pub struct Client {
    /// The crate's package name (`corpus-…`).
    pub package: String,
    /// The document as the generator read it, as JSON.
    pub document: PathBuf,
}

/// What the Prism runner needs of one client: its calls, emitted from its model, and the
/// document as the generator read it (which Prism serves and the samples come from).
pub fn write_client(
    runner: &Path,
    config: &Config,
    api: &contractfit_codegen::model::Api,
) -> Result<(), String> {
    let package = &config.crate_info.name;
    let files = contractfit_codegen::emit::test_files(api, package).map_err(|e| e.to_string())?;
    let (document, _, _) = contractfit_codegen::document_of(config).map_err(|e| e.to_string())?;
    let calls = files
        .into_iter()
        .find(|f| f.path == "conformance_calls.rs")
        .ok_or("no conformance calls were emitted")?;
    let write = |path: PathBuf, contents: &[u8]| {
        std::fs::create_dir_all(path.parent().unwrap())
            .and_then(|()| std::fs::write(&path, contents))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(
        runner.join(format!("src/calls/{}.rs", package.replace('-', "_"))),
        calls.contents.as_bytes(),
    )?;
    write(
        runner.join(format!("documents/{package}.json")),
        &serde_json::to_vec(&document).map_err(|e| e.to_string())?,
    )
}

impl Client {
    /// The client `package` whose files `write_client` put beside the runner in `runner`.
    pub fn written(runner: &Path, package: &str) -> Client {
        let documents = runner.join("documents");
        Client {
            package: package.to_owned(),
            document: documents.join(format!("{package}.json")),
        }
    }
}

/// Per document, calls counted by class, and the first detail of each non-ok class.
pub type Tally = BTreeMap<
    String,
    (
        BTreeMap<&'static str, usize>,
        BTreeMap<&'static str, String>,
    ),
>;

/// Writes the runner's sources for `clients` into `dir` (a member of the corpus workspace).
pub fn write_runner(root: &Path, dir: &Path, clients: &[Client]) -> Result<(), String> {
    let write = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().unwrap())
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let mut manifest = format!(
        "[package]\nname = \"prism-runner\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\ncontractfit-runtime = {{ path = {:?} }}\nfutures = \"0.3\"\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\
         tokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n",
        root.join("runtime").display().to_string()
    );
    let mut modules = String::new();
    let mut arms = String::new();
    for client in clients {
        let krate = client.package.replace('-', "_");
        // With the features the corpus build gave them, so that its artifacts are reused.
        let _ = writeln!(
            manifest,
            "{} = {{ path = \"../{}\", features = [\"cli\"] }}",
            client.package, client.package
        );
        let _ = writeln!(
            modules,
            "#[path = \"calls/{krate}.rs\"]\nmod {krate}_calls;\nsamples_for!({krate}_calls);"
        );
        let _ = writeln!(
            arms,
            "        {:?} => run!({krate}_calls, {krate}, port, samples, rounds),",
            client.package
        );
    }
    write(dir.join("Cargo.toml"), manifest)?;
    let samples = root.join("tests/src/samples.rs").display().to_string();
    write(
        dir.join("src/main.rs"),
        RUNNER
            .replace("SAMPLES_PATH", &samples)
            .replace("// MODULES\n", &modules)
            .replace("        // ARMS\n", &arms),
    )
}

/// The runner's `main.rs`; `xtask` fills in the clients.
const RUNNER: &str = r#"//! Calls every operation of one corpus client against Prism and prints one JSON line per call.
//! Written by `cargo xtask corpus --prism`; usage: prism-runner PACKAGE PORT DOCUMENT ROUNDS.
#![allow(deprecated, unused_imports)]

use std::panic::AssertUnwindSafe;

use contractfit_runtime::{Credentials, Error, RetryPolicy};
use futures::FutureExt;

#[path = "SAMPLES_PATH"]
mod samples;
use samples::{typed, DocumentSamples};

macro_rules! samples_for {
    ($calls:ident) => {
        impl $calls::Samples for DocumentSamples {
            fn parameter<T: serde::de::DeserializeOwned>(&self, method: &str, path: &str, name: &str) -> T {
                typed(self.parameter_value(method, path, name), &format!("{method} {path} {name}"))
            }
            fn body<T: serde::de::DeserializeOwned>(&self, method: &str, path: &str) -> T {
                typed(self.body_value(method, path), &format!("{method} {path} body"))
            }
            fn form_field<T: serde::de::DeserializeOwned>(&self, method: &str, path: &str, name: &str) -> T {
                typed(self.form_field_value(method, path, name), &format!("{method} {path} {name}"))
            }
        }
    };
}

// MODULES

/// Every kind of credential the runtime sends; each call uses what its operation accepts.
fn credentials() -> Vec<Credentials> {
    vec![
        Credentials::basic("user", "password"),
        Credentials::token("a-token"),
        Credentials::api_key("an-api-key"),
        Credentials::api_key_in_query("an-api-key"),
    ]
}

macro_rules! run {
    ($calls:ident, $krate:ident, $port:expr, $samples:expr, $rounds:expr) => {{
        let mut builder = $krate::Client::builder()
            .base_url(format!("http://127.0.0.1:{}", $port))
            .retry(RetryPolicy::never())
            .attempt_timeout(std::time::Duration::from_secs(10));
        for credentials in credentials() {
            builder = builder.credentials(credentials);
        }
        let client = builder.build().expect("the client builds");
        for round in 0..$rounds {
            for (name, method, path) in $calls::OPERATION_ROUTES {
                let call = AssertUnwindSafe($calls::call_typed(name, &client, &$samples))
                    .catch_unwind()
                    .await;
                let (class, detail) = match call {
                    Err(panic) => explain(&$samples, method, path, "no sample", panic_text(&panic)),
                    Ok(None) => ("other", "not an operation".to_owned()),
                    Ok(Some(result)) => {
                        let (class, detail) = classify(result);
                        explain(&$samples, method, path, class, detail)
                    }
                };
                println!(
                    "{}",
                    serde_json::json!({"round": round, "operation": name, "class": class, "detail": detail})
                );
            }
        }
    }};
}

/// What the document says of a call that failed, where it explains the failure: something
/// no value meets makes it the document's error (and a sample that cannot be made for it
/// too), an XML body one the samples do not write; an empty form, a multipart array and
/// answers declared only as `*/*` are Prism's limits.
fn explain(
    samples: &DocumentSamples,
    method: &str,
    path: &str,
    class: &'static str,
    detail: String,
) -> (&'static str, String) {
    let empty_form = "no field of the multipart form is required and the call sets none: the \
                      empty form is a body, which Prism takes for none";
    let multipart_array = "an array in a multipart form goes one part per item, which Prism \
                           reads as one value however many parts there are";
    let wildcard_answers = "its successes are declared only as `*/*`: the client asks for JSON, \
                            which Prism cannot match (and, asked for `*/*`, cannot write)";
    let managed_header = "a Content-Type or Accept header declared as a parameter, which \
                          OpenAPI says is ignored (the client sets them from the request); \
                          Prism requires it as declared";
    let schema_as_value = "a property named `properties` is answered with its schema's text \
                           (`{properties, required, title}`) rather than a value: Prism's \
                           faker reads the name as a keyword";
    let why = match class {
        "request violation" | "no sample" => samples
            .request_contradiction(method, path)
            .map(|why| ("document error", why.to_owned()))
            .or_else(|| samples.unsampled_body(method, path).map(|why| ("no sample", why)))
            .or_else(|| {
                let empty = class == "request violation" && samples.empty_form(method, path);
                empty.then(|| ("Prism limitation", empty_form.to_owned()))
            })
            .or_else(|| {
                let array = detail.contains("must be array") && samples.multipart_array(method, path);
                array.then(|| ("Prism limitation", multipart_array.to_owned()))
            })
            .or_else(|| {
                let wildcard = detail.contains("NOT_ACCEPTABLE") && samples.wildcard_answers(method, path);
                wildcard.then(|| ("Prism limitation", wildcard_answers.to_owned()))
            })
            .or_else(|| {
                let managed = ["content-type", "accept"].iter().any(|header| {
                    detail.contains(&format!("Request header must have required property '{header}'"))
                });
                managed.then(|| ("Prism limitation", managed_header.to_owned()))
            }),
        "decode failure" => samples
            .answer_contradiction(method, path)
            .map(|why| ("document error", why))
            .or_else(|| {
                let named_properties = detail.contains(".properties`: missing field")
                    || detail.contains("at `properties`: missing field");
                named_properties.then(|| ("Prism limitation", schema_as_value.to_owned()))
            }),
        _ => None,
    };
    match why {
        Some((class, why)) => (class, format!("{why} ({detail})")),
        None => (class, detail),
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// What a call's result says about the client: Prism objects to a request it finds invalid
/// (an `sl-violations` header, or an error of its own), answers 401/403 when no credential
/// fits, and fails with an error of its own when it cannot invent an answer.
fn classify(result: Result<(), Error>) -> (&'static str, String) {
    match result {
        Ok(()) => ("ok", String::new()),
        Err(Error::Decode(error)) => ("decode failure", error.to_string()),
        Err(Error::Api(api)) => {
            if let Some(violations) = api.headers.get("sl-violations") {
                let violations = violations.to_str().unwrap_or("?").to_owned();
                // Prism reports a missing or unfitting credential as a violation with code 401.
                let class = if violations.contains("\"code\":401") {
                    "security"
                } else {
                    "request violation"
                };
                return (class, violations);
            }
            let text = api.text().into_owned();
            let Some(kind) = text.split("stoplight.io/prism/errors#").nth(1) else {
                // A declared answer Prism chose (an operation without a success, say).
                return ("ok", format!("declared {} answer", api.status));
            };
            let kind: String = kind.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
            let class = match kind.as_str() {
                "UNAUTHORIZED" | "FORBIDDEN" => "security",
                "UNPROCESSABLE_ENTITY" | "NOT_ACCEPTABLE" | "NO_PATH_MATCHED_ERROR"
                | "NO_METHOD_MATCHED_ERROR" | "UNSUPPORTED_MEDIA_TYPE" => "request violation",
                _ => "Prism limitation",
            };
            // Prism's own 422 lists what it found invalid; that is the part worth reading.
            let validation = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|body| body.get("validation").map(|v| v.to_string()));
            let detail = validation.unwrap_or_else(|| text.chars().take(300).collect());
            (class, format!("{} {kind}: {detail}", api.status))
        }
        Err(other) => ("other", other.to_string()),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, package, port, document, rounds] = &args[..] else {
        panic!("usage: prism-runner PACKAGE PORT DOCUMENT ROUNDS");
    };
    let port: u16 = port.parse().expect("a port");
    let rounds: usize = rounds.parse().expect("a number of rounds");
    let text = std::fs::read_to_string(document).expect("the document reads");
    let samples = DocumentSamples::new(serde_json::from_str(&text).expect("the document is JSON"));
    // Sampling panics are caught and reported per call; keep the hook from printing each one.
    std::panic::set_hook(Box::new(|_| {}));
    match package.as_str() {
        // ARMS
        other => panic!("no client {other}"),
    }
}
"#;

#[path = "../../../tests/src/prism_install.rs"]
mod prism_install;

/// Prism's executable in `tests/prism`, installed first with `npm ci` if it is not there.
fn prism(root: &Path) -> Result<PathBuf, String> {
    prism_install::installed(&root.join("tests/prism"))
}

/// A running Prism, killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs every client's calls against its own Prism, one document at a time, and counts what
/// became of them.
pub fn call_all(
    root: &Path,
    runner: &Path,
    clients: &[Client],
    log_dir: &Path,
) -> Result<Tally, String> {
    let prism = prism(root)?;
    let mut tally = Tally::new();
    for client in clients {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let log = log_dir.join(format!("{}.prism.log", client.package));
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let child = Command::new(&prism)
            .arg("mock")
            .arg(&client.document)
            .args(["-d", "--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("Prism does not start: {e}"))?;
        let mut prism = Running(child);
        let (counts, details) = tally.entry(client.package.clone()).or_default();
        // Ready when it accepts connections; a document Prism refuses makes it exit.
        let deadline = Instant::now() + Duration::from_secs(60);
        let ready = loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break true;
            }
            if prism.0.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        if !ready {
            let reason = std::fs::read_to_string(&log).unwrap_or_default();
            let reason = reason
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            *counts.entry("Prism limitation").or_default() += 1;
            details
                .entry("Prism limitation")
                .or_insert_with(|| format!("Prism does not serve the document: {reason}"));
            eprintln!("{}: Prism does not serve it", client.package);
            continue;
        }
        let output = Command::new(runner)
            .arg(&client.package)
            .arg(port.to_string())
            .arg(&client.document)
            .arg(ROUNDS.to_string())
            .stderr(Stdio::inherit())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("the runner does not start: {e}"))?;
        let mut child = output;
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watchdog = {
            let finished = finished.clone();
            let pid = child.id().to_string();
            std::thread::spawn(move || {
                let started = Instant::now();
                while started.elapsed() < DOCUMENT_BUDGET {
                    if finished.load(std::sync::atomic::Ordering::Relaxed) {
                        return false;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                let _ = Command::new("kill").args(["-9", &pid]).status();
                true
            })
        };
        // Every call's line is kept beside Prism's log, for reading what the table counts.
        let mut calls_log =
            std::fs::File::create(log_dir.join(format!("{}.calls.jsonl", client.package)))
                .map_err(|e| e.to_string())?;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let Ok(line) = line else { break };
            let _ = writeln!(calls_log, "{line}");
            let Ok(call) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let class = call["class"].as_str().unwrap_or("other");
            let class = CLASSES.into_iter().find(|c| *c == class).unwrap_or("other");
            *counts.entry(class).or_default() += 1;
            if class != "ok" {
                details.entry(class).or_insert_with(|| {
                    format!(
                        "{}: {}",
                        call["operation"].as_str().unwrap_or("?"),
                        call["detail"].as_str().unwrap_or("")
                    )
                });
            }
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        finished.store(true, std::sync::atomic::Ordering::Relaxed);
        if watchdog.join().unwrap_or(false) {
            *counts.entry("Prism limitation").or_default() += 1;
            details.entry("Prism limitation").or_insert_with(|| {
                format!(
                    "the calls took more than {} s (Prism inventing answers slowly); the rest were not made",
                    DOCUMENT_BUDGET.as_secs()
                )
            });
        } else if !status.success() {
            *counts.entry("other").or_default() += 1;
            details
                .entry("other")
                .or_insert_with(|| format!("the runner failed: {status}"));
        }
        drop(prism);
        let summary: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
        eprintln!("{}: {}", client.package, summary.join(", "));
    }
    Ok(tally)
}

/// The tally as a Markdown table: a row per document, a column per class, totals, and the
/// first detail of each kind of failure below.
pub fn table(tally: &Tally) -> String {
    let mut out = String::from("| document |");
    for class in CLASSES {
        let _ = write!(out, " {class} |");
    }
    out.push_str("\n|---|");
    for _ in CLASSES {
        out.push_str("---:|");
    }
    out.push('\n');
    let mut totals = BTreeMap::<&str, usize>::new();
    for (package, (counts, _)) in tally {
        let _ = write!(out, "| {} |", package.trim_start_matches("corpus-"));
        for class in CLASSES {
            let n = counts.get(class).copied().unwrap_or(0);
            *totals.entry(class).or_default() += n;
            let _ = write!(out, " {n} |");
        }
        out.push('\n');
    }
    out.push_str("| **total** |");
    for class in CLASSES {
        let _ = write!(out, " **{}** |", totals.get(class).copied().unwrap_or(0));
    }
    out.push_str("\n\nThe first call of each kind that was not ok, per document:\n\n");
    for (package, (_, details)) in tally {
        for (class, detail) in details {
            let _ = writeln!(
                out,
                "- {} — {class}: {}",
                package.trim_start_matches("corpus-"),
                super::escape(detail)
            );
        }
    }
    out
}
