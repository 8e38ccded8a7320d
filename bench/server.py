"""The benchmark's own PostgreSQL database and gunicorn, both created and removed by the scripts."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def bench_environment(database_name: str, folder: Path) -> dict:
    """Production settings (DEBUG off, whitenoise, hashed static files, Redis cache) on plain
    HTTP at 127.0.0.1, with the benchmark's own database, static and media folders."""
    return {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key",
        "DEBUG": "0",
        "DATABASE_URL": f"{PG_SERVER}/{database_name}",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "REDIS_URL": REDIS_URL if _redis_answers() else "",
        "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "spi_portal.settings",
    }


def _redis_answers() -> bool:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def cache_forget(environment: dict) -> None:
    """Delete the benchmark's keys (its own prefix) from Redis; nothing else there is touched."""
    if not environment["REDIS_URL"]:
        return
    import redis

    client = redis.Redis.from_url(environment["REDIS_URL"])
    keys = list(client.scan_iter(match=f"{environment['CACHE_KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)


def database_create(name: str) -> None:
    _psql(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _psql(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{PG_SERVER}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(environment: dict, *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, check=True)


@contextlib.contextmanager
def gunicorn(environment: dict, *, workers: int = WORKERS):
    """gunicorn spi_portal.wsgi on 127.0.0.1 (sync workers); yields its base URL."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "spi_portal.wsgi:application",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--timeout=180",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=environment)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def worker_cpu_seconds(base_url: str) -> float:
    """User plus system CPU so far of the gunicorn workers serving `base_url`, from
    /proc/<pid>/stat (utime + stime). Workers are forked from the master, so they share its
    command line (with its --bind); the master itself (whose parent does not) is left out."""
    bind = f"--bind={base_url.removeprefix('http://')}".encode()
    serving = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if bind not in (entry / "cmdline").read_bytes().split(b"\0"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # after the name: state ppid ... utime (14th field of the line) stime (15th)
        serving[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    ticks = sum(cpu for ppid, cpu in serving.values() if ppid in serving)
    return ticks / os.sysconf("SC_CLK_TCK")


def _wait_until_up(base_url, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(base_url + "/accounts/login/", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {base_url} within {seconds} s")
