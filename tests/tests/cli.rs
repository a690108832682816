//! The generated command-line tool, run as a user runs it: the real binary in a child process
//! against the fake Contract.fit server on loopback. Output modes, exit codes, the batch
//! upload with a failing file, dry-run redaction, listing, files, and (under a
//! pseudo-terminal) the progress bars.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use contractfit_fake::credentials::{API_KEY, PASSWORD, USERNAME};
use contractfit_fake::{Behaviour, Fake, Fault, Route};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_contractfit");

/// What a run of the tool left behind.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// stdout as JSON lines.
    fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

/// The tool with a clean environment: only the variables given, none of the caller's.
/// `upload FOLDER --inbox inbox-1 --concurrency 1`, its output piped.
fn uploading_one_at_a_time(base_url: &str, folder: &std::path::Path) -> Command {
    let args = [
        "upload",
        path(folder),
        "--inbox",
        "inbox-1",
        "--concurrency",
        "1",
    ];
    let mut command = tool(base_url, &args);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

fn tool(base_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CONTRACTFIT_BASE_URL", base_url)
        .stdin(Stdio::null());
    command
}

async fn run(mut command: Command) -> Run {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the tool runs");
    Run::from(output)
}

impl From<std::process::Output> for Run {
    fn from(output: std::process::Output) -> Run {
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn quick() -> Behaviour {
    Behaviour::default().with_processing_time(Duration::from_millis(200))
}

/// Files in a fresh folder of their own.
fn files(test: &str, names: &[&str]) -> tempfile::TempDir {
    let dir = contractfit_tests::scratch(&format!("cli-{test}"));
    for name in names {
        std::fs::write(dir.path().join(name), format!("%PDF-1.7 {name}")).unwrap();
    }
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_command_tree_passes_clap_checks() {
    contractfit::cli::command().debug_assert();
    fixture_unions::cli::command().debug_assert();
}

#[tokio::test(flavor = "multi_thread")]
async fn json_is_compact_when_piped_and_pretty_on_request() {
    let fake = Fake::new(quick());
    fake.seed_inbox("inbox-1", 1);
    let server = fake.start().await;
    let compact = run(tool(
        &server.url(),
        &["documents", "get", "inbox-1-doc-0000"],
    ))
    .await;
    assert_eq!(compact.code, 0, "{compact:?}");
    assert_eq!(compact.stdout.lines().count(), 1, "one line when piped");
    // The server's key order is kept, and fields no type declares are not lost.
    assert!(compact
        .stdout
        .starts_with(r#"{"id":"inbox-1-doc-0000","inbox":"inbox-1""#));
    assert!(compact.stdout.contains("quantum-review"));

    let args = ["documents", "get", "inbox-1-doc-0000", "--pretty"];
    let pretty = run(tool(&server.url(), &args)).await;
    assert_eq!(pretty.code, 0, "{pretty:?}");
    assert!(pretty.stdout.lines().count() > 5);
    assert!(pretty.stdout.starts_with("{\n  \"id\""));
    let same: Value = serde_json::from_str(&pretty.stdout).unwrap();
    assert_eq!(same, compact.lines()[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_say_what_happened() {
    let fake = Fake::new(quick());
    fake.seed_inbox("inbox-1", 1);
    let server = fake.start().await;
    let url = server.url();

    let missing = run(tool(&url, &["documents", "get", "no-such-document"])).await;
    assert_eq!(missing.code, 3, "4xx: {missing:?}");
    assert!(
        missing.stderr.contains("HTTP 404 Not Found: not found"),
        "{missing:?}"
    );
    assert!(
        missing.stderr.contains(r#"body: {"message":"not found"}"#),
        "{missing:?}"
    );
    assert!(missing.stdout.is_empty());

    fake.inject(Route::GetDocument, Fault::Unavailable, 3);
    let unavailable = run(tool(&url, &["documents", "get", "inbox-1-doc-0000"])).await;
    assert_eq!(
        unavailable.code, 4,
        "5xx after the retries: {unavailable:?}"
    );

    fake.inject(Route::GetDocument, Fault::MalformedJson, 1);
    let malformed = run(tool(&url, &["documents", "get", "inbox-1-doc-0000"])).await;
    assert_eq!(malformed.code, 6, "{malformed:?}");
    assert!(malformed.stdout.is_empty(), "{malformed:?}");
    assert!(
        malformed.stderr.contains("body: "),
        "the body is shown with the failure: {malformed:?}"
    );

    let usage = run(tool(&url, &["documents", "get"])).await;
    assert_eq!(usage.code, 2, "{usage:?}");
    let bad_enum = ["documents", "delete", "x", "--how", "SOMETIMES"];
    let bad_enum = run(tool(&url, &bad_enum)).await;
    assert_eq!(bad_enum.code, 2, "{bad_enum:?}");
    assert!(
        bad_enum.stderr.contains("FULL"),
        "the values are offered: {bad_enum:?}"
    );
    let bad_body = run(tool(&url, &["inboxes", "create", "--body", "{nope"])).await;
    assert_eq!(bad_body.code, 2, "{bad_body:?}");
    assert!(
        bad_body.stderr.contains("--body is not JSON"),
        "{bad_body:?}"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unreachable = run(tool(&nowhere, &["documents", "get", "x"])).await;
    assert_eq!(unreachable.code, 5, "{unreachable:?}");

    let fine = run(tool(&url, &["documents", "get", "inbox-1-doc-0000"])).await;
    assert_eq!(fine.code, 0, "{fine:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_upload_goes_on_past_a_failing_file_and_says_which_failed() {
    let fake = Fake::new(quick());
    let server = fake.start().await;
    let dir = files("batch", &["a.pdf", "b.pdf", "setup.exe", "c.pdf"]);
    let args = ["upload", path(dir.path()), "--inbox", "inbox-1", "--wait"];
    let mut command = tool(&server.url(), &args);
    command.args(["--concurrency", "2"]);
    let batch = run(command).await;
    assert_eq!(batch.code, 8, "some failed: {batch:?}");
    let lines = batch.lines();
    assert_eq!(lines.len(), 4, "one line per file: {batch:?}");
    let failed: Vec<&Value> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!(failed.len(), 1, "{batch:?}");
    assert!(failed[0]["file"].as_str().unwrap().ends_with("setup.exe"));
    assert_eq!(failed[0]["error"]["status"], 415);
    assert_eq!(
        failed[0]["error"]["body"]["message"],
        "unsupported file type: setup.exe"
    );
    let mut ids = std::collections::BTreeSet::new();
    for line in lines.iter().filter(|l| l.get("result").is_some()) {
        assert_eq!(line["result"]["status_data"]["success"], true, "{line}");
        assert_eq!(line["result"]["id"], line["id"]);
        ids.insert(line["id"].as_str().unwrap());
    }
    assert_eq!(ids.len(), 3, "a document of its own per file: {batch:?}");
    assert!(
        batch.stderr.contains("3 of 4 files done; 1 failed:"),
        "{batch:?}"
    );
    assert!(
        batch.stderr.contains("setup.exe: upload_document"),
        "{batch:?}"
    );
    assert!(batch.stderr.contains("unsupported file type"), "{batch:?}");
    assert_eq!(fake.documents_uploaded(), 3);
    let without_escapes = !batch.stderr.contains('\u{1b}');
    assert!(without_escapes, "no terminal, no bars: {batch:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journaled_upload_skips_duplicates_resumes_only_when_asked_and_reports_its_state() {
    let fake = Fake::new(quick());
    let server = fake.start().await;
    let dir = files("journal", &["a.pdf", "b.pdf"]);
    // The same content under a third name.
    std::fs::copy(dir.path().join("a.pdf"), dir.path().join("copy-of-a.pdf")).unwrap();
    let journal = dir.path().join("batch.sqlite");
    let upload = |extra: &[&str]| {
        let mut command = tool(
            &server.url(),
            &["upload", path(dir.path()), "--inbox", "inbox-1", "--wait"],
        );
        command.args(["--journal", path(&journal)]).args(extra);
        run(command)
    };
    let first = upload(&[]).await;
    assert_eq!(first.code, 0, "{first:?}");
    let lines = first.lines();
    let duplicate: Vec<&Value> = lines.iter().filter(|l| l["state"] == "duplicate").collect();
    assert_eq!(duplicate.len(), 1, "{first:?}");
    assert!(duplicate[0]["duplicate_of"]
        .as_str()
        .unwrap()
        .ends_with("a.pdf"));
    assert_eq!(fake.documents_uploaded(), 2, "the copy is not uploaded");
    assert!(first.stderr.contains("1 duplicates skipped"), "{first:?}");

    let again = upload(&[]).await;
    assert_eq!(again.code, 2, "a journal in use needs --resume: {again:?}");
    assert!(again.stderr.contains("--resume"), "{again:?}");

    let resumed = upload(&["--resume"]).await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert!(
        resumed.lines().iter().all(|l| l["earlier"] == true),
        "{resumed:?}"
    );
    assert_eq!(fake.documents_uploaded(), 2, "nothing sent again");

    let mut status = tool(&server.url(), &["batch", "status", "--files"]);
    status.args(["--journal", path(&journal)]);
    let status = run(status).await;
    assert_eq!(status.code, 0, "{status:?}");
    let lines = status.lines();
    assert_eq!(
        (
            &lines[0]["files"],
            &lines[0]["done"],
            &lines[0]["duplicate"]
        ),
        (&Value::from(3), &Value::from(2), &Value::from(1)),
        "{status:?}"
    );
    assert_eq!(
        lines.len(),
        4,
        "the counts, then a line per file: {status:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_reports_each_id() {
    let fake = Fake::new(quick());
    fake.seed_inbox("inbox-1", 2);
    let server = fake.start().await;
    let args = ["wait", "inbox-1-doc-0000", "gone", "inbox-1-doc-0001"];
    let waited = run(tool(&server.url(), &args)).await;
    // Every id that failed, failed at waiting: 7. (Before: 8, and 7 was never returned.)
    assert_eq!(waited.code, 7, "{waited:?}");
    let lines = waited.lines();
    assert_eq!(lines.len(), 3);
    let gone = lines.iter().find(|l| l["id"] == "gone").unwrap();
    assert_eq!(gone["error"]["status"], 404);
    assert!(
        waited.stderr.contains("2 of 3 ids done; 1 failed:"),
        "{waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_nothing_and_shows_no_secret() {
    let fake = Fake::new(quick());
    let server = fake.start().await;
    let dir = files("dry-run", &["invoice.pdf"]);
    let file = dir.path().join("invoice.pdf");
    let secrets = [
        ("CONTRACTFIT_API_KEY", API_KEY),
        ("CONTRACTFIT_USERNAME", USERNAME),
        ("CONTRACTFIT_PASSWORD", PASSWORD),
        ("CONTRACTFIT_TOKEN", "token-that-must-not-show"),
    ];
    for credentials in [&secrets[..1], &secrets[1..3], &secrets[3..]] {
        let args = [
            "documents",
            "upload",
            "inbox-1",
            "--file",
            path(&file),
            "--dry-run",
        ];
        let mut command = tool(&server.url(), &args);
        command.envs(credentials.iter().copied());
        let shown = run(command).await;
        assert_eq!(shown.code, 0, "{shown:?}");
        assert!(
            shown
                .stdout
                .starts_with(&format!("POST {}/documents/inbox-1\n", server.url())),
            "{shown:?}"
        );
        assert!(shown.stdout.contains(": <redacted>"), "{shown:?}");
        assert!(
            shown.stdout.contains("file: file \"invoice.pdf\""),
            "{shown:?}"
        );
        let everything = format!("{}{}", shown.stdout, shown.stderr);
        for secret in [API_KEY, PASSWORD, "token-that-must-not-show"] {
            assert!(!everything.contains(secret), "{secret} shown: {shown:?}");
        }
    }
    let mut help = tool(&server.url(), &["--help"]);
    help.envs(secrets.iter().copied());
    let help = run(help).await;
    assert!(!help.stdout.contains(PASSWORD) && !help.stdout.contains(API_KEY));
    assert_eq!(fake.requests(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_streams_every_item_of_every_page() {
    let fake = Fake::new(quick());
    fake.seed_inbox("inbox-1", 45);
    let server = fake.start().await;
    let args = [
        "inboxes",
        "list-documents-paginated-all",
        "inbox-1",
        "--per-page",
        "20",
    ];
    let listed = run(tool(&server.url(), &args)).await;
    assert_eq!(listed.code, 0, "{listed:?}");
    let ids: std::collections::BTreeSet<String> = listed
        .lines()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 45);
}

#[tokio::test(flavor = "multi_thread")]
async fn files_go_to_the_output_file_or_a_pipe() {
    let fake = Fake::new(quick());
    fake.seed_inbox("inbox-1", 1);
    let server = fake.start().await;
    let dir = files("binary", &[]);
    let target = dir.path().join("original.pdf");
    let args = [
        "documents",
        "get-original-file",
        "inbox-1-doc-0000",
        "-o",
        path(&target),
    ];
    let saved = run(tool(&server.url(), &args)).await;
    assert_eq!(saved.code, 0, "{saved:?}");
    let piped = run(tool(&server.url(), &args[..3])).await;
    assert_eq!(piped.code, 0, "{piped:?}");
    let on_disk = std::fs::read(&target).unwrap();
    assert!(!on_disk.is_empty());
    assert_eq!(on_disk, piped.stdout.as_bytes());
}

/// Under a pseudo-terminal (stderr), the batch draws its bars; stdout, piped, still gets
/// plain JSON lines.
#[tokio::test(flavor = "multi_thread")]
async fn progress_bars_are_drawn_on_a_terminal() {
    use std::io::Read;

    let fake = Fake::new(quick());
    let server = fake.start().await;
    // Slow replies, so that the byte bars are drawn at least once before the uploads end.
    fake.inject(Route::Upload, Fault::Slow(Duration::from_millis(700)), 2);
    let dir = files("pty", &["a.pdf", "b.pdf"]);
    let (master, terminal) = pseudo_terminal();
    let args = ["upload", path(dir.path()), "--inbox", "inbox-1", "--wait"];
    let mut command = tool(&server.url(), &args);
    command.env("TERM", "xterm-256color").stderr(terminal);
    let reader = std::thread::spawn(move || {
        let mut drawn = Vec::new();
        let mut master = std::fs::File::from(master);
        // Read until the child closes the terminal (EIO on Linux).
        let _ = master.read_to_end(&mut drawn);
        String::from_utf8_lossy(&drawn).into_owned()
    });
    let batch = run(command).await;
    let drawn = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    assert_eq!(batch.code, 0, "{batch:?} {drawn}");
    assert_eq!(batch.lines().len(), 2);
    assert!(drawn.contains('\u{1b}'), "cursor control: {drawn:?}");
    assert!(drawn.contains("/2 done"), "the overall bar: {drawn:?}");
    assert!(drawn.contains("a.pdf"), "a bar per file: {drawn:?}");
    assert!(drawn.contains("14 B/14 B"), "the bytes sent: {drawn:?}");
    assert!(drawn.contains("2 of 2 files done"), "{drawn:?}");
}

/// A pseudo-terminal of 100 columns: the controlling side, and the terminal for the child.
fn pseudo_terminal() -> (std::os::fd::OwnedFd, std::fs::File) {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let size = rustix::termios::Winsize {
        ws_row: 40,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&terminal, size).unwrap();
    (master, terminal)
}

/// A boolean flag takes its value only after `=`, so a positional argument after it stays a
/// positional argument.
#[tokio::test(flavor = "multi_thread")]
async fn boolean_flags_take_values_only_after_equals() {
    let dir = files("booleans", &["invoice.pdf"]);
    let file = dir.path().join("invoice.pdf");
    let bare = [
        "documents",
        "upload",
        "--sync",
        "inbox-1",
        "--file",
        path(&file),
        "--dry-run",
    ];
    let bare = run(tool("http://127.0.0.1:9", &bare)).await;
    assert_eq!(bare.code, 0, "{bare:?}");
    assert!(bare.stdout.contains("/documents/inbox-1\n"), "{bare:?}");
    assert!(bare.stdout.contains("  sync: true\n"), "{bare:?}");
    let off = [
        "documents",
        "upload",
        "inbox-1",
        "--sync=false",
        "--file",
        path(&file),
        "--dry-run",
    ];
    let off = run(tool("http://127.0.0.1:9", &off)).await;
    assert!(off.stdout.contains("  sync: false\n"), "{off:?}");
    assert!(
        off.stdout.contains("(application/pdf; "),
        "a media type from the name: {off:?}"
    );
}

/// Completion scripts offer the commands and the enum values.
#[tokio::test(flavor = "multi_thread")]
async fn completion_scripts_know_commands_and_values() {
    let bash = run(tool("http://127.0.0.1:9", &["completions", "bash"])).await;
    assert_eq!(bash.code, 0, "{bash:?}");
    for expected in [
        "documents",
        "get-original-file",
        "SOURCE_FILES",
        "--x-fields",
    ] {
        assert!(bash.stdout.contains(expected), "{expected} missing");
    }
}

/// Exit 7, waiting ended without success, for an upload whose processing failed and for a
/// wait; 8 when some item failed otherwise. (Before: 7 was documented and never returned.)
#[tokio::test(flavor = "multi_thread")]
async fn exit_7_says_that_waiting_failed() {
    let fake = Fake::new(quick().with_failed_processing(true));
    let server = fake.start().await;
    let dir = files("exit-7", &["a.pdf"]);
    let args = ["upload", path(dir.path()), "--inbox", "inbox-1", "--wait"];
    let failed = run(tool(&server.url(), &args)).await;
    assert_eq!(failed.code, 7, "{failed:?}");
    let dir = files("exit-8", &["a.pdf", "setup.exe"]);
    let args = ["upload", path(dir.path()), "--inbox", "inbox-1", "--wait"];
    let mixed = run(tool(&server.url(), &args)).await;
    assert_eq!(mixed.code, 8, "{mixed:?}");
    let gone = run(tool(&server.url(), &["wait", "gone"])).await;
    assert_eq!(gone.code, 7, "{gone:?}");
}

/// A maximum wait too long for the clock is a long wait, not a panic. (Before: `Instant +
/// Duration` overflowed, exit 101.)
#[tokio::test(flavor = "multi_thread")]
async fn a_maximum_wait_past_the_clock_is_a_long_wait() {
    let fake = Fake::new(quick());
    let server = fake.start().await;
    let dir = files("max-wait", &["a.pdf"]);
    let args = [
        "upload",
        path(dir.path()),
        "--inbox",
        "inbox-1",
        "--wait",
        "--max-wait",
        "18446744073709551615",
    ];
    let waited = run(tool(&server.url(), &args)).await;
    assert_eq!(waited.code, 0, "{waited:?}");
}

/// Output to pipes that close (`contractfit upload dir 2>&1 | head -1`): the tool stops the
/// batch as Ctrl-C does and ends with 1 (the output could not be written), quietly. (Before:
/// the first line to a closed stderr panicked, exit 101.)
#[tokio::test(flavor = "multi_thread")]
async fn closed_pipes_end_the_tool_quietly() {
    let fake = Fake::new(quick());
    let server = fake.start().await;
    let dir = files("closed-pipe", &["a.pdf", "b.pdf", "c.pdf", "d.pdf"]);
    let mut command = uploading_one_at_a_time(&server.url(), dir.path());
    let mut child = command.spawn().unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(1), "{status:?}");
    assert!(fake.documents_uploaded() < 4, "the batch stopped");
}

/// A server that echoes the credentials in the error of the listing that looks for an unsure
/// upload: neither the "failed:" line, the summary, the JSON line, the journal nor `batch
/// status --files` shows them. (Before: the listing's message was taken from the raw body.)
#[tokio::test(flavor = "multi_thread")]
async fn an_echoed_credential_in_a_failed_search_is_not_shown() {
    use contractfit_tests::server::{Reply, Scripted};
    let echo = format!("bad key {API_KEY}");
    let server = Scripted::new([
        Reply::bytes(503, "text/plain", "unavailable"),
        Reply::json(400, serde_json::json!({ "message": echo })),
    ]);
    let running = server.start().await;
    let dir = files("echo", &["a.pdf"]);
    let journal = dir.path().join("journal.sqlite");
    let file = dir.path().join("a.pdf");
    let args = [
        "upload",
        path(&file),
        "--inbox",
        "inbox-1",
        "--journal",
        path(&journal),
    ];
    let mut upload = tool(&running.url(), &args);
    upload.env("CONTRACTFIT_API_KEY", API_KEY);
    let uploaded = run(upload).await;
    assert_eq!(uploaded.code, 8, "{uploaded:?}");
    assert!(
        uploaded.stderr.contains("bad key <redacted>"),
        "{uploaded:?}"
    );
    let mut status = tool(
        &running.url(),
        &["batch", "status", "--journal", path(&journal), "--files"],
    );
    status.env("CONTRACTFIT_API_KEY", API_KEY);
    let status = run(status).await;
    assert!(status.stdout.contains("bad key <redacted>"), "{status:?}");
    for shown in [
        &uploaded.stdout,
        &uploaded.stderr,
        &status.stdout,
        &status.stderr,
    ] {
        assert!(!shown.contains(API_KEY), "{shown}");
    }
}

/// The tool finds an upload whose answer was lost by its name and its content, and does not
/// take someone else's file of that name for it.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_upload_is_found_by_its_content() {
    let fake = Fake::new(quick());
    let server = fake.start().await;
    let client = contractfit::Client::builder()
        .base_url(server.url())
        .build()
        .unwrap();
    client
        .upload_document(
            "inbox-1",
            contractfit::FilePart::from_bytes(&b"%PDF theirs"[..]).file_name("a.pdf"),
        )
        .sync(false)
        .send()
        .await
        .unwrap();
    // Ours is kept, and its answer lost.
    fake.inject(Route::Upload, Fault::ConnectionReset, 1);
    let dir = files("lost", &["a.pdf"]);
    let uploaded = run(tool(
        &server.url(),
        &["upload", path(dir.path()), "--inbox", "inbox-1"],
    ))
    .await;
    assert_eq!(uploaded.code, 0, "{uploaded:?}");
    assert!(
        uploaded.stderr.contains("found on the server"),
        "{uploaded:?}"
    );
    assert_eq!(
        fake.documents_uploaded(),
        2,
        "theirs and ours, once: {uploaded:?}"
    );
}

/// A file that changes after the tool read it is not sent as content its journal never saw: it
/// fails as a file, exit 8, and nothing of it reaches the server. (Before: the tool built its
/// own part from the path, without the batch's check, and sent the new content.)
#[tokio::test(flavor = "multi_thread")]
async fn the_tool_does_not_send_a_file_changed_after_it_was_read() {
    let fake = Fake::new(quick().with_upload_time(Duration::from_millis(800)));
    let server = fake.start().await;
    let dir = files("changed", &["a.pdf", "b.pdf"]);
    let mut command = uploading_one_at_a_time(&server.url(), dir.path());
    let child = command.spawn().unwrap();
    // a.pdf is uploading (its answer held 800 ms); b.pdf, read already, changes meanwhile.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while fake.uploads() == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    std::fs::write(dir.path().join("b.pdf"), "%PDF-1.7 b.pdf, changed").unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let run = Run::from(output);
    assert_eq!(run.code, 8, "{run:?}");
    assert_eq!(fake.uploaded_documents("inbox-1").len(), 1, "{run:?}");
    let b = run
        .lines()
        .into_iter()
        .find(|l| l["file"].as_str().unwrap().ends_with("b.pdf"))
        .unwrap();
    assert_eq!(b["error"]["kind"], "file", "{b}");
}

/// `list-…-all` against a server that ignores the page number: the tool stops at the third
/// same page with a bad-answer exit naming the repeat, instead of printing the first page's
/// items forever. (Before: it never ended.)
#[tokio::test(flavor = "multi_thread")]
async fn list_all_stops_when_the_server_ignores_the_page_number() {
    use contractfit::types::{DocumentModelGet, DocumentModelGetRequired, DocumentModelPaginated};
    let mock = contractfit::testing::Mock::start().await;
    let document = |id: &str| {
        DocumentModelGet::new(DocumentModelGetRequired {
            id: id.into(),
            inbox: "inbox-1".into(),
            original_filename: "a.pdf".into(),
        })
    };
    let page = DocumentModelPaginated::new().with_results(vec![document("a"), document("b")]);
    mock.list_inbox_documents_paginated().returns(page);
    let args = [
        "inboxes",
        "list-documents-paginated-all",
        "inbox-1",
        "--per-page",
        "2",
    ];
    let mut command = tool(&mock.url(), &args);
    command.env("CONTRACTFIT_API_KEY", "k");
    let listed = tokio::time::timeout(Duration::from_secs(60), run(command))
        .await
        .expect("the tool ends");
    assert_ne!(listed.code, 0, "{listed:?}");
    assert!(listed.stderr.contains("are the same"), "{listed:?}");
    assert_eq!(
        listed.lines().len(),
        4,
        "two pages of items, then the error: {listed:?}"
    );
}
