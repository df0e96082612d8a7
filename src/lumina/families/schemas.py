"""Bodies of the families part of the admin API."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from lumina.api.schemas import CamelModel, RequestBody
from lumina.auth.schemas import UserDetail
from lumina.families.service import FamilySummary
from lumina.shops.schemas import LinkOut


class FamilyCreate(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    link_default_shop: bool = Field(
        default=True, description="Link the new family to the default shop (the one from WC_* variables)."
    )


class FamilyOut(CamelModel):
    id: int
    name: str
    created_at: datetime
    user_count: int
    shop_ids: list[int]

    @classmethod
    def of(cls, item: FamilySummary) -> FamilyOut:
        family = item.family
        return cls(
            id=family.id,
            name=family.name,
            created_at=family.created_at,
            user_count=item.user_count,
            shop_ids=item.shop_ids,
        )


class FamilyEnvelope(CamelModel):
    family: FamilyOut


class FamilyList(CamelModel):
    families: list[FamilyOut]
    count: int


class FamilyDetail(CamelModel):
    family: FamilyOut
    users: list[UserDetail]
    links: list[LinkOut]
