"""Running the project in other processes against the test's database: `manage.py` commands and a real server.

What several processes of one install share (the cache, rate-limit counters, locks) can only be tested from several
processes. On PostgreSQL they use the test database itself (the test must commit: `transaction=True`). On SQLite the
test database lives in memory, so `SubprocessDatabase` copies it into a file with SQLite's online backup, hands that
file to the processes, and `sync()` copies it back so that the test can read the result through the ORM.
"""

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.db import connection

PROJECT = Path(__file__).resolve().parent.parent
SERVER_START_SECONDS = 60


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def postgres_url(name: str) -> str:
    """A DATABASE_URL for database `name` on the server (and with the credentials) of the test database."""
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{name}"


def process_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a production-like process of the project: DEBUG off, a real key, the default cache."""
    # Left out: what the test session itself sets (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, which
    # `check --deploy` rightly refuses) and what would change the defaults under test.
    dropped = ("CACHE_URL", "DEBUG", "PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="test-" + secrets.token_urlsafe(40),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="ikm_registry.settings",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` in another process; its output is returned (and shown when it fails)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def python(env: dict[str, str], code: str, *, timeout: float = 120) -> str:
    """Run `code` in `manage.py shell` (Django set up, the given environment) and return what it printed."""
    return manage(env, "shell", "--no-imports", "-c", code, timeout=timeout).stdout


class SubprocessDatabase:
    """The test database, reachable from other processes (see the module docstring)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.file = None
        if is_postgresql():
            self.url = postgres_url(connection.settings_dict["NAME"])
        else:
            self.file = tmp_path / "shared.sqlite3"
            self.url = f"sqlite:///{self.file}"

    def __enter__(self):
        if self.file is not None:
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()
        return self

    def sync(self) -> None:
        """Make what the other processes wrote visible to the test's own connection."""
        if self.file is not None:
            source = sqlite3.connect(self.file)
            connection.ensure_connection()
            source.backup(connection.connection)
            source.close()

    def __exit__(self, *exc):
        self.sync()

    def env(self, **overrides: str) -> dict[str, str]:
        return process_env(self.url, **overrides)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`manage.py runserver` (threaded, no autoreload) in its own process, for as long as the `with` block runs."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = None
        self.process = None

    def __enter__(self):
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"ikm-test-server-{self.port}.log", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{self.port}"],
            cwd=PROJECT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server did not start:\n{self.output()}") from None
                time.sleep(0.2)

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        os.unlink(self.log.name)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
        """(status, body) of a GET, or a POST when `data` is given; redirects are not followed."""
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with NO_REDIRECTS.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def response(self, path: str):
        """The whole response of a GET (headers included)."""
        return NO_REDIRECTS.open(self.base + path, timeout=60)

    def headers(self, path: str, headers: dict | None = None) -> tuple[int, dict]:
        """(status, response headers) of a GET; redirects are not followed."""
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with NO_REDIRECTS.open(request, timeout=60) as response:
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)

    def get(self, path: str) -> str:
        status, body = self.request(path)
        assert status == 200, f"GET {path}: {status}\n{body[:500]}"
        return body


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECTS = urllib.request.build_opener(_NoRedirects)
