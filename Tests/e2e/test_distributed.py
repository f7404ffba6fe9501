"""The mesh as separate processes on Redis + MongoDB: resume, interview, learning, two workers
and two edges. Tasks complete across processes, survive a worker's SIGKILL and a Redis restart,
stream from any edge, and each stores exactly one result."""

import concurrent.futures
import pathlib
import signal
import subprocess
import time
import urllib.parse
import uuid

import pymongo
import pytest
import requests

from conftest import ARTIFACTS, CoachProcess, fixture_resumes, free_port, read_sse, wait_grpc_ready, wait_http_ready
from test_mongodb import MongoServer


class RedisServer:
    """redis-server with AOF on a fixed port and dir, restartable in place."""

    def __init__(self, directory: pathlib.Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> "RedisServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
                return self
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.proc = None

    def cli(self, *args) -> str:
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True).stdout.strip()


class Mesh:
    def __init__(self, root: pathlib.Path, redis: RedisServer, mongo: MongoServer):
        self.root, self.redis, self.mongo = root, redis, mongo
        self.database = f"coach_mesh_{uuid.uuid4().hex[:10]}"
        self.ports = {name: free_port() for name in ("resume", "interview", "learning", "worker1", "worker2")}
        self.http = [free_port(), free_port()]
        self.processes: dict[str, CoachProcess] = {}

    def env(self) -> dict:
        return {
            "MONGODB_URI": self.mongo.uri, "MONGODB_DATABASE": self.database, "REDIS_URL": self.redis.url,
            "COACH_BUILTIN_LATENCY_MS": "150", "COACH_JOB_LEASE": "2", "LOG_LEVEL": "info",
        }

    def start_role(self, name: str, role: str):
        resume = f"127.0.0.1:{self.ports['resume']}"
        args = ["--role", role, "--data-dir", str(self.root / name)]
        if role == "edge":
            index = int(name[-1]) - 1
            args += ["--http-port", str(self.http[index]), "--resume-addr", resume,
                     "--interview-addr", f"127.0.0.1:{self.ports['interview']}", "--learning-addr", f"127.0.0.1:{self.ports['learning']}"]
        else:
            args += ["--grpc-port", str(self.ports[name])]
            if role == "resume":
                args += ["--interview-addr", f"127.0.0.1:{self.ports['interview']}",
                         "--learning-addr", f"127.0.0.1:{self.ports['learning']}"]
            else:
                args += ["--resume-addr", resume, "--worker-concurrency", "4"]
        process = CoachProcess(name, args, env=self.env()).start()
        self.processes[name] = process
        if role == "edge":
            wait_http_ready(f"http://127.0.0.1:{self.http[int(name[-1]) - 1]}", process)
        else:
            wait_grpc_ready(self.ports[name], process)

    def start(self) -> "Mesh":
        for name, role in [("resume", "resume"), ("interview", "interview"), ("learning", "learning"),
                           ("worker1", "worker"), ("worker2", "worker"), ("edge1", "edge"), ("edge2", "edge")]:
            self.start_role(name, role)
        return self

    def edge(self, index: int = 0) -> str:
        return f"http://127.0.0.1:{self.http[index]}"

    def stop(self):
        for process in reversed(list(self.processes.values())):
            process.stop(timeout=30)


@pytest.fixture()
def mesh(tmp_path):
    redis = RedisServer(tmp_path / "redis").start()
    mongo = MongoServer(tmp_path / "mongo").start()
    mesh = Mesh(tmp_path, redis, mongo).start()
    yield mesh
    mesh.stop()
    mongo.stop()
    redis.stop()


def start_tasks(base: str, key: str, count: int) -> list[tuple[str, str]]:
    def start(index):
        kind, resource = ("interview", "questions") if index % 2 else ("learning", "learning-path")
        r = requests.post(f"{base}/api/v1/{kind}/async/{urllib.parse.quote(key)}/{resource}", json={"language": "en"}, timeout=30)
        assert r.status_code == 202, r.text
        return kind, r.json()["task_id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(start, range(count)))


def wait_terminal(base: str, tasks, timeout: float) -> dict:
    final, deadline = {}, time.time() + timeout
    while time.time() < deadline and len(final) < len(tasks):
        for kind, task_id in tasks:
            if task_id in final:
                continue
            record = requests.get(f"{base}/api/v1/{kind}/tasks/{task_id}/progress", timeout=10).json()
            if record["state"] in ("SUCCESS", "FAILURE"):
                final[task_id] = record
        time.sleep(0.3)
    return final


def assert_one_result_each(mesh: Mesh, tasks):
    db = pymongo.MongoClient(mesh.mongo.uri)[mesh.database]
    for kind, task_id in tasks:
        collection = "interview_questions" if kind == "interview" else "learning_paths"
        assert db[collection].count_documents({"task_id": task_id}) == 1, (kind, task_id)


def test_200_tasks_complete_across_processes_despite_a_killed_worker(mesh):
    key = requests.post(mesh.edge() + "/api/v1/resumes", json=fixture_resumes()["senior-platform-en"], timeout=10).json()["unique_key"]
    tasks = start_tasks(mesh.edge(), key, 200)
    time.sleep(2.0)
    assert mesh.processes["worker1"].stop(signal.SIGKILL) != 0  # mid-run, holding jobs
    final = wait_terminal(mesh.edge(1), tasks, timeout=300)
    assert len(final) == 200
    assert {r["state"] for r in final.values()} == {"SUCCESS"}
    assert_one_result_each(mesh, tasks)


def test_a_redis_restart_loses_no_queued_task(mesh):
    key = requests.post(mesh.edge() + "/api/v1/resumes", json=fixture_resumes()["minimal"], timeout=10).json()["unique_key"]
    tasks = start_tasks(mesh.edge(), key, 40)
    mesh.redis.stop()
    time.sleep(1.0)
    mesh.redis.start()
    final = wait_terminal(mesh.edge(), tasks, timeout=300)
    assert len(final) == 40 and {r["state"] for r in final.values()} == {"SUCCESS"}
    assert_one_result_each(mesh, tasks)


def test_a_second_edge_streams_a_task_started_through_the_first(mesh):
    key = requests.post(mesh.edge() + "/api/v1/resumes", json=fixture_resumes()["junior-backend-ko"], timeout=10).json()["unique_key"]
    [(kind, task_id)] = start_tasks(mesh.edge(), key, 1)
    events = [e for e in read_sse(requests.get(f"{mesh.edge(1)}/api/v1/{kind}/tasks/{task_id}/stream", stream=True, timeout=60)) if "event" in e]
    assert [e["event"] for e in events][-2:] == ["completed", "close"]
    assert [e["data"]["progress"] for e in events if e["event"] == "progress"] == [0, 10, 30, 70, 90]

    # WatchTask from the interview role's own gRPC port, run by a worker process.
    import json
    import os

    from conftest import BINARY

    run = subprocess.run(
        [str(BINARY), "questions", key, "--async", "--server", f"127.0.0.1:{mesh.ports['interview']}"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COACH_EVENTS": "json"},
    )
    assert run.returncode == 0, run.stderr
    watched = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert [(e["event"], e["progress"]) for e in watched][-2:] == [("progress", 90), ("completed", 100)]


def test_a_poison_job_is_dead_lettered_and_its_task_fails_without_blocking_others(mesh):
    key = requests.post(mesh.edge() + "/api/v1/resumes", json=fixture_resumes()["minimal"], timeout=10).json()["unique_key"]
    for worker in ("worker1", "worker2"):
        assert mesh.processes[worker].stop() == 0
    [(kind, poison)] = [t for t in start_tasks(mesh.edge(), key, 2) if t[0] == "interview"]
    stream = "coach:jobs:interview"
    # The job has already crashed six workers: each took it and died without acknowledging.
    mesh.redis.cli("XREADGROUP", "GROUP", "workers", "ghost", "COUNT", "10", "STREAMS", stream, ">")
    pending = mesh.redis.cli("XPENDING", stream, "workers", "-", "+", "10").split("\n")
    entry = next(line for line in pending if "-" in line and line[0].isdigit())
    for _ in range(5):
        mesh.redis.cli("XCLAIM", stream, "workers", "ghost", "0", entry)
    # The learning task queued alongside is not poisoned and must still complete.
    mesh.start_role("worker1", "worker")
    final = wait_terminal(mesh.edge(), [(kind, poison)], timeout=60)
    assert final[poison]["state"] == "FAILURE"
    assert "deliveries" in final[poison]["error"]["message"]
    dead = mesh.redis.cli("XRANGE", stream + ":dead", "-", "+")
    assert poison in dead
    others = [t for t in start_tasks(mesh.edge(), key, 2)]
    assert {r["state"] for r in wait_terminal(mesh.edge(), others, timeout=60).values()} == {"SUCCESS"}


def test_a_worker_stopped_gracefully_mid_run_hands_its_jobs_on(mesh):
    key = requests.post(mesh.edge() + "/api/v1/resumes", json=fixture_resumes()["mid-fullstack-ko"], timeout=10).json()["unique_key"]
    tasks = start_tasks(mesh.edge(), key, 40)
    time.sleep(1.0)
    assert mesh.processes["worker1"].stop() == 0  # SIGTERM while holding jobs: they are not acknowledged
    final = wait_terminal(mesh.edge(), tasks, timeout=120)
    assert len(final) == 40 and {r["state"] for r in final.values()} == {"SUCCESS"}
    assert_one_result_each(mesh, tasks)
