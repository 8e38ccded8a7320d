"""Real app servers for tests: gunicorn processes on loopback ports sharing PostgreSQL and Redis.

    with deployment(tmp_path) as portal:
        portal.manage("load_methodology")
        a, b = portal.start_server(), portal.start_server()
        browser = Browser()
        browser.get(a.url("/accounts/login/"))

Each deployment gets its own PostgreSQL database (created, then dropped) and its own cache key
prefix in Redis (deleted afterwards), so it never touches another test run's data. If PostgreSQL or
Redis is not running, the deployment fails loudly.
"""

import http.cookiejar
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import redis

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
INHERITED_SETTINGS = ("DEBUG", "DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "ALLOWED_HOSTS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def scratch_database():
    """A new, empty PostgreSQL database; yields its URL and drops it afterwards."""
    name = f"spi_scratch_{secrets.token_hex(6)}"
    admin = psycopg2.connect(f"{POSTGRES_URL}/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield f"{POSTGRES_URL}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def scratch_cache_prefix():
    """A cache key prefix of its own in the shared Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    prefix = f"spi-test-{secrets.token_hex(6)}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()


@dataclass
class AppServer:
    process: subprocess.Popen
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Deployment:
    """Production settings (DEBUG off, hashed static files) on plain loopback HTTP."""

    env: dict = field(repr=False)
    folder: Path
    stack: ExitStack = field(repr=False)
    servers: list = field(default_factory=list)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def start_server(self, workers: int = 1, options: tuple[str, ...] = ()) -> AppServer:
        port = free_port()
        log = self.folder / f"gunicorn-{port}.log"
        command = [sys.executable, "-m", "gunicorn", "spi_portal.wsgi"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), *options]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        server = AppServer(process, port, log)
        self.stack.callback(server.stop)
        wait_until_serving(server)
        self.servers.append(server)
        return server


def wait_until_serving(server: AppServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.url("/accounts/login/"), timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # TimeoutError: busy machine
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{server.log.read_text()}")


@contextmanager
def deployment(folder: Path, *, redis: bool = True):
    """Migrated database, collected static files, shared media folder; servers started on demand.

    Without `redis` there is no REDIS_URL: each process has its own memory cache, as in a
    deployment that never set one up.
    """
    with ExitStack() as stack:
        env = {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}
        env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            SECURE_COOKIES="0",
            DATABASE_URL=stack.enter_context(scratch_database()),
            STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
        )
        if redis:
            prefix = stack.enter_context(scratch_cache_prefix())
            env.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix)
        portal = Deployment(env=env, folder=folder, stack=stack)
        portal.manage("migrate", "--noinput")
        portal.manage("collectstatic", "--noinput")
        yield portal


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: dict
    text: str


class Browser:
    """One user's cookies across every server (cookies ignore the port, as behind a balancer)."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )

    def get(self, url: str) -> Response:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, data: dict | None = None) -> Response:
        form = {**(data or {}), "csrfmiddlewaretoken": self.cookie("csrftoken")}
        body = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def _open(self, request) -> Response:
        try:
            with self.opener.open(request, timeout=30) as reply:
                return Response(reply.status, dict(reply.headers), reply.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read().decode())
