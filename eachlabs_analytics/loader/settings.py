"""Where and how a client connects: base URL, API version, auth scheme, and the hidden key.

The environment variables a client reads, the listings it knows and their paths, the checks
on ``base_url`` (plain ``http://`` only for loopback hosts) and ``api_version``, and the
origin rule that keeps the key on the configured host. No network here.

>>> check_base_url("http://127.0.0.1:8765/"), EXECUTIONS_PATHS["v2"]
('http://127.0.0.1:8765', '/v2/executions')
>>> ApiKey("smk_example")
<API key hidden>
"""

from __future__ import annotations

from urllib.parse import urlsplit

from eachlabs_analytics._util.keys import is_loopback
from eachlabs_analytics.exceptions import InvalidQueryError

DEFAULT_BASE_URL = "https://api.eachlabs.ai"
API_KEY_ENV = "EACHLABS_API_KEY"
BASE_URL_ENV = "EACHLABS_BASE_URL"
API_VERSION_ENV = "EACHLABS_API_VERSION"
#: ``auto`` reads v2 and falls back to v1 once, when v2 answers 404.
API_VERSIONS = ("auto", "v2", "v1")
EXECUTIONS_PATHS = {"v2": "/v2/executions", "v1": "/v1/executions"}
AUTH_SCHEMES = ("bearer", "x-api-key")


class ApiKey:
    """Holds the key so that no repr, traceback local or log line can show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<API key hidden>"

    __str__ = __repr__


def check_api_version(value: object) -> str:
    """``value`` if it names an executions listing this package reads, else a clear error.

    >>> check_api_version("v3")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: api_version must be one of auto, v2, v1, \
not 'v3'
    """
    if value not in API_VERSIONS:
        raise InvalidQueryError(
            f"api_version must be one of {', '.join(API_VERSIONS)}, not {value!r}"
        )
    return str(value)


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing ``/`` if a client may send its key there, else why not."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidQueryError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, not {base_url!r}"
        )
    if parts.username or parts.password:
        raise InvalidQueryError("base_url must not contain credentials; pass api_key instead")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidQueryError(
            f"plain http:// is only allowed for loopback hosts (the sandbox); use https:// for "
            f"{parts.hostname}"
        )
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def check_path(path: object) -> str:
    """``path`` if it is a plain absolute path below the base URL (no host, query or ``..``).

    >>> check_path("/v1/models/veo-3")
    '/v1/models/veo-3'
    >>> check_path("//evil.example/x")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: path must be a plain absolute path such as \
/v1/models (query parameters go in params=), not '//evil.example/x'
    """
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or path.startswith("//")
        or any(ch in path for ch in "?#\\")
        or any(part in (".", "..") for part in path.split("/"))
        or not path.isascii()
        or not path.isprintable()
    ):
        raise InvalidQueryError(
            "path must be a plain absolute path such as /v1/models (query parameters go in "
            f"params=), not {path!r}"
        )
    return path


def origin(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of ``url``: a redirect keeps the key only within one origin."""
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def origin_text(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"
