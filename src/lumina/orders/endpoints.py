"""The seed's orders API (being built)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
