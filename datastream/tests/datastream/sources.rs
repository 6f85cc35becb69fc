//! Sources: idle splits (with and without an idleness timeout), a split of two
//! ordered inputs read one ahead of the other (per-input watermarks), the
//! generator's rate, ingestion time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strom_core::RuntimeConfig;
use strom_datastream::{
    DataStream, Generator, Poll, Reached, SplitReader, Timestamps, WatermarkStrategy, execute,
};

/// A split that gives records on a wall-clock schedule: `(after ms, records)`, and
/// ends after `end_ms`.
struct Scripted {
    start: Instant,
    steps: Vec<(u64, Vec<(i64, char)>)>,
    end_ms: u64,
}

impl SplitReader<(i64, char)> for Scripted {
    /// Not replayable.
    type Position = ();

    fn read(&mut self, out: &mut Vec<(i64, char)>, _: usize) -> Poll {
        let now = self.start.elapsed().as_millis() as u64;
        while self.steps.first().is_some_and(|s| s.0 <= now) {
            out.extend(self.steps.remove(0).1);
        }
        if !out.is_empty() {
            return Poll::Ready;
        }
        let next = self.steps.first().map_or(self.end_ms, |s| s.0);
        if now >= self.end_ms && self.steps.is_empty() {
            return Poll::Done;
        }
        Poll::Pending(Duration::from_millis(next.saturating_sub(now).clamp(1, 20)))
    }

    fn position(&self) {}
}

/// A fired window `(key, start, count, wall-clock ms)`.
type Fired = (char, i64, u64, u64);

/// A window `(key, start, count)`.
type Window = (char, i64, u64);

/// 1 s tumbling counts per key over the splits `split(worker)` made (at `workers`
/// workers, watermarks by `strategy`): each window `(key, start, count)` with the
/// wall-clock ms since `start` when it came out, sorted, and the late records.
fn counted<R: SplitReader<(i64, char)>>(
    workers: usize,
    strategy: WatermarkStrategy,
    start: Instant,
    split: impl Fn(usize) -> R + Send + Sync + 'static,
) -> (Vec<Fired>, Vec<(i64, char)>) {
    let fired = Arc::new(Mutex::new(Vec::new()));
    let late = Arc::new(Mutex::new(Vec::new()));
    let (f, l) = (fired.clone(), late.clone());
    execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let stamp = Timestamps::Event(std::rc::Rc::new(|r: &(i64, char)| r.0));
            let windowed = env
                .source("Scripted", split(env.index()), stamp, strategy.clone())
                .key_by(|r: &(i64, char)| r.1)
                .tumbling_window(Duration::from_secs(1))
                .aggregate_with_late(|| 0u64, |n, _| *n += 1, |n| n);
            let (f, l) = (f.clone(), l.clone());
            windowed.results.map(move |w| {
                let at = start.elapsed().as_millis() as u64;
                f.lock().unwrap().push((w.key, w.start, w.value, at));
            });
            windowed.late.map(move |r| l.lock().unwrap().push(r));
            env.from_timestamped(Vec::<(i64, ())>::new(), WatermarkStrategy::monotonous())
        },
    )
    .unwrap();
    let mut fired = fired.lock().unwrap().clone();
    fired.sort();
    let late = late.lock().unwrap().clone();
    (fired, late)
}

/// Worker 0's split gives 'a' at 0, 100, ..., 4,900 ms of event time over the first
/// second of wall time and ends at 1.2 s; worker 1's gives nothing until 2 s, then a
/// record behind the watermark and one ahead of it, and ends at 2.5 s.
fn run_idle(strategy: WatermarkStrategy) -> (Vec<Fired>, Vec<(i64, char)>) {
    let start = Instant::now();
    counted(2, strategy, start, move |worker| {
        if worker == 0 {
            Scripted {
                start,
                steps: (0..50)
                    .map(|i| (i * 20, vec![(i as i64 * 100, 'a')]))
                    .collect(),
                end_ms: 1_200,
            }
        } else {
            Scripted {
                start,
                steps: vec![(2_000, vec![(100, 'b'), (10_000, 'b')])],
                end_ms: 2_500,
            }
        }
    })
}

#[test]
fn an_idle_split_holds_the_watermark_only_without_an_idleness_timeout() {
    let (fired, late) =
        run_idle(WatermarkStrategy::monotonous().with_idleness(Duration::from_millis(100)));
    let windows: Vec<(char, i64, u64)> = fired.iter().map(|w| (w.0, w.1, w.2)).collect();
    let mut want: Vec<(char, i64, u64)> = (0..5).map(|s| ('a', s * 1_000, 10)).collect();
    want.push(('b', 10_000, 1));
    assert_eq!(windows, want);
    // With worker 1 idle, a's windows up to [3 s, 4 s) fire while worker 0 reads,
    // long before worker 1 wakes at 2 s.
    for w in &fired[..4] {
        assert!(w.3 < 1_900, "{w:?} fired only at {} ms", w.3);
    }
    // Back from idleness, worker 1 joins at the watermark: its record at 100 ms is late.
    assert_eq!(late, [(100, 'b')]);

    let (held, late) = run_idle(WatermarkStrategy::monotonous());
    assert!(
        held.iter().all(|w| w.3 >= 2_000),
        "without idleness nothing fires before worker 1 has records: {held:?}"
    );
    assert!(
        late.is_empty(),
        "no watermark passed 100 ms before b's records"
    );
    assert_eq!(held.len(), 7, "b's record at 100 ms counts: {held:?}");
}

/// A split of two inputs, each in time order ('a' and 'b', an event every 100 ms of
/// event time from 0 to 4,900): it gives all of 'a' at once, and all of 'b' 400 ms
/// of wall time later (two watermark intervals). With `per_input` it says how far
/// the lesser input has come ([`SplitReader::reached`]).
struct TwoInputs {
    start: Instant,
    given: [Option<i64>; 2],
    per_input: bool,
}

impl SplitReader<(i64, char)> for TwoInputs {
    type Position = ();

    fn read(&mut self, out: &mut Vec<(i64, char)>, _: usize) -> Poll {
        let events = |c: char| (0..50).map(move |i| (i * 100, c));
        match self.given {
            [None, _] => {
                out.extend(events('a'));
                self.given[0] = Some(4_900);
                Poll::Ready
            }
            [_, None] if self.start.elapsed() >= Duration::from_millis(400) => {
                out.extend(events('b'));
                self.given[1] = Some(4_900);
                Poll::Ready
            }
            [_, None] => Poll::Pending(Duration::from_millis(20)),
            _ => Poll::Done,
        }
    }

    fn position(&self) {}

    fn reached(&self) -> Reached {
        match self.given {
            _ if !self.per_input => Reached::Greatest,
            [a, b] => Reached::Least(a.zip(b).map(|(a, b)| a.min(b))),
        }
    }
}

/// Windows `(key, start, count)` and late records of 1 s tumbling counts over
/// [`TwoInputs`].
fn two_inputs(per_input: bool) -> (Vec<Window>, Vec<(i64, char)>) {
    let start = Instant::now();
    let split = move |_| TwoInputs {
        start,
        given: [None, None],
        per_input,
    };
    let (fired, late) = counted(1, WatermarkStrategy::monotonous(), start, split);
    (fired.iter().map(|w| (w.0, w.1, w.2)).collect(), late)
}

#[test]
fn a_split_of_two_inputs_that_says_how_far_the_lesser_came_loses_nothing_as_late() {
    let (fired, late) = two_inputs(true);
    let want: Vec<Window> = ['a', 'b']
        .iter()
        .flat_map(|&c| (0..5).map(move |s| (c, s * 1_000, 10)))
        .collect();
    assert_eq!(fired, want);
    assert!(late.is_empty(), "{late:?}");
    // The same split judged by the greatest event time it gave: 'a' read ahead
    // moves the watermark to 4,899 ms, and every 'b' of the windows it closed (up
    // to [3 s, 4 s)) is late.
    let (_, late) = two_inputs(false);
    let want: Vec<(i64, char)> = (0..40).map(|i| (i * 100, 'b')).collect();
    assert_eq!(late, want);
}

#[test]
fn a_failing_worker_fails_the_job_with_its_message_and_stops_the_others() {
    let start = Instant::now();
    // Worker 0 makes the even indices; only it fails, at 500, while worker 1 goes on.
    let result = execute(&RuntimeConfig::default().with_workers(2), |env| {
        env.generate(
            Generator {
                count: Some(100_000),
                rate: Some(20_000.0),
            },
            |i| i,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .map(|i| {
            assert!(i != 500, "bad record {i}");
            i
        })
    });
    let message = result.unwrap_err().to_string();
    assert!(message.contains("bad record 500"), "{message}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "the other worker stopped at once, not after its 5 s of input"
    );
}

#[test]
fn the_generator_keeps_its_rate_and_gives_every_index_once() {
    let start = Instant::now();
    let mut got = execute(&RuntimeConfig::default().with_workers(2), |env| {
        env.generate(
            Generator {
                count: Some(1_000),
                rate: Some(2_000.0),
            },
            |i| i,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .with_timestamps()
    })
    .unwrap()
    .unwrap();
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(450),
        "{elapsed:?} for 1,000 at 2,000/s"
    );
    got.sort_by_key(|r| r.1);
    assert_eq!(
        got.iter().map(|r| r.1).collect::<Vec<_>>(),
        (0..1_000).collect::<Vec<_>>()
    );
    // Ingestion time: the clock when read, climbing with the index on each split.
    let span = got.last().unwrap().0 - got[0].0;
    assert!((300..5_000).contains(&span), "stamped over {span} ms");
    for split in 0..2u64 {
        let times: Vec<i64> = got
            .iter()
            .filter(|r| r.1 % 2 == split)
            .map(|r| r.0)
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }
}

#[test]
fn file_sinks_roll_parts_and_socket_sinks_get_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut text = String::new();
        // One connection per worker.
        for _ in 0..2 {
            let (mut c, _) = server.accept().unwrap();
            c.read_to_string(&mut text).unwrap();
        }
        text
    });
    let sink_url = url.clone();
    strom_datastream::run(&RuntimeConfig::default().with_workers(2), move |env| {
        let numbers = env.from_collection((0..1_000u32).collect::<Vec<_>>());
        let mut files = strom_datastream::FileSink::new(sink_url.clone());
        files.max_part_bytes = 1_000;
        files.header = Some("n".into());
        files.suffix = ".csv".into();
        numbers.write_lines(strom_datastream::LineSink::Files(files), |n| n.to_string());
        numbers.write_lines(strom_datastream::LineSink::Socket(addr.clone()), |n| {
            format!("s{n}")
        });
    })
    .unwrap();
    let mut seen = Vec::new();
    let mut parts = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            name.starts_with("part-") && name.ends_with(".csv"),
            "{name}"
        );
        assert!(text.starts_with("n\n"), "{name} has its header");
        assert!(
            text.len() < 1_000 + 5,
            "{name} rolled at 1,000 bytes: {}",
            text.len()
        );
        seen.extend(text.lines().skip(1).map(|l| l.parse::<u32>().unwrap()));
        parts += 1;
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..1_000).collect::<Vec<_>>());
    assert!(parts >= 4, "{parts} parts");
    let mut lines: Vec<u32> = reader
        .join()
        .unwrap()
        .lines()
        .map(|l| l.strip_prefix('s').unwrap().parse().unwrap())
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, (0..1_000).collect::<Vec<_>>());
}

/// A job failing while a part is open leaves no in-progress file behind.
#[test]
fn a_failed_file_sink_leaves_no_part_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let sink_url = dir.path().to_str().unwrap().to_string();
    let result = strom_datastream::run(&RuntimeConfig::default().with_workers(2), move |env| {
        let numbers = env.from_collection((0..1_000u32).collect::<Vec<_>>());
        numbers.write_lines(
            strom_datastream::LineSink::Files(strom_datastream::FileSink::new(sink_url.clone())),
            |n| {
                assert!(*n != 700, "a bad record");
                n.to_string()
            },
        );
    });
    assert!(result.is_err(), "the job fails");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        left.iter().all(|name| !name.contains("inprogress")),
        "{left:?}"
    );
}

#[test]
fn partitioning_global_rebalance_shuffle_broadcast() {
    fn per_worker(how: for<'s> fn(&DataStream<'s, u32>) -> DataStream<'s, u32>) -> [usize; 3] {
        let got = execute(&RuntimeConfig::default().with_workers(3), move |env| {
            let index = env.index();
            how(&env.from_collection((0..3_000u32).collect::<Vec<_>>())).map(move |n| (index, n))
        })
        .unwrap()
        .unwrap();
        let mut counts = [0usize; 3];
        for (w, _) in &got {
            counts[*w] += 1;
        }
        counts
    }
    assert_eq!(per_worker(|s| s.global()), [3_000, 0, 0]);
    assert_eq!(per_worker(|s| s.rebalance()), [1_000, 1_000, 1_000]);
    let shuffled = per_worker(|s| s.shuffle());
    assert_eq!(shuffled.iter().sum::<usize>(), 3_000);
    assert!(shuffled.iter().all(|&c| c > 800), "{shuffled:?}");
    assert_eq!(per_worker(|s| s.broadcast()), [3_000, 3_000, 3_000]);
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Reading {
    sensor: String,
    ts: i64,
    value: f64,
}

fn readings(
    url: String,
    format: strom_datastream::FileFormat,
    workers: usize,
) -> strom_core::Result<Vec<Reading>> {
    let rows = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            env.read_files(
                &url,
                format,
                strom_datastream::FileMode::Bounded,
                Timestamps::Event(std::rc::Rc::new(|r: &Reading| r.ts)),
                WatermarkStrategy::monotonous(),
            )
        },
    )?;
    let mut rows = rows.unwrap();
    rows.sort_by_key(|r| r.ts);
    Ok(rows)
}

#[test]
fn file_sources_read_csv_and_parquet_folders_and_name_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut want = Vec::new();
    for f in 0..3 {
        let mut text = String::from("sensor,ts,value\n");
        for i in 0..100 {
            let r = Reading {
                sensor: format!("s{}", i % 4),
                ts: f * 1_000 + i,
                value: i as f64 / 2.0,
            };
            text.push_str(&format!("{},{},{}\n", r.sensor, r.ts, r.value));
            want.push(r);
        }
        std::fs::write(dir.path().join(format!("part-{f}.csv")), text).unwrap();
    }
    let url = dir.path().to_str().unwrap().to_string();
    let csv = strom_datastream::FileFormat::Csv { header: true };
    for workers in [1, 2] {
        assert_eq!(readings(url.clone(), csv, workers).unwrap(), want);
    }
    // The same rows as Parquet.
    let pq = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(pq.path().join("readings.parquet")).unwrap();
    let mut writer = strom_core::formats::parquet::ParquetFileWriter::new(file);
    for r in &want {
        writer.write(r).unwrap();
    }
    writer.finish().unwrap();
    let parquet = strom_datastream::FileFormat::Parquet;
    assert_eq!(
        readings(pq.path().to_str().unwrap().into(), parquet, 2).unwrap(),
        want
    );
    // A bad row fails the job naming its file and line.
    std::fs::write(
        dir.path().join("part-9.csv"),
        "sensor,ts,value\ns1,5,1.0\ns2,soon,2.0\n",
    )
    .unwrap();
    let err = readings(url, csv, 2).unwrap_err().to_string();
    assert!(err.contains("part-9.csv:3"), "{err}");
}

#[test]
fn a_monitored_folder_gives_files_that_appear_later() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "one\ntwo\n").unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let later = dir.path().to_path_buf();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        // Written under a hidden name, then renamed: never read half-written.
        std::fs::write(later.join(".b.txt"), "three\r\nfour").unwrap();
        std::fs::rename(later.join(".b.txt"), later.join("b.txt")).unwrap();
    });
    let mut lines = execute(&RuntimeConfig::default().with_workers(2), move |env| {
        let mode = strom_datastream::FileMode::Monitor {
            interval: Duration::from_millis(50),
            idle_timeout: Some(Duration::from_millis(1_500)),
        };
        env.read_text_file(&url, mode)
    })
    .unwrap()
    .unwrap();
    writer.join().unwrap();
    lines.sort();
    assert_eq!(lines, ["four", "one", "three", "two"]);
}

#[test]
fn processing_time_sessions_close_after_the_gap_on_the_clock() {
    let start = Instant::now();
    let mut got = execute(&RuntimeConfig::default().with_workers(2), move |env| {
        let steps = if env.index() == 0 {
            vec![
                (0, vec![(0, 'a'), (0, 'a'), (0, 'b')]),
                (50, vec![(0, 'a')]),
                (900, vec![(0, 'a')]),
            ]
        } else {
            vec![]
        };
        let split = Scripted {
            start,
            steps,
            end_ms: 1_800,
        };
        env.source(
            "Scripted",
            split,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .key_by(|r: &(i64, char)| r.1)
        .processing_session_window(Duration::from_millis(400))
        .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
        .map(|w| (w.key, w.value, w.end - w.start))
    })
    .unwrap()
    .unwrap();
    got.sort();
    // a: three records then quiet for 850 ms (two sessions); b: one. A session lasts
    // from its first record to its last plus the gap.
    let counts: Vec<(char, u64)> = got.iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(counts, [('a', 1), ('a', 3), ('b', 1)], "{got:?}");
    assert!(got.iter().all(|r| r.2 >= 400 && r.2 < 700), "{got:?}");
}
