"""Certification routes (functions/certify): contacts, eligibility, liveness sessions, home visits."""
from certify.routes import blueprint

__all__ = ["blueprint"]
