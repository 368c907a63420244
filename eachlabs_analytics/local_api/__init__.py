"""The sandbox: a faithful local each::labs API (executions, balance, models, workflows) over
generated ground truth.

>>> import eachlabs_analytics as ea
>>> with ea.sandbox(executions=1_000, seed=7, end="2026-10-31T00:00:00Z") as api:
...     api.api_key, len(api.truth)
('smk_sandbox_demo', 1000)

Modules, one job each:

- ``catalog``: the models, their prices, run times and failure mix;
- ``generator``: the generated data; ``frame``: raw columns to a typed frame;
- ``incidents``: labelled spikes, outages, slowdowns, price changes and traffic drops;
- ``sample``: the bundled ``data/`` sample and its Parquet I/O;
- ``dataset``: the served rows, their filters and pages; ``cursor``: signed v2 cursors;
- ``query``: request validation; ``listing``: the v1 and v2 response bodies;
- ``prices``: the catalogue's list prices (``cost`` objects); ``models``: the model pages;
- ``workflows``: the listed workflows and their pages; ``balance``: the balance's default
  and its rate limit;
- ``faults``: switchable faults;
- ``server``: the :class:`Sandbox` (settings, data, clock, lifecycle) and its contract;
- ``routes``: how each request is answered (``account_routes``: the balance, models and
  workflows endpoints); ``transport``: the HTTP layer.

The subpackage is named ``local_api`` so that ``ea.sandbox``, the function that starts one,
never collides with a module of the same name.

Must never import: the loader, or anything else of the package but ``schema`` (the contract's
columns and statuses), ``exceptions`` and itself: the sandbox is the independent fake the
client is tested against, so it shares no code with it (it has its own request parsing and
its own RFC 3339 reader).
"""

from __future__ import annotations

from eachlabs_analytics.local_api.faults import Faults
from eachlabs_analytics.local_api.generator import generate_executions
from eachlabs_analytics.local_api.incidents import Incident, inject_incidents
from eachlabs_analytics.local_api.sample import load_sample
from eachlabs_analytics.local_api.server import DEFAULT_API_KEY, Sandbox, sandbox

__all__ = [
    "DEFAULT_API_KEY",
    "Faults",
    "Incident",
    "Sandbox",
    "generate_executions",
    "inject_incidents",
    "load_sample",
    "sandbox",
]
