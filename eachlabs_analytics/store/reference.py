"""What a store keeps beside its executions: the workflows' names and the models' list prices
as last fetched, with the time they were, so reports and checks can use them offline.

Layout under the store's root ``PATH``::

    PATH/reference/workflow-names.json  {"format", "version", "fetched_at", "names": {id: name}}
    PATH/reference/prices.json          {"format", "version", "fetched_at", "not_found": [...],
                                         "prices": [one object per model, PRICE_COLUMNS' keys]}

Each file is written whole by one rename (:func:`~eachlabs_analytics._util.files.atomic_write`),
so a reader sees the previous version or the new one, never half of one. JSON keeps a null
number null (unknown, never 0) and the tiers as ``[label, value]`` pairs.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> read_names(root), len(read_prices(root))
({}, 0)
>>> write_names(root, {"wf_1": "Ad video"}, pd.Timestamp("2026-10-31", tz="UTC"))
>>> read_names(root)
{'wf_1': 'Ad video'}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from eachlabs_analytics._util.files import atomic_write
from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.exceptions import StoreError
from eachlabs_analytics.loader.prices import price_records, prices_frame
from eachlabs_analytics.schema import PRICE_COLUMNS, empty_prices
from eachlabs_analytics.store.layout import REFERENCE_DIR

NAMES_FILE = "workflow-names.json"
PRICES_FILE = "prices.json"
FORMAT = "eachlabs-analytics-reference"
VERSION = 1


def names_path(root: Path) -> Path:
    return root / REFERENCE_DIR / NAMES_FILE


def prices_path(root: Path) -> Path:
    return root / REFERENCE_DIR / PRICES_FILE


def write_names(root: Path, names: dict[str, str], fetched_at: pd.Timestamp) -> None:
    """Keep ``names`` (``{workflow_id: name}``) as fetched at ``fetched_at``."""
    _write(names_path(root), {"fetched_at": format_timestamp(fetched_at), "names": names})


def read_names(root: Path) -> dict[str, str]:
    """The names kept by the last sync that fetched them; ``{}`` when none did."""
    document = _read(names_path(root))
    if document is None:
        return {}
    names = document.get("names")
    if not isinstance(names, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in names.items()
    ):
        raise _damaged(names_path(root), "holds no {workflow_id: name} object")
    return dict(names)


def write_prices(root: Path, frame: pd.DataFrame) -> None:
    """Keep a prices frame (``model_prices``' columns) with its ``attrs["fetched_at"]`` and
    ``attrs["not_found"]``."""
    rows = price_records(frame)
    fetched_at = frame.attrs.get("fetched_at") or format_timestamp(pd.Timestamp.now(tz="UTC"))
    document = {
        "fetched_at": fetched_at,
        "not_found": list(frame.attrs.get("not_found", [])),
        "prices": rows,
    }
    _write(prices_path(root), document)


def read_prices(root: Path) -> pd.DataFrame:
    """The prices kept by the last fetch, typed as ``model_prices`` returns them (``attrs``:
    ``source`` "store", ``fetched_at``, ``not_found``); an empty typed frame when none was."""
    path = prices_path(root)
    document = _read(path)
    if document is None:
        frame = empty_prices()
        frame.attrs = {"source": "store", "fetched_at": None, "not_found": []}
        return frame
    rows = document.get("prices")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _damaged(path, "holds no list of prices")
    try:
        frame = prices_frame([_typed(row) for row in rows])
    except (TypeError, ValueError) as exc:
        raise _damaged(path, f"holds a price that cannot be read ({exc})") from None
    frame.attrs = {
        "source": "store",
        "fetched_at": document.get("fetched_at"),
        "not_found": list(document.get("not_found") or []),
    }
    return frame


def keep(
    root: Path, names: dict[str, str] | None, prices: pd.DataFrame | None, now: pd.Timestamp
) -> tuple[int | None, int | None]:
    """Write what a sync fetched (None: not fetched, the kept file stays); return how many
    names and prices were kept (None for what was not fetched)."""
    if names is not None:
        write_names(root, names, now)
    if prices is not None:
        write_prices(root, prices)
    return (None if names is None else len(names), None if prices is None else len(prices))


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    out = {name: row.get(name) for name in PRICE_COLUMNS}
    out["tiers"] = tuple((str(label), str(value)) for label, value in row.get("tiers") or [])
    out["fetched_at"] = pd.Timestamp(row["fetched_at"]) if row.get("fetched_at") else None
    return out


def _write(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": FORMAT, "version": VERSION, **content}, indent=1) + "\n"
    atomic_write(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def _read(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(path, f"cannot be read ({exc})") from None
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise _damaged(path, f"is not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _damaged(path, "is not an eachlabs-analytics reference file")
    if document.get("version") != VERSION:
        raise StoreError(
            f"{path} is a version {document.get('version')} reference file; this release "
            f"reads version {VERSION}. Delete it and sync again to fetch it anew",
            path=path,
        )
    return document


def _damaged(path: Path, what: str) -> StoreError:
    return StoreError(
        f"{path} {what}. It is a cache of what the API said: delete it, then sync again "
        "(with prices=True, or `eachlabs-analytics prices --store`) to fetch it anew",
        path=path,
    )
