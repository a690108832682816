//! Running a command repeatedly: wall time of each run and the peak memory of the process
//! tree's largest process, from the kernel's own accounting (`wait4`), so that no timing tool
//! needs installing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What repeated runs of one command took.
pub struct Runs {
    pub times: Vec<Duration>,
    /// The largest `ru_maxrss` seen over the runs, in KiB: the peak of the biggest process
    /// the command started (a wrapper script's child included).
    pub max_rss_kib: u64,
}

impl Runs {
    pub fn median_ms(&self) -> f64 {
        let mut ms: Vec<f64> = self.times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        match ms.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => ms[n / 2],
            n => (ms[n / 2 - 1] + ms[n / 2]) / 2.0,
        }
    }
}

/// Runs `command` `warmup` times untimed, then `runs` times timed; `prepare` runs before
/// each timed run, outside the timing. Fails with the command's own stderr if a run fails.
pub fn repeat(
    command: &mut dyn FnMut() -> Command,
    prepare: &mut dyn FnMut() -> Result<(), String>,
    warmup: usize,
    runs: usize,
) -> Result<Runs, String> {
    let mut result = Runs {
        times: Vec::new(),
        max_rss_kib: 0,
    };
    for i in 0..warmup + runs {
        prepare()?;
        let (elapsed, rss) = run_once(&mut command())?;
        if i >= warmup {
            result.times.push(elapsed);
            result.max_rss_kib = result.max_rss_kib.max(rss);
        }
    }
    Ok(result)
}

/// One run: wall time and the peak RSS of the largest process among the command's descendants.
fn run_once(command: &mut Command) -> Result<(Duration, u64), String> {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let mut status = 0;
    // SAFETY: wait4 writes the status and the usage into the locals it is given.
    let (waited, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let waited = libc::wait4(pid, &mut status, 0, &mut usage);
        (waited, usage)
    };
    let elapsed = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    if waited != pid {
        return Err(format!("cannot wait for {command:?}"));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let last = stderr.lines().rev().take(3).collect::<Vec<_>>();
        return Err(format!(
            "{command:?} failed: {}",
            last.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    // The usage of the child includes its waited-for descendants: the JVM under a wrapper
    // script, say.
    Ok((elapsed, usage.ru_maxrss as u64))
}
