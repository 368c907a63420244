"""How the sandbox answers the account endpoints beside the executions listings.

- ``GET /v1/billing/balance`` (key required, else 401): ``{"balance_usd": number}``, the
  sandbox's current balance (:attr:`AccountRoutes.balance_usd`; zero and negative are valid).
  3 requests/s per sandbox, burst 3: past that a 429 with ``Retry-After: 1``
  (``Faults.balance_rate_limit``, on by default); ``Faults.balance_unavailable`` answers 503
  (unknown, never zero).
- ``GET /v1/models`` and ``GET /v1/models/{slug}`` (no key needed; a key sent, even a wrong
  one, is ignored, as the real API does): the catalogue and one model's page with its list
  price (:mod:`.models`, :mod:`.prices`); an unknown slug answers 404
  ``{"error": "model not found", ...}``.
- ``GET /v1/workflows`` (key required): pages of the organisation's workflows
  (:mod:`.workflows`); a bad ``limit`` or ``offset`` answers 400.

Each path also answers with a trailing ``/``; other methods get a 405. The generic request
faults (``drop_every``, ``rate_limit_every``, ``server_error_every``, ``latency``) apply
before routing, counted server-wide as for the executions; ``truncate_every`` cuts 200
bodies here too. Every request's log entry says whether it carried a key (``key_sent``:
an ``Authorization`` or ``X-API-Key`` header, or a key-like value anywhere in the request),
never the key itself.

>>> import requests
>>> from eachlabs_analytics.local_api.server import Sandbox
>>> with Sandbox(executions=300, seed=1, end="2026-10-31T00:00:00Z", balance_usd=42.5) as api:
...     auth = {"Authorization": f"Bearer {api.api_key}"}
...     balance = requests.get(api.base_url + BALANCE_PATH, headers=auth, timeout=5).json()
...     page = requests.get(api.base_url + MODELS_PATH + "/flux-2-pro", timeout=5).json()
...     entry = api.request_log[-1]
>>> balance, page["cost"]["amount"], entry["key_sent"]
({'balance_usd': 42.5}, 0.05, False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson

from eachlabs_analytics.local_api.balance import RateWindow, check_balance
from eachlabs_analytics.local_api.dataset import Executions
from eachlabs_analytics.local_api.faults import Faults
from eachlabs_analytics.local_api.models import catalogue, model_page
from eachlabs_analytics.local_api.query import BadRequest
from eachlabs_analytics.local_api.workflows import workflows_page

if TYPE_CHECKING:
    from eachlabs_analytics.local_api.transport import Handler, Responder

BALANCE_PATH = "/v1/billing/balance"
MODELS_PATH = "/v1/models"
WORKFLOWS_PATH = "/v1/workflows"
#: What the account routes serve, for the 404 of an unknown path.
ACCOUNT_ROUTES = (BALANCE_PATH, MODELS_PATH, MODELS_PATH + "/{slug}", WORKFLOWS_PATH)
#: The 401 body of every route that needs a key.
UNAUTHORIZED = orjson.dumps({"error": "Invalid or missing API key", "status": 401})
_KEY_HEADERS = ("authorization", "x-api-key")


def route(path: str) -> tuple[str, str | None] | None:
    """Which account endpoint ``path`` is (and the model slug), or None for another path.

    >>> route("/v1/models/veo-3"), route("/v1/models/"), route("/v1/executions")
    (('model', 'veo-3'), ('models', None), None)
    """
    for kind, base in (("balance", BALANCE_PATH), ("models", MODELS_PATH)):
        if path in (base, base + "/"):
            return kind, None
    if path in (WORKFLOWS_PATH, WORKFLOWS_PATH + "/"):
        return "workflows", None
    if path.startswith(MODELS_PATH + "/"):
        slug = path[len(MODELS_PATH) + 1 :]
        return "model", unquote(slug[:-1] if slug.endswith("/") else slug)
    return None


def key_sent(headers: Any, target: str, body: bytes, api_key: str) -> bool:
    """Whether a request carried a key: an ``Authorization`` or ``X-API-Key`` header (any
    value), or ``api_key`` or a ``smk_`` key anywhere in the target, a header or the body.

    >>> key_sent({"Accept": "*/*"}, "/v1/models?x=1", b"", "smk_sandbox_demo")
    False
    >>> key_sent({}, "/v1/models?api_key=smk_sandbox_demo", b"", "smk_sandbox_demo")
    True
    """
    pairs = list(headers.items())
    if any(name.lower() in _KEY_HEADERS for name, _ in pairs):
        return True
    texts = [unquote(target), body.decode("latin-1"), *(str(value) for _, value in pairs)]
    return any(api_key in text or "smk_" in text for text in texts)


class AccountRoutes:
    """Answers the account endpoints; ``Sandbox`` sets the state declared here."""

    faults: Faults
    _data: Executions
    _balance_start: float
    _balance_window: RateWindow
    _workflows: list[dict[str, Any]]
    _price_factors: dict[str, float]

    def _authorized(self, handler: Handler) -> bool:
        raise NotImplementedError  # the key check of the executions (Routes._authorized)

    def _retry_after(self) -> str | None:
        raise NotImplementedError  # the faults' Retry-After (Routes._retry_after)

    @property
    def balance_usd(self) -> float:
        """The current balance (USD, 6 decimals): the starting one minus what the sandbox
        charged since (rows its faults inserted or completed). Set it to top up or drain.

        >>> from eachlabs_analytics.local_api.server import Sandbox
        >>> api = Sandbox(executions=50, seed=1, end="2026-10-31T00:00:00Z", balance_usd=5)
        >>> api.balance_usd = -1.25
        >>> api.balance_usd
        -1.25
        """
        return round(self._balance_start - self._data.charged, 6)

    @balance_usd.setter
    def balance_usd(self, value: float) -> None:
        checked = check_balance(value)
        if checked is None:
            raise ValueError("balance_usd must be a finite number of USD, got None")
        self._balance_start = checked + self._data.charged

    def _account(
        self, path: str, query: str, handler: Handler, responder: Responder, number: int
    ) -> bool:
        """Answer the request when ``path`` is an account endpoint; False otherwise."""
        found = route(path)
        if found is None:
            return False
        kind, slug = found
        if handler.command != "GET":
            responder.error(
                405, f"Method {handler.command} not allowed; use GET", headers={"Allow": "GET"}
            )
            return True
        if kind in ("balance", "workflows") and not self._authorized(handler):
            responder.json(401, UNAUTHORIZED)
            return True
        if kind == "models":
            body = orjson.dumps(catalogue())
        elif kind == "model":
            page = model_page(slug or "", self._price_factors)
            if page is None:
                responder.error(404, "model not found")
                return True
            body = orjson.dumps(page)
        elif kind == "workflows":
            try:
                body = workflows_page(self._workflows, query)
            except BadRequest as exc:
                responder.error(400, exc.message, details=exc.details)
                return True
        else:
            answered = self._balance_refused(responder, number)
            if answered:
                return True
            body = orjson.dumps({"balance_usd": self.balance_usd})
        if self.faults.take("truncate", number):
            responder.entry["fault"] = "truncate"
            responder.truncated(body)
            return True
        responder.json(200, body)
        return True

    def _balance_refused(self, responder: Responder, number: int) -> bool:
        """Answer the balance's 429 (its rate rule) or 503 (fault) when due."""
        faults = self.faults
        if faults.balance_rate_limit and not self._balance_window.allow():
            responder.entry["fault"] = "balance_rate_limit"
            responder.error(
                429,
                "Too many requests: the balance endpoint takes 3 requests per second",
                retry_after="1",
            )
            return True
        if faults.balance_unavailable and faults.take("balance_unavailable", number):
            responder.entry["fault"] = "balance_unavailable"
            responder.error(
                503,
                "Balance temporarily unavailable: it is unknown, not zero; retry later",
                retry_after=self._retry_after(),
            )
            return True
        return False
