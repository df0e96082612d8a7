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


def test_a_count_is_not_mistaken_for_a_secret(json_logs: pytest.CaptureFixture[str]) -> None:
    get_logger("lumina.test").info("expired sign-in records removed", refresh_tokens=3, throttle_rows=0)
    get_logger("lumina.test").info("issued", refresh_token="r-0123456789", tokens_revoked=2, password_reset=True)
    first, second = (json.loads(line) for line in json_logs.readouterr().err.splitlines())
    assert first["refresh_tokens"] == 3
    assert second["refresh_token"] == "[redacted]"
    assert second["tokens_revoked"] == 2
    assert second["password_reset"] is True


def test_uvicorn_colour_copies_of_messages_are_dropped(json_logs: pytest.CaptureFixture[str]) -> None:
    # What uvicorn's own loggers pass, e.g. for "Started server process [%d]" (not through "uvicorn.error" itself:
    # test servers elsewhere in the suite give uvicorn's loggers handlers of their own).
    logging.getLogger("lumina.test.server").info("Started", extra={"color_message": "\x1b[36mStarted\x1b[0m"})
    [line] = [json.loads(line) for line in json_logs.readouterr().err.splitlines()]
    assert line["event"] == "Started"
    assert "color_message" not in line


def test_the_queue_s_per_job_lines_are_left_to_debug_and_its_warnings_kept(
    json_logs: pytest.CaptureFixture[str],
) -> None:
    logging.getLogger("procrastinate.worker").info("Job sync.shop[7](shop_id=3) ended with status: Success")
    logging.getLogger("procrastinate.jobs").info("Deferred 1 job")
    logging.getLogger("procrastinate.worker").warning("Job sync.shop[8] failed")
    [line] = [json.loads(line) for line in json_logs.readouterr().err.splitlines()]
    assert line["event"] == "Job sync.shop[8] failed"

    configure_logging("DEBUG", "json")
    try:
        logging.getLogger("procrastinate.jobs").info("Deferred 1 job")
        assert "Deferred 1 job" in json_logs.readouterr().err
    finally:
        configure_logging("INFO", "json")
