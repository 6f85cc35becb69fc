//! The running job's numbers in Prometheus' text exposition format (version 0.0.4).

use std::fmt::Write;

use super::{CheckpointRecord, OperatorView};

/// A label value with `\`, `"` and line breaks escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One metric family: its help, type and one sample per operator.
fn family(
    out: &mut String,
    job: &str,
    name: &str,
    help: &str,
    kind: &str,
    operators: &[OperatorView],
    value: impl Fn(&OperatorView) -> Option<f64>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for op in operators {
        if let Some(v) = value(op) {
            let _ = writeln!(
                out,
                "{name}{{job=\"{}\",operator_id=\"{}\",operator=\"{}\"}} {v}",
                escape(job),
                escape(&op.id),
                escape(&op.name)
            );
        }
    }
}

/// The exposition of a job named `job`, up for `uptime_ms`, with these operators and
/// checkpoints.
pub fn render(
    job: &str,
    uptime_ms: u64,
    operators: &[OperatorView],
    checkpoints: &[CheckpointRecord],
) -> String {
    let mut out = String::new();
    let label = escape(job);
    let _ = writeln!(
        out,
        "# HELP strom_job_uptime_seconds Time since the job started.\n\
         # TYPE strom_job_uptime_seconds gauge\n\
         strom_job_uptime_seconds{{job=\"{label}\"}} {}",
        uptime_ms as f64 / 1000.0
    );
    family(
        &mut out,
        job,
        "strom_operator_records_in_total",
        "Records an operator received.",
        "counter",
        operators,
        |o| Some(o.records_in as f64),
    );
    family(
        &mut out,
        job,
        "strom_operator_records_out_total",
        "Records an operator sent.",
        "counter",
        operators,
        |o| Some(o.records_out as f64),
    );
    family(
        &mut out,
        job,
        "strom_operator_watermark_milliseconds",
        "An operator's event-time watermark (least over its workers).",
        "gauge",
        operators,
        |o| o.watermark.map(|w| w as f64),
    );
    family(
        &mut out,
        job,
        "strom_operator_backpressure_seconds_total",
        "Time an operator's workers were held back by slower operators after them.",
        "counter",
        operators,
        |o| Some(o.backpressure_ms as f64 / 1000.0),
    );
    let mut completed = checkpoints.iter().filter(|c| c.status == "completed");
    let _ = writeln!(
        out,
        "# HELP strom_checkpoints_total Checkpoints by status.\n\
         # TYPE strom_checkpoints_total counter\n\
         strom_checkpoints_total{{job=\"{label}\",status=\"completed\"}} {}\n\
         strom_checkpoints_total{{job=\"{label}\",status=\"failed\"}} {}",
        completed.clone().count(),
        checkpoints.len() - completed.clone().count()
    );
    if let Some(last) = completed.next_back() {
        let _ = writeln!(
            out,
            "# HELP strom_last_checkpoint_duration_seconds The newest completed checkpoint's duration.\n\
             # TYPE strom_last_checkpoint_duration_seconds gauge\n\
             strom_last_checkpoint_duration_seconds{{job=\"{label}\"}} {}\n\
             # HELP strom_last_checkpoint_size_bytes Bytes the newest completed checkpoint wrote.\n\
             # TYPE strom_last_checkpoint_size_bytes gauge\n\
             strom_last_checkpoint_size_bytes{{job=\"{label}\"}} {}",
            last.duration_ms as f64 / 1000.0,
            last.bytes
        );
    }
    out
}
