"""Admin API: shop connections. Credentials go in and never come out (only `keyHint`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Response, status

from lumina.admin.scope import AdminScopeDep
from lumina.api.deps import ContextDep, SessionDep
from lumina.api.integers import IdParam, PageParam
from lumina.auth.deps import admin_user
from lumina.shops import service, update
from lumina.shops.schemas import (
    CheckOut,
    LinkList,
    LinkOut,
    ShopCreate,
    ShopEnvelope,
    ShopList,
    ShopOut,
    ShopUpdate,
)
from lumina.webhooks.upkeep import keep_webhooks

router = APIRouter()
# The health figures scan each listed shop's cached orders (175 ms for 500 shops and a million rows): a page at a time.
DEFAULT_SHOPS_PAGE, MAX_SHOPS_PAGE = 100, 500
# Shops are the operator's: a family administrator sees its family's links only.
shops_router = APIRouter(prefix="/shops", dependencies=[Depends(admin_user)])

_CHECK_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "The key, its permissions or the address is wrong (`reason` says which)"},
    502: {"description": "The shop did not answer properly, or not at all"},
}


def _envelope(summary: service.ShopSummary, checked: service.CheckedShop | None = None) -> ShopEnvelope:
    info = checked.info if checked else None
    return ShopEnvelope(shop=ShopOut.of(summary), check=CheckOut.of(info) if info else None)


@shops_router.get("", summary="Shop connections with their sync health, by id, a page at a time")
async def list_shops(
    session: SessionDep,
    context: ContextDep,
    limit: Annotated[PageParam, Query(ge=1, le=MAX_SHOPS_PAGE)] = DEFAULT_SHOPS_PAGE,
    offset: Annotated[PageParam, Query(ge=0)] = 0,
) -> ShopList:
    page = await service.list_shops(session, context, limit=limit, offset=offset)
    shops = [ShopOut.of(item) for item in page]
    total = await service.count_shops(session)
    return ShopList(shops=shops, count=len(shops), total=total, limit=limit, offset=offset)


@shops_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a shop; its URL and key are checked first unless `check` is false",
    responses={**_CHECK_ERRORS, 409: {"description": "Already connected"}},
)
async def create_shop(
    body: ShopCreate, session: SessionDep, context: ContextDep, background: BackgroundTasks
) -> ShopEnvelope:
    added = await service.add_shop(
        session, context, body.to_input(), check=body.check, allow_read_only=body.allow_read_only
    )
    background.add_task(keep_webhooks, context, [added.shop.id])  # after the commit, with PUBLIC_URL set
    return _envelope(await service.shop_summary(session, context, added.shop), added)


@shops_router.get("/{shop_id}", summary="A shop connection with its sync health", responses={404: {}})
async def get_shop(shop_id: IdParam, session: SessionDep, context: ContextDep) -> ShopEnvelope:
    shop = await service.get_shop(session, shop_id)
    return _envelope(await service.shop_summary(session, context, shop))


@shops_router.patch(
    "/{shop_id}",
    summary="Rename a shop, rotate its key, change its URL, auth mode, TLS setting or interval (orders stay)",
    responses={
        **_CHECK_ERRORS,
        404: {},
        409: {"description": "Another store at the new URL, a URL already connected, or the default shop's keys"},
    },
)
async def update_shop(
    shop_id: IdParam, body: ShopUpdate, session: SessionDep, context: ContextDep, background: BackgroundTasks
) -> ShopEnvelope:
    changed = await update.update_shop(
        session, context, shop_id, body.to_changes(), check=body.check, allow_read_only=body.allow_read_only
    )
    background.add_task(keep_webhooks, context, [shop_id])  # a new URL or key: our webhooks follow
    return _envelope(await service.shop_summary(session, context, changed.shop), changed)


@shops_router.post(
    "/{shop_id}/check",
    summary="Check a shop's URL and key again and keep what was found",
    responses={**_CHECK_ERRORS, 404: {}},
)
async def check_shop(
    shop_id: IdParam, session: SessionDep, context: ContextDep, background: BackgroundTasks
) -> ShopEnvelope:
    checked = await service.check_shop(session, context, shop_id)
    background.add_task(keep_webhooks, context, [shop_id])
    return _envelope(await service.shop_summary(session, context, checked.shop), checked)


@shops_router.delete(
    "/{shop_id}",
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
    scope: AdminScopeDep,
    family_id: Annotated[IdParam | None, Query(alias="familyId")] = None,
    shop_id: Annotated[IdParam | None, Query(alias="shopId")] = None,
) -> LinkList:
    family_id = scope.families(family_id)
    links = [LinkOut.of(link) for link in await service.list_links(session, family_id=family_id, shop_id=shop_id)]
    return LinkList(links=links, count=len(links))


router.include_router(shops_router)
