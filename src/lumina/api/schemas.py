"""The base of every request and response body, so the whole API speaks the same camelCase."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """Snake case in Python, camelCase on the wire; unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
