//! How `strom` behaves as a process: quiet on a closed standard output, one-line reports
//! of failures, `strom jobs` listing what `strom run` runs, a cluster whose peers
//! never connect failing after `--connect-timeout`; SIGINT and SIGTERM removing every
//! spill and staging file (exit 130 and 143), a SIGKILLed job's leftovers removed by the
//! next run; a launcher passing signals on, its processes dying with it; locks on output
//! and checkpoint folders; the REST token a job's changes need.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::control::http;
use crate::support::{fresh, run_strom, scratch, strom};

/// Runs `strom args` with a standard output whose reading end is already closed.
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    strom()
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("strom runs")
}

#[test]
fn a_closed_standard_output_ends_commands_quietly() {
    for args in [
        &["jobs"][..],
        &["list", "--all", "--json"],
        &["run", "wordcount"],
        &["run", "wordcount", "--workers", "2"],
    ] {
        let out = into_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "strom {args:?}: {:?}, standard error:\n{stderr}",
            out.status
        );
    }
}

#[test]
fn strom_jobs_lists_every_job_strom_run_knows() {
    let listed = strom().arg("jobs").output().unwrap();
    assert!(listed.status.success());
    let listed: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    // The jobs `strom run --help` names, in its "Commands:" section.
    let help = strom().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let runnable: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect();
    assert!(runnable.contains(&"unique-visitors".to_string()), "{help}");
    assert_eq!(listed, runnable);
}

/// A free port on 127.0.0.1 (nobody listens there once this returns).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_cluster_whose_peer_never_connects_fails_naming_it() {
    let dir = crate::support::scratch("operations-connect");
    let hosts = dir.join("hosts.txt");
    let (first, second) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    std::fs::write(&hosts, format!("{first}\n{second}\n")).unwrap();
    // Process 0 waits for process 1, which never starts; process 1 for process 0.
    for (index, missing) in [
        ("0", format!("process 1 at {second}")),
        ("1", format!("process 0 at {first}")),
    ] {
        let out = strom()
            .args(["run", "wordcount", "--hosts", hosts.to_str().unwrap()])
            .args(["--process-index", index, "--connect-timeout", "1s"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "process {index}: {stderr}");
        assert!(
            stderr.contains("did not connect") && stderr.contains(&missing),
            "process {index}: {missing:?} not in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A `strom` process the test started, its standard error read as it comes (so that
/// the pipe never fills).
struct Running {
    child: Child,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        Running::spawn(strom().args(args))
    }

    fn spawn(command: &mut Command) -> Running {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("strom runs");
        let mut pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut pipe, &mut text);
            text
        });
        Running {
            child,
            stderr: Some(stderr),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has ended (then its status and standard error).
    fn ended(&mut self) -> Option<(ExitStatus, String)> {
        let status = self.child.try_wait().unwrap()?;
        let stderr = self.stderr.take().map(|t| t.join().unwrap());
        Some((status, stderr.unwrap_or_default()))
    }

    /// Waits for it to end (generously: the machine may be loaded).
    fn wait(&mut self) -> (ExitStatus, String) {
        let mut ended = None;
        until("the strom process to end", || {
            ended = self.ended();
            ended.is_some()
        });
        ended.unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `done` until it holds, failing after three minutes.
fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "waited 3 minutes for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal` (`INT`, `TERM`, `KILL`) to `pid` with kill(1).
fn send(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {pid}");
}

/// Whether process `pid` is gone (or a zombie no one reaps).
fn gone(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        after.split_whitespace().next() == Some("Z")
    })
}

/// TeraSort input of 400,000 rows (40 MB), generated once per test run.
fn tera_input() -> PathBuf {
    static INPUT: OnceLock<PathBuf> = OnceLock::new();
    INPUT
        .get_or_init(|| {
            let input = fresh(scratch("operations-tera").join("in"));
            let path = input.to_str().unwrap();
            run_strom(&["run", "teragen", "--rows", "400000", "--output", path]);
            input
        })
        .clone()
}

/// Starts `terasort` of [`tera_input`] into `out` under a 1 MB budget, spilling below
/// `spill`, and waits until it has written spill files (sorted runs, `*.run`).
fn sorting(out: &Path, spill: &Path, more: &[&str]) -> Running {
    let input = tera_input();
    let mut args = vec!["run", "terasort", "--input", input.to_str().unwrap()];
    args.extend(["--output", out.to_str().unwrap(), "--memory", "1MB"]);
    args.extend(["--spill-dir", spill.to_str().unwrap(), "--workers", "2"]);
    args.extend(more);
    let mut job = Running::start(&args);
    until("spill files", || {
        if let Some((status, stderr)) = job.ended() {
            panic!("terasort ended before it spilled ({status}): {stderr}");
        }
        spill_files(spill)
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "run"))
    });
    job
}

/// The files below `dir`, recursively.
fn spill_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            if e.path().is_dir() {
                spill_files(&e.path())
            } else {
                vec![e.path()]
            }
        })
        .collect()
}

#[test]
fn ctrl_c_and_sigterm_remove_every_spill_and_staging_file_and_publish_nothing() {
    let dir = scratch("operations-signals");
    for (signal, status) in [("INT", 130), ("TERM", 143)] {
        let spill = fresh(dir.join(format!("spill-{signal}")));
        let out = fresh(dir.join(format!("out-{signal}")));
        let mut job = sorting(&out, &spill, &[]);
        send(job.pid(), signal);
        let (ended, stderr) = job.wait();
        // 128 + the signal's number, as shells report a process a signal ended.
        assert_eq!(ended.code(), Some(status), "SIG{signal}: {stderr}");
        assert!(
            stderr.contains("removed") && stderr.contains("spill and staging"),
            "SIG{signal} says what it removed: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        let left: Vec<_> = std::fs::read_dir(&spill).unwrap().flatten().collect();
        assert!(
            left.is_empty(),
            "SIG{signal} left {left:?} in {}",
            spill.display()
        );
        assert!(!out.exists(), "SIG{signal}: nothing is published");
    }
}

#[test]
fn sigterm_removes_the_parts_a_streaming_job_staged_beside_its_output() {
    let dir = scratch("operations-signal-parts");
    let input = dir.join("events.csv");
    if !input.exists() {
        crate::window_agg::write_events(&input, 200_000, 2_000);
    }
    let out = fresh(dir.join("windows.csv"));
    let parts = dir.join(".windows.csv.parts");
    // Sliding windows of 10 s every 10 ms: each event is in 1,000 windows, so parts of
    // output (8 MB each) are staged while the input is still being read.
    let input = input.to_str().unwrap();
    let mut job = Running::start(&[
        "run",
        "window-agg",
        "--input",
        input,
        "--window",
        "sliding:10s:10ms",
        "--output",
        out.to_str().unwrap(),
        "--rate",
        "2000",
    ]);
    until("staged parts", || {
        if let Some((status, stderr)) = job.ended() {
            panic!("window-agg ended before it staged parts ({status}): {stderr}");
        }
        !spill_files(&parts).is_empty()
    });
    send(job.pid(), "TERM");
    let (ended, stderr) = job.wait();
    assert_eq!(ended.code(), Some(143), "{stderr}");
    assert!(!parts.exists(), "{} stays: {stderr}", parts.display());
    assert!(!out.exists(), "nothing is published: {stderr}");
}

#[test]
fn leftovers_of_a_killed_job_are_removed_by_the_next_run_and_nothing_else() {
    let dir = scratch("operations-sigkill");
    let spill = fresh(dir.join("spill"));
    // What Strom did not make stays, whatever its name.
    let unmarked = spill.join("strom-spill-1-notmine");
    let other = spill.join("data");
    for keep in [&unmarked, &other] {
        std::fs::create_dir_all(keep).unwrap();
        std::fs::write(keep.join("keep.txt"), b"not Strom's").unwrap();
    }
    let mut job = sorting(&fresh(dir.join("out")), &spill, &[]);
    send(job.pid(), "KILL");
    job.wait();
    let leftovers: Vec<PathBuf> = std::fs::read_dir(&spill)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != &unmarked && p != &other)
        .collect();
    assert!(
        !leftovers.is_empty(),
        "SIGKILL leaves the spill folder behind"
    );
    let out = fresh(dir.join("counts.csv"));
    let next = run_strom(&[
        "run",
        "wordcount",
        "--spill-dir",
        spill.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&next.stderr);
    let mut left: Vec<PathBuf> = std::fs::read_dir(&spill)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    left.sort();
    assert_eq!(left, [other.clone(), unmarked.clone()], "{stderr}");
    for removed in &leftovers {
        assert!(
            stderr.contains(&removed.display().to_string()),
            "the next run says it removed {}: {stderr}",
            removed.display()
        );
    }
    assert!(unmarked.join("keep.txt").exists() && other.join("keep.txt").exists());
}

/// Starts `window-agg` as a local cluster of two processes reading 2,000 events/s (a
/// minute and more of input), and waits until both processes run.
fn cluster_job(dir: &Path) -> (Running, Vec<u32>) {
    let input = dir.join("events.csv");
    if !input.exists() {
        crate::window_agg::write_events(&input, 200_000, 2_000);
    }
    let out = fresh(dir.join("out"));
    let mut args = crate::recovery::window_agg(&input, &out);
    args.extend(["--rate", "2000", "--processes", "2", "--workers", "1"].map(String::from));
    let mut job = Running::start(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut children = Vec::new();
    until("the launcher's two processes", || {
        if let Some((status, stderr)) = job.ended() {
            panic!("the launcher ended ({status}): {stderr}");
        }
        children = crate::recovery::children(job.pid());
        children.len() == 2
    });
    (job, children)
}

#[test]
fn a_launcher_passes_sigterm_on_and_its_processes_die_with_it_even_by_sigkill() {
    let dir = scratch("operations-launcher");
    let (mut job, children) = cluster_job(&dir);
    send(job.pid(), "TERM");
    let (status, stderr) = job.wait();
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("passed on"), "{stderr}");
    // The launcher waited for its processes: they are gone when it is.
    for child in &children {
        assert!(
            gone(*child),
            "process {child} outlived its launcher: {stderr}"
        );
    }

    let (mut job, children) = cluster_job(&dir);
    send(job.pid(), "KILL");
    job.wait();
    for child in children {
        until(&format!("process {child} to end with its launcher"), || {
            gone(child)
        });
    }
}

/// Runs `strom args` to its end: its status and standard error.
fn refused(args: &[&str]) -> String {
    let out = strom().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "strom {args:?}: {stderr}");
    stderr
}

/// `window-agg` over `input` into `out` at 2,000 events/s with 1 s checkpoints into
/// `chk`, in the job registry `home`.
fn streaming(home: &Path, input: &Path, out: &Path, chk: &Path, more: &[&str]) -> Running {
    if !input.exists() {
        crate::window_agg::write_events(input, 200_000, 2_000);
    }
    let mut args = crate::recovery::window_agg(input, out);
    args.extend(["--rate", "2000", "--checkpoint-interval", "1s"].map(String::from));
    args.extend(["--checkpoint-dir".into(), chk.display().to_string()]);
    args.extend(more.iter().map(|s| s.to_string()));
    Running::spawn(strom().env("STROM_HOME", home).args(&args))
}

/// The registry entry of the job of process `pid` in the registry `home`, once there.
fn registered(home: &Path, pid: u32) -> serde_json::Value {
    let mut found = None;
    until("the job's registry entry", || {
        let files = std::fs::read_dir(home.join("jobs")).into_iter().flatten();
        found = files
            .flatten()
            .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
            .filter_map(|f| serde_json::from_slice(&std::fs::read(f.path()).ok()?).ok())
            .find(|j: &serde_json::Value| j["pid"].as_u64() == Some(u64::from(pid)));
        found.is_some()
    });
    found.unwrap()
}

#[test]
fn a_running_job_locks_its_output_and_checkpoint_folders_and_a_dead_ones_lock_is_taken_over() {
    let dir = scratch("operations-locks");
    let (out, spill) = (fresh(dir.join("out")), fresh(dir.join("spill")));
    let mut first = sorting(&out, &spill, &[]);
    let input = tera_input();
    let second = refused(&[
        "run",
        "terasort",
        "--input",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(
        second.contains(&format!("output {}", out.display()))
            && second.contains("is in use by job ")
            && second.contains(&format!("terasort, pid {}", first.pid())),
        "{second}"
    );

    // The checkpoint folder, for a streaming job.
    let home = dir.join("home");
    let (events, chk) = (dir.join("events.csv"), fresh(dir.join("chk")));
    let mut stream = streaming(&home, &events, &fresh(dir.join("w1")), &chk, &[]);
    let id = registered(&home, stream.pid())["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut args = crate::recovery::window_agg(&events, &fresh(dir.join("w2")));
    args.extend(["--checkpoint-dir".into(), chk.display().to_string()]);
    args.extend(["--checkpoint-interval".into(), "1s".into()]);
    let other = refused(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        other.contains(&format!(
            "--checkpoint-dir {} is in use by job {id} (window-agg",
            chk.display()
        )),
        "{other}"
    );
    send(stream.pid(), "KILL");
    stream.wait();

    // A lock whose holder was killed is taken over.
    send(first.pid(), "KILL");
    first.wait();
    let next = run_strom(&["run", "wordcount", "--output", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&next.stderr);
    assert!(
        stderr.contains("taking over the lock left by job")
            && stderr.contains(&format!("pid {}", first.pid())),
        "{stderr}"
    );
    assert!(out.is_file(), "the next job wrote its output");
}

#[test]
fn changing_a_job_needs_its_token_from_a_file_only_its_user_reads() {
    for token in ["", "0123456789abcde"] {
        let stderr = refused(&[
            "run",
            "wordcount",
            "--rest-address",
            "0.0.0.0:0",
            "--rest-token",
            token,
        ]);
        assert!(stderr.contains("shorter than 16 characters"), "{stderr}");
    }
    let dir = scratch("operations-token");
    let home = fresh(dir.join("home"));
    let (events, chk) = (dir.join("events.csv"), fresh(dir.join("chk")));
    let mut job = streaming(&home, &events, &fresh(dir.join("out")), &chk, &[]);
    let entry = registered(&home, job.pid());
    let (id, url) = (
        entry["id"].as_str().unwrap(),
        entry["url"].as_str().unwrap(),
    );
    let file = home.join("jobs").join(format!("{id}.token"));
    let mut token = String::new();
    until("the token file", || {
        token = std::fs::read_to_string(&file).unwrap_or_default();
        !token.is_empty()
    });
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{} is the user's only", file.display());
    assert!(token.len() >= 32, "{token:?}");

    // Anyone on the machine may read; changing the job needs the token.
    assert_eq!(http("GET", url, "/api/v1/job", None).0, 200);
    let (code, body) = http("POST", url, "/api/v1/cancel", None);
    assert_eq!(code, 401, "{body}");
    let (code, _) = http("POST", url, "/api/v1/cancel?token=wrong", None);
    assert_eq!(code, 401);
    assert!(job.ended().is_none(), "the job still runs");

    // Its user's `strom status` prints the page's link, which works.
    let status = strom()
        .env("STROM_HOME", &home)
        .args(["status", id])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    let link = format!("{url}/?token={token}");
    assert!(status.contains(&format!("status page: {link}")), "{status}");
    let (code, page) = http("GET", url, &link[url.len()..], None);
    assert!(code == 200 && page.contains("<html"), "{code}: {page}");
    let canceled = strom()
        .env("STROM_HOME", &home)
        .args(["cancel", id])
        .output()
        .unwrap();
    assert!(canceled.status.success(), "{canceled:?}");
    assert_eq!(job.wait().0.code(), Some(3));
}
