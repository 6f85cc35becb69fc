// Ten CEP cases run on Apache Flink's own flink-cep (the jars of the PyPI
// `apache-flink` package that `strom-bench setup` installs), to check Strom's answers
// against Flink's where its test suites leave them open or Strom had differed
// (record 0020, decision 10; the same cases are in cep/tests/cep/greedy.rs,
// groups.rs and loop_window.rs with these rows):
//
//     JARS=benches/data/peers/flink/lib/python3.11/site-packages/pyflink/lib
//     javac -cp "$JARS/*" -d /tmp/cep-check benches/peers/FlinkCepCheck.java
//     java -cp "$JARS/*:/tmp/cep-check" FlinkCepCheck
//
// Events are strings whose first letter is their kind, one key, in arrival order
// (processing time) or, for the two loop-window cases, at the event times given; each case
// prints `CASE name [matches]`, a match as `var:events` in pattern order, sorted.

import java.util.*;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.PatternSelectFunction;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

public class FlinkCepCheck {
    static SimpleCondition<String> is(String k) { return SimpleCondition.of(e -> e.startsWith(k)); }
    static void run(String label, Pattern<String, ?> p, String... evs) throws Exception {
        run(label, p, evs, null);
    }
    /** With event times `ts` (one per event, ascending): event time; without: arrival order. */
    static void run(String label, Pattern<String, ?> p, String[] evs, long[] ts) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<String> events = Arrays.asList(evs);
        DataStream<String> s = env.fromData(events).assignTimestampsAndWatermarks(
            WatermarkStrategy.<String>forMonotonousTimestamps().withTimestampAssigner(
                (e, t) -> ts == null ? events.indexOf(e) + 1 : ts[events.indexOf(e)]));
        var stream = CEP.pattern(s.keyBy(e -> 0), p);
        if (ts == null) {
            stream = stream.inProcessingTime();
        }
        DataStream<String> out = stream.select((PatternSelectFunction<String, String>) m -> {
            StringBuilder b = new StringBuilder();
            for (Map.Entry<String, List<String>> en : m.entrySet()) {
                if (b.length() > 0) b.append(' ');
                b.append(en.getKey()).append(':').append(String.join(",", en.getValue()));
            }
            return b.toString();
        });
        List<String> rows = new ArrayList<>();
        try (CloseableIterator<String> it = out.executeAndCollect()) { while (it.hasNext()) rows.add(it.next()); }
        Collections.sort(rows);
        System.out.println("CASE " + label + " " + rows);
    }
    public static void main(String[] a) throws Exception {
        run("group-dup", Pattern.<String>begin("c").where(is("c"))
            .followedBy(Pattern.<String>begin("a").where(is("a")).followedBy("b").where(is("b"))).oneOrMore()
            .followedBy("d").where(is("d")), "c1","a1","b1","x1","a2","b2","d1");
        run("greedy-last", Pattern.<String>begin("s").where(is("s")).followedBy("m").where(is("m")).oneOrMore().optional().greedy(),
            "s1","m1","x1","m2","m3");
        run("greedy-range-last", Pattern.<String>begin("s").where(is("s")).followedBy("m").where(is("m")).times(2,4).greedy(),
            "s1","m1","x1","m2","m3","m4","m5");
        run("greedy-range-max", Pattern.<String>begin("s").where(is("s")).followedBy("m").where(is("m")).times(2,3).greedy()
            .followedBy("e").where(is("e")), "s1","m1","m2","m3","m4","e1");
        run("optional-head", Pattern.<String>begin("a").where(is("a"))
            .next(Pattern.<String>begin("b").where(is("b")).optional().next("c").where(is("c")))
            .next("d").where(is("d")), "a1","c1","d1","a2","b1","c2","d2","a3","x1","c3","d3");
        run("group-until", Pattern.<String>begin("c").where(is("c"))
            .followedBy(Pattern.<String>begin("a").where(is("a")).followedBy("b").where(is("b"))).oneOrMore().until(is("d"))
            .followedBy("d").where(is("d")), "c1","a1","b1","a2","b2","d1","a3","b3","d2");
        run("group-head-range", Pattern.<String, String>begin(Pattern.<String>begin("a").where(is("a")).times(1, 3)
            .followedBy("b").where(is("b"))), "x1","a1","b1","a2","a3","x2","b2");
        run("optional-group-looping-head", Pattern.<String>begin("s").where(is("s"))
            .followedBy(Pattern.<String>begin("a").where(is("a")).oneOrMore()).optional()
            .followedBy("c").where(is("c")), "s1","x1","c1");
        String[] rounds = {"c1","a1","b1","a2","b2","d1"};
        long[] apart = {1, 2, 3, 10, 11, 12};
        run("group-one-or-more-window", Pattern.<String>begin("c").where(is("c"))
            .followedBy(Pattern.<String>begin("a").where(is("a")).followedBy("b").where(is("b")))
            .oneOrMore(Duration.ofMillis(3)).followedBy("d").where(is("d")), rounds, apart);
        run("group-times-window", Pattern.<String>begin("c").where(is("c"))
            .followedBy(Pattern.<String>begin("a").where(is("a")).followedBy("b").where(is("b")))
            .times(2, Duration.ofMillis(3)).followedBy("d").where(is("d")), rounds, apart);
    }
}
