"""Benchmarks: how fast Pulso loads and answers, against DuckDB's own floor.

Run ``python -m bench.run --help``. Not part of the test suite.
"""
