"""Prometheus metrics (issue #13) through the real binary: every role's `--metrics-port` listener
and the edge's `GET /metrics` (admin scope when keys are on). One async generation through a split
mesh (SQLite, and Redis with a worker role when REDIS_URL is set) against the fake LLM upstream
moves the counters, histograms and gauges a dashboard relies on, in the process that did the work;
a failing provider moves the error, fallback and breaker series; no secret or resume text reaches
a scrape; and the alert rules (deploy/prometheus/alerts.yaml) and the dashboard
(deploy/grafana/interview-coach.json) query only metrics and labels the server exposes."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, CoachProcess, Server, create_resume, fixture_resumes, free_port, read_sse, wait_grpc_ready, wait_http_ready
from fake_llm import KEYS, USAGE, FakeLLM
# The fake upstream of the provider tests, and a fresh one for every test (pytest fixtures).
from test_providers import fake, fresh_fake  # noqa: F401

ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yaml"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "interview-coach.json"

MODEL = "gpt-test-mini"
PRICE = (0.40, 1.60)  # USD per million tokens, input and output
INTERVIEW_SERVICE = "interviewcoach.v1.InterviewService"
TASK_SERVICE = "interviewcoach.v1.TaskService"
RESUME_SERVICE = "interviewcoach.v1.ResumeService"
ASYNC_ROUTE = "/api/v1/interview/async/{unique_key}/questions"
STAGES = ("loading_resume", "generating_prompt", "calling_llm", "processing_response")
ADMIN = f"e2e-metrics-admin-{uuid.uuid4().hex}"
PROCESS_METRICS = ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                   "process_open_fds", "process_start_time_seconds")


# ---------------------------------------------------------------------------------------------
# Reading a scrape


class Scrape:
    """One parsed, checked exposition. `value(name, **labels)` sums the samples called `name`
    (`x_total`, `x_bucket`, `x_count`, ...) whose labels include `labels`."""

    def __init__(self, text: str, where: str = "?"):
        self.text = text
        self.where = where
        self.families = check_exposition(text, where)
        self.samples = [s for family in self.families for s in family.samples]

    def value(self, name: str, **labels) -> float:
        return sum(s.value for s in self.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    def series(self, name: str, **labels) -> list:
        return [s for s in self.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]

    def has(self, name: str, **labels) -> bool:
        return bool(self.series(name, **labels))

    def label_values(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.series(name) if label in s.labels}

    def sample_names(self) -> set[str]:
        return {s.name for s in self.samples}

    def labels_of(self) -> dict[str, set[str]]:
        """Sample name -> every label name it carries."""
        labels: dict[str, set[str]] = {}
        for s in self.samples:
            labels.setdefault(s.name, set()).update(s.labels)
        return labels


def check_exposition(text: str, where: str) -> list:
    """Parses `text` as the Prometheus text format and checks what a scraper relies on: one TYPE
    per family, a family's samples together, no series twice, finite non-negative counters, and
    histograms whose buckets rise to a +Inf bucket equal to _count, with a _sum."""
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as error:  # the parser raises ValueError and friends
        raise AssertionError(f"{where}: /metrics does not parse: {error!r}\n{text[:2000]}") from error
    assert families, f"{where}: empty exposition"
    types = re.findall(r"^# TYPE (\S+) ", text, re.M)
    assert len(types) == len(set(types)), f"{where}: a TYPE line repeated: {sorted(t for t in types if types.count(t) > 1)}"
    names = [f.name for f in families]
    assert len(names) == len(set(names)), f"{where}: a family's samples are split: {sorted(n for n in names if names.count(n) > 1)}"
    seen = set()
    for family in families:
        assert family.type in ("counter", "gauge", "histogram"), f"{where}: {family.name} has type {family.type}"
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in seen, f"{where}: series twice: {key}"
            seen.add(key)
            assert not math.isnan(s.value), f"{where}: NaN in {key}"
            if family.type == "counter":
                assert s.name == family.name + "_total", f"{where}: counter sample {s.name} does not end in _total"
                assert s.value >= 0 and math.isfinite(s.value), f"{where}: {key} = {s.value}"
        if family.type == "histogram":
            check_histogram(family, where)
    return families


def check_histogram(family, where: str):
    groups: dict[tuple, dict] = {}
    for s in family.samples:
        labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        group = groups.setdefault(labels, {"buckets": [], "count": None, "sum": None})
        if s.name == family.name + "_bucket":
            group["buckets"].append((float(s.labels["le"]), s.value))
        elif s.name == family.name + "_count":
            group["count"] = s.value
        elif s.name == family.name + "_sum":
            group["sum"] = s.value
        else:
            raise AssertionError(f"{where}: unexpected sample {s.name} in histogram {family.name}")
    for labels, group in groups.items():
        what = f"{where}: {family.name}{dict(labels)}"
        buckets = sorted(group["buckets"])
        assert buckets and buckets[-1][0] == math.inf, f"{what} has no +Inf bucket"
        counts = [count for _, count in buckets]
        assert counts == sorted(counts), f"{what}: buckets fall: {buckets}"
        assert group["count"] is not None and group["count"] == buckets[-1][1], f"{what}: _count {group['count']} != +Inf {buckets[-1][1]}"
        assert group["sum"] is not None and group["sum"] >= 0, f"{what}: _sum {group['sum']}"


def scrape(url: str, headers: dict | None = None, where: str | None = None) -> Scrape:
    r = requests.get(url, headers=headers or {}, timeout=10)
    assert r.status_code == 200, f"GET {url}: {r.status_code} {r.text[:500]}"
    assert r.headers.get("Content-Type", "").startswith("text/plain"), r.headers
    assert "version=0.0.4" in r.headers["Content-Type"], r.headers
    return Scrape(r.text, where or url)


def delta(after: Scrape, before: Scrape, name: str, **labels) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


def eventually(read, check, timeout: float = 20.0, what: str = ""):
    """Reads (a scrape, usually) until `check(value)` is true: counters a worker increments just
    after the task it ran is stored may show a moment after the client sees SUCCESS."""
    deadline = time.time() + timeout
    while True:
        value = read()
        if check(value):
            return value
        if time.time() > deadline:
            raise AssertionError(f"not reached within {timeout}s: {what}")
        time.sleep(0.1)


def wait_metrics_ready(url: str, process: CoachProcess, timeout: float = 30.0):
    wait_http_ready(url.removesuffix("/metrics"), process, path="/metrics", timeout=timeout)


def q(key: str) -> str:
    return urllib.parse.quote(key)


# ---------------------------------------------------------------------------------------------
# The fake upstream and provider settings


def llm_env(fake: FakeLLM, chain: str = "openai", **overrides) -> dict:
    env = {
        "LLM_PROVIDERS": chain, "LLM_RETRY_BASE_DELAY_MS": "20", "LLM_BREAKER_THRESHOLD": "1000",
        "OPENAI_API_KEY": KEYS["openai"], "OPENAI_BASE_URL": fake.base_url, "OPENAI_MODEL": MODEL,
        "OPENAI_TIMEOUT": "10", "OPENAI_MAX_RETRIES": "1",
        "OPENAI_PRICE_INPUT_PER_MTOK": str(PRICE[0]), "OPENAI_PRICE_OUTPUT_PER_MTOK": str(PRICE[1]),
        # Keys stay off unless a test sets them; the inherited environment decides nothing.
        "COACH_ADMIN_KEY": "", "COACH_HOST": "",
    }
    env.update({name: str(value) for name, value in overrides.items()})
    return env


# ---------------------------------------------------------------------------------------------
# A split mesh, every role with --metrics-port


def redis_url_for_test() -> str:
    """REDIS_URL on a database of its own (the server of scripts/with-redis may be shared)."""
    url = os.environ["REDIS_URL"]
    return url if urllib.parse.urlsplit(url).path.strip("/") else url.rstrip("/") + "/9"


class MetricsMesh:
    """resume, interview, learning, edge and (with Redis) a worker, on one SQLite data dir."""

    def __init__(self, root, fake: FakeLLM, redis_url: str | None):
        self.root, self.fake, self.redis_url = root, fake, redis_url
        self.roles = ["resume", "interview", "learning"] + (["worker"] if redis_url else []) + ["edge"]
        self.grpc = {role: free_port() for role in self.roles if role != "edge"}
        self.metrics = {role: free_port() for role in self.roles}
        self.http = free_port()
        self.processes: dict[str, CoachProcess] = {}

    @property
    def runner(self) -> str:
        """The role whose worker runs background jobs."""
        return "worker" if self.redis_url else "interview"

    def addr(self, role: str) -> str:
        return f"127.0.0.1:{self.grpc[role]}"

    def metrics_url(self, role: str) -> str:
        return f"http://127.0.0.1:{self.metrics[role]}/metrics"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http}{path}"

    def start(self) -> "MetricsMesh":
        data = str(self.root / "data")
        env = llm_env(self.fake, LOG_LEVEL="info")
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        for role in self.roles:
            args = ["--role", role, "--metrics-port", str(self.metrics[role])]
            if role == "edge":
                args += ["--http-port", str(self.http), "--resume-addr", self.addr("resume"),
                         "--interview-addr", self.addr("interview"), "--learning-addr", self.addr("learning")]
            else:
                args += ["--grpc-port", str(self.grpc[role]), "--data-dir", data]
                if role == "resume":
                    args += ["--interview-addr", self.addr("interview"), "--learning-addr", self.addr("learning")]
                else:
                    args += ["--resume-addr", self.addr("resume")]
            process = CoachProcess(f"metrics-{role}", args, env=env).start()
            self.processes[role] = process
            if role == "edge":
                wait_http_ready(self.url(""), process)
            else:
                wait_grpc_ready(self.grpc[role], process)
            wait_metrics_ready(self.metrics_url(role), process)
        return self

    def scrape(self, role: str) -> Scrape:
        return scrape(self.metrics_url(role), where=f"{role} --metrics-port")

    def scrape_all(self) -> dict[str, Scrape]:
        return {role: self.scrape(role) for role in self.roles}

    def stop(self) -> dict[str, int]:
        return {role: self.processes[role].stop(timeout=30) for role in reversed(list(self.processes))}


@pytest.fixture(params=["local-queue", "redis"])
def mesh(request, tmp_path, fake):
    redis_url = None
    if request.param == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("needs REDIS_URL (run under scripts/with-redis)")
        redis_url = redis_url_for_test()
    m = MetricsMesh(tmp_path, fake, redis_url)
    try:
        m.start()
        yield m
    finally:
        codes = m.stop()
    assert set(codes.values()) == {0}, codes


def rules_logged(log: str) -> set[str]:
    """The rules the runner logged for a broken answer ("provider output broke the rules")."""
    rules: set[str] = set()
    for line in log.splitlines():
        if "broke the rules" not in line:
            continue
        try:
            value = json.loads(line)["rules"]  # LOG_FORMAT=json
        except ValueError:
            match = re.search(r"\brules=\"?([\w.,]+)", line)  # text
            assert match, line
            value = match.group(1)
        rules.update(value.split(","))
    return rules


def test_one_async_generation_moves_the_metrics_of_the_processes_that_did_the_work(mesh, fake):
    """before / during / after an async generation whose first answer breaks the rules: each
    role reports the work it did, the others report none of it."""
    resume = fixture_resumes()["senior-platform-en"]
    created = requests.post(mesh.url("/api/v1/resumes"), json=resume, timeout=10)
    assert created.status_code == 201, created.text
    key = created.json()["unique_key"]
    # An answer with too few questions, then (after the corrective prompt) a valid one, slowly,
    # so the task is still running while the "during" scrape is taken.
    fake.script("openai", "invalid", "slow")

    before = mesh.scrape_all()
    runner = mesh.runner
    for role, s in before.items():
        for name in PROCESS_METRICS:
            assert s.has(name), f"{role} has no {name}"
        assert s.value("process_resident_memory_bytes") > 0
        assert 0 < s.value("process_start_time_seconds") <= time.time() + 5
    # A generating role reports the queue of the kinds it runs (the worker: all), and its
    # providers' breakers; only the edge serves HTTP.
    for role in mesh.roles:
        for kind in ("interview", "learning"):
            has_queue = role in (kind, "worker")
            for state in ("waiting", "pending", "dead_lettered"):
                assert before[role].has("coach_queue_jobs", kind=kind, state=state) == has_queue, (role, kind, state)
            assert before[role].has("coach_queue_oldest_job_age_seconds", kind=kind) == has_queue, (role, kind)
        assert before[role].has("coach_llm_breaker_state", provider="openai") == (role in ("interview", "learning", "worker")), role
        assert before[role].has("coach_edge_streams_open", stream="sse") == (role == "edge"), role

    started = requests.post(mesh.url(f"/api/v1/interview/async/{q(key)}/questions"), json={"language": "en"}, timeout=30)
    assert started.status_code == 202, started.text
    task_id = started.json()["task_id"]

    with requests.get(mesh.url(f"/api/v1/interview/tasks/{task_id}/stream"), stream=True, timeout=120) as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines(decode_unicode=True)
        for line in lines:
            if line.startswith("data:") and '"calling_llm"' in line:
                break
        else:
            raise AssertionError("the stream ended before calling_llm")
        # During: the stream is open on the edge, the run has started and not finished.
        during = mesh.scrape_all()
        assert during["edge"].value("coach_edge_streams_open", stream="sse") == 1
        assert delta(during[runner], before[runner], "coach_task_runs_total", kind="interview") == 1
        assert delta(during[runner], before[runner], "coach_tasks_finished_total", kind="interview") == 0
        # The rest of the stream, to its end.
        rest = "\n".join(lines)
    assert "event: completed" in rest and "event: close" in rest, rest[-2000:]

    progress = requests.get(mesh.url(f"/api/v1/interview/tasks/{task_id}/progress"), timeout=10)
    assert progress.status_code == 200 and progress.json()["state"] == "SUCCESS", progress.text
    unknown = requests.get(mesh.url(f"/api/v1/interview/tasks/{uuid.uuid4().hex}/progress"), timeout=10)
    assert unknown.status_code == 404, unknown.text

    # After: the worker's last counters and the stream gauge settle a moment after the client sees the end.
    eventually(lambda: mesh.scrape(runner), lambda s: delta(s, before[runner], "coach_tasks_finished_total", kind="interview", outcome="success") == 1,
               what=f"coach_tasks_finished_total{{outcome=success}} +1 in {runner}")
    eventually(lambda: mesh.scrape("edge"), lambda s: s.value("coach_edge_streams_open", stream="sse") == 0,
               what="coach_edge_streams_open{stream=sse} back to 0")
    eventually(lambda: mesh.scrape("interview"),
               lambda s: delta(s, before["interview"], "grpc_server_handled_total", grpc_service=TASK_SERVICE, grpc_method="WatchTask", grpc_code="OK") == 1,
               what="WatchTask counted when it closes")
    after = mesh.scrape_all()

    def d(role: str, name: str, **labels) -> float:
        return delta(after[role], before[role], name, **labels)

    # The edge: one 202 on the async route, one stream, one progress read; one client call of each RPC.
    assert d("edge", "http_server_requests_total", http_route=ASYNC_ROUTE, http_request_method="POST", http_response_status_code="202") == 1
    assert d("edge", "http_server_request_duration_seconds_count", http_route=ASYNC_ROUTE, http_request_method="POST") == 1
    assert d("edge", "http_server_requests_total", http_route="/api/v1/interview/tasks/{task_id}/stream", http_request_method="GET",
             http_response_status_code="200") == 1
    assert d("edge", "http_server_requests_total", http_route="/api/v1/interview/tasks/{task_id}/progress", http_request_method="GET",
             http_response_status_code="200") == 1
    start = dict(grpc_service=INTERVIEW_SERVICE, grpc_method="StartQuestionGeneration")
    assert d("edge", "grpc_client_handled_total", **start, grpc_code="OK") == 1
    assert d("edge", "grpc_client_handled_total", **start) == 1
    assert d("edge", "grpc_client_handling_seconds_count", **start) == 1
    assert d("edge", "grpc_client_handled_total", grpc_service=TASK_SERVICE, grpc_method="WatchTask", grpc_code="OK") == 1
    # GetTask: the progress read, and the stream's look before its first byte.
    assert d("edge", "grpc_client_handled_total", grpc_service=TASK_SERVICE, grpc_method="GetTask", grpc_code="OK") == 2

    # The interview role: the start call, the task created there.
    assert d("interview", "grpc_server_handled_total", **start, grpc_code="OK") == 1
    assert d("interview", "grpc_server_handled_total", **start) == 1
    assert d("interview", "grpc_server_handling_seconds_count", **start) == 1
    assert d("interview", "coach_tasks_created_total", kind="interview") == 1
    assert d("interview", "grpc_server_handled_total", grpc_service=TASK_SERVICE, grpc_method="GetTask", grpc_code="OK") == 2
    # The unknown task: a 404 at the edge, NOT_FOUND on both sides of the call.
    assert d("edge", "http_server_requests_total", http_route="/api/v1/interview/tasks/{task_id}/progress", http_request_method="GET",
             http_response_status_code="404") == 1
    assert d("edge", "grpc_client_handled_total", grpc_service=TASK_SERVICE, grpc_method="GetTask", grpc_code="NOT_FOUND") == 1
    assert d("interview", "grpc_server_handled_total", grpc_service=TASK_SERVICE, grpc_method="GetTask", grpc_code="NOT_FOUND") == 1
    for role in mesh.roles:
        if role != "interview":
            assert d(role, "coach_tasks_created_total") == 0, role
            assert d(role, "grpc_server_handled_total", **start) == 0, role

    # The resume role answered the resume lookups (starting the task, running it).
    assert d("resume", "grpc_server_handled_total", grpc_service=RESUME_SERVICE, grpc_method="GetResume", grpc_code="OK") >= 1
    assert d(runner, "grpc_client_handled_total", grpc_service=RESUME_SERVICE, grpc_method="GetResume", grpc_code="OK") >= 1

    # The runner: one run, one success, one queue wait, each stage timed once.
    assert d(runner, "coach_task_runs_total", kind="interview") == 1
    assert d(runner, "coach_tasks_finished_total", kind="interview", outcome="success") == 1
    assert d(runner, "coach_tasks_finished_total", kind="interview") == 1
    assert d(runner, "coach_task_queue_wait_seconds_count", kind="interview") == 1
    for stage in STAGES:
        assert d(runner, "coach_task_stage_duration_seconds_count", kind="interview", stage=stage) == 1, stage
    for role in mesh.roles:
        if role != runner:
            assert d(role, "coach_task_runs_total") == 0, role
            assert d(role, "coach_tasks_finished_total") == 0, role
            assert d(role, "coach_llm_calls_total") == 0, role

    # The provider: an invalid answer, then a valid one after the corrective prompt.
    llm = dict(provider="openai", purpose="questions")
    assert d(runner, "coach_llm_calls_total", **llm, outcome="invalid_output") == 1
    assert d(runner, "coach_llm_calls_total", **llm, outcome="success") == 1
    assert d(runner, "coach_llm_calls_total", **llm) == 2
    assert d(runner, "coach_llm_call_duration_seconds_count", **llm) == 2
    assert d(runner, "coach_llm_fallbacks_total") == 0
    tokens_in, tokens_out = USAGE["openai"]
    assert d(runner, "coach_llm_tokens_total", **llm, direction="input") == 2 * tokens_in
    assert d(runner, "coach_llm_tokens_total", **llm, direction="output") == 2 * tokens_out
    cost = 2 * (tokens_in * PRICE[0] + tokens_out * PRICE[1]) / 1_000_000
    assert d(runner, "coach_llm_cost_usd_total", **llm) == pytest.approx(cost, rel=1e-6)
    # "invalid" answers 2 questions where 5 are asked for: questions.count, and whatever else that
    # breaks, each rule counted once; the same rules the runner logged.
    broken = {rule for rule in after[runner].label_values("coach_llm_rule_violations_total", "rule")
              if d(runner, "coach_llm_rule_violations_total", **llm, rule=rule) > 0}
    assert "questions.count" in broken, broken
    for rule in broken:
        assert d(runner, "coach_llm_rule_violations_total", **llm, rule=rule) == 1, rule
    assert broken == rules_logged(mesh.processes[runner].log()), broken
    assert after[runner].value("coach_llm_breaker_state", provider="openai") == 0

    # The queue is empty again (the job was acknowledged), as every role with it reports.
    for role in sorted({"interview", runner}):
        s = eventually(lambda: mesh.scrape(role), lambda s: s.value("coach_queue_jobs", kind="interview", state="pending") == 0,
                       what=f"no pending interview job in {role}")
        assert s.value("coach_queue_jobs", kind="interview", state="waiting") == 0, role
        assert s.value("coach_queue_jobs", kind="interview", state="dead_lettered") == 0, role
        assert s.value("coach_queue_oldest_job_age_seconds", kind="interview") == 0, role

    # No resume text, task or resume key in any label.
    for role, s in after.items():
        for secret in (resume["name"], resume["contact"]["email"], key, q(key), task_id):
            assert secret not in s.text, f"{secret!r} in the {role} role's /metrics"


# ---------------------------------------------------------------------------------------------
# serve: who may read /metrics


@contextlib.contextmanager
def serve(tmp_path, env: dict, metrics_port: bool = True):
    port = free_port()
    server = Server(tmp_path / "data", args=["--metrics-port", str(port)] if metrics_port else [], env=env)
    server.metrics_url = f"http://127.0.0.1:{port}/metrics"
    server.start()
    try:
        if metrics_port:
            wait_metrics_ready(server.metrics_url, server.process)
        yield server
    finally:
        code = server.stop()
    assert code == 0, code


def bearer(key: str | None) -> dict:
    return {"Authorization": f"Bearer {key}"} if key else {}


def test_with_keys_on_only_an_admin_reads_the_edges_metrics(tmp_path, fake):
    with serve(tmp_path, llm_env(fake, COACH_ADMIN_KEY=ADMIN)) as server:
        made = requests.post(server.url("/api/v1/admin/keys"), headers=bearer(ADMIN), timeout=10,
                             json={"tenant": "metrics", "scopes": ["resumes:read", "resumes:write", "generate"], "name": "metrics e2e"})
        assert made.status_code == 201, made.text
        member = made.json()["key"]

        # A resume and a generation, so the scrape has labels to leak through if it did.
        resume = fixture_resumes()["senior-platform-en"]
        created = requests.post(server.url("/api/v1/resumes"), headers=bearer(member), json=resume, timeout=10)
        assert created.status_code == 201, created.text
        key = created.json()["unique_key"]
        generated = requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), headers=bearer(member),
                                  json={"language": "en"}, timeout=60)
        assert generated.status_code == 201, generated.text

        for headers, status in [({}, 401), (bearer("ic_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401),
                                (bearer(member), 403), ({"X-API-Key": member}, 403)]:
            r = requests.get(server.url("/metrics"), headers=headers, timeout=10)
            assert r.status_code == status, (headers.keys(), r.status_code, r.text[:300])
            assert "# TYPE" not in r.text and "process_" not in r.text, r.text[:300]
        as_admin = scrape(server.url("/metrics"), headers=bearer(ADMIN), where="serve HTTP /metrics (admin)")
        assert as_admin.value("http_server_requests_total", http_route="/api/v1/interview/{unique_key}/questions",
                              http_request_method="POST", http_response_status_code="201") == 1
        assert as_admin.value("coach_llm_calls_total", provider="openai", outcome="success") == 1
        # A gRPC call without a key is refused, and counted with its code.
        import grpc

        with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
            call = channel.unary_unary(f"/{RESUME_SERVICE}/ListResumes", request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as refused:
                call(b"", timeout=10)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        refusals = scrape(server.url("/metrics"), headers=bearer(ADMIN))
        assert refusals.value("grpc_server_handled_total", grpc_service=RESUME_SERVICE, grpc_method="ListResumes",
                              grpc_code="UNAUTHENTICATED") == 1
        # The refused scrapes are requests too, by status.
        for status in ("401", "403"):
            assert refusals.value("http_server_requests_total", http_route="/metrics", http_response_status_code=status) == 2, status
        # The --metrics-port listener asks for no key: it is for a scraper on a private network.
        listener = scrape(server.metrics_url, where="serve --metrics-port (keys on)")
        assert listener.has("coach_llm_calls_total", provider="openai")

        for s in (as_admin, listener):
            for secret in (ADMIN, member, member.split("_")[-1], resume["name"], resume["contact"]["email"], key, q(key)):
                assert secret not in s.text, f"{secret!r} in {s.where}"


def test_without_keys_anyone_reads_metrics_and_the_listener_serves_nothing_else(tmp_path, fake):
    with serve(tmp_path, llm_env(fake)) as server:
        scrape(server.url("/metrics"), where="open serve HTTP /metrics")
        scrape(server.metrics_url, where="open serve --metrics-port")
        base = server.metrics_url.removesuffix("/metrics")
        for path in ("/", "/healthz", "/readyz", "/metrics/extra", "/api/v1/resumes", "/docs"):
            r = requests.get(base + path, timeout=10)
            assert r.status_code == 404, (path, r.status_code)
        # Paths nobody routes do not become label values (one "unmatched" series, not one per path).
        probe = uuid.uuid4().hex
        for suffix in ("a", "b"):
            assert requests.get(server.url(f"/no-such-{probe}-{suffix}"), timeout=10).status_code == 404
        s = scrape(server.metrics_url)
        assert probe not in s.text
        assert s.value("http_server_requests_total", http_request_method="GET", http_response_status_code="404") >= 2


def test_without_metrics_port_there_is_no_listener_but_the_edge_still_serves_metrics(tmp_path, fake):
    with serve(tmp_path, llm_env(fake), metrics_port=False) as server:
        s = scrape(server.url("/metrics"), where="serve without --metrics-port")
        assert s.has("process_resident_memory_bytes")


def test_a_stream_the_client_drops_is_no_longer_counted(tmp_path, fake):
    """coach_edge_streams_open follows the streams really open: a client that goes away mid-task
    is noticed at the next write (a heartbeat) and leaves the count."""
    with serve(tmp_path, llm_env(fake, COACH_SSE_HEARTBEAT=1)) as server:
        key = create_resume(server)
        fake.script("openai", "hang")  # the task stays in calling_llm until the fake is reset
        started = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), json={"language": "en"}, timeout=30)
        assert started.status_code == 202, started.text
        stream = requests.get(server.url(f"/api/v1/interview/tasks/{started.json()['task_id']}/stream"), stream=True, timeout=5)
        assert stream.status_code == 200
        # Keep the iterator: a discarded one closes the response, and the server sees the client go.
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 3000"
        assert scrape(server.metrics_url).value("coach_edge_streams_open", stream="sse") == 1
        stream.close()
        eventually(lambda: scrape(server.metrics_url), lambda s: s.value("coach_edge_streams_open", stream="sse") == 0,
                   what="the dropped stream leaves coach_edge_streams_open")
        fake.reset()  # lets the hung call go before the server stops


@contextlib.contextmanager
def lone_edge(tmp_path):
    """An edge role whose upstreams are all down (nothing listens on their ports)."""
    http, metrics = free_port(), free_port()
    nowhere = [f"127.0.0.1:{free_port()}" for _ in range(3)]
    edge = CoachProcess("metrics-lone-edge", [
        "--role", "edge", "--http-port", str(http), "--metrics-port", str(metrics), "--resume-addr", nowhere[0],
        "--interview-addr", nowhere[1], "--learning-addr", nowhere[2]], env={"COACH_ADMIN_KEY": "", "COACH_HOST": ""}).start()
    try:
        wait_http_ready(f"http://127.0.0.1:{http}", edge, path="/healthz")
        wait_metrics_ready(f"http://127.0.0.1:{metrics}/metrics", edge)
        yield f"http://127.0.0.1:{http}", f"http://127.0.0.1:{metrics}/metrics"
    finally:
        assert edge.stop() == 0


def test_an_edge_with_its_upstreams_down_still_reports_on_its_metrics_listener(tmp_path):
    with lone_edge(tmp_path) as (base, metrics_url):
        for path in ("/api/v1/resumes", "/readyz"):
            assert requests.get(base + path, timeout=15).status_code == 503, path
        s = scrape(metrics_url, where="lone edge --metrics-port")
        assert s.value("http_server_requests_total", http_route="/api/v1/resumes", http_response_status_code="503") == 1
        assert s.value("http_server_requests_total", http_route="/readyz", http_response_status_code="503") == 1


def test_an_open_edge_serves_metrics_on_its_http_port_while_its_upstreams_are_down(tmp_path):
    """With keys off nobody is asked who may read /metrics, so an outage upstream does not hide it."""
    with lone_edge(tmp_path) as (base, _):
        r = requests.get(base + "/metrics", timeout=15)
        assert r.status_code == 200, (r.status_code, r.text[:300])


# ---------------------------------------------------------------------------------------------
# A failing provider


def test_a_failing_provider_moves_errors_fallbacks_and_the_breaker(tmp_path, fake):
    env = llm_env(fake, chain="openai,builtin", LLM_BREAKER_THRESHOLD=1, LLM_BREAKER_COOLDOWN=600)
    with serve(tmp_path, env) as server:
        key = create_resume(server)
        before = scrape(server.metrics_url)
        assert before.value("coach_llm_breaker_state", provider="openai") == 0
        assert before.value("coach_llm_breaker_state", provider="builtin") == 0

        fake.script("openai", "500", "500")  # the call and its one retry
        r = requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), json={"language": "en"}, timeout=60)
        assert r.status_code == 201, r.text
        assert [(a["provider"], a["outcome"]) for a in r.json()["attempts"]] == [
            ("openai", "retryable_error"), ("openai", "retryable_error"), ("builtin", "success")]
        after = scrape(server.metrics_url)
        llm = dict(provider="openai", purpose="questions")
        assert delta(after, before, "coach_llm_calls_total", **llm, outcome="retryable_error") == 2
        assert delta(after, before, "coach_llm_calls_total", **llm, outcome="success") == 0
        assert delta(after, before, "coach_llm_fallbacks_total", **llm) == 1
        assert delta(after, before, "coach_llm_calls_total", provider="builtin", purpose="questions", outcome="success") == 1
        assert delta(after, before, "coach_llm_tokens_total", **llm) == 0
        # One failure opens the breaker (threshold 1): "open" is 2.
        assert after.value("coach_llm_breaker_state", provider="openai") == 2
        assert after.value("coach_llm_breaker_state", provider="builtin") == 0

        # While it is open, openai is skipped, and nothing reaches it.
        r = requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), json={"language": "en"}, timeout=60)
        assert r.status_code == 201, r.text
        assert [(a["provider"], a["outcome"]) for a in r.json()["attempts"]] == [("openai", "skipped_circuit_open"), ("builtin", "success")]
        skipped = scrape(server.metrics_url)
        assert delta(skipped, after, "coach_llm_calls_total", **llm, outcome="skipped_circuit_open") == 1
        assert delta(skipped, after, "coach_llm_call_duration_seconds_count", **llm) == 0
        # The chain moved on from the skipped provider: that is a fallback too.
        assert delta(skipped, after, "coach_llm_fallbacks_total", **llm) == 1
        assert len(fake.requests("openai")) == 2
        assert skipped.value("coach_llm_breaker_state", provider="openai") == 2
        # The sync route answered 201 twice; no 5xx was counted.
        assert delta(skipped, before, "http_server_requests_total", http_route="/api/v1/interview/{unique_key}/questions",
                     http_response_status_code="201") == 2
        assert not [s for s in skipped.series("http_server_requests_total") if s.labels["http_response_status_code"].startswith("5")]


# ---------------------------------------------------------------------------------------------
# The alert rules and the dashboard query what the server exposes


@pytest.fixture(scope="module")
def exposed(tmp_path_factory, fake):
    """A serve that has done everything that makes a series appear (an async generation with a
    broken first answer, a fallback, an SSE stream), scraped: {sample name: label names}."""
    fake.reset()
    data = tmp_path_factory.mktemp("exposed")
    with serve(data, llm_env(fake, chain="openai,builtin")) as server:
        key = create_resume(server)
        fake.script("openai", "invalid", "ok")
        task = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), json={"language": "en"}, timeout=30)
        assert task.status_code == 202, task.text
        events = read_sse(requests.get(server.url(f"/api/v1/interview/tasks/{task.json()['task_id']}/stream"), stream=True, timeout=120))
        assert [e.get("event") for e in events if "event" in e][-2:] == ["completed", "close"], events
        fake.script("openai", "500", "500")
        assert requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), json={"language": "en"}, timeout=60).status_code == 201
        s = eventually(lambda: scrape(server.metrics_url), lambda s: s.has("coach_tasks_finished_total"), what="a finished task")
    fake.reset()
    labels = s.labels_of()
    for name in ("coach_llm_rule_violations_total", "coach_llm_fallbacks_total", "coach_llm_cost_usd_total",
                 "coach_task_stage_duration_seconds_bucket", "coach_queue_jobs", "coach_llm_breaker_state", "coach_edge_streams_open"):
        assert name in labels, f"{name} not exposed after the exercise"
    return labels


# PromQL words that are not metric names.
PROMQL_FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg", "avg_over_time", "bottomk", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "count", "count_over_time", "count_values", "delta", "deriv", "floor", "group", "histogram_quantile", "idelta", "increase",
    "irate", "label_replace", "last_over_time", "max", "max_over_time", "min", "min_over_time", "predict_linear", "quantile",
    "quantile_over_time", "rate", "resets", "round", "scalar", "sort", "sort_desc", "stddev", "sum", "sum_over_time", "time",
    "timestamp", "topk", "vector", "label_values",
}
PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
# Series Prometheus itself makes for every target, and labels it adds.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
TARGET_LABELS = {"job", "instance"}


def promql_problems(expr: str, exposed: dict[str, set[str]]) -> list[str]:
    """What in `expr` the server does not expose: unknown metric names, label names a metric does
    not carry. A small PromQL reader: enough for the expressions of these files."""
    problems = []
    text = re.sub(r"\$\{?\w+\}?", "1m", expr)  # Grafana variables ($__rate_interval, $job)
    # name{matchers}: the matchers' label names must be the metric's.
    for name, matchers in re.findall(r"([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}", text):
        if name in PROMQL_FUNCTIONS or name in PROMQL_KEYWORDS:
            continue
        carried = exposed.get(name, set()) | TARGET_LABELS | ({"le"} if name.endswith("_bucket") else set())
        for label in re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", matchers):
            if name in exposed and label not in carried:
                problems.append(f"{name} has no label {label}")
    used = set()
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    stripped = re.sub(r"\{[^}]*\}", " ", stripped)
    stripped = re.sub(r"\[[^\]]*\]", " ", stripped)
    grouping = re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", stripped)
    stripped = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", stripped)
    for token, call in re.findall(r"\b([a-zA-Z_:][\w:]*)\b(\s*\()?", stripped):
        if re.fullmatch(r"\d+\w*", token) or token.lower() in PROMQL_KEYWORDS:
            continue
        if call:
            if token not in PROMQL_FUNCTIONS:
                problems.append(f"unknown function {token}")
            continue
        if re.fullmatch(r"(?:\d+(?:ms|s|m|h|d|w|y))+", token) or re.fullmatch(r"e\d*", token):
            continue
        used.add(token)
        if token not in exposed and token not in PROMETHEUS_SERIES:
            problems.append(f"metric {token} is not exposed")
    # Grouping labels must be carried by one of the metrics the expression reads.
    carried = set(TARGET_LABELS) | {"le"}
    for name in used:
        carried |= exposed.get(name, set())
    for clause in grouping:
        for label in re.findall(r"[a-zA-Z_]\w*", clause):
            if label not in carried:
                problems.append(f"grouping by {label}, which none of {sorted(used)} carries")
    if not used:
        problems.append("reads no metric")
    return problems


def load_yaml(path):
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_alert_rules_load_and_query_only_exposed_metrics(exposed):
    rules = load_yaml(ALERTS)
    assert set(rules) == {"groups"}, rules.keys()
    alerts = {}
    for group in rules["groups"]:
        assert group["name"] and group["rules"], group
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, rule
            name = rule["alert"]
            assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", name) and name not in alerts, name
            assert rule["labels"]["severity"] in ("warning", "critical", "info"), rule
            assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule
            if "for" in rule:
                assert re.fullmatch(r"(?:\d+[smhd])+", rule["for"]), rule
            alerts[name] = rule["expr"]
            assert promql_problems(rule["expr"], exposed) == [], (name, rule["expr"])
    text = " ".join(alerts.values())
    # Each thing the issue asks to be alerted on.
    for needle in ['coach_queue_jobs{state="waiting"}', "coach_queue_oldest_job_age_seconds", "up{", "coach_task_runs_total",
                   "coach_llm_calls_total", "coach_llm_breaker_state", "coach_llm_cost_usd_total", "dead_lettered",
                   "http_server_requests_total"]:
        assert needle in text, needle


def promtool(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """Prometheus's own checker, when installed (Debian: `apt-get install prometheus`)."""
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool not installed")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_promtool_accepts_the_rules_and_the_config():
    checked = promtool("check", "rules", str(ALERTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    checked = promtool("check", "config", str(PROMETHEUS))
    assert checked.returncode == 0, checked.stdout + checked.stderr


# Synthetic series (one sample a minute) and the alerts they must raise, or not, at a time: what
# `promtool test rules` runs. Annotations are left out of the comparison (the rules are copied
# without them).
ALERT_CASES = [
    ("CoachQueueGrowing", {'coach_queue_jobs{job="coach-worker",kind="interview",state="waiting"}': "100+10x40"},
     "30m", [{"kind": "interview", "severity": "warning"}]),
    ("CoachQueueGrowing", {'coach_queue_jobs{job="coach-worker",kind="interview",state="waiting"}': "500x40"}, "30m", []),
    ("CoachOldestJobTooOld", {'coach_queue_oldest_job_age_seconds{job="coach-interview",kind="learning"}': "0+60x20"},
     "15m", [{"kind": "learning", "severity": "warning"}]),
    ("CoachJobsWaitWithNoWorkerRunning", {'coach_queue_jobs{job="coach-interview",kind="interview",state="waiting"}': "5x40",
                                          'coach_task_runs_total{job="coach-worker",kind="interview"}': "10x40"},
     "30m", [{"kind": "interview", "severity": "critical"}]),
    ("CoachJobsWaitWithNoWorkerRunning", {'coach_queue_jobs{job="coach-interview",kind="interview",state="waiting"}': "5x40"},
     "30m", [{"kind": "interview", "severity": "critical"}]),
    ("CoachJobsWaitWithNoWorkerRunning", {'coach_queue_jobs{job="coach-interview",kind="interview",state="waiting"}': "5x40",
                                          'coach_task_runs_total{job="coach-worker",kind="interview"}': "0+1x40"}, "30m", []),
    ("CoachWorkerDown", {'up{job="coach-worker",instance="w1:9464"}': "1 1 0x10"},
     "6m", [{"job": "coach-worker", "instance": "w1:9464", "severity": "critical"}]),
    ("CoachJobsDeadLettered", {'coach_queue_jobs{job="coach-worker",kind="interview",state="dead_lettered"}': "0 0 0 1x10"},
     "5m", [{"kind": "interview", "severity": "warning"}]),
    ("CoachJobsDeadLettered", {'coach_queue_jobs{job="coach-worker",kind="interview",state="dead_lettered"}': "3x30"}, "20m", []),
    ("CoachLLMProviderErrors", {'coach_llm_calls_total{job="coach-worker",provider="openai",outcome="success"}': "0+10x30",
                                'coach_llm_calls_total{job="coach-worker",provider="openai",outcome="retryable_error"}': "0+10x30"},
     "20m", [{"provider": "openai", "severity": "warning"}]),
    ("CoachLLMProviderErrors", {'coach_llm_calls_total{job="coach-worker",provider="openai",outcome="success"}': "0+10x30",
                                'coach_llm_calls_total{job="coach-worker",provider="openai",outcome="skipped_circuit_open"}': "0+50x30"},
     "20m", []),
    ("CoachLLMBreakerOpen", {'coach_llm_breaker_state{job="coach-worker",provider="gemini"}': "2x10"},
     "6m", [{"provider": "gemini", "severity": "warning"}]),
    ("CoachLLMBreakerOpen", {'coach_llm_breaker_state{job="coach-worker",provider="gemini"}': "1x10"}, "6m", []),
    ("CoachLLMBudgetNearlySpent", {'coach_llm_cost_usd_total{job="coach-worker",provider="openai"}': "0+50x20"},
     "15m", [{"severity": "warning"}]),
    ("CoachHTTP5xxRatio", {'http_server_requests_total{job="coach-edge",http_response_status_code="200"}': "0+100x30",
                           'http_server_requests_total{job="coach-edge",http_response_status_code="503"}': "0+20x30"},
     "20m", [{"severity": "critical"}]),
    ("CoachHTTP5xxRatio", {'http_server_requests_total{job="coach-edge",http_response_status_code="200"}': "0+100x30",
                           'http_server_requests_total{job="coach-edge",http_response_status_code="404"}': "0+20x30"}, "20m", []),
]


def test_the_alerts_fire_on_the_series_they_watch_and_not_otherwise(tmp_path):
    yaml = pytest.importorskip("yaml")
    rules = load_yaml(ALERTS)
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    tests = [{
        "interval": "1m",
        "input_series": [{"series": series, "values": values} for series, values in inputs.items()],
        "alert_rule_test": [{"eval_time": at, "alertname": alert, "exp_alerts": [{"exp_labels": labels} for labels in expected]}],
    } for alert, inputs, at, expected in ALERT_CASES]
    (tmp_path / "test.yaml").write_text(yaml.safe_dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}),
                                        encoding="utf-8")
    run = promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_prometheus_config_scrapes_every_role_and_loads_the_rules():
    config = load_yaml(PROMETHEUS)
    assert "alerts.yaml" in config["rule_files"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    compose = load_yaml(ROOT / "deploy" / "compose.yaml")
    roles = [name for name in compose["services"] if name not in ("redis", "mongodb")]
    targets = json.dumps(jobs)
    for role in roles:
        assert re.search(rf'"{role}(:9464)?"', targets), f"no scrape target for the {role} service"
    alert_jobs = set(re.findall(r'job="([^"]+)"', ALERTS.read_text(encoding="utf-8")))
    assert alert_jobs <= set(jobs), alert_jobs - set(jobs)


def test_the_dashboard_is_json_and_queries_only_exposed_metrics(exposed, tmp_path):
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["schemaVersion"] >= 36 and dashboard["title"] and dashboard["uid"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert any(v["type"] == "datasource" and v["query"] == "prometheus" for v in variables.values()), variables

    def panels(items):
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    all_panels = list(panels(dashboard["panels"]))
    ids = [p["id"] for p in all_panels]
    assert len(ids) == len(set(ids)), ids
    queried = set()
    for panel in all_panels:
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"].startswith("$"), panel["title"]
        for target in panel["targets"]:
            assert promql_problems(target["expr"], exposed) == [], (panel["title"], target["expr"])
            queried.update(re.findall(r"\b((?:coach|grpc|http|process)_\w+)", target["expr"]))
    for variable in variables.values():
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query.strip())
            assert match, query
            assert promql_problems(match.group(1), exposed) == [], (variable["name"], query)
            metric = re.match(r"[\w:]+", match.group(1)).group(0)
            assert match.group(2) in exposed[metric] | TARGET_LABELS, (variable["name"], query)
    # Prometheus parses every query (checked as recording rules, Grafana's variables filled in).
    if shutil.which("promtool"):
        yaml = pytest.importorskip("yaml")
        exprs = [t["expr"] for p in all_panels if p["type"] != "row" for t in p["targets"]]
        filled = [e.replace("$__rate_interval", "5m").replace("$__range", "6h").replace("$job", "coach-.*") for e in exprs]
        rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(filled)]}]}
        path = tmp_path / "dashboard-queries.yaml"
        path.write_text(yaml.safe_dump(rules), encoding="utf-8")
        checked = promtool("check", "rules", str(path))
        assert checked.returncode == 0, checked.stdout + checked.stderr
    # Every family the server exposes is on the dashboard (histograms through their buckets).
    families = {re.sub(r"_(bucket|sum|count)$", "", n) for n in exposed if not n.startswith("process_")}
    shown = {re.sub(r"_(bucket|sum|count)$", "", n) for n in queried}
    missing = {f for f in families if f not in shown and not (f.endswith("_seconds") and f + "_bucket" in shown)}
    assert not missing, missing
