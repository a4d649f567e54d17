"""Organisation settings: the role hierarchy and thresholds are configuration, validated in one place."""

from __future__ import annotations

import pytest

from pulso.core.errors import SettingsError
from pulso.core.settings import from_json, load_settings


def test_default_hierarchy_ranks_business_director_first():
    hierarchy = load_settings().hierarchy
    assert hierarchy.rank("Business Director") == 1
    assert hierarchy.rank("office manager") == 5
    assert hierarchy.rank("staff") == 6
    assert hierarchy.rank("intern") is None
    assert hierarchy.label("office manager", "es") == "Gerente de oficina"
    assert hierarchy.label("office manager", "en") == "Office manager"


def test_a_custom_file_changes_the_hierarchy_and_keeps_the_other_defaults(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text('[organization]\ntimezone = "America/Monterrey"\n[hierarchy]\nroles = ["partner", "associate"]\n'
                    '[thresholds]\ninactive_days = 45\n')
    settings = load_settings(path)
    assert settings.timezone == "America/Monterrey"
    assert settings.hierarchy.rank("associate") == 2
    assert settings.hierarchy.label("associate", "es") == "associate"  # no label given: the name
    assert settings.threshold("inactive_days") == 45
    assert settings.threshold("unanswered_hours") == 48  # the packaged default


def test_settings_round_trip_through_the_store_form(tmp_path):
    settings = load_settings()
    again = from_json(settings.to_json(), "store")
    assert again.to_json() == settings.to_json() and again.digest == settings.digest


@pytest.mark.parametrize("text, problem", [
    ('[hierarchy]\nroles = []\n', "roles must be a non-empty list"),
    ('[organization]\ntimezone = "Mars/Olympus"\n[hierarchy]\nroles = ["a"]\n', "unknown time zone"),
    ('[hierarchy]\nroles = ["a", "A"]\n', "duplicate"),
    ('[hierarchy\n', "not valid TOML"),
    ('[thresholds]\ninactve_days = 3\n', "has no key 'inactve_days'"),
    ('[thresholds]\ninactive_days = "soon"\n', "must be a number"),
    ('[hierarchy]\nroles = ["a"]\n[hierarchy.labels_es]\nb = "B"\n', "names a role not in roles"),
    ('[organisation]\nname = "x"\n', "unknown section"),
])
def test_bad_settings_are_one_clear_error(tmp_path, text, problem):
    path = tmp_path / "org.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=problem):
        load_settings(path)
