"""Structured logs: JSON lines when not on a terminal, readable lines on one.

Every record, from structlog or the standard `logging` module (the WooCommerce client, uvicorn), passes the same
redaction step, so a secret that slips into a log call is masked rather than written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from lumina.woocommerce import redact_credentials

SENSITIVE_KEY = re.compile(r"secret|password|token|authorization|consumer_key|api_key|cookie", re.IGNORECASE)
SENSITIVE_VALUE = re.compile(
    r"(?P<name>consumer_key|consumer_secret|oauth_signature|oauth_consumer_key|password|access_token)"
    r"=[^&\s\"']+",
    re.IGNORECASE,
)
MASK = "[redacted]"


def _mask_text(text: str) -> str:
    text = SENSITIVE_VALUE.sub(lambda m: f"{m.group('name')}={MASK}", text)
    text = redact_credentials(text)  # every notation of oauth_* and consumer keys, Authorization values
    return re.sub(r"\b(ck|cs)_[0-9a-f]{8,}\b", MASK, text)


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask the value of a key that names a secret, and secrets inside any text; a number (`refresh_tokens=3`)
    or a flag is never a secret and stays readable."""
    for key, value in list(event_dict.items()):
        if isinstance(value, bool | int | float) or value is None:
            continue
        if SENSITIVE_KEY.search(key) and key != "event":
            event_dict[key] = MASK
        elif isinstance(value, str):
            event_dict[key] = _mask_text(value)
    return event_dict


def drop_color_message(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """uvicorn passes a copy of each message with terminal colour codes as `extra`; the message itself is enough."""
    event_dict.pop("color_message", None)
    return event_dict


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time, so a replaced stream (a test's capture) is never stale."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    json_output = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        drop_color_message,
        redact,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        # A line below the level is dropped before it is built (timestamp, fields, redaction), not after.
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # alembic.runtime.plugins announces each plugin it sets up at import, which the command line does lazily, after
    # logging is configured.
    for noisy in ("uvicorn.access", "httpx", "httpcore", "aiosqlite", "asyncio", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # The task queue logs each job's start and outcome (with the whole job) and each deferral: lines a worker writes
    # for every shop in every cycle, which the sync's own "sync finished" line says better. Shown with DEBUG.
    for chatty in ("procrastinate.worker", "procrastinate.jobs"):
        logging.getLogger(chatty).setLevel(root.level if root.level <= logging.DEBUG else logging.WARNING)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
