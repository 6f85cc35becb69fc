// The `any` CEP pattern of `strom-bench cep` on Apache Flink's Java CEP library (the
// jars of the PyPI `apache-flink` package; Flink SQL has no followed_by_any):
//
//     java -cp 'pyflink/lib/*:CLASSES' FlinkCepAny WORKERS EVENTS_CSV OUT WINDOW_MS
//
// EVENTS_CSV has rows `key,kind,time_ms` in time order (monotonous watermarks).
// Pattern per key: A (kind 0) followedByAny B (kind 1) oneOrMore followedBy C (kind 2)
// within WINDOW_MS. Matches go to the file OUT as `key,a_time,b_count,c_time`. The
// last line printed is `STROM_BENCH {"processing_s": ...}` (from building the job to
// its last match written).

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.PatternSelectFunction;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

public class FlinkCepAny {
    public static void main(String[] args) throws Exception {
        int workers = Integer.parseInt(args[0]);
        Path input = Path.of(args[1]);
        Path out = Path.of(args[2]);
        long window = Long.parseLong(args[3]);
        List<Tuple3<Integer, Integer, Long>> events = new ArrayList<>();
        for (String line : Files.readAllLines(input)) {
            String[] f = line.split(",");
            events.add(Tuple3.of(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2])));
        }
        long started = System.nanoTime();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(workers);
        DataStream<Tuple3<Integer, Integer, Long>> stream = env.fromData(events)
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Tuple3<Integer, Integer, Long>>forMonotonousTimestamps()
                    .withTimestampAssigner((e, t) -> e.f2));
        Pattern<Tuple3<Integer, Integer, Long>, ?> pattern =
            Pattern.<Tuple3<Integer, Integer, Long>>begin("a")
                .where(SimpleCondition.of(e -> e.f1 == 0))
                .followedByAny("b")
                .where(SimpleCondition.of(e -> e.f1 == 1))
                .oneOrMore()
                .followedBy("c")
                .where(SimpleCondition.of(e -> e.f1 == 2))
                .within(Duration.ofMillis(window));
        DataStream<String> rows = CEP.pattern(stream.keyBy(e -> e.f0), pattern)
            .inEventTime()
            .select(new PatternSelectFunction<Tuple3<Integer, Integer, Long>, String>() {
                @Override
                public String select(java.util.Map<String, List<Tuple3<Integer, Integer, Long>>> m) {
                    Tuple3<Integer, Integer, Long> a = m.get("a").get(0);
                    return a.f0 + "," + a.f2 + "," + m.get("b").size() + "," + m.get("c").get(0).f2;
                }
            });
        try (CloseableIterator<String> it = rows.executeAndCollect();
             BufferedWriter w = Files.newBufferedWriter(out)) {
            while (it.hasNext()) {
                w.write(it.next());
                w.newLine();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.println("STROM_BENCH {\"processing_s\": " + seconds + "}");
    }
}
