"""The sandbox: a faithful local each::labs executions API over generated ground truth.

>>> from eachlabs_analytics.sandbox import sandbox
>>> with sandbox(executions=1_000, seed=7, end="2026-10-31T00:00:00Z") as api:
...     api.api_key, len(api.truth)
('smk_sandbox_demo', 1000)

Modules: ``catalog`` (models, prices, failure mix), ``generator`` (the data),
``sample`` (the bundled ``data/`` sample), ``faults`` (switchable faults), ``query``
(request validation), ``dataset`` (the served rows), ``server`` (HTTP).
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

import pandas as pd

from eachlabs_analytics.sandbox.faults import Faults
from eachlabs_analytics.sandbox.generator import generate_executions
from eachlabs_analytics.sandbox.sample import load_sample
from eachlabs_analytics.sandbox.server import DEFAULT_API_KEY, Sandbox, sandbox

__all__ = [
    "DEFAULT_API_KEY",
    "Faults",
    "Sandbox",
    "generate_executions",
    "load_sample",
    "sandbox",
]


class _CallableModule(types.ModuleType):
    """Importing this subpackage makes ``eachlabs_analytics.sandbox`` name it rather than the
    :func:`sandbox` function (Python sets the parent's attribute on import); calling the
    module therefore calls the function, so ``ea.sandbox(...)`` works either way."""

    def __call__(
        self, data: None | str | os.PathLike[str] | pd.DataFrame = None, **kwargs: Any
    ) -> Sandbox:
        return sandbox(data, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
