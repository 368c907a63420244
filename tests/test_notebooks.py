"""Every notebook runs top to bottom in a real kernel, and prints the right numbers.

The notebooks' first cell chooses the data: the sandbox (``executions=10_000, seed=7``, ending
at ``EACHLABS_END``) by default, an API when ``EACHLABS_API_KEY`` is set. Expected values are
computed here with plain pandas/numpy from the same generated data (or the sandbox's truth).
``05-forecast-and-alerts`` loads more history (``FORECAST_SANDBOX``) into which it injects one
labelled incident (``INCIDENT``): the spike must be found, and only it.

They are notebooks people copy from (issue 18, item 8), so each one is also held to four rules,
stated precisely where they are checked:

1. the public API only (:func:`test_notebooks_use_the_public_api_only`);
2. the package's charts, never hand-drawn ones (:func:`test_notebooks_draw_with_the_package_only`);
3. figures written by the package's formatters, never by a format spec or a rounding of the
   notebook's own (:func:`test_notebooks_leave_number_formats_to_the_package`);
4. after running, no output shows an unformatted number (:func:`assert_figures_are_formatted`,
   applied to every notebook every test executes).

Expected figures are written here with the report's own formatters (``fmt_money``,
``fmt_pct``, ``fmt_seconds``, ...), so a notebook that prints ``247.0 s`` where the summary
says ``4.1 min`` fails.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics._util.formats import (
    fmt_money,
    fmt_pct,
    fmt_seconds,
    fmt_signed_pct,
)
from eachlabs_analytics.local_api import Incident, inject_incidents

nbformat = pytest.importorskip("nbformat")
NotebookClient = pytest.importorskip("nbclient").NotebookClient

pytestmark = pytest.mark.notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 180
END = "2026-06-10T12:00:00Z"
DAYS = 30
#: What the notebooks' sandbox branch generates (their first cell says the same).
NOTEBOOK_SANDBOX = {"executions": 10_000, "seed": 7}
#: 05-forecast-and-alerts needs more history (it loads EACHLABS_DAYS, at least 63): its sandbox
#: holds 450 executions a day over those days, with one labelled incident on the Wednesday
#: three weeks before END's day: every veo-3 execution of the day sent 20 more times.
FORECAST_DAYS = 90
FORECAST_SANDBOX = {"executions": 450 * FORECAST_DAYS, "seed": 7, "days": FORECAST_DAYS}
INCIDENT = Incident("spend_spike", "2026-05-20", group="veo-3", magnitude=20)


@pytest.fixture(scope="module")
def notebook_data() -> pd.DataFrame:
    """The rows the notebooks load by default: the sandbox's data within [END - DAYS, END]."""
    truth = ea.generate_executions(**NOTEBOOK_SANDBOX, end=END)
    return in_window(truth, END, DAYS)


def in_window(frame: pd.DataFrame, end: str, days: int) -> pd.DataFrame:
    stop = pd.Timestamp(end)
    start = stop - pd.Timedelta(days=days)
    return frame[(frame.created_at >= start) & (frame.created_at <= stop)]


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A clean environment for the kernel: no real key, state files under tmp_path."""
    pytest.importorskip("ipykernel")  # the notebooks run in its python3 kernel
    for name in ("EACHLABS_API_KEY", "EACHLABS_BASE_URL", "EACHLABS_DATA", "EACHLABS_EXPORT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EACHLABS_END", END)
    monkeypatch.setenv("EACHLABS_DAYS", str(DAYS))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    return monkeypatch


def run(name: str, cwd: Path) -> nbformat.NotebookNode:
    """Execute one notebook (raises on the first error cell) and return it with outputs."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert_figures_are_formatted(nb)
    return nb


def printed(nb: nbformat.NotebookNode) -> str:
    return "".join(
        o.text
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if o.output_type == "stream" and o.name == "stdout"
    )


def shown(nb: nbformat.NotebookNode, code: str) -> str:
    """The text the one code cell whose source holds ``code`` displayed (its last value)."""
    cells = [c for c in nb.cells if c.cell_type == "code" and code in c.source]
    assert len(cells) == 1, code
    return "".join(
        o.data["text/plain"] for o in cells[0].outputs if o.output_type == "execute_result"
    )


def value_after(label: str, text: str) -> str:
    match = re.search(rf"^{re.escape(label)}(.*)$", text, flags=re.MULTILINE)
    assert match, f"{label!r} not printed:\n{text}"
    return match.group(1).strip()


def failed(frame: pd.DataFrame) -> pd.Series:
    return frame.status.astype(str).isin(["error", "failed"])


def finished(frame: pd.DataFrame, metric: str) -> np.ndarray:
    done = ~frame.status.astype(str).isin(schema.IN_FLIGHT_STATUSES)
    return frame.loc[done, metric].dropna().to_numpy()


def test_notebooks_are_stored_small_and_without_outputs():
    names = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert names == [
        "01-quickstart",
        "02-cost-report",
        "03-latency-and-errors",
        "04-explorer",
        "05-forecast-and-alerts",
    ]
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert path.stat().st_size < 20_000, path
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path
        assert "widgets" not in nb.metadata, path
        assert nb.metadata.kernelspec.name == "python3"


# --- notebooks people copy from (issue 18, item 8) ----------------------------------------------

NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def code_cells(name: str) -> list[tuple[int, ast.Module]]:
    """Each code cell of notebook ``name`` (its index, its parsed source)."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    return [(i, ast.parse(c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_use_the_public_api_only(name):
    """The rule: the package is imported one way, ``import eachlabs_analytics as ea``, and a
    notebook uses only names of ``ea.__all__`` from it (``ea.<name>``; ``df.eachlabs`` is the
    accessor that import registers). So no ``from eachlabs_analytics... import``, no
    ``import eachlabs_analytics.<module>``, no ``ea.<module>.<name>`` or ``ea._private``, and
    no module path in a string (``importlib``) or in the prose a reader would copy."""
    public = set(ea.__all__)
    found = []
    for i, tree in code_cells(name):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    ours = alias.name.split(".")[0] == "eachlabs_analytics"
                    if ours and (alias.name, alias.asname) != ("eachlabs_analytics", "ea"):
                        found.append((i, f"import {alias.name}"))
            elif isinstance(node, ast.ImportFrom):
                if (node.module or "").split(".")[0] == "eachlabs_analytics":
                    found.append((i, f"from {node.module} import ..."))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "ea" and node.attr not in public:
                    found.append((i, f"ea.{node.attr}"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if "eachlabs_analytics." in node.value:
                    found.append((i, repr(node.value)))
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "eachlabs_analytics." in cell.source:
            found.append((i, "a module path in the prose"))
    assert found == []


#: Names of drawing calls (matplotlib's Axes and pyplot, pandas' ``.plot``/``.hist``).
DRAWING = frozenset(
    "plot bar barh scatter fill_between fill_betweenx stackplot hist hist2d pie boxplot "
    "violinplot errorbar step stem imshow pcolormesh contour contourf hexbin axvline axhline "
    "axvspan axhspan annotate hlines vlines figure subplots subplot add_subplot".split()
)
PLOTTING_LIBRARIES = frozenset({"matplotlib", "pylab", "seaborn", "plotly", "bokeh", "altair"})


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_draw_with_the_package_only(name):
    """The rule: every chart is one of the package's, ``ea.plot_*(...)`` or
    ``df.eachlabs.plot_*(...)``. A notebook imports no plotting library (matplotlib, seaborn,
    plotly, ...), uses no attribute named like a drawing call (:data:`DRAWING`: ``ax.bar``,
    ``plt.subplots``, ``frame.plot(...)``, ``frame.plot.bar``, ``ax.axvline`` on a package
    chart, ...) and reaches ``plot_*`` only through ``ea`` or the ``eachlabs`` accessor."""
    found = []
    for i, tree in code_cells(name):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                modules += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                found += [(i, m) for m in modules if m.split(".")[0] in PLOTTING_LIBRARIES]
            elif isinstance(node, ast.Attribute):
                if node.attr in DRAWING:
                    found.append((i, f".{node.attr}"))
                elif node.attr.startswith("plot_") and not (
                    (isinstance(node.value, ast.Name) and node.value.id == "ea")
                    or (isinstance(node.value, ast.Attribute) and node.value.attr == "eachlabs")
                ):
                    found.append((i, f".{node.attr}"))
    assert found == []


#: A format spec that writes a number as a float or a percentage (``.2f``, ``,.2f``, ``.1%``,
#: ``g``, ``e``); integer specs (``,``, ``d``) and date specs (``%Y-%m-%d``) are not.
FLOAT_SPEC = re.compile(r"(.?[<>=^])?[+\- ]?z?#?0?\d*[,_]?(\.\d+)?[eEfFgGn%]")
PERCENT_FORMAT = re.compile(r"%[-+ #0]*\d*(\.\d+)?[eEfFgG]")


def _spec(node: ast.AST) -> str:
    return "".join(
        part.value for part in getattr(node, "values", []) if isinstance(part, ast.Constant)
    )


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_leave_number_formats_to_the_package(name):
    """The rule: money, rates, durations and scores reach the reader written by the package's
    formatters (``ea.format_table``, which is the report's; or the package's own text such as
    a Summary or ``CheckResult.text()``), so a notebook formats no float itself: no float or
    percent format spec (:data:`FLOAT_SPEC`) in an f-string, ``format()`` or ``str.format``,
    no ``%``-formatting of a float, no ``.round(...)`` or ``round(x, digits)`` for display
    and no pandas ``float_format``. Integers (``{n:,}``) and dates (``{day:%Y-%m-%d}``) are
    fine: they have one way to be written."""
    found = []
    for i, tree in code_cells(name):
        for node in ast.walk(tree):
            specs = []
            if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
                specs.append(_spec(node.format_spec))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id == "format" and len(node.args) > 1:
                    spec = node.args[1]
                    specs.append(spec.value if isinstance(spec, ast.Constant) else "?f")
                if isinstance(func, ast.Name) and func.id == "round" and len(node.args) > 1:
                    found.append((i, "round(x, digits)"))
                if isinstance(func, ast.Attribute) and func.attr == "round":
                    found.append((i, ".round()"))
                if isinstance(func, ast.Attribute) and func.attr == "format":
                    template = func.value
                    if isinstance(template, ast.Constant) and isinstance(template.value, str):
                        specs += re.findall(r"\{[^{}:]*:([^{}]*)\}", template.value)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
                left = node.left
                if isinstance(left, ast.Constant) and isinstance(left.value, str):
                    found += [(i, m.group()) for m in PERCENT_FORMAT.finditer(left.value)]
            elif isinstance(node, ast.Attribute) and node.attr == "float_format":
                found.append((i, "float_format"))
            found += [(i, f":{spec}") for spec in specs if FLOAT_SPEC.fullmatch(spec)]
    assert found == []


#: A float written out raw (``195.200000``, ``0.0636423``): five decimals or more, not money
#: (``$0.00096`` is ``fmt_money``'s two significant digits below a cent).
RAW_FLOAT = re.compile(r"(?<![$\d.])\d+\.\d{5,}")
#: A table cell that is a bare decimal number (``180.16``, ``3000.0``): no $, %, unit or sign.
BARE_NUMBER = re.compile(r"-?\d[\d,]*\.\d+")
#: ... except a score as ``fmt_score`` writes it: signed, one decimal (``+12.7``, ``-4.1``).
SCORE = re.compile(r"[+-]\d+\.\d")
#: How pandas shows a missing value in a table it formatted itself (format_table: ``n/a``).
RAW_MISSING = frozenset({"NaN", "nan", "NaT", "<NA>", "None"})
TEXT_OUTPUTS = ("text/plain", "text/html", "text/markdown", "text/latex")


def assert_figures_are_formatted(nb: nbformat.NotebookNode) -> None:
    """The rule on what an executed notebook shows: no printed or displayed text (stdout,
    ``text/plain``, ``text/html``, ...; not images) holds a raw float (:data:`RAW_FLOAT`), and
    no cell of a displayed DataFrame is a bare decimal number (:data:`BARE_NUMBER`, scores
    aside) or pandas' own ``NaN``: money has its $, rates their %, durations their unit."""
    texts, tables = [], []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append((i, output.text))
            for mime in TEXT_OUTPUTS:
                text = output.get("data", {}).get(mime)
                if text:
                    texts.append((i, text))
                    if mime == "text/html" and 'class="dataframe"' in text:
                        tables.append((i, text))
    raw = [(i, m) for i, text in texts for m in RAW_FLOAT.findall(text)]
    assert raw == []
    cells = [
        (i, cell.strip())
        for i, html in tables
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    ]
    bare = [
        (i, cell)
        for i, cell in cells
        if cell in RAW_MISSING or (BARE_NUMBER.fullmatch(cell) and not SCORE.fullmatch(cell))
    ]
    assert bare == []


def test_quickstart_on_the_sandbox(kernel_env, tmp_path, notebook_data):
    nb = run("01-quickstart", tmp_path)
    out, headline = printed(nb), shown(nb, "summary = ea.summary(df)")
    data = notebook_data
    assert (
        value_after("Loaded", out)
        == f"{len(data):,} executions from a local sandbox (generated data)"
    )
    assert value_after("  executions", headline) == (
        f"{len(data):,} across {data.model.nunique()} models"
    )
    assert value_after("  spend", headline).startswith(f"{fmt_money(data.execution_cost.sum())} (")
    spend = data.groupby(data.model.astype(object))["execution_cost"].sum()
    share = spend.max() / spend.sum()
    assert value_after("Top model:", out) == (
        f"{spend.idxmax()} ({fmt_money(spend.max())}, {fmt_pct(share)} of spend)"
    )
    total = finished(data, "total_seconds")
    p50, p95 = np.percentile(total, [50, 95])
    assert value_after("End to end:", out) == f"p50 {fmt_seconds(p50)}, p95 {fmt_seconds(p95)}"
    # one unit per figure: the printed line and the summary above it write p95 the same way
    assert value_after("  end to end", headline) == value_after("End to end:", out)
    assert value_after("Error rate:", out) == (
        f"{fmt_pct(failed(data).mean())} ({failed(data).sum():,} failed executions)"
    )


def test_quickstart_against_the_api_named_by_the_environment(kernel_env, tmp_path):
    end, days = "2026-03-01T00:00:00Z", 20
    with ea.sandbox(executions=2_500, seed=11, end=end, days=60) as api:
        kernel_env.setenv("EACHLABS_API_KEY", api.api_key)
        kernel_env.setenv("EACHLABS_BASE_URL", api.base_url)
        kernel_env.setenv("EACHLABS_END", end)
        kernel_env.setenv("EACHLABS_DAYS", str(days))
        nb = run("01-quickstart", tmp_path)
        expected = in_window(api.truth, end, days)
        requests = len(api.request_log)
    out = printed(nb)
    assert requests > 0  # the notebook talked to this server, not to a sandbox of its own
    assert value_after("Loaded", out) == f"{len(expected):,} executions from the each::labs API"
    headline = shown(nb, "summary = ea.summary(df)")
    assert value_after("  spend", headline).startswith(
        f"{fmt_money(expected.execution_cost.sum())} ("
    )
    assert value_after("Window:", out) == "2026-02-09 00:00 to 2026-03-01 00:00 UTC"
    # the key never reaches an output, the widget state or the notebook's metadata
    assert api.api_key not in json.dumps(nb)


def test_cost_report(kernel_env, tmp_path, notebook_data):
    kernel_env.setenv("EACHLABS_EXPORT_DIR", str(tmp_path))
    out = printed(run("02-cost-report", tmp_path))
    data = notebook_data
    assert value_after("Total spend:", out) == (
        f"{fmt_money(data.execution_cost.sum())} across {data.model.nunique()} models"
    )
    in_workflow = data[data.workflow_id.notna()]
    assert value_after("Workflow spend:", out) == (
        f"{fmt_money(in_workflow.execution_cost.sum())} over "
        f"{in_workflow.workflow_execution_id.nunique():,} runs"
    )
    daily = data.groupby(data.created_at.dt.floor("D"))["execution_cost"].sum()
    assert value_after("Busiest day:", out) == (
        f"{daily.idxmax():%Y-%m-%d} ({fmt_money(daily.max())})"
    )
    end = pd.Timestamp(END)
    middle = end - pd.Timedelta(days=DAYS / 2)
    previous = data.loc[data.created_at < middle, "execution_cost"].sum()
    current = data.loc[
        (data.created_at >= middle) & (data.created_at < end), "execution_cost"
    ].sum()
    assert value_after("Spend:", out) == (
        f"previous {fmt_money(previous)}, current {fmt_money(current)} "
        f"({fmt_signed_pct(current / previous - 1)})"
    )
    assert value_after("Exported", out).startswith(f"{len(data):,} rows")
    exported = ea.read_parquet(tmp_path / "executions.parquet")
    assert sorted(exported["id"]) == sorted(data["id"])
    assert exported.execution_cost.sum() == pytest.approx(data.execution_cost.sum())


def test_latency_and_errors(kernel_env, tmp_path, notebook_data):
    out = printed(run("03-latency-and-errors", tmp_path))
    data = notebook_data
    for metric in ("queue_seconds", "execution_seconds", "total_seconds"):
        p50, p95 = np.percentile(finished(data, metric), [50, 95])
        assert value_after(f"{metric}:", out) == f"p50 {fmt_seconds(p50)}, p95 {fmt_seconds(p95)}"
    errors = failed(data)
    assert value_after("Error rate:", out) == (
        f"{fmt_pct(errors.mean())} ({errors.sum():,} of {len(data):,})"
    )
    counts = data.loc[errors, "error_classification"].astype(object).value_counts()
    name, count = value_after("Top error class:", out).split(" ")
    assert count == f"({counts.max():,})" and counts[name] == counts.max()
    assert value_after("Spent on failed executions:", out) == (
        f"{fmt_money(data.loc[errors, 'execution_cost'].sum())} of "
        f"{fmt_money(data.execution_cost.sum())}"
    )


def test_explorer_notebook_shows_the_total_in_its_widget(kernel_env, tmp_path, notebook_data):
    nb = run("04-explorer", tmp_path)
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    shown = {
        css: model["state"]["value"]
        for model in state.values()
        for css in ("ea-total-spend", "ea-executions")
        if css in model["state"].get("_dom_classes", [])
    }
    assert shown == {
        "ea-total-spend": fmt_money(notebook_data.execution_cost.sum()),
        "ea-executions": f"{len(notebook_data):,}",
    }


def test_explorer_notebook_exports_a_static_snapshot(kernel_env, tmp_path, notebook_data):
    """A static copy of 04-explorer (HTML export, GitHub's viewer) shows the Explorer's
    headline, not an empty cell: a cell renders ``explorer.snapshot()`` as HTML."""
    if not hasattr(ea.Explorer, "snapshot"):
        pytest.skip("Explorer.snapshot() is not on this branch: 04-explorer marks its place")
    nb = run("04-explorer", tmp_path)
    html = [
        o.data["text/html"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if "text/html" in o.get("data", {})
    ]
    total, executions = fmt_money(notebook_data.execution_cost.sum()), f"{len(notebook_data):,}"
    assert [h for h in html if total in h and executions in h]


# --- 05-forecast-and-alerts -------------------------------------------------------------------


@pytest.fixture(scope="module")
def forecast_data() -> pd.DataFrame:
    """The rows 05-forecast-and-alerts loads by default: its sandbox's history, incident in."""
    day = pd.Timestamp(INCIDENT.start, tz="UTC")
    assert day.day_name() == "Wednesday"
    assert pd.Timestamp(END).floor("D") - day == pd.Timedelta(days=21)  # "three weeks ago"
    generated = ea.generate_executions(**FORECAST_SANDBOX, end=END)
    data, _ = inject_incidents(generated, [INCIDENT])
    return in_window(data, END, FORECAST_DAYS)


def cell_output(nb: nbformat.NotebookNode, code: str) -> str:
    """What the one code cell whose source holds ``code`` printed."""
    cells = [c for c in nb.cells if c.cell_type == "code" and code in c.source]
    assert len(cells) == 1, code
    return "".join(
        o.text for o in cells[0].outputs if o.output_type == "stream" and o.name == "stdout"
    )


def spend(frame: pd.DataFrame, start: str, end: str, model: str | None = None) -> float:
    """Cost of the rows created in [start, end) (of ``model`` only, when given)."""
    rows = (frame.created_at >= pd.Timestamp(start)) & (frame.created_at < pd.Timestamp(end))
    if model is not None:
        rows &= frame.model.astype(object) == model
    return float(frame.loc[rows, "execution_cost"].sum())


def interval(text: str) -> tuple[float, float]:
    """``$1,234.56 to $2,345.67`` as two numbers."""
    match = re.fullmatch(r"(\$[\d,.]+) to (\$[\d,.]+)", text)
    assert match, text
    return money(match.group(1)), money(match.group(2))


def money(text: str) -> float:
    return float(text.removeprefix("$").replace(",", ""))


def test_forecast_and_alerts_on_the_sandbox(kernel_env, tmp_path, forecast_data):
    kernel_env.setenv("EACHLABS_DAYS", str(FORECAST_DAYS))
    nb = run("05-forecast-and-alerts", tmp_path)
    out = printed(nb)
    data = forecast_data
    assert value_after("Loaded", out) == (
        f"{len(data):,} executions from a local sandbox (generated data, one injected incident)"
    )
    assert value_after("Injected:", out) == (
        "spend_spike of veo-3 on 2026-05-20 (every execution that day sent 20 more times)"
    )

    # 1. the month-end projection: June so far is a plain sum; the intervals nest
    assert value_after("Month:", out) == "June 2026, as of 2026-06-10 12:00 UTC"
    june = spend(data, "2026-06-01T00:00:00Z", END)
    assert value_after("Spent so far:", out) == fmt_money(june)
    projected = money(value_after("Projected month end:", out))
    lo_80, hi_80 = interval(value_after("80% interval:", out))
    lo_95, hi_95 = interval(value_after("95% interval:", out))
    assert june < lo_95 <= lo_80 <= projected <= hi_80 <= hi_95
    # ... and they are ea.month_end_projection's on the same data, default as_of, report's money
    expected = ea.month_end_projection(data)
    assert value_after("Projected month end:", out) == fmt_money(expected.projected)
    assert value_after("80% interval:", out) == (
        f"{fmt_money(expected.lo_80)} to {fmt_money(expected.hi_80)}"
    )
    assert value_after("95% interval:", out) == (
        f"{fmt_money(expected.lo_95)} to {fmt_money(expected.hi_95)}"
    )

    # 2. spend per day forecast from today to the month's last day, drawn
    days = pd.date_range(pd.Timestamp(END).floor("D"), "2026-06-30T00:00:00Z", freq="D")
    assert value_after("Forecast:", out) == (
        f"{len(days)} days, {days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}"
    )
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the forecast band, and spend per day by model with the spike

    # 3. the injected spike, and only it, is flagged: total and veo-3, veo-3 the top driver
    day = "2026-05-20"
    total = spend(data, f"{day}T00:00:00Z", "2026-05-21T00:00:00Z")
    veo3 = spend(data, f"{day}T00:00:00Z", "2026-05-21T00:00:00Z", model="veo-3")
    flagged = re.findall(r"^Total (\S+) (up|down): (\$[\d,.]+) .*drivers: (.*)$", out, re.M)
    assert [(d, direction, amount) for d, direction, amount, _ in flagged] == [
        (day, "up", fmt_money(total))
    ]
    assert flagged[0][3].startswith("model veo-3 ")
    models = re.findall(r"^Model (\S+) (\S+) (up|down): (\$[\d,.]+) ", out, re.M)
    assert ("veo-3", day, "up", fmt_money(veo3)) in models
    assert value_after("  flagged for veo-3:", out) == "yes"
    assert value_after("  flagged for the total:", out) == "yes"
    assert value_after("  top driver:", out) == "model veo-3"

    # 4. budgets: June so far against each amount
    assert value_after("Budget total:", out).startswith(
        f"{fmt_money(june)} of $3,000.00 ({fmt_pct(june / 3000)}), projected "
    )
    june_veo3 = spend(data, "2026-06-01T00:00:00Z", END, model="veo-3")
    assert value_after("Budget veo-3:", out).startswith(
        f"{fmt_money(june_veo3)} of $500.00 ({fmt_pct(june_veo3 / 500)}), projected "
    )

    # 5. the cron verdict: the worst budget (no anomaly in the last two days) sets the status
    verdict = cell_output(nb, "result = ea.run_check(")
    statuses = re.findall(r"^Budget \S+: .*: (ok|warning|critical)$", out, re.M)
    worst = max(statuses, key=["ok", "warning", "critical"].index).upper()
    code = {"OK": 0, "WARNING": 1, "CRITICAL": 2}[worst]
    assert verdict.startswith(f"EACHLABS {worst} - ") and "no anomalies" in verdict.splitlines()[0]
    assert value_after("Exit status:", verdict) == f"{code} ({worst})"
    # the check projects the month as section 1 does: one figure, written one way
    assert f"; projected {fmt_money(expected.projected)} (" in value_after("budget total:", verdict)
    assert value_after("Budget total:", out).startswith(
        f"{fmt_money(june)} of $3,000.00 ({fmt_pct(june / 3000)}), "
        f"projected {fmt_money(expected.projected)} ("
    )

    # ... and replayed the morning after the spike: both anomalies alert, May's veo-3 spend so far
    replay = cell_output(nb, "replay = ea.run_check(")
    assert "as of 2026-05-21T06:00:00Z" in replay
    alerts = value_after("Alerts:", replay).split(", ")
    assert {f"anomaly:spend:total:{day}", f"anomaly:spend:veo-3:{day}"} <= set(alerts)
    may_veo3 = spend(data, "2026-05-01T00:00:00Z", "2026-05-21T06:00:00Z", model="veo-3")
    assert f"used ({fmt_money(may_veo3)} spent)" in value_after("budget veo-3:", replay)
    assert value_after("Exit status:", replay) == "2 (CRITICAL)"  # veo-3's budget went in a day

    # 6. the runway: ea.runway on the loaded rows with the balance the sandbox served
    runway = cell_output(nb, "ea.runway(df, balance)").strip()
    balance = money(re.match(r"Balance (\$[\d,.]+) on ", runway).group(1))
    assert runway == ea.runway(data, balance).summary()
    assert "eachlabs-llm-router (no list price)" in value_after("Flagged:", out)  # never free
    assert "veo-3 -> veo3-1-fast: each successful execution at" in out
    assert "Ad video" in shown(nb, "ea.cost_by_workflow(")
    # ... and the Explorer's Balance card says the same balance
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    cards = [
        m["state"]["value"]
        for m in state.values()
        if "ea-balance" in m["state"].get("_dom_classes", [])
    ]
    assert cards == [fmt_money(balance)]

    assert "smk_" not in json.dumps(nb)  # not even the sandbox's demo key


def test_forecast_notebook_projects_the_month_with_the_public_call():
    """Section 1 is ``ea.month_end_projection(df)`` on the notebook's data with the default
    ``as_of`` (the window's end), the call the report and ``check`` make on the same data."""
    calls = [
        node
        for _, tree in code_cells("05-forecast-and-alerts")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "ea.month_end_projection"
    ]
    assert [ast.unparse(call) for call in calls] == ["ea.month_end_projection(df)"]


def test_forecast_and_alerts_against_the_api_named_by_the_environment(kernel_env, tmp_path):
    end, key = "2026-03-18T06:00:00Z", "smk_live_0123456789abcdef0123456789abcdef"
    with ea.sandbox(executions=25_000, seed=11, end=end, days=90, api_key=key) as api:
        kernel_env.setenv("EACHLABS_API_KEY", api.api_key)
        kernel_env.setenv("EACHLABS_BASE_URL", api.base_url)
        kernel_env.setenv("EACHLABS_END", end)  # EACHLABS_DAYS stays 30: too little history
        nb = run("05-forecast-and-alerts", tmp_path)
        expected = in_window(api.truth, end, 63)
        requests = len(api.request_log)
    out = printed(nb)
    assert requests > 0  # the notebook talked to this server, not to a sandbox of its own
    assert value_after("EACHLABS_DAYS=30", out) == (
        "is too little history to forecast and detect; loading 63 days"
    )
    assert value_after("Loaded", out) == f"{len(expected):,} executions from the each::labs API"
    assert value_after("Window:", out) == "2026-01-14 06:00 to 2026-03-18 06:00 UTC"
    march = spend(expected, "2026-03-01T00:00:00Z", end)
    assert value_after("Spent so far:", out) == fmt_money(march)
    assert "Injected:" not in out
    assert value_after("Nothing was injected:", out) == "your own data"
    # the key never reaches an output, the widget state or the notebook's metadata
    assert key not in json.dumps(nb)


def test_the_raw_float_rule_catches_raw_floats_and_spares_money():
    text = "p95 195.200000 s; share 0.0636423; mean $0.00096; -$0.000089; 12.345678"
    assert RAW_FLOAT.findall(text) == ["195.200000", "0.0636423", "12.345678"]


def test_notebook_05_on_the_sample_gives_the_month_end_figure_of_every_face(kernel_env, tmp_path):
    """Pointed at the sandbox serving the sample, notebook 05 prints the month-end figure the
    report, check and the Explorer give on it (``tests/test_one_projection.py``)."""
    want = ea.month_end_projection(ea.load_sample())
    with ea.Sandbox(data="sample") as api:
        kernel_env.setenv("EACHLABS_API_KEY", api.api_key)
        kernel_env.setenv("EACHLABS_BASE_URL", api.base_url)
        kernel_env.setenv("EACHLABS_END", "2026-10-31T00:00:00Z")
        kernel_env.setenv("EACHLABS_DAYS", "90")
        nb = run("05-forecast-and-alerts", tmp_path)
    text = printed(nb)
    assert "Month: October 2026, as of 2026-10-31 00:00 UTC" in text
    assert f"Projected month end: {fmt_money(want.projected)}" in text
    assert f"Spent so far: {fmt_money(want.spent)}" in text
