"""A small HTTP client for the benchmarks: urllib, cookies, CSRF, forms; loopback only.

Redirects are not followed: a 302 is an answer the benchmark checks. Every request refuses any
host but 127.0.0.1, so a mistake cannot send traffic elsewhere.
"""

import http.cookiejar
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

LOOPBACK = "127.0.0.1"
TIMEOUT_SECONDS = 600


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """One browser-like client: its own cookie jar (session, CSRF token, language)."""

    def __init__(self, base_url: str):
        if urllib.parse.urlsplit(base_url).hostname != LOOPBACK:
            raise ValueError(f"The benchmarks talk to {LOOPBACK} only, not {base_url}.")
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, path, *, data=None, headers=None) -> Response:
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers or {})
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
                status, answer_headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, body = error.code, error.headers, error.read()
        return Response(status, dict(answer_headers.items()), body, time.perf_counter() - start)

    def get(self, path, **headers) -> Response:
        return self.request(path, headers=headers)

    def post(self, path, fields, files=None) -> Response:
        """POST a form (multipart when there are files) with the CSRF token of the cookie."""
        fields = [*fields, ("csrfmiddlewaretoken", self.csrf_token())]
        if files:
            body, content_type = _multipart(fields, files)
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request(path, data=body, headers={"Content-Type": content_type})

    def csrf_token(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def log_in(self, username, password) -> None:
        self.get("/accounts/login/")
        answer = self.post("/accounts/login/", [("username", username), ("password", password)])
        if answer.status != 302:
            raise RuntimeError(f"{username} could not log in (HTTP {answer.status}).")


def _multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (file_name, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{file_name}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _FormParser(HTMLParser):
    """The fields a browser would send for the first form with method="post" in <main>."""

    def __init__(self):
        super().__init__()
        self.fields = []
        self.in_main = self.in_form = self.done = False
        self.select = self.textarea = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        post = attrs.get("method", "").lower() == "post"
        if tag == "form" and self.in_main and post and not self.done:
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input":
            self._input(attrs)
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.text = attrs.get("name"), []

    def _input(self, attrs):
        kind = attrs.get("type", "text").lower()
        if not attrs.get("name") or kind in ("submit", "button", "file", "image", "reset"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        self.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, "".join(self.text).removeprefix("\n")))
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def form_fields(html: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of the page's first POST form, as a browser would submit them,
    without the CSRF token (Session.post adds the current one)."""
    parser = _FormParser()
    parser.feed(html)
    return [(name, value) for name, value in parser.fields if name != "csrfmiddlewaretoken"]


class Recorder:
    """Thread-safe tally of requests: latency per kind, and every failure with its cause."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seconds = {}
        self.errors = []

    def add(self, kind, seconds, error=None):
        with self.lock:
            self.seconds.setdefault(kind, []).append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")

    def all_seconds(self):
        return [s for values in self.seconds.values() for s in values]


def percentile(values, share) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_clients(sessions, work, *, seconds: float, max_requests: int) -> tuple[Recorder, float]:
    """Each session in its own thread calls `work(session, recorder, number)` until the time
    or the shared request budget is spent. Returns the recorder and the elapsed wall time."""
    recorder = Recorder()
    budget = iter(range(max_requests))
    budget_lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop(session):
        while time.perf_counter() < deadline:
            with budget_lock:
                number = next(budget, None)
            if number is None:
                return
            work(session, recorder, number)

    threads = [threading.Thread(target=loop, args=(s,)) for s in sessions]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, time.perf_counter() - start
