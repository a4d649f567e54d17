"""UI strings in Spanish (default) and English, and locale formatters.

Numbers follow es-MX and en-US, which share the same separators (``1,234.5``);
dates are short and readable (``22 nov 2026`` / ``Nov 22, 2026``). No locale
database is needed: month names are listed here.
"""

from __future__ import annotations

import math
from datetime import date, datetime

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
WEEKDAYS = {
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

STRINGS: dict[str, tuple[str, str]] = {
    # app and navigation
    "app_title": ("Pulso: participación en la red interna", "Pulso: internal network engagement"),
    "page_resumen": ("Resumen", "Overview"),
    "page_comunidad": ("Comunidad", "Community"),
    "page_regiones": ("Regiones", "Regions"),
    "page_flujos": ("Flujos", "Flows"),
    "page_contenido": ("Contenido", "Content"),
    "page_datos": ("Datos", "Data"),
    "language": ("Idioma", "Language"),
    # people without a directory entry, an office or a role
    "unassigned": ("Sin asignar", "Unassigned"),
    "not_in_directory": ("Fuera del directorio", "Not in the directory"),
    "no_office": ("Sin oficina", "No office"),
    "no_office_role": ("{role} (sin oficina)", "{role} (no office)"),
    "no_role": ("Sin rol", "No role"),
    "all_company": ("Toda la compañía", "All company"),
    # filters
    "filters": ("Filtros", "Filters"),
    "granularity": ("Agrupar por", "Group by"),
    "gran_day": ("día", "day"), "gran_week": ("semana", "week"),
    "gran_month": ("mes", "month"), "gran_quarter": ("trimestre", "quarter"),
    "period": ("Periodo", "Period"),
    "period_help": ("Días locales incluidos (zona horaria de la organización: {zone}).",
                    "Local days included (the organisation's time zone: {zone})."),
    "region": ("Región", "Region"), "office": ("Oficina", "Office"), "role": ("Rol", "Role"),
    "group": ("Grupo", "Group"), "all": ("Todas", "All"),
    "scope_caption": ("Periodo: {start} – {end} ({days} días) · comparado con {pstart} – {pend}",
                      "Period: {start} – {end} ({days} days) · compared with {pstart} – {pend}"),
    "times_in_zone": ("Horas en la zona horaria de la organización ({zone}).",
                      "Times in the organisation's time zone ({zone})."),
    # messages
    "no_store": ("Aún no hay datos cargados. Cargue una exportación con `pulso ingest EXPORTACIÓN --db {path}`.",
                 "No data loaded yet. Load an export with `pulso ingest EXPORT --db {path}`."),
    "not_available": ("«{label}» no está disponible: las fuentes cargadas no aportan {missing}.",
                      "“{label}” is not available: the loaded sources do not supply {missing}."),
    "not_registered": ("«{name}» todavía no existe en esta versión de Pulso.",
                       "“{name}” does not exist in this version of Pulso yet."),
    "empty": ("Sin datos para «{label}» con estos filtros y este periodo.",
              "No data for “{label}” with these filters and period."),
    "failed": ("No se pudo calcular «{label}»: {error}", "“{label}” could not be computed: {error}"),
    "definition": ("Definición", "Definition"),
    "download_csv": ("Descargar CSV", "Download CSV"),
    "vs_previous": ("Cambio frente al periodo anterior ({start} – {end}).",
                    "Change against the previous period ({start} – {end})."),
    "na": ("n/d", "n/a"),
    "rows_shown": ("{n} filas", "{n} rows"),
    "rows_of": ("{shown} de {total} filas (todas en el CSV)", "{shown} of {total} rows (all in the CSV)"),
    "chart_first": ("El gráfico muestra los primeros {shown} de {total}; la tabla, todos.",
                    "The chart shows the first {shown} of {total}; the table, all of them."),
    "missing_dash": ("— = sin dato.", "— = no value."),
    # resumen
    "kpis": ("Indicadores clave", "Key indicators"),
    "trends": ("Tendencias", "Trends"),
    "trend_window": ("Actividad del {start} al {end}", "Activity from {start} to {end}"),
    "adoption_region": ("Adopción por región", "Adoption by region"),
    "top_posts": ("Publicaciones destacadas", "Top posts"),
    "campaigns": ("Impacto de campañas", "Campaign impact"),
    "alerts": ("Alertas de actividad", "Activity alerts"),
    "no_alerts": ("Sin alertas: ninguna oficina ni región cayó de forma anormal frente a su propia historia.",
                  "No alerts: no office or region dropped abnormally against its own history."),
    "campaign_window": ("Eventos del calendario del {start} al {end}.", "Calendar events from {start} to {end}."),
    "no_campaigns": ("Ningún evento del calendario de comunicación en estas fechas.",
                     "No communications-calendar event in these dates."),
    "report": ("Reporte del periodo", "Period report"),
    "report_html": ("Reporte en HTML", "Report as HTML"),
    "report_pdf": ("Reporte en PDF", "Report as PDF"),
    "report_pdf_missing": ("El PDF necesita Chromium en el servidor (paquete «chromium»).",
                           "The PDF needs Chromium on the server (package “chromium”)."),
    "report_title": ("Reporte de participación", "Engagement report"),
    "report_generated": ("Generado por Pulso el {when} (hora de {zone})", "Generated by Pulso on {when} ({zone} time)"),
    "report_definitions": ("Qué significa cada indicador", "What each indicator means"),
    "report_scope_all": ("Toda la organización", "The whole organisation"),
    # comunidad
    "ladder": ("Escalera de participación", "Participation ladder"),
    "transitions": ("Cambios de etapa frente al periodo anterior", "Stage changes against the previous period"),
    "people_lists": ("Listas de personas para actuar", "People lists to act on"),
    "inactive": ("Inactivos", "Inactive"), "dormant": ("Dormidos", "Dormant"),
    "incomplete": ("Perfil incompleto", "Incomplete profile"),
    "days_inactive": ("Días sin actividad", "Days without activity"),
    "days_inactive_help": ("Una persona aparece en «Inactivos» si no tuvo ninguna acción en estos días, y en "
                           "«Dormidos» si calló estos días después de participar con regularidad.",
                           "A person is listed as inactive with no action in these days, and as dormant when "
                           "silent these days after taking part regularly."),
    "champions": ("Campeones", "Champions"),
    "unanswered": ("Hilos sin respuesta", "Unanswered threads"),
    "unanswered_hours": ("Horas sin respuesta", "Hours without a reply"),
    "inequality": ("Desigualdad de participación", "Participation inequality"),
    "gini": ("Coeficiente de Gini", "Gini coefficient"),
    "top1": ("Aportes del 1 % más activo", "Share of the top 1 %"),
    "top10": ("Aportes del 10 % más activo", "Share of the top 10 %"),
    "absence": ("Personas que hacen la mitad", "People making half"),
    "never_note": ("«—» en última actividad: nunca tuvo actividad.", "“—” as last activity: never active."),
    # regiones
    "drill_all": ("Todas las regiones", "All regions"),
    "drill_hint": ("Haga clic en una barra o elija en la lista para bajar de nivel.",
                   "Click a bar or choose from the list to drill down."),
    "drill_choose_region": ("Ver región", "Open region"),
    "drill_choose_office": ("Ver oficina", "Open office"),
    "drill_choose_person": ("Ver persona", "Open person"),
    "drill_up": ("Subir a «{name}»", "Back to “{name}”"),
    "comparison_region": ("Regiones comparadas", "Regions compared"),
    "comparison_office": ("Oficinas de {region} comparadas", "Offices of {region} compared"),
    "offices_page": ("Oficinas {first}–{last} de {total}", "Offices {first}–{last} of {total}"),
    "page": ("Página", "Page"),
    "people_in": ("Personas de {office}", "People in {office}"),
    "without_office": ("Personas de {region} sin oficina, por rol", "People of {region} without an office, by role"),
    "no_offices": ("{region} no tiene oficinas: sus personas se muestran por rol.",
                   "{region} has no offices: its people are shown by role."),
    # persona
    "person_title": ("{name}", "{name}"),
    "person_header": ("{role} · {office} · {region}", "{role} · {office} · {region}"),
    "person_manager": ("Jefe directo: {manager}", "Manager: {manager}"),
    "person_no_manager": ("Sin jefe directo en el directorio", "No manager in the directory"),
    "person_stage": ("Etapa actual", "Current stage"),
    "person_last": ("Última actividad", "Last activity"),
    "person_activity": ("Actividad de {name} del {start} al {end}", "{name}'s activity from {start} to {end}"),
    "person_history": ("Etapa en la escalera, semana a semana", "Ladder stage, week by week"),
    "person_answers": ("A quién responde", "Whom they answer"),
    "person_answered_by": ("Quién le responde", "Who answers them"),
    "person_network": ("Su lugar en la red", "Their place in the network"),
    "person_not_found": ("Esa persona no está en esta oficina ni en los filtros elegidos.",
                         "That person is not in this office or the chosen filters."),
    "person_no_replies": ("No respondió a nadie en el periodo.", "They replied to nobody in the period."),
    "person_no_replied": ("Nadie le respondió en el periodo.", "Nobody replied to them in the period."),
    "in_degree": ("Personas que le escriben", "People who write to them"),
    "out_degree": ("Personas a las que escribe", "People they write to"),
    "pagerank_rank": ("Lugar en influencia (PageRank) entre {total}", "Rank in influence (PageRank) among {total}"),
    "betweenness_rank": ("Lugar en intermediación entre {total}", "Rank in brokerage (betweenness) among {total}"),
    "community_of": ("Comunidad {n}: {people} personas, {share} de {region}",
                     "Community {n}: {people} people, {share} from {region}"),
    "no_brokerage": ("«—» en intermediación: ningún camino corto entre otras dos personas pasa por esta persona.",
                     "“—” for brokerage: no shortest path between two other people goes through this person."),
    "no_network_tie": ("Sin vínculos en la red en este periodo.", "No ties in the network in this period."),
    # flujos
    "kinds": ("Qué interacciones contar", "Which interactions to count"),
    "kinds_help": ("Por omisión, lo que la gente escribe: respuestas y menciones. Los me gusta se muestran aparte.",
                   "By default, what people write: replies and mentions. Likes are shown apart."),
    "direction_trend": ("Dirección de la retroalimentación", "Feedback direction"),
    "direction_now": ("En el periodo", "In the period"),
    "direction_window": ("Por {gran}, del {start} al {end}", "By {gran}, from {start} to {end}"),
    "likes_apart": ("Los me gusta, aparte", "Likes, shown apart"),
    "likes_apart_caption": ("{up} de los me gusta van hacia arriba ({weight} me gusta).",
                            "{up} of likes go upward ({weight} likes)."),
    "chain": ("Por la línea de mando", "Along the chain of command"),
    "direction_by_region": ("Dirección por región de quien escribe", "Direction by the writer's region"),
    "upward": ("Hacia arriba", "Upward"), "downward": ("Hacia abajo", "Downward"),
    "horizontal": ("Horizontal", "Horizontal"), "unranked": ("Sin rango", "Unranked"),
    "role_matrix": ("Quién escribe a quién, por rol", "Who writes to whom, by role"),
    "sankey": ("Flujo entre roles", "Role-to-role flow"),
    "sankey_other": ("Flujos menores al {pct} del total se agrupan en «otros».",
                     "Flows under {pct} of the total are grouped as “others”."),
    "others": ("otros", "others"),
    "region_matrix": ("Flujo entre regiones", "Region-to-region flow"),
    "first_reply": ("Tiempo a la primera respuesta", "Time to the first reply"),
    "first_reply_by": ("Según", "By"),
    "by_asker_region": ("región de quien pregunta", "asker's region"),
    "by_asker_role": ("rol de quien pregunta", "asker's role"),
    "by_responder_region": ("región de quien responde", "responder's region"),
    "by_responder_role": ("rol de quien responde", "responder's role"),
    "responsiveness": ("Respuesta de los líderes", "Leadership responsiveness"),
    "silent_leaders": ("Líderes que no responden", "Silent leaders"),
    "network": ("Red de interacción", "Interaction network"),
    "network_show": ("Calcular y mostrar la red", "Compute and show the network"),
    "network_show_help": ("Con miles de personas el primer cálculo tarda unos segundos; después queda en caché.",
                          "With thousands of people the first computation takes a few seconds; then it is cached."),
    "network_level": ("Nivel de la red", "Network level"),
    "level_person": ("personas", "people"), "level_office": ("oficinas", "offices"),
    "level_region": ("regiones", "regions"), "level_role": ("roles", "roles"),
    "network_aggregated": ("Hay {n} personas: la red se muestra agregada por {level}.",
                           "There are {n} people: the network is drawn aggregated by {level}."),
    "network_tabs": ("Detalle de la red", "Network detail"),
    "brokers": ("Intermediarios", "Brokers"), "bridges": ("Puentes entre regiones", "Region bridges"),
    "communities": ("Comunidades", "Communities"), "silos": ("Silos", "Silos"),
    "sender": ("Quien escribe", "Sender"), "receiver": ("Quien recibe", "Receiver"),
    "match_title": ("¿La red sigue a las regiones?", "Does the network follow the regions?"),
    "match_numbers": ("Entre las {tied} personas con algún vínculo ({share} de todas), {own} está en una comunidad "
                      "donde predomina su propia región; {communities} comunidades para {regions} regiones; "
                      "información mutua normalizada entre comunidades y regiones: {nmi} (0 = nada en común, "
                      "1 = iguales).",
                      "Among the {tied} people with a tie ({share} of all), {own} sit in a community whose largest "
                      "region is their own; {communities} communities for {regions} regions; normalised mutual "
                      "information between communities and regions: {nmi} (0 = nothing in common, 1 = the same)."),
    "community_main_region": ("Región principal", "Main region"),
    "community_share": ("Parte de esa región", "Share from that region"),
    # contenido
    "hashtags": ("Hashtags en tendencia", "Trending hashtags"),
    "hashtags_chart": ("Usos en el periodo frente al periodo anterior", "Uses in the period against the previous one"),
    "uses_now": ("Este periodo", "This period"), "uses_before": ("Periodo anterior", "Previous period"),
    "topics": ("Temas descubiertos", "Discovered topics"),
    "topic_examples": ("Hilos de ejemplo", "Example threads"),
    "topics_show": ("Descubrir los temas del periodo", "Find the period's topics"),
    "topics_hint": ("Los temas se descubren con un modelo ajustado a los hilos del periodo: en un periodo largo "
                    "tarda unos segundos, por eso se calcula cuando se pide.",
                    "Topics are found by a model fitted to the period's threads: over a long period it takes a few "
                    "seconds, so it is computed when asked."),
    "best_times": ("Mejores horarios", "Best times"),
    "weekday": ("Día", "Day"), "hour": ("Hora", "Hour"),
    "groups": ("Participación por grupo", "Participation by group"),
    "groups_word": ("grupos", "groups"),
    "times_contributions": ("Publicaciones", "Posts"), "times_reactions": ("Reacciones", "Reactions"),
    # datos
    "no_rejects": ("Ninguna fila rechazada.", "No rejected rows."),
    "no_conflicts": ("Ninguna diferencia con el directorio.", "No conflicts with the directory."),
    "metric_catalog": ("Definiciones de las métricas", "Metric definitions"),
    "vocabulary": ("Vocabulario", "Vocabulary"),
    "last_day": ("Último día con datos", "Last day with data"),
    "time_zone": ("Zona horaria", "Time zone"),
    # axes and generic words
    "date": ("Fecha", "Date"), "people": ("Personas", "People"), "count": ("Cantidad", "Count"),
    "share": ("Proporción", "Share"), "adoption": ("Adopción", "Adoption"), "stage": ("Etapa", "Stage"),
    "weight": ("Interacciones", "Interactions"), "value": ("Valor", "Value"),
    "change": ("Cambio", "Change"), "rank": ("Lugar", "Rank"),
    "events": ("Eventos del calendario", "Calendar events"),
    "dau": ("Activos del día", "Daily actives"), "wau": ("Activos 7 días", "7-day actives"),
    "mau": ("Activos 28 días", "28-day actives"),
    "now": ("ahora", "now"), "before": ("antes", "before"),
    "yes": ("Sí", "Yes"), "no": ("No", "No"),
}

# Access, suppression and sign-in (issue 12): kept apart so the page strings above stay as they are.
STRINGS.update({
    "access_person_level": ("Sin acceso: «{label}» muestra personas con nombre y su rol solo ve agregados.",
                            "No access: “{label}” shows people by name and your role sees aggregates only."),
    "access_store_wide": ("Sin acceso: «{label}» contiene datos personales de todo el almacén; solo lo ve un "
                          "administrador.",
                          "No access: “{label}” holds personal data of the whole store; only an administrator "
                          "sees it."),
    "access_private_group": ("Sin acceso: el filtro de grupo nombra un grupo privado.",
                             "No access: the group filter names a private group."),
    "access_filter": ("Sin acceso: con solo agregados se filtra por región y oficina (un filtro de rol o de grupo "
                      "podría aislar a un grupo pequeño).",
                      "No access: with aggregates only, filter by region and office (a role or group filter could "
                      "single out a small group)."),
    "access_group_breakdown": ("Sin acceso: las cifras por grupo no se muestran a quien solo ve agregados (los "
                               "grupos se solapan).",
                               "No access: figures per group are not shown to viewers with aggregates only (groups "
                               "overlap)."),
    "access_role_breakdown": ("Sin acceso: el desglose por rol se muestra sin filtros de región u oficina.",
                              "No access: the breakdown by role is shown without region or office filters."),
    "access_hidden_unit": ("Oculto: la región u oficina elegida se oculta para proteger grupos de menos de {k} "
                           "personas.",
                           "Hidden: the chosen region or office is hidden to protect groups of fewer than {k} "
                           "people."),
    "access_small_scope": ("Oculto: el alcance tiene menos de {k} personas.",
                           "Hidden: the scope holds fewer than {k} people."),
    "signin": ("Iniciar sesión", "Sign in"),
    "signin_body": ("Pulso muestra datos de personas de la organización: inicie sesión con su cuenta de trabajo.",
                    "Pulso shows data about the organisation's people: sign in with your work account."),
    "signout": ("Cerrar sesión", "Sign out"),
    "no_access_title": ("Sin acceso", "No access"),
    "no_access_body": ("La cuenta {email} no tiene acceso a Pulso. Pida acceso a quien administra Pulso en su "
                       "organización.",
                       "The account {email} has no access to Pulso. Ask whoever runs Pulso in your organisation."),
    "local_mode": ("Modo local: sin control de acceso. Cualquiera que abra este equipo ve todos los datos.",
                   "Local mode: no access control. Anyone using this computer sees all the data."),
    "open_refused": ("Pulso no tiene inicio de sesión configurado y este servidor escucha en una dirección que no es "
                     "local: no se muestra nada. Configure el inicio de sesión o sirva en 127.0.0.1 (`pulso serve`).",
                     "Pulso has no sign-in configured and this server listens on a non-local address: nothing is "
                     "shown. Configure sign-in or serve on 127.0.0.1 (`pulso serve`)."),
    "access_not_listed": ("Sin acceso.", "No access."),
    "report_rights": ("Vista de {role}: {units}", "View of a {role}: {units}"),
    "suppressed_note": ("«< {k}»: grupo de menos de {k} personas; «—»: oculto para que no pueda deducirse otro "
                        "grupo pequeño.",
                        "“< {k}”: a group of fewer than {k} people; “—”: hidden so that another small group "
                        "cannot be worked out."),
})


def t(key: str, lang: str, **values) -> str:
    """The UI string ``key`` in ``lang`` with ``{placeholders}`` filled; unknown keys show as themselves."""
    pair = STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "es" else 1]
    return text.format(**values) if values else text


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value, lang: str, decimals: int | None = None) -> str:
    """``1234.5`` -> ``1,234.5`` (es-MX and en-US both group with commas). Integers show no decimals."""
    if _missing(value):
        return t("na", lang)
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return f"{value:,.{decimals}f}"


def fmt_percent(ratio, lang: str, decimals: int = 1) -> str:
    """A ratio 0-1 as a percent: ``0.4796`` -> ``48.0 %`` (es) / ``48.0%`` (en)."""
    if _missing(ratio):
        return t("na", lang)
    text = f"{ratio * 100:,.{decimals}f}"
    return f"{text} %" if lang == "es" else f"{text}%"


def fmt_change(pct, lang: str) -> str | None:
    """A change already in percent (``-5.81``) signed: ``-5.8 %``; None when there is nothing to compare."""
    if _missing(pct):
        return None
    text = f"{pct:+,.1f}"
    return f"{text} %" if lang == "es" else f"{text}%"


def fmt_points(points, lang: str) -> str | None:
    """A change in percentage points: ``+0.4 pts`` / ``+0.4 pp``."""
    if _missing(points):
        return None
    return f"{points:+,.1f} " + ("pts" if lang == "es" else "pp")


def fmt_date(value, lang: str) -> str:
    """``22 nov 2026`` (es) / ``Nov 22, 2026`` (en)."""
    if _missing(value):
        return t("na", lang)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        value = date.fromisoformat(str(value)[:10])
    month = MONTHS[lang][value.month - 1]
    return f"{value.day} {month} {value.year}" if lang == "es" else f"{month} {value.day}, {value.year}"


def fmt_datetime(value, lang: str) -> str:
    if _missing(value):
        return t("na", lang)
    return f"{fmt_date(value, lang)} {value:%H:%M}"


def fmt_month(value, lang: str, year: bool = True) -> str:
    """``nov 2026`` (es) / ``Nov 2026`` (en); without the year: ``nov`` / ``Nov``."""
    if isinstance(value, datetime):
        value = value.date()
    month = MONTHS[lang][value.month - 1]
    return f"{month} {value.year}" if year else month


def fmt_short_date(value, lang: str) -> str:
    """``9 nov`` (es) / ``Nov 9`` (en): a day without its year."""
    if isinstance(value, datetime):
        value = value.date()
    month = MONTHS[lang][value.month - 1]
    return f"{value.day} {month}" if lang == "es" else f"{month} {value.day}"


def zone_name(timezone: str) -> str:
    """A time zone as a person reads it: ``America/Mexico_City`` -> ``Mexico City``."""
    return timezone.rsplit("/", 1)[-1].replace("_", " ")
