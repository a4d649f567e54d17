"""The organisation's holidays: Mexican federal holidays and Holy Week computed for any year, plus listed days."""

from datetime import date

import pytest

from pulso.core.errors import SettingsError
from pulso.core.holidays import easter, holidays_between, working_days
from pulso.core.settings import from_json, load_settings


@pytest.mark.parametrize("year, sunday", [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                          (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                          (2038, date(2038, 4, 25))])
def test_easter(year, sunday):
    assert easter(year) == sunday


def test_mexican_federal_holidays_and_holy_week_2026():
    days = holidays_between(date(2026, 1, 1), date(2026, 12, 31), ("mx_federal", "holy_week"))
    federal = {d for d, (es, _) in days.items() if es != "Semana Santa"}
    assert sorted(federal) == [date(2026, 1, 1), date(2026, 2, 2), date(2026, 3, 16), date(2026, 5, 1),
                               date(2026, 9, 16), date(2026, 11, 16), date(2026, 12, 25)]
    holy = sorted(d for d, (es, _) in days.items() if es == "Semana Santa")
    assert holy == [date(2026, 3, 30 + i) if i < 2 else date(2026, 4, i - 1) for i in range(7)]
    assert days[date(2026, 3, 16)] == ("Natalicio de Benito Juárez", "Benito Juárez's birthday")
    # 1 October of a year of transmission of the federal executive (every six years from 2024)
    assert date(2030, 10, 1) in holidays_between(date(2030, 1, 1), date(2030, 12, 31), ("mx_federal",))
    assert date(2026, 10, 1) not in days


def test_working_days_of_a_week():
    days = holidays_between(date(2026, 1, 1), date(2026, 12, 31), ("mx_federal", "holy_week"))
    assert working_days(date(2026, 3, 30), days) == 0  # Holy Week
    assert working_days(date(2026, 3, 16), days) == 4  # Monday 16: Benito Juárez
    assert working_days(date(2026, 3, 23), days) == 5


def test_settings_hold_the_holidays_and_extra_days(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text('[calendar]\nholidays = ["holy_week"]\nextra_holidays = ["2026-12-12", "2026-12-24..2026-12-26"]\n')
    settings = load_settings(path)
    days = settings.holidays(date(2026, 1, 1), date(2026, 12, 31))
    assert date(2026, 1, 1) not in days and date(2026, 4, 2) in days
    assert [d for d in days if d.month == 12] == [date(2026, 12, 12), date(2026, 12, 24), date(2026, 12, 25),
                                                  date(2026, 12, 26)]
    again = from_json(settings.to_json(), "store")
    assert again.holidays(date(2026, 1, 1), date(2026, 12, 31)) == days
    assert load_settings().holiday_rules == ("mx_federal", "holy_week")


def test_a_store_written_before_the_calendar_existed_takes_the_packaged_defaults():
    settings = load_settings()
    old = settings.to_dict()
    del old["calendar"]
    del old["thresholds"]["alert_history_weeks"]
    import json

    again = from_json(json.dumps(old), "old store")
    assert again.holiday_rules == ("mx_federal", "holy_week")
    assert again.threshold("alert_history_weeks") == 12


@pytest.mark.parametrize("text, problem", [
    ('[calendar]\nholidays = ["christmas"]\n', "holidays must be a list of: mx_federal, holy_week"),
    ('[calendar]\nextra_holidays = ["2026-13-01"]\n', "is not a day YYYY-MM-DD or a range"),
    ('[calendar]\nextra_holidays = ["2026-12-31..2026-12-01"]\n', "ends before it starts"),
    ('[calendar]\nferiados = []\n', "has no key 'feriados'"),
])
def test_bad_calendars_are_one_clear_error(tmp_path, text, problem):
    path = tmp_path / "org.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=problem):
        load_settings(path)
