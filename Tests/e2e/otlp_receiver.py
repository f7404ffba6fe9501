"""A small OTLP/HTTP trace receiver for the end-to-end tests: what an OpenTelemetry collector
would be to the real binary. It accepts a protobuf `ExportTraceServiceRequest` POSTed on any
path (the exporter uses /v1/traces), gzip-encoded or not, answers an empty
`ExportTraceServiceResponse`, and keeps every span, flattened, for the tests to query."""

from __future__ import annotations

import dataclasses
import gzip
import http.server
import threading
import time

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

# OTLP SpanKind.
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 1, 2, 3, 4, 5
PROTOBUF = "application/x-protobuf"


@dataclasses.dataclass(frozen=True)
class Span:
    trace_id: str  # 32 hex digits
    span_id: str  # 16 hex digits
    parent_span_id: str  # 16 hex digits, or "" for a root span
    name: str
    kind: int
    attributes: dict
    service_name: str
    status_code: int  # OTLP StatusCode: 0 unset, 1 ok, 2 error
    resource: dict


def any_value(value):
    """An OTLP AnyValue as a Python value."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return key_values(value.kvlist_value.values)
    return getattr(value, which)


def key_values(items) -> dict:
    return {item.key: any_value(item.value) for item in items}


def flatten(request: trace_service_pb2.ExportTraceServiceRequest) -> list[Span]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = key_values(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(Span(
                    trace_id=span.trace_id.hex(), span_id=span.span_id.hex(), parent_span_id=span.parent_span_id.hex(),
                    name=span.name, kind=int(span.kind), attributes=key_values(span.attributes),
                    service_name=str(resource.get("service.name", "")), status_code=int(span.status.code), resource=resource,
                ))
    return spans


class OTLPReceiver:
    """`ThreadingHTTPServer` on 127.0.0.1 (a free port unless `port` is given). `spans()` is every
    span received so far; `errors` the bodies it could not read (a test expects none)."""

    def __init__(self, port: int = 0):
        self._lock = threading.Lock()
        self._spans: list[Span] = []
        self.exports: list[dict] = []  # {"path", "content_type", "encoding", "spans", "headers"} per POST
        self.errors: list[str] = []
        self.refusals: list[int] = []  # statuses to answer the next POSTs with, one each, before accepting
        self.refused = 0
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-receiver", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        """The environment that points a process's exporter here, exporting every 100 ms."""
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}

    def start(self) -> "OTLPReceiver":
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _received(self, path: str, headers, body: bytes):
        encoding = (headers.get("Content-Encoding") or "").lower()
        content_type = headers.get("Content-Type") or ""
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding not in ("", "identity"):
            raise ValueError(f"Content-Encoding {encoding}")
        if "json" in content_type:
            raise ValueError(f"Content-Type {content_type}: only {PROTOBUF} is read")
        request = trace_service_pb2.ExportTraceServiceRequest()
        request.ParseFromString(body)
        spans = flatten(request)
        with self._lock:
            self._spans.extend(spans)
            self.exports.append({"path": path, "content_type": content_type, "encoding": encoding, "spans": len(spans),
                                 "headers": {k.lower(): v for k, v in headers.items()}})

    def _failed(self, message: str):
        with self._lock:
            self.errors.append(message)

    # Queries

    def spans(self, predicate=None) -> list[Span]:
        with self._lock:
            spans = list(self._spans)
        return [s for s in spans if predicate is None or predicate(s)]

    def trace(self, trace_id: str) -> list[Span]:
        return self.spans(lambda s: s.trace_id == trace_id)

    def wait_for(self, predicate, timeout: float = 20.0, what: str = ""):
        """Calls `predicate(self)` every 50 ms until it returns something truthy, and returns that."""
        deadline = time.time() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            if time.time() > deadline:
                raise AssertionError(f"not received within {timeout}s: {what or predicate}\n{self.summary()}")
            time.sleep(0.05)

    def summary(self, limit: int = 80) -> str:
        """The spans received, one a line, for failure messages."""
        spans = self.spans()
        lines = [f"{len(spans)} spans, {len(self.exports)} exports, errors {self.errors}"]
        lines += [f"  {s.service_name} {s.trace_id[:8]} {s.span_id} <- {s.parent_span_id or '-':16} kind={s.kind} {s.name!r} {s.attributes}"
                  for s in spans[-limit:]]
        return "\n".join(lines)


def _handler(receiver: OTLPReceiver):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def do_POST(self):
            with receiver._lock:
                refusal = receiver.refusals.pop(0) if receiver.refusals else None
                receiver.refused += refusal is not None
            if refusal is not None:  # a collector that is busy or failing: the export is not kept
                self._body()
                self._answer(refusal, b"", "text/plain")
                return
            try:
                body = self._body()
                receiver._received(self.path, self.headers, body)
            except Exception as error:  # a body the receiver cannot read is a test failure, recorded
                receiver._failed(f"POST {self.path}: {error!r}")
                self._answer(400, b"", "text/plain")
                return
            self._answer(200, trace_service_pb2.ExportTraceServiceResponse().SerializeToString(), PROTOBUF)

        def _body(self) -> bytes:
            if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers, up to the blank line
                pass
            return b"".join(chunks)

        def _answer(self, status: int, payload: bytes, content_type: str):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def otlp():
    receiver = OTLPReceiver().start()
    yield receiver
    receiver.stop()
