"""API keys: how to recognise one, how to keep it out of text, and where it may travel.

Keys start with ``smk_``. The key goes only to the configured API host, and plain
``http://`` only to a loopback host (the sandbox).

>>> redact("the API said: bad key smk_live_abc123", "smk_live_abc123")
'the API said: bad key <key>'
>>> redact("proxy echoed smk_other_999"), is_loopback("127.0.0.1"), is_loopback("127.x.com")
('proxy echoed smk_<redacted>', True, False)
"""

from __future__ import annotations

import ipaddress
import re

#: A key as the API issues them.
KEY = re.compile(r"smk_[A-Za-z0-9_\-]+")
#: Values that must never be written to a file: a key, or an ``Authorization`` bearer value.
SECRET_VALUE = re.compile(r"smk_[A-Za-z0-9_\-]{4,}|\bbearer\s+\S+", re.IGNORECASE)
#: Names under which secrets are usually kept (attrs, metadata keys).
SECRET_NAME = re.compile(
    r"key|secret|token|passw|authori[sz]ation|credential|cookie", re.IGNORECASE
)


def redact(text: str, key: str | None = None) -> str:
    """``text`` with ``key`` (when given) and anything else key-like replaced."""
    if key:
        text = text.replace(key, "<key>")
    return KEY.sub("smk_<redacted>", text)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"  # a name like 127.example.com is not loopback
