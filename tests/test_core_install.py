"""What a user gets from ``pip install eachlabs-analytics`` and nothing else.

A fresh virtualenv with the core dependencies only (no extra, no test tools): the demo's
report has its forecast, and the cron check judges budgets with the monitoring status the
numbers call for (0 OK, 1 WARNING, 2 CRITICAL), forecasts included. Importing the package
does not import statsmodels. Slow: it installs the package (from pip's cache when warm).
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
def test_the_core_install_alone_forecasts_in_the_demo_and_judges_budgets(tmp_path):
    frame = ea.generate_executions(executions=3_000, seed=7, end=END, days=60)
    data = ea.to_parquet(frame, tmp_path / "executions.parquet")
    october = frame[frame.created_at >= pd.Timestamp("2026-10-01T00:00:00Z")]
    spent = float(october.execution_cost.sum())  # October so far, with pandas

    bin_dir = fresh_venv(tmp_path / "venv", str(ROOT))
    python = str(bin_dir / "python")
    assert subprocess.run([python, "-c", "import pytest"]).returncode != 0  # core only
    lazy = subprocess.run(
        [python, "-c", "import sys, eachlabs_analytics; print('statsmodels' in sys.modules)"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lazy.stdout.strip() == "False", lazy.stderr

    for share, status, word in ((10.0, 0, "OK"), (1.1, 1, "WARNING"), (0.5, 2, "CRITICAL")):
        result = subprocess.run(
            [str(bin_dir / "eachlabs-analytics"), "check", "--input", str(data),
             "--budget", f"total={round(spent * share, 2)}", "--format", "json"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == status, result.stdout + result.stderr
        assert f'"status": "{word}"' in result.stdout
        assert f"{spent:.2f}"[:-1] in result.stdout  # spent, as pandas says
        assert "ETS" in result.stdout  # the projection came from the forecast

    demo = subprocess.run(
        [str(bin_dir / "eachlabs-analytics"), "demo", "--output-dir", str(tmp_path / "reports"),
         "--no-progress"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-3000:]
    markdown = (tmp_path / "reports" / "cost-report.md").read_text()
    assert "Forecast and alerts" in markdown and "ETS(A,N,A)" in markdown
    assert "No forecast" not in markdown
