"""Run fuzz cases through the command line and judge each outcome.

Two worker processes (``tests.fuzz.worker``) run ``pulso ingest`` for one case after another. Every case loads
into its own copy of a small published store, so that a failure can be checked to leave the store byte for byte as
it was. An outcome is one of:

* ``loaded`` / ``loaded, warned``: exit 0, stderr empty or only ``pulso: warning:`` lines; in the store, every
  file and table of the run has read = loaded + rejected + duplicates, rejected_rows holds one row per rejected
  row, and the independent count of the raw files (tests/fuzz/counts.py) equals what was read;
* ``refused``: exit 2, exactly one line ``pulso: error: ...`` on stderr (not a reader defect), the store
  unchanged byte for byte and nothing left beside it;
* ``BUG: ...``: anything else (a traceback, several lines, a changed store, a count that does not add up, a
  reader defect, more than 2 GB of memory).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

import duckdb

from tests.fuzz.cases import KINDS, Case, build, build_bases, expected_counts
from tests.conftest import digest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_MB = 2048
OUTCOMES = ("loaded", "loaded, warned", "refused", "BUG")


@dataclass
class Result:
    case: Case
    outcome: str
    problem: str = ""
    exit: int | None = None
    stderr: str = ""
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    seed: int = 0

    @property
    def bugs(self) -> list[Result]:
        return [r for r in self.results if r.outcome.startswith("BUG")]

    @property
    def peak_rss_mb(self) -> float:
        return max((r.peak_rss_mb for r in self.results), default=0.0)

    def table(self) -> str:
        by_kind: dict[str, Counter] = defaultdict(Counter)
        for r in self.results:
            by_kind[r.case.kind]["BUG" if r.outcome.startswith("BUG") else r.outcome] += 1
        header = f"| mutation kind | cases | {' | '.join(OUTCOMES)} |"
        lines = [header, "|" + "---|" * (len(OUTCOMES) + 2)]
        total: Counter = Counter()
        for kind in KINDS:
            row = by_kind.get(kind, Counter())
            total.update(row)
            lines.append(f"| {kind} | {sum(row.values())} | " + " | ".join(str(row[o]) for o in OUTCOMES) + " |")
        lines.append(f"| **all** | **{sum(total.values())}** | " + " | ".join(f"**{total[o]}**" for o in OUTCOMES) + " |")
        slowest = max(self.results, key=lambda r: r.seconds) if self.results else None
        lines += ["", f"Seed {self.seed}; peak RSS of a load (its own high-water mark): {self.peak_rss_mb:,.0f} MB "
                      f"(limit {MEMORY_LIMIT_MB:,} MB); slowest case {slowest.seconds if slowest else 0:.1f} s."]
        return "\n".join(lines)

    def bug_lines(self) -> list[str]:
        return [f"{r.case.name} (seed {r.case.seed}; {r.case.detail}): {r.outcome} {r.problem} | stderr: "
                f"{r.stderr.strip()[:600]}" for r in self.bugs]


class Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.fuzz.worker"], cwd=PROJECT_ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1,
                                        env={**os.environ, "PYTHONWARNINGS": "default"})

    def run(self, argv: list[str], out: Path, err: Path) -> dict | None:
        try:
            self.process.stdin.write(json.dumps({"argv": argv, "cwd": str(PROJECT_ROOT), "out": str(out),
                                                 "err": str(err)}) + "\n")
            answer = self.process.stdout.readline()
        except (BrokenPipeError, OSError):
            answer = ""
        return json.loads(answer) if answer else None

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


def judge(case: Case, answer: dict | None, stderr: str, store: Path, before: str) -> tuple[str, str]:
    if answer is None:
        return "BUG", "the worker died (a crash, not an exception)"
    if answer["peak_rss_mb"] > MEMORY_LIMIT_MB:
        return "BUG", f"peak RSS {answer['peak_rss_mb']:.0f} MB"
    lines = stderr.strip().splitlines()
    if "Traceback" in stderr:
        return "BUG", "a traceback reached the user"
    leftovers = sorted(p.name for p in store.parent.iterdir() if p.name not in (store.name, store.name + ".lock"))
    if answer["exit"] == 2:
        if len(lines) != 1 or not lines[0].startswith("pulso: error: "):
            return "BUG", f"{len(lines)} lines on stderr"
        if "defect in Pulso" in lines[0]:
            return "BUG", "a reader defect"
        if digest(store) != before:
            return "BUG", "the store changed on a failed load"
        if leftovers:
            return "BUG", f"left behind: {leftovers}"
        return "refused", ""
    if answer["exit"] != 0:
        return "BUG", f"exit code {answer['exit']}"
    if any(not line.startswith("pulso: warning: ") for line in lines):
        return "BUG", "stderr holds more than warnings on success"
    if leftovers:
        return "BUG", f"left behind: {leftovers}"
    problem = check_store(case, store)
    if problem:
        return "BUG", problem
    return ("loaded, warned" if lines else "loaded"), ""


def check_store(case: Case, store: Path) -> str:
    con = duckdb.connect(str(store), read_only=True)
    try:
        run_id = con.execute("SELECT run_id FROM ingestion_runs ORDER BY started_at DESC LIMIT 1").fetchall()[0][0]
        stats = {(f, t): (r, lo, rj, d) for f, t, r, lo, rj, d in con.execute(
            "SELECT file, table_name, rows_read, rows_loaded, rows_rejected, rows_duplicate FROM ingestion_file_stats "
            "WHERE run_id = ?", [run_id]).fetchall()}
        stored = con.execute("SELECT count(*) FROM rejected_rows WHERE run_id = ?", [run_id]).fetchall()[0][0]
    finally:
        con.close()
    for key, (read, loaded, rejected, duplicate) in stats.items():
        if read != loaded + rejected + duplicate:
            return f"{key}: read {read} != {loaded} + {rejected} + {duplicate}"
    if stored != sum(s[2] for s in stats.values()):
        return f"rejected_rows holds {stored} rows, the stats say {sum(s[2] for s in stats.values())}"
    try:
        expected, at_least = expected_counts(case.base, [Path(p) for p in case.paths])
    except Exception as exc:  # the independent counter cannot read what Pulso loaded
        return f"the independent count failed ({type(exc).__name__}: {exc})"
    for key, n in expected.items():
        read = stats.get(key, (0,))[0]
        if (read < n) if key in at_least else (read != n):
            return f"{key}: read {read}, the raw file holds {n}"
    return ""


def run_cases(cases: list[Case], work: Path, base_store: Path, workers: int = 2, keep: bool = False) -> Report:
    bases = build_bases(work / "bases")
    queue: Queue = Queue()
    for case in cases:
        queue.put(case)
    report = Report(seed=cases[0].seed if cases else 0)
    lock = threading.Lock()

    def serve() -> None:
        worker = Worker()
        try:
            while not queue.empty():
                try:
                    case = queue.get_nowait()
                except Exception:  # the queue ran dry
                    return
                folder = work / f"case-{case.number}"
                shutil.rmtree(folder, ignore_errors=True)
                try:
                    build(case, bases, folder)
                except Exception as exc:  # a case that cannot be built is the harness's bug
                    with lock:
                        report.results.append(Result(case, "BUG", f"the case could not be built: {exc!r}"))
                    continue
                store = folder / "store" / "s.duckdb"
                store.parent.mkdir()
                shutil.copyfile(base_store, store)
                before = digest(store)
                # --no-network: these cases test the load; the network step of a publish has its own tests
                argv = ["ingest", *case.paths, "--db", str(store), "--no-network"] + (
                    ["--config", case.config] if case.config else [])
                answer = worker.run(argv, folder / "stdout.txt", folder / "stderr.txt")
                if answer is None:
                    worker.close()
                    worker = Worker()
                stderr = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
                outcome, problem = judge(case, answer, stderr, store, before)
                result = Result(case, outcome, problem, answer and answer["exit"], stderr,
                                answer["seconds"] if answer else 0.0, answer["peak_rss_mb"] if answer else 0.0)
                with lock:
                    report.results.append(result)
                if not keep and not outcome.startswith("BUG"):
                    shutil.rmtree(folder, ignore_errors=True)
        finally:
            worker.close()

    threads = [threading.Thread(target=serve) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.results.sort(key=lambda r: r.case.number)
    return report
