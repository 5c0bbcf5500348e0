"""A streamlab scenario's pipeline as a PySpark Structured Streaming job reading Kafka.

Run: spark-submit --packages org.apache.spark:spark-sql-kafka-0-10_2.13:4.3.0 job.py BOOTSTRAP_SERVERS
Each Kafka record: key = the record's key, value = `event_ms,value` as text.
"""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

SCENARIO = {{SCENARIO}}
TOPIC = "{{TOPIC}}"
WINDOW = "{{WINDOW}}"  # tumbling:SIZE_MS, sliding:SIZE_MS:SLIDE_MS or session:GAP_MS
AGGREGATE = "{{AGGREGATE}}"
FILTER_MAX_VALUE = {{FILTER_MAX_VALUE}}
WATERMARK_DELAY_MS = {{SPARK_WATERMARK_DELAY_MS}}
TRIGGER_MS = {{TRIGGER_MS}}  # 0: the default trigger
OUTPUT_MODE = "{{OUTPUT_MODE}}"


def window_column():
    kind, *ms = WINDOW.split(":")
    if kind == "session":
        return F.session_window("ts", f"{ms[0]} milliseconds")
    if kind == "sliding":
        return F.window("ts", f"{ms[0]} milliseconds", f"{ms[1]} milliseconds")
    return F.window("ts", f"{ms[0]} milliseconds")


def main(servers):
    spark = SparkSession.builder.appName(f"streamlab-{SCENARIO}").getOrCreate()
    raw = spark.readStream.format("kafka").option("kafka.bootstrap.servers", servers).option("subscribe", TOPIC).load()
    fields = F.split(F.col("value").cast("string"), ",")
    events = (
        raw.select(F.col("key").cast("string").alias("key"), fields[0].cast("long").alias("event_ms"),
                   fields[1].cast("long").alias("value"))
        .where(F.col("value") <= FILTER_MAX_VALUE)
        .withColumn("ts", F.timestamp_millis("event_ms"))
        .withWatermark("ts", f"{WATERMARK_DELAY_MS} milliseconds")
    )
    result = events.groupBy(window_column().alias("w"), "key").agg(getattr(F, AGGREGATE)("value").alias(AGGREGATE))
    writer = result.writeStream.outputMode(OUTPUT_MODE).format("console").option("truncate", "false")
    if TRIGGER_MS:
        writer = writer.trigger(processingTime=f"{TRIGGER_MS} milliseconds")
    writer.start().awaitTermination()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: spark-submit ... job.py BOOTSTRAP_SERVERS")
    main(sys.argv[1])
