"""The Resume REST routes against the real `interview-coach serve` process."""

import json
import urllib.parse

import pytest
import requests

from conftest import BACKENDS, Server, backend_env, fixture_resumes


def create(server, body) -> dict:
    r = requests.post(server.url("/api/v1/resumes"), json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def assert_same_content(sent, returned, path="body"):
    """Every field sent comes back unchanged; fields the client left out come back as [] (lists)."""
    if isinstance(sent, dict):
        assert isinstance(returned, dict), path
        for key, value in sent.items():
            assert_same_content(value, returned.get(key), f"{path}.{key}")
    elif isinstance(sent, list):
        assert isinstance(returned, list) and len(returned) == len(sent), path
        for index, (a, b) in enumerate(zip(sent, returned)):
            if isinstance(a, dict):
                extra = set(b) - set(a)
                assert all(b[k] == [] for k in extra), f"{path}[{index}] has unexpected {extra}"
            assert_same_content(a, b, f"{path}[{index}]")
    else:
        assert sent == returned, path


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error_code"] == code
    assert body["detail"]
    assert body["timestamp"].endswith("Z")
    assert body["request_id"] == r.headers["X-Request-ID"]
    return body


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_resume_route_and_data_survives_a_restart(tmp_path, backend):
    server = Server(tmp_path / "data", env=backend_env(backend)).start()
    try:
        fixtures = fixture_resumes()
        assert len(fixtures) >= 4
        keys = {}
        for name, body in fixtures.items():
            created = create(server, body)
            assert created["unique_key"] == f"{body['name'].strip()}_1"
            assert created["message"]
            keys[name] = created["unique_key"]
            got = requests.get(server.url("/api/v1/resumes/" + urllib.parse.quote(created["unique_key"])), timeout=10)
            assert got.status_code == 200
            resume = got.json()
            assert resume["id"] == created["resume_id"]
            assert_same_content(body, resume)
            assert resume["created_at"] == resume["updated_at"]
        # Korean text is sent as-is.
        raw = requests.get(server.url("/api/v1/resumes/" + urllib.parse.quote(keys["junior-backend-ko"])), timeout=10)
        assert "박서준".encode() in raw.content

        # Paging: newest first, every resume exactly once.
        seen, cursor = [], None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = requests.get(server.url("/api/v1/resumes"), params=params, timeout=10).json()
            seen += [r["unique_key"] for r in page["resumes"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(list(keys.values())))

        # Listing by name and per user.
        second = create(server, fixtures["minimal"])
        assert second["unique_key"] == "Alex Kim_2"
        by_name = requests.get(server.url("/api/v1/resumes"), params={"name": "Alex Kim"}, timeout=10).json()
        assert [r["unique_key"] for r in by_name["resumes"]] == ["Alex Kim_2", "Alex Kim_1"]
        user = requests.get(server.url("/api/v1/resumes/user/Alex%20Kim/"), timeout=10).json()
        assert user["user"] == "Alex Kim" and user["count"] == 2
        assert [r["unique_key"] for r in user["resumes"]] == ["Alex Kim_2", "Alex Kim_1"]

        # PUT replaces the content; key and created_at stay.
        before = requests.get(server.url("/api/v1/resumes/Alex%20Kim_1"), timeout=10).json()
        changed = dict(fixtures["minimal"], summary="Graduate who now also knows Kubernetes.")
        put = requests.put(server.url("/api/v1/resumes/Alex%20Kim_1"), json=changed, timeout=10)
        assert put.status_code == 200, put.text
        assert put.json()["summary"] == changed["summary"]
        assert put.json()["created_at"] == before["created_at"]
        assert put.json()["unique_key"] == "Alex Kim_1"

        # DELETE, then the key is gone and never reused.
        assert requests.delete(server.url("/api/v1/resumes/Alex%20Kim_2"), timeout=10).status_code == 204
        assert_error(requests.get(server.url("/api/v1/resumes/Alex%20Kim_2"), timeout=10), 404, "RESUME_NOT_FOUND")
        assert create(server, fixtures["minimal"])["unique_key"] == "Alex Kim_3"

        assert server.stop() == 0, "SIGTERM should stop serve cleanly"
        server.start()

        for name, key in keys.items():
            r = requests.get(server.url("/api/v1/resumes/" + urllib.parse.quote(key)), timeout=10)
            assert r.status_code == 200, name
        after = requests.get(server.url("/api/v1/resumes/Alex%20Kim_1"), timeout=10).json()
        assert after["summary"] == changed["summary"]
        assert requests.get(server.url("/api/v1/resumes/Alex%20Kim_2"), timeout=10).status_code == 404
        assert create(server, fixtures["minimal"])["unique_key"] == "Alex Kim_4"
    finally:
        server.stop()


def test_error_bodies_for_404_405_413_422(server):
    body = assert_error(requests.get(server.url("/api/v1/resumes/nobody_1"), timeout=10), 404, "RESUME_NOT_FOUND")
    assert body["details"] == {"unique_key": "nobody_1"}
    assert_error(requests.get(server.url("/no/such/route"), timeout=10), 404, "NOT_FOUND")
    assert_error(requests.get(server.url("/api/v1/resumes/user/nobody"), timeout=10), 404, "RESUME_NOT_FOUND")

    r = requests.patch(server.url("/api/v1/resumes/nobody_1"), json={}, timeout=10)
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "PUT", "DELETE"}
    assert_error(requests.delete(server.url("/api/v1/resumes"), timeout=10), 405, "METHOD_NOT_ALLOWED")

    big = dict(fixture_resumes()["minimal"], summary="x" * (300 * 1024))
    assert_error(requests.post(server.url("/api/v1/resumes"), json=big, timeout=10), 413, "PAYLOAD_TOO_LARGE")

    r = requests.post(server.url("/api/v1/resumes"), json=dict(fixture_resumes()["minimal"], hobby="chess"), timeout=10)
    body = assert_error(r, 422, "VALIDATION_ERROR")
    assert body["details"]["validation_errors"] == [{"field": "hobby", "message": "unknown field"}]

    r = requests.post(server.url("/api/v1/resumes"), data=b"{not json", timeout=10)
    assert assert_error(r, 422, "VALIDATION_ERROR")["details"]["validation_errors"][0]["field"] == "body"

    broken = dict(fixture_resumes()["minimal"], summary="short", contact={"email": "nope"})
    body = assert_error(requests.post(server.url("/api/v1/resumes"), json=broken, timeout=10), 422, "VALIDATION_ERROR")
    assert sorted(v["field"] for v in body["details"]["validation_errors"]) == ["contact.email", "summary"]

    r = requests.get(server.url("/api/v1/resumes"), params={"limit": "0"}, timeout=10)
    assert assert_error(r, 422, "VALIDATION_ERROR")["details"]["validation_errors"][0]["field"] == "limit"

    # The request id is echoed when given.
    r = requests.get(server.url("/api/v1/resumes/nobody_1"), headers={"X-Request-ID": "trace-123"}, timeout=10)
    assert r.json()["request_id"] == "trace-123" and r.headers["X-Request-ID"] == "trace-123"


def test_health_and_openapi(server):
    r = requests.get(server.url("/api/v1/resumes/health"), timeout=10)
    assert r.status_code == 200
    assert r.json()["service"] == "resume-service" and r.json()["status"] == "healthy"
    assert requests.get(server.url("/healthz"), timeout=10).status_code == 200
    ready = requests.get(server.url("/readyz"), timeout=10).json()
    assert ready["status"] == "ready" and ready["checks"] == {"resume": "serving", "interview": "serving", "learning": "serving"}
    doc = requests.get(server.url("/openapi.json"), timeout=10).json()
    assert doc["openapi"].startswith("3.1")
    assert {"post", "get"} <= set(doc["paths"]["/api/v1/resumes"])
    assert set(doc["paths"]["/api/v1/resumes/{unique_key}"]) == {"get", "put", "delete"}


def test_head_answers_like_get_without_a_body_even_on_a_stream(server):
    """Load balancers, uptime checks and `curl -I` send HEAD: every GET route answers it with the
    GET's status and headers over real HTTP/1.1, and an event stream's body never starts (the
    connection is free for the next request at once)."""
    key = create(server, fixture_resumes()["minimal"])["unique_key"].replace(" ", "%20")
    session = requests.Session()
    for path in ["/healthz", "/", f"/api/v1/resumes/{key}"]:
        get = session.get(server.url(path), timeout=10)
        head = session.head(server.url(path), timeout=10)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["Content-Type"] == get.headers["Content-Type"], path
        assert int(head.headers["Content-Length"]) == len(get.content), path
    assert session.head(server.url("/api/v1/resumes/nobody_1"), timeout=10).status_code == 404

    task = session.post(server.url(f"/api/v1/interview/async/{key}/questions"), json={"language": "en"}, timeout=10)
    assert task.status_code == 202, task.text
    stream = server.url(f"/api/v1/interview/tasks/{task.json()['task_id']}/stream")
    head = session.head(stream, timeout=10)
    assert head.status_code == 200 and head.headers["Content-Type"].startswith("text/event-stream")
    assert head.content == b""
    assert session.head(server.url("/api/v1/interview/tasks/no-such-task/stream"), timeout=10).status_code == 404
    # The same connection serves the next request: nothing of a stream was left on it.
    assert session.get(server.url("/healthz"), timeout=10).status_code == 200
