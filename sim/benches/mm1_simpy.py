"""The mm1 model (labs/scenarios/mm1.toml) in SimPy, the reference Python discrete-event simulator.

Twelve M/M/1 queues at utilisation 0.8: one Poisson source at 120k records/s picks a uniform queue for
each record; each queue serves one record at a time with exponential work of mean 0.08 ms. Prints one
JSON line: records, wall_s, records_per_s and the mean time in system (queueing theory: 0.4 ms).

    python mm1_simpy.py RECORDS [SEED]
"""

import json
import random
import sys
import time

import simpy

PARTITIONS = 12
RATE_PER_S = 120_000.0
SERVICE_MEAN_S = 0.08e-3


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    env = simpy.Environment()
    queues = [simpy.Resource(env, capacity=1) for _ in range(PARTITIONS)]
    stats = {"done": 0, "time_in_system_s": 0.0}

    def record(queue):
        arrived = env.now
        with queue.request() as turn:
            yield turn
            yield env.timeout(rng.expovariate(1.0 / SERVICE_MEAN_S))
        stats["done"] += 1
        stats["time_in_system_s"] += env.now - arrived

    def source():
        for _ in range(records):
            yield env.timeout(rng.expovariate(RATE_PER_S))
            env.process(record(queues[rng.randrange(PARTITIONS)]))

    env.process(source())
    start = time.perf_counter()
    env.run()
    wall_s = time.perf_counter() - start
    print(json.dumps({
        "model": "mm1",
        "simulator": "simpy " + simpy.__version__,
        "records": stats["done"],
        "wall_s": round(wall_s, 3),
        "records_per_s": round(stats["done"] / wall_s),
        "mean_time_in_system_ms": round(stats["time_in_system_s"] / stats["done"] * 1000.0, 3),
    }))


if __name__ == "__main__":
    main()
