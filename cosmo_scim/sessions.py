"""Ending every session of a person, whatever SESSION_ENGINE keeps them in.

Django can delete one session by key in any backend (``SessionStore(key).delete()``) but
cannot list a person's sessions: the cache backends are not queryable, and scanning the
database backend's table does not scale. So the app keeps its own index, ``UserSession``:
a row per login (``user_logged_in``), dropped at logout (``user_logged_out``), read when a
deactivation must end the person's sessions.

A session whose key changes without a new login (``update_session_auth_hash`` after a
password change) must be indexed again by the view that changed it: call
:func:`remember` there. The signed-cookie backend keeps no server-side state and so cannot
be ended at all; use a database or cache backend.
"""

from importlib import import_module

from django.conf import settings

from .models import UserSession


def _store(session_key=None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def remember(request, user):
    """Index the request's session under ``user``, pruning keys that no longer exist."""
    session_key = request.session.session_key
    if not session_key:
        return
    stale = [
        key
        for key in UserSession.objects.filter(user=user)
        .exclude(session_key=session_key)
        .values_list("session_key", flat=True)
        if not _store().exists(key)
    ]
    UserSession.objects.filter(session_key__in=stale).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def forget(request):
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def end_all(user):
    """Delete every indexed session of ``user``; their next request is anonymous."""
    rows = UserSession.objects.filter(user=user)
    for session_key in rows.values_list("session_key", flat=True):
        _store(session_key).delete()
    rows.delete()
