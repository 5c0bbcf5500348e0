"""Runs exported jobs one after another in one interpreter, so that the JVM starts once.

python run_jobs.py LIST   where each line of LIST is `JOB_PY EVENTS_CSV OUT_CSV`; a job's stdout goes to
OUT_CSV. Each job is the exported `job.py`, imported and run through its main(EVENTS_CSV).
"""
import contextlib
import importlib.util
import sys
import time

for n, line in enumerate(open(sys.argv[1]).read().split("\n")):
    if not line.strip():
        continue
    job, events, out = line.split()
    spec = importlib.util.spec_from_file_location(f"job{n}", job)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    start = time.time()
    with open(out, "w") as f, contextlib.redirect_stdout(f):
        module.main(events)
    print(f"{job}: {time.time() - start:.0f} s", file=sys.stderr)
