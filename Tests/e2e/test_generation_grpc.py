"""WatchTask over real HTTP/2 gRPC, from Python grpcio and from the Swift CLI, gives the same
sequence as the REST stream."""

import json
import os
import subprocess

import grpc
import pytest
import requests

from conftest import BINARY, Server, create_resume

EXPECTED = [("progress", 0), ("progress", 10), ("progress", 30), ("progress", 70), ("progress", 90), ("completed", 100)]


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("grpc") / "data", env={"COACH_BUILTIN_LATENCY_MS": "300"}).start()
    yield s
    s.stop()


def test_python_watch_task_receives_every_event(slow_server, stubs):
    key = create_resume(slow_server, "junior-backend-ko")
    learning, tasks, task_pb2 = stubs["learning_service_pb2"], stubs["task_service_pb2"], stubs["task_pb2"]
    generation = stubs["generation_pb2"]
    with grpc.insecure_channel(f"127.0.0.1:{slow_server.grpc_port}") as channel:
        service = stubs["learning_service_pb2_grpc"].LearningServiceStub(channel)
        task = service.StartLearningPathGeneration(
            learning.StartLearningPathGenerationRequest(unique_key=key, options=generation.LearningOptions(language="en")), timeout=10
        )
        assert task.state == task_pb2.TASK_STATE_PENDING
        watcher = stubs["task_service_pb2_grpc"].TaskServiceStub(channel)
        events = list(watcher.WatchTask(tasks.WatchTaskRequest(task_id=task.task_id, kind=task_pb2.TASK_KIND_LEARNING), timeout=60))
        assert [(e.event_type, e.task.progress) for e in events] == EXPECTED
        assert [e.sequence for e in events] == sorted(e.sequence for e in events)
        assert events[-1].task.learning_path.unique_key == key
        assert len(events[-1].task.learning_path.learning_paths) >= 3

        # Replay from a sequence, after the task finished.
        replay = list(watcher.WatchTask(tasks.WatchTaskRequest(task_id=task.task_id, after_sequence=events[1].sequence), timeout=30))
        assert [e.sequence for e in replay] == [e.sequence for e in events[2:]]

        got = watcher.GetTask(tasks.GetTaskRequest(task_id=task.task_id, kind=task_pb2.TASK_KIND_LEARNING), timeout=10)
        assert got.state == task_pb2.TASK_STATE_SUCCESS

        with pytest.raises(grpc.RpcError) as missing:
            list(watcher.WatchTask(tasks.WatchTaskRequest(task_id="feedbeef", kind=task_pb2.TASK_KIND_LEARNING), timeout=10))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as wrong_kind:
            watcher.GetTask(tasks.GetTaskRequest(task_id=task.task_id, kind=task_pb2.TASK_KIND_INTERVIEW), timeout=10)
        assert wrong_kind.value.code() == grpc.StatusCode.NOT_FOUND

        listed = watcher.ListTasks(tasks.ListTasksRequest(kind=task_pb2.TASK_KIND_LEARNING, state=task_pb2.TASK_STATE_SUCCESS), timeout=10)
        assert task.task_id in [t.task_id for t in listed.tasks]


def test_swift_cli_watch_task_receives_the_same_sequence(slow_server):
    key = create_resume(slow_server, "mid-fullstack-ko")
    for command in (["questions", key, "--async"], ["learning-path", key, "--async", "--language", "en"]):
        run = subprocess.run(
            [str(BINARY), *command, "--server", f"127.0.0.1:{slow_server.grpc_port}"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "COACH_EVENTS": "json"},
        )
        assert run.returncode == 0, run.stderr
        events = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
        assert [(e["event"], e["progress"]) for e in events] == EXPECTED
        assert "100%" in run.stderr  # the live progress bar


def test_swift_cli_sync_generation_prints_the_result(slow_server):
    key = create_resume(slow_server, "minimal")
    run = subprocess.run(
        [str(BINARY), "questions", key, "--count", "3", "--language", "en", "--server", f"127.0.0.1:{slow_server.grpc_port}"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["provider"] == "builtin" and len(result["questions"]) == 3
    missing = subprocess.run(
        [str(BINARY), "learning-path", "nobody_1", "--server", f"127.0.0.1:{slow_server.grpc_port}"], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode != 0 and "RESUME_NOT_FOUND" in missing.stderr
