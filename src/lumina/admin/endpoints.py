"""The operators' API: families, users, shops and the links between them. Administrators only (403 otherwise):
the operator's administrators see everything; a family administrator its own family (see `lumina.admin.scope`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from lumina.admin import families, runs, shops, users
from lumina.auth.deps import staff_user

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    dependencies=[Depends(staff_user)],
    responses={
        400: {"description": "Invalid request (the `fields` say which and why)"},
        401: {"description": "No valid access token"},
        403: {"description": "Not an administrator, or an operator's task asked by a family administrator"},
    },
)
router.include_router(families.router)
router.include_router(users.router)
router.include_router(shops.router)
router.include_router(runs.router)
