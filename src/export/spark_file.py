"""The streamlab replay settings as a PySpark Structured Streaming job ({{SETTINGS}}).

Run: python job.py EVENTS.csv   (pip install pyspark==4.3.0; Java 17)
Reads a trace (arrival_ms,event_ms,key,value, rows in arrival order) and feeds it the way
`streamlab replay --engine spark` does: the rows that arrived by each trigger form one micro-batch
(one file per batch, maxFilesPerTrigger=1); Spark itself decides when a no-data batch runs between them.
Prints replay's CSV: engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms.
"""
import csv
import os
import sys
import tempfile
from datetime import datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

WINDOW = "{{WINDOW}}"  # tumbling:SIZE_MS, sliding:SIZE_MS:SLIDE_MS or session:GAP_MS
WATERMARK_DELAY_MS = {{WATERMARK_DELAY_MS}}
TRIGGER_MS = {{TRIGGER_MS}}  # 0: the default trigger (the next batch as soon as the last one ends)
OUTPUT_MODE = "{{OUTPUT_MODE}}"
POLLING_DELAY_MS = 10  # spark.sql.streaming.pollingDelay: how often the idle default trigger looks again


def tick_of(arrival_ms):
    """The trigger that first sees a row: the next interval boundary at or after its arrival."""
    step = TRIGGER_MS or POLLING_DELAY_MS
    return max(-(-arrival_ms // step) * step, TRIGGER_MS)


def window_column():
    kind, *ms = WINDOW.split(":")
    if kind == "session":
        return F.session_window("ts", f"{ms[0]} milliseconds")
    if kind == "sliding":
        return F.window("ts", f"{ms[0]} milliseconds", f"{ms[1]} milliseconds")
    return F.window("ts", f"{ms[0]} milliseconds")


def ran(progress):
    """A batch that ran; an idle query also reports progress now and then, repeating a batch id."""
    return "addBatch" in progress["durationMs"]


def iso_ms(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def main(trace):
    with open(trace, newline="") as f:
        rows = [(int(r["arrival_ms"]), int(r["event_ms"]), r["key"], int(r["value"])) for r in csv.DictReader(f)]
    ticks = {}
    for row in rows:
        ticks.setdefault(tick_of(row[0]), []).append(row)
    # A run: consecutive triggers that all have rows. Spark sees a run's files at once, so no no-data
    # batch can come between them; after the run, the next trigger finds no data.
    runs, step = [], TRIGGER_MS or POLLING_DELAY_MS
    for t in sorted(ticks):
        if runs and TRIGGER_MS and runs[-1][-1] + step == t:
            runs[-1].append(t)
        else:
            runs.append([t])

    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    work = tempfile.mkdtemp(prefix="streamlab-spark-")
    incoming = os.path.join(work, "in")
    os.makedirs(incoming)
    events = (
        spark.readStream.schema("event_ms LONG, key STRING, value LONG")
        .option("maxFilesPerTrigger", 1)
        .csv(os.path.join(incoming, "*"))
        .withColumn("ts", F.timestamp_millis("event_ms"))
        .withWatermark("ts", f"{WATERMARK_DELAY_MS} milliseconds")
    )
    w = window_column()
    result = (
        events.groupBy(w.alias("w"), "key")
        .agg(F.count("*").alias("count"), F.sum("value").alias("sum"))
        .select(F.unix_millis("w.start").alias("start"), F.unix_millis("w.end").alias("end"), "key", "count", "sum")
    )
    emitted = []

    def sink(df, batch_id):
        emitted.extend((batch_id, r) for r in df.collect())

    query = (
        result.writeStream.outputMode(OUTPUT_MODE)
        .foreachBatch(sink)
        .option("checkpointLocation", os.path.join(work, "checkpoint"))
        .start()
    )
    emit_ms, files = {}, 0
    for n, run in enumerate(runs):
        staging = os.path.join(work, f"staging{n:05d}")
        os.makedirs(staging)
        for t in run:
            path = os.path.join(staging, f"{files:06d}.csv")
            with open(path, "w") as f:
                f.writelines(f"{e},{k},{v}\n" for (_, e, k, v) in ticks[t])
            files += 1
            os.utime(path, (1_700_000_000 + files, 1_700_000_000 + files))  # the oldest file is read first
        os.rename(staging, os.path.join(incoming, f"run{n:05d}"))  # the whole run appears at once
        query.processAllAvailable()
        # The run's files are its first batches; a batch after them is a no-data batch, at the next trigger.
        new = sorted({p["batchId"] for p in query.recentProgress if ran(p)} - set(emit_ms))
        for i, batch in enumerate(new):
            emit_ms[batch] = run[i] if i < len(run) else run[-1] + TRIGGER_MS
    progress = {p["batchId"]: p for p in query.recentProgress if ran(p)}
    query.stop()
    spark.stop()

    def watermark(batch):
        return iso_ms(progress[batch]["eventTime"]["watermark"]) if batch in progress else 0

    out = []
    for batch, r in emitted:
        out.append(("window", r["start"], r["end"], r["key"], r["count"], r["sum"], emit_ms[batch], batch, watermark(batch)))
    for batch, p in progress.items():
        dropped = sum(s.get("numRowsDroppedByWatermark", 0) for s in p["stateOperators"])
        if dropped:
            # Late rows are filtered with the previous batch's watermark (SPARK-40925).
            out.append(("dropped", None, None, None, dropped, None, emit_ms[batch], batch, watermark(batch - 1)))
    low = -(2**63)  # a row without a window sorts first, as in replay
    out.sort(key=lambda o: (o[6], o[7], o[0], *((low,) if o[1] is None else (o[1], o[2], o[3], o[5])), o[4]))
    print("engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms")
    for o in out:
        print("spark," + ",".join("" if x is None else str(x) for x in o))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python job.py EVENTS.csv")
    main(sys.argv[1])
