//! `s3://` input and output against a local S3-compatible server (moto, from PyPI), which
//! the test starts and stops itself.

use crate::support::{LocalS3, run_strom, scratch, skip, strom};

#[test]
fn wordcount_reads_and_writes_s3() {
    let server = match LocalS3::start() {
        Ok(s) => s,
        Err(why) => return skip("wordcount_reads_and_writes_s3", &why),
    };

    // Bucket and input objects, made with boto3 (an independent S3 client).
    let dir = scratch("s3");
    let text = "to be or not to be\nthat is the question\n";
    server.boto3(&format!(
        "s3.create_bucket(Bucket='strom')\n\
         s3.put_object(Bucket='strom', Key='in/a.txt', Body=b'{}')\n\
         s3.put_object(Bucket='strom', Key='in/b.txt', Body=b'be quick\\n')\n",
        text.replace('\n', "\\n")
    ));

    let mut cmd = strom();
    let out = server
        .env(&mut cmd)
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
    let fetched = server.boto3(
        "sys.stdout.buffer.write(s3.get_object(Bucket='strom', Key='out/counts.csv')['Body'].read())\n",
    );
    let expected = std::fs::read(&local_out).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&fetched),
        String::from_utf8_lossy(&expected)
    );
    assert!(String::from_utf8_lossy(&expected).starts_with("word,count\nbe,3\n"));

    // A glob over S3 keys, and a missing key named in the error.
    let mut cmd = strom();
    let out = server
        .env(&mut cmd)
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
    let out = server
        .env(&mut cmd)
        .args(["run", "wordcount", "--input", "s3://strom/missing/"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("s3://strom/missing/"));
}
