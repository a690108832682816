//! `measure-one PROGRAM ARGS…`: runs the program (stdout discarded, stderr passed on) and
//! prints its wall time in nanoseconds and its peak RSS in KiB, from the kernel's accounting
//! (`wait4`); fails if the program fails. The benchmarks start every measured command through
//! it, because a process's peak RSS includes the memory of whoever started it (see
//! `bench/measure.rs`), and this program is small.

use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((program, args)) = args.split_first() else {
        eprintln!("usage: measure-one PROGRAM ARGS…");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot run {program}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes the status and the usage into the locals it is given.
    let (waited, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let waited = libc::wait4(pid, &mut status, 0, &mut usage);
        (waited, usage)
    };
    let elapsed = started.elapsed();
    if waited != pid {
        eprintln!("cannot wait for {program}");
        return ExitCode::FAILURE;
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        eprintln!("{program} failed (wait status {status})");
        return ExitCode::FAILURE;
    }
    // The usage includes the program's waited-for descendants: a JVM under a wrapper script.
    println!("{} {}", elapsed.as_nanos(), usage.ru_maxrss);
    ExitCode::SUCCESS
}
