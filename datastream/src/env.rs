//! Running a streaming job: the per-worker [`StreamEnv`] that builds the dataflow, and
//! [`execute`], which runs it until its sources end and gathers the result.

use std::rc::Rc;

use strom_core::time::{ProcessingClock, StreamTime};
use strom_core::timely::dataflow::Scope;
use strom_core::timely::dataflow::channels::pact::Exchange;
use strom_core::timely::dataflow::operators::generic::Operator;
use strom_core::{Result, RuntimeConfig, launch};

use crate::stream::{Data, DataStream, Timestamped};

/// The handle a streaming job's build function gets on every worker: sources start
/// here. The build function must build the same dataflow on every worker.
#[derive(Clone)]
pub struct StreamEnv<'s> {
    pub(crate) scope: Scope<'s, StreamTime>,
    pub(crate) config: RuntimeConfig,
    pub(crate) clock: ProcessingClock,
    pub(crate) watermark_interval: std::time::Duration,
    pub(crate) checkpoints: crate::checkpoint::Shared<'s>,
    pub(crate) flow: crate::flow::Flow,
}

/// Flink's default auto-watermark interval.
pub const AUTO_WATERMARK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

impl<'s> StreamEnv<'s> {
    /// This worker's index among all workers of the job.
    pub fn index(&self) -> usize {
        self.scope.index()
    }

    /// The number of workers in the job.
    pub fn peers(&self) -> usize {
        self.scope.peers()
    }

    /// The timely scope the job is built in, for a library's own operators (wrap their
    /// output with `DataStream::from_stream`). Unstable: see [`crate::unstable`].
    pub fn scope(&self) -> crate::unstable::RawScope<'s> {
        self.scope
    }

    /// The job's configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// The processing clock operators built from this handle read.
    pub fn clock(&self) -> &ProcessingClock {
        &self.clock
    }

    /// This handle with another auto-watermark interval: how often live sources move
    /// their watermark (processing time; Flink's `setAutoWatermarkInterval`, 200 ms by
    /// default).
    #[must_use]
    pub fn with_auto_watermark_interval(&self, interval: std::time::Duration) -> Self {
        StreamEnv {
            watermark_interval: interval,
            ..self.clone()
        }
    }

    /// This handle with another processing clock (a manual one in tests): streams
    /// built from it and what follows them read it.
    #[must_use]
    pub fn with_processing_clock(&self, clock: ProcessingClock) -> Self {
        StreamEnv {
            clock,
            ..self.clone()
        }
    }
}

/// Committed checkpoints kept (older ones are deleted).
pub(crate) const RETAINED_CHECKPOINTS: usize = 3;

/// The checkpointing a configuration asks for, with the checkpoint to restore.
/// On the first worker (`announce`), says on standard error which checkpoint it
/// restores.
fn checkpointing<'s>(
    config: &RuntimeConfig,
    announce: bool,
) -> Result<Option<crate::checkpoint::Checkpointing<'s>>> {
    use crate::checkpoint::{Checkpointing, resolve_restore};
    let restore = config
        .restore
        .as_ref()
        .map(|r| resolve_restore(r, config.checkpoint_dir.as_deref()))
        .transpose()?;
    let job = config.job_name.clone().unwrap_or_default();
    if let Some(r) = &restore
        && r.marker.job != job
    {
        return Err(strom_core::Error::Config(format!(
            "{} was written by job {:?}, not by {job:?}: it cannot be restored here",
            r.url, r.marker.job
        )));
    }
    if let Some(r) = &restore
        && announce
    {
        eprintln!(
            "restoring from {} (checkpoint {}{})",
            r.url,
            r.marker.epoch,
            match r.marker.taken_ms {
                0 => String::new(),
                ms => format!(", taken {}", strom_core::time::utc_text(ms)),
            }
        );
    }
    let checkpointing = match (config.checkpoint_interval, &config.checkpoint_dir) {
        (Some(interval), Some(dir)) => Some(Checkpointing::new(interval, dir.clone(), restore)),
        _ => restore.map(|r| Checkpointing::new(std::time::Duration::MAX, r.url.clone(), Some(r))),
    };
    checkpointing
        .map(|mut c| {
            c.job = job;
            c.run_id = config.run_id.clone();
            c.after_earlier_runs()
        })
        .transpose()
}

/// Runs a streaming job until its sources end: `build` makes the dataflow on every
/// worker and attaches its sinks.
///
/// # Errors
/// When the workers cannot start or one fails (a sink that cannot write names what).
pub fn run<F>(config: &RuntimeConfig, build: F) -> Result<()>
where
    F: for<'s> Fn(&StreamEnv<'s>) + Send + Sync + 'static,
{
    let worker_config = config.clone();
    launch::execute(config, move |worker| {
        let config = worker_config.clone();
        worker.dataflow_named::<StreamTime, _, _>("strom-stream", |scope| {
            let checkpoints =
                checkpointing(&config, scope.index() == 0).unwrap_or_else(|e| panic!("{e}"));
            let env = StreamEnv {
                scope,
                config: config.clone(),
                clock: ProcessingClock::System,
                watermark_interval: AUTO_WATERMARK_INTERVAL,
                checkpoints: checkpoints.map(Rc::new),
                flow: Default::default(),
            };
            build(&env);
            if let Some(c) = &env.checkpoints {
                c.build_committer(scope, env.peers(), config.key_groups, RETAINED_CHECKPOINTS);
                strom_core::metrics::group_built(&scope, None, Some("Checkpoints"));
            }
        });
        strom_core::launch::drive(worker);
    })?;
    Ok(())
}

/// Runs a streaming job whose sources end: `build` makes the dataflow on every worker,
/// and the records of the stream it returns are gathered on the driver (worker 0 of
/// process 0), which gets them; other processes get `None`.
///
/// # Errors
/// When the workers cannot start or one panics.
pub fn execute<O, F>(config: &RuntimeConfig, build: F) -> Result<Option<Vec<O>>>
where
    O: Data + Send,
    F: for<'s> Fn(&StreamEnv<'s>) -> DataStream<'s, O> + Send + Sync + 'static,
{
    let gathered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = gathered.clone();
    run(config, move |env| {
        let sink = sink.clone();
        build(env).stream.sink(
            Exchange::new(|_: &Timestamped<O>| 0),
            "Collect",
            move |(input, _)| {
                input.for_each(|_, data| {
                    sink.lock()
                        .expect("no panics while collecting")
                        .extend(data.drain(..).map(|r| r.value));
                });
            },
        );
    })?;
    let rows = std::mem::take(&mut *gathered.lock().expect("the job is over"));
    Ok((config.process_index == 0).then_some(rows))
}
