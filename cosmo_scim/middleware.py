"""Keeps the session index (sessions.py) right when a session's key changes mid-session.

Django rotates a logged-in session's key without a new login: ``update_session_auth_hash``
after a password change (Django's own ``PasswordChangeView``, the admin's password page)
calls ``cycle_key``. The index holds the old key, so a deactivation would delete a session
that no longer exists and leave the live one alone. This middleware notices the key
change on the way out and indexes the new key; a request whose key did not change costs
two attribute reads and no query.
"""

from django.contrib.auth import SESSION_KEY

from .provisioning import sessions


class SessionIndexMiddleware:
    """List it after ``SessionMiddleware`` and ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        before = session.session_key if session is not None else None
        response = self.get_response(request)
        if session is not None:
            after = session.session_key
            user_id = session.get(SESSION_KEY)
            if after and after != before and user_id is not None:
                sessions.index(after, user_id)
        return response
