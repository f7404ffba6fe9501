"""Real LLM providers against local fake upstreams (fake_llm.py): the wire format each client
sends, how every kind of upstream failure is classified, retried and fallen back from, the circuit
breaker, the whole-request deadline, and that neither keys, prompts nor upstream error text leak."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
import urllib.parse
from dataclasses import dataclass

import pytest
import requests

from conftest import BINARY, Server, create_resume, fixture_resumes, free_port, read_sse
from fake_llm import KEYS, PROVIDERS, UPSTREAM_SECRET, USAGE, FakeLLM, answered_model, kind_of, prompt_of, resume_in

ENV_PREFIX = {"openai": "OPENAI", "anthropic": "ANTHROPIC", "gemini": "GEMINI", "compatible": "COMPATIBLE"}
MODELS = {"openai": "gpt-test-mini", "anthropic": "claude-test-sonnet", "gemini": "gemini-test-flash", "compatible": "local-test-7b"}
# USD per million tokens (input, output).
PRICES = {"openai": (0.40, 1.60), "anthropic": (3.00, 15.00), "gemini": (0.30, 2.50), "compatible": (0.10, 0.20)}
# The healthy provider behind each provider under test: always a different wire format.
BACKUP = {"openai": "anthropic", "anthropic": "gemini", "gemini": "compatible", "compatible": "openai"}

SCHEMA_NAMES = {"questions": "question_set", "learning": "learning_plan"}
CORRECTION_HEADERS = ("broke these rules", "규칙을 어겼습니다")
INTERVIEW_FAILURE_CODES = {"INTERVIEW_GENERATION_FAILED"}
LEARNING_FAILURE_CODES = {"LEARNING_PATH_GENERATION_FAILED"}


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def fake():
    upstream = FakeLLM(0).start()
    yield upstream
    upstream.stop()


@pytest.fixture(autouse=True)
def fresh_fake(fake):
    """Every test starts with empty queues (every call answers "ok") and no recorded requests."""
    fake.reset()
    yield
    fake.reset()


def coach_env(fake: FakeLLM, chain: list[str], **overrides) -> dict:
    """Every provider configured against the fake; `chain` decides which ones are used.
    Overrides are `NAME=value` settings, e.g. OPENAI_TIMEOUT=1."""
    env = {
        "LLM_PROVIDERS": ",".join(chain),
        "LLM_RETRY_BASE_DELAY_MS": "20",
        "LLM_BREAKER_THRESHOLD": "1000",
    }
    for provider in PROVIDERS:
        p = ENV_PREFIX[provider]
        env.update({
            f"{p}_API_KEY": KEYS[provider],
            f"{p}_BASE_URL": fake.base_url,
            f"{p}_MODEL": MODELS[provider],
            f"{p}_TIMEOUT": "10",
            f"{p}_MAX_RETRIES": "1",
            f"{p}_PRICE_INPUT_PER_MTOK": str(PRICES[provider][0]),
            f"{p}_PRICE_OUTPUT_PER_MTOK": str(PRICES[provider][1]),
        })
    env.update({name: str(value) for name, value in overrides.items()})
    return env


@contextlib.contextmanager
def running_server(data_dir, fake: FakeLLM, chain: list[str], **overrides):
    server = Server(data_dir, env=coach_env(fake, chain, **overrides)).start()
    try:
        yield server
    finally:
        server.stop()


def q(key: str) -> str:
    return urllib.parse.quote(key)


def generation_path(key: str, kind: str, asynchronous: bool = False) -> str:
    service, resource = ("interview", "questions") if kind == "questions" else ("learning", "learning-path")
    return f"/api/v1/{service}/{'async/' if asynchronous else ''}{q(key)}/{resource}"


def generate(server, key: str, kind: str = "questions", **options) -> requests.Response:
    return requests.post(server.url(generation_path(key, kind)), json={"language": "en", **options}, timeout=120)


def generated(server, key: str, kind: str = "questions", **options) -> dict:
    r = generate(server, key, kind, **options)
    assert r.status_code == 201, r.text
    return r.json()


def summary(attempts: list[dict]) -> list[tuple]:
    """(provider, outcome, error_code) per attempt: the part of the record that tests compare."""
    return [(a["provider"], a["outcome"], a.get("error_code")) for a in attempts]


def expected_usage(provider: str, calls: int = 1) -> dict:
    tokens_in, tokens_out = USAGE[provider]
    price_in, price_out = PRICES[provider]
    return {
        "input_tokens": tokens_in * calls,
        "output_tokens": tokens_out * calls,
        "cost_usd": pytest.approx(calls * (tokens_in * price_in + tokens_out * price_out) / 1_000_000, rel=1e-6, abs=1e-9),
    }


def assert_attempts_are_well_formed(result: dict):
    for attempt in result["attempts"]:
        assert {"provider", "model", "outcome", "latency_ms", "usage"} <= set(attempt), attempt
        if attempt["provider"] in MODELS:
            assert attempt["model"].startswith(MODELS[attempt["provider"]]), attempt
        assert isinstance(attempt["latency_ms"], int) and attempt["latency_ms"] >= 0, attempt
        assert set(attempt["usage"]) == {"input_tokens", "output_tokens", "cost_usd"}, attempt
        if attempt["outcome"] == "success":
            assert attempt.get("error_code") is None, attempt
        elif attempt["outcome"] != "skipped_circuit_open":
            assert attempt.get("error_code"), attempt
    total = result["usage"]
    assert total["input_tokens"] == sum(a["usage"]["input_tokens"] for a in result["attempts"])
    assert total["output_tokens"] == sum(a["usage"]["output_tokens"] for a in result["attempts"])
    assert total["cost_usd"] == pytest.approx(sum(a["usage"]["cost_usd"] for a in result["attempts"]), abs=1e-9)


def calls_to(fake: FakeLLM, provider: str, count: int) -> list[dict]:
    """The requests `provider` received, which must number `count`."""
    calls = fake.requests(provider)
    assert len(calls) == count, f"{provider} received {len(calls)} requests (steps {[c['step'] for c in calls]}), expected {count}"
    return calls


def prompt_text(call: dict) -> str:
    return "\n".join(prompt_of(call["provider"], call["body"]))


def lists_violations(call: dict) -> bool:
    return any(header in prompt_text(call) for header in CORRECTION_HEADERS)


def assert_no_leak(text: str, *secrets: str):
    for secret in (UPSTREAM_SECRET, *KEYS.values(), *secrets):
        assert secret not in text, f"{secret!r} leaked into:\n{text[:3000]}"


# ---------------------------------------------------------------------------------------------
# Request shape, per wire format


def walk_schemas(schema):
    """Every (sub)schema of a JSON schema, depth first."""
    if isinstance(schema, dict):
        yield schema
        for key in ("properties", "$defs", "definitions"):
            for sub in (schema.get(key) or {}).values():
                yield from walk_schemas(sub)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from walk_schemas(schema[key])
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key) or []:
                yield from walk_schemas(sub)


def assert_top_level_fields(schema: dict, kind: str):
    wanted = {"questions"} if kind == "questions" else {"analysis", "summary", "learning_paths"}
    assert wanted <= set(schema.get("properties") or {}), schema


def assert_strict_json_schema(schema: dict, kind: str):
    """OpenAI strict mode: every object lists all its properties as required, and no others."""
    assert schema.get("type") == "object", schema
    assert_top_level_fields(schema, kind)
    for sub in walk_schemas(schema):
        if sub.get("type") == "object" or "properties" in sub:
            assert sub.get("additionalProperties") is False, sub
            assert set(sub.get("required") or []) == set(sub.get("properties") or {}), sub


def assert_gemini_schema(schema: dict, kind: str):
    """Gemini's OpenAPI subset: upper-case types and no additionalProperties."""
    assert schema.get("type") == "OBJECT", schema
    assert_top_level_fields(schema, kind)
    for sub in walk_schemas(schema):
        assert "additionalProperties" not in sub, sub
        if "type" in sub:
            assert sub["type"] in {"OBJECT", "ARRAY", "STRING", "INTEGER", "NUMBER", "BOOLEAN"}, sub


def assert_prompt_carries_the_resume(call: dict, resume_name: str):
    system, user = prompt_of(call["provider"], call["body"])
    assert system.strip(), "the instructions go in the system prompt"
    resume = resume_in(user)
    assert resume.get("name") == resume_name, user[:500]
    # Contact details never leave the process: no template asks for them.
    assert "contact" not in resume
    # (Profile URLs may still appear inside project links; e-mail and phone may not.)
    for resume_fixture in fixture_resumes().values():
        contact = resume_fixture.get("contact") or {}
        for detail in (contact.get("email"), contact.get("phone"), contact.get("linkedin")):
            assert not detail or (detail not in system and detail not in user), detail


def check_openai_style(call: dict, kind: str, json_mode: str):
    provider = call["provider"]
    body = call["body"]
    assert call["path"] == "/v1/chat/completions"
    assert call["headers"]["authorization"] == f"Bearer {KEYS[provider]}"
    assert body["model"] == MODELS[provider]
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert isinstance(body.get("temperature"), (int, float))
    assert isinstance(body.get("max_tokens", body.get("max_completion_tokens")), int)
    response_format = body.get("response_format")
    if json_mode == "json_schema":
        assert response_format["type"] == "json_schema", response_format
        spec = response_format["json_schema"]
        assert spec["name"] == SCHEMA_NAMES[kind]
        if provider == "openai":
            assert spec["strict"] is True
            assert_strict_json_schema(spec["schema"], kind)
        else:
            assert_top_level_fields(spec["schema"], kind)
    elif json_mode == "json_object":
        assert response_format == {"type": "json_object"}
    else:
        assert response_format is None, response_format


def check_anthropic(call: dict, kind: str, json_mode: str):
    body = call["body"]
    assert call["path"] == "/v1/messages"
    assert call["headers"]["x-api-key"] == KEYS["anthropic"]
    assert call["headers"]["anthropic-version"] == "2023-06-01"
    assert "authorization" not in call["headers"]
    assert body["model"] == MODELS["anthropic"]
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert isinstance(body["max_tokens"], int) and body["max_tokens"] > 0
    assert isinstance(body.get("temperature"), (int, float))
    [tool] = body["tools"]
    assert tool["name"] == SCHEMA_NAMES[kind]
    assert tool["input_schema"]["type"] == "object"
    assert_top_level_fields(tool["input_schema"], kind)
    assert body["tool_choice"] == {"type": "tool", "name": SCHEMA_NAMES[kind]}


def check_gemini(call: dict, kind: str, json_mode: str):
    body = call["body"]
    assert call["path"] == f"/v1beta/models/{MODELS['gemini']}:generateContent"
    assert call["headers"]["x-goog-api-key"] == KEYS["gemini"]
    assert "key=" not in call["query"], "the key goes in a header, never in the URL"
    assert [c["role"] for c in body["contents"]] == ["user"]
    config = body["generationConfig"]
    assert isinstance(config.get("temperature"), (int, float))
    assert isinstance(config.get("maxOutputTokens"), int)
    assert config["responseMimeType"] == "application/json"
    assert_gemini_schema(config["responseSchema"], kind)


CHECK_REQUEST = {"openai": check_openai_style, "compatible": check_openai_style, "anthropic": check_anthropic, "gemini": check_gemini}
DEFAULT_JSON_MODE = {"openai": "json_schema", "compatible": "json_object", "anthropic": None, "gemini": None}


# ---------------------------------------------------------------------------------------------
# One server per provider under test, with a healthy backup behind it


@dataclass
class Chain:
    first: str
    backup: str
    server: Server
    key: str
    resume_name: str


@pytest.fixture(scope="module", params=PROVIDERS, ids=lambda p: f"first={p}")
def chain(request, fake, tmp_path_factory):
    first, backup = request.param, BACKUP[request.param]
    overrides = {f"{ENV_PREFIX[first]}_TIMEOUT": 1}  # the "hang" fault times out in 1 s
    with running_server(tmp_path_factory.mktemp(first) / "data", fake, [first, backup], **overrides) as server:
        key = create_resume(server, "senior-platform-en")
        name = requests.get(server.url(f"/api/v1/resumes/{q(key)}"), timeout=10).json()["name"]
        yield Chain(first, backup, server, key, name)


@pytest.mark.parametrize("kind", ["questions", "learning"])
def test_each_provider_sends_its_wire_format_and_its_usage_is_priced(chain, fake, kind):
    result = generated(chain.server, chain.key, kind)

    [call] = calls_to(fake, chain.first, 1)
    CHECK_REQUEST[chain.first](call, kind, DEFAULT_JSON_MODE[chain.first])
    assert kind_of(chain.first, call["body"]) == kind
    assert_prompt_carries_the_resume(call, chain.resume_name)

    assert result["provider"] == chain.first
    assert result["model"] == answered_model(MODELS[chain.first]), "the model named by the reply, not the one asked for"
    assert summary(result["attempts"]) == [(chain.first, "success", None)]
    assert result["usage"] == expected_usage(chain.first)
    assert result["attempts"][0]["usage"] == expected_usage(chain.first)
    assert_attempts_are_well_formed(result)
    calls_to(fake, chain.backup, 0)


@dataclass(frozen=True)
class Fault:
    """A scripted upstream fault on the first provider and how it must be handled."""

    id: str
    steps: tuple[str, ...]
    outcome: str  # of each failed attempt
    error_code: str | dict  # a dict maps provider -> code, "*" for the others
    failures: int  # failed attempts on the first provider
    recovers: bool = False  # the first provider answers after them (else the backup does)
    min_seconds: float = 0.0
    retry_lists_violations: bool = False

    def code_for(self, provider: str) -> str:
        if isinstance(self.error_code, dict):
            return self.error_code.get(provider, self.error_code["*"])
        return self.error_code

    def expected_attempts(self, first: str, backup: str) -> list[tuple]:
        failed = [(first, self.outcome, self.code_for(first))] * self.failures
        return failed + [(first if self.recovers else backup, "success", None)]


# With P_MAX_RETRIES=1: transient faults get 2 attempts, permanent ones 1, bad output 1 + 1 corrective retry.
FAULTS = [
    Fault("http-500-twice", ("500", "500"), "retryable_error", "http_500", failures=2),
    Fault("http-503-twice", ("503", "503"), "retryable_error", "http_503", failures=2),
    Fault("overloaded-twice", ("529", "529"), "retryable_error", {"anthropic": "overloaded", "*": "http_503"}, failures=2),
    Fault("timeout-twice", ("hang", "hang"), "timeout", "timeout", failures=2, min_seconds=2.0),
    Fault("rate-limited-then-ok", ("429-retry-after", "ok"), "retryable_error", "rate_limited", failures=1, recovers=True, min_seconds=1.0),
    Fault("malformed-then-ok", ("malformed", "ok"), "invalid_output", "malformed_response", failures=1, recovers=True),
    Fault("malformed-twice", ("malformed", "malformed"), "invalid_output", "malformed_response", failures=2),
    Fault("truncated-then-ok", ("truncated", "ok"), "invalid_output", "truncated", failures=1, recovers=True),
    Fault("truncated-twice", ("truncated", "truncated"), "invalid_output", "truncated", failures=2),
    Fault("invalid-then-ok", ("invalid", "ok"), "invalid_output", "invalid_output", failures=1, recovers=True, retry_lists_violations=True),
    Fault("invalid-twice", ("invalid", "invalid"), "invalid_output", "invalid_output", failures=2, retry_lists_violations=True),
]

# Auth and quota failures may open the provider's circuit at once, for a long cooldown, so each of
# these runs on a server of its own.
PERMANENT_FAULTS = [
    Fault("quota-exhausted", ("429-quota",), "permanent_error", "insufficient_quota", failures=1),
    Fault("unauthorized", ("401",), "permanent_error", "unauthorized", failures=1),
]


def timed_generation(server, key: str) -> tuple[dict, float]:
    started = time.monotonic()
    result = generated(server, key)
    return result, time.monotonic() - started


def assert_fault_handled(fault: Fault, result: dict, elapsed: float, fake: FakeLLM, first: str, backup: str) -> list[dict]:
    """Checks the attempts, who answered and what each upstream received; returns the first's calls."""
    answered_by = first if fault.recovers else backup
    assert summary(result["attempts"]) == fault.expected_attempts(first, backup)
    assert result["provider"] == answered_by
    assert result["model"] == answered_model(MODELS[answered_by])
    assert result["attempts"][-1]["usage"] == expected_usage(answered_by)
    assert_attempts_are_well_formed(result)

    calls = calls_to(fake, first, fault.failures + (1 if fault.recovers else 0))
    calls_to(fake, backup, 0 if fault.recovers else 1)
    assert elapsed >= fault.min_seconds
    return calls


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_upstream_faults_are_retried_or_fallen_back_from_as_classified(chain, fake, fault):
    fake.script(chain.first, *fault.steps)

    result, elapsed = timed_generation(chain.server, chain.key)

    calls = assert_fault_handled(fault, result, elapsed, fake, chain.first, chain.backup)

    if fault.outcome == "timeout":
        assert all(a["latency_ms"] >= 900 for a in result["attempts"] if a["outcome"] == "timeout")
    if fault.retry_lists_violations:
        assert not lists_violations(calls[0]), "the first prompt has nothing to correct"
        assert all(lists_violations(call) for call in calls[1:]), "the corrective retry lists the broken rules"


@pytest.mark.parametrize("fault", PERMANENT_FAULTS, ids=lambda f: f.id)
@pytest.mark.parametrize("first", PROVIDERS)
def test_permanent_failures_are_never_retried_and_the_next_provider_answers(tmp_path, fake, first, fault):
    with running_server(tmp_path / "data", fake, [first, BACKUP[first]]) as server:
        key = create_resume(server)
        fake.script(first, *fault.steps)
        result, elapsed = timed_generation(server, key)

    assert_fault_handled(fault, result, elapsed, fake, first, BACKUP[first])


def test_a_learning_path_gets_one_corrective_retry_with_the_violations(chain, fake):
    fake.script(chain.first, "invalid", "ok")

    result = generated(chain.server, chain.key, "learning")

    assert summary(result["attempts"]) == [(chain.first, "invalid_output", "invalid_output"), (chain.first, "success", None)]
    first_call, retry = calls_to(fake, chain.first, 2)
    assert kind_of(chain.first, first_call["body"]) == kind_of(chain.first, retry["body"]) == "learning"
    assert not lists_violations(first_call) and lists_violations(retry)
    assert len(result["learning_paths"]) == 5
    assert result["usage"] == expected_usage(chain.first, calls=2), "the rejected answer was billed too"


def test_connection_refused_is_retried_then_the_next_provider_answers(tmp_path, fake):
    closed = f"http://127.0.0.1:{free_port()}"
    chain = ["openai", "anthropic", "gemini", "compatible"]
    unreachable = {f"{ENV_PREFIX[p]}_BASE_URL": closed for p in chain}
    with running_server(tmp_path / "data", fake, [*chain, "builtin"], **unreachable) as server:
        key = create_resume(server)
        result = generated(server, key)

    failed = [(p, "retryable_error", "connection_failed") for p in chain for _ in range(2)]
    assert summary(result["attempts"]) == failed + [("builtin", "success", None)]
    assert result["provider"] == "builtin"
    assert_attempts_are_well_formed(result)


@pytest.mark.parametrize("mode", ["json_schema", "none"])
def test_compatible_json_mode_decides_the_response_format_and_prose_is_tolerated(tmp_path, fake, mode):
    with running_server(tmp_path / "data", fake, ["compatible"], COMPATIBLE_JSON_MODE=mode) as server:
        key = create_resume(server)
        fake.script("compatible", "fenced")  # the JSON inside prose and a ```json fence
        result = generated(server, key)

    [call] = calls_to(fake, "compatible", 1)
    check_openai_style(call, "questions", mode)
    assert summary(result["attempts"]) == [("compatible", "success", None)]
    assert len(result["questions"]) == 5


# ---------------------------------------------------------------------------------------------
# Circuit breaker


def provider_status_line(server, provider: str) -> str:
    run = subprocess.run(
        [str(BINARY), "providers", "--server", f"127.0.0.1:{server.grpc_port}"], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if re.search(rf"\b{provider}\b", line)]
    assert len(lines) == 1, run.stdout
    return lines[0]


def says(line: str, word: str) -> bool:
    """`word` on its own: "open" is not found in "openai" nor in "half_open"."""
    return re.search(rf"(?<![\w-]){word}(?![\w-])", line, re.I) is not None


def test_the_circuit_opens_after_consecutive_failures_and_a_probe_closes_it(tmp_path, fake):
    settings = {"LLM_BREAKER_THRESHOLD": 2, "LLM_BREAKER_COOLDOWN": 2, "OPENAI_MAX_RETRIES": 0}
    with running_server(tmp_path / "data", fake, ["openai", "anthropic"], **settings) as server:
        key = create_resume(server)
        fake.script("openai", "500", "500")  # then "ok" for whatever gets through later

        for _ in range(2):
            result = generated(server, key)
            assert summary(result["attempts"]) == [("openai", "retryable_error", "http_500"), ("anthropic", "success", None)]
        calls_to(fake, "openai", 2)

        opened = generated(server, key)
        assert [(a["provider"], a["outcome"]) for a in opened["attempts"]] == [("openai", "skipped_circuit_open"), ("anthropic", "success")]
        assert opened["provider"] == "anthropic"
        calls_to(fake, "openai", 2)  # an open circuit sends nothing upstream
        assert says(provider_status_line(server, "openai"), "open")
        assert says(provider_status_line(server, "anthropic"), "closed")

        time.sleep(2.5)  # past the cooldown: one probe goes through, and it succeeds
        probe = generated(server, key)
        assert summary(probe["attempts"]) == [("openai", "success", None)]
        calls_to(fake, "openai", 3)
        assert says(provider_status_line(server, "openai"), "closed")


# ---------------------------------------------------------------------------------------------
# Every provider failing, deadline


def assert_generation_failure(r: requests.Response, codes: set[str], attempts: list[tuple]) -> str:
    assert r.status_code in (502, 503), r.text
    body = r.json()
    assert body["error_code"] in codes or body["error_code"].startswith("LLM_"), body
    assert summary(body["details"]["attempts"]) == attempts
    assert_no_leak(r.text)
    return body["error_code"]


def async_failure(server, key: str, kind: str) -> tuple[dict, dict]:
    """Runs an async generation to its end: (the SSE `error` event's record, the progress record)."""
    started = requests.post(server.url(generation_path(key, kind, asynchronous=True)), json={"language": "en"}, timeout=10)
    assert started.status_code == 202, started.text
    service = "interview" if kind == "questions" else "learning"
    task_id = started.json()["task_id"]
    with requests.get(server.url(f"/api/v1/{service}/tasks/{task_id}/stream"), stream=True, timeout=120) as stream:
        events = [e for e in read_sse(stream) if "event" in e]
    assert [e["event"] for e in events][-2:] == ["error", "close"], events
    assert_no_leak(json.dumps(events, ensure_ascii=False))
    progress = requests.get(server.url(f"/api/v1/{service}/tasks/{task_id}/progress"), timeout=10)
    assert_no_leak(progress.text)
    return events[-2]["data"], progress.json()


def test_when_every_provider_fails_the_client_gets_the_attempts_but_no_upstream_text(tmp_path, fake):
    chain = ["openai", "gemini"]
    settings = {"OPENAI_MAX_RETRIES": 0, "GEMINI_MAX_RETRIES": 0}
    with running_server(tmp_path / "data", fake, chain, **settings) as server:
        key = create_resume(server)
        for provider in chain:
            fake.script(provider, *["500"] * 20)
        attempts = [("openai", "retryable_error", "http_500"), ("gemini", "retryable_error", "http_500")]

        for kind, codes in [("questions", INTERVIEW_FAILURE_CODES), ("learning", LEARNING_FAILURE_CODES)]:
            sync_code = assert_generation_failure(generate(server, key, kind), codes, attempts)

            failed, progress = async_failure(server, key, kind)
            assert failed["state"] == "FAILURE" and failed["stage"] == "failed"
            assert failed["error"]["code"] == sync_code
            assert progress["state"] == "FAILURE" and progress["error"]["code"] == sync_code
            assert "result" not in progress

        for provider in chain:
            calls_to(fake, provider, 4)


def test_the_request_deadline_bounds_all_attempts_together(tmp_path, fake):
    settings = {"LLM_REQUEST_DEADLINE": 3, "ANTHROPIC_TIMEOUT": 60}
    with running_server(tmp_path / "data", fake, ["anthropic", "openai"], **settings) as server:
        key = create_resume(server)
        fake.script("anthropic", "hang", "hang")

        started = time.monotonic()
        r = generate(server, key)
        elapsed = time.monotonic() - started

    assert 500 <= r.status_code < 600, r.text
    assert elapsed < 6, f"took {elapsed:.1f} s with a 3 s deadline"
    code = r.json()["error_code"]
    assert code in INTERVIEW_FAILURE_CODES or code.startswith("LLM_"), r.text


# ---------------------------------------------------------------------------------------------
# What must never be logged


def test_logs_never_contain_api_keys_or_prompt_content(tmp_path, fake):
    canary = "ZEBRA-PROMPT-CANARY"
    chain = ["openai", "anthropic", "gemini", "compatible"]
    settings = {f"{ENV_PREFIX[p]}_TIMEOUT": 1 for p in chain}
    with running_server(tmp_path / "data", fake, chain, **settings) as server:
        key = create_resume(server, summary=f"Platform engineer; {canary} marks this summary in every prompt.")

        # Each provider fails differently, the last one answers.
        fake.script("openai", "401")
        fake.script("anthropic", "invalid", "invalid")
        fake.script("gemini", "500", "500")
        responses = [generate(server, key)]
        # Every provider fails.
        fake.script("openai", "truncated", "truncated")
        fake.script("anthropic", "529", "529")
        fake.script("gemini", "429-quota")
        fake.script("compatible", "hang", "hang")
        responses.append(generate(server, key, "learning"))
    server_log = server.process.log()  # read after shutdown, so the last lines are in

    assert responses[0].status_code == 201, responses[0].text
    assert responses[1].status_code >= 500, responses[1].text
    for r in responses:
        assert_no_leak(r.text)
    assert any(canary in prompt_text(call) for call in fake.requests()), "the canary did reach the models"
    assert server_log.strip(), "the server logged nothing at all"
    for secret in [*KEYS.values(), canary]:
        assert secret not in server_log, f"{secret!r} found in {server.process.log_path}"


# ---------------------------------------------------------------------------------------------
# Streaming: progress rises while the answer arrives; no fallback once output was accepted


def watch_async(server, key: str, kind: str = "questions") -> list[dict]:
    started = requests.post(server.url(generation_path(key, kind, asynchronous=True)), json={"language": "en"}, timeout=10)
    assert started.status_code == 202, started.text
    service = "interview" if kind == "questions" else "learning"
    stream = requests.get(server.url(f"/api/v1/{service}/tasks/{started.json()['task_id']}/stream"), stream=True, timeout=60)
    return [e for e in read_sse(stream) if e.get("event") in ("progress", "completed", "error")]


@pytest.mark.parametrize("first", ["openai", "compatible"])
def test_a_streamed_answer_raises_calling_llm_progress_towards_89(tmp_path, fake, first):
    with running_server(tmp_path / "data", fake, [first, "builtin"]) as server:
        key = create_resume(server)
        events = watch_async(server, key)
    [call] = calls_to(fake, first, 1)
    assert call["body"]["stream"] is True and call["body"]["stream_options"] == {"include_usage": True}
    llm = [e["data"]["progress"] for e in events if e["data"]["stage"] == "calling_llm"]
    assert llm[0] == 70 and len(llm) >= 4, llm
    assert llm == sorted(set(llm)) and all(70 <= p <= 89 for p in llm), llm
    assert [e["data"]["progress"] for e in events][-2:] == [90, 100]
    result = events[-1]["data"]["result"]
    assert result["provider"] == first and result["usage"]["input_tokens"] > 0


def test_no_fallback_once_streamed_output_was_accepted(tmp_path, fake):
    fake.script("openai", "stream-cut")
    with running_server(tmp_path / "data", fake, ["openai", "builtin"], OPENAI_MAX_RETRIES=0) as server:
        key = create_resume(server)
        events = watch_async(server, key)
    assert events[-1]["event"] == "error"
    assert events[-1]["data"]["error"]["code"] in INTERVIEW_FAILURE_CODES
    assert any(e["data"]["progress"] > 70 for e in events if e["data"]["stage"] == "calling_llm")


def test_before_any_output_a_failed_stream_still_falls_back(tmp_path, fake):
    fake.script("openai", "503", "503")
    with running_server(tmp_path / "data", fake, ["openai", "builtin"]) as server:
        key = create_resume(server)
        events = watch_async(server, key)
    assert events[-1]["event"] == "completed"
    assert events[-1]["data"]["result"]["provider"] == "builtin"


def test_one_worker_keeps_a_call_in_flight_per_job_on_a_slow_http1_upstream(tmp_path, fake):
    """Twenty jobs waiting on a slow OpenAI-compatible server (plain HTTP/1.1) wait side by side:
    AsyncHTTPClient's default of 8 connections per host once made the other twelve queue."""
    jobs = 20
    fake.latency = 1.5
    try:
        with running_server(tmp_path / "data", fake, ["compatible"], COACH_WORKER_CONCURRENCY=jobs) as server:
            key = create_resume(server)
            ids = []
            for _ in range(jobs):
                r = requests.post(server.url(generation_path(key, "questions", asynchronous=True)), json={"language": "en"}, timeout=10)
                assert r.status_code == 202, r.text
                ids.append(r.json()["task_id"])
            deadline = time.time() + 60
            states = {}
            while time.time() < deadline and len(states) < jobs:
                for task in ids:
                    if task not in states:
                        record = requests.get(server.url(f"/api/v1/interview/tasks/{task}/progress"), timeout=10).json()
                        if record["state"] in ("SUCCESS", "FAILURE"):
                            states[task] = record["state"]
                time.sleep(0.1)
            assert list(states.values()) == ["SUCCESS"] * jobs
            assert fake.stats()["peak_in_flight"] == jobs
    finally:
        fake.latency = 0.0


# ---------------------------------------------------------------------------------------------
# Hostile and broken upstreams: the process survives and nothing goes where it should not


def test_a_retry_after_of_1e300_seconds_is_clamped_and_the_server_lives(chain, fake):
    # Before: Int64(1e300 * 1000) trapped and killed the whole process.
    fake.script(chain.first, "429-retry-after-huge")
    r = generate(chain.server, chain.key)
    assert r.status_code == 201, r.text
    result = r.json()
    # The wait is longer than the request deadline: the provider is given up at once.
    assert summary(result["attempts"])[0] == (chain.first, "retryable_error", "rate_limited")
    assert result["provider"] == chain.backup
    assert requests.get(chain.server.url("/healthz"), timeout=10).status_code == 200
    assert chain.server.process.proc.poll() is None


def test_usage_of_1e300_tokens_is_a_broken_answer_not_a_cost(chain, fake):
    fake.script(chain.first, "usage-huge", "usage-huge")
    r = generate(chain.server, chain.key)
    assert r.status_code == 201, r.text
    result = r.json()
    attempts = summary(result["attempts"])
    assert [a for a in attempts if a[0] == chain.first] == [(chain.first, "invalid_output", "invalid_usage")] * 2
    assert result["provider"] == chain.backup
    assert result["usage"] == expected_usage(chain.backup), "absurd counts never reach the cost"
    assert chain.server.process.proc.poll() is None


def test_a_redirect_is_not_followed_so_the_prompt_and_key_stay_home(chain, fake):
    elsewhere = FakeLLM(0).start()
    try:
        fake.redirect_target = elsewhere.base_url
        fake.script(chain.first, "redirect")
        r = generate(chain.server, chain.key)
        assert r.status_code == 201, r.text
        result = r.json()
        assert summary(result["attempts"])[0] == (chain.first, "permanent_error", "redirect")
        assert result["provider"] == chain.backup
        assert elsewhere.requests() == [], "nothing may reach the host a redirect names"
    finally:
        fake.redirect_target = None
        elsewhere.stop()
