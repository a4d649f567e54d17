"""Topic discovery on a hand-made corpus of 12 threads on 3 distinct subjects.

Each subject has three Spanish threads and one English thread; the English one
shares the subject's names (CrediMujer, Protección Civil, Copa Pulso), as
English posts in a Mexican organisation do. A bag-of-words model cannot link an
English thread that shares no word with the Spanish ones (no translation)."""

from datetime import date

import polars as pl

from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from metrics.topics import fit_topics

CREDIT = {
    "c1": "Nuevo CrediMujer grupal para emprendedoras: tasa de interés preferente y plazo de pago semanal",
    "c2": "¿Cuál es la tasa de interés del CrediMujer individual? Una clienta pregunta por el plazo de pago",
    "c3": "CrediMujer approval: the interest rate and the loan payment schedule for group loans",
    "c4": "Renovación de CrediMujer: la clienta pagó puntual, ¿se mejora la tasa de interés y el plazo de pago?",
}
SAFETY = {
    "s1": "Simulacro de sismo el viernes: protocolo de evacuación y punto de reunión en cada sucursal",
    "s2": "Protección Civil: revisen extintores y rutas de evacuación para el simulacro de sismo",
    "s3": "Earthquake drill on Friday with Protección Civil: evacuation protocol and fire extinguishers check",
    "s4": "Resultados del simulacro de sismo: la evacuación tomó tres minutos, Protección Civil pide revisar extintores",
}
SOCCER = {
    "f1": "Torneo de fútbol Copa Pulso: inscriban a su equipo antes del sábado, partido en la cancha",
    "f2": "Final de la Copa Pulso: el partido de fútbol del sábado en la cancha municipal, lleven porra",
    "f3": "Copa Pulso soccer final on Saturday: the match at the field, goal celebrations and trophy",
    "f4": "Fotos de la Copa Pulso: ganamos el partido de fútbol con un gol en el último minuto, trofeo a la sucursal",
}
SUBJECTS = [set(CREDIT), set(SAFETY), set(SOCCER)]


def corpus() -> pl.DataFrame:
    texts = {**CREDIT, **SAFETY, **SOCCER}
    return pl.DataFrame({"thread_id": list(texts), "text": list(texts.values())})


def grouping(thread_topics: pl.DataFrame) -> list[set[str]]:
    groups = thread_topics.group_by("topic").agg(pl.col("thread_id")).sort("topic")
    return sorted((set(ids) for ids in groups["thread_id"].to_list()), key=min)


def test_three_subjects_found_and_split_exactly():
    model = fit_topics(corpus(), n_topics=None, seed=0)
    assert model.topics.height == 3
    assert grouping(model.thread_topics) == sorted(SUBJECTS, key=min)
    assert model.topics["threads"].to_list() == [4, 4, 4]
    assert model.thread_topics.height == 12
    # each topic's terms belong to its subject
    for row in model.topics.iter_rows(named=True):
        members = set(model.thread_topics.filter(pl.col("topic") == row["topic"])["thread_id"])
        keyword = {"c1": "credimujer", "s1": "proteccion civil", "f1": "copa pulso"}[min(members)]
        assert keyword in row["top_terms"].split(", ")
        assert set(row["example_thread_ids"]) <= members and len(row["example_thread_ids"]) == 3


def test_same_seed_same_result_and_fixed_number():
    first = fit_topics(corpus(), seed=7)
    again = fit_topics(corpus(), seed=7)
    assert first.topics.equals(again.topics)
    assert first.thread_topics.equals(again.thread_topics)
    two = fit_topics(corpus(), n_topics=2, seed=0)
    assert two.topics.height == 2 and two.thread_topics.height == 12


def test_sample_cap_and_stop_words():
    model = fit_topics(corpus(), n_topics=3, seed=0, max_threads=6)
    assert model.thread_topics.height == 6
    terms = ", ".join(fit_topics(corpus(), n_topics=3).topics["top_terms"]).split(", ")
    assert not {"the", "de", "para", "del"} & set(terms)


def test_metric_reads_only_shown_threads(make_store):
    people = [{"person_id": "p1", "display_name": "Ana"}, {"person_id": "p2", "display_name": "Beto"}]
    texts = {**CREDIT, **SAFETY, **SOCCER}
    messages = [{"message_id": k, "thread_id": k, "author_id": "p1", "created_at": "2026-03-02T12:00:00Z",
                 "body": v, "is_private": "false"} for k, v in texts.items()]
    messages += [
        {"message_id": "x1", "thread_id": "x1", "author_id": "p1", "created_at": "2026-03-02T12:00:00Z",
         "body": CREDIT["c1"], "is_private": "true"},
        {"message_id": "x2", "thread_id": "x2", "author_id": "p2", "created_at": "2026-03-02T12:00:00Z",
         "body": SAFETY["s1"], "is_private": "false", "deleted_at": "2026-03-03T00:00:00Z"},
        {"message_id": "x3", "thread_id": "x3", "author_id": "p2", "created_at": "2026-03-09T12:00:00Z",
         "body": SOCCER["f1"], "is_private": "false"},  # after the scope
    ]
    con = connect_read_only(make_store({"people": people, "messages": messages}))
    scope = Scope(date(2026, 3, 1), date(2026, 3, 7))
    assigned = compute(con, "thread_topics", scope, seed=0)
    assert grouping(assigned) == sorted(SUBJECTS, key=min)
    topics = compute(con, "discovered_topics", scope, seed=0)
    assert topics["threads"].to_list() == [4, 4, 4]
