//! Running a command repeatedly: wall time of each run and the peak memory of the process
//! tree's largest process, from the kernel's own accounting (`wait4`), so that no timing tool
//! needs installing.

use std::process::{Command, Stdio};
use std::time::Duration;

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

/// `command` run by `runner` (a program that takes a command line after its own arguments,
/// as `timeout` and `measure-one` do), in the command's folder and environment.
pub fn run_by(mut runner: Command, command: &Command) -> Command {
    runner.arg(command.get_program()).args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => runner.env(name, value),
            None => runner.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        runner.current_dir(dir);
    }
    runner
}

/// One run: wall time and the peak RSS of the largest process among the command's descendants.
///
/// The command is started by `measure-one` (`xtask/src/bin/measure-one.rs`), a tiny program,
/// not by this process. Linux carries a process's peak RSS across `exec` from the memory it
/// had before, and a child started from this process shares (vfork) or copies (fork) this
/// process's memory: measured directly, every command would seem at least as big as the
/// benchmark driver itself (tens of MiB). `measure-one` is about 2 MiB, so that is the floor.
fn run_once(command: &mut Command) -> Result<(Duration, u64), String> {
    let helper = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .with_file_name("measure-one");
    let output = run_by(Command::new(&helper), command)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {} for {command:?}: {e}", helper.display()))?;
    if !output.status.success() {
        let failure = super::peers::Failure::read(&String::from_utf8_lossy(&output.stderr));
        let panicked = if failure.panicked { "panicked: " } else { "" };
        return Err(format!("{command:?} failed: {panicked}{}", failure.reason));
    }
    let report = String::from_utf8_lossy(&output.stdout);
    let mut numbers = report.split_whitespace().map(str::parse::<u64>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(nanos)), Some(Ok(rss))) => Ok((Duration::from_nanos(nanos), rss)),
        _ => Err(format!("the measuring helper said {report:?}")),
    }
}
