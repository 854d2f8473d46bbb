"""Run every benchmark in bench/ and print its figures (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["bench_parse.py", "bench_load.py", "bench_dedup.py", "bench_flow.py"]

if __name__ == "__main__":
    failed = []
    for name in BENCHES:
        print(f"\n== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)]).returncode != 0:
            failed.append(name)
    sys.exit(f"failed: {', '.join(failed)}" if failed else 0)
