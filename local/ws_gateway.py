"""The laptop stack's WebSocket gateway: plays API Gateway's WebSocket API.

- A WebSocket server (the `websockets` package, asyncio, in a thread of the stack process).
  Each handshake becomes a `$connect` event in API Gateway's shape, delivered to the same
  Chalice handlers Lambda would run; a non-2xx answer refuses the handshake with that status
  (401/403/404). Each message becomes a `$default` event, each close a `$disconnect`.
- An HTTP server playing the `@connections` management API (`POST` sends a frame, `GET`
  describes the connection, `DELETE` closes it; 410 GoneException for unknown or closed ids,
  413 PayloadTooLargeException for frames over 32 KB), so boto3's `apigatewaymanagementapi`
  client works against it unchanged.

Handler calls run in a thread pool, never on the event loop: a slow handler (a token check,
a DynamoDB write) delays nobody else's frames. Pushes are accepted only once `$connect` has
answered, as in API Gateway.
"""

from __future__ import annotations

import asyncio
import base64
import http
import http.server
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

logger = logging.getLogger("onsale.ws_gateway")

Handler = Callable[[dict[str, Any], Any], Any]
MAX_FRAME_BYTES = 32 * 1024  # API Gateway's WebSocket frame limit
STAGE = "local"
API_ID = "local"


class _Gone(Exception):
    pass


HANDSHAKE_WAIT_SECONDS = 2.0


def _connection_id() -> str:
    # Shaped like API Gateway's ("L0SM9cOFvHcCIhw="): 16 characters ending in "=". URL-safe, so an
    # id never holds "/" (the 2,000-fan bench lost the pushes of the 1 in 64 ids starting with one).
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class WebSocketGateway:
    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        host: str = "127.0.0.1",
        port: int,
        management_port: int,
        workers: int = 16,
    ) -> None:
        self.handlers = dict(handlers)
        self.host, self.port, self.management_port = host, port, management_port
        self.domain = f"{host}:{port}"
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ws-handler")
        self._loop = asyncio.new_event_loop()
        self._open: dict[str, Any] = {}  # connection id -> ServerConnection (event loop only)
        self._connected_at: dict[str, float] = {}
        self._ids: dict[int, str] = {}  # id(ServerConnection) -> connection id, during the handshake
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._server: Any = None
        self._management: http.server.ThreadingHTTPServer | None = None

    # --- API Gateway events ----------------------------------------------------------------

    def _event(
        self, route_key: str, connection_id: str, request: Any = None, body: str | None = None
    ) -> dict[str, Any]:
        event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
        now = time.time()
        context = {
            "routeKey": route_key,
            "eventType": event_type,
            "connectionId": connection_id,
            "domainName": self.domain,
            "stage": STAGE,
            "apiId": API_ID,
            "requestId": secrets.token_hex(8),
            "extendedRequestId": secrets.token_hex(8),
            "messageDirection": "IN",
            "requestTimeEpoch": int(now * 1000),
            "connectedAt": int(self._connected_at.get(connection_id, now) * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
        }
        event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
        if route_key == "$connect" and request is not None:
            query = parse_qsl(urlsplit(request.path).query, keep_blank_values=True)
            headers = dict(request.headers.raw_items())
            event["headers"] = headers
            event["multiValueHeaders"] = {k: request.headers.get_all(k) for k in headers}
            event["queryStringParameters"] = dict(query) or None
            multi: dict[str, list[str]] = {}
            for name, value in query:
                multi.setdefault(name, []).append(value)
            event["multiValueQueryStringParameters"] = multi or None
        elif route_key == "$default":
            context["messageId"] = secrets.token_hex(8)
            event["body"] = body
        else:
            context["disconnectStatusCode"] = 1000
            context["disconnectReason"] = ""
        return event

    def _invoke(self, route_key: str, event: dict[str, Any]) -> int:
        """Run the route's handler (in the pool); its `statusCode`, 500 if it raised."""
        handler = self.handlers.get(route_key) or self.handlers.get("$default")
        if handler is None:
            return 200
        try:
            answer = handler(event, None) or {}
        except Exception:
            logger.exception("%s handler failed", route_key)
            return 500
        return int(answer.get("statusCode", 200)) if isinstance(answer, Mapping) else 200

    async def _call(self, route_key: str, event: dict[str, Any]) -> int:
        return await self._loop.run_in_executor(self._pool, self._invoke, route_key, event)

    # --- the WebSocket server --------------------------------------------------------------

    async def _process_response(self, connection: Any, request: Any, response: Any) -> Any:
        if response.status_code != http.HTTPStatus.SWITCHING_PROTOCOLS:
            return None  # not a valid WebSocket handshake: websockets has refused it already
        connection_id = _connection_id()
        self._connected_at[connection_id] = time.time()
        status = await self._call("$connect", self._event("$connect", connection_id, request))
        if not 200 <= status < 300:
            self._connected_at.pop(connection_id, None)
            reason = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else ""
            return connection.respond(status, f"{reason}\n")
        self._ids[id(connection)] = connection_id
        return None

    async def _serve_connection(self, connection: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        connection_id = self._ids.pop(id(connection))
        self._open[connection_id] = connection
        try:
            async for message in connection:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                await self._call("$default", self._event("$default", connection_id, body=text))
        except ConnectionClosed:
            pass
        finally:
            self._open.pop(connection_id, None)
            await self._call("$disconnect", self._event("$disconnect", connection_id))
            self._connected_at.pop(connection_id, None)

    async def _run(self) -> None:
        from websockets.asyncio.server import serve

        # Client frames up to 128 KB (API Gateway's message limit); pings keep idle sockets honest.
        async with serve(
            self._serve_connection,
            self.host,
            self.port,
            process_response=self._process_response,
            max_size=128 * 1024,
            ping_interval=30,
        ) as server:
            self._server = server
            self._ready.set()
            # Not `run_in_executor(None, self._stopped.wait)`: at exit the interpreter joins the
            # default executor's threads, and one parked on that wait kept `make run` from ever
            # exiting after Ctrl-C.
            while not self._stopped.is_set():
                await asyncio.sleep(0.25)

    # --- the @connections API (called from HTTP threads) ------------------------------------

    async def _send(self, connection_id: str, data: bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        connection = self._open.get(connection_id)
        deadline = time.monotonic() + HANDSHAKE_WAIT_SECONDS
        while connection is None and connection_id in self._connected_at and time.monotonic() < deadline:
            # `$connect` accepted it and the handshake is finishing: API Gateway delivers to a
            # connection its `$connect` accepted, so wait for it rather than answer 410 (which
            # would make the pusher purge a connection that is about to open).
            await asyncio.sleep(0.02)
            connection = self._open.get(connection_id)
        if connection is None:
            raise _Gone(connection_id)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            await connection.send(data)
            return
        try:
            await connection.send(text)
        except ConnectionClosed as exc:
            raise _Gone(connection_id) from exc

    async def _close(self, connection_id: str) -> None:
        connection = self._open.get(connection_id)
        if connection is None:
            raise _Gone(connection_id)
        await connection.close()

    async def _describe(self, connection_id: str) -> dict[str, Any]:
        connection = self._open.get(connection_id)
        if connection is None:
            raise _Gone(connection_id)
        agent = connection.request.headers.get("User-Agent", "") if connection.request else ""
        connected = self._connected_at.get(connection_id, time.time())
        return {  # the management API's wire names (boto3 reads ConnectedAt, Identity.SourceIp...)
            "connectedAt": _iso(connected),
            "lastActiveAt": _iso(time.time()),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": agent},
        }

    def run_on_loop(self, coroutine: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _management_handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        gateway = self

        class ManagementHandler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _connection_id(self) -> str | None:
                path = urlsplit(self.path).path
                marker = "/@connections/"
                if marker not in path:
                    return None
                # Decoded after the trailing slash is cut: an encoded "/" (%2F) is part of the id.
                return unquote(path.split(marker, 1)[1].rstrip("/")) or None

            def _answer(self, status: int, body: Any = None, error: str | None = None) -> None:
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-RequestId", secrets.token_hex(8))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _gone(self) -> None:
                self._answer(410, {"message": None}, error="GoneException")

            def _dispatch(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                connection_id = self._connection_id()
                if connection_id is None:
                    self._answer(404, {"message": "Not Found"}, error="NotFoundException")
                    return
                try:
                    if method == "POST":
                        if len(data) > MAX_FRAME_BYTES:
                            self._answer(
                                413,
                                {"message": f"Message too long: {len(data)} bytes, the limit is 32 KB"},
                                error="PayloadTooLargeException",
                            )
                            return
                        gateway.run_on_loop(gateway._send(connection_id, data))
                        self._answer(200)
                    elif method == "DELETE":
                        gateway.run_on_loop(gateway._close(connection_id))
                        self._answer(204)
                    else:
                        self._answer(200, gateway.run_on_loop(gateway._describe(connection_id)))
                except _Gone:
                    self._gone()
                except Exception:
                    logger.exception("@connections %s %s failed", method, connection_id)
                    self._answer(500, {"message": "Internal server error"}, error="InternalServerError")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

        return ManagementHandler

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> WebSocketGateway:
        def run_loop() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._run())
            except Exception:
                logger.exception("WebSocket gateway stopped")

        threading.Thread(target=run_loop, daemon=True, name="ws-gateway").start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"the WebSocket gateway did not start on port {self.port}")
        server = http.server.ThreadingHTTPServer(
            (self.host, self.management_port), self._management_handler()
        )
        server.daemon_threads = True
        self._management = server
        threading.Thread(target=server.serve_forever, daemon=True, name="ws-management").start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._management is not None:
            self._management.shutdown()

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def management_endpoint(self) -> str:
        return f"http://{self.host}:{self.management_port}/{STAGE}"


def chalice_handlers(app: Any) -> dict[str, Handler]:
    """Route key -> the Lambda entry point Chalice registered for it (what API Gateway invokes)."""
    return {route: app.handler_map[config.name] for route, config in app.websocket_handlers.items()}
