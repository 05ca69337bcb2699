"""``django.contrib.admin``'s app config with the default site replaced by
:class:`cosmo_scim.admin_site.OrgAdminSite`.

A module of its own, importing nothing else of cosmo_scim: Django imports it while the apps
are still loading, and ``default_site`` is a dotted path, imported only later.
"""

from django.contrib.admin.apps import AdminConfig


class OrgAdminConfig(AdminConfig):
    default_site = "cosmo_scim.admin_site.OrgAdminSite"
