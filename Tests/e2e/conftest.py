"""End-to-end fixtures: the real `interview-coach` binary on free loopback ports, Python gRPC
stubs generated from Protos/ at test time, and the shared sample resumes."""

import importlib.machinery
import importlib.util
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "examples" / "resumes"
BINARY = pathlib.Path(os.environ.get("COACH_BIN", ROOT / ".build" / "debug" / "interview-coach"))
ARTIFACTS = ROOT / "Tests" / "e2e" / ".artifacts"


# scripts/free-ports, loaded by path (its name is a command's, not a module's).
_loader = importlib.machinery.SourceFileLoader("free_ports", str(ROOT / "scripts" / "free-ports"))
_FREE_PORTS = importlib.util.module_from_spec(importlib.util.spec_from_loader("free_ports", _loader))
_loader.exec_module(_FREE_PORTS)


def free_port() -> int:
    """A loopback port nothing listens on now, never given out before in this run, and below the
    kernel's ephemeral range: a port from that range (what binding port 0 returns) can be taken as
    the local port of an outgoing connection — to Redis, MongoDB, a fake upstream — between this
    call and the moment the process it is meant for binds it (a mesh once failed to start so)."""
    return _FREE_PORTS.pick(1)[0]


def fixture_resumes() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.json"))}


class CoachProcess:
    """One `interview-coach serve` process; its log goes to a file under .artifacts/."""

    def __init__(self, name: str, args: list[str], env: dict | None = None):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}-{int(time.time() * 1000)}.log"
        self.args = [str(BINARY), "serve", "--host", "127.0.0.1", *args]
        # Backends are chosen per test (see BACKENDS), never inherited from the CI environment.
        inherited = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MONGODB_DATABASE", "REDIS_URL")}
        self.env = {**inherited, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self) -> "CoachProcess":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        return self

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=15) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
            raise AssertionError(f"process did not stop within {timeout}s after {sig!r}")
        finally:
            self._log.close()
        self.proc = None
        return code


def wait_http_ready(base: str, process: CoachProcess, path="/readyz", timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.proc.poll() is not None:
            raise AssertionError(f"process exited early ({process.proc.returncode}):\n{process.log()[-3000:]}")
        try:
            if requests.get(base + path, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base}{path} not ready in {timeout}s:\n{process.log()[-3000:]}")


def wait_grpc_ready(port: int, process: CoachProcess, timeout=30.0):
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.proc.poll() is not None:
            raise AssertionError(f"process exited early:\n{process.log()[-3000:]}")
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
        except grpc.RpcError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gRPC port {port} not ready:\n{process.log()[-3000:]}")


class Server:
    """`interview-coach serve` (all roles) with its ports and data dir; restartable."""

    def __init__(self, data_dir: pathlib.Path, args: list[str] | None = None, env: dict | None = None):
        self.data_dir = data_dir
        self.extra_args = args or []
        self.env = env or {}
        self.http_port = free_port()
        self.grpc_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.process: CoachProcess | None = None

    def start(self):
        self.process = CoachProcess(
            "serve",
            ["--http-port", str(self.http_port), "--grpc-port", str(self.grpc_port), "--data-dir", str(self.data_dir), *self.extra_args],
            env=self.env,
        ).start()
        wait_http_ready(self.base, self.process)
        return self

    def stop(self) -> int:
        return self.process.stop() if self.process else 0

    def stop_with(self, sig) -> int:
        return self.process.stop(sig) if self.process else 0

    def url(self, path: str) -> str:
        return self.base + path


# Every test that uses `server` runs on the embedded SQLite default and, when CI provides a
# MongoDB-wire server (MONGODB_URI, see scripts/with-mongodb), on MongoDB too.
BACKENDS = ["sqlite"] + (["mongodb"] if os.environ.get("MONGODB_URI") else [])


def backend_env(backend: str) -> dict:
    """Environment selecting `backend`; each MongoDB server gets a database of its own."""
    if backend == "sqlite":
        return {}
    import uuid

    return {"MONGODB_URI": os.environ["MONGODB_URI"], "MONGODB_DATABASE": f"coach_e2e_{uuid.uuid4().hex[:12]}"}


@pytest.fixture(params=BACKENDS)
def server(request, tmp_path):
    s = Server(tmp_path / "data", env=backend_env(request.param)).start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def stubs():
    """Python modules generated from Protos/ now, so the test proves the .proto files are usable."""
    from grpc_tools import protoc

    out = pathlib.Path(tempfile.mkdtemp(prefix="coach-stubs-"))
    protos = [str(p.relative_to(ROOT / "Protos")) for p in (ROOT / "Protos" / "interviewcoach").rglob("*.proto")]
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    code = protoc.main(["protoc", f"-I{ROOT / 'Protos'}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *protos])
    assert code == 0, "grpc_tools.protoc failed"
    sys.path.insert(0, str(out))
    import importlib

    modules = {}
    for name in [
        "resume_pb2", "resume_service_pb2", "resume_service_pb2_grpc", "generation_pb2", "task_pb2",
        "interview_service_pb2", "interview_service_pb2_grpc", "learning_service_pb2", "learning_service_pb2_grpc",
        "task_service_pb2", "task_service_pb2_grpc",
    ]:
        modules[name] = importlib.import_module(f"interviewcoach.v1.{name}")
    return modules


def iter_sse(response):
    """Yields the events of a text/event-stream response ({"id", "event", "data", "comment"}) as they
    arrive; `data` is parsed as JSON."""
    current = {}
    for raw in response.iter_lines(decode_unicode=True):
        line = raw if raw is not None else ""
        if line == "":
            if current:
                yield current
                current = {}
            continue
        if line.startswith(":"):
            yield {"comment": line[1:].strip()}
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            current["data"] = json.loads(value)
        else:
            current[field] = value
    if current:
        yield current


def read_sse(response) -> list[dict]:
    """Parses a text/event-stream response into [{"id", "event", "data", "comment"}] until it ends."""
    return list(iter_sse(response))


def create_resume(server, name: str = "senior-platform-en", **changes) -> str:
    body = dict(fixture_resumes()[name], **changes)
    r = requests.post(server.url("/api/v1/resumes"), json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["unique_key"]
