"""OpenTelemetry traces through the real binary, received over OTLP/HTTP by otlp_receiver.py.
One async question generation through a split mesh (edge, resume, interview, learning and a
Redis worker, against the fake OpenAI upstream) is one trace: the caller's W3C `traceparent`,
the edge's HTTP span, the StartQuestionGeneration call on both sides, the job the worker took
from Redis, its stages, the resume lookup and the provider call with its token counts, each the
child of the one before, and the worker's log line carrying the trace id. Parent-based sampling
follows the caller's flag in every process; without an OTLP endpoint nothing is exported and no
log line has a trace id; no span carries resume text, prompt text or an API key."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import uuid

import pytest
import requests
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from conftest import CoachProcess, create_resume, fixture_resumes, free_port, read_sse
from fake_llm import KEYS, USAGE, prompt_of
from otlp_receiver import CLIENT, CONSUMER, INTERNAL, PROTOBUF, SERVER, OTLPReceiver, Span, otlp  # noqa: F401
from test_distributed import RedisServer
from test_metrics import INTERVIEW_SERVICE, MODEL, RESUME_SERVICE, STAGES, MetricsMesh, eventually, llm_env, q, serve
# The fake upstream of the provider tests, and a fresh one for every test (pytest fixtures).
from test_providers import fake, fresh_fake  # noqa: F401

START = f"{INTERVIEW_SERVICE}/StartQuestionGeneration"
GET_RESUME = f"{RESUME_SERVICE}/GetResume"
CREATE_RESUME = f"{RESUME_SERVICE}/CreateResume"


def service(role: str) -> str:
    """The service.name a role reports without OTEL_SERVICE_NAME."""
    return f"interview-coach-{role}"


# ---------------------------------------------------------------------------------------------
# Reading traces


def new_context() -> tuple[str, str]:
    """A caller's trace id and span id (hex)."""
    return uuid.uuid4().hex, uuid.uuid4().hex[:16]


def traceparent(trace_id: str, span_id: str, sampled: bool = True) -> dict:
    return {"traceparent": f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}"}


def matching(spans: list[Span], service_name: str | None = None, kind: int | None = None, name: str | None = None,
             parent: str | None = None, **attributes) -> list[Span]:
    """The spans with these properties; `attributes` uses `__` for `.` (http__request__method)."""
    wanted = {k.replace("__", "."): v for k, v in attributes.items()}
    return [s for s in spans
            if (service_name is None or s.service_name == service_name) and (kind is None or s.kind == kind)
            and (name is None or s.name == name) and (parent is None or s.parent_span_id == parent)
            and all(s.attributes.get(k) == v for k, v in wanted.items())]


def the(spans: list[Span], **criteria) -> Span:
    found = matching(spans, **criteria)
    assert len(found) == 1, f"{len(found)} spans match {criteria}:\n" + "\n".join(map(repr, found or spans))
    return found[0]


def ancestors(span: Span, spans: list[Span]) -> list[str]:
    """The span ids above `span` in `spans`, nearest first."""
    by_id = {s.span_id: s for s in spans}
    chain = []
    while span.parent_span_id in by_id and span.parent_span_id not in chain:
        chain.append(span.parent_span_id)
        span = by_id[span.parent_span_id]
    return chain


def connected(spans: list[Span], outside_parent: str = "") -> bool:
    """Every span's parent is in `spans`, but for the root's (the caller's span, or none)."""
    ids = {s.span_id for s in spans}
    return bool(spans) and all(s.parent_span_id in ids or s.parent_span_id == outside_parent for s in spans)


def values_of(value) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value] + [v for item in value.values() for v in values_of(item)]
    if isinstance(value, list):
        return [v for item in value for v in values_of(item)]
    return [str(value)]


def assert_nothing_private(spans: list[Span], secrets: list[str]):
    """No span name, attribute or resource attribute contains one of `secrets`."""
    leaks = set()
    for span in spans:
        fields = {"name": span.name, **{f"resource {k}": v for k, v in span.resource.items()}, **span.attributes}
        for field, value in fields.items():
            leaks.update((span.service_name, span.name, field, secret[:40])
                         for text in values_of(value) for secret in secrets if secret in text)
    assert not leaks, "private text in spans (service, span, field, text):\n" + "\n".join(map(repr, sorted(leaks)))


def completion_logged(process, task_id: str) -> list[dict]:
    """The process's JSON log lines, once the one saying `task_id` completed is among them."""
    return eventually(lambda: log_lines(process.log()),
                      lambda lines: any(line.get("msg") == "task completed" and line.get("task_id") == task_id for line in lines),
                      what=f'the "task completed" log line of {task_id}')


def log_lines(log: str) -> list[dict]:
    lines = []
    for line in log.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


def run_async_generation(base_url, key: str, headers: dict) -> str:
    """Starts an async question generation and reads its stream to the end: the task id."""
    started = requests.post(base_url(f"/api/v1/interview/async/{q(key)}/questions"), json={"language": "en"},
                            headers=headers, timeout=30)
    assert started.status_code == 202, started.text
    task_id = started.json()["task_id"]
    events = read_sse(requests.get(base_url(f"/api/v1/interview/tasks/{task_id}/stream"), stream=True, timeout=120))
    assert [e.get("event") for e in events if "event" in e][-2:] == ["completed", "close"], events
    return task_id


def otel_environment(monkeypatch, env: dict):
    """Exactly these OTEL_* variables (and JSON logs) for the processes started next."""
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LOG_FORMAT", "json")
    for name, value in env.items():
        monkeypatch.setenv(name, value)


# ---------------------------------------------------------------------------------------------
# The receiver itself


def test_the_receiver_reads_a_gzipped_protobuf_export_on_any_path(otlp):
    request = trace_service_pb2.ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    attribute = resource_spans.resource.attributes.add()
    attribute.key, attribute.value.string_value = "service.name", "probe"
    span = resource_spans.scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.parent_span_id = bytes(range(16)), bytes(range(8)), b""
    span.name, span.kind = "probe span", CLIENT
    for key, setter in [("n", lambda v: setattr(v, "int_value", 7)), ("ok", lambda v: setattr(v, "bool_value", True))]:
        item = span.attributes.add()
        item.key = key
        setter(item.value)
    answer = requests.post(otlp.endpoint + "/anything", data=gzip.compress(request.SerializeToString()), timeout=10,
                           headers={"Content-Type": PROTOBUF, "Content-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == PROTOBUF
    trace_service_pb2.ExportTraceServiceResponse().ParseFromString(answer.content)
    [received] = otlp.spans()
    assert received == Span(trace_id=bytes(range(16)).hex(), span_id=bytes(range(8)).hex(), parent_span_id="", name="probe span",
                            kind=CLIENT, attributes={"n": 7, "ok": True}, service_name="probe", status_code=0,
                            resource={"service.name": "probe"})
    assert otlp.errors == []


# ---------------------------------------------------------------------------------------------
# A split mesh on Redis, exporting to the receiver


@pytest.fixture
def traced_mesh(tmp_path, fake, otlp, monkeypatch):
    """Starts (once) resume, interview, learning, a Redis worker and the edge, every process
    exporting to `otlp` with the OTEL_* variables given."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    started = []

    def start(**env) -> MetricsMesh:
        otel_environment(monkeypatch, {**otlp.env(), **env})
        redis = RedisServer(tmp_path / "redis").start()
        started.append(redis)
        mesh = MetricsMesh(tmp_path, fake, redis.url)
        started.append(mesh)
        return mesh.start()

    yield start
    codes = {}
    for thing in reversed(started):
        if isinstance(thing, MetricsMesh):
            codes = thing.stop()
        else:
            thing.stop()
    assert set(codes.values()) <= {0}, codes


def generation_trace(otlp: OTLPReceiver, trace_id: str, caller: str | None):
    """Waits for the spans of one async generation in `trace_id` (the edge span a child of
    `caller` when given) and returns them once the trace is whole."""

    def complete(receiver):
        spans = receiver.trace(trace_id)
        needed = [
            dict(service_name=service("edge"), kind=SERVER, http__request__method="POST"),
            dict(service_name=service("edge"), kind=CLIENT, name=START),
            dict(service_name=service("interview"), kind=SERVER, name=START),
            dict(service_name=service("worker"), kind=CONSUMER, name="job interview"),
            *[dict(service_name=service("worker"), kind=INTERNAL, name=stage) for stage in STAGES],
            dict(service_name=service("worker"), kind=CLIENT, name=f"chat {MODEL}"),
            dict(service_name=service("worker"), kind=CLIENT, name=GET_RESUME),
            dict(service_name=service("resume"), kind=SERVER, name=GET_RESUME),
        ]
        return all(matching(spans, **criteria) for criteria in needed) and connected(spans, caller or "") and spans

    return otlp.wait_for(complete, timeout=30, what=f"the whole generation trace {trace_id}")


def test_an_async_generation_is_one_trace_from_the_callers_span_through_redis_to_the_provider(traced_mesh, otlp, fake):
    mesh = traced_mesh()
    marker = f"TRACE-PRIVATE-{uuid.uuid4().hex}"
    key = create_resume(mesh, "senior-platform-en", summary=f"Platform engineer who keeps {marker} to herself.")
    trace_id, caller = new_context()
    task_id = run_async_generation(mesh.url, key, traceparent(trace_id, caller))

    spans = generation_trace(otlp, trace_id, caller)
    # The edge continues the caller's trace: its HTTP span is the child of the caller's span.
    http = the(spans, service_name=service("edge"), kind=SERVER, parent=caller)
    assert http.attributes.get("http.request.method") == "POST", http
    # edge -> interview: the gRPC call, seen from both sides.
    client = the(spans, service_name=service("edge"), kind=CLIENT, name=START, parent=http.span_id)
    assert {k: client.attributes.get(k) for k in ("rpc.system", "rpc.service", "rpc.method", "rpc.grpc.status_code")} == {
        "rpc.system": "grpc", "rpc.service": INTERVIEW_SERVICE, "rpc.method": "StartQuestionGeneration", "rpc.grpc.status_code": 0}
    server = the(spans, service_name=service("interview"), kind=SERVER, name=START, parent=client.span_id)
    # interview -> Redis -> worker: the job span continues the call that queued it.
    job = the(spans, service_name=service("worker"), kind=CONSUMER, name="job interview", parent=server.span_id)
    assert job.attributes.get("coach.task_id") == task_id and job.attributes.get("coach.task.kind") == "interview", job
    stages = {stage: the(spans, service_name=service("worker"), kind=INTERNAL, name=stage, parent=job.span_id) for stage in STAGES}
    # The provider call, under calling_llm, with the fake upstream's token counts.
    call = the(spans, service_name=service("worker"), kind=CLIENT, name=f"chat {MODEL}", parent=stages["calling_llm"].span_id)
    tokens_in, tokens_out = USAGE["openai"]
    assert {k: call.attributes.get(k) for k in ("gen_ai.system", "gen_ai.operation.name", "gen_ai.request.model",
                                                "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")} == {
        "gen_ai.system": "openai", "gen_ai.operation.name": "chat", "gen_ai.request.model": MODEL,
        "gen_ai.usage.input_tokens": tokens_in, "gen_ai.usage.output_tokens": tokens_out}, call
    assert len(fake.requests("openai")) == 1
    # worker -> resume: the resume lookup of the run, seen from both sides.
    lookups = [s for s in matching(spans, service_name=service("worker"), kind=CLIENT, name=GET_RESUME) if job.span_id in ancestors(s, spans)]
    assert lookups, "no GetResume call under the job span"
    assert [s for s in matching(spans, service_name=service("resume"), kind=SERVER, name=GET_RESUME)
            if s.parent_span_id in {lookup.span_id for lookup in lookups}], "the resume role's GetResume span is not the worker call's child"
    assert {service(role) for role in ("edge", "interview", "worker", "resume")} <= {s.service_name for s in spans}
    for s in spans:
        assert s.status_code != 2, f"{s.name} ({s.service_name}) ended in error: {s}"

    # The worker's log line for the task carries the trace, and a span of it.
    [completed] = [line for line in completion_logged(mesh.processes["worker"], task_id)
                   if line.get("msg") == "task completed" and line.get("task_id") == task_id]
    assert completed.get("trace_id") == trace_id, completed
    assert completed.get("span_id") in {s.span_id for s in matching(spans, service_name=service("worker"))}, completed

    # A request without traceparent starts a trace of its own at the edge (the resume's creation).
    created = the(otlp.spans(), service_name=service("edge"), kind=SERVER, parent="", http__request__method="POST")
    assert created.trace_id != trace_id
    created_trace = otlp.wait_for(lambda r: (lambda t: matching(t, service_name=service("resume"), kind=SERVER, name=CREATE_RESUME) and t)(
        r.trace(created.trace_id)), what="the resume role's CreateResume span in the creation's trace")
    the(created_trace, service_name=service("edge"), kind=CLIENT, name=CREATE_RESUME, parent=created.span_id)

    # No span carries the resume's text, the prompts or the API key.
    [llm_call] = fake.requests("openai")
    system, user = prompt_of("openai", llm_call["body"])
    assert marker in user, "the marker never reached the prompt: the leak check below would prove nothing"
    assert_nothing_private(otlp.spans(), [marker, KEYS["openai"], system[:60], user[:60]])
    assert otlp.errors == []


def test_parent_based_sampling_follows_the_callers_flag_in_every_process(traced_mesh, otlp):
    """Ratio 0 samples no trace of its own, but parent-based sampling records one the caller
    sampled in every process it crosses, and none the caller did not."""
    mesh = traced_mesh(OTEL_TRACES_SAMPLER="parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG="0")
    key = create_resume(mesh)
    unsampled, _ = new_context()
    run_async_generation(mesh.url, key, traceparent(unsampled, new_context()[1], sampled=False))
    sampled, caller = new_context()
    run_async_generation(mesh.url, key, traceparent(sampled, caller))

    spans = generation_trace(otlp, sampled, caller)
    assert {service(role) for role in ("edge", "interview", "worker", "resume")} <= {s.service_name for s in spans}
    # The unsampled generation ran first and was exported by none of the processes; nor were the
    # root spans (readiness probes, the resume's creation) ratio 0 does not sample.
    assert {s.trace_id for s in otlp.spans()} == {sampled}, otlp.summary()
    assert otlp.errors == []


# ---------------------------------------------------------------------------------------------
# One process (`serve`, every role)


@pytest.mark.parametrize("name", [None, "coach-e2e-traced"], ids=["default-name", "OTEL_SERVICE_NAME"])
def test_one_process_keeps_the_trace_from_the_edge_to_the_provider_under_its_service_name(tmp_path, fake, otlp, monkeypatch, name):
    otel_environment(monkeypatch, {**otlp.env(), **({"OTEL_SERVICE_NAME": name} if name else {})})
    with serve(tmp_path, llm_env(fake, LOG_LEVEL="info"), metrics_port=False) as server:
        key = create_resume(server)
        trace_id, caller = new_context()
        task_id = run_async_generation(server.url, key, traceparent(trace_id, caller))

        def whole(receiver):
            spans = receiver.trace(trace_id)
            return matching(spans, kind=CLIENT, name=f"chat {MODEL}") and matching(spans, kind=CONSUMER, name="job interview") \
                and connected(spans, caller) and spans

        spans = otlp.wait_for(whole, timeout=30, what=f"the generation trace {trace_id}")
        http = the(spans, kind=SERVER, parent=caller, http__request__method="POST")
        job = the(spans, kind=CONSUMER, name="job interview")
        assert job.attributes.get("coach.task_id") == task_id, job
        assert http.span_id in ancestors(job, spans)
        call = the(spans, kind=CLIENT, name=f"chat {MODEL}")
        assert the(spans, kind=INTERNAL, name="calling_llm").span_id == call.parent_span_id
        assert job.span_id in ancestors(call, spans)
        assert {s.service_name for s in otlp.spans()} == {name or service("all")}
        assert otlp.errors == []


def test_no_span_carries_the_candidates_name_or_the_resume_key_of_a_path(tmp_path, fake, otlp, monkeypatch):
    """The unique key is made from the candidate's name, so a route's raw path (url.path, a
    span name) would carry the name into every trace of that resume."""
    otel_environment(monkeypatch, otlp.env())
    marker = f"Tracey{uuid.uuid4().hex[:16]}"  # names are 1-50 characters
    with serve(tmp_path, llm_env(fake, LOG_LEVEL="info"), metrics_port=False) as server:
        # (create_resume's own `name` is the fixture's)
        created = requests.post(server.url("/api/v1/resumes"), json=dict(fixture_resumes()["senior-platform-en"], name=f"Maya {marker}"),
                                timeout=10)
        assert created.status_code == 201, created.text
        key = created.json()["unique_key"]
        assert marker in key, key
        traces = []
        for method, path, status in [("GET", f"/api/v1/resumes/{q(key)}", 200), ("POST", f"/api/v1/interview/{q(key)}/questions", 201)]:
            trace_id, caller = new_context()
            traces.append((trace_id, caller))
            r = requests.request(method, server.url(path), json={"language": "en"} if method == "POST" else None,
                                 headers=traceparent(trace_id, caller), timeout=60)
            assert r.status_code == status, (path, r.status_code, r.text[:300])
        otlp.wait_for(lambda r: all(matching(r.trace(t), kind=SERVER, parent=c) for t, c in traces)
                      and matching(r.trace(traces[-1][0]), kind=CLIENT, name=f"chat {MODEL}"), what="the spans of both requests")
        assert_nothing_private(otlp.spans(), [marker, key, q(key)])


def test_without_an_endpoint_nothing_is_exported_and_no_log_line_has_a_trace_id(tmp_path, fake, monkeypatch):
    otel_environment(monkeypatch, {})
    # An exporter left on would post to OTLP/HTTP's default, localhost:4318: listen there if we can.
    try:
        default = OTLPReceiver(port=4318).start()
    except OSError:
        default = None
    try:
        with serve(tmp_path, llm_env(fake, LOG_LEVEL="info"), metrics_port=False) as server:
            key = create_resume(server)
            trace_id, caller = new_context()
            task_id = run_async_generation(server.url, key, traceparent(trace_id, caller))
            lines = completion_logged(server.process, task_id)
    finally:
        if default:
            default.stop()
    traced = [line for line in lines if "trace_id" in line or "span_id" in line]
    assert not traced, traced[:5]
    if default:
        assert default.exports == [] and default.spans() == [], default.summary()


# ---------------------------------------------------------------------------------------------
# The exporter: what the OTEL_* variables ask of it, a failing collector, shutdown


def test_the_exporter_sends_the_configured_headers_and_resource_in_batches_of_the_configured_size(tmp_path, fake, otlp, monkeypatch):
    secret = f"t0ken-{uuid.uuid4().hex}"
    otel_environment(monkeypatch, {
        **otlp.env(), "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{secret},x-tenant=blue",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=e2e,service.namespace=coach", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4",
    })
    with serve(tmp_path, llm_env(fake, LOG_LEVEL="info"), metrics_port=False) as server:
        key = create_resume(server)
        trace_id, caller = new_context()
        run_async_generation(server.url, key, traceparent(trace_id, caller))
        otlp.wait_for(lambda r: matching(r.trace(trace_id), kind=CLIENT, name=f"chat {MODEL}"), timeout=30, what="the generation's spans")
    exports = list(otlp.exports)
    assert exports and otlp.errors == []
    assert all(e["path"] == "/v1/traces" and e["content_type"] == PROTOBUF for e in exports), exports[:3]
    assert all(1 <= e["spans"] <= 4 for e in exports), [e["spans"] for e in exports]
    assert all(e["headers"].get("authorization") == f"Bearer {secret}" and e["headers"].get("x-tenant") == "blue" for e in exports)
    resources = {tuple(sorted(s.resource.items())) for s in otlp.spans()}
    assert len(resources) == 1, resources
    resource = dict(next(iter(resources)))
    assert resource["deployment.environment"] == "e2e" and resource["service.namespace"] == "coach", resource
    assert resource["service.name"] == service("all") and resource["telemetry.sdk.language"] == "swift", resource
    assert secret not in server.process.log(), "the collector's credential is in the log"


def test_a_failing_collector_gets_the_batch_again_and_a_graceful_stop_exports_what_is_queued(tmp_path, fake, otlp, monkeypatch):
    # No scheduled export for a minute and batches larger than this test makes: only the stop sends.
    otel_environment(monkeypatch, {**otlp.env(), "OTEL_BSP_SCHEDULE_DELAY": "60000"})
    otlp.refusals = [503]  # the first export meets a busy collector; the retry gets through
    with serve(tmp_path, llm_env(fake, LOG_LEVEL="info"), metrics_port=False) as server:
        key = create_resume(server)
        trace_id, caller = new_context()
        run_async_generation(server.url, key, traceparent(trace_id, caller))
        assert otlp.exports == [] and otlp.refused == 0, "exported before the schedule or the stop"
    spans = otlp.trace(trace_id)
    assert otlp.refused == 1 and otlp.errors == []
    assert matching(spans, kind=CLIENT, name=f"chat {MODEL}") and matching(spans, kind=CONSUMER, name="job interview"), otlp.summary()
    assert connected(spans, caller)


@pytest.mark.parametrize("variables", [
    {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, {"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"},
    {"OTEL_TRACES_SAMPLER": "jaeger_remote"}, {"OTEL_EXPORTER_OTLP_HEADERS": "no-value"},
    {"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
], ids=["protocol", "compression", "sampler", "headers", "endpoint"])
def test_variables_the_exporter_cannot_honour_stop_the_process_at_start_naming_them(tmp_path, otlp, monkeypatch, variables):
    otel_environment(monkeypatch, {**otlp.env(), **variables})
    process = CoachProcess("refused", ["--http-port", str(free_port()), "--grpc-port", str(free_port()), "--data-dir", str(tmp_path / "data")],
                           env={"LOG_LEVEL": "info"}).start()
    code = process.proc.wait(timeout=60)
    output = process.log()
    process.stop()
    assert code != 0, output[-2000:]
    named = next(iter(variables))
    assert (named.removesuffix("_ENDPOINT") + "_(TRACES_)ENDPOINT" if named.endswith("_ENDPOINT") else named) in output, output[-2000:]
