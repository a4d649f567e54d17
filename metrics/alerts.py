"""Activity alerts: offices, regions and role groups whose activity stopped or fell far below their own past.

Definitions
-----------
* **Units.** Every office and every region of the people in scope who are in the org directory (bots never);
  people in the directory with no office form one unit per **role** (e.g. the regional managers), never a
  pseudo-office. People with no directory entry belong to no unit.
* **Active days.** The count judged is a unit's *active days* in a local Monday-Sunday week: one per member
  and day with an action (``person_day_activity.acted``). A member counts on the days they belong
  (from the day their account opened to the day before they left: ``person_facts.joined_day`` / ``left_day``);
  their *member-days* are the unit's exposure.
* **What is expected.** The organisation's own weekly curve carries its holidays and its communications
  calendar (campaign weeks are busier, holiday weeks quieter). For unit u and week w, the *reference* is the
  active days per member-day of the rest of the organisation (all directory people outside u) that week;
  ``X(u, w)`` = u's member-days × that reference: the active days u would have had at the organisation's pace.
  The unit's **usual level** is its own ratio to that pace over its ``history_weeks`` judged weeks before the
  run being judged: S active days against X_h, so u is expected to have S × X / X_h in a week of exposure X.
* **Weeks judged.** Complete weeks with data whose working days (Monday-Friday not in the settings' holiday
  calendar: Mexican federal holidays and Holy Week by default) number at least ``min_working_days``. A week
  with fewer (Holy Week) is skipped: not judged, not history, and it neither starts nor ends a silence or a run.
* **Silence** (kind ``silent``): the unit has had no active day since its last one, over at least one whole
  judged week. The silent time's exposure X_s counts the days after the last active day in that week (by the
  share of the organisation's activity that fell on them) and every judged week after. With S active days and
  exposure X_h in the ``history_weeks`` judged weeks before the last active day's week, the chance of no active
  day at all if nothing changed is (X_h / (X_h + X_s))^S -- the exact conditional test comparing two Poisson
  rates, which accounts for how little a small unit's history says. Alert when it is below
  ``silence_significance``.
* **Drop** (kind ``drop``): a *run* is a stretch of consecutive judged weeks with fewer active days than
  expected; the usual level is fixed at the week the run starts (the drop itself never lowers it). Given the
  history's S, the run's O active days are, if nothing changed, Binomial(S + O, X_r / (X_h + X_r)); alert when
  the chance of O or fewer is below ``drop_significance`` and O ≤ ``max_ratio`` × expected.
* **Dispersion.** Counts are divided by φ ≥ 1, how much more the weekly active days vary than Poisson counts do
  (estimated from the data, see ``dispersion``; 1 on the bundled sample), so bursty real data do not raise
  false alarms.
* A unit is judged once it has ``min_history_weeks`` history weeks with members. Each alert says why, in
  words, in the chosen language. One row per unit and episode (a silence, or a run): its last alerted week in
  the scope (``week_start``), when it started (``since``: the first silent day, or the run's first Monday) and
  the first week the rule fired (``first_alert``). The method is deterministic.

Detection quality on the bundled sample (whose generator knows which offices it silenced and when) is measured
by ``python -m bench.alerts_eval`` and reported in docs/metrics.md.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
from scipy.special import betainc

from metrics.columns import REGION
from metrics.parameters import LANG
from metrics.registry import Cells, Parameter, col, metric
from metrics.store import data_span, store_settings
from pulso.core.holidays import working_days
from pulso.core.scope import UNASSIGNED, Scope
from pulso.core.sql import frame

COLUMNS = (col("level", "str", "Nivel", "Level", "code"), col("unit", "str", "Unidad", "Unit", "unit"), REGION,
           col("kind", "str", "Alerta", "Alert", "code"), col("reason", "str", "Por qué", "Why", "text"),
           col("since", "date", "Desde", "Since", "date"),
           col("weeks", "int", "Semanas", "Weeks", "count"),
           col("first_alert", "date", "Primera alerta", "First alert", "date"),
           col("week_start", "date", "Semana", "Week", "date"), col("people", "int", "Personas", "People", "count"),
           col("usual_per_week", "float", "Días activos habituales por semana", "Usual active days a week", "number"),
           col("expected", "float", "Días activos esperados", "Expected active days", "number"),
           col("active_days", "int", "Días activos", "Active days", "count"),
           col("change_pct", "float", "Cambio (%)", "Change (%)", "percent"),
           col("p_value", "float", "Probabilidad por azar", "Chance by accident", "score"))
SCHEMA = {"level": pl.String, "unit": pl.String, "region": pl.String, "kind": pl.String, "reason": pl.String,
          "since": pl.Date, "weeks": pl.Int64, "first_alert": pl.Date, "week_start": pl.Date, "people": pl.Int64,
          "usual_per_week": pl.Float64, "expected": pl.Float64, "active_days": pl.Int64, "change_pct": pl.Float64,
          "p_value": pl.Float64}


# Measured by `python -m bench.alerts_eval` (a test re-measures the bundled sample's row on every run).
QUALITY_TABLE = """\
| sample (seed) | offices silenced | caught | within 3 weeks | delay (days): median / max | false alarms | months | a month |
|---|---|---|---|---|---|---|---|
| bundled (20251117) | 15 | 15 | 11 | 13 / 91 | 7 | 10.1 | 0.69 |
| 1 | 15 | 15 | 10 | 16 / 70 | 5 | 10.1 | 0.49 |
| 2 | 15 | 14 | 14 | 11 / 14 | 5 | 10.1 | 0.49 |
| 3 | 15 | 13 | 12 | 11 / 32 | 5 | 10.1 | 0.49 |

Settings: `history_weeks` = 12, `min_history_weeks` = 8, `silence_significance` = 0.001, `drop_significance` = 1e-05, \
`max_ratio` = 0.5, `min_working_days` = 3."""
QUALITY = {
    "en": "**Detection quality on the sample.** The sample generator silences whole offices (3 % of them, from a day "
          "between months 3 and 7) and changes nothing else, so every other alert is a false alarm "
          "(`pipelines/sample/truth.py`; `python -m bench.alerts_eval` measures the bundled sample and the same "
          "organisation with other seeds). Delay = days from the first silent day to the end of the first alerted "
          "week (alerts are weekly); false alarms = alert episodes on any other office, region or role group, per "
          "month judged.\n\n" + QUALITY_TABLE + "\n\nAim: every silent office within 3 weeks, under 1 false alarm "
          "a month. The false alarms stay under 1 a month; 47 of the 60 silenced offices are caught within 3 weeks, "
          "57 in all. The aim is not reached for the smallest, quietest offices: the 10 caught later (22 to 91 "
          "days) have 1 to 3 people and at most 3.1 active days a week -- three silent weeks happen to them by "
          "chance more often than 1 in 1,000, so nothing tells a real silence from a quiet spell that soon -- and "
          "the 3 never caught are one-person offices that were already almost silent (0 to 0.4 active days a week) "
          "before.",
    "es": "**Calidad de la detección en la muestra.** El generador de la muestra silencia oficinas completas (el 3 %, "
          "desde un día entre los meses 3 y 7) y no cambia nada más, así que cualquier otra alerta es una falsa "
          "alarma (`pipelines/sample/truth.py`; `python -m bench.alerts_eval` mide la muestra incluida y la misma "
          "organización con otras semillas). Demora = días desde el primer día en silencio hasta el final de la "
          "primera semana con alerta (las alertas son semanales); falsas alarmas = episodios de alerta en cualquier "
          "otra oficina, región o grupo por puesto, por mes juzgado.\n\n" + QUALITY_TABLE + "\n\nMeta: toda "
          "oficina en silencio en menos de 3 semanas, con menos de 1 falsa alarma al mes. Las falsas alarmas quedan "
          "por debajo de 1 al mes; 47 de las 60 oficinas silenciadas se detectan en 3 semanas, 57 en total. La meta "
          "no se alcanza en las oficinas más pequeñas y calladas: las 10 detectadas más tarde (22 a 91 días) tienen "
          "de 1 a 3 personas y como mucho 3.1 días activos por semana -- tres semanas sin actividad les ocurren por "
          "azar más de 1 vez en 1,000, así que tan pronto nada distingue un silencio real de una racha tranquila -- "
          "y las 3 nunca detectadas son oficinas de una persona que ya casi no tenían actividad (0 a 0.4 días "
          "activos por semana).",
}


@metric(
    "activity_alerts",
    label={"es": "Alertas de actividad", "en": "Activity alerts"},
    description={"es": "Oficinas, regiones y grupos por puesto cuya actividad se detuvo o cayó muy por debajo de su "
                       "propio pasado, con el porqué.",
                 "en": "Offices, regions and role groups whose activity stopped or fell far below their own past, "
                       "with the reason."},
    definition={
        "es": "Por semana, los días activos (una persona con alguna acción en un día) de cada oficina, región y grupo "
              "por puesto (quienes no tienen oficina) frente a lo esperado: su nivel habitual en sus 12 semanas "
              "juzgadas anteriores, al ritmo de toda la organización en esas semanas (que sigue los días inhábiles "
              "y el calendario de comunicación). Silencio: ningún día activo durante al menos una semana completa, "
              "con una probabilidad menor que 0.001 si nada hubiera cambiado. Caída: semanas seguidas por debajo de "
              "lo esperado, con como mucho la mitad de lo esperado y una probabilidad menor que 0.00001. Prueba "
              "exacta que compara dos tasas de Poisson (binomial condicional): vale para unidades de cualquier "
              "tamaño. No se juzgan semanas con menos de 3 días hábiles (lunes a viernes sin días inhábiles de la "
              "configuración: federales de México y Semana Santa). Umbrales: los de la configuración.",
        "en": "Per week, the active days (a person with an action on a day) of each office, region and role group "
              "(people with no office) against what is expected: its usual level over its previous 12 judged "
              "weeks, at the whole organisation's pace in those weeks (which follows the holidays and the "
              "communications calendar). Silence: no active day for at least one whole week, with a chance below "
              "0.001 if nothing had changed. Drop: consecutive weeks below expectation, with at most half of what "
              "was expected and a chance below 0.00001. Exact test comparing two Poisson rates (conditional "
              "binomial): it works for units of any size. Weeks with fewer than 3 working days (Monday-Friday not "
              "on a holiday of the settings: Mexican federal holidays and Holy Week) are not judged. Thresholds: "
              "the settings'.",
    },
    columns=COLUMNS,
    requires=("people",),
    requires_any=("messages", "visits", "reactions"),
    parameters=(
        Parameter("history_weeks", {"es": "Semanas juzgadas previas al silencio o la racha que dan el nivel habitual.",
                                    "en": "Judged weeks before the silence or run that give the usual level."}, kind="int",
                  setting="alert_history_weeks", minimum=1, maximum=104),
        Parameter("min_history_weeks", {"es": "Mínimo de esas semanas con personas para juzgar una unidad.",
                                        "en": "Fewest of those weeks with members for a unit to be judged."},
                  kind="int", setting="alert_min_history_weeks", minimum=1, maximum=104),
        Parameter("silence_significance", {"es": "Silencio: alerta si tanto silencio tenía menos que esta probabilidad.",
                                           "en": "Silence: alert when that much silence had less than this chance."},
                  kind="float", setting="alert_silence_significance", minimum=1e-12, maximum=0.5),
        Parameter("drop_significance", {"es": "Caída: alerta si tan poca actividad tenía menos que esta probabilidad.",
                                        "en": "Drop: alert when so little activity had less than this chance."},
                  kind="float", setting="alert_drop_significance", minimum=1e-12, maximum=0.5),
        Parameter("max_ratio", {"es": "Caída: y si la racha tuvo como mucho esta parte de lo esperado.",
                                "en": "Drop: and when the run had at most this share of what was expected."},
                  kind="float", setting="alert_max_ratio", minimum=0, maximum=1),
        Parameter("min_working_days", {"es": "Días hábiles mínimos para juzgar una semana.",
                                       "en": "Fewest working days for a week to be judged."},
                  kind="int", setting="alert_min_working_days", minimum=0, maximum=5),
        LANG,
    ),
    group="alerts", notes=QUALITY,
    cells=Cells(key="unit", level_column="level", also=("reason", "since", "first_alert")),
)
def activity_alerts(con: duckdb.DuckDBPyConnection, scope: Scope, history_weeks: int, min_history_weeks: int,
                    silence_significance: float, drop_significance: float, max_ratio: float, min_working_days: int,
                    lang: str = "es") -> pl.DataFrame:
    """One row per unit and run alerted in the scope's weeks, most significant first (see the module docstring)."""
    settings = store_settings(con)
    span = data_span(con)
    if span is None:
        return pl.DataFrame(schema=SCHEMA)
    first_week = span[0] - timedelta(days=span[0].weekday())
    last_week = min(scope.end, span[1]) - timedelta(days=6)
    last_week -= timedelta(days=last_week.weekday())  # the last Monday whose week ends by both ends
    if last_week < first_week:
        return pl.DataFrame(schema=SCHEMA)
    weeks = [first_week + timedelta(weeks=i) for i in range((last_week - first_week).days // 7 + 1)]
    holidays = settings.holidays(first_week, last_week + timedelta(days=6))
    judged = np.array([working_days(w, holidays) >= min_working_days for w in weeks])
    counts, org_daily = unit_weeks(con, scope, first_week, last_week)
    found = judge(counts, org_daily, weeks, judged, history_weeks, min_history_weeks, silence_significance,
                  drop_significance, max_ratio)
    found = found.filter(pl.col("week_start") >= scope.start)
    if found.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    # one row per unit and episode: its last alerted week in the scope
    episodes = found.group_by("level", "unit", "region", "kind", "since", maintain_order=True).last()
    hierarchy = settings.hierarchy
    skipped = [w for w, ok in zip(weeks, judged) if not ok]
    campaigns = frame(con, "SELECT event_date, title FROM campaign_events WHERE event_date BETWEEN ? AND ? "
                           "ORDER BY event_date, title", [episodes["since"].min(), last_week + timedelta(days=6)])
    rows = []
    for row in episodes.iter_rows(named=True):
        holiday_weeks = sum(1 for w in skipped if row["since"] < w + timedelta(days=6) and w < row["week_start"])
        during = campaigns.filter(pl.col("event_date").is_between(row["since"], row["week_start"] + timedelta(days=6)))
        unit = hierarchy.label(row["unit"], lang) if row["level"] == "role_group" else row["unit"]
        rows.append({**row, "unit": unit, "reason": reason(row, lang, holiday_weeks) + campaign_text(during, lang)})
    return (pl.DataFrame(rows).select([pl.col(c).cast(t) for c, t in SCHEMA.items()])
            .sort(["p_value", "level", "unit"]))


def unit_weeks(con: duckdb.DuckDBPyConnection, scope: Scope, first_week: date, last_week: date
               ) -> tuple[pl.DataFrame, np.ndarray]:
    """(counts, org_daily). counts: level ('org' for the whole organisation, office, region, role_group), unit, region,
    week_start, people, member_days, active_days, last_day (the last day with an action in the week) for every
    unit of the scope's directory people and every week first..last; org_daily: the organisation's active days
    on each day of those weeks (weeks x 7). Two passes: members (people x weeks) and actions (one scan of the
    active days, grouped straight into units)."""
    sp, params = scope.people_cte()
    people = f"""{sp},
        people AS (SELECT p.person_id, p.region, p.office, p.role, p.joined_day, p.left_day,
                          p.person_id IN (SELECT person_id FROM sp) AS in_scope
                   FROM person_facts p WHERE p.in_directory AND NOT p.is_bot)"""

    def by_unit(source: str, measures: str, having: bool = False) -> tuple[str, list]:
        """The same measures for the organisation and for each office, region and role group of ``source``."""
        return f"""
            SELECT 'org' AS level, '' AS unit, '' AS region, week_start, {measures} FROM {source} GROUP BY week_start
            UNION ALL
            SELECT 'office', office, region, week_start, {measures} FROM {source}
            WHERE in_scope AND office <> ? GROUP BY region, office, week_start
            UNION ALL
            SELECT 'region', region, region, week_start, {measures} FROM {source}
            WHERE in_scope AND region <> ? GROUP BY region, week_start {'HAVING bool_or(office <> ?)' if having else ''}
            UNION ALL
            SELECT 'role_group', role, NULL, week_start, {measures} FROM {source}
            WHERE in_scope AND office = ? GROUP BY role, week_start""", [UNASSIGNED] * (4 if having else 3)

    sql, unit_params = by_unit("m", "count(*) AS people, sum(days)::DOUBLE AS member_days", having=True)
    members = frame(con, f"""
        WITH {people},
        weeks AS (SELECT CAST(w AS DATE) AS week_start
                  FROM range(?::DATE::TIMESTAMP, ?::DATE::TIMESTAMP + INTERVAL 1 DAY, INTERVAL 7 DAY) t(w)),
        m AS MATERIALIZED (SELECT * FROM (
                SELECT p.*, w.week_start,
                       greatest(0, least(w.week_start + 7, coalesce(p.left_day, w.week_start + 7))
                                   - greatest(w.week_start, coalesce(p.joined_day, w.week_start))) AS days
                FROM people p, weeks w) WHERE days > 0)
        {sql}""", params + [first_week, last_week] + unit_params)
    sql, unit_params = by_unit("a", "count(*)::DOUBLE AS active_days, max(day) AS last_day")
    acted = frame(con, f"""
        WITH {people},
        a AS MATERIALIZED (SELECT p.*, a.day, ?::DATE + CAST(7 * ((a.day - ?::DATE) // 7) AS INTEGER) AS week_start
              FROM person_day_activity a JOIN people p USING (person_id)
              WHERE a.acted AND a.day BETWEEN ? AND ?::DATE + 6
                AND (p.joined_day IS NULL OR a.day >= p.joined_day) AND (p.left_day IS NULL OR a.day < p.left_day))
        {sql}
        UNION ALL
        SELECT 'day', '', '', day, count(*)::DOUBLE, NULL FROM a GROUP BY day""",
                  params + [first_week, first_week, first_week, last_week] + unit_params)
    org_daily = np.zeros(((last_week - first_week).days // 7 + 1) * 7)
    for day, n in acted.filter(pl.col("level") == "day").select("week_start", "active_days").iter_rows():
        org_daily[(day - first_week).days] = n
    keys = ["level", "unit", "region", "week_start"]
    counts = members.join(acted.filter(pl.col("level") != "day"), on=keys, how="left", nulls_equal=True)
    return counts.with_columns(pl.col("active_days").fill_null(0.0)), org_daily.reshape(-1, 7)


RUN_SCHEMA = {"level": pl.String, "unit": pl.String, "region": pl.String, "kind": pl.String, "week_start": pl.Date,
              "since": pl.Date, "weeks": pl.Int64, "first_alert": pl.Date, "people": pl.Int64,
              "usual_per_week": pl.Float64, "expected": pl.Float64, "active_days": pl.Int64,
              "change_pct": pl.Float64, "p_value": pl.Float64}


def judge(counts: pl.DataFrame, org_daily: np.ndarray, weeks: list[date], judged: np.ndarray, history_weeks: int,
          min_history_weeks: int, silence_significance: float, drop_significance: float, max_ratio: float
          ) -> pl.DataFrame:
    """Pure: every alerted unit-week with its figures (see the module docstring).

    ``counts``: level, unit, region, week_start, people, member_days, active_days, last_day (level 'org': the
    whole organisation, the reference); ``org_daily``: the organisation's active days per day (weeks x 7);
    ``weeks``: every Monday in order; ``judged``: which of them are judged."""
    index = {w: i for i, w in enumerate(weeks)}
    n_weeks = len(weeks)
    org = counts.filter(pl.col("level") == "org")
    org_days, org_active = np.zeros(n_weeks), np.zeros(n_weeks)
    for w, d, a in org.select("week_start", "member_days", "active_days").iter_rows():
        org_days[index[w]], org_active[index[w]] = d, a
    units = counts.filter(pl.col("level") != "org")
    keys = units.select("level", "unit", "region").unique(maintain_order=True)
    if keys.is_empty():
        return pl.DataFrame(schema=RUN_SCHEMA)
    key_index = keys.with_row_index("u")
    units = units.join(key_index, on=["level", "unit", "region"], how="left", nulls_equal=True)
    n_units = keys.height
    days, active, people = (np.zeros((n_units, n_weeks)) for _ in range(3))
    last_day = np.full((n_units, n_weeks), -1)  # day index (from weeks[0]) of the last action up to each week
    u = units["u"].to_numpy()
    t = np.array([index[w] for w in units["week_start"].to_list()], dtype=np.int64)
    days[u, t], active[u, t], people[u, t] = (units[c].to_numpy() for c in ("member_days", "active_days", "people"))
    has_last = units["last_day"].is_not_null().to_numpy()
    last_day[u[has_last], t[has_last]] = [(d - weeks[0]).days for d in units["last_day"].filter(has_last).to_list()]
    last_day = np.maximum.accumulate(last_day, axis=1)
    rest_days = org_days[None, :] - days
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(rest_days > 0, (org_active[None, :] - active) / rest_days, 0.0)
        # share of a week's organisation activity falling after each weekday (for a silence starting mid-week)
        week_total = org_daily.sum(axis=1, keepdims=True)
        after = np.where(week_total > 0, 1.0 - np.cumsum(org_daily, axis=1) / week_total, 0.0)
    exposure = days * pace  # active days the unit would have had at the rest of the organisation's pace
    ok = judged[None, :] & (days > 0)
    zero = np.zeros((n_units, 1))
    c_active = np.hstack([zero, np.cumsum(np.where(ok, active, 0.0), axis=1)])
    c_exposure = np.hstack([zero, np.cumsum(np.where(ok, exposure, 0.0), axis=1)])
    c_weeks = np.hstack([zero, np.cumsum(ok, axis=1)])
    c_judged = np.concatenate([[0], np.cumsum(judged)])
    # the history of a run starting at week s: the history_weeks judged weeks before s
    history_start = np.array([max(0, int(np.searchsorted(c_judged, c_judged[s] - history_weeks, side="right")) - 1)
                              if c_judged[s] >= history_weeks else 0 for s in range(n_weeks)])
    rows = np.arange(n_units)
    # each judged week's expectation from the history_weeks before it, for the dispersion estimate
    h0 = history_start[np.arange(n_weeks)][None, :]
    s_all = c_active[:, :-1] - c_active[rows[:, None], h0]
    x_all = c_exposure[:, :-1] - c_exposure[rows[:, None], h0]
    n_all = c_weeks[:, :-1] - c_weeks[rows[:, None], h0]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_all = np.where(ok & (x_all > 0) & (n_all >= min_history_weeks), s_all * exposure / x_all, 0.0)
    phi = dispersion(active, expected_all)

    def history(start: np.ndarray):
        h0 = history_start[start]
        return (c_active[rows, start] - c_active[rows, h0], c_exposure[rows, start] - c_exposure[rows, h0],
                c_weeks[rows, start] - c_weeks[rows, h0])

    run_start = np.full(n_units, -1)
    run_active, run_exposure = np.zeros(n_units), np.zeros(n_units)
    run_weeks = np.zeros(n_units, dtype=np.int64)
    first_drop, first_silence = np.full(n_units, -1), np.full(n_units, -1)
    silence_key = np.full(n_units, -2)
    out = []
    for w in range(n_weeks):
        if not judged[w]:
            continue
        member = days[:, w] > 0
        # --- drop: runs of consecutive judged weeks below what is expected ---------------------------------
        in_run = run_start >= 0
        s, x_h, n_h = history(np.where(in_run, run_start, w))
        valid = member & (n_h >= min_history_weeks) & (s > 0) & (x_h > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected_now = np.where(valid, s * exposure[:, w] / x_h, 0.0)
        below = valid & (active[:, w] < expected_now)
        starts = below & ~in_run
        run_start = np.where(below, np.where(in_run, run_start, w), -1)
        run_active = np.where(starts, active[:, w], np.where(below, run_active + active[:, w], 0.0))
        run_exposure = np.where(starts, exposure[:, w], np.where(below, run_exposure + exposure[:, w], 0.0))
        run_weeks = np.where(starts, 1, np.where(below, run_weeks + 1, 0))
        first_drop = np.where(below & ~starts, first_drop, -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected_run = np.where(below, s * run_exposure / x_h, 0.0)
            # P(Binomial(S + O, X_r / (X_h + X_r)) <= O) = I_{X_h / (X_h + X_r)}(S, O + 1)
            p_drop = np.where(below, betainc(np.maximum(s / phi, 1e-9), run_active / phi + 1.0,
                                             x_h / (x_h + run_exposure)), 1.0)
        drop = below & (p_drop < drop_significance) & (run_active <= max_ratio * expected_run)
        first_drop = np.where(drop & (first_drop < 0), w, first_drop)
        # --- silence: no action since the last active day, over at least a week --------------------------
        last = last_day[:, w]
        w0 = np.where(last >= 0, last // 7, w)
        silent_days = (w + 1) * 7 - 1 - last
        s0, x_h0, n_h0 = history(w0)
        judged_between = np.array([c_judged[w + 1] - c_judged[int(k) + 1] for k in w0])
        x_s = (np.where(judged[w0], exposure[rows, w0] * after[w0, np.maximum(last, 0) % 7], 0.0)
               + (c_exposure[:, w + 1] - c_exposure[rows, np.minimum(w0 + 1, w + 1)]))
        silent = (member & (last >= 0) & (silent_days >= 7) & (judged_between >= 1) & (n_h0 >= min_history_weeks)
                  & (s0 > 0) & (x_h0 > 0) & (x_s > 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            p_silence = np.where(silent, (x_h0 / (x_h0 + x_s)) ** (s0 / phi), 1.0)
        quiet = silent & (p_silence < silence_significance)
        first_silence = np.where(silence_key == last, first_silence, -1)
        silence_key = np.where(silent, last, -2)
        first_silence = np.where(quiet & (first_silence < 0), w, first_silence)
        for i in np.flatnonzero(quiet | drop):
            if quiet[i]:
                expected = float(s0[i] * x_s[i] / x_h0[i])
                out.append((int(i), "silent", weeks[w], weeks[0] + timedelta(days=int(last[i]) + 1),
                            int(judged_between[i]), weeks[int(first_silence[i])], int(people[i, w]),
                            float(s0[i] / n_h0[i]), expected, 0, -100.0, float(p_silence[i])))
            else:
                expected = float(expected_run[i])
                out.append((int(i), "drop", weeks[w], weeks[int(run_start[i])], int(run_weeks[i]),
                            weeks[int(first_drop[i])], int(people[i, w]), float(s[i] / n_h[i]), expected,
                            int(run_active[i]), 100.0 * (run_active[i] - expected) / expected, float(p_drop[i])))
    found = pl.DataFrame(out, schema={"u": pl.UInt32, **{k: v for k, v in RUN_SCHEMA.items()
                                                         if k not in ("level", "unit", "region")}}, orient="row")
    return found.join(key_index, on="u").select(list(RUN_SCHEMA))


def dispersion(observed: np.ndarray, expected: np.ndarray) -> float:
    """How much more weekly active days vary than Poisson counts would, never below 1: the median squared Pearson
    residual (O - E)^2 / E of the unit-weeks expected to have at least 5 active days, over the median of a
    chi-square with one degree of freedom (0.455, the median for Poisson counts); 1 with fewer than 30 such
    weeks. The median keeps the few units that really stopped from inflating it."""
    chosen = expected >= 5
    if chosen.sum() < 30:
        return 1.0
    residual = (observed[chosen] - expected[chosen]) ** 2 / expected[chosen]
    return max(1.0, float(np.median(residual)) / CHI2_1_MEDIAN)


CHI2_1_MEDIAN = 0.454936


def chance_text(p: float, lang: str) -> str:
    """A p-value as odds a person reads: '1 en 12,000' / '1 in 12,000'."""
    if p < 1e-6:
        return "menos de 1 en un millón" if lang == "es" else "less than 1 in a million"
    odds = 1.0 / p
    digits = max(0, len(str(int(odds))) - 2)
    rounded = int(round(odds, -digits))
    return f"1 en {rounded:,}" if lang == "es" else f"1 in {rounded:,}"  # es-MX groups with commas too


def _number(value: float, lang: str) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def campaign_text(events: pl.DataFrame, lang: str) -> str:
    """The communications-calendar events in an alert's span (the expectation already follows them)."""
    if events.is_empty():
        return ""
    named = [f"«{title}» ({day.isoformat()})" for day, title in events.head(2).iter_rows()]
    more = events.height - len(named)
    if lang == "es":
        listed = ", ".join(named) + (f" y {more} más" if more else "")
        return f" Hubo campaña en ese tiempo: {listed}; lo esperado ya la tiene en cuenta."
    listed = ", ".join(named) + (f" and {more} more" if more else "")
    return f" There was a campaign in that time: {listed}; the expectation already accounts for it."


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def reason(row: dict, lang: str, holiday_weeks: int) -> str:
    """Why the unit is alerted, in words (``lang``: es or en), the essentials first."""
    weeks, since, people = row["weeks"], row["since"].isoformat(), row["people"]
    usual, expected = _number(row["usual_per_week"], lang), _number(row["expected"], lang)
    chance = chance_text(row["p_value"], lang)
    if lang == "es":
        skipped = f" Sin contar {_plural(holiday_weeks, 'semana', 'semanas')} con días inhábiles." if holiday_weeks else ""
        who = _plural(people, "persona", "personas")
        if row["kind"] == "silent":
            return (f"Sin actividad desde el {since} ({_plural(weeks, 'semana completa', 'semanas completas')}). "
                    f"Lo habitual: {usual} días activos por semana ({who}); al ritmo de la organización se esperaban "
                    f"{expected}. Probabilidad por azar: {chance}.{skipped}")
        return (f"Actividad {abs(row['change_pct']):.0f} % por debajo de lo esperado desde el {since} "
                f"({_plural(weeks, 'semana', 'semanas')}): {row['active_days']} días activos frente a {expected} "
                f"esperados al ritmo de la organización. Lo habitual: {usual} por semana ({who}). Probabilidad por "
                f"azar: {chance}.{skipped}")
    skipped = f" Not counting {_plural(holiday_weeks, 'week', 'weeks')} with holidays." if holiday_weeks else ""
    who = _plural(people, "person", "people")
    if row["kind"] == "silent":
        return (f"No activity since {since} ({_plural(weeks, 'full week', 'full weeks')}). Usually {usual} active "
                f"days a week ({who}); at the organisation's pace {expected} were expected. Chance by accident: "
                f"{chance}.{skipped}")
    return (f"Activity {abs(row['change_pct']):.0f}% below what was expected since {since} "
            f"({_plural(weeks, 'week', 'weeks')}): {row['active_days']} active days against {expected} expected at "
            f"the organisation's pace. Usually {usual} a week ({who}). Chance by accident: {chance}.{skipped}")
