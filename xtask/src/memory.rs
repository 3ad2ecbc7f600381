//! This process's memory as Linux reports it (`/proc/self/status`), for the benchmarks that state
//! their own peak: `VmHWM` is the high-water mark of resident memory, `VmRSS` the current one.

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
