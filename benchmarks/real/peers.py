"""The statistical peers: statsforecast's AutoETS, AutoARIMA and MSTL on daily series.

    PEERS_VENV/bin/python benchmarks/real/peers.py IN.csv OUT.csv HORIZON

Run by ``benchmarks/bench_forecast.py --real`` in a side virtualenv (statsforecast needs
pandas < 3; this project runs on pandas 3 and never depends on statsforecast). ``IN.csv``
holds the training days of every (series, origin), ``unique_id,ds,y`` with ``ds`` a date;
``OUT.csv`` gets, per ``unique_id`` and forecast day ``step`` (0 = the origin's day), each
model's point forecast and its 80 % and 95 % intervals (``AutoETS``, ``AutoETS-lo-80`` ...).
Every model is given the weekly season (7 days) and statsforecast's defaults otherwise;
a fit that fails is replaced by the weekly seasonal naive (statsforecast's
``fallback_model``).
"""

from __future__ import annotations

import sys
import time

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoARIMA, AutoETS, SeasonalNaive

SEASON = 7


def main(argv: list[str]) -> int:
    source, target, horizon = argv[0], argv[1], int(argv[2])
    train = pd.read_csv(source, parse_dates=["ds"])
    started = time.perf_counter()
    models = [
        AutoETS(season_length=SEASON),
        AutoARIMA(season_length=SEASON),
        MSTL(season_length=SEASON),
    ]
    engine = StatsForecast(
        models=models, freq="D", n_jobs=1, fallback_model=SeasonalNaive(season_length=SEASON)
    )
    out = engine.forecast(df=train, h=horizon, level=[80, 95])
    out["step"] = out.groupby("unique_id").cumcount()
    out.drop(columns=["ds"]).to_csv(target, index=False)
    took = time.perf_counter() - started
    print(f"{train['unique_id'].nunique()} series, 3 models in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
