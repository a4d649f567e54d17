"""The sample organisation: a microfinance bank's sales hierarchy.

Definitions (ranks from pulso/default_config.toml): one business director;
sales directors report to them; one sales sub-director per region reports to a
sales director; regional managers (about one per ten offices of a region)
report to their region's sub-director; every office has exactly one office
manager, who reports to a regional manager of the office's region; the rest
are office staff reporting to their office manager. Everyone in the hierarchy
is in the org directory. A few platform-only accounts (not in the directory)
and bots are added on top of the directory.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import polars as pl

REGIONS: dict[str, tuple[str, ...]] = {
    "Noroeste": ("Hermosillo", "Culiacán", "Mazatlán", "Tijuana", "Mexicali", "Ciudad Obregón", "Los Mochis", "La Paz"),
    "Noreste": ("Monterrey", "Saltillo", "Torreón", "Reynosa", "Matamoros", "Nuevo Laredo", "Ciudad Victoria", "Monclova"),
    "Occidente": ("Guadalajara", "Zapopan", "Tepic", "Colima", "Puerto Vallarta", "Tlaquepaque", "Manzanillo"),
    "Bajío": ("León", "Querétaro", "Irapuato", "Celaya", "Aguascalientes", "Morelia", "San Luis Potosí", "Salamanca"),
    "Centro": ("Toluca", "Pachuca", "Cuernavaca", "Ecatepec", "Nezahualcóyotl", "Tlalnepantla", "Iztapalapa", "Tlaxcala"),
    "Sur": ("Oaxaca", "Acapulco", "Chilpancingo", "Tuxtla Gutiérrez", "Tapachula", "San Cristóbal", "Iguala"),
    "Sureste": ("Mérida", "Cancún", "Campeche", "Chetumal", "Villahermosa", "Playa del Carmen", "Ciudad del Carmen"),
    "Golfo": ("Veracruz", "Xalapa", "Coatzacoalcos", "Poza Rica", "Córdoba", "Orizaba", "Tuxpan", "Puebla"),
}
NEIGHBOURHOODS = ("Centro", "Norte", "Sur", "Oriente", "Poniente", "Mercado", "Reforma", "Juárez", "Hidalgo",
                  "Independencia", "Las Flores", "San Juan", "Jardines", "Industrial", "La Loma", "El Carmen")
FIRST_NAMES = ("María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Rosa", "Carlos", "Verónica", "Jorge",
               "Laura", "Miguel", "Patricia", "Francisco", "Alejandra", "Pedro", "Gabriela", "Ricardo", "Leticia",
               "Fernando", "Adriana", "Javier", "Claudia", "Sergio", "Elena", "Arturo", "Silvia", "Roberto",
               "Mónica", "Eduardo", "Araceli", "Raúl", "Norma", "Héctor", "Yolanda", "Alberto", "Diana", "Manuel")
SURNAMES = ("Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
            "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez",
            "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez",
            "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán")
DOMAIN = "bancaejemplo.mx"
BOT_NAMES = ("Bot de Avisos", "Integración Encuestas")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def sizes(people: int) -> dict[str, int]:
    """How many of each kind for ``people`` accounts in total (directory + platform-only + bots)."""
    if people < 30:
        raise ValueError("the sample needs at least 30 people")
    bots = 2 if people >= 200 else 1
    platform_only = max(2, round(people * 0.01))
    directory = people - bots - platform_only
    offices = int(np.clip(round(directory / 4.5), 4, 520))
    regions = int(np.clip(offices // 6, 2, len(REGIONS)))
    sales_directors = int(np.clip(regions // 2, 1, 4))
    return {"people": people, "bots": bots, "platform_only": platform_only, "directory": directory,
            "offices": offices, "regions": regions, "sales_directors": sales_directors}


def build_organization(people: int, rng: np.random.Generator) -> pl.DataFrame:
    """Everyone: person_id, email, display_name, region, office, role, manager_id, in_directory, is_bot."""
    s = sizes(people)
    region_names = list(REGIONS)[: s["regions"]]
    # offices spread over regions in proportion to their city counts, then cities × neighbourhoods
    office_region = np.sort(np.arange(s["offices"]) % s["regions"])
    office_names: list[str] = []
    for r, region in enumerate(region_names):
        cities = REGIONS[region]
        count = int((office_region == r).sum())
        for i in range(count):
            city = cities[i % len(cities)]
            hood = NEIGHBOURHOODS[(i // len(cities)) % len(NEIGHBOURHOODS)]
            extra = i // (len(cities) * len(NEIGHBOURHOODS))
            office_names.append(f"{city} {hood}" + (f" {extra + 1}" if extra else ""))
    rows: list[tuple] = []  # (role, region, office, manager_index)

    def add(role, region, office, manager):
        rows.append((role, region, office, manager))
        return len(rows) - 1

    bd = add("business director", "Corporativo", None, None)
    sds = [add("sales director", "Corporativo", None, bd) for _ in range(s["sales_directors"])]
    subs = [add("sales sub-director", region, None, sds[r % len(sds)]) for r, region in enumerate(region_names)]
    office_manager_of: list[int] = []
    for r, region in enumerate(region_names):
        offices_here = np.flatnonzero(office_region == r)
        n_rm = max(1, round(len(offices_here) / 10))
        rms = [add("regional manager", region, None, subs[r]) for _ in range(n_rm)]
        for j, o in enumerate(offices_here):
            office_manager_of.append(add("office manager", region, office_names[o], rms[j * n_rm // len(offices_here)]))
    staff = s["directory"] - len(rows)
    if staff < 0:
        raise ValueError("too few people for the hierarchy")
    # heavy-ish office sizes: a few large offices, most small
    weights = rng.gamma(2.0, 1.0, s["offices"])
    staff_office = np.sort(rng.choice(s["offices"], size=staff, p=weights / weights.sum()))
    for o in staff_office:
        rows.append(("staff", region_names[office_region[o]], office_names[o], office_manager_of[o]))
    n = s["directory"]
    roles = [r[0] for r in rows]
    ids = [f"E{i + 1:05d}" for i in range(n)]
    first = rng.integers(0, len(FIRST_NAMES), n + s["platform_only"])
    last1 = rng.integers(0, len(SURNAMES), n + s["platform_only"])
    last2 = rng.integers(0, len(SURNAMES), n + s["platform_only"])
    names = [f"{FIRST_NAMES[a]} {SURNAMES[b]} {SURNAMES[c]}" for a, b, c in zip(first, last1, last2)]
    emails = [f"{_ascii(FIRST_NAMES[a])}.{_ascii(SURNAMES[b])}{i + 1}@{DOMAIN}"
              for i, (a, b) in enumerate(zip(first, last1))]
    directory = pl.DataFrame({
        "person_id": ids,
        "email": emails[:n],
        "display_name": names[:n],
        "region": [r[1] for r in rows],
        "office": [r[2] for r in rows],
        "role": roles,
        "manager_id": [ids[r[3]] if r[3] is not None else None for r in rows],
        "in_directory": [True] * n,
        "is_bot": [False] * n,
    })
    p = s["platform_only"]
    platform_only = pl.DataFrame({
        "person_id": [f"P{i + 1:04d}" for i in range(p)],
        "email": [f"externo{i + 1}@consultora-aliada.mx" for i in range(p)],
        "display_name": names[n:],
        "in_directory": [False] * p,
        "is_bot": [False] * p,
    })
    bots = pl.DataFrame({
        "person_id": [f"B{i + 1:02d}" for i in range(s["bots"])],
        "email": [f"bot{i + 1}@{DOMAIN}" for i in range(s["bots"])],
        "display_name": list(BOT_NAMES[: s["bots"]]),
        "in_directory": [False] * s["bots"],
        "is_bot": [True] * s["bots"],
    })
    return pl.concat([directory, platform_only, bots], how="diagonal")
