"""The MongoDB backend end to end: `interview-coach serve` with MONGODB_URI against a real
wire-protocol server (SecantusDB, started here on a free port), read back with pymongo; and a
MongoDB outage answered with 503 SERVICE_UNAVAILABLE within 2 s, recovering without a restart."""

import datetime
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid

import pymongo
import pytest
import requests

from conftest import ARTIFACTS, Server, create_resume, fixture_resumes, free_port

SECANTUSD = shutil.which("secantusd-py") or str(pathlib.Path(sys.executable).parent / "secantusd-py")


class MongoServer:
    """A SecantusDB process on one port and storage dir; stoppable and restartable in place."""

    def __init__(self, storage: pathlib.Path):
        self.storage = storage
        self.port = free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "MongoServer":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.storage.mkdir(parents=True, exist_ok=True)
        log = open(ARTIFACTS / f"secantusdb-{self.port}-{int(time.time() * 1000)}.log", "ab")
        self.proc = subprocess.Popen(
            [SECANTUSD, "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", str(self.storage)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.proc.poll() is None, f"secantusd-py exited with {self.proc.returncode}"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=1000)
                client.admin.command("ping")
                client.close()
                return self
            except (OSError, pymongo.errors.PyMongoError):
                time.sleep(0.1)
        raise AssertionError("SecantusDB did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture()
def mongo(tmp_path):
    server = MongoServer(tmp_path / "mongo").start()
    yield server
    server.stop()


def coach_with_mongo(tmp_path, mongo, database):
    return Server(tmp_path / "data", env={"MONGODB_URI": mongo.uri, "MONGODB_DATABASE": database}).start()


def q(key: str) -> str:
    return urllib.parse.quote(key)


def test_documents_are_plain_mongodb_documents_with_their_indexes(tmp_path, mongo):
    database = "coach_e2e_" + uuid.uuid4().hex[:12]
    server = coach_with_mongo(tmp_path, mongo, database)
    try:
        key = create_resume(server)
        second = create_resume(server)
        assert second.rsplit("_", 1)[1] == "2"
        r = requests.post(server.url(f"/api/v1/interview/{q(key)}/questions"), json={"language": "en"}, timeout=30)
        assert r.status_code in (200, 201), r.text
        r = requests.post(server.url(f"/api/v1/learning/{q(key)}/learning-path"), json={"language": "en"}, timeout=30)
        assert r.status_code in (200, 201), r.text
        task = requests.post(server.url(f"/api/v1/interview/async/{q(key)}/questions"), json={}, timeout=10)
        assert task.status_code == 202, task.text
        task_id = task.json()["task_id"]
        deadline = time.time() + 30
        while time.time() < deadline:
            state = requests.get(server.url(f"/api/v1/interview/tasks/{task_id}/progress"), timeout=10).json()["state"]
            if state in ("SUCCESS", "FAILURE"):
                break
            time.sleep(0.2)
        assert state == "SUCCESS"
        resume = requests.get(server.url(f"/api/v1/resumes/{q(key)}"), timeout=10).json()
    finally:
        server.stop()

    client = pymongo.MongoClient(mongo.uri, serverSelectionTimeoutMS=2000)
    try:
        db = client[database]
        assert {"resumes", "counters", "interview_questions", "learning_paths", "tasks"} <= set(db.list_collection_names())

        stored = db.resumes.find_one({"unique_key": key})
        assert stored is not None
        assert stored["_id"] == resume["id"] or str(stored["_id"]) == resume["id"]
        assert stored["name"] == resume["name"]
        assert stored["summary"] == resume["summary"]
        assert isinstance(stored["created_at"], datetime.datetime)
        assert isinstance(stored["updated_at"], datetime.datetime)
        assert db.resumes.count_documents({"name": resume["name"]}) == 2
        name = key.rsplit("_", 1)[0]
        assert db.counters.find_one({"_id": name})["seq"] == 2

        # One synchronous (no task_id field) and one task result; exactly one per task.
        assert db.interview_questions.count_documents({"unique_key": key}) == 2
        assert db.interview_questions.count_documents({"task_id": task_id}) == 1
        assert db.interview_questions.count_documents({"task_id": {"$exists": False}}) == 1
        assert db.learning_paths.count_documents({"unique_key": key}) == 1
        result = db.interview_questions.find_one({"task_id": task_id})
        assert isinstance(result["created_at"], datetime.datetime)
        assert result["questions"]

        record = db.tasks.find_one({"task_id": task_id})
        assert record["kind"] == "interview"
        assert record["state"] == "SUCCESS"
        assert record["unique_key"] == key
        assert isinstance(record["created_at"], datetime.datetime)

        def index_keys(collection):
            return {tuple(k for k, _ in index["key"].items()): index for index in db[collection].list_indexes()}

        # Every query is inside one tenant, so the indexes lead with it.
        assert record["tenant"] == "default" and stored["tenant"] == "default"
        resumes = index_keys("resumes")
        assert resumes[("tenant", "unique_key")].get("unique") is True
        assert ("unique_key",) not in resumes  # keys are numbered per tenant
        assert any(keys[:3] == ("tenant", "name", "created_at") for keys in resumes)
        for collection in ("interview_questions", "learning_paths"):
            indexes = index_keys(collection)
            assert any(keys[:3] == ("tenant", "unique_key", "created_at") for keys in indexes)
            assert indexes[("task_id",)].get("unique") is True
        tasks = index_keys("tasks")
        assert tasks[("task_id",)].get("unique") is True
        assert tasks[("kind", "idempotency_key")].get("unique") is True
        assert any(keys[:4] == ("tenant", "kind", "state", "created_at") for keys in tasks)
    finally:
        client.close()


def test_mongodb_outage_is_503_within_two_seconds_and_recovers_without_a_restart(tmp_path, mongo):
    database = "coach_e2e_" + uuid.uuid4().hex[:12]
    server = coach_with_mongo(tmp_path, mongo, database)
    try:
        key = create_resume(server)
        assert requests.get(server.url(f"/api/v1/resumes/{q(key)}"), timeout=10).status_code == 200

        mongo.stop()
        for method, path, body in [
            ("get", f"/api/v1/resumes/{q(key)}", None),
            ("get", "/api/v1/resumes", None),
            ("post", "/api/v1/resumes", "resume"),
        ]:
            started = time.monotonic()
            if body == "resume":
                r = requests.post(server.url(path), json=fixture_resumes()["senior-platform-en"], timeout=10)
            else:
                r = getattr(requests, method)(server.url(path), timeout=10)
            elapsed = time.monotonic() - started
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.json()["error_code"] == "SERVICE_UNAVAILABLE"
            assert elapsed < 2.0, (path, elapsed)
        assert server.process.proc.poll() is None, "the server must keep running while MongoDB is down"

        mongo.start()  # same port, same storage: the pool reconnects by itself
        deadline = time.time() + 20
        status = None
        while time.time() < deadline:
            status = requests.get(server.url(f"/api/v1/resumes/{q(key)}"), timeout=10).status_code
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200
        again = create_resume(server)
        assert again.rsplit("_", 1)[1] == "2"
    finally:
        server.stop()
