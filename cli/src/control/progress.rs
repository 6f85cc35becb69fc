//! The progress bar of a job reading files: bytes read of the input's total, rate and
//! ETA, drawn on standard error only when it is a terminal (quiet in pipes, logs and
//! tests). The numbers come from strom-core's input counters, which every worker's
//! file reader feeds.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A running progress bar; dropping it clears the bar.
pub struct Progress {
    done: Arc<AtomicBool>,
    drawer: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing when standard error is a terminal (otherwise does nothing).
    pub fn start() -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let drawer = std::io::stderr().is_terminal().then(|| {
            let done = done.clone();
            std::thread::spawn(move || draw(&done))
        });
        Progress { done, drawer }
    }
}

fn draw(done: &AtomicBool) {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
    let style = ProgressStyle::with_template(
        "{bar:30} {binary_bytes}/{binary_total_bytes} read, {binary_bytes_per_sec}, ETA {eta}",
    )
    .expect("a valid template");
    let mut shown = false;
    while !done.load(Ordering::Relaxed) {
        let (read, total) = strom_core::metrics::input_progress();
        if total > 0 {
            if !shown {
                bar.set_style(style.clone());
                shown = true;
            }
            bar.set_length(total);
            bar.set_position(read.min(total));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(d) = self.drawer.take() {
            let _ = d.join();
        }
    }
}
