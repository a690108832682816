//! What a process uses, read from the kernel: CPU time and peak resident memory.

use std::time::Duration;

/// User plus system CPU time of this process so far, all threads.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into the struct it is given and nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// This process's peak resident set size (`VmHWM`) in KiB.
pub fn peak_rss_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".to_owned())
}

/// Runs `contractfit-bench ARGS` in a fresh process (so that its peak memory is its own) and
/// reads the numbers it prints (its peak RSS in KiB first).
pub fn child(args: &[&std::ffi::OsStr], what: &str) -> Result<Vec<f64>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = std::process::Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let report = String::from_utf8_lossy(&output.stdout);
    report
        .split_whitespace()
        .map(|f| f.parse().map_err(|_| format!("{what} reported {report:?}")))
        .collect()
}

/// A folder removed, with what it holds, when this is dropped.
pub struct RemoveOnDrop(pub std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `measure` on this thread alone, pinned to CPU 0, in a one-thread runtime; the server
/// is kept to CPU 1 (`ServerProcess::start_on_cpu`). What is measured is then the client's
/// work, not the luck of two processes' threads taking turns on two CPUs (which made one
/// round's CPU per request stray by half from the next). `measure` is told whether the
/// pinning took (a one-CPU machine has no CPU 1 to leave to the server).
pub fn on_pinned_thread<F>(measure: impl FnOnce(bool) -> F) -> Result<(), String>
where
    F: std::future::Future<Output = Result<(), String>>,
{
    let pinned = pin_to_cpu(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(measure(pinned))
}

/// Keeps this thread, and the threads it starts from now on, on CPU `cpu`; false where the
/// machine has no such CPU or refuses.
pub fn pin_to_cpu(cpu: usize) -> bool {
    if cpu >= std::thread::available_parallelism().map_or(1, |n| n.get()) {
        return false;
    }
    // SAFETY: the set is a plain bit mask on the stack, sized as the call is told.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}
