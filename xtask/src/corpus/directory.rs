//! `cargo xtask corpus --directory DIR [--compile N] [--jobs J]`: the generator alone over
//! every `openapi.yaml` and `swagger.yaml` under DIR (the APIs.guru directory's layout,
//! `APIs/<provider>/<service>/<version>/`), each in a child process held to a time and a
//! memory limit, and a table per version of what became of them: generated, refused with an
//! error, out of memory, panicked, hung; with the slowest and largest. Then a fixed random
//! sample of N generated crates (seeded, so the same documents each run) is compiled, with the
//! tool (`--features cli`). With `--peers M`, a fixed random sample of M documents also goes
//! through progenitor and openapi-generator, and a second table compares the three.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Each document's limits: a generation past them is a defect to find, not a result.
const TIME_LIMIT: Duration = Duration::from_secs(60);
const MEMORY_LIMIT_BYTES: u64 = 1536 << 20;
/// The compile sample's whole build (150 crates with the tool take about N min here).
const SAMPLE_BUILD_LIMIT: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone)]
enum Fate {
    Generated,
    Refused(String),
    OutOfMemory,
    Panicked(String),
    Hung,
}

#[derive(Debug, Clone)]
struct Run {
    document: PathBuf,
    version: String,
    fate: Fate,
    seconds: f64,
    peak_kib: u64,
    out: PathBuf,
}

pub fn run(root: &Path, dir: &Path, args: &[&str]) -> Result<std::process::ExitCode, String> {
    let number = |flag: &str, default: usize| {
        args.iter()
            .position(|a| *a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    };
    let compile = number("--compile", 150);
    let jobs = number(
        "--jobs",
        std::thread::available_parallelism().map_or(1, usize::from),
    );
    let mut documents = Vec::new();
    find_documents(dir, &mut documents);
    documents.sort();
    if documents.is_empty() {
        return Err(format!(
            "no openapi.yaml or swagger.yaml under {}",
            dir.display()
        ));
    }
    let generator = build_generator(root)?;
    let out = crate::target_dir(root)?.join("corpus/directory");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("{} documents, {jobs} at a time", documents.len());

    let started = Instant::now();
    let mut runs = in_parallel(jobs, &documents, |i, document| {
        let run = generate_one(&generator, document, &out.join(format!("d{i:05}")));
        if i % 250 == 0 {
            eprintln!("{i} after {:.0} s", started.elapsed().as_secs_f64());
        }
        run
    });
    runs.sort_by(|a, b| a.document.cmp(&b.document));
    let compiled = compile_sample(root, &out, &runs, compile)?;
    print!("{}", table(dir, &runs, &compiled));
    let peer_sample = number("--peers", 0);
    if peer_sample > 0 {
        print!("{}", peers(root, &runs, peer_sample, jobs)?);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `work` on every item, `jobs` at a time: the results in the items' order.
fn in_parallel<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    work: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else {
                    break;
                };
                let result = work(i, item);
                done.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, result));
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// The peers' time limit: the JVM's start alone takes seconds.
const PEER_TIME_LIMIT: Duration = Duration::from_secs(180);

/// `--peers N`: a fixed random sample of N of the directory's documents through progenitor
/// and openapi-generator as well, each crate they generate compiled (theirs as they are, ours
/// without the tool, so that all three build the same thing: a library), and a table of the
/// three side by side, per version. The peers' memory is not limited (a JVM reserves more
/// address space than it uses), only reported.
fn peers(root: &Path, runs: &[Run], count: usize, jobs: usize) -> Result<String, String> {
    let sample: Vec<&Run> = seeded_order(runs.len())
        .into_iter()
        .take(count)
        .map(|i| &runs[i])
        .collect();
    let target = crate::target_dir(root)?;
    let folder = target.join("bench/peers");
    let out = target.join("corpus/directory-peers");
    let _ = std::fs::remove_dir_all(&out);
    let mut columns: Vec<(String, Vec<Run>)> = vec![(
        "contractfit-codegen".into(),
        sample.iter().map(|run| (*run).clone()).collect(),
    )];
    for peer in [
        crate::bench::peers::progenitor(&folder),
        crate::bench::peers::openapi_generator(&folder),
    ] {
        let program = peer.program.clone()?;
        eprintln!("{} over {} documents", peer.name, sample.len());
        let done = in_parallel(jobs, &sample, |i, ours| {
            let package = format!("p{i:05}");
            let dir = out.join(peer.name).join(&package);
            let command = peer.generate(&program, &ours.document, &dir, &package, &[]);
            let mut run = limited(command, &ours.document, &dir, PEER_TIME_LIMIT);
            if matches!(run.fate, Fate::Generated) && !dir.join("Cargo.toml").exists() {
                run.fate = Fate::Refused("no crate written".into());
            }
            run
        });
        columns.push((format!("{} {}", peer.name, peer.version), done));
    }
    let mut text = format!(
        "\nThe same fixed random sample of {} documents through each generator (generation \
         limited to {} s for the peers), and every generated crate compiled (a library each):\n\n",
        sample.len(),
        PEER_TIME_LIMIT.as_secs()
    );
    let mut versions: Vec<&str> = sample.iter().map(|r| r.version.as_str()).collect();
    versions.sort();
    versions.dedup();
    let _ = write!(text, "| generator |");
    for version in &versions {
        let in_sample = sample.iter().filter(|r| r.version == *version).count();
        let _ = write!(text, " {version} ({in_sample}) generated / compiled |");
    }
    let _ = writeln!(
        text,
        " all generated | all compiled | panicked | hung | median s | peak MiB |"
    );
    let _ = writeln!(
        text,
        "|---|{}---:|---:|---:|---:|---:|---:|",
        "---:|".repeat(versions.len())
    );
    for (i, (name, column)) in columns.iter().enumerate() {
        let generated: Vec<&Run> = column
            .iter()
            .filter(|r| matches!(r.fate, Fate::Generated))
            .collect();
        let workspace = out.join(format!("build-{i}"));
        let compiled = match generated.is_empty() {
            true => Vec::new(),
            false => compile(root, &workspace, &generated, &[])?,
        };
        let ok: std::collections::BTreeSet<&str> = compiled
            .iter()
            .filter(|(_, error)| error.is_none())
            .map(|(document, _)| document.as_str())
            .collect();
        let _ = write!(text, "| {name} |");
        for version in &versions {
            let of_version: Vec<&&Run> =
                generated.iter().filter(|r| r.version == *version).collect();
            let made = of_version.len();
            let built = of_version
                .iter()
                .filter(|r| ok.contains(r.document.display().to_string().as_str()))
                .count();
            let _ = write!(text, " {made} / {built} |");
        }
        let mut seconds: Vec<f64> = column.iter().map(|r| r.seconds).collect();
        seconds.sort_by(f64::total_cmp);
        let median = seconds.get(seconds.len() / 2).copied().unwrap_or(0.0);
        let _ = writeln!(
            text,
            " {} | {} | {} | {} | {:.2} | {} |",
            generated.len(),
            ok.len(),
            column
                .iter()
                .filter(|r| matches!(r.fate, Fate::Panicked(_)))
                .count(),
            column
                .iter()
                .filter(|r| matches!(r.fate, Fate::Hung))
                .count(),
            median,
            column.iter().map(|r| r.peak_kib).max().unwrap_or(0) / 1024,
        );
    }
    Ok(text)
}

fn find_documents(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            find_documents(&path, found);
        } else if matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("openapi.yaml" | "swagger.yaml")
        ) {
            found.push(path);
        }
    }
}

/// The generator alone, in release: `generator/examples/generate.rs`.
fn build_generator(root: &Path) -> Result<PathBuf, String> {
    let status = crate::cargo()
        .args([
            "build",
            "--release",
            "-p",
            "contractfit-codegen",
            "--example",
            "generate",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the generator does not build".into());
    }
    Ok(crate::target_dir(root)?.join("release/examples/generate"))
}

/// What the document says it is, from its first lines.
fn version_of(document: &Path) -> String {
    let text = std::fs::read_to_string(document).unwrap_or_default();
    for line in text.lines().take(400) {
        for key in ["openapi:", "swagger:"] {
            if let Some(rest) = line.strip_prefix(key) {
                let version = rest.trim().trim_matches(|c| c == '"' || c == '\'');
                let short: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
                return match key {
                    "swagger:" => format!("Swagger {short}"),
                    _ => format!("OpenAPI {short}"),
                };
            }
        }
    }
    "unknown".into()
}

fn generate_one(generator: &Path, document: &Path, out: &Path) -> Run {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(generator);
    command.arg(document).arg(out);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MEMORY_LIMIT_BYTES,
                rlim_max: MEMORY_LIMIT_BYTES,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    limited(command, document, out, TIME_LIMIT)
}

/// Runs a generator's `command` for `document` into `out`, killed after `time_limit`: what
/// became of it, how long it took, and its peak memory.
fn limited(mut command: Command, document: &Path, out: &Path, time_limit: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    // A group of its own, so that the limit ends what it started too (the pip wrapper of
    // openapi-generator starts a JVM, which would outlive it and hold the pipes open).
    command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let run = |fate, peak_kib| Run {
        document: document.to_owned(),
        version: version_of(document),
        fate,
        seconds: started.elapsed().as_secs_f64(),
        peak_kib,
        out: out.to_owned(),
    };
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return run(Fate::Refused(format!("cannot start the generator: {e}")), 0),
    };
    let pid = child.id() as libc::pid_t;
    // Read the output on the side so that a chatty child never blocks on a full pipe (a peer
    // writes its errors to either).
    let readers = [
        child
            .stderr
            .take()
            .map(|pipe| read_on_the_side(Box::new(pipe))),
        child
            .stdout
            .take()
            .map(|pipe| read_on_the_side(Box::new(pipe))),
    ];
    let (status, peak_kib) = loop {
        if has_exited(pid) {
            // Whatever it started and left behind (holding the pipes open) goes too; the group
            // is still its own until it is reaped below.
            kill_group(pid);
            let mut status = 0;
            // SAFETY: `rusage` is plain data the call fills in.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            if waited == pid {
                break (Some(status), usage.ru_maxrss as u64);
            }
            break (None, 0);
        }
        if started.elapsed() > time_limit {
            kill_group(pid);
            let _ = child.wait();
            break (None, 0);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr: String = readers
        .into_iter()
        .flatten()
        .map(|reader| reader.join().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let Some(status) = status else {
        return run(Fate::Hung, peak_kib);
    };
    let fate = if libc::WIFEXITED(status) {
        match libc::WEXITSTATUS(status) {
            0 => Fate::Generated,
            101 => Fate::Panicked(reason(&stderr)),
            _ if stderr.contains("memory allocation") => Fate::OutOfMemory,
            _ => Fate::Refused(reason(&stderr)),
        }
    } else if stderr.contains("memory allocation")
        || stderr.contains("out of memory")
        // The kernel's OOM killer sends SIGKILL; nothing else here does.
        || libc::WTERMSIG(status) == libc::SIGKILL
    {
        Fate::OutOfMemory
    } else {
        Fate::Panicked(format!("killed by signal {}", libc::WTERMSIG(status)))
    };
    run(fate, peak_kib)
}

/// Whether the child `pid` has exited, without reaping it (so that its process group id is not
/// given to another process meanwhile).
fn has_exited(pid: libc::pid_t) -> bool {
    // SAFETY: `siginfo_t` is plain data the call fills in.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let options = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
    // SAFETY: a child of this process, and a buffer it owns.
    let waited = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, options) };
    // SAFETY: `si_pid` is set when a child was found; zero otherwise (WNOHANG).
    waited == 0 && unsafe { info.si_pid() } == pid
}

/// Ends a process started in a group of its own, and everything it started.
fn kill_group(pid: libc::pid_t) {
    // SAFETY: a signal to a process group this program created.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

fn read_on_the_side(mut pipe: Box<dyn std::io::Read + Send>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// A generator's reason for failing, cut to fit a table's cell.
fn reason(printed: &str) -> String {
    let reason = crate::bench::peers::Failure::read(printed).reason;
    reason.chars().take(300).collect()
}

/// A fixed random sample of the generated crates, compiled in one workspace: the crate's name
/// and the first compiler error, if any.
fn compile_sample(
    root: &Path,
    out: &Path,
    runs: &[Run],
    count: usize,
) -> Result<Vec<(String, Option<String>)>, String> {
    let generated: Vec<&Run> = runs
        .iter()
        .filter(|r| matches!(r.fate, Fate::Generated))
        .collect();
    if count == 0 || generated.is_empty() {
        return Ok(Vec::new());
    }
    let sample: Vec<&Run> = seeded_order(generated.len())
        .into_iter()
        .take(count)
        .map(|i| generated[i])
        .collect();
    compile(root, &out.join("sample"), &sample, &["--features", "cli"])
}

/// A seeded shuffle of `0..len` (xorshift), so that every run picks the same documents.
fn seeded_order(len: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for i in (1..order.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        order.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    order
}

/// Compiles generated crates in one workspace (a copy of each, under `workspace`, named after
/// its folder), with `features`: each document and the first compiler error, if any.
fn compile(
    root: &Path,
    workspace: &Path,
    crates: &[&Run],
    features: &[&str],
) -> Result<Vec<(String, Option<String>)>, String> {
    let _ = std::fs::remove_dir_all(workspace);
    std::fs::create_dir_all(workspace).map_err(|e| e.to_string())?;
    let mut members = Vec::new();
    for run in crates {
        let name = run.out.file_name().unwrap().to_string_lossy().into_owned();
        let to = workspace.join(&name);
        copy_dir(&run.out, &to)?;
        // The sample builds against this checkout's runtime, fake, batch engine and tool.
        let manifest = to.join("Cargo.toml");
        let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
        // Every generated crate is called `contractfit`: one name each in the workspace.
        text = text.replace("name = \"contractfit\"", &format!("name = {name:?}"));
        for folder in ["runtime", "fake", "batch", "cli"] {
            let path = root.join(folder).display().to_string();
            text = text.replace(
                &format!("path = \"../{folder}\""),
                &format!("path = {path:?}"),
            );
        }
        std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
        // The tool's binary calls the library by the crate's name.
        let binary = to.join("src/bin/contractfit.rs");
        if let Ok(source) = std::fs::read_to_string(&binary) {
            let source = source.replace("contractfit::", &format!("{name}::"));
            std::fs::write(&binary, source).map_err(|e| e.to_string())?;
        }
        members.push(name);
    }
    let mut manifest = String::from("[workspace]\nresolver = \"2\"\nmembers = [\n");
    for member in &members {
        let _ = writeln!(manifest, "  {member:?},");
    }
    manifest.push_str("]\n");
    std::fs::write(workspace.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    // With the tool (`cli`), the largest part of each crate; held to a time limit, so that a
    // crate that takes rustc forever is a finding, not a run that never ends.
    use std::os::unix::process::CommandExt;
    let mut build = crate::cargo()
        .process_group(0)
        .args([
            "build",
            "--workspace",
            "--keep-going",
            "--message-format=short",
        ])
        .args(features)
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", workspace.join("target"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let pipe = build.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        if has_exited(build.id() as libc::pid_t) {
            kill_group(build.id() as libc::pid_t);
            break build.wait().map_err(|e| e.to_string())?;
        }
        if started.elapsed() > SAMPLE_BUILD_LIMIT {
            kill_group(build.id() as libc::pid_t);
            let _ = build.wait();
            return Err(format!(
                "the sample's build took more than {} min",
                SAMPLE_BUILD_LIMIT.as_secs() / 60
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stderr = reader.join().unwrap_or_default();
    eprintln!(
        "the sample built in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if !stderr.contains("Compiling") {
        // Cargo stopped before building anything: not a result about the crates.
        return Err(format!("the sample did not build at all:\n{stderr}"));
    }
    // Which crates failed, by cargo's own word (`could not compile `d00012``), and the first
    // error written in each (`d00012/src/types.rs:3:5: error[E…]: …`), where there is one.
    let mut first_errors: BTreeMap<String, String> = BTreeMap::new();
    for line in stderr.lines() {
        if let Some((path, rest)) = line.split_once(": error") {
            let member = path.split('/').next().unwrap_or("").to_owned();
            first_errors
                .entry(member)
                .or_insert_with(|| format!("error{}", rest.chars().take(200).collect::<String>()));
        }
    }
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for line in stderr.lines() {
        let Some((_, rest)) = line.split_once("could not compile `") else {
            continue;
        };
        let name = rest.split('`').next().unwrap_or("").to_owned();
        if !members.contains(&name) {
            // Not one of the sample: the checkout's own crates, and nothing is a result.
            return Err(format!("{name} does not build:\n{stderr}"));
        }
        let error = first_errors
            .get(&name)
            .cloned()
            .unwrap_or_else(|| line.to_owned());
        errors.insert(name, error);
    }
    if !status.success() && errors.is_empty() {
        return Err(format!(
            "the sample failed, but no crate's error was found:\n{stderr}"
        ));
    }
    Ok(crates
        .iter()
        .zip(&members)
        .map(|(run, member)| {
            let name = run.document.display().to_string();
            (name, errors.get(member).cloned())
        })
        .collect())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn table(dir: &Path, runs: &[Run], compiled: &[(String, Option<String>)]) -> String {
    let mut by_version: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for run in runs {
        by_version
            .entry(run.version.as_str())
            .or_default()
            .push(run);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} documents under {} (limits: {} s, {} MiB each)\n",
        runs.len(),
        dir.display(),
        TIME_LIMIT.as_secs(),
        MEMORY_LIMIT_BYTES >> 20
    );
    let _ = writeln!(
        out,
        "| version | documents | generated | refused | out of memory | panicked | hung | median s | slowest s | peak MiB |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (version, runs) in &by_version {
        let count = |f: fn(&Fate) -> bool| runs.iter().filter(|r| f(&r.fate)).count();
        let mut seconds: Vec<f64> = runs.iter().map(|r| r.seconds).collect();
        seconds.sort_by(f64::total_cmp);
        let peak = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0) / 1024;
        let _ = writeln!(
            out,
            "| {version} | {} | {} | {} | {} | {} | {} | {:.2} | {:.1} | {peak} |",
            runs.len(),
            count(|f| matches!(f, Fate::Generated)),
            count(|f| matches!(f, Fate::Refused(_))),
            count(|f| matches!(f, Fate::OutOfMemory)),
            count(|f| matches!(f, Fate::Panicked(_))),
            count(|f| matches!(f, Fate::Hung)),
            seconds[seconds.len() / 2],
            seconds.last().copied().unwrap_or(0.0),
        );
    }
    let mut slowest: Vec<&Run> = runs.iter().collect();
    slowest.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    let _ = writeln!(out, "\nSlowest:\n");
    for run in slowest.iter().take(5) {
        let _ = writeln!(
            out,
            "- {:.1} s, {} MiB: {}",
            run.seconds,
            run.peak_kib / 1024,
            relative(dir, &run.document)
        );
    }
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for run in runs {
        let reason = match &run.fate {
            Fate::Refused(why) => reason_of(why),
            Fate::Panicked(why) => format!("panicked: {why}"),
            Fate::OutOfMemory => "out of memory".into(),
            Fate::Hung => "hung".into(),
            Fate::Generated => continue,
        };
        *reasons.entry(reason).or_default() += 1;
    }
    let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
    reasons.sort_by_key(|reason| std::cmp::Reverse(reason.1));
    let _ = writeln!(
        out,
        "\nWhy documents were not generated (most common first):\n"
    );
    for (reason, count) in reasons.iter().take(15) {
        let _ = writeln!(out, "- {count}: {reason}");
    }
    // Each refusal in full, when they are few enough to read: each must name its place.
    let not_generated: Vec<&Run> = runs
        .iter()
        .filter(|r| !matches!(r.fate, Fate::Generated))
        .collect();
    if not_generated.len() <= 40 {
        let _ = writeln!(out, "\nEach, in full:\n");
        for run in not_generated {
            let why = match &run.fate {
                Fate::Refused(why) | Fate::Panicked(why) => why.as_str(),
                Fate::OutOfMemory => "out of memory",
                Fate::Hung => "hung",
                Fate::Generated => continue,
            };
            let _ = writeln!(out, "- {}: {why}", relative(dir, &run.document));
        }
    }
    if !compiled.is_empty() {
        let failed: Vec<&(String, Option<String>)> =
            compiled.iter().filter(|(_, e)| e.is_some()).collect();
        let _ = writeln!(
            out,
            "\nCompiled: {} of a fixed random sample of {} generated crates.",
            compiled.len() - failed.len(),
            compiled.len()
        );
        for (document, error) in failed.iter().take(10) {
            let _ = writeln!(
                out,
                "- {}: {}",
                relative(dir, Path::new(document)),
                error.as_deref().unwrap_or("")
            );
        }
    }
    out
}

/// A refusal's message without its file and place, so that alike ones count together.
fn reason_of(message: &str) -> String {
    let message = message.trim_start_matches("error: ");
    let after_place = message.split_once(": ").map_or(message, |(_, rest)| rest);
    after_place.chars().take(100).collect()
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}
