from tests.lumina.auth.support import admin, member

__all__ = ["admin", "member"]
