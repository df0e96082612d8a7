"""Admin API: families, and the shops each is linked to."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from lumina.admin.scope import AdminScopeDep
from lumina.api.deps import SessionDep
from lumina.api.integers import IdParam
from lumina.auth import users as user_accounts
from lumina.auth.deps import AdminUser, admin_user
from lumina.auth.schemas import UserDetail
from lumina.families import service
from lumina.families.schemas import FamilyCreate, FamilyDetail, FamilyEnvelope, FamilyList, FamilyOut
from lumina.shops import service as shops
from lumina.shops.schemas import LinkEnvelope, LinkList, LinkOut, LinkPut

router = APIRouter(prefix="/families")


@router.get("", summary="List families")
async def list_families(session: SessionDep, scope: AdminScopeDep) -> FamilyList:
    items = [FamilyOut.of(item) for item in await service.list_families(session, only=scope.family_id)]
    return FamilyList(families=items, count=len(items))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a family (linked to the default shop)",
    dependencies=[Depends(admin_user)],
)
async def create_family(body: FamilyCreate, session: SessionDep) -> FamilyEnvelope:
    family = await service.create_family(session, body.name, link_default_shop=body.link_default_shop)
    return FamilyEnvelope(family=FamilyOut.of(await service.summary(session, family)))


@router.get("/{family_id}", summary="A family with its users and shop links", responses={404: {}})
async def get_family(family_id: IdParam, session: SessionDep, scope: AdminScopeDep) -> FamilyDetail:
    family = await service.get_family(session, scope.family(family_id))
    members = await user_accounts.list_users(session, family_id)
    links = await shops.list_links(session, family_id=family_id)
    return FamilyDetail(
        family=FamilyOut.of(await service.summary(session, family)),
        users=[UserDetail.of(user) for user in members],
        links=[LinkOut.of(link) for link in links],
    )


@router.delete(
    "/{family_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a family with its users and cached orders",
    responses={404: {}, 409: {"description": "Your own family"}},
    dependencies=[Depends(admin_user)],
)
async def delete_family(family_id: IdParam, session: SessionDep, admin: AdminUser) -> Response:
    await service.delete_family(session, family_id, acting_user=admin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{family_id}/shops", summary="The shops a family is linked to", responses={404: {}})
async def list_family_links(family_id: IdParam, session: SessionDep, scope: AdminScopeDep) -> LinkList:
    await service.get_family(session, scope.family(family_id))
    links = [LinkOut.of(link) for link in await shops.list_links(session, family_id=family_id)]
    return LinkList(links=links, count=len(links))


@router.put(
    "/{family_id}/shops/{shop_id}",
    summary="Link a family to a shop, optionally scoped to some customers (replaces an existing scope)",
    responses={201: {"description": "Linked"}, 200: {"description": "Scope replaced"}, 404: {}},
)
async def link_shop(  # noqa: PLR0917 - path, body and the request's dependencies
    family_id: IdParam, shop_id: IdParam, body: LinkPut, session: SessionDep, scope: AdminScopeDep, response: Response
) -> LinkEnvelope:
    await scope.link_change(session, family_id, shop_id, body.customer_ids, body.billing_emails)
    link, created = await shops.link_family(
        session, family_id, shop_id, customer_ids=body.customer_ids, billing_emails=body.billing_emails
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return LinkEnvelope(link=LinkOut.of(link))


@router.delete(
    "/{family_id}/shops/{shop_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unlink a family from a shop (its copies of that shop's orders go too)",
    responses={404: {}},
)
async def unlink_shop(family_id: IdParam, shop_id: IdParam, session: SessionDep, scope: AdminScopeDep) -> Response:
    await shops.unlink_family(session, scope.family(family_id), shop_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
