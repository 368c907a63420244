"""``prices``: the models' list prices (``GET /v1/models/{slug}``, which needs no key) as a
table, CSV or JSON on stdout; with ``--store`` the prices of the models a store holds, kept in
it for reports that run offline (``--offline`` shows the kept ones without asking the API).

Text the API wrote (titles, estimates, tiers) is output safely: CSV through the package's one
CSV writer (no cell starts a formula), JSON escaped to ASCII, the table without control
characters.

>>> from click.testing import CliRunner
>>> "--offline" in CliRunner().invoke(prices, ["--help"]).output
True
>>> from eachlabs_analytics.schema import empty_prices
>>> render(empty_prices(), "csv").splitlines()[0].split(",")[:4]
['slug', 'title', 'cost_type', 'currency']
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from eachlabs_analytics.cli.errors import debug_option
from eachlabs_analytics.cli.options import base_url_option, existing, open_keyless_client
from eachlabs_analytics.cli.output import say

#: The table's columns: what a reader compares (CSV and JSON carry every column).
TABLE_COLUMNS = ("slug", "title", "cost_type", "amount", "min", "max", "unit", "estimate")
#: Text longer than this is cut in the table (CSV and JSON keep it whole).
WIDEST_CELL = 40


@click.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model slug (repeat for several) [default: every model of the catalogue, or of the "
    "store with --store].",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    callback=existing("dir"),
    help="A store: price every model it holds and keep the prices in it.",
)
@click.option(
    "--offline", is_flag=True, help="With --store: the prices it keeps; no request is made."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output on stdout.",
)
@base_url_option
@debug_option
def prices(
    models: tuple[str, ...],
    store_path: Path | None,
    offline: bool,
    fmt: str,
    base_url: str | None,
) -> None:
    """Show the list prices each::labs publishes for its models.

    A fixed price is an amount per execution; a usage-based one a min-max rate per unit
    (second, megapixel, character, ...) with tiers; "none" is a model without a list price,
    never a free one (free is fixed at 0); an unknown number is empty, never 0. Estimates
    are guidance: the settled charge is each execution's cost. No key is needed or sent.

    \b
    Examples:
      eachlabs-analytics prices
      eachlabs-analytics prices --model veo-3 --model veo3-1-fast --format csv > prices.csv
      eachlabs-analytics prices --store ./executions-store      # price its models, keep them
      eachlabs-analytics prices --store ./executions-store --offline --format json
    """
    from eachlabs_analytics.loader.prices import check_models, model_prices
    from eachlabs_analytics.store import ExecutionStore

    if offline and store_path is None:
        raise click.UsageError("--offline shows the prices a store keeps: give --store too")
    wanted = check_models(models) if models else None
    if store_path is None:
        with open_keyless_client(base_url) as client:
            frame = model_prices(wanted, client=client)
    else:
        store = ExecutionStore(store_path)
        if offline:
            frame = store.prices()
        else:
            with open_keyless_client(base_url) as client:
                frame = store.refresh_prices(client=client)
        if wanted is not None:
            frame = _only(frame, wanted)
    say(_context(frame, store_path, offline))
    click.echo(render(frame, fmt), nl=False)


def render(frame: pd.DataFrame, fmt: str) -> str:
    """A prices frame as ``table``, ``csv`` or ``json`` text (ends with a line break)."""
    from eachlabs_analytics._util.csv_safe import frame_to_csv
    from eachlabs_analytics.loader.prices import price_records

    if fmt == "json":
        return json.dumps(price_records(frame), indent=1) + "\n"  # ASCII: escapes every control
    if fmt == "csv":
        flat = frame.copy()
        flat["tiers"] = [json.dumps([list(pair) for pair in t]) if t else "" for t in flat["tiers"]]
        return frame_to_csv(flat)
    return _table(frame)


def _table(frame: pd.DataFrame) -> str:
    cells = [
        [_cell(value) for value in row] for row in frame[list(TABLE_COLUMNS)].itertuples(False)
    ]
    widths = [
        max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(TABLE_COLUMNS)
    ]
    lines = [TABLE_COLUMNS, *cells]
    return "".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n"
                   for line in lines)  # fmt: skip


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return text if len(text) <= WIDEST_CELL else text[: WIDEST_CELL - 1] + "…"


def _only(frame: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    missing = sorted(set(wanted) - set(frame["slug"]))
    if missing:
        say(f"warning: no list price kept for {', '.join(missing)}")
    kept = frame[frame["slug"].isin(wanted)].reset_index(drop=True)
    kept.attrs = dict(frame.attrs)
    return kept


def _context(frame: pd.DataFrame, store_path: Path | None, offline: bool) -> str:
    when = frame.attrs.get("fetched_at")
    if offline and when is None:
        return f"{store_path} keeps no list prices yet: run `eachlabs-analytics prices --store`"
    source = f"kept in {store_path}" if offline else "from each::labs"
    return f"list prices of {len(frame)} model(s) {source}, fetched at {when}"
