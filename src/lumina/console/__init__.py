"""The web console at `/`: static files that use only the public API."""
