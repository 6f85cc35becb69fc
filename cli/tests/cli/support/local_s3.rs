//! A local S3-compatible server for the tests: moto (PyPI `moto[server]`, in the test
//! environment), started on a free loopback port and killed when dropped, with the
//! settings an S3 client needs to reach it.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::python_env;

/// A running local S3 server.
pub(crate) struct LocalS3 {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) endpoint: String,
}

impl LocalS3 {
    /// Starts the server, or says why it cannot be had (no PyPI).
    pub(crate) fn start() -> Result<LocalS3, String> {
        let env = python_env()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new(env.join("bin/python"))
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("moto does not start: {e}"))?;
        let server = LocalS3 {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    /// Points `cmd`'s S3 clients (boto3, object_store, Strom) at the server.
    pub(crate) fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ENDPOINT", &self.endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "strom-test")
            .env("AWS_SECRET_ACCESS_KEY", "strom-test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
    }

    /// Runs `script` with the test environment's Python and boto3's client `s3` made
    /// ready for it; gives its standard output.
    pub(crate) fn boto3(&self, script: &str) -> Vec<u8> {
        let env = python_env().expect("the server started, so the environment exists");
        let setup = format!(
            "import boto3, sys\ns3 = boto3.client('s3', endpoint_url='{}')\n{script}",
            self.endpoint
        );
        let mut cmd = Command::new(env.join("bin/python"));
        let out = self.env(&mut cmd).arg("-c").arg(&setup).output().unwrap();
        assert!(
            out.status.success(),
            "boto3: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
