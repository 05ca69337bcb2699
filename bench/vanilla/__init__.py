"""A minimal, naive django-scim2 integration: the comparison point of bench/auth_probe.py.

What a team gets by following django-scim2's README: its views and middleware, a user model
with its SCIM mixin, and one static bearer token compared with a setting — no tenants, no
key table, no plan check. It exists only to be measured against; nothing imports it.
"""
