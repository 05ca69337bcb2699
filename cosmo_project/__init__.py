"""Cosmo, the host product that cosmo_scim plugs into."""

from .celery import app as celery_app

__all__ = ["celery_app"]
