"""Measuring in child processes: each run reports its own wall time and peak RSS.

The peak is the child's own ``VmHWM`` (/proc/self/status), which starts afresh with the new program image;
``getrusage``'s ``ru_maxrss`` survives exec on Linux and would report the parent's high-water mark (a parent
that generated a 10M-event sample in-process made every child read 1.9 GB)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field

CHILD_PRELUDE = """
import json, sys, time
def _peak_rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
def _report(seconds, **extra):
    print("BENCH " + json.dumps(dict(seconds=seconds, peak_rss_mb=_peak_rss_mb(), **extra)))
"""


@dataclass
class Figure:
    """Several runs of one measurement: median, min and max of seconds; max RSS."""

    name: str
    seconds: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def as_dict(self) -> dict:
        return {"name": self.name, "median_s": round(self.median, 4), "min_s": round(min(self.seconds), 4),
                "max_s": round(max(self.seconds), 4), "runs": len(self.seconds),
                "peak_rss_mb": round(max(self.peak_rss_mb), 1) if self.peak_rss_mb else None, **self.extra}


def run_child(code: str, env: dict | None = None, timeout: int = 1800) -> list[dict]:
    """Run ``code`` (which calls ``_report(seconds, ...)``) in a fresh Python; return its reports."""
    script = CHILD_PRELUDE + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-3000:]}")
    return [json.loads(line[6:]) for line in done.stdout.splitlines() if line.startswith("BENCH ")]


def repeat(name: str, code: str, runs: int, env: dict | None = None) -> Figure:
    figure = Figure(name)
    for _ in range(runs):
        for report in run_child(code, env):
            figure.seconds.append(report.pop("seconds"))
            figure.peak_rss_mb.append(report.pop("peak_rss_mb"))
            figure.extra.update(report)
    return figure


def table(rows: list[dict], columns: list[str]) -> str:
    """A plain text table of ``rows`` (dicts) with the given columns."""
    text = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) if text else len(c) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(t[i].ljust(w) for i, w in enumerate(widths)) for t in text]
    return "\n".join(out)
