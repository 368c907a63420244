"""Opaque, signed v2 cursors bound to the filters and limit of their traversal.

A cursor carries the keyset position of the last row served (``created_at`` in µs and
``id``) and a fingerprint of the query it was issued for, signed with a secret of the running
sandbox. The server can therefore tell a cursor it issued for these filters from garbage, a
tampered or foreign cursor, or one sent back with other filters or another limit.

>>> codec = CursorCodec(b"secret")
>>> token = codec.issue((1_760_000_000_000_000, "exec_1"), binding="model=veo-3&limit=100")
>>> codec.read(token, binding="model=veo-3&limit=100")
(1760000000000000, 'exec_1')
>>> codec.read(token, binding="model=flux-2-pro&limit=100")
Traceback (most recent call last):
...
eachlabs_analytics.local_api.cursor.CursorRejected: cursor was issued for other filters or \
another limit; send it back with the same filters and limit, or start again without a cursor
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson

_SIGNATURE_BYTES = 16


class CursorRejected(ValueError):
    """A cursor the server will not follow; ``reason`` is ``malformed``, ``foreign``,
    ``mismatch`` (misuse by the client) or ``expired`` (a fault)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class CursorCodec:
    """Issues and checks cursors with one secret (see the module docstring)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    @staticmethod
    def _fingerprint(binding: str) -> str:
        return hashlib.sha256(binding.encode()).hexdigest()[:16]

    def issue(self, key: tuple[int, str], binding: str) -> str:
        """A cursor pointing after row ``key`` = ``(created_at µs, id)`` of this query."""
        payload = orjson.dumps({"t": key[0], "i": key[1], "q": self._fingerprint(binding)})
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def read(self, token: str, binding: str) -> tuple[int, str]:
        """The keyset position of ``token``; raise :class:`CursorRejected` saying why not."""
        try:
            encoded_payload, encoded_signature = token.split(".")
            payload = _unb64(encoded_payload)
            signature = _unb64(encoded_signature)
        except ValueError:
            raise CursorRejected(
                "cursor is malformed; send next_cursor back exactly as it was received",
                "malformed",
            ) from None
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise CursorRejected(
                "cursor was not issued by this API (its signature does not match); send "
                "next_cursor back exactly as it was received",
                "foreign",
            )
        document = orjson.loads(payload)
        if document.get("q") != self._fingerprint(binding):
            raise CursorRejected(
                "cursor was issued for other filters or another limit; send it back with the "
                "same filters and limit, or start again without a cursor",
                "mismatch",
            )
        return int(document["t"]), str(document["i"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError(text)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ValueError(text) from None
