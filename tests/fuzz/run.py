"""``python -m tests.fuzz.run``: run the fuzz cases and print the table "mutation kind x outcome".

    python -m tests.fuzz.run                       # the CI set: 320 cases, seed 11
    python -m tests.fuzz.run --seed 5 --count 600  # another seed, more cases
    python -m tests.fuzz.run --seed 11 --case 42   # one case again (its files kept under --work)

Every case is rebuilt exactly from its seed and number.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.fuzz.cases import make_cases
from tests.fuzz.harness import run_cases

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEED = 11
COUNT = 320


def base_store(work: Path) -> Path:
    """The published store every case loads into (the tiny fixture)."""
    from pipelines.ingest import ingest

    store = work / "base.duckdb"
    if not store.exists():
        ingest([PROJECT_ROOT / "tests" / "fixtures" / "tiny_export"], store)
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--case", type=int, action="append", help="run only these case numbers")
    parser.add_argument("--kind", action="append", help="run only these mutation kinds")
    parser.add_argument("--work", type=Path, help="folder for the cases (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep every case's files")
    args = parser.parse_args(argv)
    cases = make_cases(args.seed, args.count)
    if args.case:
        cases = [c for c in cases if c.number in args.case]
    if args.kind:
        cases = [c for c in cases if c.kind in args.kind]
    work = args.work or Path(tempfile.mkdtemp(prefix="pulso-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    report = run_cases(cases, work, base_store(work), keep=args.keep or bool(args.case))
    with open(work / "results.tsv", "w", encoding="utf-8") as handle:
        for r in report.results:
            line = (r.stderr.strip().splitlines() or [""])[-1][:300]
            handle.write(f"{r.case.number}\t{r.case.kind}\t{r.case.base}\t{r.outcome}\t{r.case.detail}\t{line}\n")
    print(report.table())
    for line in report.bug_lines():
        print("BUG", line)
    if args.case:
        for r in report.results:
            print(f"{r.case.name}: {r.case.detail} -> {r.outcome} {r.problem}\n  files: {work}/case-{r.case.number}\n"
                  f"  stderr: {r.stderr.strip()[:1000]}")
    return 1 if report.bugs else 0


if __name__ == "__main__":
    sys.exit(main())
