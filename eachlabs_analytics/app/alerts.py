"""Alerts leave the machine: a webhook post of a check's new alerts (:func:`notify`) and the
file that remembers which alerts were already sent (:class:`AlertState`), so a cron every 15
minutes does not repeat one. The check itself (:func:`~eachlabs_analytics.watch.run_check`)
stays pure: this module is where it meets the network and the disk.

>>> import tempfile, pathlib
>>> from eachlabs_analytics.watch.check import Alert
>>> state = AlertState(pathlib.Path(tempfile.mkdtemp()) / "alerts.json")
>>> new = state.unsent([Alert("budget:total:warning:2026-10", "warning", "80% of $500 used")])
>>> len(new)
1
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests

from eachlabs_analytics._util.files import atomic_write
from eachlabs_analytics._util.keys import redact
from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.exceptions import EachlabsError, InvalidQueryError, StoreError
from eachlabs_analytics.watch.check import Alert, CheckResult

# ---------------------------------------------------------------------------- notify


class NotificationError(EachlabsError):
    """A webhook did not take the notification: it could not be reached, timed out, or
    answered other than 2xx (redirects are not followed: a moved webhook is a failure to
    fix, not a place to send alerts to). ``status`` is the HTTP status when there was an
    answer; ``target`` the webhook's ``scheme://host[:port]``. The message never holds the
    URL's path, query or user info (webhook URLs carry their secret there), nor an API key.
    """

    def __init__(self, message: str, *, status: int | None = None, target: str = "") -> None:
        self.status = status
        self.target = target
        super().__init__(message)


def _webhook_target(url: object) -> str:
    """``scheme://host[:port]`` of an ``http(s)`` URL, refusing anything else (the URL itself
    is never echoed: its path or query may be the webhook's secret)."""
    if not isinstance(url, str):
        raise InvalidQueryError(f"a webhook URL must be text, not {type(url).__name__}")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidQueryError(
            "the webhook URL is not a valid URL; use http://host/... or https://host/..."
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"scheme {scheme!r}" if scheme else "no scheme"
        raise InvalidQueryError(
            f"the webhook URL has {shown}; only http:// and https:// URLs are allowed"
        )
    host = parts.hostname
    if not host or any(c.isspace() for c in url.strip()):
        raise InvalidQueryError(
            f"the webhook URL names no usable host; use {scheme}://host/... (no spaces)"
        )
    shown_host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown_host}{'' if port is None else f':{port}'}"


def _scrub(text: str, url: str) -> str:
    """``text`` without the URL's secrets (its path, query, user info), API keys or long
    tokens, on one line, short."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    pieces = [url, parts.path, parts.query, userinfo, *userinfo.split(":")]
    pieces += parts.path.split("/") + re.split("[&=]", parts.query)
    for secret in sorted((p for p in pieces if len(p) >= 3), key=len, reverse=True):
        text = text.replace(secret, "<redacted>")
    text = redact(text)
    text = re.sub(r"[A-Za-z0-9_\-]{24,}", "<redacted>", text)
    text = " ".join(text.split())
    return text[:120] + ("..." if len(text) > 120 else "")


def _payload(result: CheckResult, alerts: Sequence[Alert]) -> dict[str, Any]:
    text = "\n".join([result.summary(), *(alert.text for alert in alerts)])
    return {
        "text": redact(text),
        "eachlabs": {
            "status": result.status_name,
            "code": result.status,
            "as_of": None if result.as_of is None else format_timestamp(result.as_of),
            "window": dict(result.window),
            "alerts": [{k: redact(v) for k, v in alert.as_json().items()} for alert in alerts],
        },
    }


def notify(
    url: str,
    result: CheckResult,
    alerts: Sequence[Alert],
    *,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> None:
    """POST a short JSON message about ``result`` and ``alerts`` to a webhook.

    The body is Slack-compatible (incoming webhooks, and the many services that take the
    same shape): ``{"text": ..., "eachlabs": {...}}``; ``text`` is the result's first line
    and one line per alert, ``eachlabs`` holds ``status``, ``code``, ``as_of``, ``window`` and
    ``alerts`` (``key``, ``level``, ``text``). It is posted whatever ``alerts`` holds (give
    ``AlertState(...).unsent(result.alerts)`` and skip the call when it is empty to send only
    what is new). API keys never appear in it (the check never has one; any ``smk_...`` text
    is redacted all the same).

    Only ``http://`` and ``https://`` URLs are allowed (checked before anything is sent).
    Redirects are not followed. Environment proxy settings apply, as for ``requests``.

    Raises
    ------
    InvalidQueryError
        The URL is not ``http(s)://host...``, or ``timeout`` is not a positive number.
    NotificationError
        The webhook could not be reached, timed out, or answered other than 2xx. The message
        names the webhook by ``scheme://host[:port]`` only and the failure (a short, scrubbed
        piece of the answer's body when there was one).

    Examples
    --------
    >>> from eachlabs_analytics.watch.check import OK
    >>> notify("ftp://hooks.example.com/T0/B0/secret", CheckResult(OK), [])
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: the webhook URL has scheme 'ftp'; only \
http:// and https:// URLs are allowed
    """
    target = _webhook_target(url)
    number = not isinstance(timeout, bool) and isinstance(timeout, int | float)
    if not (number and math.isfinite(float(timeout)) and timeout > 0):
        raise InvalidQueryError(
            f"timeout={timeout!r} is not allowed; use a positive number of seconds"
        )
    body = json.dumps(_payload(result, alerts), allow_nan=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "eachlabs-analytics-check"}
    where = f"the webhook at {target}"
    try:
        if session is None:
            with requests.Session() as own:
                answer = own.post(
                    url.strip(), data=body, headers=headers, timeout=timeout, allow_redirects=False
                )
        else:
            answer = session.post(
                url.strip(), data=body, headers=headers, timeout=timeout, allow_redirects=False
            )
    except requests.Timeout:
        raise NotificationError(
            f"notification not sent: {where} did not answer within {float(timeout):g} s",
            target=target,
        ) from None
    except requests.RequestException as exc:
        # the exception's text holds the full URL: keep only the cause (e.g. "[Errno 111]
        # Connection refused") and the exception's kind
        cause = re.search(r"\[Errno -?\d+\][^'\")]*", str(exc))
        reason = cause.group(0).strip() if cause else type(exc).__name__
        raise NotificationError(
            f"notification not sent: could not reach {where} ({_scrub(reason, url)})",
            target=target,
        ) from None
    with answer:
        if not 200 <= answer.status_code < 300:
            snippet = _scrub(answer.text or "", url) if answer.content else ""
            detail = f": {snippet}" if snippet else ""
            moved = " (redirects are not followed; use the final URL)" if answer.is_redirect else ""
            raise NotificationError(
                f"notification not sent: {where} answered HTTP {answer.status_code}{moved}{detail}",
                status=answer.status_code,
                target=target,
            )


# ---------------------------------------------------------------------------- state


class AlertState:
    """Alerts already sent, in a small JSON file, so a cron does not repeat them.

    The file maps each sent alert's key to when it was first sent (RFC 3339, UTC):
    ``{"version": 1, "sent": {"budget:total:0.8:2026-10": "2026-10-20T12:00:00Z"}}``. Keys
    hold their period, so the same budget alerts again next month. It is read afresh by every
    call (a missing file is empty), written whole with
    :func:`~eachlabs_analytics._util.files.atomic_write`, and entries older than
    :attr:`RETENTION` (35 days, a month and its stragglers) are dropped when it is written.
    A file that cannot be read or is not such JSON raises :class:`StoreError` naming it;
    deleting it is safe (what was sent is sent once more).

    >>> import tempfile, pathlib
    >>> state = AlertState(pathlib.Path(tempfile.mkdtemp()) / "alerts.json")
    >>> alert = Alert("budget:total:0.8:2026-10", "warning", "total: 82% of $500.00 used")
    >>> [a.key for a in state.unsent([alert])]
    ['budget:total:0.8:2026-10']
    >>> state.mark_sent([alert], now="2026-10-20T12:00:00Z")
    >>> state.unsent([alert]), state.sent()
    ([], {'budget:total:0.8:2026-10': Timestamp('2026-10-20 12:00:00+0000', tz='UTC')})
    """

    #: How long an entry is kept after it was first sent.
    RETENTION = pd.Timedelta(days=35)
    VERSION = 1

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"AlertState({str(self.path)!r})"

    def _broken(self, why: str) -> StoreError:
        return StoreError(
            f"alert state file {self.path} {why}; delete it to start afresh (alerts already "
            "sent will then be sent once more)",
            path=self.path,
        )

    def sent(self) -> dict[str, pd.Timestamp]:
        """Key -> when it was first sent, as stored now (empty when there is no file)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise self._broken(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self._broken("is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("sent"), dict):
            raise self._broken('is not an alert state (no "sent" object)')
        if data.get("version") != self.VERSION:
            raise self._broken(f"has version {data.get('version')!r}, not {self.VERSION}")
        out: dict[str, pd.Timestamp] = {}
        for key, when in data["sent"].items():
            stamp = _stamp_or_none(when)
            if stamp is None:
                raise self._broken(f"holds {when!r} for {key!r}, not an RFC 3339 timestamp")
            out[str(key)] = stamp
        return out

    def unsent(self, alerts: Iterable[Alert]) -> list[Alert]:
        """The ``alerts`` not sent yet, in order, each key once.

        >>> import tempfile, pathlib
        >>> state = AlertState(pathlib.Path(tempfile.mkdtemp()) / "alerts.json")
        >>> a = Alert("anomaly:spend:veo-3:2026-10-28", "warning", "spend up")
        >>> len(state.unsent([a, a]))
        1
        """
        sent = self.sent()
        out, seen = [], set()
        for alert in alerts:
            if alert.key not in sent and alert.key not in seen:
                seen.add(alert.key)
                out.append(alert)
        return out

    def mark_sent(self, alerts: Iterable[Alert], now: object = None) -> None:
        """Record ``alerts`` as sent at ``now`` (default: the clock, UTC); keys already there
        keep their first time. Entries older than :attr:`RETENTION` before ``now`` are dropped.

        >>> import tempfile, pathlib
        >>> state = AlertState(pathlib.Path(tempfile.mkdtemp()) / "alerts.json")
        >>> state.mark_sent([Alert("old", "warning", "t")], now="2026-09-01T00:00:00Z")
        >>> state.mark_sent([Alert("new", "warning", "t")], now="2026-10-20T00:00:00Z")
        >>> list(state.sent())
        ['new']
        """
        when = pd.Timestamp.now(tz="UTC") if now is None else _stamp_or_none(now)
        if when is None:
            raise InvalidQueryError(
                f"now={now!r} is not a timestamp; use ISO 8601 with an offset, such as "
                "'2026-10-20T12:00:00Z', or a tz-aware datetime"
            )
        sent = self.sent()
        for alert in alerts:
            sent.setdefault(alert.key, when)
        kept = {k: t for k, t in sent.items() if t >= when - self.RETENTION}
        text = json.dumps(
            {
                "version": self.VERSION,
                "sent": {k: format_timestamp(t) for k, t in sorted(kept.items())},
            },
            indent=2,
        )
        try:
            atomic_write(self.path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
        except OSError as exc:
            raise StoreError(
                f"alert state file {self.path} cannot be written ({exc}); check that its "
                "directory exists and is writable",
                path=self.path,
            ) from None


def _stamp_or_none(value: object) -> pd.Timestamp | None:
    """A tz-aware timestamp as UTC (microseconds), else None."""
    if not isinstance(value, str | pd.Timestamp) and not hasattr(value, "tzinfo"):
        return None
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if stamp is pd.NaT or stamp.tzinfo is None:
        return None
    return stamp.tz_convert("UTC").as_unit("us")
