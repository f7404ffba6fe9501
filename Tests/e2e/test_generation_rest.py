"""Interview questions and learning paths over REST: sync, async with SSE progress, tasks."""

import time
import urllib.parse

import pytest
import requests

from conftest import Server, create_resume, fixture_resumes, read_sse

QUESTION_FIELDS = {"interview_id", "resume_id", "unique_key", "provider", "model", "questions", "generated_at", "usage"}
LEARNING_FIELDS = {"learning_path_id", "unique_key", "provider", "model", "analysis", "summary", "learning_paths", "generated_at", "usage"}


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    """Jobs take ~0.3 s at the model stage, so streams are watched live."""
    s = Server(tmp_path_factory.mktemp("slow") / "data", env={"COACH_BUILTIN_LATENCY_MS": "300"}).start()
    yield s
    s.stop()


def q(key: str) -> str:
    return urllib.parse.quote(key)


def test_sync_generation_returns_the_contract_fields(server):
    for fixture in fixture_resumes():
        key = create_resume(server, fixture)
        for language in ["ko", "en"]:
            r = requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), json={"language": language}, timeout=30)
            assert r.status_code == 201, r.text
            body = r.json()
            assert QUESTION_FIELDS <= set(body)
            assert body["provider"] == "builtin" and body["unique_key"] == key and len(body["questions"]) == 5
            assert set(body["usage"]) == {"input_tokens", "output_tokens", "cost_usd"}
            for question in body["questions"]:
                assert {"type", "difficulty", "topic", "question", "what_good_answers_cover"} <= set(question)

            r = requests.post(server.url(f"/api/v1/learning/{q(key)}/learning-path"), json={"language": language}, timeout=30)
            assert r.status_code == 201, r.text
            body = r.json()
            assert LEARNING_FIELDS <= set(body)
            assert {"strengths", "weaknesses"} == set(body["analysis"])
            assert all(item["link"].startswith("https://") for item in body["learning_paths"])

        # GET returns the newest; history lists every set newest first.
        latest = requests.get(server.url(f"/api/v1/interview/{q(key)}/questions"), timeout=10)
        assert latest.status_code == 200 and "created_at" in latest.json()
        history = requests.get(server.url(f"/api/v1/interview/{q(key)}/questions"), params={"history": "true"}, timeout=10).json()
        assert len(history["sets"]) == 2 and history["sets"][0]["interview_id"] == latest.json()["interview_id"]
        assert requests.get(server.url(f"/api/v1/learning/{q(key)}/learning-path"), timeout=10).status_code == 200


def test_options_change_the_output_and_bad_options_are_422(server):
    key = create_resume(server)
    six = requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), json={"question_count": 6, "language": "en"}, timeout=30)
    assert len(six.json()["questions"]) == 6
    for body, field in [
        ({"question_count": 9}, "question_count"),
        ({"language": "fr"}, "language"),
        ({"colour": "red"}, "colour"),
        ({"provider": "no-such-provider"}, "provider"),
    ]:
        r = requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), json=body, timeout=10)
        assert r.status_code == 422, (body, r.text)
        assert [v["field"] for v in r.json()["details"]["validation_errors"]] == [field]
    r = requests.post(server.url(f"/api/v1/learning/{q(key)}/learning-path"), json={"time_commitment_hours_per_week": 41}, timeout=10)
    assert r.status_code == 422


def test_unknown_resume_or_result_is_404_with_the_error_body(server):
    for method, path, code in [
        ("post", "/api/v1/interview/nobody_1/questions", "RESUME_NOT_FOUND"),
        ("post", "/api/v1/learning/nobody_1/learning-path", "RESUME_NOT_FOUND"),
        ("post", "/api/v1/interview/async/nobody_1/questions", "RESUME_NOT_FOUND"),
        ("post", "/api/v1/learning/async/nobody_1/learning-path", "RESUME_NOT_FOUND"),
        ("get", "/api/v1/interview/nobody_1/questions", "INTERVIEW_NOT_FOUND"),
        ("get", "/api/v1/learning/nobody_1/learning-path", "LEARNING_PATH_NOT_FOUND"),
        ("get", "/api/v1/interview/tasks/0123abcd/progress", "TASK_NOT_FOUND"),
        ("get", "/api/v1/learning/tasks/0123abcd/stream", "TASK_NOT_FOUND"),
    ]:
        r = getattr(requests, method)(server.url(path), timeout=10)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error_code"] == code, path
        assert r.json()["request_id"]


def stream(server, kind: str, task_id: str, last_event_id=None):
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    r = requests.get(server.url(f"/api/v1/{kind}/tasks/{task_id}/stream"), headers=headers, stream=True, timeout=60)
    return r


@pytest.mark.parametrize("kind,resource", [("learning", "learning-path"), ("interview", "questions")])
def test_async_task_streams_progress_then_result_then_close(slow_server, kind, resource):
    key = create_resume(slow_server, "mid-fullstack-ko")
    started = requests.post(slow_server.url(f"/api/v1/{kind}/async/{q(key)}/{resource}"), json={}, timeout=10)
    assert started.status_code == 202, started.text
    body = started.json()
    assert {"task_id", "status", "message", "unique_key", "estimated_time", "created_at"} <= set(body)
    assert body["status"] == "pending" and body["unique_key"] == key
    assert started.headers["Location"] == f"/api/v1/{kind}/tasks/{body['task_id']}/progress"

    r = stream(slow_server, kind, body["task_id"])
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/event-stream")
    assert r.headers["Cache-Control"] == "no-cache" and r.headers["X-Accel-Buffering"] == "no"
    events = [e for e in read_sse(r) if "comment" not in e]
    assert events[0] == {"retry": "3000"}
    events = events[1:]
    names = [e["event"] for e in events]
    assert names == ["progress"] * 5 + ["completed", "close"], names
    assert [e["data"]["progress"] for e in events[:5]] == [0, 10, 30, 70, 90]
    assert [e["data"]["stage"] for e in events[:5]] == ["pending", "loading_resume", "generating_prompt", "calling_llm", "processing_response"]
    ids = [int(e["id"]) for e in events[:6]]
    assert ids == sorted(ids) and len(set(ids)) == 6
    completed = events[5]["data"]
    assert completed["state"] == "SUCCESS" and completed["progress"] == 100 and completed["result"]["unique_key"] == key
    assert events[6]["data"]["message"] == "Stream completed" and "id" not in events[6]

    # Reconnecting after the second event gets only the later ones.
    again = [e for e in read_sse(stream(slow_server, kind, body["task_id"], last_event_id=ids[1])) if "event" in e]
    assert [int(e["id"]) for e in again if e["event"] != "close"] == ids[2:]
    assert again[-1]["event"] == "close"

    # Nothing left after the terminal event: 204 stops the browser from reconnecting.
    assert stream(slow_server, kind, body["task_id"], last_event_id=ids[-1]).status_code == 204

    progress = requests.get(slow_server.url(f"/api/v1/{kind}/tasks/{body['task_id']}/progress"), timeout=10).json()
    assert progress["state"] == "SUCCESS" and progress["progress"] == 100 and progress["stage"] == "completed"
    assert progress["kind"] == kind and progress["result"] == completed["result"]

    # A task id of one service is unknown to the other.
    other = "interview" if kind == "learning" else "learning"
    assert requests.get(slow_server.url(f"/api/v1/{other}/tasks/{body['task_id']}/progress"), timeout=10).status_code == 404


def test_idempotency_key_returns_the_same_task(slow_server):
    key = create_resume(slow_server)
    headers = {"Idempotency-Key": "retry-42"}
    first = requests.post(slow_server.url(f"/api/v1/learning/async/{q(key)}/learning-path"), headers=headers, timeout=10).json()
    second = requests.post(slow_server.url(f"/api/v1/learning/async/{q(key)}/learning-path"), headers=headers, timeout=10).json()
    third = requests.post(slow_server.url(f"/api/v1/learning/async/{q(key)}/learning-path"), timeout=10).json()
    assert first["task_id"] == second["task_id"] != third["task_id"]

    # The key belongs to this resume and this request: other options are a conflict ...
    changed = requests.post(
        slow_server.url(f"/api/v1/learning/async/{q(key)}/learning-path"), headers=headers, json={"language": "en"}, timeout=10)
    assert changed.status_code == 409, changed.text
    assert changed.json()["error_code"] == "CONFLICT" and changed.json()["details"]["task_id"] == first["task_id"]
    # ... and another resume with the same key gets a task of its own.
    other = create_resume(slow_server)
    elsewhere = requests.post(slow_server.url(f"/api/v1/learning/async/{q(other)}/learning-path"), headers=headers, timeout=10)
    assert elsewhere.status_code == 202 and elsewhere.json()["task_id"] != first["task_id"]


def test_heartbeat_comments_keep_a_quiet_stream_alive(tmp_path):
    server = Server(tmp_path / "data", args=["--sse-heartbeat", "1"], env={"COACH_BUILTIN_LATENCY_MS": "2500"}).start()
    try:
        key = create_resume(server)
        task = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), timeout=10).json()
        events = read_sse(stream(server, "interview", task["task_id"]))
        assert {"comment": "ping"} in events
        assert events[-1]["event"] == "close"
    finally:
        server.stop()


def test_deleting_a_resume_deletes_its_results_and_tasks(server):
    key = create_resume(server)
    requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), timeout=30).raise_for_status()
    task = requests.post(server.url(f"/api/v1/learning/async/{q(key)}/learning-path"), timeout=10).json()
    read_sse(stream(server, "learning", task["task_id"]))
    assert requests.delete(server.url(f"/api/v1/resumes/{q(key)}"), timeout=10).status_code == 204
    assert requests.get(server.url(f"/api/v1/interview/{q(key)}/questions"), timeout=10).status_code == 404
    assert requests.get(server.url(f"/api/v1/learning/tasks/{task['task_id']}/progress"), timeout=10).status_code == 404


def test_a_job_over_its_time_limit_fails_with_a_reason(tmp_path):
    server = Server(tmp_path / "data", args=["--job-timeout", "1"], env={"COACH_BUILTIN_LATENCY_MS": "3000"}).start()
    try:
        key = create_resume(server)
        task = requests.post(server.url(f"/api/v1/learning/async/{q(key)}/learning-path"), json={"language": "en"}, timeout=10).json()
        events = [e for e in read_sse(stream(server, "learning", task["task_id"])) if "event" in e]
        assert [e["event"] for e in events][-2:] == ["error", "close"]
        failed = events[-2]["data"]
        assert failed["state"] == "FAILURE" and failed["stage"] == "failed"
        assert failed["error"]["code"] == "LLM_API_TIMEOUT" and "1 s" in failed["error"]["message"]
        progress = requests.get(server.url(f"/api/v1/learning/tasks/{task['task_id']}/progress"), timeout=10).json()
        assert progress["state"] == "FAILURE" and "result" not in progress
    finally:
        server.stop()


def test_streams_end_cleanly_on_disconnect_and_shutdown(tmp_path):
    server = Server(tmp_path / "data", env={"COACH_BUILTIN_LATENCY_MS": "20000"}).start()
    key = create_resume(server)
    first = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), timeout=10).json()
    second = requests.post(server.url(f"/api/v1/learning/async/{q(key)}/learning-path"), timeout=10).json()

    # A client that goes away mid-stream.
    gone = stream(server, "interview", first["task_id"])
    next(gone.iter_lines())
    gone.close()

    # A client still watching when the server is told to stop.
    watching = stream(server, "learning", second["task_id"])
    lines = watching.iter_lines(decode_unicode=True)
    assert next(lines) == "retry: 3000"
    started = time.time()
    assert server.stop() == 0
    assert time.time() - started < 10
    rest = list(lines)  # the response ends instead of hanging
    assert all(not line.startswith("event: completed") for line in rest)


def test_hundreds_of_browsers_follow_one_running_task_to_its_end(tmp_path):
    """250 SSE clients on one task: each is streaming before the task ends (the edge's WatchTask
    calls share one HTTP/2 connection, whose default limit of 100 streams once queued the 101st
    browser), and each gets the `completed` event and `close` (abandoning calls at the terminal
    event once reset so many streams at once that HTTP/2 flood protection closed the connection
    under the rest)."""
    import concurrent.futures
    import datetime

    clients = 250
    server = Server(tmp_path / "data", env={"COACH_BUILTIN_LATENCY_MS": "6000"}).start()
    try:
        key = create_resume(server)
        r = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), json={"language": "en"}, timeout=10)
        assert r.status_code == 202, r.text
        task = r.json()["task_id"]

        def follow(_):
            with requests.get(server.url(f"/api/v1/interview/tasks/{task}/stream"), stream=True, timeout=60) as response:
                assert response.status_code == 200
                first, kinds = None, []
                for line in response.iter_lines(decode_unicode=True):
                    if first is None and line and line.startswith("data:"):
                        first = time.time()
                    if line and line.startswith("event:"):
                        kinds.append(line.partition(":")[2].strip())
                return first, kinds[-2:]

        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            streams = list(pool.map(follow, range(clients)))

        final = requests.get(server.url(f"/api/v1/interview/tasks/{task}/progress"), timeout=10).json()
        assert final["state"] == "SUCCESS"
        finished = datetime.datetime.strptime(final["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
        late = [first for first, _ in streams if first is None or first > finished]
        assert not late, f"{len(late)} of {clients} streams only started after the task had finished"
        endings = [tuple(ending) for _, ending in streams]
        assert endings == [("completed", "close")] * clients, {e: endings.count(e) for e in set(endings)}
    finally:
        server.stop()
