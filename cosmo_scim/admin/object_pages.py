"""The admin's own pages about one object (rotate a key, see it once, revoke a domain's
verification, an organization's SCIM provisioning), beside Django's change page: their URLs
and their context, so that every such page is routed, guarded and framed the same way.

The template extends ``admin/cosmo_scim/object_page.html``, whose breadcrumbs run from Home
through the model's changelist and the object's change page to the step the page is.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.admin import ModelAdmin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path


def object_page_url(
    model_admin: "ModelAdmin[Any]", route: str, view: Callable[..., HttpResponse], name: str
) -> URLPattern:
    """``<object_id>/<route>``, behind the admin's login, named as the admin names its own
    pages (``<app label>_<model name>_<name>``, reversed in the ``admin`` namespace)."""
    opts = model_admin.opts
    return path(
        f"<path:object_id>/{route}",
        model_admin.admin_site.admin_view(view),
        name=f"{opts.app_label}_{opts.model_name}_{name}",
    )


def object_page(
    model_admin: "ModelAdmin[Any]",
    request: HttpRequest,
    template: str,
    original: Any,
    *,
    title: str,
    step: str = "",
    **context: Any,
) -> TemplateResponse:
    """The page ``template`` about ``original`` (an object of the admin's model), in the
    admin's frame; ``step`` ends the breadcrumbs after the object (none: the object ends
    them)."""
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": title,
            "original": original,
            "step": step,
            **context,
        },
    )
