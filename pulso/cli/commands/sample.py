"""pulso sample --out DIR [--people N] [--events N] [--seed S] [--format csv|csv.gz|parquet|jsonl]"""

from __future__ import annotations

import time
from pathlib import Path


def register(subparsers, common) -> None:
    from pipelines.sample import DEFAULT_EVENTS, DEFAULT_FORMAT, DEFAULT_PEOPLE, DEFAULT_SEED
    from pipelines.sample.writer import FORMATS

    p = subparsers.add_parser("sample", parents=[common],
                              help="write a deterministic sample organisation (Pulso export + directory)")
    p.add_argument("--out", type=Path, required=True, help="folder to write (export/, directory.csv, checksums.sha256)")
    p.add_argument("--people", type=int, default=DEFAULT_PEOPLE, help="accounts in total (default: %(default)s)")
    p.add_argument("--events", type=int, default=DEFAULT_EVENTS,
                   help="messages + reactions + visits, exactly (default: %(default)s)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    p.add_argument("--format", dest="file_format", choices=FORMATS, default=DEFAULT_FORMAT,
                   help="file format of the export (default: %(default)s)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pipelines.sample import generate_sample
    from pulso.cli.main import UserError

    if args.people < 30:
        raise UserError("--people must be at least 30")
    if args.events < 100:
        raise UserError("--events must be at least 100")
    started = time.perf_counter()
    counts = generate_sample(args.out, people=args.people, events=args.events, seed=args.seed,
                             file_format=args.file_format)
    print(f"sample written to {args.out} in {time.perf_counter() - started:.1f} s")
    for table, rows in counts.items():
        print(f"{table:<16}{rows:>12,}")
    return 0
