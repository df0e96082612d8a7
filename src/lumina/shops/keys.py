"""Moving every stored shop secret (its key, its secret, its webhook secret) to the first key of `ENCRYPTION_KEY`
(`lumina shops reencrypt`).

All or nothing: when some secret cannot be decrypted with any listed key, nothing is rewritten and the shops are
named, so the operator can put the missing old key back in the list before dropping anything.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lumina.errors import BadRequestError
from lumina.kit.crypto import SecretBox
from lumina.logging import get_logger
from lumina.shops import repository

logger = get_logger("lumina.shops")


async def reencrypt_all(session: AsyncSession, box: SecretBox) -> int:
    """Re-encrypt every shop's key, secret and webhook secret under the first key; the number of shops rewritten."""
    shops = await repository.list_all(session)
    unreadable: list[int] = []
    for shop in shops:
        try:
            key, secret = box.rotate(shop.consumer_key_encrypted), box.rotate(shop.consumer_secret_encrypted)
            hook = box.rotate(shop.webhook_secret_encrypted) if shop.webhook_secret_encrypted else None
        except ValueError:
            unreadable.append(shop.id)
            continue
        shop.consumer_key_encrypted, shop.consumer_secret_encrypted = key, secret
        shop.webhook_secret_encrypted = hook
    if unreadable:
        listed = ", ".join(map(str, unreadable))
        raise BadRequestError(
            f"No key in ENCRYPTION_KEY decrypts the credentials of shop(s) {listed}; nothing was re-encrypted. "
            "Add the key they were stored with to ENCRYPTION_KEY (after the new one) and run this again.",
            details={"reason": "undecryptable", "shops": unreadable},
        )
    await session.flush()
    logger.info("shop credentials re-encrypted", shops=len(shops))
    return len(shops)
