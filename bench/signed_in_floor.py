"""The floor under every staff page: what a signed-in request costs before the page does anything.

Beside the trivial view and the dashboard (whose content is all cached, actionplans.fragments),
two hand-written views are added to the URLs for this run only: `floor/plain` answers a fixed
string after `login_required` (session, user: the middleware's share), `floor/menu` renders
base.html around an empty content (the menu and its counts: the template's share). In-process
CPU per request on page_cpu.py's 10x database; from the project folder:

    SECRET_KEY=x .venv/bin/python bench/signed_in_floor.py [--requests 60]
"""

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import page_cpu  # noqa: E402


def _add_floor_views():
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.urls import clear_url_caches, path

    from spi_portal import urls

    def plain(request):
        return HttpResponse("signed in")

    def menu(request):
        return render(request, "cached_page.html", {"title": "floor", "body": ""})

    urls.urlpatterns += [
        path("floor/plain", login_required(plain)),
        path("floor/menu", login_required(menu)),
    ]
    clear_url_caches()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    arguments = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench")
    with page_cpu.page_database("spi_page_cpu_1000", size=1000, fresh=False, drop=False):
        _add_floor_views()
        clients = page_cpu._clients()
        pages = [
            ("trivial /healthz", None, "/healthz"),
            ("signed in, fixed text", "inspector", "/floor/plain"),
            ("signed in, base.html", "inspector", "/floor/menu"),
            ("dashboard (cached)", "inspector", "/dashboard/"),
            ("plan list (cached)", "inspector", "/plans/"),
        ]
        print(f"load average before: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for label, who, url in pages:
            client = clients[who]
            figures = page_cpu.measure(
                lambda c=client, u=url: page_cpu._get(c, u), requests=arguments.requests, warm=5
            )
            queries = page_cpu._queries(client, url)
            median, least = figures["cpu_ms_median"], figures["cpu_ms_min"]
            print(f"{label:24} CPU {median:6.2f} ms (min {least:5.2f})  queries {queries}")


if __name__ == "__main__":
    main()
