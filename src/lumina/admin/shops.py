"""Admin API: shop connections. Credentials go in and never come out (only `keyHint`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from lumina.api.deps import ContextDep, SessionDep
from lumina.api.integers import IdParam
from lumina.shops import service
from lumina.shops.schemas import CheckOut, LinkList, LinkOut, ShopCreate, ShopEnvelope, ShopList, ShopOut

router = APIRouter()

_CHECK_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "The key, its permissions or the address is wrong (`reason` says which)"},
    502: {"description": "The shop did not answer properly, or not at all"},
}


@router.get("/shops", summary="List shop connections")
async def list_shops(session: SessionDep) -> ShopList:
    shops = [ShopOut.of(item.shop, item.family_count) for item in await service.list_shops(session)]
    return ShopList(shops=shops, count=len(shops))


@router.post(
    "/shops",
    status_code=status.HTTP_201_CREATED,
    summary="Add a shop; its URL and key are checked first unless `check` is false",
    responses={**_CHECK_ERRORS, 409: {"description": "Already connected"}},
)
async def create_shop(body: ShopCreate, session: SessionDep, context: ContextDep) -> ShopEnvelope:
    added = await service.add_shop(
        session, context, body.to_input(), check=body.check, allow_read_only=body.allow_read_only
    )
    return ShopEnvelope(shop=ShopOut.of(added.shop, 0), check=CheckOut.of(added.info) if added.info else None)


@router.get("/shops/{shop_id}", summary="A shop connection", responses={404: {}})
async def get_shop(shop_id: IdParam, session: SessionDep) -> ShopEnvelope:
    shop = await service.get_shop(session, shop_id)
    return ShopEnvelope(shop=ShopOut.of(shop, await service.family_count(session, shop_id)))


@router.post(
    "/shops/{shop_id}/check",
    summary="Check a shop's URL and key again and keep what was found",
    responses={**_CHECK_ERRORS, 404: {}},
)
async def check_shop(shop_id: IdParam, session: SessionDep, context: ContextDep) -> ShopEnvelope:
    checked = await service.check_shop(session, context, shop_id)
    count = await service.family_count(session, shop_id)
    return ShopEnvelope(shop=ShopOut.of(checked.shop, count), check=CheckOut.of(checked.info) if checked.info else None)


@router.delete(
    "/shops/{shop_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a shop with its links and cached orders",
    responses={404: {}, 409: {"description": "The default shop (configured by WC_* variables)"}},
)
async def delete_shop(shop_id: IdParam, session: SessionDep) -> Response:
    await service.remove_shop(session, shop_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/links", summary="Family–shop links, optionally of one family or one shop")
async def list_links(
    session: SessionDep,
    family_id: Annotated[IdParam | None, Query(alias="familyId")] = None,
    shop_id: Annotated[IdParam | None, Query(alias="shopId")] = None,
) -> LinkList:
    links = [LinkOut.of(link) for link in await service.list_links(session, family_id=family_id, shop_id=shop_id)]
    return LinkList(links=links, count=len(links))
