//! `deploy/`: the Kubernetes manifests against the Kubernetes schemas (PyPI's
//! `kubernetes-validate`, strict: no unknown fields) and against the rules that make
//! them fit together (`support/k8s_manifests.py`); and the container entrypoint in a
//! fake pod's environment: the process index from the pod's ordinal or the Indexed
//! Job's index, the host file from the Service's names, `--restore latest` only when
//! the checkpoint folder holds a committed checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{fresh, run_strom, scratch, skip, venv};

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn manifests() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(deploy().join("kubernetes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| !p.ends_with("kustomization.yaml"))
        .collect();
    found.sort();
    found
}

fn validate(env: &Path, version: &str, files: &[PathBuf]) -> Output {
    // As a module: the venv was made in a staging folder, so its scripts' `#!` lines
    // name a folder that is gone.
    Command::new(env.join("bin/python"))
        .args([
            "-m",
            "kubernetes_validate",
            "--strict",
            "--no-warn",
            "--kubernetes-version",
            version,
        ])
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn kubernetes_manifests_validate_and_fit_together() {
    let test = "kubernetes_manifests_validate_and_fit_together";
    let env = match venv("py-kubernetes", &["kubernetes-validate==1.37.0"]) {
        Ok(e) => e,
        Err(why) => return skip(test, &why),
    };
    let files = manifests();
    assert!(files.len() >= 3, "{files:?}");
    // The oldest Kubernetes still widely run, and the newest the validator knows.
    for version in ["1.29.0", "1.37.0"] {
        let out = validate(&env, version, &files);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "against Kubernetes {version}:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for kind in ["statefulset/strom", "job/strom-batch", "service/strom-rest"] {
            assert!(
                text.contains(&format!("passed for resource {kind}")),
                "{text}"
            );
        }
    }
    // The validator refuses what it should: a misspelt field.
    let broken = scratch("deploy-broken").join("streaming.yaml");
    let text = std::fs::read_to_string(deploy().join("kubernetes/streaming.yaml")).unwrap();
    std::fs::write(
        &broken,
        text.replace("publishNotReadyAddresses", "publishNotReadyAdresses"),
    )
    .unwrap();
    assert!(!validate(&env, "1.37.0", &[broken]).status.success());
    let rules = Command::new(env.join("bin/python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/support/k8s_manifests.py"))
        .arg(deploy().join("kubernetes"))
        .output()
        .unwrap();
    assert!(
        rules.status.success(),
        "the manifests do not fit together:\n{}{}",
        String::from_utf8_lossy(&rules.stdout),
        String::from_utf8_lossy(&rules.stderr)
    );
}

/// A fake `strom` for the entrypoint: `strom cluster ...` is the real one; anything
/// else writes its arguments, one a line, to `$FAKE_ARGS`.
fn fake_strom(dir: &Path) -> PathBuf {
    let path = dir.join("fake-strom");
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = cluster ]; then exec '{}' \"$@\"; fi\n\
         printf '%s\\n' \"$@\" > \"$FAKE_ARGS\"\n",
        env!("CARGO_BIN_EXE_strom")
    );
    std::fs::write(&path, script).unwrap();
    let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&path, executable).unwrap();
    path
}

/// What the entrypoint did in a pod with the environment `vars`, running `job`: its
/// output, the host file and the arguments strom got (empty when it did not run).
struct Pod {
    out: Output,
    hosts: String,
    args: Vec<String>,
}

fn pod(dir: &Path, vars: &[(&str, &str)], job: &[&str]) -> Pod {
    let (hosts, args) = (fresh(dir.join("hosts")), fresh(dir.join("args")));
    let mut cmd = Command::new("sh");
    cmd.arg(deploy().join("entrypoint.sh"))
        .args(job)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("STROM_BIN", fake_strom(dir))
        .env("STROM_HOSTS_FILE", &hosts)
        .env("FAKE_ARGS", &args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Pod {
        out,
        hosts: std::fs::read_to_string(&hosts).unwrap_or_default(),
        args: std::fs::read_to_string(&args)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect(),
    }
}

fn stderr(pod: &Pod) -> String {
    String::from_utf8_lossy(&pod.out.stderr).into_owned()
}

#[test]
fn the_entrypoint_runs_the_process_of_its_pod() {
    let dir = scratch("deploy-entrypoint");
    let hosts = dir.join("hosts");
    let hosts = hosts.to_str().unwrap();
    // A StatefulSet's third pod.
    let statefulset = [
        ("HOSTNAME", "strom-2"),
        ("STROM_REPLICAS", "3"),
        (
            "STROM_HOST_PATTERN",
            "strom-{i}.strom.prod.svc.cluster.local:2101",
        ),
    ];
    let p = pod(
        &dir,
        &statefulset,
        &["run", "window-agg", "--window", "tumbling:5s"],
    );
    assert!(p.out.status.success(), "{}", stderr(&p));
    assert_eq!(
        p.hosts,
        "strom-0.strom.prod.svc.cluster.local:2101\n\
         strom-1.strom.prod.svc.cluster.local:2101\n\
         strom-2.strom.prod.svc.cluster.local:2101\n"
    );
    let want = ["run", "window-agg", "--window", "tumbling:5s"];
    let want: Vec<String> = want
        .iter()
        .chain(&["--hosts", hosts, "--process-index", "2"])
        .map(|s| s.to_string())
        .collect();
    assert_eq!(p.args, want);

    // POD_NAME wins over HOSTNAME; an Indexed Job's index wins over both (its pods are
    // named JOB-INDEX-RANDOM).
    let job = [
        ("POD_NAME", "strom-batch-1-x7k2q"),
        ("HOSTNAME", "strom-batch-1"),
        ("JOB_COMPLETION_INDEX", "1"),
        ("STROM_REPLICAS", "2"),
        (
            "STROM_HOST_PATTERN",
            "strom-batch-{i}.strom-batch.ns.svc:7000",
        ),
    ];
    let p = pod(&dir, &job, &["run", "tpch"]);
    assert!(p.out.status.success(), "{}", stderr(&p));
    assert_eq!(
        p.hosts,
        "strom-batch-0.strom-batch.ns.svc:7000\nstrom-batch-1.strom-batch.ns.svc:7000\n"
    );
    assert_eq!(p.args[p.args.len() - 2..], ["--process-index", "1"]);
    let named = [
        ("POD_NAME", "strom-0"),
        ("HOSTNAME", "node-7"),
        ("STROM_REPLICAS", "1"),
        ("STROM_HOST_PATTERN", "s-{i}:2101"),
    ];
    let p = pod(&dir, &named, &["run", "wordcount"]);
    assert_eq!(p.args[p.args.len() - 2..], ["--process-index", "0"]);
    assert_eq!(p.hosts, "s-0:2101\n");

    // Mistakes are named, and nothing runs.
    for (vars, says) in [
        (
            vec![("HOSTNAME", "strom-3"), ("STROM_REPLICAS", "3")],
            "process index 3 (from the pod name 'strom-3') is not below STROM_REPLICAS=3",
        ),
        (
            vec![("HOSTNAME", "strom"), ("STROM_REPLICAS", "3")],
            "cannot tell the process index from the pod name 'strom'",
        ),
        (
            vec![("HOSTNAME", "strom-0")],
            "STROM_REPLICAS must be the number of processes",
        ),
        (
            vec![("HOSTNAME", "strom-0"), ("STROM_REPLICAS", "0")],
            "STROM_REPLICAS must be the number of processes (1 or more), not '0'",
        ),
    ] {
        let mut vars = vars;
        if !vars.iter().any(|(k, _)| *k == "STROM_HOST_PATTERN") {
            vars.push(("STROM_HOST_PATTERN", "strom-{i}.strom:2101"));
        }
        let p = pod(&dir, &vars, &["run", "wordcount"]);
        assert_eq!(p.out.status.code(), Some(64), "{vars:?}: {}", stderr(&p));
        assert!(stderr(&p).contains(says), "{vars:?}: {}", stderr(&p));
        assert!(p.args.is_empty(), "{vars:?}: strom ran");
    }
    let p = pod(
        &dir,
        &[("HOSTNAME", "strom-0"), ("STROM_REPLICAS", "2")],
        &["run", "wordcount"],
    );
    assert!(
        stderr(&p).contains("STROM_HOST_PATTERN is not set"),
        "{}",
        stderr(&p)
    );
    let p = pod(
        &dir,
        &[
            ("HOSTNAME", "strom-0"),
            ("STROM_REPLICAS", "2"),
            ("STROM_HOST_PATTERN", "strom-{i}.strom"),
        ],
        &["run", "wordcount"],
    );
    assert!(
        stderr(&p).contains("does not end in a port"),
        "{}",
        stderr(&p)
    );
    assert!(p.args.is_empty());
}

#[test]
fn the_entrypoint_restores_the_latest_checkpoint_when_there_is_one() {
    let dir = scratch("deploy-entrypoint-restore");
    let checkpoints = fresh(dir.join("checkpoints"));
    std::fs::create_dir_all(&checkpoints).unwrap();
    let chk = checkpoints.to_str().unwrap();
    let vars = [
        ("HOSTNAME", "strom-1"),
        ("STROM_REPLICAS", "2"),
        ("STROM_HOST_PATTERN", "strom-{i}.strom:2101"),
        ("STROM_CHECKPOINT_DIR", chk),
    ];
    let job = ["run", "window-agg"];
    // An empty folder: a first start.
    let p = pod(&dir, &vars, &job);
    assert!(p.out.status.success(), "{}", stderr(&p));
    assert!(!p.args.contains(&"--restore".to_string()), "{:?}", p.args);
    // A folder with committed checkpoints: a restart.
    let input = dir.join("events.csv");
    crate::window_agg::write_events(&input, 2_000, 500);
    let mut args = crate::recovery::window_agg(&input, &fresh(dir.join("out")));
    args.extend(
        [
            "--checkpoint-dir",
            chk,
            "--checkpoint-interval",
            "200ms",
            "--rate",
            "4000",
        ]
        .map(String::from),
    );
    run_strom(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let p = pod(&dir, &vars, &job);
    assert!(p.out.status.success(), "{}", stderr(&p));
    assert_eq!(p.args[p.args.len() - 2..], ["--restore", "latest"]);
    assert!(
        stderr(&p).contains("restoring the latest checkpoint"),
        "{}",
        stderr(&p)
    );
    // Unless told not to (a batch job).
    let mut never = vars.to_vec();
    never.push(("STROM_RESTORE", "never"));
    let p = pod(&dir, &never, &job);
    assert!(!p.args.contains(&"--restore".to_string()), "{:?}", p.args);
}
