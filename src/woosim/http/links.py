"""The `Link` header of a collection page, built the way WooCommerce builds it.

WooCommerce passes the request's query parameters (as PHP parsed and WordPress sanitised them, `oauth_*`
included) to add_query_arg, after putting `status` back at the end (as `status[0]=...`) and, once an item was
rendered, `dp` and `context`; `page` replaces the request's own or is appended. Following such a link verbatim
therefore replays the previous OAuth nonce and signature.
"""

from __future__ import annotations

from woosim.wordpress.phpquery import PhpArray, PhpValue, build_query


def oauth_signature_echo(value: str) -> str:
    """How the recordings show oauth_signature in links: `+` read as a space, `=` padding gone."""
    return value.replace("+", " ").rstrip("=")


def link_params(
    query: PhpArray,
    sanitized: dict[str, PhpValue],
    moved: dict[str, PhpValue],
    defaults: list[tuple[str, PhpValue]],
) -> PhpArray:
    """The parameters a page link carries: the request's (sanitised in place), then the `moved` ones (taken
    out and put back at the end), then `defaults` the request did not have."""
    params: PhpArray = {}
    for name, value in query.items():
        if name in moved:
            continue
        if name == "oauth_signature" and isinstance(value, str):
            params[name] = oauth_signature_echo(value)
        else:
            params[name] = sanitized.get(name, value)
    params.update(moved)
    for name, value in defaults:
        params.setdefault(name, value)
    return params


def page_links(base_url: str, params: PhpArray, page: int, max_pages: int) -> str | None:
    """`<...>; rel="prev", <...>; rel="next"` or None when there is neither."""
    links: list[str] = []
    if page > 1:
        prev_page = min(page - 1, max_pages)
        links.append(f'<{_url(base_url, params, prev_page)}>; rel="prev"')
    if max_pages > page:
        links.append(f'<{_url(base_url, params, page + 1)}>; rel="next"')
    return ", ".join(links) or None


def _url(base_url: str, params: PhpArray, page: int) -> str:
    with_page = dict(params)
    with_page["page"] = str(page)
    return f"{base_url}?{build_query(with_page)}"
