"""The operations API (/api/v1/operations) and `interview-coach tasks` against the real binary: an
operator finds any tenant's failed task with the filters that match it (and not the others), reads
its timeline and every provider attempt with the rule ids it broke, retries it with another
provider of the chain until it succeeds, pages through tasks, cancels queued and running tasks,
pauses a queue, and handles dead letters. Single-process cases run on `serve` with keys on; the
cross-process ones (cancel, pause, dead letters) on a split mesh with a Redis worker process."""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest
import requests

from conftest import BINARY, fixture_resumes, read_sse, wait_grpc_ready
from test_distributed import RedisServer
from test_metrics import MetricsMesh, bearer, eventually, serve
# The fake upstream of the provider tests (a fresh one for every test), and the server settings
# that point every provider at it: imported, not copied.
from test_providers import coach_env, fake, fresh_fake, generation_path  # noqa: F401

ADMIN = f"e2e-ops-admin-{uuid.uuid4().hex}"
MEMBER = ["resumes:read", "resumes:write", "generate"]  # every scope but admin
OPS = "/api/v1/operations"
STATES = ("PENDING", "PROGRESS", "SUCCESS", "FAILURE", "CANCELLED")
SUMMARY_FIELDS = {"task_id", "kind", "tenant", "state", "stage", "progress", "unique_key", "created_at", "updated_at", "runs",
                  "providers", "error", "trace_id"}
DETAIL_FIELDS = SUMMARY_FIELDS | {"message", "result_id", "cancel_requested", "timeline", "attempts"}
ATTEMPT_FIELDS = {"run", "provider", "model", "outcome", "latency_ms", "input_tokens", "output_tokens", "cost_usd", "error_code", "rules"}
# Both providers of the chain break: openai's answer and its corrective retry break the output
# rules, anthropic answers 500 twice (the call and its one retry).
BROKEN = {"openai": ("invalid", "invalid"), "anthropic": ("500", "500")}
FAILED_CODE = "INTERVIEW_GENERATION_FAILED"
# Redis mode: a job lease of 2 s, so a job abandoned by a dead consumer is taken over in seconds.
JOB_LEASE = "2"


# ---------------------------------------------------------------------------------------------
# Helpers


def new_tenant(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


class Ops:
    """A client of one edge (`url(path)`: the server's or the mesh's) presenting `key` (None: keys are off)."""

    def __init__(self, url, key: str | None = None):
        self.url, self.key, self.headers = url, key, bearer(key)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return requests.request(method, self.url(path), headers=self.headers, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs):
        r = self.call(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text[:1000]}"
        return r.json() if r.content else None

    def tasks(self, **params) -> list[dict]:
        return self.ok("GET", f"{OPS}/tasks", params={"page_size": 100, **params})["tasks"]

    def ids(self, **params) -> list[str]:
        return [t["task_id"] for t in self.tasks(**params)]

    def detail(self, task_id: str, kind: str = "interview") -> dict:
        return self.ok("GET", f"{OPS}/tasks/{kind}/{task_id}")

    def wait(self, task_id: str, states, kind: str = "interview", timeout: float = 30.0) -> dict:
        return eventually(lambda: self.detail(task_id, kind), lambda d: d["state"] in states, timeout=timeout,
                          what=f"{kind} task {task_id} in {states}")

    def act(self, action: str, task_id: str, kind: str = "interview", body: dict | None = None) -> requests.Response:
        return self.call("POST", f"{OPS}/tasks/{kind}/{task_id}/{action}", json=body if body is not None else {})

    def audit(self) -> list[dict]:
        return self.ok("GET", "/api/v1/admin/audit", params={"limit": 100})["entries"]

    # A tenant's side of the API

    def resume(self, fixture: str = "senior-platform-en") -> str:
        return self.ok("POST", "/api/v1/resumes", 201, json=fixture_resumes()[fixture])["unique_key"]

    def start(self, key: str, kind: str = "questions") -> str:
        return self.ok("POST", generation_path(key, kind, asynchronous=True), 202, json={"language": "en"})["task_id"]

    def progress(self, task_id: str, kind: str = "interview") -> dict:
        return self.ok("GET", f"/api/v1/{kind}/tasks/{task_id}/progress")


def member(admin: Ops, tenant: str) -> Ops:
    """A tenant's key with every scope but admin (made through /api/v1/admin/keys)."""
    made = admin.ok("POST", "/api/v1/admin/keys", 201, json={"tenant": tenant, "scopes": MEMBER, "name": f"ops e2e {tenant}"})
    return Ops(admin.url, made["key"])


def failed_task(admin: Ops, tenant: Ops, key: str, fake) -> str:
    """An interview task of `tenant` that fails: every provider of the chain broken (BROKEN)."""
    for provider, steps in BROKEN.items():
        fake.script(provider, *steps)
    task_id = tenant.start(key)
    assert admin.wait(task_id, {"FAILURE", "SUCCESS"})["state"] == "FAILURE"
    return task_id


def rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def assert_error(response: requests.Response, status: int, code: str):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    assert response.json()["error_code"] == code, response.text


def events_of(task: dict) -> list[tuple]:
    return [(e["event"], e["stage"], e["run"]) for e in task["timeline"]]


def audited(admin: Ops, action: str, target: str) -> list[dict]:
    return [e for e in admin.audit() if e["action"] == action and e["target"] == target]


def cli(grpc_address: str, key: str | None, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """`interview-coach tasks …` against `grpc_address`, the key in COACH_API_KEY."""
    env = {**os.environ, "COACH_SERVER": grpc_address, "COACH_API_KEY": key or ""}
    run = subprocess.run([str(BINARY), "tasks", *args], capture_output=True, text=True, timeout=60, env=env)
    if ok:
        assert run.returncode == 0, f"tasks {' '.join(args)}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    return run


def table(text: str) -> list[list[str]]:
    """Rows of the CLI's aligned table (columns are separated by two spaces or more)."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def stream_in_background(url: str, headers: dict) -> concurrent.futures.Future:
    """Reads the SSE stream at `url` to its end on another thread; the future holds its events."""
    response = requests.get(url, headers=headers, stream=True, timeout=60)
    assert response.status_code == 200, response.text
    pool = concurrent.futures.ThreadPoolExecutor(1)
    future = pool.submit(read_sse, response)
    pool.shutdown(wait=False)
    return future


def terminal_events(future: concurrent.futures.Future) -> list[dict]:
    return [e for e in future.result(timeout=30) if "event" in e]


# ---------------------------------------------------------------------------------------------
# One server with keys on and two tenants' tasks: a failure and two successes


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake):
    """`serve` with keys on and the chain openai, anthropic (both the fake upstream). Tenant A's
    interview task fails (both providers broken); tenant B's learning path and interview
    questions succeed (openai answers well)."""
    fake.reset()
    env = coach_env(fake, ["openai", "anthropic"], COACH_ADMIN_KEY=ADMIN, COACH_HOST="")
    with serve(tmp_path_factory.mktemp("operations"), env, metrics_port=False) as server:
        admin = Ops(server.url, ADMIN)
        a, b = new_tenant("acme"), new_tenant("globex")
        alice, bob = member(admin, a), member(admin, b)
        key_a, key_b = alice.resume("senior-platform-en"), bob.resume("junior-backend-ko")
        failed = failed_task(admin, alice, key_a, fake)
        learned = bob.start(key_b, "learning")
        assert admin.wait(learned, {"SUCCESS", "FAILURE"}, kind="learning")["state"] == "SUCCESS"
        asked = bob.start(key_b)
        assert admin.wait(asked, {"SUCCESS", "FAILURE"})["state"] == "SUCCESS"
        fake.reset()
        yield dict(server=server, admin=admin, tenants=(a, b), members=(alice, bob), keys=(key_a, key_b),
                   failed=failed, learned=learned, asked=asked)


# ---------------------------------------------------------------------------------------------
# Keys


def test_only_an_admin_key_may_use_operations_over_rest_and_the_cli(world):
    server, admin, (alice, _) = world["server"], world["admin"], world["members"]
    failed = world["failed"]
    routes = [
        ("GET", f"{OPS}/overview"), ("GET", f"{OPS}/overview/stream"), ("GET", f"{OPS}/tasks"),
        ("GET", f"{OPS}/tasks/interview/{failed}"), ("POST", f"{OPS}/tasks/interview/{failed}/retry"),
        ("POST", f"{OPS}/tasks/interview/{failed}/cancel"), ("GET", f"{OPS}/dead-letters?kind=interview"),
        ("POST", f"{OPS}/dead-letters/interview/1-1/retry"), ("POST", f"{OPS}/dead-letters/interview/1-1/drop"),
        ("POST", f"{OPS}/queues/interview/pause"), ("POST", f"{OPS}/queues/learning/resume"),
    ]
    for caller, status, code in [(Ops(server.url), 401, "UNAUTHORIZED"), (alice, 403, "FORBIDDEN"),
                                 (Ops(server.url, "ic_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401, "UNAUTHORIZED")]:
        for method, path in routes:
            assert_error(caller.call(method, path, json={} if method == "POST" else None), status, code)
    # Nothing the refused calls asked for happened.
    assert admin.detail(failed)["state"] == "FAILURE" and admin.detail(failed)["runs"] == 1
    overview = admin.ok("GET", f"{OPS}/overview")
    assert [q["paused"] for q in overview["queues"]] == [False, False]
    assert not [e for e in admin.audit() if e["target"] == failed]

    grpc = f"127.0.0.1:{server.grpc_port}"
    for args in (["list"], ["show", failed], ["retry", failed], ["cancel", failed]):
        refused = cli(grpc, alice.key, *args, ok=False)
        assert refused.returncode != 0, refused.stdout
        assert "FORBIDDEN" in refused.stderr and "admin" in refused.stderr, refused.stderr
        assert failed not in refused.stdout, refused.stdout
        anonymous = cli(grpc, None, *args, ok=False)
        assert anonymous.returncode != 0 and "UNAUTHORIZED" in anonymous.stderr, anonymous.stderr
    assert admin.detail(failed)["state"] == "FAILURE"


# ---------------------------------------------------------------------------------------------
# Finding tasks


def test_a_failed_task_is_found_by_every_filter_that_matches_it_and_by_no_other_across_tenants(world):
    admin, failed, learned, asked = world["admin"], world["failed"], world["learned"], world["asked"]
    (a, b), (key_a, key_b) = world["tenants"], world["keys"]
    mine = {failed, learned, asked}

    def found(**params) -> set[str]:
        return set(admin.ids(**params)) & mine

    everything = admin.tasks()
    assert mine <= {t["task_id"] for t in everything}
    created = [t["created_at"] for t in everything]
    assert created == sorted(created, reverse=True), "tasks are not newest first"
    summary = next(t for t in everything if t["task_id"] == failed)
    assert set(summary) == SUMMARY_FIELDS, summary
    assert summary["kind"] == "interview" and summary["tenant"] == a and summary["unique_key"] == key_a
    assert summary["state"] == "FAILURE" and summary["stage"] == "failed" and summary["runs"] == 1
    assert summary["error"]["code"] == FAILED_CODE and summary["error"]["message"]
    assert summary["providers"] == ["openai", "anthropic"]
    providers = {t["task_id"]: t["providers"] for t in everything if t["task_id"] in (learned, asked)}
    assert providers == {learned: ["openai"], asked: ["openai"]}

    matching = [dict(state="FAILURE"), dict(state="failure"), dict(state=["FAILURE", "SUCCESS"]), dict(state="SUCCESS,FAILURE"),
                dict(kind="interview"), dict(tenant=a), dict(unique_key=key_a), dict(provider="anthropic"), dict(provider="openai"),
                dict(error_code=FAILED_CODE), dict(state="FAILURE", kind="interview", tenant=a, unique_key=key_a, provider="anthropic",
                                                   error_code=FAILED_CODE)]
    for params in matching:
        assert failed in found(**params), params
    not_matching = [dict(state="SUCCESS"), dict(state=["PENDING", "PROGRESS", "CANCELLED"]), dict(kind="learning"), dict(tenant=b),
                    dict(tenant=new_tenant("nobody")), dict(unique_key=key_b), dict(provider="builtin"),
                    dict(error_code="LEARNING_PATH_GENERATION_FAILED"), dict(state="FAILURE", tenant=b),
                    dict(provider="anthropic", kind="learning")]
    for params in not_matching:
        assert failed not in found(**params), params

    # Exactly each tenant's own tasks, whoever asks being the admin.
    assert set(admin.ids(tenant=a)) == {failed}
    assert set(admin.ids(tenant=b)) == {learned, asked}
    assert found(state="SUCCESS") == {learned, asked}
    assert found(kind="learning") == {learned} and found(kind=["interview", "learning"]) == mine
    assert found(provider="anthropic") == {failed}
    assert found(tenant=b, kind="interview") == {asked}
    # Creation time, RFC 3339 in UTC or with an offset.
    now = datetime.datetime.now(datetime.timezone.utc)
    hour = datetime.timedelta(hours=1)
    assert found(created_after=rfc3339(now - hour)) == mine
    assert found(created_after=rfc3339(now + hour)) == set()
    assert found(created_before=rfc3339(now - hour)) == set()
    assert found(created_after=(now - hour).astimezone(datetime.timezone(datetime.timedelta(hours=9))).isoformat(),
                 created_before=rfc3339(now + hour)) == mine
    failed_at = datetime.datetime.fromisoformat(summary["created_at"].replace("Z", "+00:00"))
    assert failed not in found(created_after=rfc3339(failed_at + datetime.timedelta(milliseconds=1)))
    assert failed in found(created_before=rfc3339(failed_at + datetime.timedelta(milliseconds=1)))

    for params, field in [(dict(state="BROKEN"), "state"), (dict(kind="practice"), "kind"),
                          (dict(created_after="yesterday"), "created_after"), (dict(created_before="2026-13-01T00:00:00Z"), "created_before"),
                          (dict(tenant="Not A Tenant"), "tenant"), (dict(page_size=0), "page_size"), (dict(page_size=101), "page_size"),
                          (dict(page_token="not-a-token"), "page_token")]:
        r = admin.call("GET", f"{OPS}/tasks", params=params)
        assert_error(r, 422, "VALIDATION_ERROR")
        assert field in [v["field"] for v in r.json()["details"]["validation_errors"]], r.text


def test_the_detail_shows_the_timeline_and_every_attempt_with_the_rule_ids_it_broke(world):
    admin, failed, learned = world["admin"], world["failed"], world["learned"]
    task = admin.detail(failed)
    assert set(task) == DETAIL_FIELDS, task
    assert task["state"] == "FAILURE" and task["result_id"] is None and task["cancel_requested"] is False
    assert task["tenant"] == world["tenants"][0] and task["message"]
    assert events_of(task) == [("queued", None, 0), ("started", None, 1), ("stage", "loading_resume", 1),
                               ("stage", "generating_prompt", 1), ("stage", "calling_llm", 1), ("failed", None, 1)]
    assert task["timeline"][-1]["detail"] == FAILED_CODE
    stamps = [e["at"] for e in task["timeline"]]
    assert stamps == sorted(stamps)

    attempts = task["attempts"]
    for attempt in attempts:
        assert set(attempt) == ATTEMPT_FIELDS, attempt
        assert attempt["run"] == 1 and attempt["latency_ms"] >= 0
    assert [(a["provider"], a["outcome"], a["error_code"]) for a in attempts] == [
        ("openai", "invalid_output", "invalid_output"), ("openai", "invalid_output", "invalid_output"),
        ("anthropic", "retryable_error", "http_500"), ("anthropic", "retryable_error", "http_500")]
    for broken in attempts[:2]:
        # The fake's "invalid" answer has too few questions: questions.count among the rules.
        assert "questions.count" in broken["rules"], broken
        assert all(rule.startswith("questions.") for rule in broken["rules"]), broken
        assert broken["input_tokens"] == 1200 and broken["output_tokens"] == 300
        assert broken["cost_usd"] == pytest.approx((1200 * 0.40 + 300 * 1.60) / 1e6)
        assert broken["model"].startswith("gpt-test-mini")
    for refused in attempts[2:]:
        assert refused["rules"] == [] and refused["input_tokens"] == 0 and refused["cost_usd"] == 0

    success = admin.detail(learned, kind="learning")
    assert success["state"] == "SUCCESS" and success["error"] is None and success["result_id"]
    assert success["timeline"][-1]["event"] == "completed"
    assert [(a["provider"], a["outcome"], a["rules"]) for a in success["attempts"]] == [("openai", "success", [])]

    assert_error(admin.call("GET", f"{OPS}/tasks/interview/{uuid.uuid4().hex}"), 404, "TASK_NOT_FOUND")
    # The id of a learning task is no interview task.
    assert_error(admin.call("GET", f"{OPS}/tasks/interview/{learned}"), 404, "TASK_NOT_FOUND")
    assert admin.call("GET", f"{OPS}/tasks/practice/{learned}").status_code == 404


def test_the_overview_counts_what_the_task_list_holds_and_streams_every_two_seconds(world):
    admin = world["admin"]
    overview = admin.ok("GET", f"{OPS}/overview")
    assert set(overview) == {"generated_at", "window", "tasks_by_state", "throughput_per_minute", "sampled_tasks", "failures", "stages",
                             "queues", "providers", "workers"}
    assert overview["window"] == "1h" and set(overview["tasks_by_state"]) == set(STATES)
    an_hour_ago = rfc3339(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
    for state in STATES:
        assert overview["tasks_by_state"][state] == len(admin.ids(state=state, created_after=an_hour_ago)), state
    assert overview["sampled_tasks"] == sum(overview["tasks_by_state"].values()) >= 3
    failures = {f["error_code"]: f["count"] for f in overview["failures"]}
    assert failures.get(FAILED_CODE, 0) == len(admin.ids(error_code=FAILED_CODE, created_after=an_hour_ago)) >= 1
    assert {s["stage"] for s in overview["stages"]} >= {"loading_resume", "generating_prompt", "calling_llm"}
    for stage in overview["stages"]:
        assert stage["count"] >= 1 and 0 <= stage["p50_ms"] <= stage["p95_ms"], stage
    providers = {p["name"]: p for p in overview["providers"]}
    assert list(providers)[:2] == ["openai", "anthropic"], "providers are not in chain order"
    openai, anthropic = providers["openai"], providers["anthropic"]
    assert openai["model"] == "gpt-test-mini" and openai["breaker"] == "closed"
    assert openai["calls"] >= 4 and openai["errors"] >= 2 and 0 < openai["error_rate"] < 1
    assert openai["input_tokens"] >= 4 * 1200 and openai["cost_usd"] > 0
    assert anthropic["errors"] >= 2 and anthropic["error_rate"] == pytest.approx(anthropic["errors"] / anthropic["calls"])
    assert [(q["kind"], q["paused"]) for q in overview["queues"]] == [("interview", False), ("learning", False)]
    for queue in overview["queues"]:
        assert set(queue) == {"kind", "waiting", "pending", "dead_lettered", "oldest_age_seconds", "paused"}
        assert queue["dead_lettered"] == 0
    assert len(overview["workers"]) == 1 and overview["workers"][0]["jobs_done"] >= 3 and overview["workers"][0]["last_seen"]
    for window in ("24h", "7d"):
        assert admin.ok("GET", f"{OPS}/overview", params={"window": window})["window"] == window
    for window in ("2h", "", "1H"):
        assert_error(admin.call("GET", f"{OPS}/overview", params={"window": window}), 422, "VALIDATION_ERROR")
    assert_error(admin.call("GET", f"{OPS}/overview/stream", params={"window": "30d"}), 422, "VALIDATION_ERROR")

    # The stream: the first overview at once, the next about 2 s later.
    started = time.monotonic()
    with admin.call("GET", f"{OPS}/overview/stream", params={"window": "24h"}, stream=True) as stream:
        assert stream.status_code == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
        frames, event = [], None
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                frames.append((event, json.loads(line[5:]), time.monotonic() - started))
                if len(frames) == 2:
                    break
    (first_event, first, first_at), (second_event, second, second_at) = frames
    assert first_event == second_event == "overview"
    assert first_at < 1.5 and 1.0 < second_at - first_at < 4.0, (first_at, second_at)
    assert first["window"] == second["window"] == "24h" and set(second) == set(overview)
    assert second["generated_at"] > first["generated_at"]


# ---------------------------------------------------------------------------------------------
# The CLI


def test_the_cli_lists_and_shows_tasks_as_tables_and_json(world):
    server, failed, learned = world["server"], world["failed"], world["learned"]
    (a, b), (key_a, _) = world["tenants"], world["keys"]
    grpc = f"127.0.0.1:{server.grpc_port}"

    page = json.loads(cli(grpc, ADMIN, "list", "--state", "FAILURE", "--tenant", a, "--json").stdout)
    assert [t["task_id"] for t in page["tasks"]] == [failed]
    task = page["tasks"][0]
    assert task["state"] == "TASK_STATE_FAILURE" and task["kind"] == "TASK_KIND_INTERVIEW" and task["tenant"] == a
    assert task["error"]["code"] == FAILED_CODE and task["providers"] == ["openai", "anthropic"]
    assert not page.get("next_page_token")
    both = json.loads(cli(grpc, ADMIN, "list", "--tenant", b, "--state", "SUCCESS", "--state", "FAILURE", "--kind", "learning",
                          "--json").stdout)
    assert [t["task_id"] for t in both["tasks"]] == [learned]
    assert json.loads(cli(grpc, ADMIN, "list", "--tenant", a, "--state", "SUCCESS", "--json").stdout).get("tasks", []) == []
    for flags in (["--provider", "anthropic"], ["--error-code", FAILED_CODE], ["--unique-key", key_a]):
        listed = json.loads(cli(grpc, ADMIN, "list", *flags, "--tenant", a, "--json").stdout)
        assert [t["task_id"] for t in listed["tasks"]] == [failed], flags

    rows = table(cli(grpc, ADMIN, "list", "--tenant", a).stdout)
    assert rows[0] == ["task", "kind", "state", "stage", "runs", "tenant", "resume", "providers", "error", "created"]
    assert len(rows) == 2 and rows[1][:6] == [failed, "interview", "FAILURE", "failed", "1", a]
    assert rows[1][-3:-1] == ["openai,anthropic", FAILED_CODE]
    assert table(cli(grpc, ADMIN, "list", "--tenant", a, "--state", "PENDING").stdout) == [rows[0]]

    shown = json.loads(cli(grpc, ADMIN, "show", failed, "--json").stdout)
    assert shown["task_id"] == failed and shown["state"] == "TASK_STATE_FAILURE"
    assert [e["event"] for e in shown["timeline"]] == ["queued", "started", "stage", "stage", "stage", "failed"]
    assert [a["attempt"]["provider"] for a in shown["attempts"]] == ["openai", "openai", "anthropic", "anthropic"]
    assert "questions.count" in shown["attempts"][0]["attempt"]["rules"]
    text = cli(grpc, ADMIN, "show", failed).stdout
    assert f"task      {failed} (interview, tenant {a})" in text
    assert f"error     {FAILED_CODE}" in text and "\ntimeline\n" in text and "\nattempts\n" in text
    attempt_rows = [row for row in table(text.split("\nattempts\n", 1)[1])]
    assert attempt_rows[0][:4] == ["run", "provider", "model", "outcome"] and len(attempt_rows) == 5
    assert attempt_rows[1][1] == "openai" and attempt_rows[1][3] == "invalid_output" and "questions.count" in attempt_rows[1][-1]
    assert attempt_rows[3][1] == "anthropic" and attempt_rows[3][-2:] == ["http_500", "-"]
    learning = cli(grpc, ADMIN, "show", learned, "--kind", "learning").stdout
    assert "SUCCESS at completed, 100%" in learning and "result    " in learning

    missing = cli(grpc, ADMIN, "show", uuid.uuid4().hex, ok=False)
    assert missing.returncode != 0 and "TASK_NOT_FOUND" in missing.stderr, missing.stderr
    wrong_kind = cli(grpc, ADMIN, "show", learned, ok=False)
    assert wrong_kind.returncode != 0 and "TASK_NOT_FOUND" in wrong_kind.stderr
    bad_state = cli(grpc, ADMIN, "list", "--state", "BROKEN", ok=False)
    assert bad_state.returncode != 0 and "BROKEN" in bad_state.stderr


# ---------------------------------------------------------------------------------------------
# Acting on tasks (the same server; each test its own tenant)


def test_a_failed_task_retried_with_another_provider_of_the_chain_succeeds(world, fake):
    admin, server = world["admin"], world["server"]
    tenant = new_tenant("initech")
    carol = member(admin, tenant)
    key = carol.resume("mid-fullstack-ko")
    failed = failed_task(admin, carol, key, fake)

    # Not retryable: a task that succeeded; an unknown provider; an unknown task.
    assert_error(admin.act("retry", world["asked"]), 409, "TASK_NOT_RETRYABLE")
    for provider in ("builtin", "no-such-provider"):
        refused = admin.act("retry", failed, body={"provider": provider})
        assert_error(refused, 422, "VALIDATION_ERROR")
        assert "provider" in refused.json()["detail"]
    assert_error(admin.act("retry", failed, body={"provider": "openai", "surprise": 1}), 422, "VALIDATION_ERROR")
    assert_error(admin.act("retry", uuid.uuid4().hex), 404, "TASK_NOT_FOUND")
    assert admin.detail(failed)["state"] == "FAILURE" and not audited(admin, "task.retry", failed)

    # openai would break again; anthropic, asked first now, answers well.
    fake.script("openai", "invalid", "invalid")
    queued = admin.act("retry", failed, body={"provider": "anthropic"})
    assert queued.status_code == 200, queued.text
    assert queued.json()["state"] == "PENDING" and queued.json()["error"] is None and queued.json()["progress"] == 0
    assert queued.json()["timeline"][-1]["event"] == "retried" and "provider=anthropic" in queued.json()["timeline"][-1]["detail"]
    done = admin.wait(failed, {"SUCCESS", "FAILURE"})
    assert done["state"] == "SUCCESS" and done["runs"] == 2 and done["error"] is None and done["result_id"]
    assert [(a["run"], a["provider"], a["outcome"]) for a in done["attempts"]][-1] == (2, "anthropic", "success")
    assert [a for a in done["attempts"] if a["run"] == 2] == [done["attempts"][-1]], "run 2 did not start with anthropic"
    assert len([a for a in done["attempts"] if a["run"] == 1]) == 4, "run 1's attempts are kept"
    assert [e[0] for e in events_of(done)][-3:] == ["stage", "stage", "completed"]
    assert "retried" in [e[0] for e in events_of(done)] and fake.pending("openai") == ["invalid", "invalid"]
    assert carol.progress(failed)["state"] == "SUCCESS"
    assert admin.ids(tenant=tenant, state="FAILURE") == [] and admin.ids(tenant=tenant, state="SUCCESS") == [failed]
    [entry] = audited(admin, "task.retry", failed)
    assert entry["actor"] == "admin" and entry["tenant"] == tenant
    assert_error(admin.act("retry", failed), 409, "TASK_NOT_RETRYABLE")

    # The CLI, keeping the chain (empty provider): the fake answers well by now.
    fake.reset()
    again = failed_task(admin, carol, key, fake)
    fake.reset()
    unknown = cli(f"127.0.0.1:{server.grpc_port}", ADMIN, "retry", again, "--provider", "nope", ok=False)
    assert unknown.returncode != 0 and "VALIDATION_ERROR" in unknown.stderr and "nope" in unknown.stderr, unknown.stderr
    out = cli(f"127.0.0.1:{server.grpc_port}", ADMIN, "retry", again).stdout
    assert out.strip() == f"{again}: PENDING (run 2 queued)", out
    done = admin.wait(again, {"SUCCESS", "FAILURE"})
    assert done["state"] == "SUCCESS" and [(a["run"], a["provider"]) for a in done["attempts"]][-1] == (2, "openai")
    refused = cli(f"127.0.0.1:{server.grpc_port}", ADMIN, "retry", again, ok=False)
    assert refused.returncode != 0 and "TASK_NOT_RETRYABLE" in refused.stderr


def test_pages_of_tasks_follow_each_other_without_gaps_or_repeats(world):
    admin, server = world["admin"], world["server"]
    tenant = new_tenant("paging")
    dave = member(admin, tenant)
    key = dave.resume("minimal")
    started = [dave.start(key, "questions" if i % 2 else "learning") for i in range(5)]
    for i, task_id in enumerate(started):
        admin.wait(task_id, {"SUCCESS", "FAILURE"}, kind="interview" if i % 2 else "learning")
    everything = admin.tasks(tenant=tenant)
    assert sorted(t["task_id"] for t in everything) == sorted(started)
    assert [t["created_at"] for t in everything] == sorted((t["created_at"] for t in everything), reverse=True)

    pages, token = [], ""
    while True:
        page = admin.ok("GET", f"{OPS}/tasks", params={"tenant": tenant, "page_size": 2, "page_token": token})
        pages.append([t["task_id"] for t in page["tasks"]])
        token = page["next_page_token"]
        if not token:
            break
        assert len(pages) < 5, pages
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == [t["task_id"] for t in everything]
    # Filters hold on every page: the interview tasks, two a page.
    interviews = admin.ok("GET", f"{OPS}/tasks", params={"tenant": tenant, "kind": "interview", "page_size": 1})
    rest = admin.ok("GET", f"{OPS}/tasks", params={"tenant": tenant, "kind": "interview", "page_size": 1,
                                                   "page_token": interviews["next_page_token"]})
    assert [t["task_id"] for t in interviews["tasks"] + rest["tasks"]] == [t["task_id"] for t in everything if t["kind"] == "interview"]
    assert rest["next_page_token"] == ""

    # The CLI pages the same way.
    grpc, cli_pages, token = f"127.0.0.1:{server.grpc_port}", [], None
    while True:
        args = ["list", "--tenant", tenant, "--limit", "2", "--json"] + (["--page-token", token] if token else [])
        page = json.loads(cli(grpc, ADMIN, *args).stdout)
        cli_pages.append([t["task_id"] for t in page["tasks"]])
        token = page.get("next_page_token")
        if not token:
            break
    assert cli_pages == pages
    first = cli(grpc, ADMIN, "list", "--tenant", tenant, "--limit", "2").stdout
    hint = first.strip().splitlines()[-1]
    assert hint.startswith("next page: --page-token "), first
    second = table(cli(grpc, ADMIN, "list", "--tenant", tenant, "--limit", "2", "--page-token", hint.split()[-1]).stdout)
    assert [row[0] for row in second[1:3]] == pages[1]


def test_a_paused_queue_keeps_its_tasks_pending_and_a_pending_task_cancels_at_once(world):
    admin, server = world["admin"], world["server"]
    tenant = new_tenant("pausing")
    erin = member(admin, tenant)
    key = erin.resume("minimal")
    paused = admin.ok("POST", f"{OPS}/queues/interview/pause")
    try:
        assert paused["kind"] == "interview" and paused["paused"] is True
        waiting = erin.start(key)
        cancelled = erin.start(key)
        learned = erin.start(key, "learning")
        # Other kinds flow; the paused one waits.
        assert admin.wait(learned, {"SUCCESS", "FAILURE"}, kind="learning")["state"] == "SUCCESS"
        time.sleep(1.5)
        for task_id in (waiting, cancelled):
            assert admin.detail(task_id)["state"] == "PENDING"
            assert admin.detail(task_id)["runs"] == 0
        queues = {q["kind"]: q for q in admin.ok("GET", f"{OPS}/overview")["queues"]}
        assert queues["interview"]["paused"] is True and queues["interview"]["waiting"] == 2
        assert queues["interview"]["oldest_age_seconds"] >= 1
        assert queues["learning"]["paused"] is False

        stream = stream_in_background(server.url(f"/api/v1/interview/tasks/{cancelled}/stream"), erin.headers)
        answer = admin.act("cancel", cancelled)
        assert answer.status_code == 200, answer.text
        task = answer.json()
        assert task["state"] == "CANCELLED" and task["error"]["code"] == "TASK_CANCELLED"
        assert [e[0] for e in events_of(task)][-2:] == ["cancel_requested", "cancelled"]
        assert erin.progress(cancelled)["state"] == "CANCELLED"
        events = terminal_events(stream)
        assert [e["event"] for e in events][-2:] == ["error", "close"], events
        assert events[-2]["data"]["state"] == "CANCELLED" and events[-2]["data"]["error"]["code"] == "TASK_CANCELLED"
        assert_error(admin.act("cancel", cancelled), 409, "TASK_NOT_CANCELLABLE")
        assert admin.ids(tenant=tenant, state="CANCELLED") == [cancelled]
        assert admin.ids(tenant=tenant, error_code="TASK_CANCELLED") == [cancelled]
    finally:
        resumed = admin.ok("POST", f"{OPS}/queues/interview/resume")
    assert resumed["kind"] == "interview" and resumed["paused"] is False
    assert admin.wait(waiting, {"SUCCESS", "FAILURE"})["state"] == "SUCCESS"
    # The cancelled task's job, handed out now, does not run it.
    time.sleep(0.5)
    assert admin.detail(cancelled)["state"] == "CANCELLED" and admin.detail(cancelled)["runs"] == 0
    assert_error(admin.act("cancel", waiting), 409, "TASK_NOT_CANCELLABLE")
    # A CANCELLED task can be retried.
    assert admin.act("retry", cancelled).json()["state"] == "PENDING"
    assert admin.wait(cancelled, {"SUCCESS", "FAILURE"})["state"] == "SUCCESS"
    for action, target in [("queue.pause", "interview"), ("queue.resume", "interview"), ("task.cancel", cancelled),
                           ("task.retry", cancelled)]:
        assert [e["actor"] for e in audited(admin, action, target)] == ["admin"], (action, target)


def test_the_cli_cancels_a_running_task_within_a_second_and_retries_it(world, fake):
    admin, server = world["admin"], world["server"]
    grpc = f"127.0.0.1:{server.grpc_port}"
    tenant = new_tenant("running")
    frank = member(admin, tenant)
    key = frank.resume("minimal")
    fake.script("openai", "hang")  # the call hangs until the fake is reset
    task_id = frank.start(key)
    eventually(lambda: admin.detail(task_id), lambda d: d["stage"] == "calling_llm", timeout=15, what="calling_llm")
    out = cli(grpc, ADMIN, "cancel", task_id).stdout
    started = time.monotonic()
    assert out.strip() == f"{task_id}: PROGRESS, its worker stops it within a second", out
    done = admin.wait(task_id, {"CANCELLED", "SUCCESS", "FAILURE"}, timeout=10)
    elapsed = time.monotonic() - started
    assert done["state"] == "CANCELLED" and done["error"]["code"] == "TASK_CANCELLED", done
    assert elapsed < 2.5, f"cancelled after {elapsed:.1f}s"
    assert done["cancel_requested"] is False and done["runs"] == 1
    assert [e[0] for e in events_of(done)][-2:] == ["cancel_requested", "cancelled"]
    # The call the cancel stopped is on the record, as no failure of the provider's.
    assert [(a["run"], a["provider"], a["outcome"], a["error_code"]) for a in done["attempts"]] == [(1, "openai", "cancelled", "cancelled")]
    assert frank.progress(task_id)["state"] == "CANCELLED"
    again = cli(grpc, ADMIN, "cancel", task_id, ok=False)
    assert again.returncode != 0 and "TASK_NOT_CANCELLABLE" in again.stderr, again.stderr

    fake.reset()
    assert cli(grpc, ADMIN, "retry", task_id).stdout.strip() == f"{task_id}: PENDING (run 2 queued)"
    done = admin.wait(task_id, {"SUCCESS", "FAILURE", "CANCELLED"})
    assert done["state"] == "SUCCESS" and done["runs"] == 2 and done["error"] is None
    assert [(a["run"], a["outcome"]) for a in done["attempts"]] == [(1, "cancelled"), (2, "success")]
    assert [e["actor"] for e in audited(admin, "task.cancel", task_id)] == ["admin"]


# ---------------------------------------------------------------------------------------------
# Across processes: a split mesh whose jobs run in a separate Redis worker process


@pytest.fixture(scope="module")
def redis_mesh(tmp_path_factory, fake):
    """resume, interview, learning, a Redis worker and the edge (test_metrics.MetricsMesh; keys
    off, the fake OpenAI upstream as the only provider), with a 2 s job lease."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    root = tmp_path_factory.mktemp("operations-mesh")
    with pytest.MonkeyPatch.context() as env, contextlib.ExitStack() as stack:
        env.setenv("COACH_JOB_LEASE", JOB_LEASE)
        redis = RedisServer(root / "redis").start()
        stack.callback(redis.stop)
        mesh = MetricsMesh(root, fake, redis.url)
        try:
            mesh.start()
            yield mesh, redis
        finally:
            codes = mesh.stop()
    assert set(codes.values()) == {0}, codes


def test_cancel_reaches_the_worker_in_another_process(redis_mesh, fake):
    mesh, _ = redis_mesh
    ops = Ops(mesh.url)
    key = ops.resume("senior-platform-en")
    fake.script("openai", "hang", "hang")
    task_id = ops.start(key)
    eventually(lambda: ops.progress(task_id), lambda p: p["stage"] == "calling_llm", timeout=20, what="calling_llm in the worker")
    stream = stream_in_background(mesh.url(f"/api/v1/interview/tasks/{task_id}/stream"), {})

    started = time.monotonic()
    answer = ops.act("cancel", task_id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "PROGRESS" and answer.json()["cancel_requested"] is True
    done = ops.wait(task_id, {"CANCELLED", "SUCCESS", "FAILURE"}, timeout=10)
    elapsed = time.monotonic() - started
    assert done["state"] == "CANCELLED" and done["error"]["code"] == "TASK_CANCELLED", done
    assert elapsed < 2.5, f"the worker process stopped the task after {elapsed:.1f}s"
    assert ops.progress(task_id)["state"] == "CANCELLED"
    events = terminal_events(stream)
    assert [e["event"] for e in events][-2:] == ["error", "close"], events
    assert events[-2]["data"]["error"]["code"] == "TASK_CANCELLED"
    assert [e[0] for e in events_of(done)][-2:] == ["cancel_requested", "cancelled"]
    assert [(a["provider"], a["outcome"]) for a in done["attempts"]] == [("openai", "cancelled")]
    # The worker process stopped it; the openai call was abandoned, not answered.
    assert "cancelled by an operator" in mesh.processes["worker"].log()
    assert "cancelled by an operator" not in mesh.processes["interview"].log()
    assert len(fake.requests("openai")) == 1
    assert [e["actor"] for e in audited(ops, "task.cancel", task_id)] == ["open"]


def test_dead_letters_are_listed_retried_and_dropped(redis_mesh, fake):
    """Two jobs that crashed "their workers" over and over (a consumer that takes them and never
    acknowledges, as test_distributed.py does) are dead-lettered by the worker and their tasks
    fail; one is retried and succeeds, the other dropped."""
    mesh, redis = redis_mesh
    ops = Ops(mesh.url)
    key = ops.resume("minimal")
    stream = "coach:jobs:interview"
    worker = mesh.processes["worker"]
    assert worker.stop() == 0  # no process takes jobs now (the other roles only enqueue)
    try:
        poisoned = [ops.start(key), ops.start(key)]
        entries = redis.cli("XREADGROUP", "GROUP", "workers", "ghost", "COUNT", "10", "STREAMS", stream, ">")
        ids = [line for line in entries.splitlines() if line[:1].isdigit() and "-" in line]
        assert len(ids) == 2, entries
        for entry in ids:
            for _ in range(5):
                redis.cli("XCLAIM", stream, "workers", "ghost", "0", entry)
    finally:
        worker.start()
        wait_grpc_ready(mesh.grpc["worker"], worker)
    for task_id in poisoned:
        failed = ops.wait(task_id, {"FAILURE", "SUCCESS"}, timeout=30)
        assert failed["state"] == "FAILURE" and "deliveries" in failed["error"]["message"], failed

    letters = ops.ok("GET", f"{OPS}/dead-letters", params={"kind": "interview"})["dead_letters"]
    assert sorted(d["task_id"] for d in letters) == sorted(poisoned)
    for letter in letters:
        assert set(letter) == {"id", "kind", "task_id", "reason", "deliveries", "dead_lettered_at"}
        assert letter["kind"] == "interview" and letter["deliveries"] > 5 and f"{letter['deliveries']} deliveries" in letter["reason"]
    assert [d["dead_lettered_at"] for d in letters] == sorted((d["dead_lettered_at"] for d in letters), reverse=True)
    assert ops.ok("GET", f"{OPS}/dead-letters", params={"kind": "learning"})["dead_letters"] == []
    assert_error(ops.call("GET", f"{OPS}/dead-letters", params={"kind": "practice"}), 422, "VALIDATION_ERROR")
    queues = {q["kind"]: q for q in ops.ok("GET", f"{OPS}/overview")["queues"]}
    assert queues["interview"]["dead_lettered"] == 2

    retried, dropped = letters
    task = ops.ok("POST", f"{OPS}/dead-letters/interview/{retried['id']}/retry")
    assert task["task_id"] == retried["task_id"] and task["state"] == "PENDING"
    assert ops.wait(retried["task_id"], {"SUCCESS", "FAILURE"})["state"] == "SUCCESS"
    r = ops.call("POST", f"{OPS}/dead-letters/interview/{dropped['id']}/drop")
    assert r.status_code == 204 and r.content == b"", r.text
    assert ops.detail(dropped["task_id"])["state"] == "FAILURE"
    assert ops.ok("GET", f"{OPS}/dead-letters", params={"kind": "interview"})["dead_letters"] == []
    for letter in (retried, dropped):
        for action in ("retry", "drop"):
            assert_error(ops.call("POST", f"{OPS}/dead-letters/interview/{letter['id']}/{action}"), 404, "NOT_FOUND")
    assert {q["kind"]: q for q in ops.ok("GET", f"{OPS}/overview")["queues"]}["interview"]["dead_lettered"] == 0
    assert audited(ops, "dead_letter.retry", retried["task_id"]) and audited(ops, "dead_letter.drop", dropped["task_id"])
    assert audited(ops, "task.retry", retried["task_id"])


def test_a_paused_kind_waits_in_every_worker_process_while_other_kinds_flow(redis_mesh, fake):
    """Once the pause call has answered, no worker process starts a job of that kind: tasks
    started right after it stay PENDING (a learning path still runs) until the resume."""
    mesh, _ = redis_mesh
    ops = Ops(mesh.url)
    key = ops.resume("junior-backend-ko")
    assert ops.ok("POST", f"{OPS}/queues/interview/pause")["paused"] is True
    try:
        held = [ops.start(key), ops.start(key)]
        learned = ops.start(key, "learning")
        assert ops.wait(learned, {"SUCCESS", "FAILURE"}, kind="learning")["state"] == "SUCCESS"
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            assert [ops.detail(t)["state"] for t in held] == ["PENDING", "PENDING"]
            time.sleep(0.25)
        queues = {q["kind"]: q for q in ops.ok("GET", f"{OPS}/overview")["queues"]}
        # A read already waiting when the pause came may have taken a job: the consumer holds it
        # (pending, its lease renewed) without running it, so waiting + pending is what is held.
        interview = queues["interview"]
        assert interview["paused"] is True and interview["waiting"] + interview["pending"] == 2, interview
        assert queues["learning"]["paused"] is False
        assert len(fake.requests("openai")) == 1  # the learning path only
    finally:
        assert ops.ok("POST", f"{OPS}/queues/interview/resume")["paused"] is False
    for task_id in held:
        assert ops.wait(task_id, {"SUCCESS", "FAILURE"})["state"] == "SUCCESS"
    assert "task completed" in mesh.processes["worker"].log()
    assert [e["actor"] for e in audited(ops, "queue.pause", "interview")][:1] == ["open"]
    assert audited(ops, "queue.resume", "interview")
