"""Serves the Chalice app on 127.0.0.1 the way API Gateway would, for the laptop stack.

Unknown paths get a problem+json 404 (API Gateway is configured the same way in AWS) rather
than `chalice local`'s bare 403.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from typing import Any

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalChalice, LocalDevServer, ThreadedHTTPServer

# Like a Lambda function's reserved concurrency: at most this many requests run at once, the
# rest wait their turn, so a burst cannot swamp the emulator (which serves ~300 requests/s).
_running = threading.BoundedSemaphore(int(os.environ.get("ONSALE_API_CONCURRENCY", "16")))


class ProblemRequestHandler(ChaliceRequestHandler):
    # Headers and body go out as two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True

    def _generic_handle(self) -> None:
        with _running:
            super()._generic_handle()

    # chalice binds these to its own `_generic_handle` at class creation: rebind them here.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _send_error_response(self, error: Any) -> None:  # chalice's hook for gateway errors
        code = getattr(error, "CODE", 500)
        if code == 403 and b"Missing Authentication Token" in getattr(error, "body", b""):
            body = json.dumps(
                {
                    "type": "https://onsale.dev/problems/not-found",
                    "title": "Nothing lives at this address",
                    "status": 404,
                    "detail": f"No route for {self.command} {self.path.split('?')[0]}",
                    "code": "not_found",
                }
            ).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super()._send_error_response(error)


class ApiServer(ThreadedHTTPServer):
    # socketserver's default backlog of 5 resets connections when hundreds of fans arrive at once.
    request_queue_size = 1024


class SharedPortApiServer(ApiServer):
    # Several API processes share the port (`ONSALE_API_WORKERS` > 1); the kernel spreads
    # connections over them, as API Gateway spreads requests over Lambda instances. Only then:
    # otherwise a forgotten server on the port must make this one fail, not share with it.
    allow_reuse_port = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("ONSALE_API_PORT", "8000")))
    parser.add_argument("--shared-port", action="store_true", help="one of several workers on the port")
    args = parser.parse_args()
    from app import app

    # As `chalice local` does: one current request per thread, never shared between callers.
    app.__class__ = type("ThreadLocalOnsale", (LocalChalice, type(app)), {})
    config = Config(chalice_stage="local", user_provided_params={"app_name": "onsale"})
    server = LocalDevServer(
        app,
        config,
        "127.0.0.1",
        args.port,
        handler_cls=ProblemRequestHandler,
        server_cls=SharedPortApiServer if args.shared_port else ApiServer,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
