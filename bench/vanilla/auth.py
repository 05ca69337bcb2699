"""The static token: one shared secret in the environment, compared in constant time. A
request that presents it acts as a service user that is never read from the database,
which is why vanilla's authenticated floor costs no query."""

import os

from django.utils.crypto import constant_time_compare


class StaticTokenMiddleware:
    def __init__(self, get_response):
        from .models import User

        self.get_response = get_response
        self.expected = f"Bearer {os.environ['VANILLA_TOKEN']}"
        self.service_user = User(username="scim-service")

    def __call__(self, request):
        if constant_time_compare(request.META.get("HTTP_AUTHORIZATION", ""), self.expected):
            request.user = self.service_user
        return self.get_response(request)
