//! # strom-cli
//!
//! The `strom` command's library half: the built-in jobs (re-exported from `strom-jobs`
//! as [`jobs`]), layered settings
//! ([`settings`]), the local cluster launcher ([`cluster`]) and the helpers for clusters across
//! machines ([`cluster_tools`]), signals ([`signals`]), folder
//! locks ([`locks`]) and job control
//! ([`control`]: the REST endpoint every job serves, and the commands that use it). The binary (`main.rs`)
//! only parses arguments and dispatches here; benchmarks call the jobs of `strom-jobs`
//! directly.
#![warn(missing_docs)]

pub mod cluster;
pub mod cluster_tools;
pub mod control;
pub mod kafka;
pub mod locks;
pub mod settings;
pub mod signals;

pub use strom_jobs as jobs;

/// Installs the `strom` binary's panic hook:
///
/// - printing to a closed standard output (`strom list | head -c1`) ends the process
///   quietly with status 0, as a pipeline expects (ripgrep does the same); `SIGPIPE`
///   stays ignored, so a closed socket or file is an error to handle, never a kill;
/// - when `RUST_BACKTRACE` is set (and not `0`), Rust's own report follows, backtrace
///   included; otherwise:
/// - a worker stopped because another failed prints nothing (the job's error says why);
/// - any other panic prints one line: who panicked (`worker N` for a worker thread),
///   where and its message; the job then fails with that worker's message.
pub fn install_panic_hook() {
    let backtrace = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
    let rust_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        if payload.is::<strom_core::launch::Stopped>() {
            // A worker stopped because another failed: the job's error says why.
            return;
        }
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("a panic without a message");
        if is_closed_stdout(message) {
            signals::exit(0);
        }
        if signals::terminating() {
            // A worker meeting the clean-up of a signal: the handler reports.
            return;
        }
        if backtrace {
            return rust_report(info);
        }
        let thread = std::thread::current();
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        eprintln!(
            "{}",
            panic_report(thread.name(), location.as_deref(), message)
        );
    }));
}

/// The one line the panic hook prints for a panic on `thread` at `location`.
fn panic_report(thread: Option<&str>, location: Option<&str>, message: &str) -> String {
    let name = thread.unwrap_or("a thread");
    let who = match name.strip_prefix("timely:work-") {
        Some(index) => format!("worker {index}"),
        None => name.to_string(),
    };
    let at = location.map(|l| format!(" at {l}")).unwrap_or_default();
    format!("error: {who} panicked{at}: {message}")
}

/// Whether a panic message is Rust's report of printing to a closed standard output.
fn is_closed_stdout(message: &str) -> bool {
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_one_line_naming_the_worker() {
        assert_eq!(
            panic_report(
                Some("timely:work-3"),
                Some("src/job.rs:7"),
                "index out of bounds"
            ),
            "error: worker 3 panicked at src/job.rs:7: index out of bounds"
        );
        assert_eq!(
            panic_report(Some("main"), None, "boom"),
            "error: main panicked: boom"
        );
    }

    #[test]
    fn printing_to_a_closed_pipe_is_recognised() {
        let closed = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let os = std::io::Error::from_raw_os_error(32);
        // The message Rust's `println!` panics with.
        assert!(is_closed_stdout(&format!(
            "failed printing to stdout: {os}"
        )));
        assert!(!is_closed_stdout(&format!(
            "failed printing to stderr: {closed}"
        )));
        assert!(!is_closed_stdout(
            "failed printing to stdout: No space left on device"
        ));
    }
}
