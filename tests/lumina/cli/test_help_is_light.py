"""`lumina --help` and each command's `--help` answer without loading the service (SQLAlchemy, FastAPI).

Loading the whole service cost about a second of CPU per `--help`. What is imported is checked in a fresh
interpreter rather than timed, so that a busy machine cannot make the test flaky.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "fastapi", "starlette", "uvicorn", "alembic", "lumina.models", "lumina.app")

PROBE = """
import json, sys
from lumina.cli import main
sys.argv = ["lumina", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["serve", "--help"],
        ["sync", "--help"],
        ["users", "--help"],
        ["users", "create", "--help"],
        ["shops", "add", "--help"],
        ["db", "current", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_no_service_module(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, timeout=60, check=False
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    assert "Usage: lumina" in result.stdout
    loaded = [name for name in report["modules"] if name.split(".")[0] in HEAVY or name.startswith(HEAVY)]
    assert loaded == []
