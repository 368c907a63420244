"""The sandbox: a faithful local each::labs executions API over generated ground truth.

>>> import eachlabs_analytics as ea
>>> with ea.sandbox(executions=1_000, seed=7, end="2026-10-31T00:00:00Z") as api:
...     api.api_key, len(api.truth)
('smk_sandbox_demo', 1000)

Modules: ``catalog`` (models, prices, failure mix), ``generator`` (the data), ``incidents``
(labelled spikes, outages, slowdowns, price changes and traffic drops injected into it),
``sample`` (the bundled ``data/`` sample), ``faults`` (switchable faults), ``query``
(request validation), ``dataset`` (the served rows), ``server`` (HTTP).

The subpackage is named ``local_api`` so that ``ea.sandbox``, the function that starts one,
never collides with a module of the same name.

Must never import: the loader, or anything that shares code with it: the sandbox is the
independent fake the client is tested against (it has its own request parsing and its own
RFC 3339 reader). It may import ``schema`` (the contract's columns and statuses).
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
