//! `s3://` input and output against a local S3-compatible server (moto, from PyPI), which
//! the test starts and stops itself.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{python_env, run_strom, scratch, skip, strom};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn s3_env(cmd: &mut Command, endpoint: &str) {
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "strom-test")
        .env("AWS_SECRET_ACCESS_KEY", "strom-test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1");
}

#[test]
fn wordcount_reads_and_writes_s3() {
    let env = match python_env() {
        Ok(e) => e,
        Err(why) => return skip("wordcount_reads_and_writes_s3", &why),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(env.join("bin/python"))
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
            .expect("moto server starts"),
    );
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "moto did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // Bucket and input objects, made with boto3 (an independent S3 client).
    let dir = scratch("s3");
    let text = "to be or not to be\nthat is the question\n";
    let setup = format!(
        "import boto3\ns3 = boto3.client('s3', endpoint_url='{endpoint}')\ns3.create_bucket(Bucket='strom')\n\
         s3.put_object(Bucket='strom', Key='in/a.txt', Body=b'{}')\n\
         s3.put_object(Bucket='strom', Key='in/b.txt', Body=b'be quick\\n')\n",
        text.replace('\n', "\\n")
    );
    let mut cmd = Command::new(env.join("bin/python"));
    s3_env(&mut cmd, &endpoint);
    assert!(cmd.arg("-c").arg(&setup).status().unwrap().success());

    let mut cmd = strom();
    s3_env(&mut cmd, &endpoint);
    let out = cmd
        .args([
            "run",
            "wordcount",
            "--input",
            "s3://strom/in/",
            "--output",
            "s3://strom/out/counts.csv",
            "--workers",
            "2",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Read the result back with boto3 and compare with a local run over the same text.
    let local_in = dir.join("in");
    std::fs::create_dir_all(&local_in).unwrap();
    std::fs::write(local_in.join("a.txt"), text).unwrap();
    std::fs::write(local_in.join("b.txt"), "be quick\n").unwrap();
    let local_out = crate::support::fresh(dir.join("counts.csv"));
    run_strom(&[
        "run",
        "wordcount",
        "--input",
        local_in.to_str().unwrap(),
        "--output",
        local_out.to_str().unwrap(),
    ]);
    let fetch = format!(
        "import boto3, sys\ns3 = boto3.client('s3', endpoint_url='{endpoint}')\n\
         sys.stdout.buffer.write(s3.get_object(Bucket='strom', Key='out/counts.csv')['Body'].read())\n"
    );
    let mut cmd = Command::new(env.join("bin/python"));
    s3_env(&mut cmd, &endpoint);
    let fetched = cmd.arg("-c").arg(&fetch).output().unwrap();
    assert!(
        fetched.status.success(),
        "{}",
        String::from_utf8_lossy(&fetched.stderr)
    );
    let expected = std::fs::read(&local_out).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&fetched.stdout),
        String::from_utf8_lossy(&expected)
    );
    assert!(String::from_utf8_lossy(&expected).starts_with("word,count\nbe,3\n"));

    // A glob over S3 keys, and a missing key named in the error.
    let mut cmd = strom();
    s3_env(&mut cmd, &endpoint);
    let out = cmd
        .args([
            "run",
            "wordcount",
            "--input",
            "s3://strom/in/b*.txt",
            "--top",
            "1",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("be"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = strom();
    s3_env(&mut cmd, &endpoint);
    let out = cmd
        .args(["run", "wordcount", "--input", "s3://strom/missing/"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("s3://strom/missing/"));
}
