"""Reading a source from its address: redirects, errors and limits, on loopback."""

import http.server
import threading

import pytest
from django.utils import translation

from interop.imports import fetch

PORT = 18612


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def server(settings):
    settings.IMPORT_ALLOW_PRIVATE_HOSTS = True

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/feed")
                self.end_headers()
            elif self.path == "/loop":
                self.send_response(301)
                self.send_header("Location", "/loop")
                self.end_headers()
            elif self.path == "/feed":
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"BEGIN:VCALENDAR")
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{PORT}"
    httpd.shutdown()
    httpd.server_close()


def test_a_redirect_is_followed(server):
    assert fetch.fetch_url(f"{server}/moved") == b"BEGIN:VCALENDAR"


def test_a_redirect_loop_an_error_status_and_a_bad_scheme_are_refused(server):
    with pytest.raises(fetch.FetchError, match="redirects too many times"):
        fetch.fetch_url(f"{server}/loop")
    with pytest.raises(fetch.FetchError, match="error 404"):
        fetch.fetch_url(f"{server}/nothing")
    with pytest.raises(fetch.FetchError, match="http:// or https://"):
        fetch.fetch_url("file:///etc/passwd")


def test_private_loopback_and_link_local_hosts_are_refused_unless_allowed(settings):
    settings.IMPORT_ALLOW_PRIVATE_HOSTS = False
    for url in ("http://127.0.0.1/feed", "http://[::1]/feed", "http://10.0.0.1/feed",
                "http://169.254.169.254/latest/meta-data/"):  # fmt: skip
        with pytest.raises(fetch.FetchError, match="private network"):
            fetch.check_url(url)
