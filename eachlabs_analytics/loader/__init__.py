"""The loader: the only code that touches the network.

Owns the HTTP client (:mod:`.client`, :mod:`.retry`), pages with their request context
(:mod:`.page`), query checking (:mod:`.query`), v2 cursor traversals, v1 offset pages and
time slices (:mod:`.pagination`), the concurrent fetch (:mod:`.fetch`), JSON pages to typed frames
(:mod:`.frames`) and the one entry point :func:`load_executions` (:mod:`.load`).

Must never import: metrics, plots, report, store, notebook, cli, watch or the sandbox
(``local_api``): everything else works on pages or DataFrames, and the sandbox is the
independent fake this code is tested against.
"""

from __future__ import annotations

from eachlabs_analytics.loader.client import Client
from eachlabs_analytics.loader.load import load_executions
from eachlabs_analytics.loader.query import Query, build_query

__all__ = ["Client", "Query", "build_query", "load_executions"]
