//! `http://` input from a local web server that the test starts: Python's `http.server`
//! (which ignores range requests, so the whole-object fallback is exercised too, and has
//! no listing but its HTML index pages), and the same server answering WebDAV
//! `PROPFIND` (`support/webdav_server.py`). A folder is read only through a listing,
//! never through its index page.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{fresh, scratch, skip, strom};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Serves `dir` on a free port of 127.0.0.1, with WebDAV listing when `webdav`; `None`
/// when there is no python3.
fn serve(dir: &Path, webdav: bool) -> Option<(Server, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new("python3");
    if webdav {
        command
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/cli/support/webdav_server.py"
            ))
            .arg(port.to_string())
            .arg(dir);
    } else {
        command
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--directory")
            .arg(dir);
    }
    let server = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let server = Server(server);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the web server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((server, port))
}

/// Counted by hand: the words of [`books`]' two files.
const COUNTS: &str = "word,count\nbe,2\nto,2\nis,1\nnot,1\nor,1\nquestion,1\nthat,1\nthe,1\n";

/// A folder `books/` with two text files (and a hidden one) in a scratch folder.
fn books(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let books = dir.join("books");
    std::fs::create_dir_all(&books).unwrap();
    std::fs::write(books.join("a.txt"), "to be or not to be\n").unwrap();
    std::fs::write(books.join("b.txt"), "that is the question\n").unwrap();
    std::fs::write(books.join(".hidden.txt"), "html body html\n").unwrap();
    dir
}

fn wordcount(input: &str, out: &Path) -> std::process::Output {
    let args = ["run", "wordcount", "--input", input, "--output"];
    strom()
        .args(args)
        .arg(out)
        .args(["--workers", "2"])
        .output()
        .unwrap()
}

#[test]
fn wordcount_reads_http() {
    let dir = books("http");
    let Some((_server, port)) = serve(&dir, false) else {
        return skip("wordcount_reads_http", "python3 is not installed");
    };
    let out = fresh(dir.join("counts.csv"));
    let url = format!("http://127.0.0.1:{port}/books/a.txt");
    let run = wordcount(&url, &out);
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "word,count\nbe,2\nto,2\nnot,1\nor,1\n"
    );
}

#[test]
fn a_folder_on_a_server_that_cannot_list_is_refused_not_read_as_its_index_page() {
    let dir = books("http-index");
    let Some((_server, port)) = serve(&dir, false) else {
        return skip("a_folder_on_a_server_...", "python3 is not installed");
    };
    let out = fresh(dir.join("counts.csv"));
    for url in [
        format!("http://127.0.0.1:{port}/books/"),
        format!("http://127.0.0.1:{port}/books"),
    ] {
        let run = wordcount(&url, &out);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{url}: {stderr}");
        assert!(
            stderr.contains(&url) && stderr.contains("PROPFIND"),
            "{url}: {stderr}"
        );
        assert!(!out.exists(), "{url}: nothing written");
    }
}

#[test]
fn a_folder_on_a_webdav_server_is_listed_and_read() {
    let dir = books("http-webdav");
    let Some((_server, port)) = serve(&dir, true) else {
        return skip(
            "a_folder_on_a_webdav_server_...",
            "python3 is not installed",
        );
    };
    for url in [
        format!("http://127.0.0.1:{port}/books/"),
        format!("http://127.0.0.1:{port}/books"),
    ] {
        let out = fresh(dir.join("counts.csv"));
        let run = wordcount(&url, &out);
        assert!(run.status.success(), "{url}: {run:?}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), COUNTS, "{url}");
    }
}
