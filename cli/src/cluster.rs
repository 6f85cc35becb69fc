//! Starting a local cluster: `strom run ... --processes N` (without `--hosts`) re-runs
//! itself N times, wired as a timely cluster on 127.0.0.1, and supervises the processes.

use std::process::{Child, Command};
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// Runs this command line as `processes` local processes and waits for all of them.
/// Fails (and stops the others) as soon as one fails.
pub fn run_local_cluster(processes: usize) -> Result<()> {
    let addresses = strom_core::config::free_local_addresses(processes)?;
    let exe = std::env::current_exe().context("cannot find the strom executable")?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut children: Vec<Child> = Vec::new();
    for index in 0..processes {
        let child = Command::new(&exe)
            .args(&args)
            .arg("--process-index")
            .arg(index.to_string())
            .arg("--cluster-addresses")
            .arg(addresses.join(","))
            .spawn()
            .with_context(|| format!("cannot start process {index}"));
        match child {
            Ok(c) => children.push(c),
            Err(e) => {
                stop_all(&mut children);
                return Err(e);
            }
        }
    }
    let mut running: Vec<Option<Child>> = children.into_iter().map(Some).collect();
    loop {
        let mut alive = 0;
        for (index, slot) in running.iter_mut().enumerate() {
            let Some(child) = slot.as_mut() else { continue };
            match child.try_wait()? {
                None => alive += 1,
                Some(status) if status.success() => *slot = None,
                Some(status) => {
                    *slot = None;
                    let mut rest: Vec<Child> = running.iter_mut().filter_map(Option::take).collect();
                    stop_all(&mut rest);
                    bail!("process {index} of {processes} failed ({status})");
                }
            }
        }
        if alive == 0 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop_all(children: &mut [Child]) {
    for child in children.iter_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}
