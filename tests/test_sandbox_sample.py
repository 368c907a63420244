"""The bundled sample: small, documented, regenerable, served by ``Sandbox(data="sample")``."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
import requests

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.local_api import (
    DEFAULT_API_KEY,
    Sandbox,
    generate_executions,
    generator,
    load_sample,
    sample,
)


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_sample()


def test_the_file_is_small_zstd_and_carries_its_parameters():
    path = sample.SAMPLE_PATH
    assert path.is_file() and path.stat().st_size < 4_000_000
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    recorded = json.loads(pq.read_schema(path).metadata[b"eachlabs_analytics"])["attrs"]
    assert recorded["window"] == {"start": "2026-08-02T00:00:00Z", "end": "2026-10-31T00:00:00Z"}
    assert recorded["generator"]["seed"] == sample.SAMPLE_PARAMS["seed"]
    assert recorded["generator"]["executions"] == sample.SAMPLE_PARAMS["executions"]
    # ea.read_parquet reads the same layout: a report or check over the file knows its window
    assert ea.read_parquet(path).attrs["window"] == recorded["window"]


def test_sample_is_typed_ground_truth_in_its_window(bundled):
    assert tuple(bundled.columns) == schema.COLUMNS
    assert len(bundled) == sample.SAMPLE_PARAMS["executions"]
    assert 30_000 <= len(bundled) <= 40_000
    assert bundled["created_at"].dtype == schema.TIMESTAMP_DTYPE
    assert bundled["error_classification"].dtype == schema.ERROR_CLASS_DTYPE
    end = pd.Timestamp("2026-10-31T00:00:00Z")
    assert bundled["created_at"].between(end - pd.Timedelta(days=90), end).all()
    assert set(bundled["error_classification"].dropna()) == set(schema.ERROR_CLASSES)


def test_sample_equals_its_regeneration(bundled, tmp_path, capsys):
    params = sample.SAMPLE_PARAMS
    regenerated = generate_executions(
        params["executions"], params["seed"], params["end"], params["days"]
    )
    pd.testing.assert_frame_equal(bundled, regenerated)
    out = tmp_path / "again.parquet"
    assert generator.main(["--out", str(out)]) == 0  # the documented command
    assert "36,000 executions" in capsys.readouterr().out
    pd.testing.assert_frame_equal(sample.read_executions(out), bundled)
    assert not list(tmp_path.glob("*.partial"))


def test_missing_file_falls_back_to_regenerating(bundled, monkeypatch, tmp_path):
    monkeypatch.setattr(sample, "SAMPLE_PATH", tmp_path / "absent.parquet")
    pd.testing.assert_frame_equal(load_sample(), bundled)


def test_sandbox_serves_the_sample_with_now_at_its_end(bundled):
    with Sandbox(data="sample") as api:
        assert api.now == pd.Timestamp("2026-10-31T00:00:00Z")
        response = requests.get(
            api.base_url + "/v1/executions",
            headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"},
            params={"limit": 5},
            timeout=10,
        )
        body = response.json()
    assert [r["id"] for r in body["executions"]] == bundled["id"].head(5).tolist()
    assert (body["total_count"], body["total_capped"]) == (1000, True)


def test_write_executions_refuses_other_suffixes(bundled, tmp_path):
    with pytest.raises(ValueError, match=r"\.parquet"):
        sample.write_executions(bundled.head(), tmp_path / "x.csv")
    with pytest.raises(FileNotFoundError, match="no executions Parquet"):
        sample.read_executions(tmp_path / "missing.parquet")
