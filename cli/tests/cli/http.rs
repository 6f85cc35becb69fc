//! `http://` input from a local web server that the test starts (Python's `http.server`,
//! which ignores range requests, so the whole-object fallback is exercised too).

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{run_strom, scratch, skip};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn wordcount_reads_http() {
    let dir = scratch("http");
    std::fs::write(
        dir.join("a.txt"),
        "to be or not to be\nthat is the question\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(server) = server else {
        return skip("wordcount_reads_http", "python3 is not installed");
    };
    let _server = Server(server);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "http.server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = dir.join("counts.csv");
    let _ = std::fs::remove_file(&out);
    let url = format!("http://127.0.0.1:{port}/a.txt");
    run_strom(&[
        "run",
        "wordcount",
        "--input",
        &url,
        "--output",
        out.to_str().unwrap(),
        "--workers",
        "2",
    ]);
    // Counted by hand.
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "word,count\nbe,2\nto,2\nis,1\nnot,1\nor,1\nquestion,1\nthat,1\nthe,1\n"
    );
}
