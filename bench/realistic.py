#!/usr/bin/env python
"""The realistic benchmark: many organizations growing at once, their ids interleaved.

    python bench/realistic.py --factor 0.02      # ~40,000 members, a couple of minutes
    python bench/realistic.py --factor 1         # the full shape below (long)

At ``--factor 1`` the database has the shape of a large SaaS: 1,000,000
members in 2,000 Enterprise organizations — one of 200,000, five of 20,000-50,000, a long
tail (median 135) — with the members of all of them inserted in one random order (ids
interleaved, as when organizations grow at the same time), then a newest organization
whose members have the highest ids; 5,800 groups with 250,000 member links, 3 audit events
and 1 invitation per member. Sizes scale with the factor (the tail's sizes do not: its
median stays 135, the number of organizations scales). Seeding is set-based SQL, then
``VACUUM ANALYZE``.

For the largest, a median and the newest organization, each request kind is measured
in-process (Django's test client against the database; no HTTP, so the floor is lower
than bench/scim_bench.py's): median latency of ``--repeat`` requests, each rolled back,
and the rows its statements read (tests/plankit.py: EXPLAIN (ANALYZE, BUFFERS) of the
SQL the view sent). Then 8 clients POST new users through gunicorn (8 workers) into one
organization, and into 8 organizations, while pg_stat_activity is sampled for backends
waiting on a lock.

Uses its own database (``--db``, dropped at the end unless ``--keep-db``) and Redis
database (``--redis-db``); every request goes to 127.0.0.1.
"""

import argparse
import importlib
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import scim_bench as base
import tenant_reads

BIG = (200_000, 50_000, 40_000, 30_000, 25_000, 20_000)
ORGANIZATIONS = 2_000
GROUPS, LINKS, EVENTS_PER_MEMBER = 5_800, 250_000, 3


def sizes_for(factor, rng):
    big = [max(50, int(size * factor)) for size in BIG]
    tail = max(20, int(ORGANIZATIONS * factor)) - len(big)
    # Log-normal around a median of 135 members, 3 to 19,000.
    small = [min(19_000, max(3, int(rng.lognormvariate(4.905, 1.2)))) for _ in range(tail)]
    return big + small


def seed(factor, rng):
    """Every organization, its members interleaved with all the others', then the newest."""
    from django.db import connection

    from cosmo_project.organizations.models import Organization
    from cosmo_scim.models import APIKey

    sizes = sizes_for(factor, rng)
    newest_size = int(statistics.median(sizes))
    orgs = Organization.objects.bulk_create(
        Organization(slug=f"org-{i}", name=f"Org {i:04d}", plan="enterprise")
        for i in range(len(sizes) + 1)
    )
    keys = {}
    for org in orgs:
        keys[org.pk] = APIKey.objects.create_key(organization=org, name="bench", scim=True)[1]
    plan = [(org.pk, size) for org, size in zip(orgs, sizes, strict=False)]
    newest = orgs[-1]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE seed_plan (org bigint, size int)")
        cursor.executemany("INSERT INTO seed_plan VALUES (%s, %s)", plan)
        cursor.execute(
            """CREATE TEMP TABLE seed AS
            SELECT row_number() OVER (ORDER BY r) AS n, org, i FROM (
                SELECT p.org, g.i, random() AS r FROM seed_plan p,
                LATERAL generate_series(0, p.size - 1) AS g(i)) s"""
        )
        cursor.execute(
            "INSERT INTO seed SELECT (SELECT max(n) FROM seed) + g.i + 1, %s, g.i "
            "FROM generate_series(0, %s - 1) AS g(i)",
            [newest.pk, newest_size],
        )
        for statement in SEED_SQL:
            cursor.execute(
                statement,
                {
                    "groups": max(10, int(GROUPS * factor)),
                    "links": max(100, int(LINKS * factor)),
                    "events": EVENTS_PER_MEMBER,
                },
            )
            # The next statement's foreign key checks are planned once, on the statistics
            # of the tables they read: without them, a check of each new email may scan
            # every member (hours at --factor 0.3, where seconds with them).
            cursor.execute("ANALYZE")
    sizes_by_org = dict(plan) | {newest.pk: newest_size}
    base.vacuum_analyze()
    return orgs, sizes_by_org, keys


# Table names are the example host's and cosmo_scim's (the models' defaults), like the
# contiguous benchmark's, which takes them from the models.
SEED_SQL = [
    """INSERT INTO accounts_user (email, first_name, last_name, password, is_active, is_staff,
        is_superuser, date_joined)
        SELECT 'p' || n || '@people.example', 'Given', 'Family', '!unusable', true, false,
        false, now() FROM seed ORDER BY n""",
    """INSERT INTO organizations_membership (user_id, organization_id, role, is_active,
        created_at, updated_at)
        SELECT u.id, s.org, 'developer', true, now(), now() FROM seed s
        JOIN accounts_user u ON u.email = 'p' || s.n || '@people.example' ORDER BY s.n""",
    """INSERT INTO cosmo_scim_scimuser (scim_id, organization_id, membership_id, user_name,
        external_id, given_name, family_name, formatted_name, display_name, title, locale,
        preferred_language, employee_number, department, manager_id, created,
        last_modified, version, consent_pending, middle_name, honorific_prefix,
        honorific_suffix, nick_name, profile_url, user_type, time_zone, cost_center,
        organization_name, division, phone_numbers, ims, photos, addresses)
        SELECT gen_random_uuid()::text, s.org, m.id,
        'User' || lpad(s.i::text, 6, '0') || '@Org' || s.org || '.example',
        'ext-' || lpad(s.i::text, 6, '0'), 'Given' || s.i, 'Family' || s.i, '',
        'Person ' || s.i, '', '', '', '', '', '',
        now() - (random() * interval '700 days'), now() - (random() * interval '400 days'),
        1, false, '', '', '', '', '', '', '', '', '', '', '[]'::jsonb, '[]'::jsonb,
        '[]'::jsonb, '[]'::jsonb
        FROM seed s JOIN accounts_user u ON u.email = 'p' || s.n || '@people.example'
        JOIN organizations_membership m ON m.user_id = u.id ORDER BY s.n""",
    """INSERT INTO cosmo_scim_scimuseremail (scim_user_id, value, type, "primary", display)
        SELECT id, lower(user_name), 'work', true, '' FROM cosmo_scim_scimuser ORDER BY id""",
    """INSERT INTO organizations_team (organization_id, name, created_at)
        SELECT o.id, 'Team ' || g, now() FROM (
            SELECT org AS id, count(*) AS members FROM seed GROUP BY org) o,
        LATERAL generate_series(1, greatest(1, (o.members * %(groups)s
            / (SELECT count(*) FROM seed))::int)) AS g""",
    """INSERT INTO cosmo_scim_scimgroup (scim_id, organization_id, team_id, display_name,
        external_id, created, last_modified, version)
        SELECT gen_random_uuid()::text, organization_id, id, name, 'g-' || id, now(), now(), 1
        FROM organizations_team""",
    """INSERT INTO cosmo_scim_scimgroupmember (group_id, scim_user_id)
        SELECT DISTINCT ON (g.id, u.id) g.id, u.id FROM (
            SELECT id, organization_id, row_number() OVER (PARTITION BY organization_id) AS k
            FROM cosmo_scim_scimgroup) g
        JOIN LATERAL (SELECT id FROM cosmo_scim_scimuser u
            WHERE u.organization_id = g.organization_id ORDER BY u.id
            OFFSET (g.k - 1) * 20 LIMIT greatest(5, %(links)s
                / (SELECT count(*) FROM cosmo_scim_scimgroup))) u ON true""",
    """INSERT INTO cosmo_scim_auditevent (organization_id, action, user_name, scim_id,
        changes, request_id, api_key_name, api_key_prefix, actor_name, reason, created_at)
        SELECT s.organization_id, 'provisioned', s.user_name, s.scim_id, '{}', '', '', '', '',
        '', s.created + (e * interval '1 hour')
        FROM cosmo_scim_scimuser s, generate_series(1, %(events)s) AS e""",
    """INSERT INTO cosmo_scim_invitation (organization_id, membership_id, email, status,
        created_at, expires_at, sent_at, send_attempts, last_error, accepted_at)
        SELECT organization_id, membership_id, lower(user_name),
        CASE WHEN id %% 50 = 0 THEN 'pending' ELSE 'accepted' END, created,
        created + interval '7 days', created, 1, '', created + interval '1 day'
        FROM cosmo_scim_scimuser""",
]


def request_kinds(org, scim_ids, group):
    """(label, method, path, body): each SCIM request kind against one organization."""
    from scimkit import okta_user, patch_op

    deep = max(1, len(scim_ids) - 150)
    recent = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3 * 86400))
    one, other = scim_ids[len(scim_ids) // 2], scim_ids[-1]
    kinds = [
        ("floor", "get", "/ServiceProviderConfig", None),
        ("list, first page", "get", "/Users?count=100", None),
        ("list, cold deep page", "get", f"/Users?startIndex={deep}&count=100", None),
        ("list, warm deep page", "get", f"/Users?startIndex={deep}&count=100", None),
        ("userName eq", "get", f'/Users?filter=userName eq "user000003@org{org.pk}.example"', None),
        ("userName sw", "get", '/Users?filter=userName sw "user00001"', None),
        ("externalId eq", "get", '/Users?filter=externalId eq "ext-000007"', None),
        (
            "emails.value eq",
            "get",
            f'/Users?filter=emails.value eq "USER000003@ORG{org.pk}.EXAMPLE"',
            None,
        ),
        (
            "meta.lastModified gt (3 days)",
            "get",
            f'/Users?filter=meta.lastModified gt "{recent}"',
            None,
        ),
        ("displayName co", "get", '/Users?filter=displayName co "son 1"&count=100', None),
        ("userName co", "get", '/Users?filter=userName co "5@"&count=100', None),
        ("GET by id", "get", f"/Users/{one}", None),
        ("POST", "post", "/Users", okta_user(f"new.person@org{org.pk}.example")),
        ("PUT", "put", f"/Users/{one}", okta_user(f"renamed@org{org.pk}.example")),
        (
            "PATCH active false",
            "patch",
            f"/Users/{one}",
            patch_op({"op": "replace", "value": {"active": False}}),
        ),
        ("DELETE", "delete", f"/Users/{other}", None),
        ("Groups, first page (no members)", "get", "/Groups?excludedAttributes=members", None),
        (
            "Groups, displayName eq",
            "get",
            f'/Groups?filter=displayName eq "{group.display_name}"&excludedAttributes=members',
            None,
        ),
        (
            "Group PATCH add member",
            "patch",
            f"/Groups/{group.scim_id}?excludedAttributes=members",
            patch_op({"op": "add", "path": "members", "value": [{"value": other}]}),
        ),
    ]
    return kinds


def measure_org(org, key, repeat):
    from django.db import connection, transaction
    from django.test import Client
    from plankit import captured, explain
    from scimkit import ScimClient

    from cosmo_scim.models import ScimGroup, ScimUser

    scim = ScimClient(Client(), key)
    scim_ids = list(
        ScimUser.objects.filter(organization=org).order_by("pk").values_list("scim_id", flat=True)
    )
    group = ScimGroup.objects.filter(organization=org).order_by("pk").first()
    scim.get("/ServiceProviderConfig")
    results = []
    for label, method, path, body in request_kinds(org, scim_ids, group):
        call = getattr(scim, method)
        times, sent = [], []
        for attempt in range(repeat):
            with transaction.atomic():
                with captured(connection) as statements:
                    started = time.perf_counter()
                    response = call(path, body) if body is not None else call(path)
                    times.append(time.perf_counter() - started)
                assert response.status_code < 300, (label, response.status_code, response.content)
                if attempt == 0:
                    sent = list(statements)
                transaction.set_rollback(True)
        with transaction.atomic():
            explained = explain(sent)
            transaction.set_rollback(True)
        worst = explained.worst()
        results.append(
            {
                "kind": label,
                "median_ms": round(statistics.median(times) * 1000, 2),
                "statements": len(explained.statements),
                "rows_read": explained.rows_read,
                "user_rows_read": explained.rows_of("cosmo_scim_scimuser"),
                "worst_statement": worst.describe() if worst else "",
            }
        )
    return results


def lock_waits(stop, samples):
    """Sample, every 10 ms, how many backends of the database wait on a lock."""
    import psycopg

    with psycopg.connect(f"{base.PG}/{base.BENCH_DB}", autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()
            samples.append(row[0])
            time.sleep(0.01)


COUNT_ROW_FUNCTION = """
CREATE OR REPLACE FUNCTION cosmo_scim_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cosmo_scim_scimusercount AS c (organization_id, users, changes)
            SELECT organization_id, COUNT(*), 1 FROM new_rows GROUP BY organization_id
            ON CONFLICT (organization_id) DO UPDATE
            SET users = c.users + EXCLUDED.users, changes = c.changes + 1;
    ELSE
        UPDATE cosmo_scim_scimusercount AS c SET users = c.users - gone.n,
            changes = c.changes + 1
            FROM (SELECT organization_id, COUNT(*) AS n FROM old_rows
                  GROUP BY organization_id) AS gone
            WHERE c.organization_id = gone.organization_id;
    END IF;
    RETURN NULL;
END $$;
"""


def contention(orgs, keys, seconds, clients=8):
    """POST throughput of 8 clients into one organization, and into 8 organizations; then
    the same with migration 0005's count-row trigger put back (the state before 0009),
    for comparison. Each measurement follows a 2 s warm-up of the same kind."""
    from django.apps import apps
    from django.db import connection

    from cosmo_scim.provisioning.user_count import fold

    port = base.free_port()
    proc = base.start_gunicorn(port, clients, {"Authorization": f"Bearer {keys[orgs[0].pk]}"})
    out = {}
    runs = 0
    try:
        for trigger in ("count deltas (0009)", "count row (0005)"):
            if trigger.startswith("count row"):
                for org in orgs:
                    fold(org)
                with connection.cursor() as cursor:
                    cursor.execute(COUNT_ROW_FUNCTION)
            for label, targets in (
                ("one organization", [orgs[0]] * clients),
                ("8 organizations", orgs[1 : clients + 1]),
            ):
                runs += 1
                factories = []
                for c, org in enumerate(targets):
                    counter = iter(range(10**9))

                    def make(org=org, c=c, counter=counter, run=runs):
                        slug = f"r{run}c{c}-org{org.pk}"
                        _, body = base.new_user_body(slug, next(counter))
                        return "POST", f"{base.SCIM}/Users", body, 201

                    factories.append(make)
                drive_with_keys(port, factories, targets, keys, 2)  # warm-up
                samples, stop = [], threading.Event()
                sampler = threading.Thread(target=lock_waits, args=(stop, samples), daemon=True)
                sampler.start()
                latencies, errors, wall = drive_with_keys(port, factories, targets, keys, seconds)
                stop.set()
                sampler.join()
                waiting = round(statistics.mean(samples), 2) if samples else None
                out[f"{trigger}, {label}"] = {
                    **base.summarize(latencies, wall),
                    "errors": len(errors),
                    "mean_backends_waiting_on_a_lock": waiting,
                }
    finally:
        base.stop_gunicorn(proc)
        restore = importlib.import_module("cosmo_scim.migrations.0009_tenant_indexes")
        with connection.cursor() as cursor:
            cursor.execute(restore.COUNT_DELTAS.format(**restore._count_names(apps, connection)))
    return out


def drive_with_keys(port, factories, targets, keys, seconds):
    latencies, errors = [], []
    deadline = time.monotonic() + seconds
    threads = [
        base.ClientThread(
            port,
            {"Authorization": f"Bearer {keys[org.pk]}", "Accept": base.SCIM_JSON},
            make,
            deadline,
            base.MAX_REQUESTS_PER_KIND,
            latencies,
            errors,
        )
        for make, org in zip(factories, targets, strict=True)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return latencies, errors, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--factor", type=float, default=0.02, help="size factor (1 = the full shape)"
    )
    parser.add_argument("--repeat", type=int, default=15, help="requests per kind")
    parser.add_argument("--contention-seconds", type=float, default=8)
    parser.add_argument("--db", default="cosmo_scim_bench_real")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    base.BENCH_DB, base.REDIS_DB = args.db, args.redis_db
    rng = random.Random(15)
    base.create_database()
    base.setup_django()
    try:
        started = time.perf_counter()
        orgs, sizes, keys = seed(args.factor, rng)
        seeded = time.perf_counter() - started
        by_size = sorted(orgs[:-1], key=lambda o: sizes[o.pk])
        # "sparse": the second largest, its ids spread thinly over the whole table.
        chosen = {
            "largest": by_size[-1],
            "sparse": by_size[-2],
            "median": by_size[len(by_size) // 2],
            "newest": orgs[-1],
        }
        from django.contrib.auth import get_user_model

        from cosmo_scim.models import AuditEvent, Invitation, ScimGroupMember, ScimUser

        shape = {
            "factor": args.factor,
            "organizations": len(orgs),
            "members": ScimUser.objects.count(),
            "group_links": ScimGroupMember.objects.count(),
            "audit_events": AuditEvent.objects.count(),
            "invitations": Invitation.objects.count(),
            "seconds_to_seed": round(seeded, 1),
            "measured": {name: sizes[org.pk] for name, org in chosen.items()},
        }
        print(json.dumps(shape, indent=2))
        results = {"shape": shape, "kinds": {}}
        superuser = get_user_model().objects.create_superuser(email="bench@admin.example")
        for name, org in chosen.items():
            results["kinds"][name] = measure_org(org, keys[org.pk], args.repeat)
            results["kinds"][name] += tenant_reads.measure(org, sizes[org.pk], superuser)
        results["contention"] = contention(orgs, keys, args.contention_seconds)
        report(results)
        path = args.json or Path(__file__).parent / "results" / f"realistic-{args.factor}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(results, indent=2))
    finally:
        import redis

        redis.Redis(host=base.HOST, db=args.redis_db).flushdb()  # the POSTs' queued emails
        if not args.keep_db:
            base.drop_database()


def report(results):
    names = list(results["kinds"])
    sizes = results["shape"]["measured"]
    header = " | ".join(f"{n} ({sizes[n]:,}): ms / rows / user rows" for n in names)
    print(f"| kind | {header} |")
    print("| --- |" + " ---: |" * len(names))
    kinds = [k["kind"] for k in results["kinds"][names[0]]]
    for i, kind in enumerate(kinds):
        cells = [
            "{median_ms} / {rows_read:,} / {user_rows_read:,}".format(**results["kinds"][n][i])
            if "median_ms" in results["kinds"][n][i]
            else "rows {rows_read:,} (bound {bound:,}; biggest: {biggest_scan})".format(
                **results["kinds"][n][i]
            )
            for n in names
        ]
        print(f"| {kind} | " + " | ".join(cells) + " |")
    print(json.dumps(results["contention"], indent=2))


if __name__ == "__main__":
    main()
