"""The access matrix (issue #12, "Safe to expose"), table-driven against the real binary with keys
on: every REST route of the server's own `/openapi.json` and every gRPC method of the .proto
files, each asked as a legitimate call on tenant A's data with

- no key, a wrong (well-formed, unknown) key and a revoked key of A → 401 / UNAUTHENTICATED;
- tenant B's key with every non-admin scope → 404 / NOT_FOUND on A's data, lists without A's
  items, B's own resume on creating routes, 403 / PERMISSION_DENIED on admin routes;
- a key of A lacking exactly the route's scope → 403 / PERMISSION_DENIED;

and every answer is checked for A's identifying values, and A's data (and the keys and audit
log) for changes. The tables must name exactly the routes and methods the server serves and the
protos declare, so a new one cannot be left out. A last pass sends every request of the tables
with A's own key (or the admin key) to show that they are well-formed calls that succeed."""

import dataclasses
import importlib
import json
import re
import secrets
import string
import threading
import types
import uuid
from typing import Callable

import grpc
import pytest
import requests
from google.protobuf import message_factory
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from conftest import ROOT, Server, iter_sse, read_sse
from test_access import (  # noqa: F401  (pb is a fixture)
    ADMIN, MEMBER, Api, LeakCheck, assert_refused, content, finish_task, pb, q, resume_body, wait_until_refused,
)

READ, WRITE, GENERATE, ADMIN_SCOPE = "resumes:read", "resumes:write", "generate", "admin"
KINDS = ["no-key", "wrong-key", "revoked-key", "other-tenant", "missing-scope"]
UNAUTHENTICATED_KINDS = {"no-key", "wrong-key", "revoked-key"}
# Routes that need no key and say nothing about data (docs/SECURITY.md): left out of the matrix,
# and checked to be open below.
OPEN_ROUTES = {
    ("GET", "/"), ("GET", "/test"), ("GET", "/practice"), ("GET", "/dashboard"), ("GET", "/docs"), ("GET", "/favicon.ico"),
    ("GET", "/static/{file}"),
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/openapi.json"),
    ("GET", "/api/v1/resumes/health"), ("GET", "/api/v1/interview/health"), ("GET", "/api/v1/learning/health"),
}
# The live practice WebSocket: a plain HTTP request gets 426 UPGRADE_REQUIRED, key or not; its access
# control is in-band over the socket (the Practice stream's), tested in test_practice_live.py.
UPGRADE_ROUTES = {("GET", "/api/v1/practice/live")}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PROTOS = ROOT / "Protos" / "interviewcoach" / "v1"


# ---------------------------------------------------------------------------------------------
# What tenant B (every non-admin scope) gets for a request on tenant A's data


@dataclasses.dataclass(frozen=True)
class Other:
    kind: str  # "not-found" | "list" | "create" | "noop" | "forbidden"
    code: str = ""  # the error code of a 404 / the ErrorInfo reason of a NOT_FOUND
    check: Callable | None = None  # "list": (JSON body or gRPC reply, context) -> bool
    what: str = ""

    def __str__(self):
        return {
            "not-found": f"404 / NOT_FOUND {self.code}", "list": f"200 / OK, {self.what}",
            "create": "201 / OK, a resume of B's own", "noop": "OK, nothing deleted", "forbidden": "403 / PERMISSION_DENIED",
        }[self.kind]


def not_found(code: str) -> Other:
    return Other("not-found", code)


def listed(check: Callable, what: str) -> Other:
    return Other("list", check=check, what=what)


CREATES, NOOP, FORBIDDEN = Other("create"), Other("noop"), Other("forbidden")


# ---------------------------------------------------------------------------------------------
# The REST table: one row per route (and a few variants), shaped as a legitimate call on A's data


@dataclasses.dataclass(frozen=True)
class RestRow:
    method: str
    route: str  # as /openapi.json names it
    scope: str
    ok: int  # what A's own key (the admin key on admin routes) gets
    other: Other
    body: str | None = None  # a body of Context.bodies
    params: tuple = ()
    variant: str = ""
    destructive: bool = False  # the control call gets a fresh target

    @property
    def label(self) -> str:
        return f"{self.method} {self.route}{self.variant}"

    def request(self, ctx) -> tuple[str, dict]:
        task = ctx.learning_task if self.route.startswith("/api/v1/learning/") else ctx.interview_task
        path = self.route.format(unique_key=q(ctx.unique_key), name=q(ctx.name), task_id=task, key_id=ctx.key_id,
                                 session_id=q(ctx.session_id), kind="interview", id=NO_DEAD_LETTER)
        kwargs: dict = {"stream": self.route.endswith("/stream")}
        if self.body:
            kwargs["json"] = ctx.bodies[self.body]
        if self.params:
            kwargs["params"] = {
                name: value.format(tenant_a=ctx.tenant_a, unique_key=ctx.unique_key, cursor=ctx.cursor) for name, value in self.params
            }
        return path, kwargs


def b_resumes_only(body, ctx) -> bool:
    ids = {r["id"] for r in body["resumes"]}
    return ctx.resume_id not in ids and ctx.b_resume_id in ids


def b_sessions_only(body, ctx) -> bool:
    ids = {s["session_id"] for s in body["sessions"]}
    return not (ids & ctx.session_ids) and ctx.b_session_id in ids


def no_session_of_a(body, ctx) -> bool:
    return not ({s["session_id"] for s in body["sessions"]} & ctx.session_ids)


REST = [
    RestRow("GET", "/api/v1/resumes", READ, 200, listed(b_resumes_only, "B's resume and none of A's")),
    RestRow("GET", "/api/v1/resumes", READ, 200, listed(lambda body, ctx: body["resumes"] == [], "no resume (B has no Alex Kim)"),
            params=(("name", "Alex Kim"),), variant="?name=Alex Kim"),
    RestRow("POST", "/api/v1/resumes", WRITE, 201, CREATES, body="new resume"),
    # The name has no resume in B's tenant: 404 (docs/REST-API.md), not an empty list.
    RestRow("GET", "/api/v1/resumes/user/{name}", READ, 200, not_found("RESUME_NOT_FOUND")),
    RestRow("GET", "/api/v1/resumes/{unique_key}", READ, 200, not_found("RESUME_NOT_FOUND")),
    RestRow("PUT", "/api/v1/resumes/{unique_key}", WRITE, 200, not_found("RESUME_NOT_FOUND"), body="changed resume", destructive=True),
    RestRow("DELETE", "/api/v1/resumes/{unique_key}", WRITE, 204, not_found("RESUME_NOT_FOUND"), destructive=True),
]
for _kind, _resource, _missing in [
    ("interview", "questions", "INTERVIEW_NOT_FOUND"), ("learning", "learning-path", "LEARNING_PATH_NOT_FOUND"),
]:
    REST += [
        RestRow("POST", f"/api/v1/{_kind}/{{unique_key}}/{_resource}", GENERATE, 201, not_found("RESUME_NOT_FOUND"), body="options"),
        RestRow("GET", f"/api/v1/{_kind}/{{unique_key}}/{_resource}", READ, 200, not_found(_missing)),
        RestRow("GET", f"/api/v1/{_kind}/{{unique_key}}/{_resource}", READ, 200,
                listed(lambda body, ctx: body == {"sets": []}, '{"sets": []}'), params=(("history", "true"),), variant="?history=true"),
        RestRow("POST", f"/api/v1/{_kind}/async/{{unique_key}}/{_resource}", GENERATE, 202, not_found("RESUME_NOT_FOUND"), body="options"),
        RestRow("GET", f"/api/v1/{_kind}/tasks/{{task_id}}/progress", READ, 200, not_found("TASK_NOT_FOUND")),
        RestRow("GET", f"/api/v1/{_kind}/tasks/{{task_id}}/stream", READ, 200, not_found("TASK_NOT_FOUND")),
    ]
REST += [
    RestRow("POST", "/api/v1/practice/evaluate", GENERATE, 200, not_found("RESUME_NOT_FOUND"), body="practice"),
    # Practice sessions (docs/REST-API.md "Practice sessions"): B has no "Alex Kim" resume, so
    # starting one on A's key is RESUME_NOT_FOUND; A's session is NOT_FOUND to B; moves and ends
    # change their session, so the control calls get a fresh one.
    RestRow("GET", "/api/v1/practice/sessions", GENERATE, 200, listed(b_sessions_only, "B's session and none of A's"),
            params=(("limit", "100"),)),
    RestRow("GET", "/api/v1/practice/sessions", GENERATE, 200,
            listed(lambda body, ctx: body["sessions"] == [], "no session (B has no Alex Kim)"),
            params=(("unique_key", "{unique_key}"), ("limit", "100")), variant="?unique_key=Alex Kim_1"),
    RestRow("GET", "/api/v1/practice/sessions", GENERATE, 200, listed(no_session_of_a, "none of A's sessions"),
            params=(("cursor", "{cursor}"), ("limit", "100")), variant="?cursor=(A's)"),
    RestRow("GET", "/api/v1/practice/sessions/{session_id}", GENERATE, 200, not_found("NOT_FOUND")),
    RestRow("POST", "/api/v1/practice/sessions", GENERATE, 201, not_found("RESUME_NOT_FOUND"), body="practice session"),
    RestRow("POST", "/api/v1/practice/sessions", GENERATE, 201, not_found("RESUME_NOT_FOUND"), body="practice session on a set",
            variant=" (question_set_id)"),
    RestRow("POST", "/api/v1/practice/sessions/{session_id}/answers", GENERATE, 200, not_found("NOT_FOUND"), body="answer",
            destructive=True),
    RestRow("POST", "/api/v1/practice/sessions/{session_id}/answers", GENERATE, 200, not_found("NOT_FOUND"), body="skip",
            variant=" (skip)", destructive=True),
    RestRow("POST", "/api/v1/practice/sessions/{session_id}/answers", GENERATE, 200, not_found("NOT_FOUND"), body="dont know",
            variant=" (dont_know)", destructive=True),
    RestRow("POST", "/api/v1/practice/sessions/{session_id}/end", GENERATE, 200, not_found("NOT_FOUND"), destructive=True),
    RestRow("POST", "/api/v1/admin/keys", ADMIN_SCOPE, 201, FORBIDDEN, body="key"),
    RestRow("GET", "/api/v1/admin/keys", ADMIN_SCOPE, 200, FORBIDDEN, params=(("tenant", "{tenant_a}"),)),
    RestRow("GET", "/api/v1/admin/keys/{key_id}", ADMIN_SCOPE, 200, FORBIDDEN),
    RestRow("DELETE", "/api/v1/admin/keys/{key_id}", ADMIN_SCOPE, 200, FORBIDDEN, destructive=True),
    RestRow("POST", "/api/v1/admin/keys/{key_id}/rotate", ADMIN_SCOPE, 201, FORBIDDEN, destructive=True),
    RestRow("GET", "/api/v1/admin/audit", ADMIN_SCOPE, 200, FORBIDDEN),
    # Prometheus text of the process (docs/OPERATIONS.md): an admin's, like the key list.
    RestRow("GET", "/metrics", ADMIN_SCOPE, 200, FORBIDDEN),
    # Operations (docs/OPERATIONS.md): every tenant's tasks, so an admin's. A's finished task cannot
    # be retried or cancelled (409) and no dead letter exists (404): the owner's call still reaches
    # the service and is judged on the task.
    RestRow("GET", "/api/v1/operations/overview", ADMIN_SCOPE, 200, FORBIDDEN),
    RestRow("GET", "/api/v1/operations/overview/stream", ADMIN_SCOPE, 200, FORBIDDEN),
    RestRow("GET", "/api/v1/operations/tasks", ADMIN_SCOPE, 200, FORBIDDEN, params=(("unique_key", "{unique_key}"),)),
    RestRow("GET", "/api/v1/operations/tasks/{kind}/{task_id}", ADMIN_SCOPE, 200, FORBIDDEN),
    RestRow("POST", "/api/v1/operations/tasks/{kind}/{task_id}/retry", ADMIN_SCOPE, 409, FORBIDDEN),
    RestRow("POST", "/api/v1/operations/tasks/{kind}/{task_id}/cancel", ADMIN_SCOPE, 409, FORBIDDEN),
    RestRow("GET", "/api/v1/operations/dead-letters", ADMIN_SCOPE, 200, FORBIDDEN),
    RestRow("POST", "/api/v1/operations/dead-letters/{kind}/{id}/retry", ADMIN_SCOPE, 404, FORBIDDEN),
    RestRow("POST", "/api/v1/operations/dead-letters/{kind}/{id}/drop", ADMIN_SCOPE, 404, FORBIDDEN),
    # Last, and in this order: the owner's pause is undone by the resume right after it.
    RestRow("POST", "/api/v1/operations/queues/{kind}/pause", ADMIN_SCOPE, 200, FORBIDDEN),
    RestRow("POST", "/api/v1/operations/queues/{kind}/resume", ADMIN_SCOPE, 200, FORBIDDEN),
]
NO_DEAD_LETTER = "1-0"


# ---------------------------------------------------------------------------------------------
# The gRPC table


@dataclasses.dataclass(frozen=True)
class RpcRow:
    service: str
    name: str
    scope: str
    other: Other
    fields: Callable = lambda ctx: {}  # context -> request fields
    variant: str = ""
    destructive: bool = False
    control: Callable | None = None  # (A's reply, context) -> bool, beyond "OK"
    # The owner's call reaches the service and is refused for the target's state (retrying a task
    # that succeeded, a dead letter that does not exist): this code instead of OK.
    owner_code: grpc.StatusCode | None = None

    @property
    def label(self) -> str:
        return f"{self.service}.{self.name}{self.variant}"


def key_of(ctx) -> dict:
    return {"unique_key": ctx.unique_key}


def b_tasks_only(reply, ctx) -> bool:
    ids = {t.task_id for t in reply.tasks}
    return not (ids & ctx.task_ids) and bool(ids & ctx.b_task_ids)


RPCS = [
    RpcRow("ResumeService", "CreateResume", WRITE, CREATES, lambda c: {"content": content(c.pb, c.bodies["new resume"])}),
    RpcRow("ResumeService", "GetResume", READ, not_found("RESUME_NOT_FOUND"), key_of),
    RpcRow("ResumeService", "ListResumes", READ,
           listed(lambda r, c: b_resumes_only({"resumes": [{"id": x.id} for x in r.resumes]}, c), "B's resume and none of A's"),
           lambda c: {"page_size": 100}),
    RpcRow("ResumeService", "UpdateResume", WRITE, not_found("RESUME_NOT_FOUND"),
           lambda c: {"unique_key": c.unique_key, "content": content(c.pb, c.bodies["changed resume"])}, destructive=True),
    RpcRow("ResumeService", "DeleteResume", WRITE, not_found("RESUME_NOT_FOUND"), key_of, destructive=True),
    RpcRow("InterviewService", "GenerateQuestions", GENERATE, not_found("RESUME_NOT_FOUND"),
           lambda c: {"unique_key": c.unique_key, "options": c.pb["generation_pb2"].QuestionOptions(language="en")}),
    RpcRow("InterviewService", "GetLatestQuestions", READ, not_found("INTERVIEW_NOT_FOUND"), key_of),
    RpcRow("InterviewService", "ListQuestionSets", READ, listed(lambda r, c: len(r.sets) == 0, "no sets"), key_of),
    RpcRow("InterviewService", "StartQuestionGeneration", GENERATE, not_found("RESUME_NOT_FOUND"), key_of),
    # Deleting a key's generated data acts in the caller's tenant: B has none under A's key, so
    # nothing is deleted (the answer is the same whether A has data or not).
    RpcRow("InterviewService", "DeleteQuestionData", WRITE, NOOP, key_of, destructive=True,
           control=lambda r, c: r.deleted_results == 1),
    RpcRow("LearningService", "GenerateLearningPath", GENERATE, not_found("RESUME_NOT_FOUND"),
           lambda c: {"unique_key": c.unique_key, "options": c.pb["generation_pb2"].LearningOptions(language="en")}),
    RpcRow("LearningService", "GetLatestLearningPath", READ, not_found("LEARNING_PATH_NOT_FOUND"), key_of),
    RpcRow("LearningService", "ListLearningPaths", READ, listed(lambda r, c: len(r.paths) == 0, "no paths"), key_of),
    RpcRow("LearningService", "StartLearningPathGeneration", GENERATE, not_found("RESUME_NOT_FOUND"), key_of),
    RpcRow("LearningService", "DeleteLearningData", WRITE, NOOP, key_of, destructive=True,
           control=lambda r, c: r.deleted_results == 1),
]
for _variant, _kind in [("interview", "TASK_KIND_INTERVIEW"), ("learning", "TASK_KIND_LEARNING")]:
    def _task(c, _variant=_variant, _kind=_kind):
        return {"task_id": c.interview_task if _variant == "interview" else c.learning_task, "kind": c.pb["task_pb2"].TaskKind.Value(_kind)}

    RPCS += [
        RpcRow("TaskService", "GetTask", READ, not_found("TASK_NOT_FOUND"), _task, variant=f" ({_variant})"),
        RpcRow("TaskService", "ListTasks", READ, listed(b_tasks_only, "B's task and none of A's"),
               lambda c, _kind=_kind: {"kind": c.pb["task_pb2"].TaskKind.Value(_kind), "page_size": 100}, variant=f" ({_variant})"),
        RpcRow("TaskService", "WatchTask", READ, not_found("TASK_NOT_FOUND"), _task, variant=f" ({_variant})"),
    ]
def practice_message(field: str, value: Callable) -> Callable:
    """The first message of a `Practice` stream: `start` or `resume`."""
    def fields(c):
        pm = c.pb["practice_service_pb2"]
        return {field: getattr(pm, {"start": "StartSession", "resume": "ResumeSession"}[field])(**value(c))}
    return fields


def b_session_infos_only(reply, ctx) -> bool:
    return b_sessions_only({"sessions": [{"session_id": s.session_id} for s in reply.sessions]}, ctx)


def no_session_info_of_a(reply, ctx) -> bool:
    return no_session_of_a({"sessions": [{"session_id": s.session_id} for s in reply.sessions]}, ctx)


RPCS += [
    RpcRow("ProviderService", "ListProviders", GENERATE, listed(lambda r, c: len(r.providers) > 0, "the providers")),
    RpcRow("PracticeService", "EvaluateAnswer", GENERATE, not_found("RESUME_NOT_FOUND"), lambda c: {
        "question": c.pb["generation_pb2"].Question(**c.bodies["practice"]["question"]),
        "answer": c.bodies["practice"]["answer"], "language": "en", "unique_key": c.unique_key,
    }),
    # The bidirectional stream, asked like WatchTask: its first message, then the first answer (or
    # the error). Resuming A's session is NOT_FOUND to B; starting one on A's key is
    # RESUME_NOT_FOUND (B has no "Alex Kim" resume).
    RpcRow("PracticeService", "Practice", GENERATE, not_found("NOT_FOUND"),
           practice_message("resume", lambda c: {"session_id": c.session_id}), variant=" (resume)",
           control=lambda r, c: r.WhichOneof("event") == "session" and r.session.session_id == c.session_id and r.session.resumed),
    RpcRow("PracticeService", "Practice", GENERATE, not_found("RESUME_NOT_FOUND"),
           practice_message("start", lambda c: {"unique_key": c.unique_key, "language": "en"}), variant=" (start)",
           control=lambda r, c: r.WhichOneof("event") == "session" and r.session.unique_key == c.unique_key
           and not r.session.resumed and r.session.session_id not in c.session_ids),
    RpcRow("PracticeService", "GetSession", GENERATE, not_found("NOT_FOUND"), lambda c: {"session_id": c.session_id},
           control=lambda r, c: r.info.session_id == c.session_id and r.HasField("pending")),
    RpcRow("PracticeService", "ListSessions", GENERATE, listed(lambda r, c: len(r.sessions) == 0, "no sessions (B has no Alex Kim)"),
           lambda c: {"unique_key": c.unique_key, "page_size": 100},
           control=lambda r, c: c.session_ids <= {s.session_id for s in r.sessions}),
    RpcRow("PracticeService", "ListSessions", GENERATE, listed(b_session_infos_only, "B's session and none of A's"),
           lambda c: {"page_size": 100}, variant=" (every resume)"),
    RpcRow("PracticeService", "ListSessions", GENERATE, listed(no_session_info_of_a, "none of A's sessions"),
           lambda c: {"page_size": 100, "page_token": c.page_token}, variant=" (A's page token)"),
    RpcRow("AdminService", "CreateKey", ADMIN_SCOPE, FORBIDDEN, lambda c: {"tenant": c.tenant_a, "scopes": [READ], "name": "matrix"}),
    RpcRow("AdminService", "ListKeys", ADMIN_SCOPE, FORBIDDEN, lambda c: {"tenant": c.tenant_a}),
    RpcRow("AdminService", "GetKey", ADMIN_SCOPE, FORBIDDEN, lambda c: {"id": c.key_id}),
    RpcRow("AdminService", "RevokeKey", ADMIN_SCOPE, FORBIDDEN, lambda c: {"id": c.key_id}, destructive=True),
    RpcRow("AdminService", "RotateKey", ADMIN_SCOPE, FORBIDDEN, lambda c: {"id": c.key_id}, destructive=True),
    RpcRow("AdminService", "ListAuditEntries", ADMIN_SCOPE, FORBIDDEN, lambda c: {"page_size": 10}),
]


def _interview_task(c) -> dict:
    return {"task_id": c.interview_task, "kind": c.pb["task_pb2"].TaskKind.Value("TASK_KIND_INTERVIEW")}


def _dead_letter(c) -> dict:
    return {"id": NO_DEAD_LETTER, "kind": c.pb["task_pb2"].TaskKind.Value("TASK_KIND_INTERVIEW")}


RPCS += [
    RpcRow("OperationsService", "GetOverview", ADMIN_SCOPE, FORBIDDEN),
    RpcRow("OperationsService", "ListTasks", ADMIN_SCOPE, FORBIDDEN, lambda c: {"unique_key": c.unique_key},
           control=lambda r, c: c.interview_task in {t.task_id for t in r.tasks}),
    RpcRow("OperationsService", "GetTaskDetail", ADMIN_SCOPE, FORBIDDEN, _interview_task,
           control=lambda r, c: r.task_id == c.interview_task and len(r.timeline) > 0),
    RpcRow("OperationsService", "RetryTask", ADMIN_SCOPE, FORBIDDEN, _interview_task, owner_code=grpc.StatusCode.FAILED_PRECONDITION),
    RpcRow("OperationsService", "CancelTask", ADMIN_SCOPE, FORBIDDEN, _interview_task, owner_code=grpc.StatusCode.FAILED_PRECONDITION),
    RpcRow("OperationsService", "ListDeadLetters", ADMIN_SCOPE, FORBIDDEN,
           lambda c: {"kind": c.pb["task_pb2"].TaskKind.Value("TASK_KIND_INTERVIEW")}),
    RpcRow("OperationsService", "RetryDeadLetter", ADMIN_SCOPE, FORBIDDEN, _dead_letter, owner_code=grpc.StatusCode.NOT_FOUND),
    RpcRow("OperationsService", "DropDeadLetter", ADMIN_SCOPE, FORBIDDEN, _dead_letter, owner_code=grpc.StatusCode.NOT_FOUND),
    # Resuming a running queue changes nothing.
    RpcRow("OperationsService", "SetQueuePaused", ADMIN_SCOPE, FORBIDDEN,
           lambda c: {"kind": c.pb["task_pb2"].TaskKind.Value("TASK_KIND_INTERVIEW"), "paused": False},
           control=lambda r, c: not r.paused),
]


# ---------------------------------------------------------------------------------------------
# The .proto files, parsed


def proto_services() -> dict[str, tuple[str, dict[str, bool]]]:
    """{service: (file stem, {method: server streaming})} of every `service` block of the protos."""
    services = {}
    for path in sorted(PROTOS.glob("*.proto")):
        text = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        for service, body in re.findall(r"\bservice\s+(\w+)\s*\{(.*?)^\}", text, flags=re.S | re.M):
            assert path.name.endswith("_service.proto"), f"{path.name} declares service {service}"
            methods = {
                name: bool(stream)
                for name, stream in re.findall(
                    r"\brpc\s+(\w+)\s*\(\s*(?:stream\s+)?[\w.]+\s*\)\s*returns\s*\(\s*(stream\s+)?[\w.]+\s*\)", body)
            }
            assert methods, f"no rpc parsed in {path.name} {service}"
            assert len(methods) == len(re.findall(r"\brpc\b", body)), f"an rpc of {service} was not parsed"
            services[service] = (path.stem, methods)
    return services


# ---------------------------------------------------------------------------------------------
# The world: one keyed server, two tenants, their keys and tenant A's data


def random_key() -> str:
    """Well-formed (`ic_<16 hex>_<32 base62>`), and no key has it."""
    alphabet = string.ascii_letters + string.digits
    return f"ic_{secrets.token_hex(8)}_{''.join(secrets.choice(alphabet) for _ in range(32))}"


def error_info(error: grpc.RpcError) -> tuple[str | None, dict]:
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason, dict(info.metadata)
    return None, {}


def without_volatile(value):
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in ("request_id", "timestamp")}
    return value


class World:
    def __init__(self, server, modules):
        self.server, self.pb = server, modules
        self.services = proto_services()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
        self.apis: dict = {}
        self.admin = self.api(ADMIN)
        marker = uuid.uuid4().hex[:10]
        self.tenant_a, self.tenant_b = f"matrix-a-{marker}", f"matrix-b-{marker}"

        self.a_key = self.make_key(self.tenant_a, MEMBER)["key"]
        self.b_key = self.make_key(self.tenant_b, MEMBER)["key"]
        self.a = self.api(self.a_key)
        self.b = self.api(self.b_key)
        self.wrong_key = random_key()
        # A key of A lacking exactly one scope; on admin routes, A's key with every other scope.
        self.lacking = {scope: self.make_key(self.tenant_a, [s for s in MEMBER if s != scope])["key"] for scope in MEMBER}
        self.lacking[ADMIN_SCOPE] = self.a_key
        self.target_key_id = self.make_key(self.tenant_a, [READ], name="matrix target")["id"]
        revoked = self.make_key(self.tenant_a, MEMBER, name="matrix revoked")
        r = self.admin.rest("DELETE", f"/api/v1/admin/keys/{revoked['id']}")
        assert r.status_code == 200, r.text
        self.revoked_key = revoked["key"]
        assert wait_until_refused(self.api(self.revoked_key), timeout=5) <= 5

        # Tenant A: "Alex Kim_1", a question set and a learning path, a finished task of each kind.
        self.email = f"a-{marker}@example.org"
        self.a_body = resume_body(contact={"email": self.email}, summary=f"Tenant A only, backend work {marker}.")
        r = self.a.rest("POST", "/api/v1/resumes", json=self.a_body)
        assert r.status_code == 201, r.text
        self.unique_key, self.resume_id = r.json()["unique_key"], r.json()["resume_id"]
        assert self.unique_key == "Alex Kim_1", r.text
        for path in (f"/api/v1/interview/{q(self.unique_key)}/questions", f"/api/v1/learning/{q(self.unique_key)}/learning-path"):
            r = self.a.rest("POST", path, json={"language": "en"})
            assert r.status_code == 201, r.text
        self.interview_task = self.start_task("interview", "questions")
        self.learning_task = self.start_task("learning", "learning-path")
        sets = self.history("interview", "questions")
        paths = self.history("learning", "learning-path")
        self.set_ids = [s["interview_id"] for s in sets]
        self.path_ids = [p["learning_path_id"] for p in paths]
        assert len(self.set_ids) == 2 and len(self.path_ids) == 2, (sets, paths)
        # Two practice sessions of A on "Alex Kim_1": the first answered once (A's answer is a
        # secret) and waiting at its next prompt, the second to page A's list with.
        self.answer_text = f"In the matrix project {marker} I wrote pytest unit tests for every endpoint and ran them in CI."
        self.session_id = self.start_session(self.a, self.unique_key)
        r = self.a.rest("POST", f"/api/v1/practice/sessions/{q(self.session_id)}/answers", json={"answer": self.answer_text})
        assert r.status_code == 200, r.text
        assert r.json()["prompt"] is not None and r.json()["report"] is None, r.text
        self.session_ids = {self.session_id, self.start_session(self.a, self.unique_key)}
        r = self.a.rest("GET", "/api/v1/practice/sessions", params={"limit": 1})
        assert r.status_code == 200 and r.json()["next_cursor"], r.text
        self.cursor = r.json()["next_cursor"]
        reply = self.invoke(self.a_key, "PracticeService", "ListSessions",
                            self.request("PracticeService", "ListSessions", {"page_size": 1}))
        assert not isinstance(reply, grpc.RpcError) and reply.next_page_token, reply
        self.page_token = reply.next_page_token
        # Tenant B: a resume of another name and a finished task of each kind, of its own.
        r = self.b.rest("POST", "/api/v1/resumes", json=resume_body("senior-platform-en", contact={"email": f"b-{marker}@example.org"}))
        assert r.status_code == 201, r.text
        self.b_resume_id, b_unique_key = r.json()["resume_id"], r.json()["unique_key"]
        assert b_unique_key != self.unique_key
        self.b_task_ids = set()
        for kind, resource in (("interview", "questions"), ("learning", "learning-path")):
            r = self.b.rest("POST", f"/api/v1/{kind}/async/{q(b_unique_key)}/{resource}", json={"language": "en"})
            assert r.status_code == 202, r.text
            finish_task(self.b, kind, r.json()["task_id"])
            self.b_task_ids.add(r.json()["task_id"])
        self.b_session_id = self.start_session(self.b, b_unique_key)
        self.leaks = LeakCheck([
            self.email, self.resume_id, self.interview_task, self.learning_task, *self.set_ids, *self.path_ids,
            self.tenant_a, f"backend work {marker}", *self.session_ids, f"matrix project {marker}",
        ])

    # Keys and clients -------------------------------------------------------------------------

    def make_key(self, tenant: str, scopes: list[str], name: str = "matrix") -> dict:
        r = self.admin.rest("POST", "/api/v1/admin/keys", json={"tenant": tenant, "scopes": scopes, "name": name})
        assert r.status_code == 201, r.text
        return r.json()

    def api(self, secret: str | None) -> Api:
        if secret not in self.apis:
            self.apis[secret] = Api(self.server, self.pb, secret)
        return self.apis[secret]

    def secret(self, kind: str, scope: str) -> str | None:
        return {
            "no-key": None, "wrong-key": self.wrong_key, "revoked-key": self.revoked_key, "other-tenant": self.b_key,
            "missing-scope": self.lacking.get(scope),
        }[kind]

    # Tenant A's data ---------------------------------------------------------------------------

    def start_task(self, kind: str, resource: str) -> str:
        r = self.a.rest("POST", f"/api/v1/{kind}/async/{q(self.unique_key)}/{resource}", json={"language": "en"})
        assert r.status_code == 202, r.text
        task = r.json()["task_id"]
        finish_task(self.a, kind, task)
        assert self.a.rest("GET", f"/api/v1/{kind}/tasks/{task}/progress").json()["state"] == "SUCCESS"
        return task

    @staticmethod
    def start_session(api: Api, unique_key: str) -> str:
        """A practice session of `api`'s tenant on its newest question set, at its first prompt."""
        r = api.rest("POST", "/api/v1/practice/sessions", json={"unique_key": unique_key, "language": "en"})
        assert r.status_code == 201, r.text
        assert r.json()["prompt"] is not None, r.text
        return r.json()["session"]["session_id"]

    def history(self, kind: str, resource: str) -> list[dict]:
        r = self.a.rest("GET", f"/api/v1/{kind}/{q(self.unique_key)}/{resource}", params={"history": "true"})
        assert r.status_code == 200, r.text
        return r.json()["sets"]

    def context(self, **changes) -> types.SimpleNamespace:
        """What a request of the tables is made of: A's resume, tasks, a key of A, bodies."""
        unique_key = changes.pop("unique_key", self.unique_key)
        set_id = changes.pop("set_id", self.set_ids[0])
        new_email = f"new-{uuid.uuid4().hex[:8]}@example.org"
        bodies = {
            "new resume": resume_body(contact={"email": new_email}),
            "changed resume": resume_body(contact={"email": f"changed-{uuid.uuid4().hex[:8]}@example.org"},
                                          summary="Replaced content for the access matrix."),
            "options": {"language": "en"},
            "practice": {
                "question": {
                    "type": "Implementation", "topic": "Python", "question": "How did you test your first backend service?",
                    "what_good_answers_cover": ["How the tests were organised", "What the tests caught"],
                },
                "answer": "I wrote pytest unit tests for every endpoint and ran them in CI; they caught two regressions.",
                "language": "en", "unique_key": unique_key,
            },
            "key": {"tenant": self.tenant_a, "scopes": [READ], "name": "matrix"},
            "practice session": {"unique_key": unique_key, "language": "en"},
            "practice session on a set": {"unique_key": unique_key, "question_set_id": set_id, "language": "en"},
            "answer": {"answer": "I wrote pytest unit tests for every endpoint and ran them in CI; they caught two regressions."},
            "skip": {"action": "skip"},
            "dont know": {"action": "dont_know"},
        }
        return types.SimpleNamespace(**{
            "pb": self.pb, "tenant_a": self.tenant_a, "unique_key": unique_key, "name": self.a_body["name"],
            "resume_id": self.resume_id, "interview_task": self.interview_task, "learning_task": self.learning_task,
            "task_ids": {self.interview_task, self.learning_task}, "key_id": self.target_key_id,
            "b_resume_id": self.b_resume_id, "b_task_ids": self.b_task_ids,
            "session_id": self.session_id, "session_ids": self.session_ids, "b_session_id": self.b_session_id,
            "cursor": self.cursor, "page_token": self.page_token,
            "new_email": new_email, "bodies": bodies, **changes,
        })

    def fresh_context(self) -> types.SimpleNamespace:
        """A context whose resume (with a question set, a learning path and a practice session at
        its first prompt) and key are new, for the control calls that change or remove their target."""
        r = self.a.rest("POST", "/api/v1/resumes", json=self.a_body)
        assert r.status_code == 201, r.text
        unique_key = r.json()["unique_key"]
        for path in (f"/api/v1/interview/{q(unique_key)}/questions", f"/api/v1/learning/{q(unique_key)}/learning-path"):
            assert self.a.rest("POST", path, json={"language": "en"}).status_code == 201
        return self.context(unique_key=unique_key, key_id=self.make_key(self.tenant_a, [READ], name="matrix fresh")["id"],
                            session_id=self.start_session(self.a, unique_key))

    def fingerprint(self) -> dict:
        """Tenant A's data, the default tenant's resumes, A's keys and the newest audit entry."""
        def get(api, path, **params):
            r = api.rest("GET", path, params=params)
            return r.status_code, without_volatile(r.json())

        uk = q(self.unique_key)
        tasks = []
        for kind in ("TASK_KIND_INTERVIEW", "TASK_KIND_LEARNING"):
            reply = self.invoke(self.a_key, "TaskService", "ListTasks", self.request(
                "TaskService", "ListTasks", {"kind": self.pb["task_pb2"].TaskKind.Value(kind), "page_size": 100}))
            assert not isinstance(reply, grpc.RpcError), reply
            tasks += sorted((t.task_id, t.state, t.progress) for t in reply.tasks)
        return {
            "A's resume": get(self.a, f"/api/v1/resumes/{uk}"),
            "A's resumes": get(self.a, "/api/v1/resumes", limit=100),
            "A's question sets": get(self.a, f"/api/v1/interview/{uk}/questions", history="true"),
            "A's learning paths": get(self.a, f"/api/v1/learning/{uk}/learning-path", history="true"),
            "A's tasks": tasks,
            "A's practice session": get(self.a, f"/api/v1/practice/sessions/{q(self.session_id)}"),
            "A's practice sessions": get(self.a, "/api/v1/practice/sessions", unique_key=self.unique_key, limit=100),
            "the default tenant's resumes": get(self.admin, "/api/v1/resumes", limit=100),
            "A's keys": get(self.admin, "/api/v1/admin/keys", tenant=self.tenant_a, include_revoked="true", limit=100),
            "the newest audit entry": get(self.admin, "/api/v1/admin/audit", limit=1),
        }

    # gRPC --------------------------------------------------------------------------------------

    def method(self, service: str, name: str):
        stem = self.services[service][0]
        return self.pb[f"{stem}_pb2"].DESCRIPTOR.services_by_name[service].methods_by_name[name]

    def request(self, service: str, name: str, fields: dict):
        return message_factory.GetMessageClass(self.method(service, name).input_type)(**fields)

    def invoke(self, secret: str | None, service: str, name: str, request):
        """The reply (the first message of a stream; None for an empty stream) or the RpcError. A
        client stream sends `request` as its only message and stays open until the first answer."""
        stub = getattr(self.pb[f"{self.services[service][0]}_pb2_grpc"], f"{service}Stub")(self.channel)
        metadata = [("authorization", f"Bearer {secret}")] if secret is not None else []
        call = getattr(stub, name)
        method = self.method(service, name)
        if not method.server_streaming:
            try:
                return call(request, metadata=metadata, timeout=60)
            except grpc.RpcError as error:
                return error
        answered = threading.Event()

        def messages():
            yield request
            answered.wait(60)

        stream = call(messages() if method.client_streaming else request, metadata=metadata, timeout=60)
        try:
            return next(stream)
        except StopIteration:
            return None
        except grpc.RpcError as error:
            return error
        finally:
            answered.set()
            stream.cancel()

    def close(self):
        for api in self.apis.values():
            api.close()
        self.channel.close()


@pytest.fixture(scope="module")
def modules(pb):
    """The generated modules of every service of the protos (PracticeService too)."""
    found = dict(pb)
    for stem, _ in proto_services().values():
        for suffix in ("_pb2", "_pb2_grpc"):
            found.setdefault(f"{stem}{suffix}", importlib.import_module(f"interviewcoach.v1.{stem}{suffix}"))
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory, modules):
    """One server with keys on (SQLite, builtin provider) and everything the matrix needs."""
    server = Server(tmp_path_factory.mktemp("access-matrix") / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    built = None
    try:
        built = World(server, modules)
        yield built
    finally:
        if built:
            built.close()
        server.stop()


def assert_unchanged(world: World, before: dict, what: str):
    after = world.fingerprint()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"{what} changed {sorted(changed)}: " + json.dumps(changed, default=str)[:3000]


# ---------------------------------------------------------------------------------------------
# The tables are complete


def test_the_rest_table_names_every_route_the_server_serves(world):
    r = requests.get(world.server.url("/openapi.json"), timeout=10)
    assert r.status_code == 200, r.text
    served = {(m.upper(), path) for path, ops in r.json()["paths"].items() for m in ops if m.lower() in HTTP_METHODS}
    assert OPEN_ROUTES <= served, f"open routes no longer served: {sorted(OPEN_ROUTES - served)}"
    assert UPGRADE_ROUTES <= served, f"WebSocket routes no longer served: {sorted(UPGRADE_ROUTES - served)}"
    tabled = {(row.method, row.route) for row in REST}
    missing, unknown = served - OPEN_ROUTES - UPGRADE_ROUTES - tabled, tabled - served
    assert not missing, f"routes of /openapi.json missing from the access matrix: {sorted(missing)}"
    assert not unknown, f"routes of the access matrix that the server does not serve: {sorted(unknown)}"
    assert len({row.label for row in REST}) == len(REST)


def test_the_grpc_table_names_every_method_of_the_protos(modules):
    services = proto_services()
    declared = {(service, name) for service, (_, methods) in services.items() for name in methods}
    tabled = {(row.service, row.name) for row in RPCS}
    assert not declared - tabled, f"methods of the protos missing from the access matrix: {sorted(declared - tabled)}"
    assert not tabled - declared, f"methods of the access matrix the protos do not declare: {sorted(tabled - declared)}"
    assert len({row.label for row in RPCS}) == len(RPCS)
    # The parse agrees with what protoc compiled.
    for service, (stem, methods) in services.items():
        compiled = modules[f"{stem}_pb2"].DESCRIPTOR.services_by_name[service].methods
        assert {m.name: m.server_streaming for m in compiled} == methods, service
    assert ("TaskService", "WatchTask") in declared and services["TaskService"][1]["WatchTask"]


def test_the_routes_left_out_need_no_key(world):
    for method, route in sorted(OPEN_ROUTES):
        r = requests.request(method, world.server.url(route.replace("{file}", "test.js")), timeout=10)
        assert r.status_code == 200, f"{method} {route} without a key: {r.status_code} {r.text[:300]}"
    for method, route in sorted(UPGRADE_ROUTES):
        r = requests.request(method, world.server.url(route), timeout=10)
        assert (r.status_code, r.json()["error_code"]) == (426, "UPGRADE_REQUIRED"), f"{method} {route}: {r.status_code} {r.text[:300]}"


# ---------------------------------------------------------------------------------------------
# The matrix


def expect_rest(response, status: int, code: str, what: str):
    try:
        body = response.json()
    except ValueError:
        body = None
    got = body.get("error_code") if isinstance(body, dict) else None
    assert (response.status_code, got) == (status, code), (
        f"{what}: expected {status} {code}, got {response.status_code} {response.text[:500]}")
    assert_refused(response, status, code)


def check_other_rest(world: World, row: RestRow, ctx, r, what: str):
    other = row.other
    if other.kind == "not-found":
        expect_rest(r, 404, other.code, what)
    elif other.kind == "forbidden":
        expect_rest(r, 403, "FORBIDDEN", what)
        assert r.json()["details"]["scope"] == ADMIN_SCOPE, f"{what}: {r.text}"
    elif other.kind == "list":
        assert r.status_code == 200, f"{what}: expected 200 with {other.what}, got {r.status_code} {r.text[:500]}"
        assert other.check(r.json(), ctx), f"{what}: expected {other.what}, got {r.text[:1000]}"
    elif other.kind == "create":
        assert r.status_code == 201, f"{what}: expected 201 (B's own resume), got {r.status_code} {r.text[:500]}"
        made = r.json()
        try:
            assert made["resume_id"] != ctx.resume_id and made["unique_key"].startswith(f"{ctx.name}_"), made
            own = world.b.rest("GET", f"/api/v1/resumes/{q(made['unique_key'])}")
            assert own.status_code == 200 and own.json()["contact"]["email"] == ctx.new_email, own.text
        finally:  # B keeps no "Alex Kim" resume: the rows after this one ask B for A's key
            assert world.b.rest("DELETE", f"/api/v1/resumes/{q(made['unique_key'])}").status_code == 204
    else:
        raise AssertionError(f"{row.label}: no REST expectation for {other.kind}")


@pytest.mark.parametrize("row, kind", [(row, kind) for row in REST for kind in KINDS],
                         ids=[f"{row.label} - {kind}" for row in REST for kind in KINDS])
def test_rest(world, row: RestRow, kind: str):
    ctx = world.context()
    path, kwargs = row.request(ctx)
    before = world.fingerprint()
    r = world.api(world.secret(kind, row.scope)).rest(row.method, path, **kwargs)
    r.text  # the whole body, a stream's too
    what = f"{row.method} {path} · {kind}"
    world.leaks.rest(r)
    if kind in UNAUTHENTICATED_KINDS:
        expect_rest(r, 401, "UNAUTHORIZED", what)
    elif kind == "missing-scope":
        expect_rest(r, 403, "FORBIDDEN", what)
        assert r.json()["details"]["scope"] == row.scope, f"{what}: {r.text}"
    else:
        check_other_rest(world, row, ctx, r, what)
    assert_unchanged(world, before, what)


def expect_grpc(answer, code: grpc.StatusCode, what: str, reason: str | None = None):
    assert isinstance(answer, grpc.RpcError), f"{what}: expected {code.name}, got an answer: {str(answer)[:800]}"
    assert answer.code() == code, f"{what}: expected {code.name}, got {answer.code().name} {answer.details()!r}"
    if reason:
        got, _ = error_info(answer)
        assert got == reason, f"{what}: expected the ErrorInfo reason {reason}, got {got} ({answer.details()!r})"


def check_other_grpc(world: World, row: RpcRow, ctx, answer, what: str):
    other = row.other
    if other.kind == "not-found":
        expect_grpc(answer, grpc.StatusCode.NOT_FOUND, what, other.code)
    elif other.kind == "forbidden":
        expect_grpc(answer, grpc.StatusCode.PERMISSION_DENIED, what, "FORBIDDEN")
    else:
        assert not isinstance(answer, grpc.RpcError), (
            f"{what}: expected {other}, got {answer.code().name} {answer.details()!r}")
        if other.kind == "list":
            assert other.check(answer, ctx), f"{what}: expected {other.what}, got {str(answer)[:1000]}"
        elif other.kind == "noop":
            assert (answer.deleted_results, answer.deleted_tasks) == (0, 0), f"{what}: {answer}"
        elif other.kind == "create":
            try:
                assert answer.id != ctx.resume_id and answer.unique_key.startswith(f"{ctx.name}_"), answer
                assert answer.content.contact.email == ctx.new_email, answer
                own = world.b.rest("GET", f"/api/v1/resumes/{q(answer.unique_key)}")
                assert own.status_code == 200 and own.json()["id"] == answer.id, own.text
            finally:
                assert world.b.rest("DELETE", f"/api/v1/resumes/{q(answer.unique_key)}").status_code == 204
        else:
            raise AssertionError(f"{row.label}: no gRPC expectation for {other.kind}")


@pytest.mark.parametrize("row, kind", [(row, kind) for row in RPCS for kind in KINDS],
                         ids=[f"{row.label} - {kind}" for row in RPCS for kind in KINDS])
def test_grpc(world, row: RpcRow, kind: str):
    ctx = world.context()
    request = world.request(row.service, row.name, row.fields(ctx))
    before = world.fingerprint()
    answer = world.invoke(world.secret(kind, row.scope), row.service, row.name, request)
    what = f"{row.label}({request}) · {kind}".replace("\n", " ")
    world.leaks.reply(answer, sent=str(request))
    if kind in UNAUTHENTICATED_KINDS:
        expect_grpc(answer, grpc.StatusCode.UNAUTHENTICATED, what)
    elif kind == "missing-scope":
        expect_grpc(answer, grpc.StatusCode.PERMISSION_DENIED, what, "FORBIDDEN")
        _, metadata = error_info(answer)
        assert json.loads(metadata.get("details", "{}")).get("scope") == row.scope, f"{what}: {metadata}"
    else:
        check_other_grpc(world, row, ctx, answer, what)
    assert_unchanged(world, before, what)


# ---------------------------------------------------------------------------------------------
# Control: every request of the tables is a legitimate call that succeeds for its owner


@pytest.mark.parametrize("row", REST, ids=[f"{row.label} - tenant-a (control)" for row in REST])
def test_rest_request_succeeds_for_its_owner(world, row: RestRow):
    ctx = world.fresh_context() if row.destructive else world.context()
    path, kwargs = row.request(ctx)
    api = world.admin if row.scope == ADMIN_SCOPE else world.a
    r = api.rest(row.method, path, **kwargs)
    if row.route == "/api/v1/operations/overview/stream":
        # Endless (a fresh overview every 2 s): the first event is the overview.
        assert r.status_code == 200, r.text
        first = next(event for event in iter_sse(r) if "event" in event)
        r.close()
        assert first["event"] == "overview" and "tasks_by_state" in first["data"], first
        return
    if row.route.endswith("/stream"):
        assert r.status_code == 200, r.text
        assert read_sse(r)[-1].get("event") == "close"
        return
    assert r.status_code == row.ok, f"{row.method} {path} with the owner's key: {r.status_code} {r.text[:500]}"
    if row.ok == 202:  # no task left running behind the other tests
        finish_task(world.a, row.route.split("/")[3], r.json()["task_id"])


@pytest.mark.parametrize("row", RPCS, ids=[f"{row.label} - tenant-a (control)" for row in RPCS])
def test_grpc_request_succeeds_for_its_owner(world, row: RpcRow):
    ctx = world.fresh_context() if row.destructive else world.context()
    request = world.request(row.service, row.name, row.fields(ctx))
    answer = world.invoke(ADMIN if row.scope == ADMIN_SCOPE else world.a_key, row.service, row.name, request)
    if row.owner_code:
        expect_grpc(answer, row.owner_code, f"{row.label} with the owner's key")
        return
    assert answer is not None and not isinstance(answer, grpc.RpcError), (
        f"{row.label} with the owner's key: {answer.code().name if answer else 'no message'} "
        f"{answer.details() if answer else ''}")
    if row.control:
        assert row.control(answer, ctx), f"{row.label}: {answer}"
    if row.name.startswith("Start"):  # no task left running behind the other tests
        world.a.rpc("TaskService", "WatchTask", task_id=answer.task_id)
