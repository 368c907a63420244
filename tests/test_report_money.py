"""The report against money: the balance's runway, charges against list prices, workflow names.

Every figure is compared with a computation made here: the runway with ``runway_from`` on the
same data and instant, the price table with plain pandas medians over the period, the names
with the sandbox's workflows list. Names are API text: they go through HTML, Markdown and CSV
intact and escaped (property-based), and ``redact`` hides them with the ids.
"""

from __future__ import annotations

import csv
import html
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics._util.columns import workflow_label
from eachlabs_analytics._util.formats import cell_text
from eachlabs_analytics._util.windows import select_window
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.report import build_report
from eachlabs_analytics.watch.runway import runway_from

BALANCE = 700.0


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return ea.load_sample()


@pytest.fixture(scope="module")
def period(sample) -> pd.DataFrame:
    end = pd.Timestamp(sample.attrs["window"]["end"])
    return select_window(sample, end - pd.Timedelta(days=30), end)


@pytest.fixture(scope="module")
def served() -> tuple[pd.DataFrame, dict[str, str]]:
    with ea.Sandbox(data="sample") as api:
        prices = ea.model_prices(base_url=api.base_url)
        names = ea.workflow_names(api_key=api.api_key, base_url=api.base_url)
    return prices, names


@pytest.fixture(scope="module")
def report(sample, period, served):
    prices, names = served
    return build_report(
        period, history=sample, balance=BALANCE, prices=prices, names=names, charts=False
    )


def test_the_runway_is_the_one_computed_on_the_same_data_and_instant(report, sample):
    as_of = pd.Timestamp(sample.attrs["window"]["end"])
    direct = runway_from(sample, BALANCE, as_of=as_of)
    assert report.helpers["runway"] == direct
    row = report.table("runway").frame.iloc[0]
    for field in ("date", "lo_80", "hi_80", "lo_95", "hi_95"):
        assert row[field] == getattr(direct, field), field
    assert row["balance_usd"] == BALANCE and row["top_up"] == direct.top_up
    card = next(c for c in report.headline if c.key == "balance")
    assert card.value == "$700.00" and card.detail == f"out about {direct.date:%Y-%m-%d}"


def test_the_price_table_equals_plain_pandas(report, period, served):
    prices, _ = served
    table = report.table("price_check").frame.set_index("model")
    ok = period[period["status"].astype(str).isin(["success", "completed"])]
    medians = ok.groupby(ok["model"].astype(str))["execution_cost"].median()
    listed = prices.set_index("slug")
    for model in ("flux-2-pro", "nano-banana-pro", "kling-3-0"):
        assert table.loc[model, "charged_per_execution"] == pytest.approx(medians[model])
        ratio = medians[model] / float(listed.loc[model, "amount"])
        assert table.loc[model, "ratio"] == pytest.approx(ratio)
    assert table.loc["eachlabs-llm-router", "flag"] == "no list price"
    assert pd.isna(table.loc["eachlabs-llm-router", "list_amount"])  # unknown, never 0
    spend = period.groupby(period["model"].astype(str))["execution_cost"].sum()
    assert table["spend"].to_dict() == pytest.approx(spend[table.index].to_dict())


def test_workflows_are_named_where_the_api_names_them(report, period, served):
    _, names = served
    shown = report.table("cost_by_workflow").frame["workflow_id"].tolist()
    ids = [w for w in period["workflow_id"].dropna().astype(str).unique()]
    assert len(shown) == len(ids)
    for wf in ids:
        expected = f"{names[wf]} ({wf})" if wf in names else wf
        assert expected in shown
    assert any(wf not in names for wf in ids)  # the deleted workflow keeps its id
    markdown = report.to_markdown()
    assert "Ad video (wf\\_5fbd02323f)" in markdown


def test_redact_hides_names_and_ids(sample, period, served):
    prices, names = served
    redacted = build_report(
        period, history=sample, names=names, prices=prices, redact=True, charts=False
    )
    texts = [redacted.to_html(), redacted.to_markdown(), *redacted.to_csv().values()]
    for text in texts:
        for wf, name in names.items():
            assert wf not in text and name not in html.unescape(text).replace("\\", "")


def test_nothing_is_shown_without_a_balance_prices_or_names(period):
    plain = build_report(period, charts=False, forecast=False)
    keys = [s.key for s in plain.sections]
    assert "runway" not in keys and "list_prices" not in keys
    assert all(c.key != "balance" for c in plain.headline)
    assert "runway" not in plain.helpers and "price_check" not in plain.helpers


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("balance", "lots", "balance='lots' is not allowed"),
        ("balance", float("nan"), "is not allowed"),
        ("prices", [1], "prices must be a DataFrame"),
        ("names", ["wf"], "names must be a mapping"),
    ],
)
def test_bad_money_arguments_are_refused(period, argument, value, message):
    with pytest.raises(InvalidQueryError, match=message):
        build_report(period, charts=False, forecast=False, **{argument: value})


NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAME)
def test_any_workflow_name_is_written_intact_and_escaped(name, period):
    wf = str(period["workflow_id"].dropna().iloc[0])
    report = build_report(period, names={wf: name}, charts=False, forecast=False)
    label = workflow_label(wf, {wf: name})  # one line (its own tests: test_workflow_labels)
    assert label.endswith(f"({wf})") or label == wf
    page = report.to_html()
    assert "<script" not in page.lower() or "<script" in name.lower() and "&lt;" in page
    records = list(csv.reader(io.StringIO(report.to_csv()["cost_by_workflow"], newline="")))
    cells = [r[0] for r in records[1:]]
    assert label in cells or f"'{label}" in cells  # a formula start is guarded
    assert cell_text(label) in html.unescape(page)  # shown on one line
    if "<" in label:
        assert label not in page  # escaped: no markup from API text
    assert len(records) == 1 + period["workflow_id"].dropna().nunique()
    markdown = report.to_markdown()
    section = markdown.split("## Spend by workflow", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + period["workflow_id"].dropna().nunique()  # header + one per id


def _cli(*args: str, env: dict[str, str]) -> object:
    from click.testing import CliRunner

    from eachlabs_analytics.cli import main

    result = CliRunner().invoke(main, list(args), env=env, prog_name="eachlabs-analytics")
    assert result.exit_code == 0, result.output
    return result


def test_the_cli_report_from_the_api_shows_runway_prices_and_names(tmp_path, served):
    _, names = served
    with ea.Sandbox(data="sample", balance_usd=BALANCE) as api:
        env = {"EACHLABS_API_KEY": api.api_key, "EACHLABS_BASE_URL": api.base_url}
        out = tmp_path / "r.md"
        _cli("report", "--last", "30d", "-o", str(out), "--no-progress", env=env)
        keyless = [r for r in api.request_log if r["path"].startswith("/v1/models")]
    text = out.read_text()
    assert "## Balance and runway" in text and "$700.00" in text
    assert "## Charged against list prices" in text
    assert "Ad video (wf\\_5fbd02323f)" in text
    assert keyless and not any(r["key_sent"] for r in keyless)  # list prices carry no key


def test_the_cli_report_from_a_store_uses_what_the_sync_kept(tmp_path, served):
    _, names = served
    store = tmp_path / "store"
    with ea.Sandbox(data="sample") as api:
        env = {"EACHLABS_API_KEY": api.api_key, "EACHLABS_BASE_URL": api.base_url}
        _cli("sync", str(store), "--start", "2026-08-02", "--end", "2026-10-31", "--prices",
             "--no-progress", env=env)  # fmt: skip
    offline = {"EACHLABS_API_KEY": "", "EACHLABS_BASE_URL": "http://127.0.0.1:9"}  # nothing
    out = tmp_path / "r.md"
    _cli("report", "--store", str(store), "--last", "30d", "-o", str(out), "--balance", "50",
         env=offline)  # fmt: skip
    text = out.read_text()
    assert "Ad video (wf\\_5fbd02323f)" in text and "## Charged against list prices" in text
    assert "## Balance and runway" in text and "$50.00" in text
    hidden = tmp_path / "h.md"
    _cli("report", "--store", str(store), "--last", "30d", "-o", str(hidden), "--redact",
         env=offline)  # fmt: skip
    redacted = hidden.read_text()
    assert not any(name in redacted for name in names.values())
    assert "wf\\_" not in redacted and "wf_" not in redacted


def test_a_price_change_injected_in_the_sandbox_is_found_on_its_day():
    from eachlabs_analytics.local_api import Incident, generate_executions, inject_incidents

    end = "2026-10-31T00:00:00Z"
    clean = generate_executions(executions=30_000, seed=11, end=end)
    changed, truth = inject_incidents(
        clean, [Incident("price_change", "2026-10-12", group="flux-2-pro", magnitude=1.2)]
    )
    with ea.Sandbox(data=changed) as api:
        df = ea.load_executions(start="2026-08-02T00:00:00Z", end=end, base_url=api.base_url,
                                api_key=api.api_key, progress=False)  # fmt: skip
        prices = ea.model_prices(base_url=api.base_url)
    listed = prices.set_index("slug")
    # the served list price moved with the charge: the new price, not the old one
    assert float(listed.loc["flux-2-pro", "amount"]) == pytest.approx(0.05 * 1.2)
    checked = ea.price_check(df, prices)
    assert checked.loc["flux-2-pro", "flag"] == "price changed on 2026-10-12"
    assert checked.loc["flux-2-pro", "price_changed_on"] == pd.Timestamp("2026-10-12", tz="UTC")
    others = checked.drop(index="flux-2-pro")["flag"].fillna("")
    assert not others.str.startswith("price changed").any()
    assert checked.loc["eachlabs-llm-router", "flag"] == "no list price"
