"""API keys beyond one process (issue #12, "Safe to expose"), against the real binary: key
administration over REST (`/api/v1/admin/...`) and the `keys` CLI, the edge's hardening over a
real socket (Host allow-list, JSON-only bodies, control characters in path keys, body and message
size limits, SSE stream lifetime), a split mesh where every role checks keys and acts for the
caller's tenant, and one per-minute budget counted by two edges sharing Redis."""

import concurrent.futures
import datetime
import http.client
import json
import os
import re
import subprocess
import threading
import time
import types
import uuid

import grpc
import pytest
import requests
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import BINARY, CoachProcess, Server, free_port, read_sse, wait_grpc_ready, wait_http_ready
from test_access import (  # noqa: F401  (pb is a fixture)
    ADMIN, MEMBER, NO_KEY, SECRET_SHAPE, WRONG, Api, LeakCheck, assert_code, assert_rate_limited, assert_refused, created_key,
    finish_task, pb, q, resume_body, start_of_a_fresh_minute,
)

KEY_FIELDS = {"id", "prefix", "tenant", "scopes", "name", "limits", "created_at", "expires_at", "revoked_at", "created_by"}
AUDIT_FIELDS = {"id", "at", "actor", "action", "target", "tenant"}
KEY_ID = re.compile(r"^[0-9a-f]{16}$")
# Every secret this module's servers handed out over REST or the CLI (the log test looks for them).
SECRETS: list[str] = []
BODY_LIMIT = 256 * 1024


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """One server with keys on (SQLite, builtin provider) for the REST and CLI administration tests."""
    s = Server(tmp_path_factory.mktemp("access-mesh") / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """A keyless server on 127.0.0.1 (the default) for the hardening tests."""
    s = Server(tmp_path_factory.mktemp("hardening") / "data", env=NO_KEY).start()
    yield s
    s.stop()


def when(text: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, text
    return parsed


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def assert_key_body(body: dict, *, with_secret: bool):
    """The REST shape of a key: every field, the secret only when asked for, no hash of it."""
    expected = KEY_FIELDS | ({"key"} if with_secret else set())
    assert set(body) == expected, f"fields {sorted(body)} != {sorted(expected)}"
    assert KEY_ID.match(body["id"]), body
    assert body["prefix"] == f"ic_{body['id']}", body
    when(body["created_at"])
    if with_secret:
        assert SECRET_SHAPE.match(body["key"]), body["key"]
        assert body["key"].startswith(body["prefix"] + "_"), body
    assert not any("hash" in name.lower() or "secret" in name.lower() for name in body), body


def admin_create(admin: Api, tenant: str, scopes: list[str], **fields) -> dict:
    """POST /api/v1/admin/keys; the secret is remembered for the log check."""
    r = admin.rest("POST", "/api/v1/admin/keys", json={"tenant": tenant, "scopes": scopes, **fields})
    assert r.status_code == 201, r.text
    body = r.json()
    assert_key_body(body, with_secret=True)
    assert body["tenant"] == tenant and sorted(body["scopes"]) == sorted(scopes), body
    SECRETS.append(body["key"])
    return body


def list_all(admin: Api, path: str, field: str, **params) -> list[dict]:
    """Every entry of a cursor-paged admin listing."""
    entries, cursor = [], None
    for _ in range(100):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = admin.rest("GET", path, params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        assert set(page) == {field, "next_cursor"}, page
        entries += page[field]
        cursor = page["next_cursor"]
        if not cursor:
            return entries
    raise AssertionError(f"{path} did not end")


def wait_rest_refused(api: Api, paths=("/api/v1/resumes",), timeout=5.0) -> float:
    """Seconds until every one of `paths` answers `api`'s key with 401 (at most `timeout`)."""
    started, pending = time.monotonic(), set(paths)
    while time.monotonic() - started < timeout:
        for path in list(pending):
            if api.rest("GET", path).status_code == 401:
                pending.discard(path)
        if not pending:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"key still accepted after {timeout}s on {sorted(pending)}")


def validation_fields(response) -> list[str]:
    return [v["field"] for v in response.json().get("details", {}).get("validation_errors", [])]


def resumes_of(api: Api) -> list[dict]:
    r = api.rest("GET", "/api/v1/resumes", params={"limit": 100})
    assert r.status_code == 200, r.text
    return r.json()["resumes"]


# ---------------------------------------------------------------------------------------------
# 1. Key administration over REST


def test_rest_admin_creates_a_key_and_shows_its_secret_only_then(keyed, pb):
    admin = Api(keyed, pb, ADMIN)
    tenant = f"acme-{uuid.uuid4().hex[:8]}"
    before = now()
    created = admin_create(
        admin, tenant, MEMBER, name="ci", limits={"requests_per_minute": 100}, expires_in_days=30,
    )
    assert created["name"] == "ci" and created["limits"] == {"requests_per_minute": 100}, created
    assert created["revoked_at"] is None and created["created_by"] == "admin", created
    assert before - datetime.timedelta(seconds=5) <= when(created["created_at"]) <= now() + datetime.timedelta(seconds=5)
    expires = when(created["expires_at"])
    assert abs((expires - when(created["created_at"])) - datetime.timedelta(days=30)) < datetime.timedelta(minutes=1), created

    # The key works, for its tenant only.
    member = Api(keyed, pb, created["key"])
    key = created_key(member.rest("POST", "/api/v1/resumes", json=resume_body()))
    assert member.rest("GET", f"/api/v1/resumes/{q(key)}").status_code == 200
    assert [r["unique_key"] for r in resumes_of(member)] == [key]
    assert member.rpc("ResumeService", "GetResume", unique_key=key).unique_key == key
    assert key not in [r["unique_key"] for r in resumes_of(admin)], "the admin (default tenant) sees another tenant's resume"

    # Shown again: the same key, never its secret.
    shown = admin.rest("GET", f"/api/v1/admin/keys/{created['id']}")
    assert shown.status_code == 200, shown.text
    assert_key_body(shown.json(), with_secret=False)
    assert shown.json() == {k: v for k, v in created.items() if k != "key"}
    listed = admin.rest("GET", "/api/v1/admin/keys", params={"tenant": tenant})
    assert listed.status_code == 200, listed.text
    assert [k["id"] for k in listed.json()["keys"]] == [created["id"]]
    everything = list_all(admin, "/api/v1/admin/keys", "keys", include_revoked="true", limit=100)
    for body in everything:
        assert_key_body(body, with_secret=False)
    random_part = created["key"].split("_")[-1]
    for response in (shown, listed):
        assert random_part not in response.text and ADMIN not in response.text, response.text
    admin.close()
    member.close()


def test_rest_admin_lists_by_tenant_with_revoked_keys_and_pages(keyed, pb):
    admin = Api(keyed, pb, ADMIN)
    tenant = f"paged-{uuid.uuid4().hex[:8]}"
    made = [admin_create(admin, tenant, ["resumes:read"], name=f"k{i}") for i in range(5)]
    admin_create(admin, f"other-{uuid.uuid4().hex[:8]}", ["resumes:read"])
    revoked = admin.rest("DELETE", f"/api/v1/admin/keys/{made[1]['id']}")
    assert revoked.status_code == 200, revoked.text

    def assert_newest_first(keys):
        stamps = [when(k["created_at"]) for k in keys]
        assert stamps == sorted(stamps, reverse=True), f"keys are not newest first: {stamps}"

    ids = {k["id"] for k in made}
    active = list_all(admin, "/api/v1/admin/keys", "keys", tenant=tenant)
    assert sorted(k["id"] for k in active) == sorted(ids - {made[1]["id"]})
    assert all(k["tenant"] == tenant and k["revoked_at"] is None for k in active), active
    assert_newest_first(active)
    with_revoked = list_all(admin, "/api/v1/admin/keys", "keys", tenant=tenant, include_revoked="true")
    assert sorted(k["id"] for k in with_revoked) == sorted(ids)
    assert [k["id"] for k in with_revoked if k["revoked_at"]] == [made[1]["id"]]
    assert_newest_first(with_revoked)

    # Pages of two: a cursor while more remain, none at the end, no key twice, same order.
    first = admin.rest("GET", "/api/v1/admin/keys", params={"tenant": tenant, "include_revoked": "true", "limit": 2}).json()
    assert len(first["keys"]) == 2 and first["next_cursor"], first
    paged = list_all(admin, "/api/v1/admin/keys", "keys", tenant=tenant, include_revoked="true", limit=2)
    assert [k["id"] for k in paged] == [k["id"] for k in with_revoked]

    for params, field in [
        ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "ten"}, "limit"),
        ({"tenant": "Acme Corp"}, "tenant"), ({"include_revoked": "maybe"}, "include_revoked"),
    ]:
        r = admin.rest("GET", "/api/v1/admin/keys", params=params)
        assert_refused(r, 422, "VALIDATION_ERROR")
        assert field in validation_fields(r), r.text
    r = admin.rest("GET", "/api/v1/admin/audit", params={"limit": "0"})
    assert_refused(r, 422, "VALIDATION_ERROR")
    assert "limit" in validation_fields(r), r.text
    admin.close()


def test_rest_admin_revokes_a_key_within_seconds(keyed, pb):
    admin = Api(keyed, pb, ADMIN)
    tenant = f"revoking-{uuid.uuid4().hex[:8]}"
    created = admin_create(admin, tenant, MEMBER)
    other = admin_create(admin, tenant, ["resumes:read"])
    api, other_api = Api(keyed, pb, created["key"]), Api(keyed, pb, other["key"])
    key = created_key(api.rest("POST", "/api/v1/resumes", json=resume_body()))

    r = admin.rest("DELETE", f"/api/v1/admin/keys/{created['id']}")
    assert r.status_code == 200, r.text
    assert_key_body(r.json(), with_secret=False)
    assert r.json()["id"] == created["id"] and r.json()["revoked_at"] is not None, r.text
    assert abs(when(r.json()["revoked_at"]) - now()) < datetime.timedelta(seconds=30)
    assert wait_rest_refused(api, ("/api/v1/resumes", f"/api/v1/resumes/{q(key)}"), timeout=5) <= 5
    assert_refused(api.rest("GET", "/api/v1/resumes", via="x-api-key"), 401, "UNAUTHORIZED")
    assert_code(api.rpc_error("ResumeService", "ListResumes"), grpc.StatusCode.UNAUTHENTICATED)

    # DELETE made the key gone from its resource; the record stays for audit, shown on request.
    assert_refused(admin.rest("GET", f"/api/v1/admin/keys/{created['id']}"), 404, "NOT_FOUND")
    shown = admin.rest("GET", f"/api/v1/admin/keys/{created['id']}?include_revoked=true")
    assert shown.json()["revoked_at"] == r.json()["revoked_at"], shown.text
    # The tenant's data stays, for its other keys.
    assert other_api.rest("GET", f"/api/v1/resumes/{q(key)}").status_code == 200
    # A revoked key cannot be rotated back to life; unknown ids are 404.
    assert_refused(admin.rest("POST", f"/api/v1/admin/keys/{created['id']}/rotate"), 409, "CONFLICT")
    for method, path in [
        ("GET", "/api/v1/admin/keys/0123456789abcdef"), ("DELETE", "/api/v1/admin/keys/0123456789abcdef"),
        ("POST", "/api/v1/admin/keys/0123456789abcdef/rotate"),
    ]:
        assert_refused(admin.rest(method, path), 404, "NOT_FOUND")
    for client in (admin, api, other_api):
        client.close()


def test_rest_admin_rotates_a_key(keyed, pb):
    admin = Api(keyed, pb, ADMIN)
    tenant = f"rotating-{uuid.uuid4().hex[:8]}"
    old = admin_create(admin, tenant, MEMBER, name="rotated", limits={"requests_per_minute": 1000, "generations_per_day": 50})
    old_api = Api(keyed, pb, old["key"])
    email = f"rotating-{uuid.uuid4().hex[:8]}@example.org"
    key = created_key(old_api.rest("POST", "/api/v1/resumes", json=resume_body(contact={"email": email})))

    r = admin.rest("POST", f"/api/v1/admin/keys/{old['id']}/rotate")
    assert r.status_code == 201, r.text
    new = r.json()
    assert_key_body(new, with_secret=True)
    SECRETS.append(new["key"])
    assert new["key"] != old["key"] and new["id"] != old["id"], new
    assert (new["tenant"], sorted(new["scopes"]), new["name"], new["limits"]) == (tenant, sorted(MEMBER), "rotated", old["limits"])
    assert new["revoked_at"] is None

    new_api = Api(keyed, pb, new["key"])
    got = new_api.rest("GET", f"/api/v1/resumes/{q(key)}")
    assert got.status_code == 200 and got.json()["contact"]["email"] == email, got.text
    assert wait_rest_refused(old_api, timeout=5) <= 5
    assert new_api.rest("GET", f"/api/v1/resumes/{q(key)}").status_code == 200
    assert [k["unique_key"] for k in resumes_of(new_api)] == [key]
    assert_refused(admin.rest("GET", f"/api/v1/admin/keys/{old['id']}"), 404, "NOT_FOUND")
    assert admin.rest("GET", f"/api/v1/admin/keys/{old['id']}?include_revoked=true").json()["revoked_at"] is not None
    for client in (admin, old_api, new_api):
        client.close()


def test_rest_audit_log_names_every_key_change(keyed, pb):
    admin = Api(keyed, pb, ADMIN)
    tenant = f"audited-{uuid.uuid4().hex[:8]}"
    revoked = admin_create(admin, tenant, ["resumes:read"])
    assert admin.rest("DELETE", f"/api/v1/admin/keys/{revoked['id']}").status_code == 200
    rotated_from = admin_create(admin, tenant, MEMBER)
    rotated = admin.rest("POST", f"/api/v1/admin/keys/{rotated_from['id']}/rotate").json()
    SECRETS.append(rotated["key"])

    first = admin.rest("GET", "/api/v1/admin/audit", params={"limit": 1}).json()
    assert len(first["entries"]) == 1 and first["next_cursor"], first
    entries = list_all(admin, "/api/v1/admin/audit", "entries", limit=100)
    for entry in entries:
        assert set(entry) == AUDIT_FIELDS, entry
    seen = {(e["action"], e["target"]): e for e in entries if e["tenant"] == tenant}
    for action, target in [
        ("key.create", revoked["id"]), ("key.revoke", revoked["id"]), ("key.create", rotated_from["id"]),
    ]:
        assert (action, target) in seen, f"no {action} of {target} in {sorted(seen)}"
        assert seen[(action, target)]["actor"] == "admin"
    rotations = [e for e in entries if e["action"] == "key.rotate" and e["target"] in (rotated_from["id"], rotated["id"])]
    assert len(rotations) == 1 and rotations[0]["actor"] == "admin" and rotations[0]["tenant"] == tenant, rotations
    stamps = [when(e["at"]) for e in entries]
    assert stamps == sorted(stamps, reverse=True), "audit entries are not newest first"
    assert len({e["id"] for e in entries}) == len(entries)
    text = json.dumps(entries)
    for secret in [*SECRETS, ADMIN]:
        assert secret.split("_")[-1] not in text, "the audit log shows a secret"
    admin.close()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"tenant": "acme", "scopes": ["resumes:read", "everything"]}, "scopes[1]"),
        ({"tenant": "Acme Corp", "scopes": ["generate"]}, "tenant"),
        ({"tenant": "acme"}, "scopes"),
        ({"tenant": "acme", "scopes": []}, "scopes"),
        ({"scopes": ["generate"]}, "tenant"),
        ({"tenant": "acme", "scopes": ["generate"], "colour": "blue"}, "colour"),
        ({"tenant": "acme", "scopes": ["generate"], "expires_in_days": 0}, "expires_in_days"),
        ({"tenant": "acme", "scopes": ["generate"], "limits": {"requests_per_minute": 0}}, "limits.requests_per_minute"),
        ({"tenant": "acme", "scopes": ["generate"], "limits": {"per_hour": 5}}, "limits.per_hour"),
    ],
)
def test_rest_admin_refuses_a_bad_body_naming_the_field(keyed, pb, body, field):
    admin = Api(keyed, pb, ADMIN)
    before = list_all(admin, "/api/v1/admin/keys", "keys", include_revoked="true", limit=100)
    r = admin.rest("POST", "/api/v1/admin/keys", json=body)
    assert_refused(r, 422, "VALIDATION_ERROR")
    assert field in validation_fields(r), r.text
    assert list_all(admin, "/api/v1/admin/keys", "keys", include_revoked="true", limit=100) == before
    admin.close()


def test_rest_admin_routes_need_the_admin_scope(keyed, pb):
    admin = Api(keyed, pb, ADMIN)
    tenant = f"members-{uuid.uuid4().hex[:8]}"
    target = admin_create(admin, tenant, ["resumes:read"])
    routes = [
        ("POST", "/api/v1/admin/keys", {"tenant": tenant, "scopes": ["admin"]}),
        ("GET", "/api/v1/admin/keys", None),
        ("GET", f"/api/v1/admin/keys/{target['id']}", None),
        ("DELETE", f"/api/v1/admin/keys/{target['id']}", None),
        ("POST", f"/api/v1/admin/keys/{target['id']}/rotate", None),
        ("GET", "/api/v1/admin/audit", None),
    ]
    member = Api(keyed, pb, admin_create(admin, tenant, MEMBER)["key"])
    for label, api, status, code in [
        ("member key", member, 403, "FORBIDDEN"), ("no key", Api(keyed, pb, None), 401, "UNAUTHORIZED"),
        ("wrong key", Api(keyed, pb, WRONG), 401, "UNAUTHORIZED"),
    ]:
        for method, path, body in routes:
            for via in ("bearer", "x-api-key"):
                r = api.rest(method, path, json=body, via=via)
                assert r.status_code == status, f"{label} via {via}: {method} {path} -> {r.status_code} {r.text[:300]}"
                assert_refused(r, status, code)
        api.close()
    # Nothing happened: the target is still active and no admin key was made for the tenant.
    assert admin.rest("GET", f"/api/v1/admin/keys/{target['id']}").json()["revoked_at"] is None
    keys = list_all(admin, "/api/v1/admin/keys", "keys", tenant=tenant, include_revoked="true")
    assert sorted(k["scopes"] for k in keys) == sorted([["resumes:read"], MEMBER])

    # A key with the admin scope administers keys (named as their creator), and reads no resumes.
    ops = admin_create(admin, f"ops-{uuid.uuid4().hex[:8]}", ["admin"])
    ops_api = Api(keyed, pb, ops["key"])
    made = ops_api.rest("POST", "/api/v1/admin/keys", json={"tenant": tenant, "scopes": ["resumes:read"]})
    assert made.status_code == 201, made.text
    SECRETS.append(made.json()["key"])
    assert made.json()["created_by"] == ops["id"], made.text
    assert_refused(ops_api.rest("GET", "/api/v1/resumes"), 403, "FORBIDDEN")
    admin.close()
    ops_api.close()


# ---------------------------------------------------------------------------------------------
# 2. The CLI


def cli(*args: str, key: str | None = None, timeout=60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COACH_API_KEY", "COACH_SERVER", "COACH_ADMIN_KEY")}
    if key is not None:
        env["COACH_API_KEY"] = key
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=timeout, env=env)


def cli_json(*args: str, key: str | None = ADMIN) -> dict:
    run = cli(*args, key=key)
    assert run.returncode == 0, f"{' '.join(args)} -> {run.returncode}\nstdout: {run.stdout}\nstderr: {run.stderr}"
    return json.loads(run.stdout)


def test_cli_keys_create_list_show_rotate_revoke_audit(keyed, pb):
    server = ["--server", f"127.0.0.1:{keyed.grpc_port}"]
    tenant = f"cli-{uuid.uuid4().hex[:8]}"
    created = cli_json(
        "keys", "create", "--tenant", tenant, "--scope", "resumes:read", "--scope", "generate",
        "--requests-per-minute", "5", "--name", "from the cli", *server,
    )
    assert set(created) == {"key", "secret"}, created
    secret, key = created["secret"], created["key"]
    SECRETS.append(secret)
    assert SECRET_SHAPE.match(secret) and secret.startswith(f"ic_{key['id']}_"), created
    assert key["tenant"] == tenant and sorted(key["scopes"]) == ["generate", "resumes:read"], key
    assert int(key["limits"]["requests_per_minute"]) == 5 and key["name"] == "from the cli", key
    assert key["created_by"] == "admin" and "revoked_at" not in key, key

    # The secret works over REST, for its tenant, with its scopes.
    api = Api(keyed, pb, secret)
    assert api.rest("GET", "/api/v1/resumes").json()["resumes"] == []
    assert_refused(api.rest("POST", "/api/v1/resumes", json=resume_body()), 403, "FORBIDDEN")

    listed = cli_json("keys", "list", "--tenant", tenant, *server)
    assert [k["id"] for k in listed["keys"]] == [key["id"]], listed
    assert secret.split("_")[-1] not in json.dumps(listed)
    shown = cli_json("keys", "show", key["id"], *server)
    assert shown["id"] == key["id"] and shown["tenant"] == tenant and "secret" not in shown, shown

    rotated = cli_json("keys", "rotate", key["id"], *server)
    SECRETS.append(rotated["secret"])
    assert SECRET_SHAPE.match(rotated["secret"]) and rotated["secret"] != secret, rotated
    assert rotated["key"]["tenant"] == tenant and rotated["key"]["limits"] == key["limits"], rotated
    wait_rest_refused(api, timeout=5)
    new_api = Api(keyed, pb, rotated["secret"])
    assert new_api.rest("GET", "/api/v1/resumes").status_code == 200

    revoked = cli_json("keys", "revoke", rotated["key"]["id"], *server)
    assert revoked["id"] == rotated["key"]["id"] and revoked.get("revoked_at"), revoked
    wait_rest_refused(new_api, timeout=5)
    assert cli_json("keys", "list", "--tenant", tenant, *server).get("keys", []) == []
    everything = cli_json("keys", "list", "--tenant", tenant, "--include-revoked", *server)
    assert sorted(k["id"] for k in everything["keys"]) == sorted([key["id"], rotated["key"]["id"]])

    entries, token = [], None
    while True:
        page = cli_json("keys", "audit", "--limit", "100", *server, *(["--page-token", token] if token else []))
        entries += page.get("entries", [])
        token = page.get("next_page_token")
        if not token:
            break
    actions = {(e["action"], e["target"]) for e in entries if e.get("tenant") == tenant}
    assert ("key.create", key["id"]) in actions, actions
    assert ("key.revoke", rotated["key"]["id"]) in actions, actions
    assert any(action == "key.rotate" and target in (key["id"], rotated["key"]["id"]) for action, target in actions), actions

    # No key, a wrong key, a key without admin: refused, with the reason on stderr.
    for label, credential, code in [
        ("no key", None, "UNAUTHORIZED"), ("empty key", "", "UNAUTHORIZED"), ("wrong key", WRONG, "UNAUTHORIZED"),
    ]:
        run = cli("keys", "list", *server, key=credential)
        assert run.returncode != 0 and code in run.stderr, f"{label}: {run.returncode} {run.stdout} {run.stderr}"
        assert run.stdout.strip() == "", run.stdout
    admin = Api(keyed, pb, ADMIN)
    member = admin_create(admin, tenant, MEMBER)
    admin.close()
    run = cli("keys", "create", "--tenant", tenant, "--scope", "admin", *server, key=member["key"])
    assert run.returncode != 0 and "FORBIDDEN" in run.stderr, (run.returncode, run.stdout, run.stderr)
    assert [k["id"] for k in cli_json("keys", "list", "--tenant", tenant, *server)["keys"]] == [member["id"]]
    run = cli("keys", "show", "0123456789abcdef", *server, key=ADMIN)
    assert run.returncode != 0 and "NOT_FOUND" in run.stderr, (run.returncode, run.stderr)
    api.close()
    new_api.close()


def test_cli_resumes_list_shows_only_the_tenants_resumes(keyed, pb):
    admin = Api(keyed, pb, ADMIN)
    marker = uuid.uuid4().hex[:8]
    tenants = {name: admin_create(admin, f"{name}-{marker}", MEMBER) for name in ("initech", "hooli")}
    emails = {}
    for name, created in tenants.items():
        api = Api(keyed, pb, created["key"])
        emails[name] = set()
        for fixture in ("minimal", "senior-platform-en"):
            email = f"{name}-{fixture}-{marker}@example.org"
            created_key(api.rest("POST", "/api/v1/resumes", json=resume_body(fixture, contact={"email": email})))
            emails[name].add(email)
        api.close()
    server = ["--server", f"127.0.0.1:{keyed.grpc_port}"]
    for name, created in tenants.items():
        listed = cli_json("resumes", "list", "--limit", "100", *server, key=created["key"])
        shown = {r["content"]["contact"]["email"] for r in listed.get("resumes", [])}
        assert shown == emails[name], f"{name} sees {shown}"
    run = cli("resumes", "list", *server)
    assert run.returncode != 0 and "UNAUTHORIZED" in run.stderr, (run.returncode, run.stderr)
    admin.close()


# ---------------------------------------------------------------------------------------------
# 3. Hardening over a real socket


def raw_request(server, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, dict]:
    """One request with exactly these headers (http.client adds no Host when one is given)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, (json.loads(text) if text.startswith("{") else {"text": text})
    finally:
        connection.close()


def test_a_foreign_host_header_is_refused(open_server):
    port = open_server.http_port
    for host in ["attacker.example", f"attacker.example:{port}", "localhost.attacker.example", f"127.0.0.1.nip.io:{port}"]:
        status, body = raw_request(open_server, "GET", "/api/v1/resumes", {"Host": host})
        assert status == 400 and body.get("error_code") == "BAD_REQUEST", f"Host: {host} -> {status} {body}"
    before = requests.get(open_server.url("/api/v1/resumes"), timeout=10).json()
    status, body = raw_request(
        open_server, "POST", "/api/v1/resumes", {"Host": "attacker.example", "Content-Type": "application/json"},
        json.dumps(resume_body()).encode(),
    )
    assert status == 400, (status, body)
    assert requests.get(open_server.url("/api/v1/resumes"), timeout=10).json() == before, "a refused request stored a resume"
    for host in [f"localhost:{port}", f"127.0.0.1:{port}", "localhost", f"LocalHost:{port}"]:
        status, body = raw_request(open_server, "GET", "/api/v1/resumes", {"Host": host})
        assert status == 200, f"Host: {host} -> {status} {body}"
        r = requests.get(open_server.url("/healthz"), headers={"Host": host}, timeout=10)
        assert r.status_code == 200, (host, r.status_code, r.text)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_a_json_body_under_another_content_type_is_refused(open_server, content_type):
    base = open_server.url
    key = created_key(requests.post(base("/api/v1/resumes"), json=resume_body(), timeout=10))
    before = requests.get(base("/api/v1/resumes"), params={"limit": 100}, timeout=10).json()
    body = json.dumps(resume_body(summary="Sent by a form on another site, posing as JSON."))
    for method, path in [("POST", "/api/v1/resumes"), ("PUT", f"/api/v1/resumes/{q(key)}")]:
        r = requests.request(method, base(path), data=body, headers={"Content-Type": content_type}, timeout=10)
        assert_refused(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert requests.get(base("/api/v1/resumes"), params={"limit": 100}, timeout=10).json() == before, "a 415 stored something"
    assert requests.get(base(f"/api/v1/resumes/{q(key)}"), timeout=10).json()["summary"] == resume_body()["summary"]

    # A body-less generation start under a form type is refused too, and starts nothing.
    for kind, resource in [("interview", "questions"), ("learning", "learning-path")]:
        r = requests.post(base(f"/api/v1/{kind}/async/{q(key)}/{resource}"), data=b"", headers={"Content-Type": content_type}, timeout=10)
        assert_refused(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    time.sleep(0.5)
    for kind, resource in [("interview", "questions"), ("learning", "learning-path")]:
        history = requests.get(base(f"/api/v1/{kind}/{q(key)}/{resource}"), params={"history": "true"}, timeout=10)
        assert history.json() == {"sets": []}, f"a refused {kind} start generated {history.text[:300]}"

    # JSON with parameters is JSON.
    r = requests.post(base("/api/v1/resumes"), data=body, headers={"Content-Type": "application/json; charset=utf-8"}, timeout=10)
    assert r.status_code == 201, r.text


def test_the_interview_async_route_refuses_a_form_post_without_a_body(open_server, pb):
    key = created_key(requests.post(open_server.url("/api/v1/resumes"), json=resume_body(), timeout=10))
    api = Api(open_server, pb, None)
    tasks_before = api.rpc("TaskService", "ListTasks", kind=pb["task_pb2"].TASK_KIND_INTERVIEW, page_size=100).tasks
    r = requests.post(
        open_server.url(f"/api/v1/interview/async/{q(key)}/questions"),
        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10,
    )
    assert_refused(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    tasks_after = api.rpc("TaskService", "ListTasks", kind=pb["task_pb2"].TASK_KIND_INTERVIEW, page_size=100).tasks
    assert [t.task_id for t in tasks_after] == [t.task_id for t in tasks_before], "a refused start queued a task"
    api.close()


@pytest.mark.parametrize("suffix", ["%00x", "%00", "%0A", "%1F", "%7F"])
def test_a_control_character_in_a_path_key_is_refused(open_server, suffix):
    key = created_key(requests.post(open_server.url("/api/v1/resumes"), json=resume_body(), timeout=10))
    for method, path in [
        ("GET", f"/api/v1/resumes/{q(key)}{suffix}"),
        ("PUT", f"/api/v1/resumes/{q(key)}{suffix}"),
        ("DELETE", f"/api/v1/resumes/{q(key)}{suffix}"),
        ("GET", f"/api/v1/interview/{q(key)}{suffix}/questions"),
        ("POST", f"/api/v1/interview/async/{q(key)}{suffix}/questions"),
        ("GET", f"/api/v1/learning/{q(key)}{suffix}/learning-path"),
    ]:
        r = requests.request(method, open_server.url(path), json=resume_body() if method == "PUT" else None, timeout=10)
        assert r.status_code == 422, f"{method} {path}: {r.status_code} {r.text[:300]}"
        assert_refused(r, 422, "VALIDATION_ERROR")
        assert "unique_key" in validation_fields(r), r.text
    # The resume is untouched.
    got = requests.get(open_server.url(f"/api/v1/resumes/{q(key)}"), timeout=10)
    assert got.status_code == 200 and got.json()["summary"] == resume_body()["summary"]


def send_chunked(server, path: str, chunks, headers: dict) -> tuple[int, dict]:
    """POST with Transfer-Encoding: chunked (no Content-Length); the answer may come before
    the whole body was sent."""
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
            connection.putheader(name, value)
        connection.endheaders()
        try:
            for chunk in chunks:
                connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed early: read its answer
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, (json.loads(text) if text.startswith("{") else {"text": text})
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_413(open_server):
    before = requests.get(open_server.url("/api/v1/resumes"), params={"limit": 100}, timeout=10).json()
    # Chunked bodies are read: a small one is a resume.
    status, body = send_chunked(
        open_server, "/api/v1/resumes", [json.dumps(resume_body()).encode()], {"Content-Type": "application/json"})
    assert status == 201, (status, body)
    stored = requests.get(open_server.url("/api/v1/resumes"), params={"limit": 100}, timeout=10).json()

    status, body = send_chunked(
        open_server, "/api/v1/resumes", (b"x" * 65536 for _ in range(128)), {"Content-Type": "application/json"})
    assert status == 413 and body.get("error_code") == "PAYLOAD_TOO_LARGE", (
        f"chunked 8 MiB POST /api/v1/resumes -> {status} {body}\n"
        + "\n".join(line for line in open_server.process.log().splitlines() if body.get("request_id", "-") in line)
    )
    assert requests.get(open_server.url("/healthz"), timeout=10).status_code == 200
    assert open_server.process.proc.poll() is None
    assert requests.get(open_server.url("/api/v1/resumes"), params={"limit": 100}, timeout=10).json() == stored
    assert len(stored["resumes"]) == len(before["resumes"]) + 1


def test_a_body_over_256_kib_is_413(open_server):
    key = created_key(requests.post(open_server.url("/api/v1/resumes"), json=resume_body(), timeout=10))
    before = requests.get(open_server.url("/api/v1/resumes"), params={"limit": 100}, timeout=10).json()
    big = json.dumps(resume_body(summary="x" * (BODY_LIMIT + 1024))).encode()
    for method, path in [("POST", "/api/v1/resumes"), ("PUT", f"/api/v1/resumes/{q(key)}")]:
        r = requests.request(method, open_server.url(path), data=big, headers={"Content-Type": "application/json"}, timeout=30)
        assert_refused(r, 413, "PAYLOAD_TOO_LARGE")
    assert requests.get(open_server.url("/api/v1/resumes"), params={"limit": 100}, timeout=10).json() == before
    assert requests.get(open_server.url("/healthz"), timeout=10).status_code == 200


def oversized_create(pb):
    """A CreateResumeRequest whose serialized size is over 256 KiB (many long skills)."""
    request = pb["resume_service_pb2"].CreateResumeRequest(content=json_format.ParseDict(resume_body(), pb["resume_pb2"].ResumeContent()))
    for i in range(300):
        request.content.technical_skills.programming_languages.append(f"skill-{i}-" + "k" * 1000)
    assert request.ByteSize() > BODY_LIMIT
    return request


def test_an_oversized_grpc_message_leaves_the_server_serving(open_server, pb):
    api = Api(open_server, pb, None)
    before = [r.unique_key for r in api.rpc("ResumeService", "ListResumes", page_size=100).resumes]
    for _ in range(3):
        error = api.rpc_error("ResumeService", "CreateResume", oversized_create(pb))
        assert error.code() != grpc.StatusCode.OK
    assert open_server.process.proc.poll() is None, "the server died on an oversized message"
    health = health_pb2_grpc.HealthStub(api.channel)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    assert [r.unique_key for r in api.rpc("ResumeService", "ListResumes", page_size=100).resumes] == before
    created = api.rpc("ResumeService", "CreateResume", content=json_format.ParseDict(resume_body(), pb["resume_pb2"].ResumeContent()))
    assert created.unique_key
    assert requests.get(open_server.url("/healthz"), timeout=10).status_code == 200
    api.close()


def test_an_oversized_grpc_message_is_refused_with_a_status(open_server, pb):
    """The server ends the call with a status a client can act on (RESOURCE_EXHAUSTED, or
    INVALID_ARGUMENT), not a reset stream."""
    api = Api(open_server, pb, None)
    error = api.rpc_error("ResumeService", "CreateResume", oversized_create(pb))
    assert error.code() in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INVALID_ARGUMENT), (
        f"CreateResume of {oversized_create(pb).ByteSize()} bytes -> {error.code()} {error.details()!r}"
    )
    api.close()


def test_an_event_stream_ends_after_its_lifetime_and_resumes(tmp_path):
    """COACH_SSE_MAX_LIFETIME=10: a stream is cut after ~10 s; reconnecting with Last-Event-ID
    goes on after the last event, to `completed` and `close`."""
    server = Server(tmp_path / "data", env={**NO_KEY, "COACH_SSE_MAX_LIFETIME": "10", "COACH_BUILTIN_LATENCY_MS": "14000"}).start()
    try:
        key = created_key(requests.post(server.url("/api/v1/resumes"), json=resume_body(), timeout=10))
        task = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), json={"language": "en"}, timeout=10)
        assert task.status_code == 202, task.text
        task_id = task.json()["task_id"]
        seen, last_id, cut = [], None, 0
        for _ in range(8):
            headers = {"Last-Event-ID": last_id} if last_id else {}
            started = time.monotonic()
            with requests.get(server.url(f"/api/v1/interview/tasks/{task_id}/stream"), headers=headers, stream=True, timeout=60) as r:
                assert r.status_code == 200, r.text
                events = [e for e in read_sse(r) if "event" in e]
            lasted = time.monotonic() - started
            assert lasted <= 13, f"a stream lasted {lasted:.1f}s with a 10 s lifetime"
            seen += events
            ids = [e["id"] for e in events if "id" in e]
            if ids:
                last_id = ids[-1]
            if events and events[-1]["event"] == "close":
                break
            assert lasted >= 9, f"a stream ended after {lasted:.1f}s without close: {events}"
            cut += 1
        kinds = [e["event"] for e in seen]
        assert kinds[-2:] == ["completed", "close"], kinds
        assert cut >= 1, "no stream was cut by its lifetime"
        numbered = [int(e["id"]) for e in seen if "id" in e]
        assert numbered == sorted(set(numbered)), f"events repeated or out of order after resuming: {numbered}"
        assert [e["data"]["progress"] for e in seen if e["event"] == "progress"] == [0, 10, 30, 70, 90]
    finally:
        server.stop()


def test_event_streams_opened_at_once_never_pass_the_edges_cap_and_a_freed_place_is_taken_again(tmp_path):
    """COACH_SSE_MAX_STREAMS=3: of 8 streams of one task opened at the same instant, exactly 3
    are served and 5 are answered 503 with Retry-After; once a served client hangs up (seen at
    the next heartbeat, 1 s), its place serves a new stream."""
    server = Server(tmp_path / "data", env={
        **NO_KEY, "COACH_SSE_MAX_STREAMS": "3", "COACH_SSE_HEARTBEAT": "1", "COACH_BUILTIN_LATENCY_MS": "60000"}).start()
    opened = []
    try:
        key = created_key(requests.post(server.url("/api/v1/resumes"), json=resume_body(), timeout=10))
        task = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), json={"language": "en"}, timeout=10)
        assert task.status_code == 202, task.text
        stream = server.url(f"/api/v1/interview/tasks/{task.json()['task_id']}/stream")
        start = threading.Barrier(8)

        def open_stream(_):
            session = requests.Session()  # a connection of its own
            start.wait()
            return session.get(stream, stream=True, timeout=30)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            opened = list(pool.map(open_stream, range(8)))
        statuses = sorted(r.status_code for r in opened)
        assert statuses == [200] * 3 + [503] * 5, statuses
        for refused in (r for r in opened if r.status_code == 503):
            assert refused.headers.get("Retry-After") == "5", refused.headers
            assert refused.json()["error_code"] == "SERVICE_UNAVAILABLE", refused.text
        served = [r for r in opened if r.status_code == 200]
        assert all(r.headers["Content-Type"].startswith("text/event-stream") for r in served)
        again = requests.get(stream, stream=True, timeout=30)
        opened.append(again)
        assert again.status_code == 503, "a fourth stream was served while three were open"
        served[0].close()
        deadline = time.monotonic() + 15
        while True:
            again = requests.get(stream, stream=True, timeout=30)
            opened.append(again)
            if again.status_code == 200:
                break
            assert again.status_code == 503, again.text
            assert time.monotonic() < deadline, "the place of a stream whose client hung up was never given back"
            time.sleep(0.25)
    finally:
        for response in opened:
            response.close()
        server.stop()


# ---------------------------------------------------------------------------------------------
# 4. A split mesh with keys


class SplitMesh:
    """resume, interview, learning and edge roles as processes on one data dir, one admin key."""

    def __init__(self, root):
        self.data = root / "data"
        self.ports = {role: free_port() for role in ("resume", "interview", "learning")}
        self.http_port = free_port()
        self.grpc_port = self.ports["resume"]  # where AdminService and ResumeService are (for Api.rpc)
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.processes: dict[str, CoachProcess] = {}

    def url(self, path: str) -> str:
        return self.base + path

    def addr(self, role: str) -> str:
        return f"127.0.0.1:{self.ports[role]}"

    def start(self) -> "SplitMesh":
        env = {"COACH_ADMIN_KEY": ADMIN}
        generation = ["--interview-addr", self.addr("interview"), "--learning-addr", self.addr("learning")]
        args = {
            "resume": ["--role", "resume", "--grpc-port", str(self.ports["resume"]), *generation],
            "interview": ["--role", "interview", "--grpc-port", str(self.ports["interview"]), "--resume-addr", self.addr("resume")],
            "learning": ["--role", "learning", "--grpc-port", str(self.ports["learning"]), "--resume-addr", self.addr("resume")],
        }
        for role, role_args in args.items():
            self.processes[role] = CoachProcess(f"keyed-{role}", [*role_args, "--data-dir", str(self.data)], env=env).start()
        for role in args:
            wait_grpc_ready(self.ports[role], self.processes[role])
        self.processes["edge"] = CoachProcess(
            "keyed-edge",
            ["--role", "edge", "--http-port", str(self.http_port), "--resume-addr", self.addr("resume"), *generation],
            env=env,
        ).start()
        wait_http_ready(self.base, self.processes["edge"])
        return self

    def role(self, role: str) -> types.SimpleNamespace:
        """What Api needs to call `role`'s own gRPC port."""
        return types.SimpleNamespace(grpc_port=self.ports[role], url=self.url)

    def stop(self) -> dict[str, int]:
        return {role: process.stop() for role, process in reversed(list(self.processes.items()))}

    def logs(self) -> str:
        return "\n".join(f"== {role}\n{p.log()[-4000:]}" for role, p in self.processes.items())


def test_a_split_mesh_checks_keys_in_every_role_and_keeps_tenants_apart(tmp_path, pb):
    mesh = SplitMesh(tmp_path).start()
    try:
        admin = Api(mesh, pb, ADMIN)
        # No key, no data — at the edge and at every role's own port.
        assert_refused(requests.get(mesh.url("/api/v1/resumes"), timeout=10), 401, "UNAUTHORIZED")
        for role, service, method, fields in [
            ("resume", "ResumeService", "ListResumes", {}), ("interview", "InterviewService", "GetLatestQuestions", {"unique_key": "x_1"}),
            ("learning", "LearningService", "GetLatestLearningPath", {"unique_key": "x_1"}),
        ]:
            anonymous = Api(mesh.role(role), pb, None)
            assert_code(anonymous.rpc_error(service, method, **fields), grpc.StatusCode.UNAUTHENTICATED, f"{role} without a key")
            anonymous.close()

        marker = uuid.uuid4().hex[:8]
        keys = {name: admin_create(admin, f"{name}-{marker}", MEMBER) for name in ("a", "b")}
        a, b = Api(mesh, pb, keys["a"]["key"]), Api(mesh, pb, keys["b"]["key"])
        assert_refused(a.rest("GET", "/api/v1/admin/keys"), 403, "FORBIDDEN")
        listed = admin.rest("GET", "/api/v1/admin/keys", params={"tenant": f"a-{marker}"})
        assert [k["id"] for k in listed.json()["keys"]] == [keys["a"]["id"]], listed.text

        # Tenant A: a resume, and generation in the other roles, which fetch the resume from the
        # resume role as tenant A.
        a_body = resume_body("senior-platform-en", contact={"email": f"a-{marker}@example.org"}, summary=f"Tenant A's own summary {marker}.")
        key = created_key(a.rest("POST", "/api/v1/resumes", json=a_body))
        started = a.rest("POST", f"/api/v1/interview/async/{q(key)}/questions", json={"language": "en"})
        assert started.status_code == 202, started.text
        a_task = started.json()["task_id"]
        events = finish_task(a, "interview", a_task)
        assert [e["event"] for e in events if "event" in e][-2:] == ["completed", "close"], events
        progress = a.rest("GET", f"/api/v1/interview/tasks/{a_task}/progress").json()
        assert progress["state"] == "SUCCESS", f"{progress}\n{mesh.logs()}"
        a_questions = a.rest("GET", f"/api/v1/interview/{q(key)}/questions")
        assert a_questions.status_code == 200, a_questions.text
        a_path = a.rest("POST", f"/api/v1/learning/{q(key)}/learning-path", json={"language": "en"})
        assert a_path.status_code == 201, a_path.text
        learning_task = a.rest("POST", f"/api/v1/learning/async/{q(key)}/learning-path").json()["task_id"]
        finish_task(a, "learning", learning_task)
        a_resume_id = a.rest("GET", f"/api/v1/resumes/{q(key)}").json()["id"]

        # Tenant B sees none of it, at the edge or at the roles.
        leaks = LeakCheck([
            a_body["contact"]["email"], f"summary {marker}", a_resume_id, a_task, learning_task,
            a_questions.json()["interview_id"], a_path.json()["learning_path_id"],
        ])
        for method, path, code in [
            ("GET", f"/api/v1/resumes/{q(key)}", "RESUME_NOT_FOUND"),
            ("GET", f"/api/v1/interview/{q(key)}/questions", None),
            ("GET", f"/api/v1/learning/{q(key)}/learning-path", None),
            ("GET", f"/api/v1/interview/tasks/{a_task}/progress", "TASK_NOT_FOUND"),
            ("GET", f"/api/v1/interview/tasks/{a_task}/stream", "TASK_NOT_FOUND"),
            ("GET", f"/api/v1/learning/tasks/{learning_task}/progress", "TASK_NOT_FOUND"),
            ("POST", f"/api/v1/interview/async/{q(key)}/questions", "RESUME_NOT_FOUND"),
            ("POST", f"/api/v1/learning/{q(key)}/learning-path", "RESUME_NOT_FOUND"),
            ("DELETE", f"/api/v1/resumes/{q(key)}", "RESUME_NOT_FOUND"),
        ]:
            r = leaks.rest(b.rest(method, path, stream=path.endswith("/stream")))
            assert r.status_code == 404, f"tenant B {method} {path}: {r.status_code} {r.text[:300]}"
            if code:
                assert r.json()["error_code"] == code, r.text
        assert leaks.rest(b.rest("GET", "/api/v1/resumes")).json()["resumes"] == []
        for role, service, method in [
            ("interview", "InterviewService", "GetLatestQuestions"), ("learning", "LearningService", "GetLatestLearningPath"),
            ("resume", "ResumeService", "GetResume"),
        ]:
            at_role = Api(mesh.role(role), pb, b.key)
            error = leaks.reply(at_role.rpc_error(service, method, unique_key=key), sent=key)
            assert_code(error, grpc.StatusCode.NOT_FOUND, f"tenant B {service}.{method} at the {role} role")
            at_role.close()

        # Tenant B's resume of the same name (the same unique key), with results of its own.
        b_body = resume_body("senior-platform-en", contact={"email": f"b-{marker}@example.org"})
        assert created_key(b.rest("POST", "/api/v1/resumes", json=b_body)) == key
        b_questions = b.rest("POST", f"/api/v1/interview/{q(key)}/questions", json={"language": "en"})
        assert b_questions.status_code == 201, b_questions.text
        b_path = b.rest("POST", f"/api/v1/learning/{q(key)}/learning-path", json={"language": "en"})
        assert b_path.status_code == 201, b_path.text
        assert leaks.rest(b.rest("GET", f"/api/v1/resumes/{q(key)}")).json()["contact"]["email"] == b_body["contact"]["email"]
        b_sets = leaks.rest(b.rest("GET", f"/api/v1/interview/{q(key)}/questions", params={"history": "true"})).json()["sets"]
        assert [s["interview_id"] for s in b_sets] == [b_questions.json()["interview_id"]]

        # A deletes its resume through the edge: its generated data goes, in every role; B's stays.
        assert a.rest("DELETE", f"/api/v1/resumes/{q(key)}").status_code == 204
        for path in [
            f"/api/v1/resumes/{q(key)}", f"/api/v1/interview/{q(key)}/questions", f"/api/v1/learning/{q(key)}/learning-path",
            f"/api/v1/interview/tasks/{a_task}/progress", f"/api/v1/learning/tasks/{learning_task}/progress",
        ]:
            r = a.rest("GET", path)
            assert r.status_code == 404, f"tenant A after deleting: GET {path} -> {r.status_code} {r.text[:300]}"
        assert a.rest("GET", f"/api/v1/interview/{q(key)}/questions", params={"history": "true"}).json() == {"sets": []}
        got = b.rest("GET", f"/api/v1/resumes/{q(key)}")
        assert got.status_code == 200 and got.json()["contact"]["email"] == b_body["contact"]["email"], got.text
        latest = b.rest("GET", f"/api/v1/interview/{q(key)}/questions")
        assert latest.status_code == 200 and latest.json()["interview_id"] == b_questions.json()["interview_id"], latest.text
        path = b.rest("GET", f"/api/v1/learning/{q(key)}/learning-path")
        assert path.status_code == 200 and path.json()["learning_path_id"] == b_path.json()["learning_path_id"], path.text

        # Revoking A's key at the edge: every role refuses it within seconds.
        assert admin.rest("DELETE", f"/api/v1/admin/keys/{keys['a']['id']}").status_code == 200
        wait_rest_refused(a, ("/api/v1/resumes", f"/api/v1/interview/{q(key)}/questions", f"/api/v1/learning/{q(key)}/learning-path"))
        assert b.rest("GET", "/api/v1/resumes").status_code == 200
        for client in (admin, a, b):
            client.close()
    finally:
        codes = mesh.stop()
    assert codes == {"edge": 0, "learning": 0, "interview": 0, "resume": 0}, codes
    for role, process in mesh.processes.items():
        log = process.log()
        assert ADMIN not in log, f"the {role} role logged COACH_ADMIN_KEY"
        for secret in SECRETS:
            assert secret.split("_")[-1] not in log, f"the {role} role logged a secret"


# ---------------------------------------------------------------------------------------------
# 5. One budget across edges (Redis)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (run under scripts/with-redis)")
def test_requests_per_minute_is_counted_across_two_edges_sharing_redis(tmp_path, pb):
    data = tmp_path / "data"
    env = {"COACH_ADMIN_KEY": ADMIN, "REDIS_URL": os.environ["REDIS_URL"]}
    first = Server(data, env=env).start()
    second = Server(data, env=env).start()
    try:
        admin = Api(first, pb, ADMIN)
        created = admin_create(admin, f"shared-{uuid.uuid4().hex[:8]}", ["resumes:read"], limits={"requests_per_minute": 6})
        # The key, made on the first server, is known to the second (one store).
        assert admin.rest("GET", f"/api/v1/admin/keys/{created['id']}").status_code == 200
        edges = [Api(first, pb, created["key"]), Api(second, pb, created["key"])]
        start_of_a_fresh_minute(15)
        minute = int(time.time() // 60)
        answers = [edges[i % 2].rest("GET", "/api/v1/resumes") for i in range(12)]
        assert int(time.time() // 60) == minute, "the calls crossed a minute boundary"
        statuses = [r.status_code for r in answers]
        assert statuses == [200] * 6 + [429] * 6, f"statuses alternating between the two edges: {statuses}"
        for r in answers[6:]:
            assert_rate_limited(r, 6)
        # gRPC on either server is the same budget.
        for edge in edges:
            error = edge.rpc_error("ResumeService", "ListResumes")
            assert_code(error, grpc.StatusCode.RESOURCE_EXHAUSTED, "ListResumes over the shared budget")
        # Other keys are not charged.
        assert Api(second, pb, ADMIN).rest("GET", "/api/v1/resumes").status_code == 200
        for client in (admin, *edges):
            client.close()
    finally:
        codes = (first.stop(), second.stop())
    assert codes == (0, 0), codes


# ---------------------------------------------------------------------------------------------
# Last: no secret handed out over REST or the CLI reached a log


def test_the_keyed_servers_log_holds_no_secret(keyed):
    assert len(SECRETS) >= 10, SECRETS
    assert keyed.stop() == 0
    log = keyed.process.log()
    keyed.start()
    assert log.strip()
    assert ADMIN not in log, "the log holds COACH_ADMIN_KEY"
    for secret in SECRETS:
        random_part = secret.split("_")[-1]
        assert random_part not in log, f"the log holds the secret of {secret[:20]}…: " + next(
            line for line in log.splitlines() if random_part in line)[:600]
