"""Roles as separate processes: two `--role resume` (sharing one data dir), `--role interview`,
`--role learning` and `--role edge`. The edge balances over both resume processes and keeps
serving when one of them dies; generation works across the processes."""

import concurrent.futures
import signal
import subprocess

import requests

from conftest import BINARY, CoachProcess, fixture_resumes, free_port, read_sse, wait_grpc_ready, wait_http_ready


def test_processes_started_together_on_one_new_data_dir_all_come_up(tmp_path):
    """Several roles opening (and migrating) the same fresh SQLite file at the same moment: none
    may fail with "database is locked"."""
    for attempt in range(3):
        data = tmp_path / f"data{attempt}"
        ports = [free_port() for _ in range(4)]
        # Where a deleted resume's generated data lives (not started here: clients connect lazily).
        generation = ["--interview-addr", f"127.0.0.1:{free_port()}", "--learning-addr", f"127.0.0.1:{free_port()}"]
        processes = [
            CoachProcess(f"resume{attempt}-{i}", ["--role", "resume", "--grpc-port", str(p), "--data-dir", str(data), *generation])
            for i, p in enumerate(ports)
        ]
        for process in processes:
            process.start()
        try:
            for process, port in zip(processes, ports):
                wait_grpc_ready(port, process)
        finally:
            for process in processes:
                process.stop()


def test_edge_over_two_resume_processes(tmp_path):
    data = tmp_path / "data"
    ports = [free_port(), free_port()]
    generation_ports = {"interview": free_port(), "learning": free_port()}
    generation = [
        "--interview-addr", f"127.0.0.1:{generation_ports['interview']}",
        "--learning-addr", f"127.0.0.1:{generation_ports['learning']}",
    ]
    resumes = [
        CoachProcess(f"resume{i}", ["--role", "resume", "--grpc-port", str(p), "--data-dir", str(data), *generation]).start()
        for i, p in enumerate(ports)
    ]
    resume_addr = ",".join(f"127.0.0.1:{p}" for p in ports)
    generators = {
        role: CoachProcess(role, ["--role", role, "--grpc-port", str(port), "--data-dir", str(data), "--resume-addr", resume_addr])
        for role, port in generation_ports.items()
    }
    http_port = free_port()
    edge = CoachProcess(
        "edge",
        [
            "--role", "edge", "--http-port", str(http_port), "--resume-addr", resume_addr,
            "--interview-addr", f"127.0.0.1:{generation_ports['interview']}",
            "--learning-addr", f"127.0.0.1:{generation_ports['learning']}",
        ],
    )
    try:
        for process, port in zip(resumes, ports):
            wait_grpc_ready(port, process)
        for role, process in generators.items():
            process.start()
            wait_grpc_ready(generation_ports[role], process)
        edge.start()
        base = f"http://127.0.0.1:{http_port}"
        wait_http_ready(base, edge)

        body = fixture_resumes()["senior-platform-en"]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda _: requests.post(base + "/api/v1/resumes", json=body, timeout=10), range(20)))
        assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
        keys = {r.json()["unique_key"] for r in responses}
        assert keys == {f"{body['name']}_{n}" for n in range(1, 21)}

        listed = requests.get(base + "/api/v1/resumes", params={"limit": 100}, timeout=10).json()
        assert len(listed["resumes"]) == 20

        # One resume process dies: the edge keeps answering through the other.
        assert resumes[0].stop(signal.SIGKILL) != 0
        for n in range(1, 11):
            r = requests.get(base + f"/api/v1/resumes/{body['name']}_{n}", timeout=10)
            assert r.status_code == 200, r.text
        created = requests.post(base + "/api/v1/resumes", json=body, timeout=10)
        assert created.status_code == 201 and created.json()["unique_key"] == f"{body['name']}_21"

        # Generation in its own processes, reaching resumes over gRPC.
        key = created.json()["unique_key"].replace(" ", "%20")
        questions = requests.post(base + f"/api/v1/interview/{key}/questions", json={"language": "en"}, timeout=30)
        assert questions.status_code == 201, questions.text
        task = requests.post(base + f"/api/v1/learning/async/{key}/learning-path", timeout=10).json()
        events = [e for e in read_sse(requests.get(base + f"/api/v1/learning/tasks/{task['task_id']}/stream", stream=True, timeout=30)) if "event" in e]
        assert [e["event"] for e in events][-2:] == ["completed", "close"]

        # Deleting the resume in the resume role deletes what the other roles generated for it.
        assert requests.delete(base + f"/api/v1/resumes/{key}", timeout=10).status_code == 204
        assert requests.get(base + f"/api/v1/interview/{key}/questions", timeout=10).status_code == 404
        assert requests.get(base + f"/api/v1/learning/{key}/learning-path", timeout=10).status_code == 404
        assert requests.get(base + f"/api/v1/learning/tasks/{task['task_id']}/progress", timeout=10).status_code == 404
    finally:
        assert edge.stop() == 0
        for process in [*resumes, *generators.values()]:
            process.stop()


def test_edge_without_upstream_answers_503(tmp_path):
    http_port = free_port()
    edge = CoachProcess(
        "edge-alone",
        [
            "--role", "edge", "--http-port", str(http_port), "--resume-addr", f"127.0.0.1:{free_port()}",
            "--interview-addr", f"127.0.0.1:{free_port()}", "--learning-addr", f"127.0.0.1:{free_port()}",
        ],
    )
    edge.start()
    try:
        base = f"http://127.0.0.1:{http_port}"
        wait_http_ready(base, edge, path="/healthz")
        ready = requests.get(base + "/readyz", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"resume": "not_serving", "interview": "not_serving", "learning": "not_serving"}
        r = requests.get(base + "/api/v1/resumes/x_1", timeout=15)
        assert r.status_code == 503 and r.json()["error_code"] == "SERVICE_UNAVAILABLE"
    finally:
        assert edge.stop() == 0


def test_role_flags_are_checked(tmp_path):
    import subprocess

    from conftest import BINARY

    missing = subprocess.run([str(BINARY), "serve", "--role", "edge"], capture_output=True, text=True, timeout=30)
    assert missing.returncode != 0 and "--resume-addr" in missing.stderr
    bad = subprocess.run(
        [str(BINARY), "serve", "--role", "edge", "--resume-addr", "localhost"], capture_output=True, text=True, timeout=30
    )
    assert bad.returncode != 0 and "missing port" in bad.stderr


def test_a_browser_stream_survives_a_restart_of_the_services_behind_the_edge(tmp_path):
    """The services process dies mid-task and comes back on the same port: the edge resumes its
    WatchTask call after the last event it relayed, so the browser's one SSE response goes on —
    event ids still increasing — to `completed` and `close` (the recovered process re-runs the
    task), instead of ending in an error."""
    data = tmp_path / "data"
    grpc_port, services_http = free_port(), free_port()
    services_args = ["--grpc-port", str(grpc_port), "--http-port", str(services_http), "--data-dir", str(data)]
    slow = {"COACH_BUILTIN_LATENCY_MS": "2500"}
    services = CoachProcess("services", services_args, env=slow).start()
    http_port = free_port()
    address = f"127.0.0.1:{grpc_port}"
    edge = CoachProcess(
        "edge",
        ["--role", "edge", "--http-port", str(http_port), "--resume-addr", address, "--interview-addr", address,
         "--learning-addr", address],
    )
    restarted = None
    try:
        wait_grpc_ready(grpc_port, services)
        edge.start()
        base = f"http://127.0.0.1:{http_port}"
        wait_http_ready(base, edge)
        key = requests.post(base + "/api/v1/resumes", json=fixture_resumes()["senior-platform-en"], timeout=10).json()["unique_key"]
        task = requests.post(base + f"/api/v1/interview/async/{key.replace(' ', '%20')}/questions", json={"language": "en"}, timeout=10).json()["task_id"]

        with requests.get(base + f"/api/v1/interview/tasks/{task}/stream", stream=True, timeout=60) as response:
            assert response.status_code == 200
            events, current = [], {}
            for line in response.iter_lines(decode_unicode=True):
                if line:
                    field, _, value = line.partition(":")
                    current[field] = value.strip()
                    continue
                if "event" in current:
                    events.append(current)
                    if current.get("event") == "progress" and current.get("data", "").find('"calling_llm"') >= 0 and restarted is None:
                        # Mid-task: kill the services and start them again on the same ports.
                        assert services.stop(signal.SIGKILL) != 0
                        restarted = CoachProcess("services-restarted", services_args, env=slow).start()
                current = {}

        kinds = [e["event"] for e in events]
        assert restarted is not None, kinds
        assert kinds[-2:] == ["completed", "close"], kinds
        ids = [int(e["id"]) for e in events if "id" in e]
        assert ids == sorted(set(ids)), ids
    finally:
        edge.stop()
        services.stop()
        if restarted:
            restarted.stop()


def test_resume_role_needs_the_generation_services_it_deletes_through(tmp_path):
    """A resume role that could not delete a resume's generated data refuses to start."""
    result = subprocess.run(
        [str(BINARY), "serve", "--role", "resume", "--grpc-port", str(free_port()), "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode != 0
    assert "--interview-addr" in result.stderr
