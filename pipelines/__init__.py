"""Ingestion: readers map external exports into the canonical tables; the
engine validates, merges and publishes a new store atomically."""
