"""Forecast benchmark: backtests of ``forecast_spend`` against a weekly seasonal-naive baseline.

    python benchmarks/bench_forecast.py                  # 6 seeds, about a minute on 2 cores
    python benchmarks/bench_forecast.py --seeds 2 --compare

The data: ``generate_executions`` (``--executions`` over 150 days per seed) has the shapes a
forecast must handle: a daily curve, a weekly one (weekends at half), a +30 % trend over the
window, day-to-day noise and heavy-tailed prices. The series: the total and the four models
that spend most. Rolling origins: every 7 days from day 63 to 28 days before the end; at each
one ``forecast_spend(rows of the series, horizon="28D", as_of=origin)`` sees only the days
before the origin and forecasts the next 28, which are then compared with what happened:

- MASE: mean absolute error over the 28 days / the in-sample mean absolute error of the
  weekly seasonal-naive forecast (Hyndman's scale, m = 7), for ours and for the baseline
  (the **seasonal naive** forecast: each day = the same weekday of the last whole week);
- coverage: the share of the 28 days inside the 80 % and 95 % intervals; and of the 28-day
  totals inside the intervals of the sum (from the same simulated paths);
- cold start: a fresh interpreter importing the package and calling ``forecast_spend`` and
  ``month_end_projection`` once (what a cron ``check`` pays), with its peak memory (max RSS).

Targets (issue 12): MASE < 1 on most series; coverage within 10 points of nominal.
``--compare`` also backtests statsmodels ETS variants (damped and linear trend, estimated
initial states) on the same origins, to show why ETS(A,N,A) was chosen.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

import eachlabs_analytics as ea
from eachlabs_analytics.watch import forecast_spend
from eachlabs_analytics.watch.forecast import forecast_days, history
from eachlabs_analytics.watch.spend_model import SEASON

END = "2026-10-31T00:00:00Z"
DAYS = 150
HORIZON = 28
FIRST_ORIGIN = 63

COLD_START = """
import time
t0 = time.perf_counter()
import eachlabs_analytics as ea
from eachlabs_analytics.watch import forecast_spend, month_end_projection
t1 = time.perf_counter()
df = ea.generate_executions(executions=20_000, seed=7, end="2026-10-20T12:00:00Z")
t2 = time.perf_counter()
forecast_spend(df)
month_end_projection(df)
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t3 - t2:.3f}")
"""


def _scale(train: np.ndarray) -> float:
    return float(np.mean(np.abs(train[SEASON:] - train[:-SEASON])))


def _series(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    spend = frame.groupby("model", observed=True)["execution_cost"].sum().nlargest(4)
    out = {"total": frame}
    for model in spend.index:
        rows = frame.loc[(frame["model"] == model).to_numpy(bool)]
        rows.attrs = dict(frame.attrs)
        out[str(model)] = rows
    return out


def _daily(rows: pd.DataFrame) -> pd.Series:
    start = pd.Timestamp(rows.attrs["window"]["start"])
    days = pd.date_range(start, pd.Timestamp(END), freq="D", inclusive="left")
    spent = rows.groupby(rows["created_at"].dt.floor("D"))["execution_cost"].sum()
    return spent.reindex(days, fill_value=0.0)


def _variants(train: np.ndarray) -> dict[str, np.ndarray]:
    """Point forecasts of other statsmodels ETS models (``--compare``)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    specs = {
        "ETS(A,Ad,A)": {"trend": "add", "damped_trend": True},
        "ETS(A,A,A)": {"trend": "add"},
        "ETS(A,N,A) estimated init": {"initialization_method": "estimated"},
    }
    out = {}
    for name, spec in specs.items():
        options = {"initialization_method": "heuristic", **spec}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = ETSModel(
                pd.Series(train), error="add", seasonal="add", seasonal_periods=SEASON, **options
            ).fit(disp=False)
            out[name] = np.maximum(np.asarray(fit.forecast(HORIZON)), 0.0)
    return out


def backtest(seeds: int, executions: int, compare: bool) -> pd.DataFrame:
    records = []
    for seed in range(1, seeds + 1):
        frame = ea.generate_executions(executions=executions, seed=seed, end=END, days=DAYS)
        for name, rows in _series(frame).items():
            daily = _daily(rows)
            values = daily.to_numpy()
            for origin in range(FIRST_ORIGIN, len(values) - HORIZON + 1, 7):
                as_of = daily.index[origin]
                train, test = values[:origin], values[origin : origin + HORIZON]
                scale = _scale(train)
                fc = forecast_spend(rows, horizon=f"{HORIZON}D", as_of=as_of)
                ahead = fc[fc["period"] >= as_of].iloc[:HORIZON]
                naive = np.resize(train[-SEASON:], HORIZON)
                hist = history(rows, None, as_of)
                paths = forecast_days(hist.whole.iloc[:, 0], 0.0, 0.0, HORIZON, backtest=False)
                record = {
                    "seed": seed,
                    "series": name,
                    "origin": str(as_of.date()),
                    "method": fc.attrs["method"]["total"],
                    "mase": np.mean(np.abs(test - ahead["forecast"].to_numpy())) / scale,
                    "naive_mase": np.mean(np.abs(test - naive)) / scale,
                    "cover_80": np.mean(
                        (test >= ahead["lo_80"].to_numpy()) & (test <= ahead["hi_80"].to_numpy())
                    ),
                    "cover_95": np.mean(
                        (test >= ahead["lo_95"].to_numpy()) & (test <= ahead["hi_95"].to_numpy())
                    ),
                }
                if paths.paths is not None:
                    total = paths.paths.sum(axis=0)
                    lo80, hi80, lo95, hi95 = np.quantile(total, [0.1, 0.9, 0.025, 0.975])
                    record["sum_in_80"] = float(lo80 <= test.sum() <= hi80)
                    record["sum_in_95"] = float(lo95 <= test.sum() <= hi95)
                if compare:
                    for variant, point in _variants(train).items():
                        record[variant] = np.mean(np.abs(test - point)) / scale
                records.append(record)
    return pd.DataFrame.from_records(records)


def cold_start() -> tuple[float, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    imported, first_call = (float(x) for x in done.stdout.split())
    return imported, first_call, max(peak, before) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--executions", type=int, default=40_000, help="rows per 150 days")
    parser.add_argument("--compare", action="store_true", help="also backtest ETS variants")
    args = parser.parse_args(argv)

    imported, first_call, peak_mb = cold_start()
    started = time.perf_counter()
    results = backtest(args.seeds, args.executions, args.compare)
    took = time.perf_counter() - started

    per_series = results.groupby(["seed", "series"], sort=False).agg(
        origins=("origin", "size"),
        mase=("mase", "mean"),
        naive_mase=("naive_mase", "mean"),
        cover_80=("cover_80", "mean"),
        cover_95=("cover_95", "mean"),
    )
    pd.set_option("display.width", 120)
    print("Backtest: forecast_spend (ETS(A,N,A) weekly, statsmodels) vs the baseline, the")
    print("seasonal naive forecast (each day = the same weekday of the last whole week).")
    print(f"{args.seeds} seeds x 5 series, origins every 7 days, horizon {HORIZON} days\n")
    print(per_series.round(3).to_string())
    methods = results["method"].value_counts().to_dict()
    print(f"\nmethods used: {methods}")
    beating = int((per_series["mase"] < per_series["naive_mase"]).sum())
    print(
        f"series with MASE < 1: {int((per_series['mase'] < 1).sum())} of {len(per_series)}"
        f" (baseline: {int((per_series['naive_mase'] < 1).sum())});"
        f" series beating the baseline: {beating}"
    )
    print(
        f"mean MASE {results['mase'].mean():.3f} (baseline {results['naive_mase'].mean():.3f});"
        f" daily coverage 80 %: {results['cover_80'].mean():.1%}, 95 %:"
        f" {results['cover_95'].mean():.1%}"
    )
    gaps = per_series[["cover_80", "cover_95"]].sub([0.80, 0.95]).abs()
    within = (gaps <= 0.10).sum()
    print(
        f"series within 10 points of nominal: 80 % {within['cover_80']} of {len(gaps)},"
        f" 95 % {within['cover_95']} of {len(gaps)}; worst gap: 80 %"
        f" {gaps['cover_80'].max():.1%}, 95 % {gaps['cover_95'].max():.1%}"
    )
    if "sum_in_80" in results:
        print(
            f"28-day totals inside their interval: 80 % {results['sum_in_80'].mean():.1%},"
            f" 95 % {results['sum_in_95'].mean():.1%}"
        )
    if args.compare:
        for variant in ("ETS(A,Ad,A)", "ETS(A,A,A)", "ETS(A,N,A) estimated init"):
            print(f"compare {variant}: mean MASE {results[variant].mean():.3f}")
    print(
        f"\ncold start (fresh interpreter): import {imported:.2f} s, first forecast_spend +"
        f" month_end_projection {first_call:.2f} s; peak memory {peak_mb:.0f} MB (max RSS)"
    )
    print(f"backtest: {len(results)} forecasts in {took:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
