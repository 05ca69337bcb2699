"""Template tags for the host's own pages: ``{% load cosmo_scim %}``."""

from django import template
from django.template import Context

from ..provisioning import sessions
from ..provisioning.sessions import EndedNotice

register = template.Library()


@register.inclusion_tag("cosmo_scim/access_ended.html", takes_context=True)
def access_ended_notice(context: Context) -> dict[str, EndedNotice | None]:
    """On a login page: why this browser was signed out, if a deactivation ended its
    session (provisioning/sessions.py). Shown once, and only to that browser."""
    request = context.get("request")
    return {"notice": sessions.take_ended_notice(request) if request is not None else None}
