"""Keeps the session index (sessions.py) right when a session's key changes mid-session.

Django rotates a logged-in session's key without a new login: ``update_session_auth_hash``
after a password change (Django's own ``PasswordChangeView``, the admin's password page)
calls ``cycle_key``. The index holds the old key, so a deactivation would delete a session
that no longer exists and leave the live one alone. This middleware notices the key
change on the way out and indexes the new key; a request whose key did not change costs
two attribute reads and no query.

It also lets a browser whose session a deactivation ended learn why, on its next request
(sessions.py, :func:`~cosmo_scim.provisioning.sessions.carry_ended_notice`).
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

from .provisioning import sessions


class SessionIndexMiddleware:
    """List it after ``SessionMiddleware`` and ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        before = session.session_key if session is not None else None

        response = self.get_response(request)
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session is not None and cookie and session.accessed and session.session_key is None:
            # The request read its session and found the cookie's gone: if a deactivation
            # ended it, the browser learns why (sessions.py). No cost for a live session.
            sessions.carry_ended_notice(request, cookie)
        if session is not None:
            after = session.session_key
            # The user is read only when the key changed: reading it loads the session,
            # which a request without one (an API call) would otherwise pay for.
            if after and after != before and (user_id := session.get(SESSION_KEY)) is not None:
                sessions.index(after, user_id)
        return response
