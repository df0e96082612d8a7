"""The webhook receiver: `POST /api/v1/webhooks/woocommerce/{endpoint}`, the address registered on each shop."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from lumina.api.openapi import ErrorResponse
from lumina.errors import AppError
from lumina.webhooks.dispatch import intake_of

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

MAX_BODY = 2 * 1024 * 1024  # the largest order body seen is a few tens of kB


class PayloadTooLargeError(AppError):
    status_code = 413


class Received(BaseModel):
    received: str  # "ping", "accepted", "duplicate" or "ignored"


@router.post(
    "/woocommerce/{endpoint}",
    summary="Receive a WooCommerce webhook delivery",
    description=(
        "Called by the shop, not by people: the address is registered on each shop when `PUBLIC_URL` is set. "
        "The body is checked against `X-WC-Webhook-Signature` (base64 HMAC-SHA256 with the shop's secret) before "
        "anything else; the named order is then re-read from the shop shortly after the answer. The creation ping "
        "(an unsigned form body `webhook_id=N`) answers 200. A missing or wrong signature is 401, an address or "
        "webhook id we did not hand out 404, too many deliveries for one shop 429."
    ),
    response_model=Received,
    responses={
        status: {"model": ErrorResponse, "description": description}
        for status, description in (
            (400, "A signed delivery whose body names no order."),
            (401, "The signature is missing or wrong: nothing was written."),
            (404, "Not an address or webhook this service registered."),
            (413, "The body is too large."),
            (429, "Too many deliveries for this shop; `Retry-After` says when to try again."),
        )
    },
)
async def receive(endpoint: str, request: Request) -> Received:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLargeError("The delivery is too large.")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PayloadTooLargeError("The delivery is too large.")
    headers = {name.lower(): value for name, value in request.headers.items()}
    outcome = await intake_of(request.app.state.context).receive(endpoint, headers, body)
    return Received(received=outcome.value)
