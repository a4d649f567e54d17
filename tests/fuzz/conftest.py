"""Prints the fuzz table (mutation kind x outcome, peak memory) and the fault summary after the test run."""

from __future__ import annotations

SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SUMMARY:
        terminalreporter.section("fuzz and fault suites (issue 11)")
        for line in SUMMARY:
            terminalreporter.write_line(line)
