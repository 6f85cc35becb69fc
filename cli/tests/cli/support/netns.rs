//! "Hosts" for cluster tests: Linux network namespaces, each with an address of its own on
//! a private subnet, joined by a bridge that lives in one more namespace (the switch), so
//! that nothing of the test is in the machine's own network namespace and no traffic
//! leaves the machine.
//!
//! ```text
//!   strom-t-PID-N-h0  eth0 10.99.0.1/24 ─┐
//!   strom-t-PID-N-h1  eth0 10.99.0.2/24 ─┼─ p0 p1 p2 ─ br0   (strom-t-PID-N-sw)
//!   strom-t-PID-N-h2  eth0 10.99.0.3/24 ─┘
//! ```
//!
//! Names carry the test process's id and a counter, so tests running in parallel (and
//! test binaries running side by side) never share a namespace; a [`Hosts`] removes its
//! namespaces, killing what still runs in them, when it is dropped, on a panic included.
//! Namespaces left by a test process that was itself killed are removed by the next
//! [`Hosts::new`]. Creating namespaces needs root (CAP_SYS_ADMIN): without it,
//! [`Hosts::new`] says why and the test skips.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The prefix of every namespace these tests create.
const PREFIX: &str = "strom-t-";

/// The port every host's process listens at (each host has its own addresses).
pub(crate) const PORT: u16 = 2101;

/// A set of namespaces ("hosts") on one bridge, removed when dropped.
pub(crate) struct Hosts {
    /// The host namespaces, in index order.
    names: Vec<String>,
    /// The namespace holding the bridge.
    switch: String,
    /// Processes started in the namespaces, killed (if still running) on drop.
    started: Vec<Started>,
}

impl Hosts {
    /// `count` hosts at 10.99.0.1, 10.99.0.2, ...; `Err` says why they cannot be made
    /// (no `ip` command, or not permitted: the tests need root).
    pub(crate) fn new(count: usize) -> Result<Hosts, String> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        sweep_orphans();
        let tag = format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut hosts = Hosts {
            names: Vec::new(),
            switch: format!("{tag}-sw"),
            started: Vec::new(),
        };
        ip(&["netns", "add", &hosts.switch])
            .map_err(|e| format!("cannot create network namespaces (tests need root): {e}"))?;
        ip(&["-n", &hosts.switch, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", &hosts.switch, "link", "set", "br0", "up"])?;
        for i in 0..count {
            let name = format!("{tag}-h{i}");
            ip(&["netns", "add", &name])?;
            hosts.names.push(name.clone());
            let port = format!("p{i}");
            ip(&[
                "-n",
                &name,
                "link",
                "add",
                "eth0",
                "type",
                "veth",
                "peer",
                "name",
                &port,
                "netns",
                &hosts.switch,
            ])?;
            ip(&["-n", &hosts.switch, "link", "set", &port, "master", "br0"])?;
            ip(&["-n", &hosts.switch, "link", "set", &port, "up"])?;
            let address = format!("{}/24", hosts.ip(i));
            ip(&["-n", &name, "addr", "add", &address, "dev", "eth0"])?;
            ip(&["-n", &name, "link", "set", "eth0", "up"])?;
            ip(&["-n", &name, "link", "set", "lo", "up"])?;
        }
        Ok(hosts)
    }

    /// Host `i`'s address.
    pub(crate) fn ip(&self, i: usize) -> String {
        format!("10.99.0.{}", i + 1)
    }

    /// The host file of the first `count` hosts (`ADDRESS:PORT` per line), written to `path`.
    pub(crate) fn write_host_file(&self, path: &Path, count: usize) {
        let lines: String = (0..count)
            .map(|i| format!("{}:{PORT}\n", self.ip(i)))
            .collect();
        std::fs::write(path, format!("# {count} test hosts\n{lines}")).expect("host file");
    }

    /// A command that runs `program` in host `i`'s namespace.
    pub(crate) fn command(&self, i: usize, program: &Path) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.names[i]]).arg(program);
        cmd
    }

    /// `strom` (as [`crate::support::strom`] sets it up) in host `i`'s namespace.
    pub(crate) fn strom(&self, i: usize) -> Command {
        let mut cmd = self.command(i, Path::new(env!("CARGO_BIN_EXE_strom")));
        cmd.env(
            "STROM_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("strom-home"),
        );
        cmd
    }

    /// Cuts host `i` off the network (its link goes down): it is as if the machine were
    /// gone, nothing reaching it or coming from it, no connection closed.
    pub(crate) fn unplug(&self, i: usize) {
        ip(&["-n", &self.names[i], "link", "set", "eth0", "down"]).expect("link down");
    }

    /// Starts `cmd` (made by [`Hosts::strom`]), its standard error collected; the process
    /// is killed when the hosts are dropped, if it is still running then.
    pub(crate) fn spawn(&mut self, cmd: &mut Command) -> usize {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ip netns exec runs");
        // Read as it comes, so that a full pipe never stops the process.
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut p) = pipe {
                    let _ = std::io::Read::read_to_string(&mut p, &mut text);
                }
                text
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        self.started.push(Started {
            child,
            stdout: Some(stdout),
            stderr: Some(stderr),
        });
        self.started.len() - 1
    }

    /// The pid of the `n`-th started process (`ip netns exec` execs the program, so it
    /// is the program's own).
    pub(crate) fn pid(&self, n: usize) -> u32 {
        self.started[n].child.id()
    }

    /// Kills the `n`-th started process with SIGKILL.
    pub(crate) fn kill(&mut self, n: usize) {
        let _ = self.started[n].child.kill();
    }

    /// Waits for the `n`-th started process, at most `limit`: `None` when it is still
    /// running then (it is left running: dropping the hosts kills it), else its exit
    /// status, standard output and standard error.
    pub(crate) fn wait(&mut self, n: usize, limit: Duration) -> Option<Ended> {
        let deadline = Instant::now() + limit;
        let started = &mut self.started[n];
        loop {
            if let Some(status) = started.child.try_wait().expect("wait") {
                let join = |h: Option<std::thread::JoinHandle<String>>| {
                    h.and_then(|h| h.join().ok()).unwrap_or_default()
                };
                let stdout = join(started.stdout.take());
                let stderr = join(started.stderr.take());
                return Some(Ended {
                    status,
                    stdout,
                    stderr,
                });
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A process started in a namespace, its output read by two threads.
struct Started {
    child: Child,
    stdout: Option<std::thread::JoinHandle<String>>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// How a process started on a host ended.
#[derive(Debug)]
pub(crate) struct Ended {
    pub(crate) status: std::process::ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for started in &mut self.started {
            let _ = started.child.kill();
            let _ = started.child.wait();
        }
        for name in self.names.iter().chain([&self.switch]) {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

/// Removes the namespaces of test processes that are gone (killed before their
/// [`Hosts`] could be dropped).
fn sweep_orphans() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

/// Runs `ip args`, giving its standard error when it fails.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
