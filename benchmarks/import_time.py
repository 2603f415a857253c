"""Start-up cost: `import dlbook` against `import torch` alone, each in fresh Python processes (median).

Every chapter and every panel pays this once. Target: `import dlbook` takes at most 1.3x `import torch`.

    python benchmarks/import_time.py [--repeats 11]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

SNIPPET = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def seconds(module: str) -> float:
    """Wall time of one `import module` in a new interpreter (the interpreter's own start-up not counted)."""
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(module=module)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    torch_times, dlbook_times = [], []
    for _ in range(args.repeats):  # alternate, so that a busy moment of the machine hits both
        torch_times.append(seconds("torch"))
        dlbook_times.append(seconds("dlbook"))
    t, d = statistics.median(torch_times), statistics.median(dlbook_times)
    print(f"import torch : median {t:.3f} s over {args.repeats} fresh processes")
    print(f"import dlbook: median {d:.3f} s (ratio {d / t:.2f}; target <= 1.30)")


if __name__ == "__main__":
    main()
