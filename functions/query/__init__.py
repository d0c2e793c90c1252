"""Query routes (functions/query): a subject's certification history and this year's status."""
from query.routes import blueprint

__all__ = ["blueprint"]
