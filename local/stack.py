"""`make run`: the whole of Onsale on one laptop, with no AWS account.

Starts the AWS emulator, provisions it with the shared bootstrap, seeds the demo catalogue,
runs the event-source pollers, serves the API and the web app, and prints `Onsale is ready`
once every service answers. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def serve_web(port: int, api_url: str, ws_url: str = "") -> http.server.ThreadingHTTPServer:
    """Serve `web/` as S3 + CloudFront would, with `config.js` naming this stack's API."""
    config = f"window.ONSALE_CONFIG = {{apiUrl: {api_url!r}, wsUrl: {ws_url!r}}};\n".encode()

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/outbox.json":  # notifications: the developer outbox
                self._send_outbox()
                return
            if self.path.split("?")[0] == "/config.js":
                self.send_response(200)
                self.send_header("Content-Type", "application/javascript")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(config)))
                self.end_headers()
                self.wfile.write(config)
                return
            super().do_GET()

        def _send_outbox(self) -> None:
            """The emulator's sent mail, decoded (local/outbox.py), for web/outbox.html."""
            import json

            from local.outbox import fetch_sent_mail

            try:
                body = json.dumps({"emails": fetch_sent_mail(os.environ["ONSALE_AWS_ENDPOINT"])}).encode()
                status = 200
            except Exception as exc:  # the emulator is starting or gone: say so, do not crash
                body = json.dumps({"emails": [], "error": type(exc).__name__}).encode()
                status = 503
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    handler = functools.partial(QuietHandler, directory=str(ROOT / "web"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="web").start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-seed", action="store_true", help="start empty (tests, benchmarks)")
    parser.add_argument("--no-web", action="store_true")
    args = parser.parse_args(argv)

    api_port = _env_int("ONSALE_API_PORT", 8000)
    web_port = _env_int("ONSALE_WEB_PORT", 8080)
    emulator_port = _env_int("ONSALE_EMULATOR_PORT", 4566)
    state_dir = Path(os.environ.get("ONSALE_STATE_DIR", ROOT / ".onsale"))
    state_dir.mkdir(parents=True, exist_ok=True)
    admin_email = os.environ.get("ONSALE_ADMIN_EMAIL", "admin@onsale.local")
    admin_password = os.environ.get("ONSALE_ADMIN_PASSWORD", "onsale-admin-2026")

    logging.basicConfig(
        filename=state_dir / "stack.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # ONSALE_AWS=localstack: a LocalStack already running (localstack/docker-compose.yml) instead
    # of the moto server this stack starts itself.
    use_localstack = os.environ.get("ONSALE_AWS", "moto") == "localstack"
    if use_localstack:
        endpoint = os.environ.get("ONSALE_AWS_ENDPOINT", "http://127.0.0.1:4566")
    else:
        endpoint = f"http://127.0.0.1:{emulator_port}"
    os.environ.update(
        {
            "ONSALE_AWS_ENDPOINT": endpoint,
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "onsale-local"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "onsale-local"),
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "ONSALE_STAGE": os.environ.get("ONSALE_STAGE", "local"),
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    # --- websockets: the gateway's addresses, known to the API before it starts (queue joins
    # answer with `websocket_url`) and to every pusher in this process.
    ws_port = _env_int("ONSALE_WS_PORT", 8001)
    ws_management_port = _env_int("ONSALE_WS_MANAGEMENT_PORT", 8002)
    from local.ws_gateway import STAGE as WS_STAGE

    os.environ["ONSALE_WEBSOCKET_URL"] = f"ws://127.0.0.1:{ws_port}"
    os.environ["ONSALE_WEBSOCKET_MANAGEMENT_ENDPOINT"] = f"http://127.0.0.1:{ws_management_port}/{WS_STAGE}"
    # --- notifications: links in e-mails point at this stack's web app and API.
    os.environ["ONSALE_WEB_URL"] = f"http://127.0.0.1:{web_port}"
    os.environ["ONSALE_API_URL"] = f"http://127.0.0.1:{api_port}"
    children: list[subprocess.Popen[bytes]] = []
    stop = threading.Event()

    def shutdown(*_: object) -> None:
        stop.set()
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()

    def terminate(*_: object) -> None:
        shutdown()
        sys.exit(0)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)  # explicit: a shell may have started us ignoring it
    try:
        from local.emulator import start_emulator, wait_for_http

        started = time.monotonic()
        if use_localstack:
            wait_for_http(f"{endpoint}/_localstack/health")
        else:
            children.append(start_emulator(emulator_port, state_dir / "emulator.log"))

        from chalicelib.bootstrap import provision
        from chalicelib.identity.accounts import ensure_admin
        from chalicelib.settings import get_settings

        resources = provision(get_settings())
        os.environ.update(resources.as_env())
        get_settings.cache_clear()
        settings = get_settings()
        ensure_admin(email=admin_email, password=admin_password, name="Onsale Admin", settings=settings)

        # The search index lives in the state folder; the emulator starts empty, so does it.
        # An index named in the environment is used as it is (benchmarks bring a big one).
        if not os.environ.get("ONSALE_SEARCH_INDEX_DIR"):
            index_dir = state_dir / "search-index"
            shutil.rmtree(index_dir, ignore_errors=True)
            os.environ["ONSALE_SEARCH_INDEX_DIR"] = str(index_dir)
        from chalicelib import search

        search.engine()  # creates the empty index before the API opens it

        api_log = (state_dir / "api.log").open("ab")
        # Like Lambda instances: each API worker process has its own warm caches; one by default,
        # so that a change made through the API is read back at once by the same process's
        # caches. With more, one front door deals connections to them in turn (local/api.py),
        # and each worker has its own ONSALE_API_CONCURRENCY limit.
        workers = max(1, _env_int("ONSALE_API_WORKERS", 1))
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "local.api", "--port", str(api_port), "--workers", str(workers)],
                cwd=ROOT,
                env=dict(os.environ),
                stdout=api_log,
                stderr=subprocess.STDOUT,
            )
        )
        start_websocket_gateway(ws_port, ws_management_port)
        start_inventory_poller(stop)
        start_search_indexer(stop)
        start_waiting_room(stop)  # waiting room: join-queue consumer and admitter
        if args.no_seed:
            start_stream_pollers(stop, "TRIM_HORIZON")
        if not args.no_web:
            serve_web(web_port, f"http://127.0.0.1:{api_port}", os.environ["ONSALE_WEBSOCKET_URL"])
        if not args.no_seed:
            from local.seed import seed_demo_catalogue

            counts = seed_demo_catalogue()
            logging.info("seeded %s", counts)
        wait_for_http(f"http://127.0.0.1:{api_port}/health")
        if not args.no_seed:
            wait_for_inventory()
            start_stream_pollers(stop, "LATEST")
        print(f"Onsale API        http://127.0.0.1:{api_port}", flush=True)
        print(
            f"WebSocket API     {os.environ['ONSALE_WEBSOCKET_URL']}"
            f"  (@connections: {os.environ['ONSALE_WEBSOCKET_MANAGEMENT_ENDPOINT']})",
            flush=True,
        )
        if not args.no_web:
            print(f"Onsale web app    http://127.0.0.1:{web_port}", flush=True)
        mail = f"{endpoint}/_aws/ses" if use_localstack else f"{endpoint}/moto-api/data.json"
        print(f"AWS emulator      {endpoint}  (sent mail: {mail})", flush=True)
        print(f"Admin             {admin_email} / {admin_password}", flush=True)
        print(f"State and logs    {state_dir}", flush=True)
        print(f"Onsale is ready ({time.monotonic() - started:.0f}s)", flush=True)
        while not stop.is_set():
            for child in children:
                if child.poll() is not None:
                    print(f"a service stopped (exit {child.returncode}); see {state_dir}", flush=True)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        shutdown()
    return 0


def start_inventory_poller(stop: threading.Event) -> None:
    from chalicelib.settings import get_settings
    from functions import provision_inventory
    from local.pollers import SqsPoller

    SqsPoller(get_settings().inventory_queue_url, provision_inventory.handler, stop, batch_size=1).start()


def start_search_indexer(stop: threading.Event) -> None:
    """Every event change and every availability change, from the streams' start: the index needs
    them all (one handler, as the two event source mappings of the deployed indexer)."""
    from chalicelib.models import Event, SectionAvailability, table_name
    from functions import search_indexer
    from local.pollers import StreamPoller

    for model in (Event, SectionAvailability):
        StreamPoller(table_name(model), search_indexer.handler, stop, start_at="TRIM_HORIZON").start()


# --- waiting room ---------------------------------------------------------------------------


PRE_OPEN_JOIN_CONSUMERS = 2


def start_waiting_room(stop: threading.Event) -> None:
    """The join-queue consumer (SQS batches of 10, as Lambda's event source mapping) and the
    admitter, ticked every second by a thread as EventBridge + functions/queue_admitter.py do."""
    from chalicelib.settings import get_settings
    from functions import queue_admitter, queue_join
    from local.pollers import SqsPoller

    settings = get_settings()
    # Joins after the opening are numbered by one consumer, in the order the queue hands them
    # over (strict arrival order); pre-open joins are shuffled anyway, so two consumers drain
    # them, as Lambda runs several batches of one queue at once.
    SqsPoller(settings.join_queue_url, queue_join.handler, stop, batch_size=10).start()
    for _ in range(PRE_OPEN_JOIN_CONSUMERS):
        SqsPoller(settings.pre_open_join_queue_url, queue_join.handler, stop, batch_size=10).start()

    def admit() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                queue_admitter.tick_once()
            except Exception:
                logging.getLogger("onsale.waiting_room").exception("admitter tick failed")
            stop.wait(max(0.0, settings.admitter_tick_seconds - (time.monotonic() - started)))

    threading.Thread(target=admit, daemon=True, name="queue-admitter").start()


def start_stream_pollers(stop: threading.Event, start_at: str) -> None:
    from chalicelib.models import Seat, table_name
    from functions import seat_stream
    from local.pollers import StreamPoller

    StreamPoller(table_name(Seat), seat_stream.handler, stop, start_at=start_at).start()
    start_mailers(stop, start_at)
    start_seat_push_poller(stop, start_at)
    start_waitlist_offers(stop, start_at)  # customers' rights


def start_seat_push_poller(stop: threading.Event, start_at: str) -> None:
    """Live seat maps: the seats stream's second consumer, batched over a second as the
    template's `MaximumBatchingWindowInSeconds: 1` batches it in AWS."""
    from chalicelib.models import Seat, table_name
    from functions import seat_push
    from local.pollers import StreamPoller

    StreamPoller(table_name(Seat), seat_push.handler, stop, start_at=start_at, batching_window=1.0).start()


def start_websocket_gateway(port: int, management_port: int) -> None:
    """API Gateway's WebSocket API for this stack: the app's own websocket handlers behind it."""
    from app import app
    from local.ws_gateway import WebSocketGateway, chalice_handlers

    WebSocketGateway(chalice_handlers(app), port=port, management_port=management_port).start()


# --- notifications: the mailers (stream consumers) and the reminder schedule ----------------


def start_mailers(stop: threading.Event, start_at: str) -> None:
    """E-mail consumers of the bookings, events and waitlist streams, as the template's event
    source mappings feed them in AWS, and the reminder schedule (EventBridge there)."""
    from chalicelib.models import ALL_MODELS, Booking, Event, WaitlistEntry, table_name
    from chalicelib.settings import get_settings
    from functions import mailer
    from local.pollers import StreamPoller

    consumers = [(Booking, mailer.bookings_handler), (Event, mailer.events_handler)]
    if WaitlistEntry in ALL_MODELS:
        consumers.append((WaitlistEntry, mailer.waitlist_handler))
    for model, handler in consumers:
        StreamPoller(table_name(model), handler, stop, batch_size=100, start_at=start_at).start()
    start_reminder_loop(stop, get_settings().reminder_interval_seconds)


def start_reminder_loop(stop: threading.Event, interval: float) -> None:
    """`functions/reminders.py` every `interval` seconds, as EventBridge calls it every 15 minutes."""
    from functions import reminders

    def run() -> None:
        while not stop.wait(interval):
            try:
                counts = reminders.handler({}, None)
                if counts:
                    logging.getLogger("onsale.reminders").info("reminder run: %s", counts)
            except Exception as exc:  # the next run tries again
                logging.getLogger("onsale.reminders").error("reminder run failed: %s", type(exc).__name__)

    threading.Thread(target=run, daemon=True, name="reminders").start()


def wait_for_inventory(timeout: float = 240.0) -> None:
    """Block until every seeded event's seats exist, so demo users can buy at once."""
    from chalicelib import aws
    from chalicelib.models import Event, table_name

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = aws.dynamodb().scan(
            TableName=table_name(Event),
            FilterExpression="inventory_status = :p",
            ExpressionAttributeValues={":p": {"S": "provisioning"}},
            Select="COUNT",
        )["Count"]
        if pending == 0:
            return
        time.sleep(1)


# --- customers' rights: waitlist offers ------------------------------------------------------


def start_waitlist_offers(stop: threading.Event, start_at: str) -> None:
    """Waitlist offers from the bookings stream (cancellations), and the sweep for expired
    holds and offers every `waitlist_sweep_seconds`, as EventBridge calls it every minute."""
    from chalicelib.models import Booking, table_name
    from chalicelib.settings import get_settings
    from functions import waitlist_offers
    from local.pollers import StreamPoller

    StreamPoller(
        table_name(Booking), waitlist_offers.handler, stop, batch_size=100, start_at=start_at
    ).start()
    interval = get_settings().waitlist_sweep_seconds

    def sweep() -> None:
        while not stop.wait(interval):
            try:
                waitlist_offers.handler({"source": "onsale.local", "detail-type": "Scheduled Event"}, None)
            except Exception as exc:  # the next run tries again
                logging.getLogger("onsale.waitlist").error("waitlist sweep failed: %s", type(exc).__name__)

    threading.Thread(target=sweep, daemon=True, name="waitlist-sweep").start()


if __name__ == "__main__":
    sys.exit(main())
