"""A fuzz worker: runs the command line's ``main(argv)`` for one case after another, in this process (imports are
paid once), exactly as ``python -m pulso.cli`` would: file descriptors 1 and 2 go to files, an exception that
escapes ``main`` is printed as the interpreter would (a traceback), and the exit code is ``main``'s.

Protocol: one JSON request per line on stdin ``{"argv": [...], "cwd": "...", "out": "...", "err": "..."}``, one
JSON answer per line on stdout ``{"exit": n, "seconds": s, "peak_rss_mb": m}``. Peak RSS is this process's own
high-water mark (VmHWM), reset before each case through /proc/self/clear_refs.

Run: ``python -m tests.fuzz.worker`` (the harness starts two).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_case(request: dict) -> dict:
    from pulso.cli.main import main

    saved = os.dup(1), os.dup(2)
    cwd = os.getcwd()
    out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    reset_peak()
    start = time.perf_counter()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.chdir(request.get("cwd") or cwd)
        try:
            code = main(request["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # what the interpreter would print
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os.chdir(cwd)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (out, err, *saved):
            os.close(fd)
    return {"exit": code, "seconds": round(time.perf_counter() - start, 3), "peak_rss_mb": round(peak_rss_mb(), 1)}


def serve() -> None:
    with os.fdopen(os.dup(1), "w", buffering=1) as answers:
        for line in sys.stdin:
            if line.strip():
                answers.write(json.dumps(run_case(json.loads(line))) + "\n")


if __name__ == "__main__":
    serve()
