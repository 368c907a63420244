"""Forecast benchmark: backtests of ``forecast_spend`` against a weekly seasonal-naive baseline.

    python benchmarks/bench_forecast.py                  # 6 seeds, about a minute on 2 cores
    python benchmarks/bench_forecast.py --seeds 2 --compare
    python benchmarks/bench_forecast.py --real           # + real series and statsforecast

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

``--real`` (issue 21) runs the same backtest on the five real series of ``benchmarks/real``
(a year each of page views, bike rentals, shop orders, flights, pedestrians; ``convert.py``
turns each into executions, one per counted event, priced from the sandbox's catalogue) and
on the generated ones, and compares ours with the seasonal naive and statsforecast's
AutoETS, AutoARIMA and MSTL (weekly season, defaults otherwise; forecasts clipped at zero).
statsforecast needs pandas < 3, so it runs in a side virtualenv made on first use (see
``benchmarks/real/README.md``), on the same training days (every day from the series' start
to the origin; ours reads at most its 84) and the same MASE scale. It prints, per series and
as means over series, every method's mean MASE and the 80 %/95 % coverage of each one's
intervals, then whether ours is at or below the best peer, and the cold start. The first run
takes about 20 minutes on 2 cores (AutoARIMA: about 2 s a case); the peers' forecasts are
cached, so later runs take 2 to 5.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

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

#: The real series and the peers' script (``--real``).
REAL = Path(__file__).resolve().parent / "real"
#: The side virtualenv statsforecast runs in (made on first use; never a dependency).
PEERS_VENV = Path(
    os.environ.get(
        "EACHLABS_PEERS_VENV", Path.home() / ".cache" / "eachlabs-analytics" / "peers-venv"
    )
)
PEERS = ("AutoETS", "AutoARIMA", "MSTL")
VERSIONS = (
    "import statsforecast, pandas; "
    "print(f'statsforecast {statsforecast.__version__}, pandas {pandas.__version__}')"
)

Cases = dict[str, tuple[np.ndarray, np.ndarray]]

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
    """Spend per whole UTC day of the rows' window (days without spend at 0)."""
    window = rows.attrs["window"]
    days = pd.date_range(
        pd.Timestamp(window["start"]), pd.Timestamp(window["end"]), freq="D", inclusive="left"
    )
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


def backtest_series(
    rows: pd.DataFrame, labels: dict[str, object], compare: bool = False
) -> tuple[list[dict[str, object]], Cases]:
    """Rolling-origin backtest of ``forecast_spend`` and the seasonal naive on one series.

    Returns a record per origin (``labels`` plus the origin, MASE and coverage) and, by the
    record's ``uid``, the days before the origin and the ``HORIZON`` days from it (for the
    peers, ``--real``).
    """
    daily = _daily(rows)
    values = daily.to_numpy()
    records: list[dict[str, object]] = []
    cases: dict[str, tuple[np.ndarray, np.ndarray]] = {}
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
            **labels,
            "origin": str(as_of.date()),
            "method": fc.attrs["method"]["total"],
            "scale": scale,
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
        uid = "|".join(str(v) for v in labels.values()) + f"|{as_of.date()}"
        record["uid"] = uid
        cases[uid] = (train, test)
        records.append(record)
    return records, cases


def backtest(seeds: int, executions: int, compare: bool) -> tuple[pd.DataFrame, Cases]:
    """The generated series: ``seeds`` histories x (the total and the top four models)."""
    records: list[dict[str, object]] = []
    cases: Cases = {}
    for seed in range(1, seeds + 1):
        frame = ea.generate_executions(executions=executions, seed=seed, end=END, days=DAYS)
        for name, rows in _series(frame).items():
            got, case = backtest_series(rows, {"seed": seed, "series": name}, compare)
            records += got
            cases.update(case)
    return pd.DataFrame.from_records(records), cases


def backtest_real(names: list[str], seed: int) -> tuple[pd.DataFrame, Cases]:
    """The real series (``benchmarks/real``), each converted to executions by ``convert``."""
    sys.path.insert(0, str(REAL))
    import convert  # benchmarks/real/convert.py

    records: list[dict[str, object]] = []
    cases: Cases = {}
    for name in names:
        started = time.perf_counter()
        rows = convert.convert(name, seed)
        got, case = backtest_series(rows, {"series": name})
        for record in got:
            record["domain"] = convert.SERIES[name].domain
            record["days"] = len(_daily(rows))
        records += got
        cases.update(case)
        took = time.perf_counter() - started
        print(f"  {name}: {len(rows):,} executions, {len(got)} origins, {took:.0f} s", flush=True)
        del rows
    return pd.DataFrame.from_records(records), cases


def peers_python() -> Path:
    """The side virtualenv's interpreter, made on first use (statsforecast needs pandas < 3)."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        print(f"making the peers' virtualenv {PEERS_VENV} (statsforecast, pandas < 3)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "statsforecast", "pandas<3"], check=True
        )
    return python


def run_peers(cases: Cases) -> tuple[pd.DataFrame, str]:
    """statsforecast's forecasts of every case, indexed by (uid, step), and the versions.

    ``peers.py`` runs in the side virtualenv on the cases not already in the cache beside it
    (a case's forecasts depend only on its training days, the horizon, ``peers.py`` and the
    versions, which key the cache): AutoARIMA takes about 2 s per case, so a rerun of ours
    reuses the peers' figures instead of refitting them.
    """
    python = peers_python()
    versions = subprocess.run(
        [str(python), "-c", VERSIONS], capture_output=True, text=True, check=True
    ).stdout.strip()
    cache = PEERS_VENV.parent / "peers-cache"
    cache.mkdir(parents=True, exist_ok=True)
    salt = f"{versions}|{HORIZON}|{(REAL / 'peers.py').read_text()}".encode()
    keys = {
        uid: hashlib.sha256(salt + train.astype("<f8").tobytes()).hexdigest()
        for uid, (train, _) in cases.items()
    }
    missing = [uid for uid, key in keys.items() if not (cache / f"{key}.csv").exists()]
    if missing:
        print(f"  the peers: fitting {len(missing)} of {len(cases)} cases", flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            source, target = Path(scratch) / "train.csv", Path(scratch) / "forecasts.csv"
            pd.concat(
                pd.DataFrame(
                    {
                        "unique_id": keys[uid],
                        "ds": pd.date_range("2001-01-01", periods=len(cases[uid][0]), freq="D"),
                        "y": cases[uid][0],
                    }
                )
                for uid in missing
            ).to_csv(source, index=False)
            subprocess.run(
                [str(python), str(REAL / "peers.py"), str(source), str(target), str(HORIZON)],
                check=True,
            )
            fitted = pd.read_csv(target)
        for key, rows in fitted.groupby("unique_id"):
            rows.drop(columns="unique_id").to_csv(cache / f"{key}.csv", index=False)
    out = pd.concat(
        pd.read_csv(cache / f"{key}.csv").assign(unique_id=uid) for uid, key in keys.items()
    )
    return out.set_index(["unique_id", "step"]).sort_index(), versions


def score_peers(results: pd.DataFrame, cases: Cases, peers: pd.DataFrame) -> None:
    """Add each peer's MASE and 80 %/95 % coverage to ``results`` (forecasts and intervals
    clipped at zero, as ours are: spend is never negative, and clipping only helps them)."""
    for model in PEERS:
        mase, cover_80, cover_95 = [], [], []
        for uid in results["uid"]:
            train, test = cases[uid]
            got = peers.loc[uid].iloc[:HORIZON].clip(lower=0.0)
            mase.append(np.mean(np.abs(test - got[model].to_numpy())) / _scale(train))
            for level, cover in ((80, cover_80), (95, cover_95)):
                lo, hi = got[f"{model}-lo-{level}"].to_numpy(), got[f"{model}-hi-{level}"]
                cover.append(np.mean((test >= lo) & (test <= hi.to_numpy())))
        results[f"{model}_mase"] = mase
        results[f"{model}_80"] = cover_80
        results[f"{model}_95"] = cover_95


def cold_start() -> tuple[float, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    imported, first_call = (float(x) for x in done.stdout.split())
    return imported, first_call, max(peak, before) / 1024


def _per_series(results: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    columns = ["mase", "naive_mase", "cover_80", "cover_95"]
    for model in PEERS:
        columns += [f"{model}_mase", f"{model}_80", f"{model}_95"]
    out = results.groupby(keys, sort=False)[columns].mean()
    out.insert(0, "origins", results.groupby(keys, sort=False).size())
    return out


def report_real(real: pd.DataFrame, generated: pd.DataFrame, versions: str) -> dict[str, float]:
    """Print the per-series tables of ``--real``; return the means compared by the verdict."""
    by_series = _per_series(real, ["series"])
    by_series.insert(0, "days", real.groupby("series", sort=False)["days"].first())
    by_series.insert(0, "domain", real.groupby("series", sort=False)["domain"].first())
    gen_series = _per_series(generated, ["seed", "series"])
    means = {
        f"mean of {len(by_series)} real series": by_series.mean(numeric_only=True),
        f"generated: {len(gen_series)} series": gen_series.mean(numeric_only=True),
    }
    table = pd.concat([by_series, pd.DataFrame(means).T])
    mase = table[["days", "origins", "mase", "naive_mase"] + [f"{m}_mase" for m in PEERS]]
    mase.columns = ["days", "origins", "ours", "naive"] + list(PEERS)
    for column in ("days", "origins"):
        mase[column] = mase[column].round().astype("Int64")
    peers = mase[["naive", *PEERS]]
    mase = mase.assign(
        best_peer=peers.idxmin(axis=1) + " " + peers.min(axis=1).map("{:.3f}".format)
    )
    mase["domain"] = table["domain"].fillna("")
    pd.set_option("display.width", 140)
    print(f"\nMean MASE (lower is better; peers: {versions}; ours: forecast_spend)")
    shown = mase[["domain", "days", "origins", "ours", "naive", *PEERS, "best_peer"]]
    print(shown.to_string(float_format="{:.3f}".format, na_rep=""))
    coverage = pd.DataFrame(index=table.index)
    for name, prefix in (("ours", "cover"), *((m, m) for m in PEERS)):
        coverage[name] = (
            (100 * table[f"{prefix}_80"]).map("{:.0f} %".format)
            + " / "
            + (100 * table[f"{prefix}_95"]).map("{:.0f} %".format)
        )
    print("\nDaily interval coverage, 80 % / 95 % (nominal 80 / 95; target: within 10 points)")
    print(coverage.to_string())
    best = mase.loc[by_series.index, ["naive", *PEERS]].min(axis=1)
    ahead = [str(name) for name in by_series.index if mase.loc[name, "ours"] <= best[name]]
    print(
        f"\nreal series where ours is at or below every peer: {len(ahead)} of {len(best)}"
        f" ({', '.join(ahead) or 'none'})"
    )
    real_mean, gen_mean = (pd.Series(m) for m in means.values())
    return {
        "real_ours": float(real_mean["mase"]),
        "real_best": float(min(real_mean[f"{m}_mase"] for m in (*PEERS, "naive"))),
        "gen_ours": float(gen_mean["mase"]),
        "gen_best": float(min(gen_mean[f"{m}_mase"] for m in (*PEERS, "naive"))),
    }


def main_real(args: argparse.Namespace) -> int:
    """``--real``: ours, the seasonal naive and statsforecast's peers on the real series and
    on the generated ones, one table each."""
    sys.path.insert(0, str(REAL))
    import convert  # benchmarks/real/convert.py

    names = args.series.split(",") if args.series else list(convert.SERIES)
    imported, first_call, peak_mb = cold_start()
    started = time.perf_counter()
    print(f"Backtests, horizon {HORIZON} days, origins every 7 days from day {FIRST_ORIGIN}:")
    real, real_cases = backtest_real(names, args.real_seed)
    generated, gen_cases = backtest(args.seeds, args.executions, False)
    ours_took = time.perf_counter() - started
    print(f"  generated: {args.seeds} seeds x 5 series, {len(generated)} origins", flush=True)
    started = time.perf_counter()
    peers, versions = run_peers({**real_cases, **gen_cases})
    peers_took = time.perf_counter() - started
    score_peers(real, real_cases, peers)
    score_peers(generated, gen_cases, peers)
    got = report_real(real, generated, versions)
    for where in ("real", "gen"):
        ours, best = got[f"{where}_ours"], got[f"{where}_best"]
        verdict = "at or below" if ours <= best else "above"
        label = "real series" if where == "real" else "generated series"
        print(
            f"{label}: ours {ours:.3f}, best peer {best:.3f}: {verdict} the best peer"
            f" ({ours / best - 1:+.1%})"
        )
    print(
        f"\ncold start (fresh interpreter): import {imported:.2f} s, first forecast_spend +"
        f" month_end_projection {first_call:.2f} s; peak memory {peak_mb:.0f} MB (max RSS)"
    )
    print(
        f"ours and the naive: {len(real) + len(generated)} forecasts in {ours_took:.0f} s"
        f" (conversions included); the peers: {peers_took:.0f} s in the side virtualenv"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--executions", type=int, default=40_000, help="rows per 150 days")
    parser.add_argument("--compare", action="store_true", help="also backtest ETS variants")
    parser.add_argument(
        "--real",
        action="store_true",
        help="ours against statsforecast's AutoETS, AutoARIMA and MSTL on the real series "
        "(benchmarks/real) and the generated ones",
    )
    parser.add_argument("--series", help="--real: comma-separated names (default: all)")
    parser.add_argument("--real-seed", type=int, default=21, help="--real: conversion seed")
    args = parser.parse_args(argv)
    if args.real:
        return main_real(args)

    imported, first_call, peak_mb = cold_start()
    started = time.perf_counter()
    results, _ = backtest(args.seeds, args.executions, args.compare)
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
