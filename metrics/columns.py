"""Output columns that many metrics share, declared once (name, type, label es/en, display format).

A metric lists its columns in its ``@metric(columns=...)`` declaration, taking
these or declaring its own with ``col``; the dashboard, the CSV downloads and
the report take headers and formats from the declaration.
"""

from __future__ import annotations

from metrics.registry import col

PERSON_ID = col("person_id", "str", "ID", "ID", "id")
NAME = col("name", "str", "Nombre", "Name", "name")
REGION = col("region", "str", "Región", "Region", "unit")
OFFICE = col("office", "str", "Oficina", "Office", "unit")
ROLE = col("role", "str", "Rol", "Role", "role")
MANAGER = col("manager", "str", "Jefe", "Manager", "name")
LAST_ACTIVITY = col("last_activity", "date", "Última actividad", "Last activity", "date")
STAGE = col("stage", "str", "Etapa", "Stage", "code")
PERSON = (PERSON_ID, NAME, REGION, OFFICE, ROLE)
PERSON_LIST = (*PERSON, MANAGER, LAST_ACTIVITY)

SEGMENT = col("segment", "str", "Segmento", "Segment", "unit")
PERIOD_START = col("period_start", "date", "Periodo", "Period", "date")
PERIOD = col("period", "date", "Periodo", "Period", "date")
DAY = col("day", "date", "Día", "Day", "date")
PEOPLE = col("people", "int", "Personas", "People", "count")
VALUE = col("value", "float", "Valor", "Value", "number")

THREAD_ID = col("thread_id", "str", "Hilo", "Thread", "id")
GROUP_ID = col("group_id", "str", "Grupo (ID)", "Group (ID)", "id")
GROUP_NAME = col("group_name", "str", "Grupo", "Group", "text")
TITLE = col("title", "str", "Título", "Title", "text")
CREATED_LOCAL = col("created_local", "datetime", "Publicado", "Posted", "datetime_local")

WEIGHT = col("weight", "float", "Peso", "Weight", "number")
SHARE = col("share", "float", "Proporción", "Share", "ratio")
TIE_MIN_WEIGHT = col("tie_min_weight", "float", "Mínimo por vínculo", "Tie minimum", "number")
