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
