"""The base of every request and response body, so the whole API speaks the same camelCase."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from lumina.kit.text import contains_nul


class CamelModel(BaseModel):
    """Snake case in Python, camelCase on the wire; unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class RequestBody(CamelModel):
    """A request body: no text in it may hold a NUL character, which PostgreSQL cannot store and no input needs."""

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: object) -> object:
        if contains_nul(value):
            raise PydanticCustomError("string_nul", "Text cannot contain NUL characters")
        return value
