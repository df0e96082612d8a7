"""Keep credentials out of logs and messages: the shop even echoes them back in its `Link` header."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

__all__ = ["describe_request", "install_httpx_log_filter", "redact_url"]

_SECRET_PARAM = re.compile(
    r"(?P<name>(?:^|(?<=[?&;]))(?:consumer_key|consumer_secret|oauth_[a-z_]+)(?:=|%3D))(?P<value>[^&;#\s>'\"]*)",
    re.IGNORECASE,
)
_CREDENTIAL_NAME = re.compile(r"(?:consumer_key|consumer_secret|oauth_[a-z_]+)(?:=|%3D|$)", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
REDACTED = "[redacted]"


def redact_url(text: str) -> str:
    """`text` with credential query parameters and URL user-info replaced by a marker."""
    text = _USERINFO.sub(r"\g<scheme>", text)
    return _SECRET_PARAM.sub(lambda m: m.group("name") + REDACTED, text)


def describe_request(method: str, url: str) -> str:
    """Method and path with query for messages: no scheme or host, and no credential parameters at all."""
    parts = urlsplit(url)
    kept = [p for p in parts.query.split("&") if p and not _CREDENTIAL_NAME.match(p)]
    target = parts.path + (f"?{'&'.join(kept)}" if kept else "")
    return f"{method} {redact_url(target)}"


class _RedactingFilter(logging.Filter):
    """httpx logs every request URL at INFO; with OAuth or query-string keys those URLs carry credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _redact_arg(record.msg)
        return True


def _redact_arg(value: object) -> object:
    if isinstance(value, int | float):
        return value
    text = str(value)
    if "oauth_" in text or "consumer_" in text or "@" in text:
        return redact_url(text)
    return value


_FILTER = _RedactingFilter()


# httpx logs request URLs at INFO; httpcore's DEBUG trace logs response headers, and the shop's `Link` header
# echoes every query parameter, credentials included. Logger filters do not apply to child loggers, so each
# logger that writes records is named.
_HTTP_LOGGERS = ("httpx", "httpcore.http11", "httpcore.http2", "httpcore.connection", "httpcore.proxy",
                 "httpcore.socks")  # fmt: skip


def install_httpx_log_filter() -> None:
    """Attach the redacting filter to httpx's and httpcore's loggers once; harmless for other users of httpx."""
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
