"""A SIGKILL while tasks are queued and running loses nothing: after a restart on the same data
dir every task reaches a terminal state with exactly one stored result."""

import signal
import sqlite3
import time
import urllib.parse

import requests

from conftest import Server, create_resume


def test_tasks_survive_sigkill(tmp_path):
    data = tmp_path / "data"
    server = Server(data, args=["--worker-concurrency", "2"], env={"COACH_BUILTIN_LATENCY_MS": "700"}).start()
    key = create_resume(server)
    tasks = []
    for index in range(12):
        kind, resource = ("interview", "questions") if index % 2 else ("learning", "learning-path")
        r = requests.post(server.url(f"/api/v1/{kind}/async/{urllib.parse.quote(key)}/{resource}"), timeout=10)
        assert r.status_code == 202
        tasks.append((kind, r.json()["task_id"]))
    time.sleep(1.0)
    states = {requests.get(server.url(f"/api/v1/{k}/tasks/{t}/progress"), timeout=10).json()["state"] for k, t in tasks}
    assert "PENDING" in states and "PROGRESS" in states, states  # some queued, some running
    assert server.stop_with(signal.SIGKILL) != 0

    server.env = {}
    server.start()
    deadline = time.time() + 60
    final = {}
    while time.time() < deadline and len(final) < len(tasks):
        for kind, task_id in tasks:
            record = requests.get(server.url(f"/api/v1/{kind}/tasks/{task_id}/progress"), timeout=10).json()
            if record["state"] in ("SUCCESS", "FAILURE"):
                final[task_id] = record["state"]
        time.sleep(0.2)
    server.stop()
    assert len(final) == len(tasks)
    assert set(final.values()) == {"SUCCESS"}

    # Exactly one stored result per task, read straight from the SQLite file.
    with sqlite3.connect(data / "interview-coach.sqlite") as db:
        for kind, task_id in tasks:
            table = "question_sets" if kind == "interview" else "learning_paths"
            (count,) = db.execute(f"SELECT COUNT(*) FROM {table} WHERE task_id = ?", (task_id,)).fetchone()
            assert count == 1, (kind, task_id, count)
