"""`bench run DOMAIN` wall time and peak memory against its targets, then an immediate rerun
(everything reused) measured the same way, side by side in one invocation:

    python perf/bench_run.py [banking] [-- extra bench run options, e.g. --out results]

Each run is a child process; its peak resident memory (the largest of the harness and the
judge server it starts) comes from getrusage of the children. A fresh run store and results
folder are used (unless --out is given), so nothing is reused by the first run except the
model cache and what the domain ships (its prebuilt verifier, when its key is the run's: the
first run's stage line says which).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"first_run_minutes": 10, "peak_gb": 6, "rerun_seconds": 60}  # the performance issue's targets


def timed_run(args: list[str], env: dict) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "bench", "run", *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if res.returncode != 0:
        sys.exit(f"bench run failed ({res.returncode}):\n{res.stderr[-3000:]}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak_kib, before) / 2**20, res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("domain", nargs="?", default="banking")
    ap.add_argument("extra", nargs="*", help="options passed to bench run")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DOMAINBENCH_HOME": str(Path(tmp) / "home")}
        own_out = [] if "--out" in opts.extra else ["--out", str(Path(tmp) / "results")]
        args = [opts.domain, *own_out, *opts.extra]
        first, peak, printed = timed_run(args, env)
        again, _, _ = timed_run(args, env)
    for line in printed.splitlines():  # how each stage came to be (built, trained, reused, shipped)
        if line.startswith(("synth:", "verifier:", "train ", "answers", "judge")):
            print(line)
    print(
        f"first run   {first / 60:6.1f} min   target <= {TARGETS['first_run_minutes']} min   "
        f"ratio {first / 60 / TARGETS['first_run_minutes']:.2f}"
    )
    print(f"peak memory {peak:6.2f} GB    target <= {TARGETS['peak_gb']} GB      ratio {peak / TARGETS['peak_gb']:.2f}")
    print(
        f"rerun       {again:6.1f} s     target <= {TARGETS['rerun_seconds']} s      "
        f"ratio {again / TARGETS['rerun_seconds']:.2f}   ({first / again:.0f}x faster than the first run)"
    )


if __name__ == "__main__":
    main()
