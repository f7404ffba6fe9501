"""Runs the InterviewCoach benchmarks against release builds and prints one table per benchmark.

Started by `bench/run-all`, which builds, provides Redis and a MongoDB-wire server
(REDIS_URL / MONGODB_URI), and raises the file limit. Alone:

    .venv-e2e/bin/python bench/bench.py [--only rest,grpc,pipeline,io,sse,footprint,practice,observability] [--quick] [--profile]

COACH_BIN overrides the `interview-coach` binary (default: the release build), e.g. a debug build
to try a benchmark quickly (its figures are not comparable).

Every server it starts runs on a free loopback port with its own temporary data directory and is
stopped on exit, whatever happens. Figures are printed and written to bench/results/latest.json;
nothing is asserted. Next to each load figure the table shows the CPU each process used during
the run (from /proc: 100% = one core), which is how the bottleneck is located; `--profile` also
samples the busiest server with `perf` and prints its hottest functions.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import importlib.machinery
import importlib.util
import json
import os
import pathlib
import re
import resource
import shutil
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
RELEASE = ROOT / ".build" / "release"
COACH = pathlib.Path(os.environ.get("COACH_BIN") or RELEASE / "interview-coach")
BENCH = RELEASE / "coach-bench"
RESULTS = ROOT / "bench" / "results"
FIXTURE = ROOT / "examples" / "resumes" / "senior-platform-en.json"
OTLP_SINK = ROOT / "bench" / "otlp_sink.py"
FAKE_LLM = ROOT / "Tests" / "e2e" / "fake_llm.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

WORK = pathlib.Path(tempfile.mkdtemp(prefix="coach-bench-"))
PROCESSES: list["Proc"] = []
OPTIONS = argparse.Namespace(quick=False, profile=False)


# ---------------------------------------------------------------------------------------------
# processes


# scripts/free-ports (ports below the ephemeral range, never the same twice in a run), by path.
_loader = importlib.machinery.SourceFileLoader("free_ports", str(ROOT / "scripts" / "free-ports"))
_FREE_PORTS = importlib.util.module_from_spec(importlib.util.spec_from_loader("free_ports", _loader))
_loader.exec_module(_FREE_PORTS)


def free_port() -> int:
    return _FREE_PORTS.pick(1)[0]


class Proc:
    """A background process whose output goes to a log file under the work directory."""

    def __init__(self, name: str, args: list[str], env: dict | None = None):
        self.name = name
        self.args = [str(a) for a in args]
        self.env = env
        self.log_path = WORK / f"{name}-{len(PROCESSES)}.log"
        self.popen: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> "Proc":
        self.started_at = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        PROCESSES.append(self)
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self):
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self in PROCESSES:
            PROCESSES.remove(self)

    def rss_mib(self) -> float:
        return rss_mib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]


def rss_mib(pid: int) -> float:
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except OSError:
        return 0.0


def stop_all():
    for proc in list(reversed(PROCESSES)):
        try:
            proc.stop()
        except Exception:
            pass
    shutil.rmtree(WORK, ignore_errors=True)


atexit.register(stop_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def server_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MONGODB_DATABASE", "REDIS_URL")}
    env.update({"LOG_LEVEL": "warning", "LOG_FORMAT": "text"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Coach:
    """One `interview-coach serve` process, started and waited for until it is ready."""

    def __init__(self, name: str, role: str = "all", env: dict | None = None, args: list[str] | None = None, data_dir=None):
        self.http_port = free_port()
        self.grpc_port = free_port()
        self.role = role
        self.data_dir = data_dir or (WORK / f"data-{name}-{time.monotonic_ns()}")
        self.proc = Proc(
            name,
            [COACH, "serve", "--role", role, "--host", "127.0.0.1", "--http-port", self.http_port,
             "--grpc-port", self.grpc_port, "--data-dir", self.data_dir, *(args or [])],
            env=server_env(**(env or {})),
        )
        self.ready_seconds = 0.0

    def start(self) -> "Coach":
        self.proc.start()
        if self.role in ("all", "edge"):
            wait_until(lambda: http_status(self.url("/readyz")) == 200, self.proc)
        else:
            wait_until(lambda: grpc_serving(self.grpc_port), self.proc)
        self.ready_seconds = time.monotonic() - self.proc.started_at
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"

    @property
    def grpc(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def stop(self):
        self.proc.stop()


def wait_until(check, proc: Proc, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited early:\n{proc.tail()}")
        if check():
            return
        time.sleep(0.01)
    raise RuntimeError(f"{proc.name} not ready after {timeout} s:\n{proc.tail()}")


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def grpc_serving(port: int) -> bool:
    """SERVING from grpc.health.v1. The port is probed with a plain connect first: a gRPC channel
    that found nothing listening waits out a 1 s reconnect backoff, which would be measured as
    start-up time."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2, wait_for_ready=True)
            return reply.status == health_pb2.HealthCheckResponse.SERVING
        except grpc.RpcError:
            return False


def http_json(method: str, url: str, body=None, key: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def create_resume(coach: Coach, key: str | None = None) -> str:
    return http_json("POST", coach.url("/api/v1/resumes"), json.loads(FIXTURE.read_text()), key=key)["unique_key"]


# The admin key of the "API keys on" runs; the benchmark's client uses a tenant key created with it.
BENCH_ADMIN_KEY = "bench-admin-key-0123456789abcdef"


class CpuMeter:
    """CPU used by each named process (and by finished child processes: the load tool) during a block.
    `load=False`: no child process generates the load (it runs in this process, named in `processes`)."""

    def __init__(self, processes: dict[str, int], load: bool = True):
        self.processes = processes
        self.load = load

    def __enter__(self):
        self.start = time.monotonic()
        self.before = {name: cpu_seconds(pid) for name, pid in self.processes.items()}
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *_):
        wall = time.monotonic() - self.start
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.seconds = {name: cpu_seconds(pid) - self.before[name] for name, pid in self.processes.items()}
        self.percent = {name: round(100 * used / wall) for name, used in self.seconds.items()}
        if self.load:
            self.percent["load"] = round(100 * ((children.ru_utime + children.ru_stime) - (self.children.ru_utime + self.children.ru_stime)) / wall)

    def text(self) -> str:
        return " ".join(f"{name} {value}%" for name, value in self.percent.items())


def run_tool(args: list, timeout: float = 600) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def bench_json(args: list, timeout: float = 600) -> dict:
    return json.loads(run_tool([BENCH, *args], timeout).strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# profiling


def profile_during(pid: int, seconds: float, label: str):
    """Samples `pid` with perf (cpu-clock) for `seconds` in the background; returns a finisher that
    prints the hottest functions (self time, Swift names demangled)."""
    if not OPTIONS.profile or not shutil.which("perf"):
        return lambda: None
    data = WORK / f"perf-{label}.data"
    recorder = subprocess.Popen(
        ["perf", "record", "-q", "-e", "cpu-clock", "-F", "499", "-p", str(pid), "-o", str(data), "--", "sleep", str(seconds)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def perf_report(*sort: str) -> str:
        report = subprocess.run(
            ["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", ",".join(sort), "--percent-limit", "1"],
            capture_output=True, text=True).stdout
        demangler = shutil.which("swift-demangle") or shutil.which("swift")
        if demangler:
            command = [demangler] if demangler.endswith("swift-demangle") else [demangler, "demangle"]
            report = subprocess.run([*command, "--simplified"], input=report, capture_output=True, text=True).stdout or report
        return report

    def finish():
        recorder.wait()
        by_library = perf_report("dso")
        by_function = perf_report("dso", "symbol")

        def top(report: str, count: int) -> str:
            lines = [l for l in report.splitlines() if l.strip() and not l.startswith("#")][:count]
            return "\n".join("  " + re.sub(r"\s+", " ", l.strip())[:150] for l in lines)

        print(f"perf ({label}): CPU samples by library\n{top(by_library, 8)}\n  hottest functions (self time)\n{top(by_function, 12)}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"perf-{label}.txt").write_text(by_library + "\n" + by_function)

    return finish


# ---------------------------------------------------------------------------------------------
# tables


def table(title: str, headers: list[str], rows: list[list]):
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    sys.stdout.flush()


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


# ---------------------------------------------------------------------------------------------
# 1. REST through the edge vs a bare Hummingbird route (wrk)


def wrk(url: str, seconds: float, connections: int = 32, script: pathlib.Path | None = None) -> dict:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        args += ["-s", str(script)]
    out = run_tool([*args, url], timeout=seconds + 60)

    def duration(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": duration(latency["50"]),
        "p99": duration(latency["99"]),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, errors.groups())) if errors else 0),
    }


def post_script(body: dict, key: str | None = None) -> pathlib.Path:
    path = WORK / ("post-key.lua" if key else "post.lua")
    path.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        + (f'wrk.headers["Authorization"] = "Bearer {key}"\n' if key else "")
        + f"wrk.body = [==[{json.dumps(body)}]==]\n")
    return path


def get_script(key: str) -> pathlib.Path:
    path = WORK / "get-key.lua"
    path.write_text(f'wrk.headers["Authorization"] = "Bearer {key}"\n')
    return path


def bench_rest(results: dict):
    seconds = 3 if OPTIONS.quick else 8
    body = json.loads(FIXTURE.read_text())
    script = post_script(body)
    rows = []
    modes = [("embedded (SQLite, in-process queue)", {}), ("embedded, API keys on", {"COACH_ADMIN_KEY": BENCH_ADMIN_KEY})]
    if os.environ.get("MONGODB_URI") and os.environ.get("REDIS_URL"):
        modes.append(("MongoDB (SecantusDB) + Redis", {"MONGODB_URI": os.environ["MONGODB_URI"], "REDIS_URL": os.environ["REDIS_URL"],
                                                      "MONGODB_DATABASE": f"bench_{int(time.time())}"}))
    for mode, env in modes:
        coach = Coach("rest", env=env).start()
        api_key = None
        if "COACH_ADMIN_KEY" in env:
            # A tenant key with the scopes the requests need (verified from the cache, like any key).
            api_key = http_json("POST", coach.url("/api/v1/admin/keys"),
                                {"tenant": "bench", "scopes": ["resumes:read", "resumes:write"]}, key=BENCH_ADMIN_KEY)["key"]
        key = create_resume(coach, api_key)
        stored = WORK / "stored.json"
        read = urllib.request.Request(coach.url(f"/api/v1/resumes/{urllib.parse.quote(key)}"),
                                      headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
        with urllib.request.urlopen(read) as response:
            stored.write_bytes(response.read())
        bare_port = free_port()
        bare = Proc("bare", [BENCH, "bare-http", "--port", bare_port, "--body", stored]).start()
        wait_until(lambda: http_status(f"http://127.0.0.1:{bare_port}/bare") == 200, bare)
        database = mongo_pid() if "MONGODB_URI" in env else None
        for op, path, bare_path, use_script in [
            ("GET resume", f"/api/v1/resumes/{urllib.parse.quote(key)}", "/bare", get_script(api_key) if api_key else None),
            ("POST resume", "/api/v1/resumes", "/bare", post_script(body, api_key) if api_key else script),
        ]:
            wrk(coach.url(path), 1, script=use_script)  # warm-up
            watched = {"serve": coach.proc.pid, **({"mongodb": database} if database else {})}
            with CpuMeter(watched) as edge_cpu:
                finish = profile_during(
                    coach.proc.pid, seconds - 1,
                    f"rest-{op.split()[0].lower()}-{'mongo' if 'MONGODB_URI' in env else 'keys' if api_key else 'embedded'}")
                edge = wrk(coach.url(path), seconds, script=use_script)
                finish()
            wrk(f"http://127.0.0.1:{bare_port}{bare_path}", 1, script=use_script)
            with CpuMeter({"bare": bare.pid}) as bare_cpu:
                ceiling = wrk(f"http://127.0.0.1:{bare_port}{bare_path}", seconds, script=use_script)
            rows.append([
                mode, op, f"{edge['rps']:.0f}", ms(edge["p50"]), ms(edge["p99"]), edge["errors"],
                f"{ceiling['rps']:.0f}", f"{edge['rps'] / ceiling['rps']:.2f}", edge_cpu.text(), bare_cpu.text(),
            ])
            results.setdefault("rest", []).append({"mode": mode, "op": op, "edge": edge, "bare": ceiling,
                                                   "cpu": edge_cpu.percent, "bare_cpu": bare_cpu.percent})
        bare.stop()
        coach.stop()
    table(
        f"REST through the edge vs a bare Hummingbird route (wrk, 1 thread, 32 connections, {seconds} s)",
        ["mode", "request", "edge req/s", "p50 ms", "p99 ms", "errors", "bare req/s", "edge/bare", "CPU (edge run)", "CPU (bare run)"],
        rows)


def server_pid(program: str, url: str, port_format: str) -> int | None:
    """The pid of the `program` process serving `url`'s port (its command line names the port)."""
    port = url.rsplit(":", 1)[-1].split("/")[0]
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if program in command and port_format.format(port) in command:
                return int(entry.name)
    return None


def mongo_pid() -> int | None:
    return server_pid("secantusd", os.environ.get("MONGODB_URI", ""), "--port {}")


# ---------------------------------------------------------------------------------------------
# 2. gRPC unary and server streaming (Swift client, h2load)


def grpc_frame(message: bytes) -> bytes:
    return b"\x00" + len(message).to_bytes(4, "big") + message


def bench_grpc(results: dict):
    seconds = 3 if OPTIONS.quick else 6
    coach = Coach("grpc", env={"COACH_WORKER_CONCURRENCY": 4}).start()
    key = create_resume(coach)
    task = http_json("POST", coach.url(f"/api/v1/interview/async/{urllib.parse.quote(key)}/questions"), {"language": "en"})["task_id"]
    wait_until(lambda: http_json("GET", coach.url(f"/api/v1/interview/tasks/{task}/progress"))["state"] in ("SUCCESS", "FAILURE"), coach.proc)
    rows = []
    for rpc, concurrency, connections in [("get-resume", 1, 1), ("get-resume", 64, 1), ("get-resume", 64, 4), ("watch-task", 64, 1)]:
        args = ["grpc", "--target", coach.grpc, "--rpc", rpc, "--concurrency", concurrency, "--connections", connections,
                "--duration", seconds]
        args += ["--key", key] if rpc == "get-resume" else ["--task", task]
        with CpuMeter({"serve": coach.proc.pid}) as cpu:
            finish = profile_during(coach.proc.pid, seconds, f"grpc-{rpc}-{concurrency}") if concurrency > 1 and connections == 1 else (lambda: None)
            report = bench_json(args)
            finish()
        name = "GetResume (unary)" if rpc == "get-resume" else f"WatchTask (stream of {report['messages'] // max(report['calls'], 1)} events)"
        rows.append([name, "coach-bench (Swift)", concurrency, connections, f"{report['callsPerSecond']:.0f}",
                     f"{report['messagesPerSecond']:.0f}", ms(report["latencyMs"]["p50"]), ms(report["latencyMs"]["p99"]),
                     report["errors"], cpu.text()])
        results.setdefault("grpc", []).append({**report, "cpu": cpu.percent})

    if shutil.which("h2load"):
        body = WORK / "get-resume.bin"
        body.write_bytes(grpc_frame(b"\x0a" + bytes([len(key.encode())]) + key.encode()))
        requests = 20000 if OPTIONS.quick else 60000
        with CpuMeter({"serve": coach.proc.pid}) as cpu:
            out = run_tool(["h2load", "-n", requests, "-c", "1", "-m", "64", "-t", "1", "-d", body,
                            "-H", "content-type: application/grpc", "-H", "te: trailers",
                            f"http://{coach.grpc}/interviewcoach.v1.ResumeService/GetResume"])
        rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
        mean = re.search(r"time for request:\s+\S+\s+\S+\s+(\S+)", out).group(1)
        succeeded = int(re.search(r"(\d+) succeeded", out).group(1))
        mean_ms = float(mean[:-2]) if mean.endswith("ms") else float(mean[:-2]) / 1000 if mean.endswith("us") else float(mean[:-1]) * 1000
        rows.append(["GetResume (unary)", "h2load", 64, 1, f"{rps:.0f}", f"{rps:.0f}", f"mean {ms(mean_ms)}", "-",
                     requests - succeeded, cpu.text()])
        results.setdefault("grpc", []).append({"tool": "h2load", "rps": rps, "mean_ms": mean_ms, "cpu": cpu.percent})
    coach.stop()
    table(f"gRPC over HTTP/2 (plaintext, loopback, {seconds} s per row)",
          ["call", "client", "in flight", "connections", "calls/s", "messages/s", "p50 ms", "p99 ms", "errors", "CPU"], rows)


# ---------------------------------------------------------------------------------------------
# 3. async pipeline overhead (builtin provider, zero latency)


def redis_flush():
    url = os.environ["REDIS_URL"]
    run_tool(["redis-cli", "-u", url, "FLUSHALL"])


def bench_pipeline(results: dict):
    count = 200 if OPTIONS.quick else 600
    rows = []
    setups = [("in-process queue", 0, 1)]
    if os.environ.get("REDIS_URL"):
        setups += [("Redis Streams, 1 worker", 1, 1), ("Redis Streams, 2 workers", 1, 2)]
    for label, redis, workers in setups:
        env = {"COACH_WORKER_CONCURRENCY": 16}
        if redis:
            redis_flush()
            env["REDIS_URL"] = os.environ["REDIS_URL"]
        coach = Coach("pipeline", env=env).start()
        extra = []
        for index in range(workers - 1):
            extra.append(Coach(f"worker{index}", role="worker", env=env, data_dir=coach.data_dir,
                               args=["--resume-addr", coach.grpc]).start())
        key = create_resume(coach)
        bench_json(["pipeline", "--target", coach.grpc, "--key", key, "--tasks", 20])  # warm-up
        watched = {"serve": coach.proc.pid, **{f"worker{i + 2}": w.proc.pid for i, w in enumerate(extra)}}
        if redis and (pid := redis_pid()):
            watched["redis"] = pid
        with CpuMeter(watched) as cpu:
            finish = profile_during(coach.proc.pid, 4, f"pipeline-{'redis' if redis else 'inprocess'}-{workers}") if workers == 1 else (lambda: None)
            report = bench_json(["pipeline", "--target", coach.grpc, "--key", key, "--tasks", count, "--submitters", 16])
            finish()
        rows.append([label, count, report["succeeded"], report["failed"] + report["unfinished"], f"{report['tasksPerSecond']:.0f}",
                     f"{report['submitPerSecond']:.0f}", ms(report["latencyMs"]["p50"]), ms(report["latencyMs"]["p99"]),
                     report["peakInFlight"], cpu.text()])
        results.setdefault("pipeline", []).append({"setup": label, **report, "cpu": cpu.percent})
        for worker in extra:
            worker.stop()
        coach.stop()
    table("Async pipeline, builtin provider with no latency (worker concurrency 16 per worker; half questions, half learning paths)",
          ["queue", "tasks", "succeeded", "failed", "tasks/s", "starts/s", "p50 ms", "p99 ms", "peak open tasks", "CPU"], rows)


def redis_pid() -> int | None:
    return server_pid("redis-server", os.environ["REDIS_URL"], ":{}")


# ---------------------------------------------------------------------------------------------
# 4. I/O concurrency against an OpenAI-compatible upstream that answers after 2 s


def bench_io(results: dict):
    latency = 2.0
    fake_port = free_port()
    fake = Proc("fake-llm", [sys.executable, FAKE_LLM, fake_port, "--latency", latency, "--quiet"]).start()
    wait_until(lambda: http_status(f"http://127.0.0.1:{fake_port}/healthz") == 200, fake)
    rows = []
    levels = [16, 128] if OPTIONS.quick else [16, 64, 256]
    for concurrency in levels:
        env = {
            "LLM_PROVIDERS": "compatible", "COMPATIBLE_BASE_URL": f"http://127.0.0.1:{fake_port}", "COMPATIBLE_API_KEY": "cp-test",
            "COMPATIBLE_MODEL": "local-test-7b", "COMPATIBLE_TIMEOUT": 60, "COACH_WORKER_CONCURRENCY": concurrency,
            # Whole answers: the fake streams its answer in timed pieces, which would add to the 2 s.
            "COMPATIBLE_STREAM": "false",
        }
        coach = Coach("io", env=env).start()
        key = create_resume(coach)
        http_json("POST", f"http://127.0.0.1:{fake_port}/_control/reset", {})
        tasks = concurrency * 4
        with CpuMeter({"serve": coach.proc.pid, "fake upstream": fake.pid}) as cpu:
            report = bench_json(["pipeline", "--target", coach.grpc, "--key", key, "--tasks", tasks, "--submitters", 16])
        stats = http_json("GET", f"http://127.0.0.1:{fake_port}/_control/stats")
        ideal = concurrency / latency
        rows.append([concurrency, tasks, report["succeeded"], f"{report['tasksPerSecond']:.1f}", f"{ideal:.0f}",
                     f"{report['tasksPerSecond'] / ideal:.0%}", stats["peak_in_flight"], f"{report['meanInFlight']:.0f}",
                     ms(report["latencyMs"]["p50"]), cpu.text()])
        results.setdefault("io", []).append({"concurrency": concurrency, **report, "upstream": stats, "cpu": cpu.percent})
        coach.stop()
    fake.stop()
    table(f"I/O concurrency: OpenAI-compatible upstream answering after {latency:.0f} s",
          ["worker concurrency", "tasks", "succeeded", "tasks/s", "ideal tasks/s", "of ideal", "peak upstream calls in flight",
           "mean tasks in flight", "p50 task ms", "CPU"], rows)


# ---------------------------------------------------------------------------------------------
# 5. SSE fan-out on one edge


def bench_sse(results: dict):
    rows = []
    levels = [1000, 5000] if OPTIONS.quick else [100, 1000, 10000]
    tasks = 8
    for streams in levels:
        # The tasks must outlive the time it takes to open every stream.
        latency_ms = 3000 + streams * 2
        services = Coach("sse-services", env={"COACH_BUILTIN_LATENCY_MS": latency_ms, "COACH_WORKER_CONCURRENCY": tasks}).start()
        edge = Coach("sse-edge", role="edge", args=["--resume-addr", services.grpc, "--interview-addr", services.grpc,
                                                    "--learning-addr", services.grpc]).start()
        key = create_resume(services)
        ids = [http_json("POST", edge.url(f"/api/v1/interview/async/{urllib.parse.quote(key)}/questions"), {"language": "en"})["task_id"] for _ in range(tasks)]
        ready_file = WORK / f"sse-ready-{streams}"
        peak = {"rss": edge.proc.rss_mib()}
        idle_rss = peak["rss"]
        stop = threading.Event()

        def sample():
            while not stop.wait(0.2):
                peak["rss"] = max(peak["rss"], edge.proc.rss_mib())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        with CpuMeter({"edge": edge.proc.pid, "services": services.proc.pid}) as cpu:
            finish = profile_during(edge.proc.pid, latency_ms / 1000 + 2, f"sse-edge-{streams}") if streams == levels[-1] else (lambda: None)
            out = run_tool([sys.executable, ROOT / "bench" / "sse_client.py", "--port", edge.http_port, "--streams", streams,
                            "--ready-file", ready_file, "--timeout", latency_ms / 1000 + 60,
                            *[arg for i in ids for arg in ("--path", f"/api/v1/interview/tasks/{i}/stream")]])
            finish()
        stop.set()
        sampler.join()
        report = json.loads(out.strip().splitlines()[-1])
        connect = float(ready_file.read_text()) if ready_file.exists() else float("nan")
        rows.append([streams, report["connected"], report["closed"] - report["error_events"], report["failed"] + report["error_events"], f"{connect:.1f}", report["live_events"],
                     ms(report["delay_ms"]["p50"]), ms(report["delay_ms"]["p99"]), ms(report["delay_ms"]["max"]),
                     f"{idle_rss:.0f} → {peak['rss']:.0f}", f"{(peak['rss'] - idle_rss) * 1024 / max(streams, 1):.0f}", cpu.text()])
        results.setdefault("sse", []).append({**report, "connect_seconds": connect, "edge_rss_idle_mib": idle_rss,
                                              "edge_rss_peak_mib": peak["rss"], "cpu": cpu.percent})
        edge.stop()
        services.stop()
    table(f"SSE fan-out: N streams over {tasks} running tasks on one edge process (services in another)",
          ["streams", "connected", "completed + close", "failed", "connect s", "live events", "delay p50 ms", "delay p99 ms",
           "delay max ms", "edge RSS MiB", "KiB/stream", "CPU (whole run)"], rows)


# ---------------------------------------------------------------------------------------------
# 6. footprint


def bench_footprint(results: dict):
    rows = []
    base = Coach("footprint-base").start()
    roles = [("all", {}, []), ("resume", {}, []), ("interview", {}, ["--resume-addr", base.grpc]),
             ("learning", {}, ["--resume-addr", base.grpc]),
             ("edge", {}, ["--resume-addr", base.grpc, "--interview-addr", base.grpc, "--learning-addr", base.grpc])]
    if os.environ.get("REDIS_URL"):
        roles.append(("worker", {"REDIS_URL": os.environ["REDIS_URL"]}, ["--resume-addr", base.grpc]))
    for role, env, args in roles:
        samples = []
        for _ in range(1 if OPTIONS.quick else 3):
            coach = Coach(f"footprint-{role}", role=role, env=env, args=args).start()
            time.sleep(2)
            samples.append((coach.ready_seconds, coach.proc.rss_mib()))
            coach.stop()
        ready = sorted(s[0] for s in samples)[len(samples) // 2]
        rss = sorted(s[1] for s in samples)[len(samples) // 2]
        rows.append([role, f"{ready * 1000:.0f}", f"{rss:.1f}"])
        results.setdefault("footprint", []).append({"role": role, "ready_ms": ready * 1000, "idle_rss_mib": rss})
    base.stop()
    size = COACH.stat().st_size / 1024 / 1024
    table(f"Footprint per role (median of {1 if OPTIONS.quick else 3} starts; release binary {size:.0f} MiB)",
          ["role", "start → ready ms", "idle RSS MiB (2 s after ready)"], rows)


# ---------------------------------------------------------------------------------------------
# 7. practice sessions: bidirectional gRPC streams held at once, answers evaluated per second


# A realistic answer (~80 words): a project, its steps, numbers, a trade-off. It covers some key
# points of most questions and not all, so sessions also get follow-up prompts.
PRACTICE_ANSWER = (
    "In my last role I led the migration of our order service from a monolith to Kubernetes. I split the work "
    "into three phases: first I added Prometheus metrics and alerts, then I moved traffic gradually behind a "
    "feature flag, and finally I removed the old code paths. We cut p99 latency by 40% and reduced incidents "
    "from 12 to 3 per quarter. The main trade-off was operational complexity, so I wrote runbooks and trained "
    "the on-call team."
)


def practice_stubs():
    """(practice_service_pb2, practice_service_pb2_grpc), generated from Protos/ now with grpc_tools
    (as Tests/e2e/conftest.py does)."""
    import importlib

    from grpc_tools import protoc

    out = WORK / "stubs"
    if not (out / "interviewcoach" / "v1" / "practice_service_pb2_grpc.py").exists():
        out.mkdir(parents=True, exist_ok=True)
        protos = [str(p.relative_to(ROOT / "Protos")) for p in (ROOT / "Protos" / "interviewcoach").rglob("*.proto")]
        include = pathlib.Path(protoc.__file__).parent / "_proto"
        code = protoc.main(["protoc", f"-I{ROOT / 'Protos'}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *protos])
        if code != 0:
            raise RuntimeError("grpc_tools.protoc failed on Protos/")
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    return (importlib.import_module("interviewcoach.v1.practice_service_pb2"),
            importlib.import_module("interviewcoach.v1.practice_service_pb2_grpc"))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class PracticeClient:
    """One `Practice` stream of the benchmark (grpc.aio): start, then answer every prompt."""

    READ_TIMEOUT = 300.0  # seconds for one event; a hung stream fails the stream, not the run

    def __init__(self, stub, pm, deadline: float):
        self.pm = pm
        self.call = stub.Practice(timeout=deadline)
        self.finished = False  # the report arrived
        self.closed = False
        self.error: str | None = None

    async def read(self):
        event = await asyncio.wait_for(self.call.read(), self.READ_TIMEOUT)
        if event is grpc_aio_eof():
            raise RuntimeError("the stream ended where an event was expected")
        return event

    async def read_kind(self, *kinds: str):
        event = await self.read()
        kind = event.WhichOneof("event")
        if kind not in kinds:
            raise RuntimeError(f"expected {'/'.join(kinds)}, got {kind}")
        return kind, event

    async def open(self, unique_key: str, question_set_id: str):
        await self.call.write(self.pm.PracticeClientMessage(
            start=self.pm.StartSession(unique_key=unique_key, question_set_id=question_set_id, language="en")))
        await self.read_kind("session")
        await self.read_kind("progress")
        await self.read_kind("prompt")

    async def answer(self) -> float:
        """One answer → evaluation (its latency in ms is returned), progress, then prompt or report."""
        sent = time.monotonic()
        await self.call.write(self.pm.PracticeClientMessage(answer=self.pm.PracticeAnswer(text=PRACTICE_ANSWER)))
        await self.read_kind("evaluation")
        latency = (time.monotonic() - sent) * 1000
        await self.read_kind("progress")
        kind, _ = await self.read_kind("prompt", "report")
        self.finished = kind == "report"
        return latency

    async def close(self):
        """Half-closes; the server then ends the call (OK)."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.call.done_writing()
            while await asyncio.wait_for(self.call.read(), self.READ_TIMEOUT) is not grpc_aio_eof():
                pass
        except Exception as error:  # noqa: BLE001 - counted, never raised
            self.error = self.error or f"close: {error!r}"
            self.call.cancel()


def grpc_aio_eof():
    import grpc

    return grpc.aio.EOF


async def practice_run(coach: Coach, unique_key: str, question_set_id: str, streams: int, seconds: float) -> dict:
    import grpc

    pm, pg = practice_stubs()
    report: dict = {"streams": streams}
    # One HTTP/2 connection carries every stream (the server allows 65,536 per connection).
    channel = grpc.aio.insecure_channel(coach.grpc, options=[("grpc.max_receive_message_length", 16 * 1024 * 1024)])
    stub = pg.PracticeServiceStub(channel)
    call_deadline = 1800.0
    try:
        await asyncio.wait_for(channel.channel_ready(), 30)

        # Warm-up: a few whole steps (start, one answer, end), so first-use allocations (the
        # evaluator, the store's statements) are not counted as the sessions' memory.
        async def warm():
            client = PracticeClient(stub, pm, call_deadline)
            await client.open(unique_key, question_set_id)
            await client.answer()
            await client.close()
        await asyncio.gather(*(warm() for _ in range(8)))
        await asyncio.sleep(1)

        # 1. Sessions held at once.
        report["rss_before_mib"] = coach.proc.rss_mib()
        clients = [PracticeClient(stub, pm, call_deadline) for _ in range(streams)]

        async def open_one(client: PracticeClient) -> bool:
            try:
                await client.open(unique_key, question_set_id)
                return True
            except Exception as error:  # noqa: BLE001 - counted
                client.error = f"open: {error!r}"
                return False
        began = time.monotonic()
        with CpuMeter({"serve": coach.proc.pid, "client": os.getpid()}, load=False) as open_cpu:
            opened = await asyncio.gather(*(open_one(c) for c in clients))
        report["open_seconds"] = time.monotonic() - began
        report["opened"] = sum(opened)
        report["open_cpu"] = open_cpu.percent
        await asyncio.sleep(1)  # every stream stays open while the server's RSS is read
        report["rss_open_mib"] = coach.proc.rss_mib()
        report["kib_per_session"] = (report["rss_open_mib"] - report["rss_before_mib"]) * 1024 / max(report["opened"], 1)

        # 2. Answers per second: every open stream answers each prompt as soon as it has it, until
        # its session ends or the time is up (an answer in flight then still completes).
        live = [c for c, ok in zip(clients, opened) if ok]
        latencies: list[float] = []

        async def answer_loop(client: PracticeClient, stop_at: float):
            try:
                while not client.finished and time.monotonic() < stop_at:
                    latencies.append(await client.answer())
            except Exception as error:  # noqa: BLE001 - counted
                client.error = f"answer: {error!r}"
        began = time.monotonic()
        with CpuMeter({"serve": coach.proc.pid, "client": os.getpid()}, load=False) as cpu:
            await asyncio.gather(*(answer_loop(c, began + seconds) for c in live))
            elapsed = time.monotonic() - began
        report.update({
            "answer_seconds": elapsed,
            "evaluations": len(latencies),
            "answers_per_second": len(latencies) / elapsed if elapsed > 0 else 0.0,
            "latency_ms": {"p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99),
                           "max": max(latencies, default=float("nan"))},
            "sessions_finished": sum(c.finished for c in live),
            "cpu": cpu.percent,
            "rss_after_answers_mib": coach.proc.rss_mib(),
        })

        await asyncio.gather(*(c.close() for c in clients if c.error is None))
        errors = [c.error for c in clients if c.error]
        report["errors"] = len(errors)
        report["first_errors"] = errors[:3]
    finally:
        await channel.close()
    return report


def bench_practice(results: dict):
    streams = 200 if OPTIONS.quick else 1000
    seconds = 3 if OPTIONS.quick else 8
    coach = Coach("practice").start()
    key = create_resume(coach)
    # One question set, generated once: every session starts on it (none generates its own).
    question_set = http_json("POST", coach.url(f"/api/v1/interview/{urllib.parse.quote(key)}/questions"), {"language": "en"})
    report = asyncio.run(practice_run(coach, key, question_set["interview_id"], streams, seconds))
    coach.stop()
    if report["errors"]:
        print(f"practice: {report['errors']} streams failed, e.g. {report['first_errors']}")
    latency = report["latency_ms"]
    table(f"Practice sessions: N bidirectional Practice streams on one serve process (embedded SQLite, builtin provider; "
          f"one grpc.aio client, one HTTP/2 connection; answers for up to {seconds} s)",
          ["streams", "opened", "open s", "RSS before MiB", "RSS open MiB", "KiB/session", "answers", "answers/s",
           "p50 ms", "p99 ms", "sessions finished", "errors", "RSS after answers MiB", "CPU (answers)"],
          [[streams, report["opened"], f"{report['open_seconds']:.2f}", f"{report['rss_before_mib']:.0f}",
            f"{report['rss_open_mib']:.0f}", f"{report['kib_per_session']:.0f}", report["evaluations"],
            f"{report['answers_per_second']:.0f}", ms(latency["p50"]), ms(latency["p99"]), report["sessions_finished"],
            report["errors"], f"{report['rss_after_answers_mib']:.0f}", " ".join(f"{n} {v}%" for n, v in report["cpu"].items())]])
    results["practice"] = report


# ---------------------------------------------------------------------------------------------
# 8. What metrics and traces cost: the same build with each switched on and off, in one run


def bench_observability(results: dict):
    # All setups run at once (an idle server costs nothing) and take turns under load in short
    # runs, so the machine's drift — large on a shared VM: ±15 % between runs seconds apart — hits
    # each setup alike; every ratio is of a run to the baseline's run in the same round. Two
    # identical processes also differ (by up to ±10 % here: where their memory and threads land),
    # so every setup is started afresh for each of several blocks of rounds, and the baseline runs
    # as two processes: each round's reference is their mean, and how far each lies from it is the
    # noise floor of the table.
    seconds = 1
    blocks = 1 if OPTIONS.quick else 8
    rounds = 4 if OPTIONS.quick else 6  # per block
    pipeline_rounds = 1  # per block
    count = 200 if OPTIONS.quick else 300
    sinks = {}
    traced = {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio"}
    # Metrics and traces are separate switches, so each is measured alone against the baseline
    # (everything off), and traces also with metrics on, as a process that wants both runs.
    setups = [
        ("metrics off, no traces (baseline, process A)", {"COACH_METRICS": "off"}),
        ("metrics off, no traces (baseline, process B)", {"COACH_METRICS": "off"}),
        ("metrics on (the default)", {}),
        ("traces sampled 1.0 (metrics off)", {"COACH_METRICS": "off", **traced, "OTEL_TRACES_SAMPLER_ARG": "1.0"}),
        ("traces sampled 0.01 (metrics off)", {"COACH_METRICS": "off", **traced, "OTEL_TRACES_SAMPLER_ARG": "0.01"}),
        ("metrics on, traces sampled 1.0", {**traced, "OTEL_TRACES_SAMPLER_ARG": "1.0"}),
        ("metrics on, traces sampled 0.01", {**traced, "OTEL_TRACES_SAMPLER_ARG": "0.01"}),
    ]
    environments = {}
    for label, env in setups:
        if "OTEL_TRACES_SAMPLER" in env:  # one sink per traced setup, so what each exported is its own
            port = free_port()
            sinks[label] = (Proc(f"otlp-sink-{len(sinks)}", [sys.executable, OTLP_SINK, port]).start(), port)
            wait_until(lambda: http_status(f"http://127.0.0.1:{port}/stats") == 200, sinks[label][0])
            env = {**env, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}"}
        environments[label] = {"COACH_WORKER_CONCURRENCY": 16, **env}

    def turns(block: int, number: int):
        """The setups in this round's order: rotated by one place each block, and every other round
        reversed, so that no setup always starts, runs or follows in the same place."""
        rotated = setups[block % len(setups):] + setups[:block % len(setups)]
        return rotated if number % 2 == 0 else rotated[::-1]

    figures: dict[str, dict] = {label: {"rest": [], "pipeline": [], "rest_cpu": []} for label, _ in setups}
    for block in range(blocks):
        coaches, paths = {}, {}
        for label, _ in turns(block, 0):
            coaches[label] = Coach(f"observability-{block}-{len(coaches)}", env=environments[label]).start()
            key = create_resume(coaches[label])
            paths[label] = coaches[label].url(f"/api/v1/resumes/{urllib.parse.quote(key)}")
            wrk(paths[label], 1)  # warm-up
            bench_json(["pipeline", "--target", coaches[label].grpc, "--key", key, "--tasks", 20])
            coaches[label].key = key
        for number in range(rounds):
            for label, _ in turns(block, number):
                processes = {"serve": coaches[label].proc.pid, **({"sink": sinks[label][0].pid} if label in sinks else {})}
                with CpuMeter(processes) as cpu:
                    run = wrk(paths[label], seconds)
                run["cpu_us"] = cpu.seconds["serve"] * 1e6 / max(run["rps"] * seconds, 1)  # the server's CPU per GET
                figures[label]["rest"].append(run)
                figures[label]["rest_cpu"].append(cpu.percent)
        for number in range(pipeline_rounds):
            for label, _ in turns(block, number):
                coach = coaches[label]
                figures[label]["pipeline"].append(
                    bench_json(["pipeline", "--target", coach.grpc, "--key", coach.key, "--tasks", count, "--submitters", 16]))
        for coach in coaches.values():
            coach.stop()  # a graceful stop flushes the last spans
    for label, (sink, port) in sinks.items():
        stats = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/stats").read())
        figures[label]["exported_kib"] = stats["bytes"] / 1024
        sink.stop()

    def mean(values):
        return sum(values) / len(values)

    baselines = [label for label, _ in setups[:2]]

    def paired(label: str, kind: str, figure) -> str:
        """The median over rounds of the setup's figure over the same round's reference (the mean
        of the two baseline processes' figures), with the smallest and largest of them."""
        references = [(figure(a) + figure(b)) / 2 for a, b in zip(*(figures[base][kind] for base in baselines))]
        ratios = sorted(figure(run) / reference for run, reference in zip(figures[label][kind], references))
        return f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}–{ratios[-1]:.2f})"

    rows = []
    for label, _ in setups:
        runs = figures[label]
        rows.append([
            label, f"{statistics.median([r['rps'] for r in runs['rest']]):.0f}", paired(label, "rest", lambda r: r["rps"]),
            ms(statistics.median([r["p99"] for r in runs["rest"]])),
            f"{statistics.median([r['cpu_us'] for r in runs['rest']]):.0f}", paired(label, "rest", lambda r: r["cpu_us"]),
            f"{statistics.median([p['tasksPerSecond'] for p in runs['pipeline']]):.0f}",
            paired(label, "pipeline", lambda p: p["tasksPerSecond"]),
            ms(statistics.median([p["latencyMs"]["p99"] for p in runs["pipeline"]])),
            sum(p["failed"] + p["unfinished"] for p in runs["pipeline"]) + sum(r["errors"] for r in runs["rest"]),
            f"{runs.get('exported_kib', 0):.0f}",
            " ".join(f"{name} {mean([c[name] for c in runs['rest_cpu']]):.0f}%" for name in runs["rest_cpu"][0]),
        ])
    results["observability"] = figures
    table(
        f"Metrics and traces on and off ({len(setups)} embedded serves at once (the baseline twice), taking turns, started afresh for each of {blocks} blocks: "
        f"GET resume with wrk {seconds} s, 32 connections, {rounds} rounds a block; pipeline of {count} tasks, in-process queue, "
        f"builtin provider, {pipeline_rounds} round{'s' if pipeline_rounds != 1 else ''} a block; figures are medians; "
        f"vs off: median (and range) of each round's ratio to the mean of the two baseline processes in the same round)",
        ["setup", "GET req/s", "vs off", "GET p99 ms", "server CPU µs/GET", "vs off", "pipeline tasks/s", "vs off", "pipeline p99 ms",
         "failed", "exported KiB", "CPU (GET runs)"],
        rows)


def bench_observability_in_one_process(results: dict):
    # The same question as `observability`, without one of its noises: `coach-bench
    # observability-in-one-process` runs the setups as serve graphs in one process (same threads,
    # same allocator), taking turns; the figure is that process's CPU per GET.
    rounds = 8 if OPTIONS.quick else 60
    port = free_port()
    sink = Proc("otlp-sink-one-process", [sys.executable, OTLP_SINK, port]).start()
    wait_until(lambda: http_status(f"http://127.0.0.1:{port}/stats") == 200, sink)
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio"}
    data = WORK / "one-process"
    data.mkdir(exist_ok=True)
    output = subprocess.run(
        [str(BENCH), "observability-in-one-process", "--fixture", str(FIXTURE), "--data-dir", str(data), "--rounds", str(rounds)],
        capture_output=True, text=True, env=env, timeout=3600)
    stats = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/stats").read())
    sink.stop()
    if output.returncode != 0:
        raise RuntimeError(f"coach-bench observability-in-one-process failed: {output.stderr[-2000:]}")
    rows = [json.loads(line) for line in output.stdout.splitlines() if line.startswith("{")]
    results["observability_in_one_process"] = {"setups": rows, "exported_kib": stats["bytes"] / 1024}
    table(
        f"Metrics and traces on and off in one process (five serve graphs: everything off twice, metrics, traces, both; "
        f"GET resume with wrk 1 s, 32 connections, each setup once a round, {rounds} rounds in rotated order; recorded or not "
        f"by the traceparent's flag; vs off: median (and interquartile range) of each round's ratio to the mean of the two "
        f"baseline graphs in the same round; {stats['bytes'] / 1024:,.0f} KiB of spans exported)",
        ["setup", "server CPU µs/GET", "vs off", "GET req/s", "vs off", "context switches/GET"],
        [[r["setup"], f"{r['cpuMicrosecondsPerGET']:.0f}", r["cpuRatio"], f"{r['requestsPerSecond']:.0f}", r["throughputRatio"],
          f"{r['contextSwitchesPerGET']:.1f}"] for r in rows])


# ---------------------------------------------------------------------------------------------


BENCHMARKS = {"rest": bench_rest, "grpc": bench_grpc, "pipeline": bench_pipeline, "io": bench_io, "sse": bench_sse,
              "footprint": bench_footprint, "practice": bench_practice, "observability": bench_observability,
              "observability-in-one-process": bench_observability_in_one_process}
# The benchmarks that drive `coach-bench` (the others need only `interview-coach`).
NEEDS_BENCH = {"rest", "grpc", "pipeline", "io", "observability", "observability-in-one-process"}


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), "unknown CPU")
    memory = int(next(l.split()[1] for l in pathlib.Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))) / 1024 / 1024
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0] if shutil.which("swift") else "?"
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {os.uname().sysname} {os.uname().release}, {swift}"


def main() -> int:
    parser = argparse.ArgumentParser(description="InterviewCoach benchmarks (see bench/README.md).")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ",".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="shorter runs and smaller levels (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="sample the busiest server with perf and print hot functions")
    args = parser.parse_args()
    OPTIONS.quick, OPTIONS.profile = args.quick, args.profile
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmarks {unknown}; known: {list(BENCHMARKS)}")
    for binary in (COACH, *([BENCH] if NEEDS_BENCH & set(chosen) else [])):
        if not binary.exists():
            parser.error(f"{binary} is missing: run `swift build -c release` (bench/run-all does)")

    print(f"# InterviewCoach benchmarks — {time.strftime('%Y-%m-%d %H:%M %Z')}\n\nmachine: {machine()}")
    results: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    began = time.monotonic()
    for name in chosen:
        started = time.monotonic()
        try:
            BENCHMARKS[name](results)
        except Exception as error:  # one broken benchmark must not hide the others' figures
            print(f"\n## {name}: FAILED — {error}")
            results.setdefault("failed", []).append({"benchmark": name, "error": str(error)})
        finally:
            for proc in list(PROCESSES):
                proc.stop()
        print(f"({name}: {time.monotonic() - started:.0f} s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"\nall benchmarks: {time.monotonic() - began:.0f} s; figures in {RESULTS.relative_to(ROOT)}/latest.json")
    return 1 if results.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
