"""Text as Lumina stores it: no NUL characters (PostgreSQL's text cannot hold one, and no name or address needs
one), names with their runs of white space collapsed."""

from __future__ import annotations

from lumina.errors import BadRequestError

NUL = "\x00"


def contains_nul(value: object) -> bool:
    """Whether a string, or any string inside lists, tuples and dicts (keys too), holds a NUL character."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


def clean_name(name: str, *, owner: str, max_length: int = 200) -> str:
    """A name with its white space collapsed, or a 400 naming `owner` ("A family") when it is empty, too long or holds
    a NUL character."""
    cleaned = " ".join(name.split())
    if NUL in cleaned:
        raise BadRequestError(f"{owner}'s name cannot contain NUL characters")
    if not cleaned or len(cleaned) > max_length:
        raise BadRequestError(f"{owner}'s name has 1 to {max_length} characters")
    return cleaned
