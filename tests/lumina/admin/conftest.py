from tests.lumina.auth.support import _cheap_password_hashing, admin, member

__all__ = ["_cheap_password_hashing", "admin", "member"]
