"""The role hierarchy is configuration."""

from __future__ import annotations

import pytest

from pulso.config import ConfigError, load_config


def test_default_hierarchy_ranks_business_director_first():
    hierarchy = load_config().hierarchy
    assert hierarchy.rank("Business Director") == 1
    assert hierarchy.rank("office manager") == 5
    assert hierarchy.rank("staff") == 6
    assert hierarchy.rank("intern") is None
    assert hierarchy.label("office manager", "es") == "Gerente de oficina"


def test_a_custom_file_changes_the_hierarchy(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text('[organization]\ntimezone = "America/Monterrey"\n[hierarchy]\nroles = ["partner", "associate"]\n')
    config = load_config(path)
    assert config.timezone == "America/Monterrey"
    assert config.hierarchy.rank("associate") == 2


@pytest.mark.parametrize("text, problem", [
    ('[hierarchy]\nroles = []\n', "roles must be a non-empty list"),
    ('[organization]\ntimezone = "Mars/Olympus"\n[hierarchy]\nroles = ["a"]\n', "unknown time zone"),
    ('[hierarchy]\nroles = ["a", "A"]\n', "duplicate"),
    ('[hierarchy\n', "not valid TOML"),
])
def test_bad_configuration_is_one_clear_error(tmp_path, text, problem):
    path = tmp_path / "org.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_config(path)
