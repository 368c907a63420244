"""What a user gets from ``pip install "eachlabs-analytics[watch]"`` and nothing else.

A fresh virtualenv with only the ``watch`` extra (statsmodels, no test tools) runs the cron
check on a Parquet file, forecasts included, and exits with the monitoring status the numbers
call for. Slow: it installs the package (from pip's cache when warm).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import eachlabs_analytics as ea

ROOT = Path(__file__).resolve().parents[1]
END = "2026-10-20T12:00:00Z"


def fresh_venv(path: Path, target: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    install = subprocess.run(
        [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", target],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    return path / "bin"


@pytest.mark.slow
def test_the_watch_extra_alone_runs_the_cron_check(tmp_path):
    frame = ea.generate_executions(executions=3_000, seed=7, end=END, days=60)
    data = ea.to_parquet(frame, tmp_path / "executions.parquet")
    october = frame[frame.created_at >= pd.Timestamp("2026-10-01T00:00:00Z")]
    budget = round(october.execution_cost.sum() / 2, 2)  # already overspent: CRITICAL

    bin_dir = fresh_venv(tmp_path / "venv", f"{ROOT}[watch]")
    assert subprocess.run([str(bin_dir / "python"), "-c", "import pytest"]).returncode != 0
    result = subprocess.run(
        [str(bin_dir / "eachlabs-analytics"), "check", "--input", str(data),
         "--budget", f"total={budget}", "--format", "json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert '"status": "CRITICAL"' in result.stdout
    assert f"{october.execution_cost.sum():.2f}"[:-1] in result.stdout  # spent, from pandas
    assert "ETS" in result.stdout  # the forecast ran, with statsmodels from the extra
