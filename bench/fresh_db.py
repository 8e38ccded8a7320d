"""A benchmark's own database: a fresh `test_<name>` one on the server DATABASE_URL names
(dropped by the caller), else a migrated SQLite file in `folder`."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(folder: Path, configure=None) -> bool:
    """Set Django up on the benchmark's database; `configure(settings)` runs before it is
    migrated. True when a server database was created (the caller drops it)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    fresh_server_db = "DATABASE_URL" in os.environ
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spi_portal.settings")
    import django
    from django.conf import settings

    django.setup()
    if configure is not None:
        configure(settings)
    from django.core.management import call_command
    from django.db import connection

    if fresh_server_db:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    return fresh_server_db
