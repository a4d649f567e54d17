"""The Spark session Pulso uses: local by default, or the cluster's when run under spark-submit or Spark Connect.

Local mode (``pulso lake build --engine spark``, ``pulso metric --engine
spark``, the tests): ``local[2]``, 2 GB of driver memory, UTC for the session and
the JVM, no UI, 4 shuffle partitions, no adaptive re-planning, Arrow transfers, a
throw-away warehouse folder, and naive timestamps as ``TIMESTAMP_NTZ`` (Pulso
stores naive UTC times). ``PULSO_SPARK_MASTER``, ``PULSO_SPARK_DRIVER_MEMORY``,
``PULSO_SPARK_SHUFFLE_PARTITIONS`` and ``PULSO_SPARK_ADAPTIVE`` override them.
Under ``spark-submit`` the submitted master and memory settings stand
(``PYSPARK_GATEWAY_PORT`` is set); ``remote`` (``sc://host:15002``) joins a
Spark Connect server. The time-zone settings are applied in every case.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

LOCAL_MASTER = "local[2]"
DRIVER_MEMORY = "2g"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
# Settings every Pulso session needs, wherever it runs.
ALWAYS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
}


def local_config(driver_memory: str | None = None) -> dict[str, str]:
    java = f"-Duser.timezone=UTC -Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
    warehouse = tempfile.mkdtemp(prefix="pulso-spark-warehouse-")
    atexit.register(shutil.rmtree, warehouse, True)
    return {
        "spark.driver.memory": driver_memory or os.environ.get("PULSO_SPARK_DRIVER_MEMORY", DRIVER_MEMORY),
        "spark.driver.extraJavaOptions": java,
        "spark.executor.extraJavaOptions": java,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": os.environ.get("PULSO_SPARK_SHUFFLE_PARTITIONS", "4"),
        # Adaptive execution re-plans every query in extra stages: on two local cores it made the shared metrics
        # 2-3 times slower (measured); a cluster keeps its own setting.
        "spark.sql.adaptive.enabled": os.environ.get("PULSO_SPARK_ADAPTIVE", "false"),
        "spark.sql.warehouse.dir": warehouse,
        "spark.local.dir": warehouse,
    }


def spark_session(master: str | None = None, remote: str | None = None, driver_memory: str | None = None,
                  config: dict[str, str] | None = None):
    """A Spark session configured for Pulso (see the module docstring)."""
    from pyspark.sql import SparkSession

    remote = remote or os.environ.get("PULSO_SPARK_REMOTE")
    builder = SparkSession.builder.appName("pulso")
    if remote:
        builder = builder.remote(remote)
    elif not os.environ.get("PYSPARK_GATEWAY_PORT"):  # not under spark-submit: a local session
        builder = builder.master(master or os.environ.get("PULSO_SPARK_MASTER", LOCAL_MASTER))
        for key, value in local_config(driver_memory).items():
            builder = builder.config(key, value)
    elif master:
        builder = builder.master(master)
    for key, value in {**ALWAYS, **(config or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    for key, value in ALWAYS.items():  # a session that existed before keeps its own unless told again
        session.conf.set(key, value)
    return session


def java_missing() -> str | None:
    """A one-line reason when no Java runtime is available to start local Spark, else None."""
    if os.environ.get("JAVA_HOME") and Path(os.environ["JAVA_HOME"], "bin", "java").exists():
        return None
    return None if shutil.which("java") else ("no Java runtime (java) found: install Java 17, e.g. Debian's "
                                              "openjdk-17-jre-headless (bin/setup --test does)")
