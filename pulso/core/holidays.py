"""The organisation's holidays: built-in rules computed for any year, plus days or ranges listed in the settings.

Rules (names used in the settings' ``[calendar] holidays`` list):

* ``mx_federal`` -- Mexico's mandatory rest days (Ley Federal del Trabajo, art. 74): 1 January, the first
  Monday of February (Constitution), the third Monday of March (Benito Juárez), 1 May, 16 September, the third
  Monday of November (Revolution), 25 December, and 1 October every six years from 2024 (transmission of the
  federal executive).
* ``holy_week`` -- Holy Week (Semana Santa): Monday to Easter Sunday (Gregorian Easter), the week the
  organisation's activity falls most in Mexico.

``extra`` entries are ``YYYY-MM-DD`` days or ``YYYY-MM-DD..YYYY-MM-DD`` ranges (both ends included), e.g. the
bank's own closing days or a regional holiday.

A **working day** is a Monday-Friday that is not a holiday. Activity alerts do not judge a week with fewer
working days than their setting (see metrics/alerts.py).
"""

from __future__ import annotations

from datetime import date, timedelta

RULES = ("mx_federal", "holy_week")
DEFAULT_RULES = ("mx_federal", "holy_week")


def easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def mx_federal(year: int) -> dict[date, tuple[str, str]]:
    days = {
        date(year, 1, 1): ("Año Nuevo", "New Year's Day"),
        nth_monday(year, 2, 1): ("Día de la Constitución", "Constitution Day"),
        nth_monday(year, 3, 3): ("Natalicio de Benito Juárez", "Benito Juárez's birthday"),
        date(year, 5, 1): ("Día del Trabajo", "Labour Day"),
        date(year, 9, 16): ("Día de la Independencia", "Independence Day"),
        nth_monday(year, 11, 3): ("Día de la Revolución", "Revolution Day"),
        date(year, 12, 25): ("Navidad", "Christmas Day"),
    }
    if year >= 2024 and (year - 2024) % 6 == 0:
        days[date(year, 10, 1)] = ("Transmisión del Poder Ejecutivo", "Transmission of the Federal Executive")
    return days


def holy_week(year: int) -> dict[date, tuple[str, str]]:
    sunday = easter(year)
    return {sunday - timedelta(days=6 - i): ("Semana Santa", "Holy Week") for i in range(7)}


BUILDERS = {"mx_federal": mx_federal, "holy_week": holy_week}


def parse_extra(entry: str) -> tuple[date, date]:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD`` -> (first, last); ValueError when malformed."""
    text = str(entry).strip()
    first, _, last = text.partition("..")
    start = date.fromisoformat(first.strip())
    end = date.fromisoformat(last.strip()) if last else start
    if end < start:
        raise ValueError(f"{text!r} ends before it starts")
    if (end - start).days > 366:
        raise ValueError(f"{text!r} is longer than a year")
    return start, end


def holidays_between(first: date, last: date, rules: tuple[str, ...], extra: tuple[str, ...] = ()
                     ) -> dict[date, tuple[str, str]]:
    """Every holiday from ``first`` to ``last`` (inclusive) with its (Spanish, English) name."""
    found: dict[date, tuple[str, str]] = {}
    for year in range(first.year, last.year + 1):
        for rule in rules:
            found.update(BUILDERS[rule](year))
    for entry in extra:
        start, end = parse_extra(entry)
        day = start
        while day <= end:
            found.setdefault(day, ("Día inhábil de la organización", "Organisation holiday"))
            day += timedelta(days=1)
    return {d: name for d, name in sorted(found.items()) if first <= d <= last}


def working_days(week_start: date, holidays: dict[date, tuple[str, str]]) -> int:
    """Monday-Friday days of the week starting ``week_start`` that are not holidays."""
    return sum(1 for i in range(5) if week_start + timedelta(days=i) not in holidays)
