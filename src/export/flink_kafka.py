"""A streamlab scenario's pipeline as a PyFlink DataStream job reading Kafka.

Run: python job.py BOOTSTRAP_SERVERS flink-sql-connector-kafka.jar
Each Kafka record: key = the record's key, value = `event_ms,value` as text.
"""
import sys

from pyflink.common import Duration, Row, Time, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import OutputTag, StreamExecutionEnvironment
from pyflink.datastream.functions import ProcessWindowFunction
from pyflink.datastream.window import EventTimeSessionWindows, SlidingEventTimeWindows, TumblingEventTimeWindows
from pyflink.table import StreamTableEnvironment

SCENARIO = {{SCENARIO}}
TOPIC = "{{TOPIC}}"
WINDOW = "{{WINDOW}}"  # tumbling:SIZE_MS, sliding:SIZE_MS:SLIDE_MS or session:GAP_MS
AGGREGATE = "{{AGGREGATE}}"
FILTER_MAX_VALUE = {{FILTER_MAX_VALUE}}
PARALLELISM = {{PARALLELISM}}
WATERMARK_DELAY_MS = {{WATERMARK_DELAY_MS}}
WATERMARK_INTERVAL_MS = {{WATERMARK_INTERVAL_MS}}  # pipeline.auto-watermark-interval
ALLOWED_LATENESS_MS = {{ALLOWED_LATENESS_MS}}
AGGREGATES = {"count": len, "sum": sum, "min": min, "max": max, "avg": lambda v: sum(v) / len(v)}


def assigner():
    kind, *ms = WINDOW.split(":")
    ms = [Time.milliseconds(int(x)) for x in ms]
    if kind == "session":
        return EventTimeSessionWindows.with_gap(ms[0])
    if kind == "sliding":
        return SlidingEventTimeWindows.of(ms[0], ms[1])
    return TumblingEventTimeWindows.of(ms[0])


class EventTime(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[1]


class Result(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        yield f"window [{w.start}, {w.end}) key {key}: {AGGREGATE} {AGGREGATES[AGGREGATE]([e[2] for e in elements])}"


def main(servers, connector_jar):
    env = StreamExecutionEnvironment.get_execution_environment()
    env.add_jars(f"file://{connector_jar}")
    env.set_parallelism(PARALLELISM)
    env.get_config().set_auto_watermark_interval(WATERMARK_INTERVAL_MS)
    t_env = StreamTableEnvironment.create(env)
    t_env.execute_sql(f"""CREATE TABLE events (k STRING, v STRING) WITH (
        'connector' = 'kafka', 'topic' = '{TOPIC}', 'properties.bootstrap.servers' = '{servers}',
        'scan.startup.mode' = 'earliest-offset', 'key.format' = 'raw', 'key.fields' = 'k',
        'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY')""")
    record = Types.ROW([Types.STRING(), Types.LONG(), Types.LONG()])
    parsed = t_env.to_data_stream(t_env.from_path("events")).map(
        lambda r: Row(r[0], int(r[1].split(",")[0]), int(r[1].split(",")[1])), output_type=record)
    # BoundedOutOfOrdernessWatermarks: max timestamp - delay - 1 ms, every auto-watermark interval.
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(WATERMARK_DELAY_MS)) \
        .with_timestamp_assigner(EventTime())
    late = OutputTag("late", Types.ROW([Types.STRING(), Types.LONG(), Types.LONG()]))
    windows = (
        parsed.filter(lambda r: r[2] <= FILTER_MAX_VALUE)
        .assign_timestamps_and_watermarks(strategy)
        .key_by(lambda r: r[0], key_type=Types.STRING())
        .window(assigner())
        .allowed_lateness(ALLOWED_LATENESS_MS)
        .side_output_late_data(late)
        .process(Result(), output_type=Types.STRING())
    )
    windows.print()
    windows.get_side_output(late).map(lambda r: f"late: {r}", output_type=Types.STRING()).print()
    env.execute(f"streamlab-{SCENARIO}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python job.py BOOTSTRAP_SERVERS flink-sql-connector-kafka.jar")
    main(sys.argv[1], sys.argv[2])
