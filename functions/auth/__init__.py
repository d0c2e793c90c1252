"""Authentication routes (functions/auth): captcha, SMS code, register, logins, password reset."""
from auth.routes import blueprint

__all__ = ["blueprint"]
