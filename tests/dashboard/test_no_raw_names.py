"""No page shows a raw column name: every table's headers come from the metrics' declared labels, on the sample."""

from __future__ import annotations

import re

import pytest

from dashboard.pages import PAGES

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_table_header_is_a_label(app, sample_store, lang):
    at = app(sample_store, lang=lang, start="2026-11-09", end="2026-11-15").run()
    seen = 0
    for page in PAGES:
        at.switch_page(f"views/{page.key}.py").run()
        assert not at.exception, page.key
        for table in at.dataframe:
            headers = list(table.value.columns)
            seen += 1
            assert not [h for h in headers if SNAKE.match(str(h))], (page.key, headers)
    assert seen >= 10  # the sample fills tables on every page
