//! Memory and CPU time as Linux reports them (`/proc`), for the benchmarks that state their own
//! cost: `VmHWM` is the high-water mark of resident memory, `VmRSS` the current one; a process's
//! CPU time says how much of the machine a server (DynamoDB Local) spent on a measured pass.

/// Peak resident memory so far, in MiB; `None` where not available.
pub fn peak_rss_mib() -> Option<f64> {
    status_mib("VmHWM:")
}

/// Resident memory now, in MiB; `None` where not available.
pub fn rss_mib() -> Option<f64> {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user + system, every thread) process `pid` has used so far, in seconds; `None` where
/// not available. `/proc/<pid>/stat` counts it in clock ticks of `USER_HZ`, which Linux fixes at
/// 100 per second on x86-64 and arm64 whatever the kernel's own tick rate.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    const USER_HZ: f64 = 100.0;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are
    // state (3), …, utime (14), stime (15).
    let mut after_name = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: f64 = after_name.next()?.parse().ok()?;
    let system: f64 = after_name.next()?.parse().ok()?;
    Some((user + system) / USER_HZ)
}
