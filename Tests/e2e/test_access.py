"""API keys, scopes, tenants and limits (issue #12, "Safe to expose") against the real binary with
COACH_ADMIN_KEY set: REST and gRPC refuse what they must, one tenant never sees another's data,
limits answer 429 / RESOURCE_EXHAUSTED, and no secret reaches a log."""

import datetime
import importlib
import re
import time
import urllib.parse
import uuid

import grpc
import pytest
import requests
from google.protobuf import json_format, message_factory
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from conftest import CoachProcess, Server, fixture_resumes, free_port, read_sse, wait_http_ready

ADMIN = f"e2e-admin-{uuid.uuid4().hex}"
WRONG = "ic_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
GARBAGE = "this-is-not-a-key"
SECRET_SHAPE = re.compile(r"^ic_[0-9a-f]{16}_[0-9A-Za-z]{32}$")
MEMBER = ["resumes:read", "resumes:write", "generate"]  # every scope but admin
SERVICES = {
    "ResumeService": "resume_service", "InterviewService": "interview_service", "LearningService": "learning_service",
    "TaskService": "task_service", "ProviderService": "provider_service", "AdminService": "admin_service",
}
# Keyless processes: an inherited COACH_ADMIN_KEY or COACH_HOST would change what is tested (empty is unset).
NO_KEY = {"COACH_ADMIN_KEY": "", "COACH_HOST": ""}
# Every secret this module's server handed out (test_logs_never_contain_a_secret looks for them).
SECRETS: list[str] = []


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """One server with keys on (SQLite, builtin provider), shared by the tests of this module."""
    s = Server(tmp_path_factory.mktemp("access") / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pb(stubs):
    """The generated modules, with the AdminService and ProviderService ones too."""
    modules = dict(stubs)
    for name in ["admin_service_pb2", "admin_service_pb2_grpc", "provider_service_pb2", "provider_service_pb2_grpc"]:
        modules[name] = importlib.import_module(f"interviewcoach.v1.{name}")
    return modules


def q(key: str) -> str:
    return urllib.parse.quote(key)


class Api:
    """A client of `server` presenting `key` (None: no key) over REST and over gRPC."""

    def __init__(self, server, pb, key: str | None):
        self.server, self.pb, self.key = server, pb, key
        self.channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")

    # REST ------------------------------------------------------------------------------------

    def rest(self, method: str, path: str, *, via: str = "bearer", headers: dict | None = None, **kwargs) -> requests.Response:
        """`via`: "bearer" (Authorization: Bearer), "x-api-key" (X-API-Key)."""
        headers = dict(headers or {})
        if self.key is not None:
            if via == "bearer":
                headers["Authorization"] = f"Bearer {self.key}"
            else:
                headers["X-API-Key"] = self.key
        kwargs.setdefault("timeout", 60)
        return requests.request(method, self.server.url(path), headers=headers, **kwargs)

    # gRPC ------------------------------------------------------------------------------------

    def method(self, service: str, name: str):
        return self.pb[f"{SERVICES[service]}_pb2"].DESCRIPTOR.services_by_name[service].methods_by_name[name]

    def request(self, service: str, name: str, /, **fields):
        return message_factory.GetMessageClass(self.method(service, name).input_type)(**fields)

    def rpc(self, service: str, name: str, request=None, /, *, metadata=None, timeout=60, **fields):
        """Calls `service`.`name` with `request` (or one built from `fields`); a stream is read
        to its end and returned as a list."""
        request = request if request is not None else self.request(service, name, **fields)
        stub = getattr(self.pb[f"{SERVICES[service]}_pb2_grpc"], f"{service}Stub")(self.channel)
        if metadata is None:
            metadata = [("authorization", f"Bearer {self.key}")] if self.key is not None else []
        reply = getattr(stub, name)(request, metadata=metadata, timeout=timeout)
        return list(reply) if self.method(service, name).server_streaming else reply

    def rpc_error(self, service: str, name: str, request=None, /, **kwargs) -> grpc.RpcError:
        with pytest.raises(grpc.RpcError) as error:
            self.rpc(service, name, request, **kwargs)
        return error.value

    def close(self):
        self.channel.close()


def admin_api(server, pb) -> Api:
    return Api(server, pb, ADMIN)


def create_key(admin: Api, tenant: str, scopes: list[str], expires_at=None, **limits):
    """AdminService.CreateKey; the secret is remembered for the log check."""
    request = admin.request(
        "AdminService", "CreateKey", tenant=tenant, scopes=scopes, name=f"e2e {tenant}",
        limits=admin.pb["admin_service_pb2"].KeyLimits(**limits),
    )
    if expires_at is not None:
        request.expires_at.FromDatetime(expires_at)
    created = admin.rpc("AdminService", "CreateKey", request)
    SECRETS.append(created.secret)
    assert SECRET_SHAPE.match(created.secret), created.secret
    assert created.secret.startswith(f"ic_{created.key.id}_") and created.secret.startswith(created.key.prefix)
    assert created.key.tenant == tenant and sorted(created.key.scopes) == sorted(scopes)
    return created


def tenant_api(server, pb, tenant: str, scopes=MEMBER, **limits) -> Api:
    return Api(server, pb, create_key(admin_api(server, pb), tenant, scopes, **limits).secret)


def content(pb, body: dict):
    return json_format.ParseDict(body, pb["resume_pb2"].ResumeContent())


def resume_body(fixture="minimal", **changes) -> dict:
    return dict(fixture_resumes()[fixture], **changes)


def created_key(response) -> str:
    assert response.status_code == 201, response.text
    return response.json()["unique_key"]


def assert_refused(response, status: int, code: str):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    assert response.json()["error_code"] == code, response.text
    if status == 401:
        assert response.headers.get("WWW-Authenticate") == "Bearer", response.headers


def assert_code(error: grpc.RpcError, code: grpc.StatusCode, what: str = ""):
    assert error.code() == code, f"{what}: {error.code()} {error.details()}"


def wait_until_refused(api: Api, timeout=5.0) -> float:
    """Seconds until `api`'s key is refused over REST and over gRPC (at most `timeout`)."""
    started = time.monotonic()
    rest_refused = grpc_refused = False
    while time.monotonic() - started < timeout:
        if not rest_refused:
            r = api.rest("GET", "/api/v1/resumes")
            rest_refused = r.status_code == 401
        if not grpc_refused:
            try:
                api.rpc("ResumeService", "ListResumes")
            except grpc.RpcError as error:
                grpc_refused = error.code() == grpc.StatusCode.UNAUTHENTICATED
        if rest_refused and grpc_refused:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"key still accepted after {timeout}s (REST refused: {rest_refused}, gRPC refused: {grpc_refused})")


def start_of_a_fresh_minute(needed_seconds=15):
    """Per-minute limits count per UTC minute: start a counting test well inside one."""
    left = 60 - time.time() % 60
    if left < needed_seconds:
        time.sleep(left + 0.3)


def finish_task(api: Api, kind: str, task_id: str) -> list[dict]:
    r = api.rest("GET", f"/api/v1/{kind}/tasks/{task_id}/stream", stream=True)
    assert r.status_code == 200, r.text
    events = read_sse(r)
    assert events[-1].get("event") == "close", events
    return events


def task_ids(api: Api, leaks: "LeakCheck | None" = None) -> set[str]:
    """Every task `api`'s tenant can list, of both kinds (TaskService.ListTasks)."""
    task_pb2, ids = api.pb["task_pb2"], set()
    for kind in (task_pb2.TASK_KIND_INTERVIEW, task_pb2.TASK_KIND_LEARNING):
        reply = api.rpc("TaskService", "ListTasks", kind=kind, page_size=100)
        if leaks:
            leaks.reply(reply)
        ids |= {t.task_id for t in reply.tasks}
    return ids


class LeakCheck:
    """Fails when a body another tenant received holds any of `secrets`, except what that
    tenant itself sent in the request (a 404 may name the key it was asked for)."""

    def __init__(self, secrets: list[str]):
        self.secrets = [s for s in secrets if s]

    def rest(self, response):
        body = response.request.body or b""
        sent = urllib.parse.unquote(response.request.url) + (body.decode("utf-8", "replace") if isinstance(body, bytes) else body)
        text = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
        self._check(text, sent, f"{response.request.method} {response.request.url}")
        return response

    def reply(self, reply_or_error, sent: str = ""):
        if isinstance(reply_or_error, grpc.RpcError):
            text = f"{reply_or_error.details()} {reply_or_error.trailing_metadata()}"
        else:
            text = str(reply_or_error)
        self._check(text, sent, "gRPC")
        return reply_or_error

    def _check(self, text: str, sent: str, what: str):
        leaked = [s for s in self.secrets if s in text and s not in sent]
        assert not leaked, f"{what} shows another tenant's data {leaked}:\n{text[:2000]}"


# ---------------------------------------------------------------------------------------------
# Starting


def coach(tmp_path, name: str, args: list[str], env: dict) -> tuple[CoachProcess, str]:
    http = free_port()
    process = CoachProcess(
        name, ["--http-port", str(http), "--grpc-port", str(free_port()), "--data-dir", str(tmp_path / name), *args], env=env
    ).start()
    return process, f"http://127.0.0.1:{http}"


def test_serve_refuses_a_public_address_without_keys_and_serves_with_one(tmp_path, pb):
    # CoachProcess puts `--host 127.0.0.1` first; the later --host wins.
    refused, base = coach(tmp_path, "public-open", ["--host", "0.0.0.0"], NO_KEY)
    try:
        code = refused.proc.wait(timeout=30)
    finally:
        refused.stop()
    assert code != 0
    lines = [line for line in refused.log().splitlines() if line.strip()]
    assert len(lines) == 1 and "refusing to serve without API keys" in lines[0], lines
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/healthz", timeout=2)

    short, _ = coach(tmp_path, "short-key", ["--host", "0.0.0.0"], {"COACH_ADMIN_KEY": "too-short"})
    try:
        assert short.proc.wait(timeout=30) != 0
    finally:
        short.stop()
    assert "at least 16 characters" in short.log()

    keyed, base = coach(tmp_path, "public-keyed", ["--host", "0.0.0.0"], {"COACH_ADMIN_KEY": ADMIN})
    try:
        wait_http_ready(base, keyed)
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        assert_refused(requests.get(base + "/api/v1/resumes", timeout=10), 401, "UNAUTHORIZED")
        assert requests.get(base + "/api/v1/resumes", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).status_code == 200
    finally:
        keyed.stop()
    assert ADMIN not in keyed.log()

    insecure, base = coach(tmp_path, "public-insecure", ["--host", "0.0.0.0", "--insecure-no-auth"], NO_KEY)
    try:
        wait_http_ready(base, insecure)
        assert requests.get(base + "/api/v1/resumes", timeout=10).status_code == 200
    finally:
        insecure.stop()

    # The default: loopback, open (every request the default tenant with every scope).
    loopback = Server(tmp_path / "loopback", env=NO_KEY).start()
    try:
        r = requests.post(loopback.url("/api/v1/resumes"), json=resume_body(), timeout=10)
        assert r.status_code == 201, r.text
        assert requests.get(loopback.url(f"/api/v1/resumes/{q(r.json()['unique_key'])}"), timeout=10).status_code == 200
        open_api = Api(loopback, pb, None)
        assert [x.unique_key for x in open_api.rpc("ResumeService", "ListResumes").resumes] == [r.json()["unique_key"]]
        open_api.close()
    finally:
        loopback.stop()


# ---------------------------------------------------------------------------------------------
# Authentication


def test_every_rest_route_refuses_a_missing_wrong_or_revoked_key(secured, pb):
    admin = admin_api(secured, pb)
    key = created_key(admin.rest("POST", "/api/v1/resumes", json=resume_body()))
    assert admin.rest("POST", f"/api/v1/interview/{q(key)}/questions", json={"language": "en"}).status_code == 201
    assert admin.rest("POST", f"/api/v1/learning/{q(key)}/learning-path", json={"language": "en"}).status_code == 201
    interview_task = admin.rest("POST", f"/api/v1/interview/async/{q(key)}/questions").json()["task_id"]
    learning_task = admin.rest("POST", f"/api/v1/learning/async/{q(key)}/learning-path").json()["task_id"]
    finish_task(admin, "interview", interview_task)
    finish_task(admin, "learning", learning_task)
    resumes_before = admin.rest("GET", "/api/v1/resumes", params={"limit": 100}).json()["resumes"]
    sets_before = admin.rest("GET", f"/api/v1/interview/{q(key)}/questions", params={"history": "true"}).json()["sets"]

    revoked = create_key(admin, "default", MEMBER)
    admin.rpc("AdminService", "RevokeKey", id=revoked.key.id)
    wait_until_refused(Api(secured, pb, revoked.secret))

    routes = [
        ("GET", "/api/v1/resumes", None),
        ("GET", "/api/v1/resumes?name=Alex%20Kim", None),
        ("POST", "/api/v1/resumes", resume_body()),
        ("GET", f"/api/v1/resumes/{q(key)}", None),
        ("PUT", f"/api/v1/resumes/{q(key)}", resume_body(summary="Changed by someone without a key.")),
        ("DELETE", f"/api/v1/resumes/{q(key)}", None),
        ("GET", "/api/v1/resumes/user/Alex%20Kim", None),
    ]
    for kind, resource, task in [("interview", "questions", interview_task), ("learning", "learning-path", learning_task)]:
        routes += [
            ("POST", f"/api/v1/{kind}/{q(key)}/{resource}", {"language": "en"}),
            ("GET", f"/api/v1/{kind}/{q(key)}/{resource}", None),
            ("GET", f"/api/v1/{kind}/{q(key)}/{resource}?history=true", None),
            ("POST", f"/api/v1/{kind}/async/{q(key)}/{resource}", None),
            ("GET", f"/api/v1/{kind}/tasks/{task}/progress", None),
            ("GET", f"/api/v1/{kind}/tasks/{task}/stream", None),
        ]
    credentials = [
        ("no key", None, "bearer"), ("wrong key", WRONG, "bearer"), ("wrong key", WRONG, "x-api-key"),
        ("garbage", GARBAGE, "bearer"), ("garbage", GARBAGE, "x-api-key"),
        ("revoked key", revoked.secret, "bearer"), ("revoked key", revoked.secret, "x-api-key"),
    ]
    for label, secret, via in credentials:
        api = Api(secured, pb, secret)
        for method, path, body in routes:
            r = api.rest(method, path, via=via, json=body, stream=path.endswith("/stream"))
            assert r.status_code == 401, f"{label} via {via}: {method} {path} -> {r.status_code} {r.text[:500]}"
            assert_refused(r, 401, "UNAUTHORIZED")
        api.close()
    # A scheme other than Bearer is no key either.
    r = requests.get(secured.url("/api/v1/resumes"), headers={"Authorization": f"Basic {ADMIN}"}, timeout=10)
    assert_refused(r, 401, "UNAUTHORIZED")

    # Nothing was done by the refused requests.
    assert admin.rest("GET", "/api/v1/resumes", params={"limit": 100}).json()["resumes"] == resumes_before
    assert admin.rest("GET", f"/api/v1/resumes/{q(key)}").json()["summary"] == resume_body()["summary"]
    assert len(admin.rest("GET", f"/api/v1/interview/{q(key)}/questions", params={"history": "true"}).json()["sets"]) == len(sets_before)

    # Health, documents and pages need no key.
    for path in ["/healthz", "/readyz", "/openapi.json", "/", "/test", "/practice", "/docs"]:
        r = requests.get(secured.url(path), timeout=10)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:300]}"
    admin.close()


def all_grpc_methods(pb):
    for service, module in SERVICES.items():
        for method in pb[f"{module}_pb2"].DESCRIPTOR.services_by_name[service].methods:
            yield service, method.name


def test_every_grpc_method_refuses_a_missing_wrong_or_revoked_key(secured, pb):
    admin = admin_api(secured, pb)
    revoked = create_key(admin, "default", MEMBER + ["admin"])
    admin.rpc("AdminService", "RevokeKey", id=revoked.key.id)
    wait_until_refused(Api(secured, pb, revoked.secret))

    methods = list(all_grpc_methods(pb))
    assert len(methods) == 25, methods
    credentials = {
        "no key": [],
        "wrong key": [("authorization", f"Bearer {WRONG}")],
        "garbage": [("authorization", f"Bearer {GARBAGE}")],
        "no scheme": [("authorization", ADMIN)],
        "revoked key": [("authorization", f"Bearer {revoked.secret}")],
    }
    for label, metadata in credentials.items():
        for service, name in methods:
            error = admin.rpc_error(service, name, metadata=metadata)
            assert_code(error, grpc.StatusCode.UNAUTHENTICATED, f"{label}: {service}.{name}")

    # Health needs no key.
    health = health_pb2_grpc.HealthStub(admin.channel)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    for service in ["interviewcoach.v1.ResumeService", "interviewcoach.v1.InterviewService", "interviewcoach.v1.LearningService"]:
        assert health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    admin.close()


# ---------------------------------------------------------------------------------------------
# Scopes


def test_a_key_without_the_scope_is_forbidden(secured, pb):
    member = tenant_api(secured, pb, "scoped", MEMBER)
    reader = tenant_api(secured, pb, "scoped", ["resumes:read"])
    writer = tenant_api(secured, pb, "scoped", ["resumes:write"])
    key = created_key(member.rest("POST", "/api/v1/resumes", json=resume_body()))
    assert member.rest("POST", f"/api/v1/interview/{q(key)}/questions").status_code == 201
    task = member.rest("POST", f"/api/v1/learning/async/{q(key)}/learning-path").json()["task_id"]
    finish_task(member, "learning", task)

    # resumes:read reads, and nothing else.
    for via in ["bearer", "x-api-key"]:
        assert reader.rest("GET", "/api/v1/resumes", via=via).status_code == 200
        assert reader.rest("GET", f"/api/v1/resumes/{q(key)}", via=via).status_code == 200
        assert reader.rest("GET", f"/api/v1/interview/{q(key)}/questions", via=via).status_code == 200
        assert reader.rest("GET", f"/api/v1/learning/tasks/{task}/progress", via=via).status_code == 200
        for method, path, body in [
            ("POST", "/api/v1/resumes", resume_body()),
            ("PUT", f"/api/v1/resumes/{q(key)}", resume_body(summary="Changed by a read-only key.")),
            ("DELETE", f"/api/v1/resumes/{q(key)}", None),
            ("POST", f"/api/v1/interview/{q(key)}/questions", None),
            ("POST", f"/api/v1/interview/async/{q(key)}/questions", None),
            ("POST", f"/api/v1/learning/{q(key)}/learning-path", None),
            ("POST", f"/api/v1/learning/async/{q(key)}/learning-path", None),
        ]:
            assert_refused(reader.rest(method, path, via=via, json=body), 403, "FORBIDDEN")
    resume_pb = content(pb, resume_body())
    for service, name, fields in [
        ("ResumeService", "CreateResume", {"content": resume_pb}),
        ("ResumeService", "UpdateResume", {"unique_key": key, "content": resume_pb}),
        ("ResumeService", "DeleteResume", {"unique_key": key}),
        ("InterviewService", "GenerateQuestions", {"unique_key": key}),
        ("InterviewService", "StartQuestionGeneration", {"unique_key": key}),
        ("InterviewService", "DeleteQuestionData", {"unique_key": key}),
        ("LearningService", "GenerateLearningPath", {"unique_key": key}),
        ("LearningService", "StartLearningPathGeneration", {"unique_key": key}),
        ("LearningService", "DeleteLearningData", {"unique_key": key}),
        ("ProviderService", "ListProviders", {}),
    ]:
        assert_code(reader.rpc_error(service, name, **fields), grpc.StatusCode.PERMISSION_DENIED, f"read-only {service}.{name}")
    assert reader.rpc("ResumeService", "GetResume", unique_key=key).unique_key == key
    assert reader.rpc("TaskService", "GetTask", task_id=task).task_id == task

    # resumes:write writes, and reads nothing.
    written = created_key(writer.rest("POST", "/api/v1/resumes", json=resume_body()))
    for method, path in [
        ("GET", "/api/v1/resumes"), ("GET", f"/api/v1/resumes/{q(key)}"), ("GET", "/api/v1/resumes/user/Alex%20Kim"),
        ("GET", f"/api/v1/interview/{q(key)}/questions"), ("GET", f"/api/v1/learning/tasks/{task}/progress"),
        ("POST", f"/api/v1/interview/{q(key)}/questions"),
    ]:
        assert_refused(writer.rest(method, path), 403, "FORBIDDEN")
    for service, name, fields in [
        ("ResumeService", "GetResume", {"unique_key": key}), ("ResumeService", "ListResumes", {}),
        ("TaskService", "GetTask", {"task_id": task}), ("TaskService", "ListTasks", {}), ("TaskService", "WatchTask", {"task_id": task}),
        ("InterviewService", "GetLatestQuestions", {"unique_key": key}), ("LearningService", "ListLearningPaths", {"unique_key": key}),
    ]:
        assert_code(writer.rpc_error(service, name, **fields), grpc.StatusCode.PERMISSION_DENIED, f"write-only {service}.{name}")

    # Without admin, no AdminService method.
    assert member.rpc("ProviderService", "ListProviders").providers
    for service, name in all_grpc_methods(pb):
        if service == "AdminService":
            for api in (member, reader, writer):
                assert_code(api.rpc_error(service, name), grpc.StatusCode.PERMISSION_DENIED, f"no admin scope: {name}")

    # The refused calls changed nothing.
    listed = [r["unique_key"] for r in member.rest("GET", "/api/v1/resumes").json()["resumes"]]
    assert listed == [written, key]
    assert member.rest("GET", f"/api/v1/resumes/{q(key)}").json()["summary"] == resume_body()["summary"]
    for api in (member, reader, writer):
        api.close()


# ---------------------------------------------------------------------------------------------
# Tenants


def test_tenants_see_only_their_own_data(secured, pb):
    acme, globex = tenant_api(secured, pb, "acme"), tenant_api(secured, pb, "globex")
    marker = uuid.uuid4().hex[:12]
    acme_alex = resume_body(contact={"email": f"acme-alex-{marker}@example.org"}, summary=f"Acme-only summary {marker} for a backend role.")
    globex_alex = resume_body(contact={"email": f"globex-alex-{marker}@example.org"})
    acme_maya = resume_body("senior-platform-en", contact={"email": f"acme-maya-{marker}@example.org"})

    # --- REST ---
    assert created_key(acme.rest("POST", "/api/v1/resumes", json=acme_alex)) == "Alex Kim_1"
    assert created_key(globex.rest("POST", "/api/v1/resumes", json=globex_alex)) == "Alex Kim_1"
    maya = created_key(acme.rest("POST", "/api/v1/resumes", json=acme_maya))
    assert maya == "Maya Lindqvist_1"
    acme_sets = [acme.rest("POST", f"/api/v1/interview/{q(k)}/questions", json={"language": "en"}) for k in (maya, "Alex Kim_1")]
    assert all(r.status_code == 201 for r in acme_sets), [r.text for r in acme_sets]
    acme_path = acme.rest("POST", f"/api/v1/learning/{q(maya)}/learning-path", json={"language": "en"}).json()
    task = acme.rest("POST", f"/api/v1/learning/async/{q(maya)}/learning-path").json()["task_id"]
    interview_task = acme.rest("POST", f"/api/v1/interview/async/Alex%20Kim_1/questions").json()["task_id"]
    finish_task(acme, "learning", task)
    finish_task(acme, "interview", interview_task)
    acme_ids = [acme.rest("GET", f"/api/v1/resumes/{q(k)}").json()["id"] for k in (maya, "Alex Kim_1")]
    leaks = LeakCheck([
        acme_alex["contact"]["email"], acme_maya["contact"]["email"], marker + " for", "Maya Lindqvist", *acme_ids,
        *[r.json()["interview_id"] for r in acme_sets], acme_path["learning_path_id"], task, interview_task,
    ])

    def g(method, path, **kwargs):
        return leaks.rest(globex.rest(method, path, **kwargs))

    for method, path, code in [
        ("GET", f"/api/v1/resumes/{q(maya)}", "RESUME_NOT_FOUND"),
        ("DELETE", f"/api/v1/resumes/{q(maya)}", "RESUME_NOT_FOUND"),
        ("GET", "/api/v1/resumes/user/Maya%20Lindqvist", "RESUME_NOT_FOUND"),
        ("GET", f"/api/v1/interview/{q(maya)}/questions", None),
        ("GET", "/api/v1/interview/Alex%20Kim_1/questions", "INTERVIEW_NOT_FOUND"),
        ("GET", f"/api/v1/learning/{q(maya)}/learning-path", None),
        ("POST", f"/api/v1/interview/{q(maya)}/questions", "RESUME_NOT_FOUND"),
        ("POST", f"/api/v1/learning/{q(maya)}/learning-path", "RESUME_NOT_FOUND"),
        ("POST", f"/api/v1/learning/async/{q(maya)}/learning-path", "RESUME_NOT_FOUND"),
        ("GET", f"/api/v1/learning/tasks/{task}/progress", "TASK_NOT_FOUND"),
        ("GET", f"/api/v1/learning/tasks/{task}/stream", "TASK_NOT_FOUND"),
        ("GET", f"/api/v1/interview/tasks/{interview_task}/progress", "TASK_NOT_FOUND"),
        ("GET", f"/api/v1/interview/tasks/{interview_task}/stream", "TASK_NOT_FOUND"),
    ]:
        r = g(method, path, stream=path.endswith("/stream"))
        assert r.status_code == 404, f"globex {method} {path}: {r.status_code} {r.text[:500]}"
        if code:
            assert r.json()["error_code"] == code, r.text
    r = g("PUT", f"/api/v1/resumes/{q(maya)}", json=resume_body("senior-platform-en", summary="Overwritten by another tenant."))
    assert r.status_code == 404, r.text
    # A header naming the other tenant changes nothing.
    assert g("GET", f"/api/v1/resumes/{q(maya)}", headers={"X-Coach-Tenant": "acme"}).status_code == 404

    # Lists show only globex's own resume, under the same key as acme's.
    own = g("GET", "/api/v1/resumes").json()["resumes"]
    assert [(r["unique_key"], r["contact"]["email"]) for r in own] == [("Alex Kim_1", globex_alex["contact"]["email"])]
    assert g("GET", "/api/v1/resumes", params={"name": "Maya Lindqvist"}).json()["resumes"] == []
    by_user = g("GET", "/api/v1/resumes/user/Alex%20Kim").json()
    assert by_user["count"] == 1 and by_user["resumes"][0]["contact"]["email"] == globex_alex["contact"]["email"]
    assert g("GET", "/api/v1/resumes/Alex%20Kim_1").json()["contact"]["email"] == globex_alex["contact"]["email"]
    assert g("GET", "/api/v1/interview/Alex%20Kim_1/questions", params={"history": "true"}).json() == {"sets": []}
    assert g("GET", f"/api/v1/learning/{q(maya)}/learning-path", params={"history": "true"}).json() == {"sets": []}

    # globex deleting its own "Alex Kim_1" leaves acme's, with its results.
    assert g("DELETE", "/api/v1/resumes/Alex%20Kim_1").status_code == 204
    assert acme.rest("GET", "/api/v1/resumes/Alex%20Kim_1").json()["contact"]["email"] == acme_alex["contact"]["email"]
    assert acme.rest("GET", "/api/v1/interview/Alex%20Kim_1/questions").status_code == 200
    assert acme.rest("GET", f"/api/v1/interview/tasks/{interview_task}/progress").json()["state"] == "SUCCESS"
    # acme's data is all there, unchanged.
    assert acme.rest("GET", f"/api/v1/resumes/{q(maya)}").json()["summary"] == acme_maya["summary"]
    assert acme.rest("GET", f"/api/v1/learning/tasks/{task}/progress").json()["state"] == "SUCCESS"
    assert len(acme.rest("GET", "/api/v1/resumes").json()["resumes"]) == 2
    # The default tenant (the admin key) does not see them either.
    leaks.rest(admin_api(secured, pb).rest("GET", "/api/v1/resumes", params={"limit": 100}))

    # --- gRPC ---
    frontend = resume_body("junior-frontend-en", contact={"email": f"acme-frontend-{marker}@example.org"})
    a = acme.rpc("ResumeService", "CreateResume", content=content(pb, frontend))
    b = globex.rpc("ResumeService", "CreateResume", content=content(pb, resume_body("junior-frontend-en")))
    assert a.unique_key == b.unique_key == f"{frontend['name']}_1" and a.id != b.id
    generation = pb["generation_pb2"]
    acme_set = acme.rpc("InterviewService", "GenerateQuestions", unique_key=a.unique_key, options=generation.QuestionOptions(language="en"))
    grpc_task = acme.rpc("InterviewService", "StartQuestionGeneration", unique_key=maya)
    acme.rpc("TaskService", "WatchTask", task_id=grpc_task.task_id)
    leaks = LeakCheck(leaks.secrets + [frontend["contact"]["email"], a.id, acme_set.id, grpc_task.task_id])

    def gg(service, name, /, **fields):
        sent = " ".join(str(v) for v in fields.values())
        try:
            return leaks.reply(globex.rpc(service, name, **fields), sent)
        except grpc.RpcError as error:
            leaks.reply(error, sent)
            return error

    for service, name, fields in [
        ("ResumeService", "GetResume", {"unique_key": maya}),
        ("ResumeService", "UpdateResume", {"unique_key": maya, "content": content(pb, resume_body("senior-platform-en"))}),
        ("ResumeService", "DeleteResume", {"unique_key": maya}),
        ("InterviewService", "GetLatestQuestions", {"unique_key": maya}),
        ("InterviewService", "GetLatestQuestions", {"unique_key": a.unique_key}),
        ("LearningService", "GetLatestLearningPath", {"unique_key": maya}),
        ("InterviewService", "GenerateQuestions", {"unique_key": maya}),
        ("InterviewService", "StartQuestionGeneration", {"unique_key": maya}),
        ("LearningService", "GenerateLearningPath", {"unique_key": maya}),
        ("LearningService", "StartLearningPathGeneration", {"unique_key": maya}),
        ("TaskService", "GetTask", {"task_id": grpc_task.task_id}),
        ("TaskService", "GetTask", {"task_id": task}),
        ("TaskService", "WatchTask", {"task_id": grpc_task.task_id}),
        ("TaskService", "WatchTask", {"task_id": task}),
    ]:
        error = gg(service, name, **fields)
        assert isinstance(error, grpc.RpcError), f"globex {service}.{name}({fields}) answered {error}"
        assert_code(error, grpc.StatusCode.NOT_FOUND, f"globex {service}.{name}({fields})")
    listed = gg("ResumeService", "ListResumes", page_size=100)
    assert [(r.unique_key, r.id) for r in listed.resumes] == [(b.unique_key, b.id)]
    assert not gg("InterviewService", "ListQuestionSets", unique_key=a.unique_key).sets
    paths = gg("LearningService", "ListLearningPaths", unique_key=maya)
    assert isinstance(paths, grpc.RpcError) and paths.code() == grpc.StatusCode.NOT_FOUND or not paths.paths
    assert task_ids(globex, leaks) == set()
    # Metadata naming the other tenant is ignored for a key without admin.
    other = globex.rpc_error("ResumeService", "GetResume", unique_key=maya,
                              metadata=[("authorization", f"Bearer {globex.key}"), ("x-coach-tenant", "acme")])
    assert_code(other, grpc.StatusCode.NOT_FOUND, "x-coach-tenant from a non-admin key")
    # globex deleting data under its own keys leaves acme's.
    for service, name in [("InterviewService", "DeleteQuestionData"), ("LearningService", "DeleteLearningData")]:
        reply = gg(service, name, unique_key=a.unique_key)
        assert isinstance(reply, grpc.RpcError) or (reply.deleted_results, reply.deleted_tasks) == (0, 0), reply
        reply = gg(service, name, unique_key=maya)
        assert isinstance(reply, grpc.RpcError) or (reply.deleted_results, reply.deleted_tasks) == (0, 0), reply
    gg("ResumeService", "DeleteResume", unique_key=b.unique_key)
    assert acme.rpc("InterviewService", "GetLatestQuestions", unique_key=a.unique_key).id == acme_set.id
    assert acme.rpc("ResumeService", "GetResume", unique_key=a.unique_key).content.contact.email == frontend["contact"]["email"]
    assert acme.rpc("TaskService", "GetTask", task_id=grpc_task.task_id).task_id == grpc_task.task_id
    assert acme.rpc("LearningService", "GetLatestLearningPath", unique_key=maya).id
    assert {task, interview_task, grpc_task.task_id} <= task_ids(acme)
    acme.close()
    globex.close()


def test_idempotency_keys_are_scoped_to_the_tenant(secured, pb):
    first, second = tenant_api(secured, pb, "idem-one"), tenant_api(secured, pb, "idem-two")
    for api in (first, second):
        assert created_key(api.rest("POST", "/api/v1/resumes", json=resume_body())) == "Alex Kim_1"
    idem = {"Idempotency-Key": f"shared-{uuid.uuid4().hex}"}
    path = "/api/v1/interview/async/Alex%20Kim_1/questions"

    a = first.rest("POST", path, headers=idem, json={"language": "en"})
    assert a.status_code == 202, a.text
    a_task = a.json()["task_id"]
    leaks = LeakCheck([a_task])
    # The same key with other options is not a conflict with the other tenant's task ...
    b = leaks.rest(second.rest("POST", path, headers=idem, json={"language": "ko"}))
    assert b.status_code == 202, b.text
    b_task = b.json()["task_id"]
    assert b_task != a_task
    # ... and with the same options it is a task of its own.
    c = leaks.rest(second.rest("POST", path, headers=idem, json={"language": "ko"}))
    assert c.status_code == 202 and c.json()["task_id"] == b_task
    conflict = leaks.rest(second.rest("POST", path, headers=idem, json={"language": "en"}))
    assert conflict.status_code == 409 and conflict.json()["details"]["task_id"] == b_task, conflict.text
    assert first.rest("POST", path, headers=idem, json={"language": "en"}).json()["task_id"] == a_task
    assert leaks.rest(second.rest("GET", f"/api/v1/interview/tasks/{a_task}/progress")).status_code == 404

    # Over gRPC too, on the learning service.
    shared = f"grpc-{uuid.uuid4().hex}"
    one = first.rpc("LearningService", "StartLearningPathGeneration", unique_key="Alex Kim_1", idempotency_key=shared)
    two = second.rpc("LearningService", "StartLearningPathGeneration", unique_key="Alex Kim_1", idempotency_key=shared)
    assert one.task_id != two.task_id
    again = second.rpc("LearningService", "StartLearningPathGeneration", unique_key="Alex Kim_1", idempotency_key=shared)
    assert again.task_id == two.task_id and one.task_id not in str(again)
    for api, own in [(first, [a_task, one.task_id]), (second, [b_task, two.task_id])]:
        assert task_ids(api) == set(own), own
    first.close()
    second.close()


# ---------------------------------------------------------------------------------------------
# Limits


def assert_rate_limited(response, limit: int):
    assert_refused(response, 429, "RATE_LIMITED")
    h = response.headers
    assert int(h["Retry-After"]) >= 1, h
    assert h["RateLimit-Limit"] == str(limit) and h["RateLimit-Remaining"] == "0", h
    assert int(h["RateLimit-Reset"]) >= 1, h


def assert_exhausted(error: grpc.RpcError, what: str):
    assert_code(error, grpc.StatusCode.RESOURCE_EXHAUSTED, what)
    status = rpc_status.from_call(error)
    assert status is not None, f"{what}: no google.rpc.Status details"
    retry = [d for d in status.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
    assert retry, f"{what}: no RetryInfo in {status.details}"
    info = error_details_pb2.RetryInfo()
    retry[0].Unpack(info)
    assert info.retry_delay.seconds > 0 or info.retry_delay.nanos > 0


def test_requests_per_minute_limit_over_rest_and_grpc(secured, pb):
    admin = admin_api(secured, pb)
    over_rest = tenant_api(secured, pb, "rpm", ["resumes:read"], requests_per_minute=5)
    over_grpc = tenant_api(secured, pb, "rpm", ["resumes:read"], requests_per_minute=5)
    unlimited = tenant_api(secured, pb, "rpm", ["resumes:read"])
    start_of_a_fresh_minute(20)

    for i in range(5):
        r = over_rest.rest("GET", "/api/v1/resumes")
        assert r.status_code == 200, f"call {i + 1}: {r.status_code} {r.text}"
    sixth = over_rest.rest("GET", "/api/v1/resumes")
    seconds_left = 60 - time.time() % 60
    assert_rate_limited(sixth, 5)
    assert abs(int(sixth.headers["Retry-After"]) - seconds_left) <= 2, (sixth.headers, seconds_left)
    # The same key is refused over gRPC too: one budget per key.
    assert_exhausted(over_rest.rpc_error("ResumeService", "ListResumes"), "ListResumes after 5 REST calls")
    assert_rate_limited(over_rest.rest("GET", "/api/v1/resumes", via="x-api-key"), 5)

    for i in range(5):
        over_grpc.rpc("ResumeService", "ListResumes")
    assert_exhausted(over_grpc.rpc_error("ResumeService", "ListResumes"), "6th ListResumes")
    assert_exhausted(over_grpc.rpc_error("TaskService", "ListTasks"), "ListTasks after 5 calls")
    assert_rate_limited(over_grpc.rest("GET", "/api/v1/resumes"), 5)

    # Limits belong to the key: another key of the tenant, and the admin key, go on.
    for _ in range(10):
        assert unlimited.rest("GET", "/api/v1/resumes").status_code == 200
        assert admin.rest("GET", "/api/v1/resumes").status_code == 200
        admin.rpc("ResumeService", "ListResumes")
    for api in (admin, over_rest, over_grpc, unlimited):
        api.close()


def test_generations_per_day_limit(secured, pb):
    api = tenant_api(secured, pb, "daily", MEMBER, generations_per_day=2)
    key = created_key(api.rest("POST", "/api/v1/resumes", json=resume_body()))

    assert api.rest("POST", f"/api/v1/interview/{q(key)}/questions").status_code == 201
    task = api.rpc("LearningService", "StartLearningPathGeneration", unique_key=key)
    api.rpc("TaskService", "WatchTask", task_id=task.task_id)

    third = api.rest("POST", f"/api/v1/learning/{q(key)}/learning-path")
    assert_rate_limited(third, 2)
    assert int(third.headers["Retry-After"]) <= 86_400
    assert_rate_limited(api.rest("POST", f"/api/v1/interview/async/{q(key)}/questions"), 2)
    assert_exhausted(api.rpc_error("InterviewService", "GenerateQuestions", unique_key=key), "third GenerateQuestions")
    assert_exhausted(api.rpc_error("InterviewService", "StartQuestionGeneration", unique_key=key), "third StartQuestionGeneration")

    # Reads and writes are not generations.
    assert api.rest("GET", "/api/v1/resumes").status_code == 200
    assert api.rest("GET", f"/api/v1/interview/{q(key)}/questions").status_code == 200
    assert api.rest("GET", f"/api/v1/learning/tasks/{task.task_id}/progress").json()["state"] == "SUCCESS"
    assert api.rest("PUT", f"/api/v1/resumes/{q(key)}", json=resume_body(summary="Still allowed to edit my resume.")).status_code == 200
    assert api.rpc("LearningService", "GetLatestLearningPath", unique_key=key).id
    # Only the two generations that were let through happened.
    assert len(api.rest("GET", f"/api/v1/interview/{q(key)}/questions", params={"history": "true"}).json()["sets"]) == 1
    assert len(api.rest("GET", f"/api/v1/learning/{q(key)}/learning-path", params={"history": "true"}).json()["sets"]) == 1
    api.close()


# ---------------------------------------------------------------------------------------------
# Key lifecycle


def test_revocation_takes_effect_within_seconds(secured, pb):
    admin = admin_api(secured, pb)
    created = create_key(admin, "revoking", MEMBER)
    other = tenant_api(secured, pb, "revoking", ["resumes:read"])
    api = Api(secured, pb, created.secret)
    key = created_key(api.rest("POST", "/api/v1/resumes", json=resume_body()))
    assert api.rpc("ResumeService", "GetResume", unique_key=key).unique_key == key

    revoked = admin.rpc("AdminService", "RevokeKey", id=created.key.id)
    assert revoked.id == created.key.id and revoked.revoked_at.seconds > 0
    elapsed = wait_until_refused(api, timeout=5)
    assert elapsed <= 5
    assert_refused(api.rest("GET", f"/api/v1/resumes/{q(key)}", via="x-api-key"), 401, "UNAUTHORIZED")
    assert_code(api.rpc_error("ResumeService", "GetResume", unique_key=key), grpc.StatusCode.UNAUTHENTICATED)

    assert admin.rpc("AdminService", "GetKey", id=created.key.id).revoked_at.seconds > 0
    active = [k.id for k in admin.rpc("AdminService", "ListKeys", tenant="revoking").keys]
    everything = [k.id for k in admin.rpc("AdminService", "ListKeys", tenant="revoking", include_revoked=True).keys]
    assert created.key.id not in active and created.key.id in everything
    # The tenant's data stays, for its other keys.
    assert other.rest("GET", f"/api/v1/resumes/{q(key)}").status_code == 200
    for client in (admin, other, api):
        client.close()


def test_an_expired_key_is_refused(secured, pb):
    admin = admin_api(secured, pb)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=3)
    created = create_key(admin, "expiring", ["resumes:read"], expires_at=expires)
    api = Api(secured, pb, created.secret)
    assert api.rest("GET", "/api/v1/resumes").status_code == 200
    time.sleep(max(0.0, (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))
    wait_until_refused(api, timeout=5)
    for client in (admin, api):
        client.close()


def test_rotation_replaces_the_secret(secured, pb):
    admin = admin_api(secured, pb)
    old = create_key(admin, "rotating", MEMBER, requests_per_minute=1000, generations_per_day=50)
    old_api = Api(secured, pb, old.secret)
    body = resume_body(contact={"email": f"rotating-{uuid.uuid4().hex[:8]}@example.org"})
    key = created_key(old_api.rest("POST", "/api/v1/resumes", json=body))

    rotated = admin.rpc("AdminService", "RotateKey", id=old.key.id)
    SECRETS.append(rotated.secret)
    assert SECRET_SHAPE.match(rotated.secret) and rotated.secret != old.secret
    assert rotated.secret.startswith(f"ic_{rotated.key.id}_")
    assert rotated.key.tenant == "rotating" and sorted(rotated.key.scopes) == sorted(MEMBER)
    assert rotated.key.limits == old.key.limits

    new_api = Api(secured, pb, rotated.secret)
    got = new_api.rest("GET", f"/api/v1/resumes/{q(key)}")
    assert got.status_code == 200 and got.json()["contact"]["email"] == body["contact"]["email"]
    assert new_api.rpc("ResumeService", "GetResume", unique_key=key).content.contact.email == body["contact"]["email"]
    wait_until_refused(old_api, timeout=5)
    assert new_api.rest("GET", f"/api/v1/resumes/{q(key)}").status_code == 200
    assert admin.rpc("AdminService", "GetKey", id=old.key.id).revoked_at.seconds > 0
    for client in (admin, old_api, new_api):
        client.close()


def test_audit_log_names_every_key_change_and_no_secret(secured, pb):
    admin = admin_api(secured, pb)
    revoked = create_key(admin, "audited", ["resumes:read"])
    admin.rpc("AdminService", "RevokeKey", id=revoked.key.id)
    rotated_from = create_key(admin, "audited", MEMBER)
    rotated = admin.rpc("AdminService", "RotateKey", id=rotated_from.key.id)
    SECRETS.append(rotated.secret)

    entries, token = [], ""
    while True:
        page = admin.rpc("AdminService", "ListAuditEntries", page_size=100, page_token=token)
        entries += page.entries
        token = page.next_page_token
        if not token:
            break
    seen = {(e.action, e.target): e for e in entries}
    for action, target in [
        ("key.create", revoked.key.id), ("key.revoke", revoked.key.id), ("key.create", rotated_from.key.id),
    ]:
        assert (action, target) in seen, f"no {action} of {target} in {[(e.action, e.target) for e in entries]}"
        assert seen[(action, target)].actor == "admin" and seen[(action, target)].tenant == "audited"
    rotations = [e for e in entries if e.action == "key.rotate" and e.target in (rotated_from.key.id, rotated.key.id)]
    assert len(rotations) == 1 and rotations[0].actor == "admin" and rotations[0].tenant == "audited", rotations
    stamps = [e.at.ToNanoseconds() for e in entries]
    assert stamps == sorted(stamps, reverse=True), "audit entries are not newest first"
    assert revoked.key.created_by == "admin" and rotated_from.key.created_by == "admin"

    shown = "".join(str(m) for m in [
        *entries,
        admin.rpc("AdminService", "ListKeys", include_revoked=True, page_size=100),
        admin.rpc("AdminService", "GetKey", id=rotated.key.id),
        admin.rpc("AdminService", "GetKey", id=revoked.key.id),
    ])
    for secret in SECRETS + [ADMIN]:
        assert secret not in shown and secret.split("_")[-1] not in shown, "an admin answer shows a secret"
    admin.close()


def use_keys_every_way(server, pb) -> list[str]:
    """Creates, uses (accepted, refused, rate limited, generating, streaming), rotates and revokes
    keys on `server`; returns the secrets it made."""
    admin = admin_api(server, pb)
    created = create_key(admin, "logged", MEMBER, requests_per_minute=30)
    api = Api(server, pb, created.secret)
    key = created_key(api.rest("POST", "/api/v1/resumes", json=resume_body()))
    api.rest("GET", "/api/v1/resumes/nobody_1", via="x-api-key")
    api.rpc_error("ResumeService", "GetResume", unique_key="nobody_1")
    task = api.rest("POST", f"/api/v1/interview/async/{q(key)}/questions").json()["task_id"]
    finish_task(api, "interview", task)
    api.rpc("TaskService", "WatchTask", task_id=task)
    api.rpc("LearningService", "GenerateLearningPath", unique_key=key)
    limited = create_key(admin, "logged", ["resumes:read"], requests_per_minute=1)
    limited_api = Api(server, pb, limited.secret)
    for _ in range(3):
        limited_api.rest("GET", "/api/v1/resumes")
    assert_exhausted(limited_api.rpc_error("ResumeService", "ListResumes"), "over the limit")
    rotated = admin.rpc("AdminService", "RotateKey", id=created.key.id)
    SECRETS.append(rotated.secret)
    wait_until_refused(api)
    admin.rpc("AdminService", "RevokeKey", id=rotated.key.id)
    wait_until_refused(Api(server, pb, rotated.secret))
    Api(server, pb, ADMIN + "x").rest("GET", "/api/v1/resumes")
    Api(server, pb, created.secret[:-1]).rest("GET", "/api/v1/resumes")
    for client in (admin, api, limited_api):
        client.close()
    return [created.secret, limited.secret, rotated.secret]


def assert_no_secret_in(log: str, secrets: list[str]):
    assert log.strip(), "the server wrote no log"
    assert ADMIN not in log, "the log holds COACH_ADMIN_KEY: " + next(line for line in log.splitlines() if ADMIN in line)[:600]
    for secret in secrets:
        random_part = secret.split("_")[-1]
        assert random_part not in log, f"the log holds the secret of key {secret[:20]}…: " + next(
            line for line in log.splitlines() if random_part in line)[:600]


def test_logs_never_contain_a_secret(secured, pb):
    use_keys_every_way(secured, pb)
    assert len(SECRETS) >= 10
    # The whole life of the server, shutdown included; then it serves again for any later test.
    assert secured.stop() == 0
    log = secured.process.log()
    secured.start()
    assert_no_secret_in(log, SECRETS)


def test_debug_logs_never_contain_a_secret(tmp_path, pb):
    server = Server(tmp_path / "data", env={"COACH_ADMIN_KEY": ADMIN, "LOG_LEVEL": "debug"}).start()
    try:
        secrets = use_keys_every_way(server, pb)
    finally:
        server.stop()
    assert_no_secret_in(server.process.log(), secrets)
