"""The floor every layer stands on: settings, the data model, the scope, periods, SQL helpers and errors.

It imports none of ``pipelines``, ``metrics``, ``dashboard`` or the CLI (an import contract checks it).
"""
