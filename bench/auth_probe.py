#!/usr/bin/env python
"""Side-by-side probe: cosmo_scim against a naive django-scim2 integration (bench/vanilla/),
for the two requests that are mostly authentication — the authenticated floor
(``GET /ServiceProviderConfig``) and GET of one user by id — and for the reads an IdP's
import makes: the first page of /Users (100 a page) and ``userName eq``.

    python bench/auth_probe.py                 # N = 100,000 (~2 minutes)
    python bench/auth_probe.py --users 10000 --rounds 3
    # options: --clients 4  --workers 2  --slice S (seconds, default 2)  --rounds R (4)
    #          --profile (py-spy raw stacks of both servers' GET by id)  --keep-db

1. seeds cosmo_scim's database (two Enterprise organizations of N members with
   bench/scim_bench.py's set-based seeding; the probe reads the *second*, whose rows follow
   the first's 100,000) and the vanilla project's (N users of django-scim2's user model,
   set-based too), each on PostgreSQL, then VACUUM ANALYZE;
2. starts each under ``gunicorn -w 2`` (sync workers, CONN_MAX_AGE=600, DEBUG off; cosmo
   with Redis as its cache, as in production);
3. drives the same request kinds with the same clients against each, in rotating slices
   (cosmo, cosmo_db, vanilla; then cosmo_db, vanilla, cosmo; …) so a slow spell of this
   shared machine falls on all alike, and prints medians, p95 and throughput. ``cosmo_db``
   is cosmo_scim without a shared cache (Django's per-process LocMemCache): no key is
   remembered and each request reads it from the database, as before key_cache.py.

cosmo_scim authenticates an organization API key (a remembered one: key_cache.py) and
checks the plan; vanilla compares one static token from the environment. Keys and the
token stay in this process and its children; they are neither printed nor written.
"""

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

import scim_bench as cosmo  # bench/ is on sys.path when this file runs

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
COSMO_DB = "cosmo_scim_probe"
VANILLA_DB = "cosmo_scim_probe_vanilla"
SCIM_JSON = "application/scim+json"


def vanilla_env(token):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DATABASE_URL": f"{cosmo.PG}/{VANILLA_DB}",
            "DJANGO_SETTINGS_MODULE": "vanilla.settings",
            "PYTHONPATH": str(BENCH),
            "VANILLA_TOKEN": token,
            "CONN_MAX_AGE": "600",
        }
    )
    return env


def seed_vanilla(n, token):
    """N users of django-scim2's user model, ``scim_id`` = the row id as django-scim2 sets
    it on save; returns a sample of their ids."""
    import psycopg

    cosmo.admin_sql(f"DROP DATABASE IF EXISTS {VANILLA_DB} WITH (FORCE)")
    cosmo.admin_sql(f"CREATE DATABASE {VANILLA_DB}")
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity=0"],
        env=vanilla_env(token),
        cwd=BENCH,
        check=True,
    )
    with psycopg.connect(f"{cosmo.PG}/{VANILLA_DB}", autocommit=True) as conn:
        conn.execute(
            """INSERT INTO vanilla_user (password, is_superuser, username, first_name,
            last_name, email, is_staff, is_active, date_joined, scim_username,
            scim_external_id)
            SELECT '!bench-unusable', false, 'user' || lpad(i::text, 6, '0'), 'Given' || i,
            'Family' || i, 'user' || lpad(i::text, 6, '0') || '@vanilla.example', false,
            true, now(), 'User' || lpad(i::text, 6, '0') || '@Vanilla.example',
            'ext-' || lpad(i::text, 6, '0')
            FROM generate_series(0, %s - 1) AS i""",
            [n],
        )
        conn.execute("UPDATE vanilla_user SET scim_id = id::text")
        conn.execute("VACUUM ANALYZE")
        rows = conn.execute("SELECT scim_id FROM vanilla_user ORDER BY random() LIMIT 4000")
        return [row[0] for row in rows]


def start(module, env, port, workers, cwd, headers):
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            module,
            f"--workers={workers}",
            f"--bind={cosmo.HOST}:{port}",
            "--log-level=warning",
            "--timeout=60",
        ],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while len(cosmo.worker_pids(proc.pid)) < workers or not _answers(port, headers):
        if proc.poll() is not None or time.monotonic() > deadline:
            cosmo.stop_gunicorn(proc)
            raise SystemExit(f"{module} did not start")
        time.sleep(0.2)
    return proc


def _answers(port, headers):
    import http.client

    try:
        conn = http.client.HTTPConnection(cosmo.HOST, port, timeout=2)
        conn.request("GET", "/scim/v2/ServiceProviderConfig", headers=headers)
        conn.getresponse().read()
        conn.close()
        return True
    except OSError:
        return False


class Side:
    def __init__(self, name, port, headers, ids, names, proc):
        self.name, self.port, self.headers, self.proc = name, port, headers, proc
        self.ids, self.names = ids, names

    def kinds(self, rng):
        ids, names = self.ids, self.names
        return {
            "floor": lambda: ("GET", "/scim/v2/ServiceProviderConfig", None, 200),
            "get_by_id": lambda: ("GET", f"/scim/v2/Users/{rng.choice(ids)}", None, 200),
            "list_first": lambda: ("GET", "/scim/v2/Users?startIndex=1&count=100", None, 200),
            "username_eq": lambda: (
                "GET",
                "/scim/v2/Users" + cosmo.q({"filter": f'userName eq "{rng.choice(names)}"'}),
                None,
                200,
            ),
        }


KINDS = ("floor", "get_by_id", "list_first", "username_eq")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slice", type=float, default=2.0, help="seconds per slice")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--redis-db", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated, of " + ", ".join(KINDS)
    )
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "auth-probe.json")
    args = parser.parse_args()
    cosmo.BENCH_DB, cosmo.REDIS_DB = COSMO_DB, args.redis_db

    t0 = time.perf_counter()
    cosmo.create_database()
    cosmo.setup_django()
    cosmo.seed_org("first", args.users)
    org, key = cosmo.seed_org("second", args.users)
    cosmo.vacuum_analyze()
    from cosmo_scim.models import ScimUser

    cosmo_ids = list(
        ScimUser.objects.filter(organization=org)
        .order_by("?")
        .values_list("scim_id", flat=True)[:4000]
    )
    # Looked up in lower case, as Okta sends them (userName is caseExact false).
    cosmo_names = [cosmo.user_name("second", i).lower() for i in range(0, args.users, 97)]
    facts = cosmo.machine_facts()
    from django.db import connections

    connections.close_all()
    token = secrets.token_urlsafe(32)
    vanilla_ids = seed_vanilla(args.users, token)
    vanilla_names = [f"user{i:06d}@vanilla.example" for i in range(0, args.users, 97)]
    kinds = [kind for kind in args.kinds.split(",") if kind]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise SystemExit(f"unknown kinds: {', '.join(sorted(unknown))}")
    print(f"seeded in {time.perf_counter() - t0:.1f} s", flush=True)

    bearer = {"Accept": SCIM_JSON}
    sides = []
    try:
        cosmo_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        cosmo_env.update(cosmo.bench_env())
        # The same code with Django's per-process cache: no key is remembered, each request
        # reads it from the database (what authentication cost before key_cache.py).
        db_auth_env = {k: v for k, v in cosmo_env.items() if k != "CACHE_URL"}
        for name, module, env, cwd, secret, ids, names in (
            ("cosmo_scim", "cosmo_project.wsgi", cosmo_env, ROOT, key, cosmo_ids, cosmo_names),
            ("cosmo_scim_db", "cosmo_project.wsgi", db_auth_env, ROOT, key, cosmo_ids, cosmo_names),
            (
                "django-scim2",
                "vanilla.wsgi",
                vanilla_env(token),
                BENCH,
                token,
                vanilla_ids,
                vanilla_names,
            ),
        ):
            port = cosmo.free_port()
            headers = {**bearer, "Authorization": f"Bearer {secret}"}
            proc = start(module, env, port, args.workers, cwd, headers)
            sides.append(Side(name, port, headers, ids, names, proc))
        results = {side.name: {kind: [] for kind in kinds} for side in sides}
        rng = random.Random(42)
        for round_ in range(args.rounds):
            order = sides[round_ % len(sides) :] + sides[: round_ % len(sides)]
            for kind in kinds:
                for side in order:
                    make = side.kinds(rng)[kind]
                    profiling = []
                    if args.profile and kind == "get_by_id" and round_ == args.rounds - 1:
                        profiling = cosmo.profile_workers(
                            cosmo.worker_pids(side.proc.pid),
                            args.slice,
                            args.json.parent,
                            f"probe-{side.name}",
                        )
                    latencies, errors, _ = cosmo.drive(
                        side.port,
                        side.headers,
                        [make] * args.clients,
                        args.slice,
                        warmup=0.5 if round_ == 0 else 0.1,
                    )
                    for p in profiling:
                        p.wait()
                    if errors:
                        print(f"{side.name} {kind}: {len(errors)} errors, e.g. {errors[0]}")
                    results[side.name][kind] += latencies
        summary = {
            name: {kind: cosmo.summarize(lat, args.slice * args.rounds) for kind, lat in by.items()}
            for name, by in results.items()
        }
    finally:
        for side in sides:
            cosmo.stop_gunicorn(side.proc)
        import redis

        redis.Redis(host=cosmo.HOST, port=6379, db=args.redis_db).flushdb()
        if not args.keep_db:
            cosmo.drop_database()
            cosmo.admin_sql(f"DROP DATABASE IF EXISTS {VANILLA_DB} WITH (FORCE)")

    print(
        f"\n{args.users:,} users, {args.clients} clients, gunicorn -w {args.workers}, "
        f"{args.rounds} × {args.slice} s slices per kind and side, alternating"
    )
    print(f"{'kind':<12} {'side':<14} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'req/s':>7}")
    for kind in kinds:
        for name in summary:
            row = {"median_ms": "-", "p95_ms": "-", "rps": 0, **summary[name][kind]}
            print(
                f"{kind:<12} {name:<14} {row['requests']:>8} {row['median_ms']:>10} "
                f"{row['p95_ms']:>8} {row['rps']:>7}"
            )
        cosmo_median = summary["cosmo_scim"][kind].get("median_ms")
        vanilla_median = summary["django-scim2"][kind].get("median_ms")
        if cosmo_median and vanilla_median:
            print(
                f"{'':<12} django-scim2's median ÷ cosmo_scim's: "
                f"{vanilla_median / cosmo_median:.2f}"
            )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"users": args.users, "machine": facts, "results": summary}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
