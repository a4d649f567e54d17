"""Spanish message texts for the sample organisation, one vocabulary per topic.

Each topic has its own words (titles, sentences, hashtags) so that topic
discovery (TF-IDF + NMF) on the sample finds them again. Texts are assembled
by index, never one Python call per message.
"""

from __future__ import annotations

import numpy as np
import polars as pl

# topic -> (display name, hashtags, titles, sentences)
TOPICS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "colocacion": (
        "Colocación de crédito",
        ("colocacion", "credito", "metasdelmes"),
        ("Colocación de créditos grupales esta semana", "¿Cómo aceleran la colocación de crédito individual?",
         "Nuevo producto de crédito para comerciantes", "Renovaciones anticipadas de crédito"),
        ("Esta semana colocamos doce créditos grupales nuevos con las promotoras.",
         "La solicitud de crédito se aprobó en dos días gracias al buró revisado a tiempo.",
         "Recomiendo visitar a las clientas del tianguis antes de la renovación del crédito.",
         "El monto promedio de desembolso subió con el crédito para comerciantes.",
         "¿Qué requisitos piden para el crédito individual de ampliación de negocio?",
         "Las renovaciones anticipadas ayudan a la colocación sin subir el riesgo."),
    ),
    "cobranza": (
        "Cobranza",
        ("cobranza", "cartera", "morosidad"),
        ("Recuperación de cartera vencida", "¿Cómo bajan la morosidad en su oficina?",
         "Estrategia de cobranza preventiva", "Cartera en riesgo del mes"),
        ("La cartera vencida bajó tres puntos con las llamadas de cobranza preventiva.",
         "Visitamos a los grupos con atraso y acordamos un plan de pagos semanal.",
         "La morosidad de la oficina se concentra en pocos grupos solidarios.",
         "¿Alguien tiene un guion para la gestión de cobranza temprana?",
         "El índice de cartera en riesgo mejoró después de reestructurar los pagos.",
         "Los recordatorios de pago por mensaje redujeron los atrasos."),
    ),
    "capacitacion": (
        "Capacitación",
        ("capacitacion", "aprendizaje", "sesionvirtual"),
        ("Sesión virtual de capacitación", "Material del curso para asesores",
         "¿Quién tomó el curso de educación financiera?", "Calendario de talleres"),
        ("Comparto la grabación de la sesión virtual y la presentación del taller.",
         "El curso en línea de educación financiera tiene nuevos módulos para asesores.",
         "Los nuevos asesores terminaron su inducción y el examen de certificación.",
         "¿Dónde encuentro el manual del instructor para el taller de la próxima semana?",
         "La capacitación práctica con casos reales funcionó mejor que la teoría.",
         "Inscríbanse al taller antes del viernes; el cupo es limitado."),
    ),
    "atencion": (
        "Atención a clientes",
        ("atencionaclientes", "clientes", "servicio"),
        ("Queja de una clienta resuelta", "Tiempo de espera en ventanilla",
         "¿Cómo mejoran la experiencia del cliente?", "Encuesta de satisfacción"),
        ("Una clienta agradeció la rapidez con que resolvimos su aclaración.",
         "Redujimos el tiempo de espera en ventanilla reorganizando los turnos.",
         "La encuesta de satisfacción muestra que el trato amable es lo más valorado.",
         "¿Qué hacen cuando un cliente llega molesto por un cargo no reconocido?",
         "Atendimos las quejas del mes dentro del plazo y con seguimiento telefónico.",
         "El buzón de sugerencias de la sucursal trajo ideas muy útiles."),
    ),
    "metas": (
        "Metas",
        ("metas", "resultados", "ranking"),
        ("Avance de metas del trimestre", "Ranking regional de resultados",
         "¿Vamos a cerrar la meta mensual?", "Indicadores de la semana"),
        ("Vamos al noventa por ciento de la meta mensual y faltan diez días.",
         "El ranking regional muestra a tres oficinas arriba del presupuesto.",
         "Los indicadores de la semana están publicados en el tablero de resultados.",
         "¿Qué oficina ya cerró la meta trimestral de clientes nuevos?",
         "El cumplimiento del presupuesto depende de la productividad por asesor.",
         "Ajustamos el plan de trabajo para alcanzar los objetivos del cierre."),
    ),
    "reconocimiento": (
        "Reconocimiento",
        ("reconocimiento", "orgullo", "felicidades"),
        ("Felicidades al equipo", "Reconocimiento a la oficina del mes",
         "Gracias por el esfuerzo", "Aniversario de la sucursal"),
        ("Felicidades a todo el equipo por el gran esfuerzo de este mes.",
         "Reconocemos a la oficina del mes por su compromiso y trabajo en equipo.",
         "Gracias a nuestra compañera por apoyar a la sucursal vecina.",
         "Celebramos el aniversario de la sucursal con las clientas fundadoras.",
         "Orgullosos de este equipo que nunca deja de superarse.",
         "Un aplauso para los asesores que lograron su primer bono."),
    ),
    "seguridad": (
        "Seguridad",
        ("seguridad", "prevencion", "protocolo"),
        ("Protocolo de seguridad en traslado de efectivo", "Alerta de fraude telefónico",
         "Simulacro de evacuación", "Recordatorio de prevención"),
        ("Recuerden el protocolo de seguridad para el traslado de efectivo.",
         "Circula un intento de fraude telefónico; nunca compartan contraseñas.",
         "El simulacro de evacuación se realizará el jueves en todas las sucursales.",
         "¿Alguien sabe si cambió el procedimiento de apertura de bóveda?",
         "Las cámaras y la alarma de la oficina fueron revisadas por el proveedor.",
         "La prevención de lavado de dinero exige identificar al cliente."),
    ),
    "tecnologia": (
        "Tecnología",
        ("tecnologia", "soporte", "appmovil"),
        ("Falla en el sistema de originación", "Nueva versión de la app móvil",
         "¿Cómo restablezco mi contraseña?", "Mantenimiento programado"),
        ("La nueva versión de la app móvil permite capturar solicitudes sin conexión.",
         "El sistema de originación tuvo intermitencias; soporte ya lo restableció.",
         "Para restablecer la contraseña usen el portal de autoservicio.",
         "¿A alguien más le falla la impresora de contratos desde la actualización?",
         "El mantenimiento programado del servidor será el sábado en la noche.",
         "Las tabletas de los asesores recibirán la actualización del sistema."),
    ),
}
TOPIC_KEYS: tuple[str, ...] = tuple(TOPICS)

REPLY_SENTENCES = (
    "Gracias por compartir, lo aplicaremos en nuestra oficina.",
    "De acuerdo, les doy seguimiento esta semana.",
    "Buena práctica, la comentamos en la junta regional.",
    "Lo revisé con el equipo y funciona.",
    "Aquí les dejo lo que nos funcionó.",
)


def message_texts(rng: np.random.Generator, topics: np.ndarray, is_reply: np.ndarray) -> pl.DataFrame:
    """Title, body and hashtags (';'-separated) for messages with topic indices ``topics``.

    Thread starters get a title, two topic sentences and one or two hashtags;
    replies get a reply phrase plus one topic sentence and sometimes a hashtag.
    """
    n = len(topics)
    n_titles = np.array([len(TOPICS[k][2]) for k in TOPIC_KEYS])
    n_sent = np.array([len(TOPICS[k][3]) for k in TOPIC_KEYS])
    titles = [t for k in TOPIC_KEYS for t in TOPICS[k][2]]
    sentences = [s for k in TOPIC_KEYS for s in TOPICS[k][3]]
    tags = [t for k in TOPIC_KEYS for t in TOPICS[k][1]]
    title_off = np.concatenate([[0], np.cumsum(n_titles)[:-1]])
    sent_off = np.concatenate([[0], np.cumsum(n_sent)[:-1]])
    tag_off = np.arange(len(TOPIC_KEYS)) * 3
    t_idx = title_off[topics] + (rng.random(n) * n_titles[topics]).astype(np.int64)
    s1 = sent_off[topics] + (rng.random(n) * n_sent[topics]).astype(np.int64)
    s2 = sent_off[topics] + (s1 - sent_off[topics] + 1 + (rng.random(n) * (n_sent[topics] - 1)).astype(np.int64)) % n_sent[topics]
    r_idx = (rng.random(n) * len(REPLY_SENTENCES)).astype(np.int64)
    g1 = tag_off[topics] + (rng.random(n) * 3).astype(np.int64)
    g2 = tag_off[topics] + (g1 - tag_off[topics] + 1) % 3
    second_tag = rng.random(n) < 0.4
    reply_tag = rng.random(n) < 0.25
    frame = pl.DataFrame({
        "reply": is_reply,
        "title_s": pl.Series(titles).gather(t_idx),
        "s1": pl.Series(sentences).gather(s1),
        "s2": pl.Series(sentences).gather(s2),
        "r": pl.Series(REPLY_SENTENCES).gather(r_idx),
        "g1": pl.Series(tags).gather(g1),
        "g2": pl.Series(tags).gather(g2),
        "second": second_tag,
        "reply_tag": reply_tag,
    })
    return frame.select(
        title=pl.when(pl.col("reply")).then(None).otherwise(pl.col("title_s")),
        body=pl.when(pl.col("reply")).then(pl.concat_str([pl.col("r"), pl.col("s1")], separator=" "))
        .otherwise(pl.concat_str([pl.col("s1"), pl.col("s2"), pl.lit("#") + pl.col("g1")], separator=" ")),
        hashtags=pl.when(pl.col("reply") & ~pl.col("reply_tag")).then(None)
        .when(pl.col("reply")).then(pl.col("g1"))
        .when(pl.col("second")).then(pl.concat_str([pl.col("g1"), pl.col("g2")], separator=";"))
        .otherwise(pl.col("g1")),
    )
