"""Admin API: users of every family."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from lumina.admin.scope import AdminScopeDep
from lumina.api.deps import SessionDep
from lumina.api.integers import IdParam
from lumina.auth import users as service
from lumina.auth.deps import StaffUser
from lumina.auth.schemas import UserCreate, UserDetail, UserEnvelope, UserList, UserUpdate
from lumina.errors import ConflictError

router = APIRouter(prefix="/users")


@router.get("", summary="List users, optionally of one family")
async def list_users(
    session: SessionDep, scope: AdminScopeDep, family_id: Annotated[IdParam | None, Query(alias="familyId")] = None
) -> UserList:
    users = [UserDetail.of(user) for user in await service.list_users(session, scope.families(family_id))]
    return UserList(users=users, count=len(users))


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a user", responses={404: {}, 409: {}})
async def create_user(body: UserCreate, session: SessionDep, scope: AdminScopeDep) -> UserEnvelope:
    scope.role(body.role)
    user = await service.create_user(
        session,
        family_id=scope.family(body.family_id),
        email=body.email,
        name=body.name,
        password=body.password,
        role=body.role,
    )
    return UserEnvelope(user=UserDetail.of(user))


@router.get("/{user_id}", summary="A user", responses={404: {}})
async def get_user(user_id: IdParam, session: SessionDep, scope: AdminScopeDep) -> UserEnvelope:
    return UserEnvelope(user=UserDetail.of(await scope.user(session, user_id, change=False)))


@router.patch(
    "/{user_id}",
    summary="Change a user's name, role, password or whether the account is active",
    responses={404: {}, 409: {"description": "The last active administrator"}},
)
async def update_user(user_id: IdParam, body: UserUpdate, session: SessionDep, scope: AdminScopeDep) -> UserEnvelope:
    await scope.user(session, user_id)
    scope.role(body.role)
    changes = service.UserChanges(name=body.name, role=body.role, is_active=body.is_active, password=body.password)
    return UserEnvelope(user=UserDetail.of(await service.update_user(session, user_id, changes)))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a user",
    responses={404: {}, 409: {"description": "Yourself, or the last active administrator"}},
)
async def delete_user(user_id: IdParam, session: SessionDep, admin: StaffUser, scope: AdminScopeDep) -> Response:
    await scope.user(session, user_id)
    if user_id == admin.id:
        raise ConflictError("You cannot delete your own account")
    await service.delete_user(session, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
