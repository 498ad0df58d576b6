"""A non-Node server under hotcycle's native driver, unmodified but for systemd's convention.

It takes its listening socket from LISTEN_FDS (fd 3, as sd_listen_fds would), reads its
generation's frozen config from HOTCYCLE_CONFIG_DIR, reports ready with READY=1 on
HOTCYCLE_NOTIFY_FD, and on SIGTERM stops accepting and finishes its requests.
"""
import json
import os
import signal
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN_FDS_START = 3

if os.environ.get("LISTEN_PID") != str(os.getpid()) or int(os.environ.get("LISTEN_FDS", "0")) < 1:
    raise SystemExit("no listening socket passed (LISTEN_FDS/LISTEN_PID)")
listener = socket.socket(fileno=LISTEN_FDS_START)
with open(os.path.join(os.environ["HOTCYCLE_CONFIG_DIR"], "settings.json"), encoding="utf-8") as f:
    settings = json.load(f)
generation = os.environ.get("HOTCYCLE_GENERATION", "?")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: a drain never waits on idle ones

    def do_GET(self):
        body = b"ok\n" if self.path == "/healthz" else f"{settings['greeting']} from python\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Generation", generation)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class InheritedServer(ThreadingHTTPServer):
    """Serves on the inherited socket: no bind, no listen of its own."""

    # ThreadingHTTPServer's request threads are daemons, which server_close() does not join:
    # the process would exit under a request still being answered, and the kernel reset it.
    daemon_threads = False

    def __init__(self, sock):
        super().__init__(sock.getsockname()[:2], Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock


server = InheritedServer(listener)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
os.write(int(os.environ["HOTCYCLE_NOTIFY_FD"]), b"READY=1\n")
server.serve_forever()
server.server_close()  # joins the threads still answering
