"""The browser and the live service, for the pages a person opens (tests/browser.py)."""

from tests.browser import browser, live_server, offline_page

__all__ = ["browser", "live_server", "offline_page"]
