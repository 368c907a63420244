"""The public API is what ``__all__`` says, every name resolves, and each one is documented."""

from __future__ import annotations

import inspect

import eachlabs_analytics as ea


def test_all_is_sorted_and_every_name_resolves():
    assert ea.__all__ == sorted(ea.__all__)
    for name in ea.__all__:
        assert getattr(ea, name) is not None, name


def test_every_public_callable_has_a_docstring_with_an_example():
    missing_doc, missing_example = [], []
    for name in ea.__all__:
        obj = getattr(ea, name)
        if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
            continue
        if inspect.isclass(obj) and issubclass(obj, Warning):
            continue
        doc = inspect.getdoc(obj) or ""
        if not doc.strip():
            missing_doc.append(name)
        elif ">>>" not in doc and ">>>" not in (inspect.getdoc(inspect.getmodule(obj)) or ""):
            missing_example.append(name)
    assert missing_doc == []
    assert missing_example == []


def test_exceptions_form_the_documented_tree():
    assert issubclass(ea.InvalidQueryError, ValueError)
    assert issubclass(ea.InvalidQueryError, ea.EachlabsError)
    for error in (ea.AuthenticationError, ea.RateLimitError, ea.PaginationError):
        assert issubclass(error, ea.APIError) and issubclass(error, ea.EachlabsError)
    assert not issubclass(ea.APIError, ValueError)


def test_schema_lists_match_the_openapi_contract():
    import json
    from pathlib import Path

    from eachlabs_analytics import schema

    document = json.loads(
        (Path(__file__).parent / "fixtures" / "eachlabs-executions-openapi.json").read_text()
    )
    operation = document["paths"]["/v1/executions"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert tuple(params["error_classification"]["schema"]["enum"]) == schema.ERROR_CLASSES
    for token in schema.STATUS_FILTER_TOKENS:
        assert f"`{token}`" in params["status"]["description"]
    row = document["components"]["schemas"]["ExecutionSummary"]["properties"]
    assert tuple(row) == schema.API_FIELDS


#: ``__all__`` before the package moved into subpackages: none of these may disappear.
PUBLIC_BEFORE_THE_LAYOUT = """
APIError AuthenticationError Client DataQualityWarning EachlabsError ExecutionStore Explorer
InvalidQueryError PaginationError RateLimitError Sandbox StoreError Summary __version__
compare_periods cost_by_model cost_by_workflow cost_over_time cost_report error_breakdown
error_rate_over_time explore generate_executions latency_percentiles load_executions
plot_cost_by_model plot_cost_over_time plot_error_breakdown plot_error_rate_over_time
plot_latency plot_queue_vs_execution read_parquet sandbox summary to_parquet
""".split()


def test_every_earlier_public_name_is_still_there():
    import importlib

    fresh = importlib.import_module("eachlabs_analytics")
    assert set(PUBLIC_BEFORE_THE_LAYOUT) <= set(fresh.__all__)
    for name in PUBLIC_BEFORE_THE_LAYOUT:
        assert getattr(fresh, name) is not None


def test_sandbox_stays_a_function_after_its_subpackage_is_imported():
    import eachlabs_analytics.local_api  # noqa: F401 - the import that once shadowed it

    assert inspect.isfunction(ea.sandbox)
    with ea.sandbox(executions=10, seed=1, end="2026-10-31T00:00:00Z") as api:
        assert isinstance(api, ea.Sandbox) and len(api.truth) == 10
