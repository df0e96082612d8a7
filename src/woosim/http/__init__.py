"""The shop's HTTP face: the ASGI app (latency and faults around the dispatcher), the WordPress REST front door and
its routes, `Link` headers, the /__woosim/ control API, and the uvicorn server. Whatever builds the app is given the
shop; nothing below imports this package."""
