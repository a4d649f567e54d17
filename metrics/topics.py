"""Topic discovery: what the network talks about (scikit-learn TF-IDF + NMF).

Definitions
-----------
* Documents: one per thread started in the scope by people in scope, shown
  content only (no deleted messages, direct messages or private groups): the
  starter's title and body followed by the bodies of its non-deleted replies.
  At most ``max_threads`` threads are fitted (a seeded random sample above it).
* Terms: lower-cased words of 3+ letters with accents removed (people often
  type without them), unigrams and bigrams,
  without the English stop words of scikit-learn and the Spanish list below;
  a term must occur in ``min_df`` threads or more.
* Topics: NMF (``init='nndsvda'``, seeded) on the TF-IDF matrix. Each thread
  belongs to the topic with its largest weight (weight = that share of the
  thread's total topic weight). With ``n_topics=None`` the number is chosen in
  2..``max_topics`` as the one whose thread assignment has the best mean
  silhouette (cosine distance on TF-IDF): the most clearly separated split;
  splits leaving a topic with fewer than 2 threads are not considered.
* Topics are numbered 1.. by number of threads (most first).

Cost: the vocabulary is capped at 5,000 terms; choosing the number of topics
fits NMF for each candidate on a seeded sample of at most 1,500 threads, then
the chosen number is fitted on up to ``max_threads``. Measured figures are in
the report of this module's author; callers should cache the result per
published store (it is the one metric that is not sub-second).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from metrics.columns import THREAD_ID
from metrics.parameters import limit
from metrics.registry import Cells, Parameter, col, metric
from pulso.core.scope import Scope
from pulso.core.sql import frame

SPANISH_STOP_WORDS = frozenset("""
a al algo algunas algunos ante antes aquí así aun aún cada como cómo con contra cual cuál cuando cuándo de del
desde donde dónde dos durante e el él ella ellas ellos en entre era eran es esa esas ese eso esos esta está
estaba estamos están estar estas este esto estos fue fueron ha había han has hasta hay la las le les lo los más
me mi mí mis mucho muy nada ni no nos nosotros o os otra otras otro otros para pero poco por porque que qué
quien quién se sea ser si sí sido sin sobre solo sólo son su sus también tan tanto te tenemos tener tengo tiene
tienen toda todas todo todos tu tú tus un una unas uno unos usted ustedes vamos va van y ya yo hola gracias
favor buen buena buenos buenas día días hoy bien cómo saludos equipo
""".split())


def _without_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@functools.cache
def stop_words() -> list[str]:
    """English (scikit-learn's list) and Spanish stop words; tokens lose their accents before stop-word removal,
    so the Spanish ones are listed with and without them."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | SPANISH_STOP_WORDS | {_without_accents(w) for w in SPANISH_STOP_WORDS})


TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"
MAX_TERMS = 5000  # vocabulary cap (most frequent terms)
CHOOSE_ON_THREADS = 1500  # the number of topics is chosen on a seeded sample of at most this many threads
MIN_THREADS_PER_TOPIC = 2  # when choosing the number of topics, every topic must hold this many threads

PARAMETERS = (
    Parameter("n_topics", {"es": "Número de temas (vacío: se elige el de mejor separación).",
                           "en": "Number of topics (empty: the best separated number is chosen)."},
              kind="int", default=None, minimum=1, maximum=50),
    Parameter("seed", {"es": "Semilla (mismo valor, mismo resultado).", "en": "Random seed (same seed, same result)."},
              kind="int", default=0, minimum=0, maximum=2**31 - 1),
    limit("max_threads", 5000, "Máximo de hilos ajustados (muestra con semilla por encima).",
          "Most threads fitted (a seeded sample above it).", maximum=20_000, minimum=2),
    limit("max_topics", 8, "Máximo de temas al elegir.", "Most topics when choosing.", maximum=30, minimum=2),
    limit("min_df", 2, "Hilos mínimos en que aparece un término.", "Fewest threads a term occurs in.", maximum=1000),
    limit("top_terms", 8, "Términos por tema.", "Terms per topic.", maximum=50),
)


@dataclass(frozen=True)
class TopicModel:
    topics: pl.DataFrame         # topic, top_terms, threads, example_thread_ids
    thread_topics: pl.DataFrame  # thread_id, topic, weight


def thread_documents(con: duckdb.DuckDBPyConnection, scope: Scope, max_threads: int | None = None,
                     seed: int = 0) -> pl.DataFrame:
    """thread_id, text: one document per thread of the scope that may be shown (see module docstring); above
    ``max_threads`` threads, a seeded sample of them is taken in the database (the same seed gives the
    same sample), so a year of text is never fetched only to be sampled."""
    sample = "ORDER BY hash(t.thread_id, ?) LIMIT ?" if max_threads else ""
    sp, params = scope.people_cte()
    period, period_params = scope.period("t.day")
    group_condition, group_params = scope.group_condition("t.group_id")
    return frame(con, f"""
        WITH {sp},
        t AS (
            SELECT t.thread_id, concat_ws(' ', m.title, m.body) AS text
            FROM threads t JOIN sp ON sp.person_id = t.author_id JOIN messages m ON m.message_id = t.thread_id
            WHERE t.may_show AND {period} AND {group_condition}
            {sample}),
        r AS (
            SELECT x.thread_id, string_agg(m.body, ' ' ORDER BY x.created_at, x.message_id) AS replies
            FROM message_facts x JOIN t ON t.thread_id = x.thread_id JOIN messages m ON m.message_id = x.message_id
            WHERE x.is_reply AND x.may_show
            GROUP BY x.thread_id)
        SELECT t.thread_id, concat_ws(' ', t.text, r.replies) AS text
        FROM t LEFT JOIN r USING (thread_id) ORDER BY t.thread_id
    """, params + period_params + group_params + ([seed, max_threads] if max_threads else []))


def fit_topics(documents: pl.DataFrame, n_topics: int | None = None, seed: int = 0, max_threads: int = 5000,
               max_topics: int = 8, min_df: int = 2, top_terms: int = 8) -> TopicModel:
    """Fit the topic model on ``documents`` (thread_id, text). Pure: same input and seed, same result."""
    from sklearn.decomposition import NMF  # scikit-learn is imported when topics are asked for (about 1-2 s)
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = documents.filter(pl.col("text").str.strip_chars().str.len_chars() > 0).sort("thread_id")
    if docs.height > max_threads:
        docs = docs.sample(n=max_threads, seed=seed).sort("thread_id")
    empty = TopicModel(pl.DataFrame(schema={"topic": pl.Int64, "top_terms": pl.String, "threads": pl.Int64,
                                            "example_thread_ids": pl.List(pl.String)}),
                       pl.DataFrame(schema={"thread_id": pl.String, "topic": pl.Int64, "weight": pl.Float64}))
    if docs.height < 2:
        return empty
    vectorizer = TfidfVectorizer(lowercase=True, stop_words=stop_words(), token_pattern=TOKEN_PATTERN,
                                 strip_accents="unicode", ngram_range=(1, 2), min_df=min(min_df, docs.height),
                                 max_features=MAX_TERMS, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(docs["text"].to_list())
    except ValueError:  # no term left
        return empty
    if n_topics is None:
        sample = matrix
        if matrix.shape[0] > CHOOSE_ON_THREADS:
            rows = np.sort(np.random.default_rng(seed).choice(matrix.shape[0], CHOOSE_ON_THREADS, replace=False))
            sample = matrix[rows]
        n_topics = _choose_k(sample, seed, min(max_topics, sample.shape[0] - 1, matrix.shape[1]))
    n_topics = max(1, min(int(n_topics), docs.height, matrix.shape[1]))
    model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500)
    weights = model.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    labels = weights.argmax(axis=1)
    totals = weights.sum(axis=1)
    share = np.where(totals > 0, weights.max(axis=1) / np.where(totals > 0, totals, 1), 0.0)
    counts = np.bincount(labels, minlength=n_topics)
    # Number topics by size (largest first), ties by the first top term.
    order = sorted(range(n_topics), key=lambda k: (-counts[k], terms[model.components_[k].argmax()]))
    number = {k: i + 1 for i, k in enumerate(order)}
    thread_ids = docs["thread_id"].to_list()
    thread_topics = pl.DataFrame({
        "thread_id": thread_ids,
        "topic": [number[int(k)] for k in labels],
        "weight": [float(round(s, 6)) for s in share],
    }, schema={"thread_id": pl.String, "topic": pl.Int64, "weight": pl.Float64})
    rows = []
    for k in order:
        members = np.flatnonzero(labels == k)
        best = members[np.argsort(-weights[members, k], kind="stable")][:3]
        top = model.components_[k].argsort()[::-1][:top_terms]
        rows.append({"topic": number[k], "top_terms": ", ".join(terms[i] for i in top if model.components_[k][i] > 0),
                     "threads": int(counts[k]), "example_thread_ids": [thread_ids[i] for i in best]})
    topics = pl.DataFrame(rows, schema=empty.topics.schema)
    return TopicModel(topics, thread_topics.sort("topic", "weight", "thread_id", descending=[False, True, False]))


def _choose_k(matrix, seed: int, max_k: int) -> int:
    """The k in 2..max_k whose NMF assignment has the best mean cosine silhouette (2 if none can be scored)."""
    from sklearn.decomposition import NMF
    from sklearn.metrics import silhouette_score

    best_k, best_score = 2, -2.0
    for k in range(2, max_k + 1):
        labels = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500).fit_transform(matrix).argmax(axis=1)
        used = len(set(labels.tolist()))
        if used < 2 or used >= matrix.shape[0]:
            continue
        if min(np.bincount(labels)[np.bincount(labels) > 0]) < MIN_THREADS_PER_TOPIC:
            continue  # a one-thread topic is an outlier, not a subject
        score = silhouette_score(matrix, labels, metric="cosine")
        if used < k:  # a topic no thread belongs to: not a real split
            score -= 1.0
        if score > best_score + 1e-9:
            best_k, best_score = k, score
    return best_k


def _model(con, scope, n_topics, seed, max_threads, max_topics, min_df, top_terms) -> TopicModel:
    return fit_topics(thread_documents(con, scope, max_threads, seed), n_topics, seed, max_threads,
                      max_topics, min_df, top_terms)


_DEFINITION = {
    "es": "TF-IDF (palabras y pares de palabras, sin palabras vacías en español e inglés) y NMF con semilla sobre "
          "los hilos visibles del periodo (título, texto y respuestas; sin borrados, directos ni grupos privados). "
          "Cada hilo va al tema de mayor peso. Si no se fija el número de temas, se elige el de mejor silueta.",
    "en": "TF-IDF (words and word pairs, without Spanish and English stop words) and seeded NMF over the shown "
          "threads of the period (title, body and replies; no deleted ones, direct messages or private groups). "
          "Each thread goes to its heaviest topic. Unless set, the number of topics is the one with the best "
          "silhouette.",
}


@metric("discovered_topics", label={"es": "Temas descubiertos", "en": "Discovered topics"},
        description={"es": "De qué se habla: temas encontrados automáticamente en los hilos.",
                     "en": "What people talk about: topics found automatically in the threads."},
        definition=_DEFINITION, requires=("messages",), parameters=PARAMETERS, group="content",
        cells=Cells(keys=("topic",)),
        columns=(col("topic", "int", "Tema", "Topic", "number"), col("top_terms", "str", "Términos", "Terms", "text"),
                 col("threads", "int", "Hilos", "Threads", "count"),
                 col("example_thread_ids", "list[str]", "Hilos ejemplo", "Example threads", "list")))
def discovered_topics(con: duckdb.DuckDBPyConnection, scope: Scope, n_topics: int | None = None, seed: int = 0,
                      max_threads: int = 5000, max_topics: int = 8, min_df: int = 2, top_terms: int = 8) -> pl.DataFrame:
    """Columns: topic (1 = most threads), top_terms (comma-separated), threads,
    example_thread_ids (up to 3 threads with the highest weight)."""
    return _model(con, scope, n_topics, seed, max_threads, max_topics, min_df, top_terms).topics


@metric("thread_topics", label={"es": "Tema de cada hilo", "en": "Topic of each thread"},
        description={"es": "El tema asignado a cada hilo.", "en": "The topic each thread was assigned to."},
        definition=_DEFINITION, requires=("messages",), parameters=PARAMETERS, group="content",
        cells=Cells(keys=("topic",)),
        columns=(THREAD_ID, col("topic", "int", "Tema", "Topic", "number"),
                 col("weight", "float", "Peso del tema", "Topic weight", "ratio")))
def thread_topics(con: duckdb.DuckDBPyConnection, scope: Scope, n_topics: int | None = None, seed: int = 0,
                  max_threads: int = 5000, max_topics: int = 8, min_df: int = 2, top_terms: int = 8) -> pl.DataFrame:
    """Columns: thread_id, topic, weight (the topic's share, 0-1, of the thread's topic weights)."""
    return _model(con, scope, n_topics, seed, max_threads, max_topics, min_df, top_terms).thread_topics
