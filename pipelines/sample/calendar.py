"""The sample's year: fixed dates, the communications plan and the daily activity curve.

The network launches on 2025-11-17 (a pilot with managers); data runs until
2026-11-15 inclusive. Mexico City has had no daylight saving time since 2022,
but the UTC offset is still computed per day from the IANA zone. A day's
activity weight is ``base × weekday × holiday × (1 + Σ campaign boosts)``,
where each campaign event adds a boost that decays exponentially afterwards,
so participation visibly jumps after each event of the plan.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

TIMEZONE = "America/Mexico_City"
LAUNCH = date(2025, 11, 17)
LAST_DAY = date(2026, 11, 15)
ANNOUNCEMENT = date(2025, 12, 1)
CREDENTIALS = date(2025, 12, 3)

# (event_id, date, title, channel, audience, boost, decay days)
CAMPAIGN: tuple[tuple[str, date, str, str, str, float, float], ...] = (
    ("C01", LAUNCH, "Lanzamiento piloto de la red con gerentes", "network", "gerentes", 0.5, 10.0),
    ("C02", ANNOUNCEMENT, "Anuncio oficial del director de negocio", "email", "todos", 1.5, 12.0),
    ("C03", CREDENTIALS, "Envío de credenciales a todas las oficinas", "email", "todos", 1.0, 10.0),
    ("C04", date(2025, 12, 8), "Primer tema: ¿cómo colocamos más crédito grupal?", "network", "todos", 0.8, 7.0),
    ("C05", date(2026, 1, 12), "Recordatorio: comparte tus buenas prácticas", "email", "todos", 0.6, 6.0),
    ("C06", date(2026, 1, 20), "Capacitación virtual 1: uso de la red", "video", "gerentes de oficina", 0.9, 5.0),
    ("C07", date(2026, 2, 17), "Capacitación virtual 2: grupos y menciones", "video", "todos", 0.8, 5.0),
    ("C08", date(2026, 4, 14), "Capacitación virtual 3: reconocimiento a equipos", "video", "todos", 0.7, 5.0),
    ("C09", date(2026, 5, 4), "Recordatorio: campaña de reconocimiento", "email", "todos", 0.5, 5.0),
    ("C10", date(2026, 6, 16), "Capacitación virtual 4: cobranza preventiva", "video", "gerentes regionales", 0.7, 5.0),
    ("C11", date(2026, 9, 15), "Capacitación virtual 5: seguridad y prevención", "video", "todos", 0.7, 5.0),
)
HOLIDAYS = ((date(2025, 12, 24), date(2026, 1, 1)), (date(2026, 3, 30), date(2026, 4, 5)))
# share of activity by local hour 0..23: working hours 8-19 with a lunch dip
HOUR_WEIGHTS = np.array([0, 0, 0, 0, 0, 0, 0.2, 1, 4, 8, 9, 9, 8, 6, 4, 6, 8, 8, 6, 4, 2, 1, 0.5, 0.1])


def days() -> list[date]:
    n = (LAST_DAY - LAUNCH).days + 1
    return [LAUNCH + timedelta(days=i) for i in range(n)]


def utc_offsets_seconds(day_list: list[date]) -> np.ndarray:
    """Seconds to add to a local Mexico City time on each day to get UTC (e.g. +21,600)."""
    zone = ZoneInfo(TIMEZONE)
    return np.array([-int(datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset().total_seconds())
                     for d in day_list], dtype=np.int64)


def day_weights(day_list: list[date]) -> np.ndarray:
    """Relative activity of each day (before restricting to who has joined)."""
    idx = np.arange(len(day_list), dtype=np.float64)
    weekday = np.array([d.weekday() for d in day_list])
    w = 1.0 + 0.3 * np.exp(-idx / 90.0)                                   # novelty fades
    w *= np.where(weekday == 5, 0.25, np.where(weekday == 6, 0.1, 1.0))  # weekends
    for start, end in HOLIDAYS:
        w *= np.array([0.3 if start <= d <= end else 1.0 for d in day_list])
    boost = np.zeros(len(day_list))
    for _, when, _, _, _, amount, decay in CAMPAIGN:
        after = idx - (when - LAUNCH).days
        boost += np.where(after >= 0, amount * np.exp(-np.maximum(after, 0) / decay), 0.0)
    return w * (1.0 + boost)


def campaign_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "event_id": [c[0] for c in CAMPAIGN],
        "event_date": [c[1] for c in CAMPAIGN],
        "title": [c[2] for c in CAMPAIGN],
        "channel": [c[3] for c in CAMPAIGN],
        "audience": [c[4] for c in CAMPAIGN],
    })
