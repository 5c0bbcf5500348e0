"""The streamlab replay settings as a PyFlink DataStream job ({{SETTINGS}}).

Run: python job.py EVENTS.csv   (pip install apache-flink==2.3.0; Java 17)
Reads a trace (arrival_ms,event_ms,key,value, rows in arrival order) and feeds it the way
`streamlab replay --engine flink --watermark-interval 0ms` does: one source subtask, a watermark after
every record. Prints replay's CSV: engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,
watermark_ms.
"""
import csv
import sys

from pyflink.common import Configuration, Row, Time, Types
from pyflink.datastream import OutputTag, StreamExecutionEnvironment
from pyflink.datastream.functions import ProcessWindowFunction
from pyflink.datastream.window import EventTimeSessionWindows, SlidingEventTimeWindows, TumblingEventTimeWindows
from pyflink.table import DataTypes, Schema, StreamTableEnvironment

WINDOW = "{{WINDOW}}"  # tumbling:SIZE_MS, sliding:SIZE_MS:SLIDE_MS or session:GAP_MS
WATERMARK_DELAY_MS = {{WATERMARK_DELAY_MS}}
ALLOWED_LATENESS_MS = {{ALLOWED_LATENESS_MS}}


def record_type():
    """Fresh type objects each time: one that was used once holds a JVM handle that cannot be pickled."""
    return Types.ROW([Types.LONG(), Types.LONG(), Types.STRING(), Types.LONG()])


def result_type():
    return Types.ROW([Types.STRING(), Types.LONG(), Types.LONG(), Types.STRING()] + [Types.LONG() for _ in range(4)])


def assigner():
    kind, *ms = WINDOW.split(":")
    ms = [Time.milliseconds(int(x)) for x in ms]
    if kind == "session":
        return EventTimeSessionWindows.with_gap(ms[0])
    if kind == "sliding":
        return SlidingEventTimeWindows.of(ms[0], ms[1])
    return TumblingEventTimeWindows.of(ms[0])


def last_window(event_ms):
    """The latest window a record belongs to: what a late row shows."""
    kind, *ms = (int(x) if x.isdigit() else x for x in WINDOW.split(":"))
    if kind == "session":
        return event_ms, event_ms + ms[0]
    step = ms[-1]
    start = event_ms - event_ms % step
    return start, start + ms[0]


class Result(ProcessWindowFunction):
    def process(self, key, context, elements):
        rows = list(elements)
        w = context.window()
        last_arrival = max(r[0] for r in rows)
        yield Row("window", w.start, w.end, key, len(rows), sum(r[3] for r in rows), last_arrival,
                  context.current_watermark())


def main(trace):
    with open(trace, newline="") as f:
        rows = [(int(r["arrival_ms"]), int(r["event_ms"]), r["key"], int(r["value"])) for r in csv.DictReader(f)]
    conf = Configuration()
    conf.set_string("python.fn-execution.bundle.size", "1")  # no bundling: each watermark follows its record
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(1)
    env.get_config().set_auto_watermark_interval(0)  # with the SQL watermark assigner: one per record
    t_env = StreamTableEnvironment.create(env)
    source = env.from_collection([Row(*r) for r in rows], type_info=Types.ROW_NAMED(
        ["arrival_ms", "event_ms", "key", "value"], [Types.LONG(), Types.LONG(), Types.STRING(), Types.LONG()]))
    # SQL watermarks are `max - delay`; DataStream's BoundedOutOfOrdernessWatermarks are `max - delay - 1 ms`.
    delay = f"{(WATERMARK_DELAY_MS + 1) // 1000}.{(WATERMARK_DELAY_MS + 1) % 1000:03d}"
    table = t_env.from_data_stream(source, Schema.new_builder()
                                   .column("arrival_ms", DataTypes.BIGINT())
                                   .column("event_ms", DataTypes.BIGINT())
                                   .column("key", DataTypes.STRING())
                                   .column("value", DataTypes.BIGINT())
                                   .column_by_expression("rowtime", "TO_TIMESTAMP_LTZ(event_ms, 3)")
                                   .watermark("rowtime", f"rowtime - INTERVAL '{delay}' SECOND")
                                   .build())
    late = OutputTag("late", record_type())
    windows = (
        t_env.to_data_stream(table)
        .map(lambda r: Row(r[0], r[1], r[2], r[3]), output_type=record_type())
        .key_by(lambda r: r[2], key_type=Types.STRING())
        .window(assigner())
        .allowed_lateness(ALLOWED_LATENESS_MS)
        .side_output_late_data(late)
        .process(Result(), output_type=result_type())
    )
    late_rows = windows.get_side_output(late).map(
        lambda r: Row("late", *last_window(r[1]), r[2], 1, r[3], r[0], 0), output_type=result_type())
    with windows.union(late_rows).execute_and_collect() as results:
        out = [tuple(r) for r in results]

    # With a watermark per record, a firing happens at the arrival of the record whose watermark
    # caused it (or of the record that joined an already-fired window, the window's last arrival).
    first_arrival, wm, before = {}, 0, []
    for arrival, event, _, _ in rows:
        before.append(wm)
        wm = max(wm, event - WATERMARK_DELAY_MS - 1)
        first_arrival.setdefault(wm, arrival)
    end_of_input = rows[-1][0] if rows else 0
    printed = []
    for kind, start, end, key, count, total, last_arrival, watermark in out:
        if kind == "late":
            i = next(i for i, r in enumerate(rows) if r[0] == last_arrival and r[2] == key and r[3] == total
                     and last_window(r[1]) == (start, end))
            emit, watermark = last_arrival, before[i]
        elif watermark == 2**63 - 1:
            emit = end_of_input
        else:
            emit = max(last_arrival, first_arrival.get(watermark, last_arrival))
        printed.append((emit, kind, start, end, key, count, total, watermark))
    printed.sort(key=lambda o: (o[0], o[1], o[2], o[3], o[4], o[6], o[5]))
    print("engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms")
    for emit, kind, start, end, key, count, total, watermark in printed:
        print(f"flink,{kind},{start},{end},{key},{count},{total},{emit},,{watermark}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python job.py EVENTS.csv")
    main(sys.argv[1])
