"""What the README promises about running Cosmo: `make demo PORT=…` serves, prints and mails
links on that port; the EMAIL_URL examples mean what the table says; with DEBUG off the
admin still has its CSS (WhiteNoise serving `collectstatic`'s output)."""

import email
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import environ
import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env(tmp_path, **extra):
    """The environment of a Cosmo process of its own: a scratch SQLite database, eager
    Celery, this checkout on the path."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in (
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "DEBUG",
            "EMAIL_URL",
            "PUBLIC_BASE_URL",
            "STATIC_ROOT",
        )
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


# -- EMAIL_URL ----------------------------------------------------------------------------


def email_url_examples():
    row = next(line for line in README.splitlines() if line.startswith("| `EMAIL_URL` |"))
    return re.findall(r"`([a-z+]+://[^`]*)`", row)


def test_the_readme_documents_each_email_url_form():
    schemes = [example.split("://")[0] for example in email_url_examples()]
    assert schemes == [
        "consolemail",
        "consolemail",
        "filemail",
        "filemail",
        "smtp",
        "smtp+tls",
        "smtp+ssl",
    ]


def test_the_filemail_form_the_readme_warns_about_is_a_relative_path():
    _, warned = [e for e in email_url_examples() if e.startswith("filemail://")]
    assert warned == "filemail:///var/mail/cosmo"
    assert environ.Env.email_url_config(warned)["EMAIL_FILE_PATH"] == "var/mail/cosmo"


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("filemail", {"EMAIL_FILE_PATH": "/var/mail/cosmo"}),
        ("smtp", {"EMAIL_HOST": "relay.internal", "EMAIL_PORT": 25}),
        (
            "smtp+tls",
            {
                "EMAIL_HOST": "smtp.example.com",
                "EMAIL_PORT": 587,
                "EMAIL_USE_TLS": True,
                "EMAIL_HOST_USER": "apikey",
                "EMAIL_HOST_PASSWORD": "p@ss/word",
            },
        ),
        ("smtp+ssl", {"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
    ],
)
def test_each_email_url_example_means_what_the_table_says(scheme, expected):
    example = next(e for e in email_url_examples() if e.startswith(f"{scheme}://"))
    config = environ.Env.email_url_config(example)
    assert {name: config.get(name) for name in expected} == expected
    if scheme == "smtp+tls":
        assert not config.get("EMAIL_USE_SSL")


def manage(tmp_path, *args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=subprocess_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.processes
def test_filemail_with_an_absolute_directory_writes_there_and_nowhere_else(tmp_path):
    """django-environ reads ``filemail:///var/mail`` as the relative path ``var/mail``:
    the README's form has a fourth slash."""
    outbox, workdir = tmp_path / "outbox", tmp_path / "work"
    workdir.mkdir()
    example = next(e for e in email_url_examples() if e.startswith("filemail://"))
    url = example.replace("/var/mail/cosmo", str(outbox))
    assert url == f"filemail:///{outbox}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "sendtestemail", "ops@acme.example"],
        cwd=workdir,
        env=subprocess_env(tmp_path, EMAIL_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (sent,) = outbox.iterdir()
    assert "To: ops@acme.example" in sent.read_text()
    assert list(workdir.iterdir()) == []


@pytest.mark.processes
def test_smtp_url_delivers_to_a_real_smtp_server(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Recorder(Sink):
        received = []

        async def handle_DATA(self, server, session, envelope):
            self.received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Recorder(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = manage(
            tmp_path, "sendtestemail", "ops@acme.example", EMAIL_URL=f"smtp://127.0.0.1:{port}"
        )
    finally:
        controller.stop()
    assert result.returncode == 0, result.stderr
    (envelope,) = Recorder.received
    assert envelope.rcpt_tos == ["ops@acme.example"]


# -- static files with DEBUG off ----------------------------------------------------------


def test_with_debug_off_the_admin_css_is_served_after_collectstatic(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a fresh handler: WhiteNoise reads STATIC_ROOT when it starts
    login = client.get("/admin/login/").content.decode()
    css = re.search(r'href="(/static/admin/css/[^"]+\.css)"', login)[1]
    response = client.get(css)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert b"".join(response.streaming_content)


# -- make demo PORT=… ---------------------------------------------------------------------


def read_until(process, predicate, timeout=120):
    deadline, lines = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if predicate(line):
            return lines
    raise AssertionError("".join(lines))


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.processes
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the demo's database is the SQLite default"
)
def test_make_demo_on_another_port_prints_and_mails_links_with_that_port(tmp_path):
    """The README's `make demo` with PORT (and DEBUG=0, as in production: the admin keeps
    its CSS). The virtual environment is this one: its `.installed` stamp is made fresh, so
    make installs nothing."""
    port, venv, outbox = free_port(), tmp_path / "venv", tmp_path / "outbox"
    venv.mkdir()
    (venv / ".installed").touch()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "demo",
            f"PORT={port}",
            "DEBUG=0",
            f"VENV={venv}",
            f"PY={sys.executable}",
        ],
        cwd=ROOT,
        env=subprocess_env(tmp_path, EMAIL_URL=f"filemail:///{outbox}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = read_until(process, lambda line: "Try it" in line)
        printed = "".join(lines)
        assert f"SCIM base URL: {base}/scim/v2/" in printed
        assert "8000" not in printed
        curl = lines[-1].split(":", 1)[1].strip()
        assert curl.endswith(f" {base}/scim/v2/Users")
        wait_for(f"{base}/admin/login/")

        result = subprocess.run(
            [*shlex.split(curl), "--silent", "--fail"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        assert '"totalResults"' in result.stdout

        key = re.search(r"Bearer (\S+)\"", curl)[1]
        body = (
            '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],'
            '"userName":"jane@acme.example","name":{"givenName":"Jane","familyName":"Doe"},'
            '"emails":[{"value":"jane@acme.example","primary":true}]}'
        )
        request = urllib.request.Request(
            f"{base}/scim/v2/Users",
            data=body.encode(),
            method="POST",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"},
        )
        assert urllib.request.urlopen(request, timeout=30).status == 201
        (mail,) = outbox.iterdir()
        message = email.message_from_string(mail.read_text())
        text = "".join(
            part.get_payload(decode=True).decode()
            for part in message.walk()
            if not part.is_multipart()
        )
        links = re.findall(r"https?://[^\s\"<>]+", text)
        assert links and all(link.startswith(f"{base}/") for link in links), links

        login = wait_for(f"{base}/admin/login/").read().decode()
        css = re.search(r'href="(/static/admin/css/[^"]+\.css)"', login)[1]
        assert wait_for(f"{base}{css}").status == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
