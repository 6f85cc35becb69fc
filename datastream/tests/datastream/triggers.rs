//! Count windows, global windows with triggers and evictors, and the process window
//! function, against hand-computed results and against the incremental windows.

use std::collections::BTreeMap;
use std::hash::Hash;
use std::time::Duration;

use strom_core::RuntimeConfig;
use strom_datastream::window::triggered::{
    Assigner, DeltaTrigger, EventTimeTrigger, TimeEvictor, Trigger, TriggerContext, TriggerResult,
    Window,
};
use strom_datastream::{WatermarkStrategy, execute};

/// `(key, value)` records in order on one worker, event time = position * 1,000.
fn in_order(values: &[(u32, i64)]) -> Vec<(i64, (u32, i64))> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i64 * 1_000, *v))
        .collect()
}

type Sums = Vec<(u32, i64)>;

/// Builds a stream from keyed records.
type Pick = for<'s> fn(
    strom_datastream::KeyedStream<'s, (u32, i64), u32>,
) -> strom_datastream::DataStream<'s, (u32, i64)>;

fn sums_of(pick: Pick, values: &[(u32, i64)]) -> Sums {
    let events = in_order(values);
    execute(&RuntimeConfig::default().with_workers(1), move |env| {
        pick(
            env.from_timestamped(events.clone(), WatermarkStrategy::monotonous())
                .key_by(|r: &(u32, i64)| r.0),
        )
    })
    .unwrap()
    .unwrap()
}

#[test]
fn count_windows_fire_every_n_elements_per_key() {
    let values = [
        (1, 1),
        (2, 10),
        (1, 2),
        (1, 3),
        (2, 20),
        (1, 4),
        (2, 30),
        (1, 5),
        (1, 6),
        (1, 7),
    ];
    let tumbling = sums_of(
        |k| {
            k.count_window(3)
                .reduce(|a, b| (a.0, a.1 + b.1))
                .map(|w| w.value)
        },
        &values,
    );
    // Key 1: 1+2+3, 4+5+6 (7 waits); key 2: 10+20+30.
    assert_eq!(tumbling, [(1, 6), (2, 60), (1, 15)]);
    let sliding = sums_of(
        |k| {
            k.sliding_count_window(3, 2)
                .reduce(|a, b| (a.0, a.1 + b.1))
                .map(|w| w.value)
        },
        &values,
    );
    // Key 1 every 2nd element, the last 3: [1,2], [2,3,4], [4,5,6]; key 2: [10,20].
    assert_eq!(sliding, [(1, 3), (2, 30), (1, 9), (1, 15)]);
}

#[test]
fn a_delta_trigger_with_a_time_evictor_gives_the_top_speed_of_the_last_stretch() {
    // (car, speed) at 1 s steps; fire when the speed moved by more than 10 since the
    // last firing, over the elements of the last 3 s.
    let values = [
        (0, 50),
        (0, 55),
        (0, 58),
        (0, 70),
        (0, 65),
        (0, 40),
        (0, 45),
    ];
    let top = sums_of(
        |k| {
            k.global_window()
                .trigger(DeltaTrigger::new(10.0, |a: &(u32, i64), b: &(u32, i64)| {
                    (a.1 - b.1).abs() as f64
                }))
                .evictor(TimeEvictor::of(Duration::from_secs(3)))
                .reduce(|a, b| if b.1 > a.1 { b } else { a })
                .map(|w| w.value)
        },
        &values,
    );
    // 70 fires (|70-50| > 10): top of 55, 58, 70; 40 fires (|40-70|): top of 70, 65, 40.
    assert_eq!(top, [(0, 70), (0, 70)]);
}

/// Fires a key's window on a record with value 0 (a punctuation), and purges it.
struct OnZero;

impl Trigger<(u32, i64)> for OnZero {
    type State = ();
    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        element: &(u32, i64),
        _: i64,
        _: Window,
        _: &mut (),
        _: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        if element.1 == 0 {
            TriggerResult::FireAndPurge
        } else {
            TriggerResult::Continue
        }
    }
}

#[test]
fn custom_triggers_and_the_process_window_function() {
    let values = [(1, 4), (1, 5), (2, 7), (1, 0), (1, 9), (2, 0), (1, 0)];
    let lists = sums_of(
        |k| {
            k.global_window()
                .trigger(OnZero)
                .process(|key, _, elements| {
                    vec![(
                        *key,
                        elements.iter().map(|e| e.1.1).sum::<i64>() * 100 + elements.len() as i64,
                    )]
                })
                .map(|w| w.value)
        },
        &values,
    );
    assert_eq!(lists, [(1, 903), (2, 702), (1, 902)]);
}

#[test]
fn event_time_windows_by_trigger_equal_the_incremental_ones() {
    let mut s = 17u64;
    let events: Vec<(i64, (u32, i64))> = (0..5_000)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (
                i * 3 - (s % 400) as i64,
                ((s >> 40) as u32 % 6, (s % 100) as i64),
            )
        })
        .collect();
    let run = |by_trigger: bool| {
        let events = events.clone();
        let mut rows = execute(&RuntimeConfig::default().with_workers(3), move |env| {
            let keyed = env
                .from_timestamped(
                    events.clone(),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(400)),
                )
                .key_by(|r: &(u32, i64)| r.0);
            if by_trigger {
                keyed
                    .windows(
                        Assigner::sliding(Duration::from_secs(1), Duration::from_millis(500)),
                        EventTimeTrigger,
                    )
                    .process(|_, _, els| {
                        vec![(els.len() as u64, els.iter().map(|e| e.1.1).sum::<i64>())]
                    })
                    .map(|w| (w.key, w.start, w.end, w.value))
            } else {
                keyed
                    .sliding_window(Duration::from_secs(1), Duration::from_millis(500))
                    .aggregate(|| (0u64, 0i64), |a, r| *a = (a.0 + 1, a.1 + r.1), |a| a)
                    .map(|w| (w.key, w.start, w.end, w.value))
            }
        })
        .unwrap()
        .unwrap();
        rows.sort_unstable();
        rows
    };
    let (a, b) = (run(true), run(false));
    assert!(a.len() > 100);
    assert_eq!(a, b);
    let per_key: BTreeMap<u32, usize> = a.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.0).or_default() += 1;
        m
    });
    assert_eq!(per_key.len(), 6);
}
