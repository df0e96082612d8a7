"""Liveness and readiness for process managers and load balancers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from lumina.api.deps import ContextDep
from lumina.errors import error_body

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The service can reach its database", responses={503: {"description": "Not ready"}})
async def readyz(context: ContextDep) -> JSONResponse:
    try:
        async with context.database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready", whatever the driver raised
        return JSONResponse(error_body(503, "The database cannot be reached.", database="down"), status_code=503)
    return JSONResponse({"status": "ready", "database": "ok"})
