"""Structured logs never carry secrets, whichever logger wrote them."""

from __future__ import annotations

import json
import logging

import pytest

from lumina.logging import configure_logging, get_logger


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    configure_logging("INFO", "json")
    return capsys


def test_secrets_are_masked_in_structured_and_stdlib_logs(json_logs: pytest.CaptureFixture[str]) -> None:
    get_logger("lumina.test").info("connecting", consumer_secret="cs_0123456789abcdef", shop="https://s.example")
    logging.getLogger("lumina.woocommerce").warning(
        "retrying https://s.example/wp-json/wc/v3/orders?consumer_key=ck_0123456789abcdef&consumer_secret=cs_9876543210"
    )
    lines = [json.loads(line) for line in json_logs.readouterr().err.splitlines()]
    text = json.dumps(lines)
    assert "0123456789abcdef" not in text
    assert "9876543210" not in text
    assert lines[0]["shop"] == "https://s.example"
    assert lines[0]["event"] == "connecting"
    assert lines[1]["level"] == "warning"
