#!/usr/bin/env python
"""The cost of one large PATCH, in process, on PostgreSQL: is the work linear in its size?

    python bench/patch_bench.py            # 250, 500 and 1,000 operations of each kind
    python bench/patch_bench.py --ops 1000 # one size

Creates a dedicated database (``cosmo_scim_patch_bench``, dropped at the end), one Enterprise
organization, a user and a 10,000-member group, and times PATCH requests through Django's
test ``Client`` (the whole stack but the network: authentication, the input boundary, the
PATCH engine, the lifecycle write). Each kind is run three times and the best is reported,
with the SQL query count. Numbers are in docs/performance.md.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = "cosmo_scim_patch_bench"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
JSON = "application/scim+json"


def admin_sql(statement):
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def setup():
    admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {DB}")
    os.environ.update(
        {
            "DATABASE_URL": f"{PG}/{DB}",
            "DJANGO_SETTINGS_MODULE": "cosmo_project.settings",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "ERROR",
        }
    )
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(client):
    from django.conf import settings

    from cosmo_project.celery import app
    from cosmo_project.organizations.models import Organization
    from cosmo_scim.models import APIKey

    app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    org = Organization.objects.create(slug="bench", name="Bench", plan="enterprise")
    _, key = APIKey.objects.create_key(organization=org, name="bench", scim=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def call(method, path, body=None):
        import json

        data = json.dumps(body) if body is not None else None
        kwargs = {"data": data, "content_type": JSON} if data is not None else {}
        return getattr(client, method)(f"/scim/v2{path}", **kwargs, **auth)

    user = call(
        "post",
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "pat@bench.example",
            "emails": [{"value": "pat@bench.example", "primary": True}],
        },
    ).json()
    from cosmo_scim.models import ScimUser

    seeded = bulk_members(org, 10_000)
    group = call(
        "post",
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Everyone",
            "members": [{"value": u.scim_id} for u in seeded],
        },
    ).json()
    assert ScimUser.objects.filter(organization=org).count() == 10_001
    return call, user["id"], group["id"]


def bulk_members(org, size):
    from django.contrib.auth import get_user_model

    from cosmo_project.organizations.models import Membership
    from cosmo_scim.models import ScimUser

    people = get_user_model().objects.bulk_create(
        get_user_model()(email=f"m{i}@bench.example") for i in range(size)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=p, organization=org, role="viewer") for p in people
    )
    return ScimUser.objects.bulk_create(
        ScimUser(organization=org, membership=m, user_name=m.user.email) for m in memberships
    )


def reset(call, user_id):
    """The user back to one email, so every kind starts from the same state."""
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "pat@bench.example",
        "emails": [{"value": "pat@bench.example", "primary": True}],
    }
    assert call("put", f"/Users/{user_id}", body).status_code == 200


def kinds(n, group_members):
    """name -> (resource, operations) for n operations. The emails cycle through as many
    addresses as a user may have beside their own (the attribute table's bound)."""
    from cosmo_scim.scim.user_attributes import EMAILS

    distinct = EMAILS.max_values - 1
    emails = [f"alias{i % distinct}@bench.example" for i in range(n)]
    return {
        f"add emails ({distinct} distinct, re-added)": (
            "Users",
            [{"op": "add", "path": "emails", "value": [{"value": e}]} for e in emails],
        ),
        "add emails (all distinct: over the limit, 400)": (
            "Users",
            [
                {"op": "add", "path": "emails", "value": [{"value": f"d{i}@bench.example"}]}
                for i in range(n)
            ],
        ),
        "one add to the 10,000-member group (the floor)": (
            "Groups",
            [{"op": "add", "path": "members", "value": [{"value": group_members[0]}]}],
        ),
        "remove members[value eq x], add back": (
            "Groups",
            [
                op
                for i in range(n // 2)
                for op in (
                    {"op": "remove", "path": f'members[value eq "{group_members[i]}"]'},
                    {"op": "add", "path": "members", "value": [{"value": group_members[i]}]},
                )
            ],
        ),
        "replace emails[type eq x].value": (
            "Users",
            [
                {"op": "replace", "path": f'emails[type eq "t{i % distinct}"].value', "value": e}
                for i, e in enumerate(emails)
            ],
        ),
        "replace title": (
            "Users",
            [{"op": "replace", "path": "title", "value": f"T{i}"} for i in range(n)],
        ),
        "remove+add members (10,000-member group)": (
            "Groups",
            [
                {"op": op, "path": "members", "value": [{"value": group_members[i]}]}
                for i in range(n // 2)
                for op in ("remove", "add")
            ],
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--ops", type=int, nargs="*", default=[250, 500, 1000])
    args = parser.parse_args()
    setup()
    try:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from cosmo_scim.models import ScimUser

        call, user_id, group_id = seed(Client())
        members = list(ScimUser.objects.exclude(scim_id=user_id).values_list("scim_id", flat=1))
        print(f"{'operations':>10}  {'kind':<48} {'best ms':>8} {'queries':>8}  status")
        for n in args.ops:
            for name, (resource, operations) in kinds(n, members).items():
                target = user_id if resource == "Users" else group_id
                reset(call, user_id)
                body = {"schemas": [PATCH_SCHEMA], "Operations": operations}
                best = None
                for _ in range(3):
                    with CaptureQueriesContext(connection) as queries:
                        start = time.perf_counter()
                        response = call("patch", f"/{resource}/{target}", body)
                        elapsed = time.perf_counter() - start
                    best = elapsed if best is None else min(best, elapsed)
                status = response.status_code
                detail = response.json().get("detail", "")[:70] if status >= 400 else ""
                timing = f"{best * 1000:>8.1f} {len(queries):>8}"
                print(f"{n:>10}  {name:<48} {timing}  {status} {detail}")
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
