"""The fuzz suite (issue 11): 320 seeded mutations of the bundled sample and of the real exports under
../shared/realdata, across every reader, each loaded by the command line into a published store. Every case must
load with its rows accounted for (read = loaded + rejected + duplicates = the independent count of the raw files)
or be refused with one line and leave the store byte for byte as it was; no traceback, no reader defect, no load
above 2 GB of memory (tests/fuzz/harness.py). The table "mutation kind x outcome" is printed at the end of the
run and written to artifacts/fuzz-report.md.

Reproduce a case: ``python -m tests.fuzz.run --seed SEED --case N`` (another seed: PULSO_FUZZ_SEED=S).
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import PROJECT_ROOT
from tests.fuzz import conftest as summary
from tests.fuzz.cases import BASES, KINDS, make_cases
from tests.fuzz.harness import OUTCOMES, run_cases
from tests.fuzz.run import COUNT, SEED, base_store

pytestmark = pytest.mark.slow


def test_fuzzed_exports_load_consistently_or_fail_with_one_line(tmp_path):
    seed = int(os.environ.get("PULSO_FUZZ_SEED", SEED))
    cases = make_cases(seed, COUNT)
    assert len(cases) >= 300 and {c.kind for c in cases} == set(KINDS) and {c.base for c in cases} == set(BASES)
    report = run_cases(cases, tmp_path, base_store(tmp_path))
    table = report.table()
    summary.SUMMARY.extend(["fuzz: mutation kind x outcome", table, ""])
    artifacts = PROJECT_ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "fuzz-report.md").write_text(table + "\n\n" + "\n".join(report.bug_lines()) + "\n", encoding="utf-8")
    assert len(report.results) == len(cases)
    outcomes = {r.outcome for r in report.results}
    assert {"loaded", "refused"} <= outcomes and outcomes <= set(OUTCOMES) | {"BUG"}
    assert report.peak_rss_mb < 2048
    assert not report.bugs, "\n".join(report.bug_lines())
