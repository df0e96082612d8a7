"""`lumina webhooks register|status|remove` in a process of its own, against the simulated shop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from lumina.context import ServiceContext
from tests.lumina.jobs.processes import ROOT, environment
from tests.lumina.sync.support import Linked
from woosim import SimulatedShop


async def _lumina(context: ServiceContext, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("lumina")), "webhooks", *args]
    return await asyncio.to_thread(
        subprocess.run, command, env=environment(context, **env), capture_output=True, text=True, cwd=ROOT,
        timeout=120, check=False,
    )  # fmt: skip


async def test_register_status_remove(service: ServiceContext, linked: Linked, woo_shop: SimulatedShop) -> None:
    public = {"PUBLIC_URL": service.settings.public_url}
    without_url = await _lumina(service, "register")
    assert without_url.returncode == 2
    assert "PUBLIC_URL is not set" in without_url.stderr

    registered = await _lumina(service, "register", **public)
    assert registered.returncode == 0, registered.stderr
    assert "created 4" in registered.stdout
    assert len(woo_shop.webhooks.all()) == 4

    woo_shop.webhooks.update(woo_shop.webhooks.all()[0], status="disabled")
    status = await _lumina(service, "status", **public)
    assert status.returncode == 0
    assert "disabled" in status.stdout

    removed = await _lumina(service, "remove", **public)
    assert removed.returncode == 0
    assert "4 webhooks removed" in removed.stdout
    assert woo_shop.webhooks.all() == []
    for done in (registered, status, removed):
        assert woo_shop.read_write_key.consumer_secret not in done.stdout + done.stderr
