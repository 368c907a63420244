"""The loader: the only code that touches the network.

Owns, one module each:

- :mod:`.settings`: where and how a client connects (base URL, API version, auth, the key);
- :mod:`.client`: the HTTP client, the only module that sends requests (``requests``);
- :mod:`.response`: one answer read as a page or as the typed error its status means;
- :mod:`.retry`: what is retried, the backoff, ``Retry-After`` and the shared pause;
- :mod:`.page`: pages with their request context, and a load's counters;
- :mod:`.query`: query checking (filters, window);
- :mod:`.pagination`: v2 cursor traversals, v1 offset pages and time slices;
- :mod:`.fetch`: the concurrent fetch;
- :mod:`.frames`: JSON pages to typed frames;
- :mod:`.load`: the one entry point :func:`load_executions`;
- :mod:`.connect`: one call's client (``client=`` or one opened from ``api_key``/``base_url``);
- :mod:`.account`: the balance (:func:`balance`) and the workflows' names
  (:func:`workflow_names`);
- :mod:`.prices`: the models' list prices (:func:`model_prices`), read without a key.

Must never import: metrics, engines, plots, report, store, watch, notebook, app, cli or the
sandbox (``local_api``): everything else works on pages or DataFrames, and the sandbox is the
independent fake this code is tested against. The client's modules (``settings``, ``client``,
``response``, ``retry``) never import the loader above them (``load``, ``fetch``).
"""

from __future__ import annotations

from eachlabs_analytics.loader.account import Balance, balance, workflow_names
from eachlabs_analytics.loader.client import Client
from eachlabs_analytics.loader.load import load_executions
from eachlabs_analytics.loader.prices import PRICE_COLUMNS, model_prices
from eachlabs_analytics.loader.query import Query, build_query

__all__ = [
    "Balance",
    "Client",
    "PRICE_COLUMNS",
    "Query",
    "balance",
    "build_query",
    "load_executions",
    "model_prices",
    "workflow_names",
]
