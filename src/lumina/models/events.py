"""Tickets that open a family's live event stream: browsers' EventSource cannot send an Authorization header."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lumina.db.base import Base
from lumina.db.types import UTCDateTime


class EventTicket(Base):
    """A short-lived, single-use ticket; only its SHA-256 is stored, so a database dump opens no stream."""

    __tablename__ = "event_tickets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
