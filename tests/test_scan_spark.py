"""The same selections on Spark (PySpark, ``local[2]``): every helper equals the loaded frame.

A 100,000-row store written straight to Parquet (with the edge cases of ``scan_stores``) is read
by Spark, through Ibis, and each helper's result must equal the one on ``store.load()`` to 1e-9
relative, ``attrs`` included. One SparkSession for the module. Needs PySpark and a Java runtime
(``.ci/run`` installs Debian's ``openjdk-17-jre-headless`` where ``java`` is missing); marked
``spark`` (about a minute).
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

pytest.importorskip("ibis", reason="the spark extra (ibis-framework[pyspark]) is not installed")
pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")
if shutil.which("java") is None:
    pytest.skip(
        "no Java runtime: Spark needs one (apt-get install openjdk-17-jre-headless)",
        allow_module_level=True,
    )

from scan_stores import DAYS, END, with_edge_cases, write_store  # noqa: E402
from test_scan import both  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402

pytestmark = [
    pytest.mark.spark,
    # PySpark's own noise, not ours: it warns that it does not fully support pandas 3 (its
    # conversions go through Arrow here), sets a pandas option pandas 3 deprecated, and py4j
    # leaves its gateway sockets to the garbage collector
    pytest.mark.filterwarnings("ignore::UserWarning:pyspark"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark"),
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark"),
    pytest.mark.filterwarnings(
        "ignore:The 'future.infer_string' option:pandas.errors.Pandas4Warning"
    ),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

ROWS = 100_000


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("eachlabs-analytics-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    frame = ea.generate_executions(executions=ROWS, seed=31, end=END, days=DAYS)
    store = write_store(tmp_path_factory.mktemp("spark-store"), with_edge_cases(frame, seed=3))
    return store, store.load()


CALLS = [
    ("cost_by_model", {}),
    ("cost_by_model", {"by": "status_group"}),
    ("cost_by_workflow", {}),
    ("latency_percentiles", {"percentiles": (0, 50, 95, 99.9, 100)}),
    ("latency_percentiles", {"by": None, "outcome": "failed", "metric": "queue_seconds"}),
    ("error_breakdown", {}),
    ("error_breakdown", {"by": "status", "all_classes": True}),
    ("cost_over_time", {"freq": "D"}),
    ("cost_over_time", {"freq": "W", "tz": "Europe/Berlin", "top": 3}),
    ("error_rate_over_time", {"freq": "M", "tz": "America/New_York", "by": "model"}),
    ("error_rate_over_time", {"freq": "Q", "tz": "Australia/Lord_Howe"}),
    ("latency_over_time", {"freq": "6h", "tz": "Asia/Kathmandu"}),
    ("latency_over_time", {"freq": "W-SAT", "tz": "America/New_York"}),
    ("compare_periods", {"current": ("2026-10-10", "2026-10-25"), "previous": "2026-10"}),
    ("summary", {}),
]


def test_every_helper_on_spark_equals_the_loaded_frame(spark, store):
    store_, frame = store
    selection = store_.scan(engine=ea.SparkEngine(spark))
    assert selection.engine.name == "spark"
    for helper, kwargs in CALLS:
        both(helper, selection, frame, **kwargs)


def test_filters_and_empty_selections_on_spark(spark, store):
    store_, _ = store
    engine = ea.SparkEngine(spark)
    window = {"start": "2026-09-03T07:30:00Z", "end": "2026-09-20T00:00:00Z", "model": "veo-3"}
    selection, frame = store_.scan(engine=engine, **window), store_.load(**window)
    assert len(frame) > 0 and selection.count() == len(frame)
    both("cost_by_model", selection, frame)
    both("latency_percentiles", selection, frame, by="status_group")
    empty = store_.scan(engine=engine, model="no-such-model")
    nothing = store_.load(model="no-such-model")
    both("error_breakdown", empty, nothing)
    both("cost_over_time", empty, nothing)


def test_a_spark_dataframe_with_the_same_columns_is_a_selection(spark, store):
    store_, frame = store
    files = sorted(str(p) for p in store_.data_path.rglob("*.parquet"))
    warehouse = spark.read.parquet(*files)
    selection = ea.scan_table(warehouse)
    assert isinstance(selection.engine, ea.SparkEngine)
    lazy, eager = ea.error_breakdown(selection), ea.error_breakdown(frame)
    # the same figures; attrs differ (a warehouse table has no window or query to report)
    pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)
    assert lazy.attrs["rows"] == eager.attrs["rows"] == ROWS
