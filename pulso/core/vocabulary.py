"""Pulso's vocabulary: each business term, its definition and the one place that implements it.

docs/metrics.md opens with this list (generated), so every definition is one hop
away from any metric; the dashboard's definitions page shows it too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    key: str
    name: dict[str, str]
    definition: dict[str, str]
    written_in: str  # the one place that implements it


VOCABULARY: tuple[Term, ...] = (
    Term("action", {"es": "Acción", "en": "Action"},
         {"es": "Una visita, un hilo iniciado, una respuesta o un me gusta dado. Los mensajes borrados cuentan como la "
                "acción que fueron; los privados (grupos privados, conversaciones privadas) cuentan salvo que la "
                "configuración diga count_private = false.",
          "en": "A visit, a thread started, a reply or a like given. Deleted messages count as the action they were; "
                "private ones (private groups, private conversations) count unless the settings say "
                "count_private = false."},
         "`person_day_activity.acted` (pipelines/derived.py, `person_day_activity`)"),
    Term("active_account", {"es": "Cuenta activa", "en": "Active account"},
         {"es": "Una persona con al menos una acción en el periodo (definición de Microsoft para Yammer).",
          "en": "A person with at least one action in the period (Microsoft's definition for Yammer)."},
         "`person_day_activity.acted`; KPI `active_accounts` (metrics/kpis.py)"),
    Term("contribution", {"es": "Aportación", "en": "Contribution"},
         {"es": "Un hilo iniciado, una respuesta o un me gusta dado. (Una visita es una acción, no una aportación.) "
                "«Mensajes» son solo hilos y respuestas.",
          "en": "A thread started, a reply or a like given. (A visit is an action, not a contribution.) "
                "\"Messages\" are threads and replies only."},
         "`person_day_activity.contributions` / `.contributed` (pipelines/derived.py)"),
    Term("thread", {"es": "Hilo", "en": "Thread"},
         {"es": "Un mensaje que no responde a otro e inicia su propio hilo. Cuenta en las métricas de conversación si "
                "no está borrado ni es una conversación privada; está respondido cuando alguien distinto de su autor, "
                "que no es un bot, respondió con un mensaje no borrado.",
          "en": "A message that answers no other and starts its own thread. It counts in conversation metrics when "
                "not deleted and not a private conversation; it is answered when someone other than its author, not a "
                "bot, replied with a message that is not deleted."},
         "`threads` (pipelines/derived.py, `threads`; `message_facts.is_thread_start`)"),
    Term("reply", {"es": "Respuesta", "en": "Reply"},
         {"es": "Un mensaje que responde a otro o que está en el hilo de otro mensaje. Como interacción va de quien "
                "responde al autor del mensaje respondido.",
          "en": "A message that answers another or sits in another message's thread. As an interaction it goes from "
                "the replier to the author of the message answered."},
         "`message_facts.is_reply`, `acts` kind `reply` (pipelines/derived.py)"),
    Term("like", {"es": "Me gusta", "en": "Like"},
         {"es": "Cualquier reacción a un mensaje (su peso cuando la fuente solo da cuentas). Como interacción va de quien "
                "reacciona al autor del mensaje; las reacciones sin persona conocida cuentan en los totales del mensaje "
                "pero no como interacción. El indicador «Me gusta» cuenta los recibidos por los mensajes de las "
                "personas del alcance, de cualquiera (también sin persona conocida); dar un me gusta es una aportación "
                "de quien lo da.",
          "en": "Any reaction to a message (its weight where the source only gives counts). As an interaction it goes "
                "from the reactor to the message's author; reactions without a known person count in the message's "
                "totals but not as an interaction. The Likes KPI counts those received by the messages of people in "
                "scope, from anyone (unknown givers included); giving a like is a contribution of the giver."},
         "`person_day_activity.likes_given` / `likes_received` (KPI `likes`, `activity_trend`), `threads.likes`, "
         "`acts` kind `like`"),
    Term("act", {"es": "Interacción", "en": "Interaction"},
         {"es": "Un acto dirigido de persona a persona: respuesta, mención, me gusta o interacción genérica de otra "
                "fuente (correo, reunión...). Las de una persona consigo misma se cuentan aparte.",
          "en": "A directed person-to-person act: a reply, a mention, a like or a generic interaction from another "
                "source (e-mail, meeting...). Acts of a person with themself are counted apart."},
         "`acts` (pipelines/derived.py, `acts`)"),
    Term("shown", {"es": "Contenido visible", "en": "Shown content"},
         {"es": "Un mensaje puede mostrarse como texto solo si no está borrado, no es una conversación privada y no está "
                "en un grupo privado (un grupo que ninguna fuente describe se trata como privado). El texto de los "
                "demás no se muestra a nadie, ni en las filas rechazadas; el nombre de un grupo privado solo lo ven "
                "los roles de administrador y gestor de comunidad.",
          "en": "A message may be shown as text only when it is not deleted, not a private conversation and not in a "
                "private group (a group no source describes is treated as private). The others' text is shown to "
                "nobody, rejected rows included; a private group's name is seen by the administrator and community "
                "manager roles only."},
         "`message_facts.may_show`, `threads.may_show` (pipelines/derived.py)"),
    Term("period", {"es": "Periodo", "en": "Period"},
         {"es": "Días locales consecutivos (zona horaria de la configuración), ambos extremos incluidos; las semanas "
                "empiezan en lunes; el periodo anterior tiene la misma duración y termina el día antes. Todo periodo se "
                "recorta a los días que cubren los datos. Por omisión: la última semana completa con datos.",
          "en": "Consecutive local days (the settings' time zone), both ends included; weeks start on Monday; the "
                "previous period has the same length and ends the day before. Every period is clipped to the days "
                "the data covers. Default: the last complete week with data."},
         "`Scope.period`, `Scope.clipped` (pulso/core/scope.py); pulso/core/periods.py"),
    Term("people_in_scope", {"es": "Personas del alcance", "en": "People in scope"},
         {"es": "Las personas que no son bots y pasan los filtros de región, oficina, rol y grupo (un filtro de grupo "
                "deja a sus miembros). Quien no está en el directorio tiene región, oficina y rol «sin asignar».",
          "en": "The people who are not bots and pass the region, office, role and group filters (a group filter "
                "keeps its members). People not in the directory have region, office and role \"unassigned\"."},
         "`Scope.people_cte` over `person_facts` (pulso/core/scope.py)"),
    Term("eligible", {"es": "Elegible", "en": "Eligible"},
         {"es": "En el directorio de la organización y sin baja en el día considerado (el cierre del periodo): el "
                "denominador de la adopción y quienes pueden aparecer como inactivos. Desde el día de su baja una "
                "persona sale de la adopción, de la escalera, de las listas (inactivas, dormidas, perfiles) y de las "
                "unidades de las alertas.",
          "en": "In the organisation's directory and not left on the day considered (the period's end): adoption's "
                "denominator and who can be listed as inactive. From the day they leave, people are out of adoption, "
                "the ladder, the lists (inactive, dormant, profiles) and the alerts' units."},
         "`eligible`, `not_left` (pulso/core/scope.py) over `person_facts.left_day`"),
    Term("holiday", {"es": "Día inhábil", "en": "Holiday"},
         {"es": "Un día del calendario de la configuración: los días de descanso obligatorio de México (LFT art. 74) y "
                "la Semana Santa, calculados para cada año, más los días que la organización añada. Un día hábil es "
                "un lunes a viernes que no es inhábil; las alertas no juzgan semanas con pocos días hábiles.",
          "en": "A day of the settings' calendar: Mexico's mandatory rest days (Federal Labour Law art. 74) and Holy "
                "Week, computed for every year, plus the days the organisation adds. A working day is a Monday to "
                "Friday that is not a holiday; alerts do not judge weeks with few working days."},
         "`[calendar]` in the settings; pulso/core/holidays.py"),
)


def vocabulary_markdown(language: str = "en") -> list[str]:
    """The vocabulary as Markdown lines (a section of docs/metrics.md)."""
    out = ["## Vocabulary", "",
           "Each term is defined once; the last column says where the rule is written." if language == "en" else
           "Cada término se define una sola vez; la última columna dice dónde está escrita la regla.", "",
           "| term | definition | written in |", "|---|---|---|"]
    out += [f"| **{term.name[language]}** | {term.definition[language]} | {term.written_in} |" for term in VOCABULARY]
    out.append("")
    return out
