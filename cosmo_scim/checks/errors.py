"""The form of cosmo_scim's check errors: ``cosmo_scim.E0NN``, one number per meaning."""

from django.core import checks


def error(number: int, message: str, hint: str) -> checks.Error:
    return checks.Error(message, hint=hint, id=f"cosmo_scim.E{number:03}")
