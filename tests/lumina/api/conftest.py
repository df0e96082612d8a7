"""Signed-in callers, and the browser and the live service for the pages a person opens (tests/browser.py)."""

from tests.browser import browser, live_server, offline_page
from tests.lumina.auth.support import admin, member

__all__ = ["admin", "browser", "live_server", "member", "offline_page"]
