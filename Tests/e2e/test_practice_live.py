"""Live practice over a WebSocket (`GET /api/v1/practice/live` on the edge's HTTP port) through the
real binary: the socket is the bidirectional `PracticeService/Practice` stream with JSON frames
(protobuf-JSON `PracticeClientMessage`s in, REST-shaped `PracticeStep`s out, one member set each).
A whole session, a dropped socket resumed, a stale socket refused, Korean, keys (header, X-API-Key,
the `bearer.<key>` subprotocol), tenants and scopes, refused upgrades (plain GET, another origin,
DNS rebinding, foreign subprotocols), bad frames, the edge's live-stream cap, shutdown, and no key
in the log.

An error is one frame `{"error": {detail, error_code, details?, request_id, timestamp}}` and then a
close with code 4000 + the HTTP status the REST API would have answered."""

import base64
import concurrent.futures
import json
import os
import re
import socket
import struct
import time
import urllib.parse
import uuid

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from conftest import Server, create_resume, fixture_resumes
from test_practice_sessions import VAGUE, partial_answer

PROTOCOL = "interviewcoach.practice.v1"
PATH = "/api/v1/practice/live"
READ_TIMEOUT = 20  # seconds for one frame
ADMIN = f"e2e-admin-{uuid.uuid4().hex}"
MEMBER = ["resumes:read", "resumes:write", "generate"]
STEP_KEYS = {"session", "evaluation", "progress", "prompt", "report"}
ERROR_KEYS = {"detail", "error_code", "details", "request_id", "timestamp"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Keyless processes: an inherited COACH_ADMIN_KEY or COACH_HOST would change what is tested (empty is unset).
NO_KEY = {"COACH_ADMIN_KEY": "", "COACH_HOST": ""}


# ---------------------------------------------------------------------------------------------
# Helpers


def ws_url(server) -> str:
    return f"ws://127.0.0.1:{server.http_port}{PATH}"


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class Live:
    """One live socket. `key` travels as `via`: "bearer" (Authorization), "x-api-key" or
    "subprotocol" (`bearer.<key>` next to ours, as a browser sends it)."""

    def __init__(self, server, key: str | None = None, via: str = "bearer", subprotocols=(PROTOCOL,),
                 headers: dict | None = None, origin: str | None = None, **options):
        headers = dict(headers or {})
        offered = list(subprotocols or [])
        if key is not None:
            if via == "bearer":
                headers["Authorization"] = f"Bearer {key}"
            elif via == "x-api-key":
                headers["X-API-Key"] = key
            else:
                offered.append(f"bearer.{key}")
        options.setdefault("ping_interval", None)  # as a browser: no pings keep the socket busy
        self.ws: ClientConnection = connect(
            ws_url(server), subprotocols=offered or None, additional_headers=headers or None, origin=origin, proxy=None,
            open_timeout=10, close_timeout=5, legacy=True, **options)

    @property
    def subprotocol(self):
        return self.ws.subprotocol

    # Sending ---------------------------------------------------------------------------------

    def send(self, message) -> "Live":
        """Sends a frame; on a socket the server already closed, nothing (as a browser's send()):
        what the server said before closing is read next."""
        try:
            self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message, ensure_ascii=False))
        except ConnectionClosed:
            pass
        return self

    def start(self, unique_key: str, language: str | None = "en", **extra) -> "Live":
        body = {"unique_key": unique_key, **({"language": language} if language else {}), **extra}
        return self.send({"start": body})

    def resume(self, session_id: str) -> "Live":
        return self.send({"resume": {"session_id": session_id}})

    def answer(self, text: str) -> "Live":
        return self.send({"answer": {"text": text}})

    def skip(self) -> "Live":
        return self.send({"skip": {}})

    def dont_know(self) -> "Live":
        return self.send({"dont_know": {}})

    def end(self) -> "Live":
        return self.send({"end": {}})

    # Reading ---------------------------------------------------------------------------------

    def frame(self, timeout: float = READ_TIMEOUT) -> dict:
        """The next frame, parsed; fails the test on the socket's close or a silence."""
        try:
            text = self.ws.recv(timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"no frame within {timeout}s (the socket hangs)") from None
        except ConnectionClosed as closed:
            raise AssertionError(f"the socket closed where a frame was expected: {closed.rcvd}") from None
        assert isinstance(text, str), f"a binary frame: {text[:200]!r}"
        return json.loads(text)

    def step(self, timeout: float = READ_TIMEOUT) -> tuple[str, dict]:
        """The next frame as a PracticeStep: (the member set, its value)."""
        frame = self.frame(timeout)
        assert "error" not in frame, f"the socket failed: {frame}"
        assert set(frame) == STEP_KEYS, f"not a PracticeStep: {frame}"
        present = [k for k, v in frame.items() if v is not None]
        assert len(present) == 1, f"a live frame has exactly one member set, got {present}: {frame}"
        return present[0], frame[present[0]]

    def expect(self, kind: str, timeout: float = READ_TIMEOUT) -> dict:
        got, value = self.step(timeout)
        assert got == kind, f"expected `{kind}`, got `{got}`: {json.dumps(value)[:600]}"
        return value

    def opened(self) -> tuple[dict, dict, str, dict]:
        """`session`, `progress`, then the pending `prompt` or the `report`."""
        info = self.expect("session")
        progress = self.expect("progress")
        kind, value = self.step()
        return info, progress, kind, value

    def moved(self, done: int, total: int = 5, evaluation: bool = True) -> tuple[dict | None, str, dict]:
        """After a move: `evaluation` (none for a skip), `progress`, then the next prompt or the report."""
        ev = self.expect("evaluation") if evaluation else None
        progress = self.expect("progress")
        assert progress == {"done": done, "total": total}, progress
        kind, value = self.step()
        return ev, kind, value

    def refusal(self, wait: float = 1.0) -> dict | None:
        """What the server sends on its own right after the upgrade: the error frame of a call the
        stream refuses at once (no or a wrong key, no scope, the cap), or None (the stream waits
        for `start`/`resume`). Read before sending, see test_a_refusing_server_completes_the_closing_handshake."""
        try:
            text = self.ws.recv(timeout=wait)
        except TimeoutError:
            return None
        except ConnectionClosed as closed:
            raise AssertionError(f"closed without an error frame: {closed.rcvd}") from None
        frame = json.loads(text)
        assert set(frame) == {"error"}, f"a frame before any message that is not an error: {frame}"
        return frame

    def closed(self, timeout: float = READ_TIMEOUT) -> tuple[int, str]:
        """(code, reason) of the close that must come next, with no frame before it."""
        try:
            extra = self.ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, f"the connection dropped without a close frame: {closed}"
            return closed.rcvd.code, closed.rcvd.reason
        except TimeoutError:
            raise AssertionError(f"the socket did not close within {timeout}s") from None
        raise AssertionError(f"expected the socket to close, got a frame: {str(extra)[:600]}")

    def error(self, timeout: float = READ_TIMEOUT) -> tuple[dict, int, str]:
        """The error frame that must come next, then the close: (error body, code, reason)."""
        frame = self.frame(timeout)
        assert set(frame) == {"error"}, f"expected an error frame, got {json.dumps(frame)[:600]}"
        body = frame["error"]
        assert set(body) <= ERROR_KEYS and {"detail", "error_code", "request_id", "timestamp"} <= set(body), body
        assert isinstance(body["detail"], str) and body["detail"], body
        assert isinstance(body["request_id"], str), body
        assert RFC3339.match(body["timestamp"]), body
        code, reason = self.closed(timeout)
        return body, code, reason

    def drop(self):
        """The network goes away: no close frame, the TCP connection just ends."""
        try:
            self.ws.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.ws.socket.close()

    def close(self):
        self.ws.close()


def assert_error(live: Live, status: int, code: str, timeout: float = READ_TIMEOUT) -> dict:
    body, close, reason = live.error(timeout)
    assert (body["error_code"], close) == (code, 4000 + status), f"expected {code} / {4000 + status}, got {close} {reason!r}: {body}"
    assert reason == code, reason
    return body


def refused_upgrade(server, **kwargs) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as refused:
        Live(server, **kwargs).close()
    return refused.value


def rest_get(server, session_id: str, key: str | None = None) -> requests.Response:
    return requests.get(server.url(f"/api/v1/practice/sessions/{q(session_id)}"), headers=auth(key), timeout=30)


def rest_sessions(server, unique_key: str, key: str | None = None) -> list[dict]:
    r = requests.get(server.url("/api/v1/practice/sessions"), params={"unique_key": unique_key, "limit": 100},
                     headers=auth(key), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["sessions"]


def auth(key: str | None) -> dict:
    return {"Authorization": f"Bearer {key}"} if key else {}


def missing_points(evaluation: dict) -> list[str]:
    return [p["point"] for p in evaluation["key_points"] if not p["covered"]]


def turns(stored: dict) -> list[tuple]:
    return [(t["prompt"]["question_index"], t["prompt"]["follow_up"], t["action"]) for t in stored["turns"]]


def same_prompt(a: dict, b: dict) -> bool:
    return (a["question_index"], a["follow_up"], a["question"]) == (b["question_index"], b["follow_up"], b["question"])


# ---------------------------------------------------------------------------------------------
# 1. A whole session over the socket


def test_a_whole_session_over_the_socket(server):
    key = create_resume(server)
    live = Live(server)
    assert live.subprotocol == PROTOCOL, "the server answers with the subprotocol it speaks"
    live.start(key, language="en")
    info, progress, kind, prompt = live.opened()
    assert info["session_id"] and info["unique_key"] == key and info["question_set_id"]
    assert (info["questions"], info["resumed"], info["state"], info["language"]) == (5, False, "in_progress", "en"), info
    assert progress == {"done": 0, "total": 5}
    assert kind == "prompt", prompt
    assert (prompt["question_index"], prompt["follow_up"]) == (0, 0)
    first = prompt["question"]
    assert first["question"] and len(first["what_good_answers_cover"]) >= 2, first

    # A partial answer: its evaluation, progress, then a follow-up about what it left out, in that order.
    text = partial_answer(first["what_good_answers_cover"])
    live.answer(text)
    evaluation, kind, follow_up = live.moved(done=1)
    assert [p["point"] for p in evaluation["key_points"]] == first["what_good_answers_cover"]
    covered = [p for p in evaluation["key_points"] if p["covered"]]
    assert covered and all(p["evidence"] for p in covered), evaluation
    assert missing_points(evaluation), evaluation
    assert evaluation["answer_kind"] == "answered" and evaluation["rubric_version"] == "rubric-v1"
    assert 0 < evaluation["score"] < 100 and evaluation["follow_up"], evaluation
    assert kind == "prompt", follow_up
    assert (follow_up["question_index"], follow_up["follow_up"]) == (0, 1)
    assert follow_up["question"]["question"] == evaluation["follow_up"]
    assert follow_up["question"]["what_good_answers_cover"] == missing_points(evaluation)
    assert follow_up["question"]["topic"] == first["topic"]

    # A skip (of the follow-up): no evaluation, the next main question.
    live.skip()
    _, kind, second = live.moved(done=1, evaluation=False)
    assert kind == "prompt" and (second["question_index"], second["follow_up"]) == (1, 0), second
    assert second["question"]["question"] != first["question"]

    # "I don't know": score 0, no follow-up.
    live.dont_know()
    dont_know, kind, third = live.moved(done=2)
    assert dont_know["score"] == 0 and dont_know["answer_kind"] == "dont_know", dont_know
    assert kind == "prompt" and (third["question_index"], third["follow_up"]) == (2, 0), third

    # End: progress, the report, and a normal close.
    live.end()
    assert live.expect("progress") == {"done": 2, "total": 5}
    report = live.expect("report")
    assert live.closed() == (1000, ""), "a finished session closes normally"
    assert report["rubric_version"] == "rubric-v1"
    assert [s["question_index"] for s in report["questions"]] == [0, 1, 2, 3, 4]
    q0, q1, *unreached = report["questions"]
    assert q0["score"] is not None and q0["score"] > 0 and q0["missing"] and not q0["skipped"]
    assert q1["score"] == 0 and not q1["skipped"]
    assert [s["score"] for s in unreached] == [None, None, None]

    # The stored session is what the socket showed.
    r = rest_get(server, info["session_id"])
    assert r.status_code == 200, r.text
    stored = r.json()
    assert stored["session"] == {**info, "state": "finished"}, (stored["session"], info)
    assert stored["pending"] is None and stored["report"] == report
    assert stored["questions"][0] == first and stored["questions"][1] == second["question"]
    assert turns(stored) == [(0, 0, "answered"), (0, 1, "skipped"), (1, 0, "dont_know")]
    assert stored["turns"][0]["answer"] == text and stored["turns"][0]["evaluation"] == evaluation
    assert same_prompt(stored["turns"][1]["prompt"], follow_up) and stored["turns"][1]["evaluation"] is None
    assert stored["turns"][2]["evaluation"] == dont_know
    assert [s["session_id"] for s in rest_sessions(server, key)] == [info["session_id"]]


def test_a_finished_session_resumes_to_its_report_and_the_socket_closes(server):
    key = create_resume(server)
    live = Live(server).start(key)
    info, _, _, _ = live.opened()
    live.end()
    live.expect("progress")
    report = live.expect("report")
    assert live.closed()[0] == 1000

    live = Live(server).resume(info["session_id"])
    resumed, progress, kind, value = live.opened()
    assert resumed["resumed"] is True and resumed["state"] == "finished" and progress == {"done": 0, "total": 5}
    assert kind == "report" and value == report
    # A report means the session is over: nothing more can move it, so the socket closes.
    assert live.closed()[0] == 1000
    assert rest_get(server, info["session_id"]).json()["turns"] == []


def test_the_last_answer_brings_the_report_and_the_socket_closes(server):
    key = create_resume(server)
    live = Live(server).start(key)
    info, _, _, _ = live.opened()
    for index in range(4):
        live.skip()
        _, kind, prompt = live.moved(done=index + 1, evaluation=False)
        assert kind == "prompt" and prompt["question_index"] == index + 1
    live.answer("I don't know.")
    evaluation, kind, report = live.moved(done=5)
    assert evaluation["answer_kind"] == "dont_know" and kind == "report"
    assert live.closed()[0] == 1000
    assert rest_get(server, info["session_id"]).json()["report"] == report


# ---------------------------------------------------------------------------------------------
# 2. A dropped socket, and two sockets on one session


def test_a_dropped_socket_resumes_at_the_pending_prompt(server):
    key = create_resume(server)
    live = Live(server).start(key)
    info, _, _, prompt = live.opened()
    live.answer(partial_answer(prompt["question"]["what_good_answers_cover"]))
    _, kind, pending = live.moved(done=1)
    assert kind == "prompt" and pending["follow_up"] == 1
    live.drop()

    live = Live(server).resume(info["session_id"])
    resumed, progress, kind, prompt = live.opened()
    assert resumed == {**info, "resumed": True}, (resumed, info)
    assert progress == {"done": 1, "total": 5}
    assert kind == "prompt" and same_prompt(prompt, pending), (prompt, pending)
    live.answer(VAGUE)
    evaluation, kind, prompt = live.moved(done=1)
    assert kind == "prompt" and (prompt["question_index"], prompt["follow_up"]) == (0, 2)
    assert prompt["question"]["question"] == evaluation["follow_up"]
    # Closing the socket without `end` leaves the session where it is.
    live.close()
    stored = rest_get(server, info["session_id"]).json()
    assert stored["session"]["state"] == "in_progress" and stored["report"] is None
    assert turns(stored) == [(0, 0, "answered"), (0, 1, "answered")]
    assert same_prompt(stored["pending"], prompt)


def test_a_move_on_a_stale_socket_is_a_conflict(server):
    """Two sockets hold one session at the same prompt; the first answers it. The second's move was
    meant for a prompt that is no longer pending: CONFLICT and close 4409, nothing stored."""
    key = create_resume(server)
    a = Live(server).start(key)
    info, _, _, prompt = a.opened()
    b = Live(server).resume(info["session_id"])
    _, _, _, seen = b.opened()
    assert same_prompt(seen, prompt)

    a.answer(partial_answer(prompt["question"]["what_good_answers_cover"]))
    _, kind, next_for_a = a.moved(done=1)
    assert kind == "prompt"

    b.answer("Core tables, relationships and keys: 12 tables, cut latency by 40%.")
    body = assert_error(b, 409, "CONFLICT")
    assert prompt["question"]["question"] not in body["detail"]
    stored = rest_get(server, info["session_id"]).json()
    assert turns(stored) == [(0, 0, "answered")] and same_prompt(stored["pending"], next_for_a)

    # The first socket is not disturbed.
    a.skip()
    _, kind, value = a.moved(done=1, evaluation=False)
    assert kind == "prompt" and (value["question_index"], value["follow_up"]) == (1, 0)
    a.close()


# ---------------------------------------------------------------------------------------------
# 3. Korean


def test_a_korean_session(server):
    key = create_resume(server, "senior-data-ko")
    live = Live(server).start(key, language="ko")
    info, _, kind, prompt = live.opened()
    assert info["language"] == "ko" and kind == "prompt"
    assert HANGUL.search(prompt["question"]["question"]), prompt
    answer = "PostgreSQL 인덱스를 추가해서 쿼리 지연을 40% 줄였고, 3주 동안 대시보드로 결과를 검증했습니다."
    live.answer(answer)
    evaluation, kind, _ = live.moved(done=1)
    # Feedback in the session's language.
    assert HANGUL.search(" ".join(evaluation["feedback"] + evaluation["strong_answer_outline"])), evaluation
    live.end()
    live.expect("progress")
    report = live.expect("report")
    assert live.closed()[0] == 1000
    stored = rest_get(server, info["session_id"]).json()
    assert stored["turns"][0]["answer"] == answer, "the answer is stored as sent (UTF-8 over the socket)"
    assert stored["report"] == report and stored["session"]["language"] == "ko"


# ---------------------------------------------------------------------------------------------
# 4. Keys, tenants and scopes (COACH_ADMIN_KEY set)


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("practice-live-access") / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    yield s
    s.stop()


SECRETS: list[str] = []  # every key this module made, for the log checks


def make_key(server, tenant: str, scopes: list[str]) -> str:
    r = requests.post(server.url("/api/v1/admin/keys"), json={"tenant": tenant, "scopes": scopes, "name": f"e2e live {tenant}"},
                      headers=auth(ADMIN), timeout=30)
    assert r.status_code == 201, r.text
    SECRETS.append(r.json()["key"])
    return r.json()["key"]


def tenant_resume(server, key: str, fixture: str = "senior-platform-en") -> str:
    r = requests.post(server.url("/api/v1/resumes"), json=fixture_resumes()[fixture], headers=auth(key), timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["unique_key"]


def test_without_a_valid_key_the_stream_refuses_the_socket(secured):
    member = make_key(secured, f"live-{uuid.uuid4().hex[:8]}", MEMBER)
    key = tenant_resume(secured, member)
    wrong = f"ic_{'0' * 16}_{'A' * 32}"
    for what, client in [
        ("no key", lambda: Live(secured)),
        ("a wrong key", lambda: Live(secured, key=wrong)),
        ("a wrong key as the subprotocol", lambda: Live(secured, key=wrong, via="subprotocol")),
        ("a garbage Authorization header", lambda: Live(secured, headers={"Authorization": "Basic dXNlcjpwYXNz"})),
    ]:
        # The upgrade is accepted; the stream behind it refuses the call at once, before any message.
        body = assert_error(client(), 401, "UNAUTHORIZED")
        assert "key" in body["detail"], (what, body)
    assert rest_sessions(secured, key, member) == [], "a refused socket started a session"


def test_a_key_in_a_header_or_as_the_subprotocol_opens_the_session(secured):
    member = make_key(secured, f"live-{uuid.uuid4().hex[:8]}", MEMBER)
    key = tenant_resume(secured, member)
    started = []
    for via, subprotocols, chosen in [
        ("bearer", (PROTOCOL,), PROTOCOL),
        ("bearer", (), None),  # no subprotocol offered: none chosen
        ("x-api-key", (PROTOCOL,), PROTOCOL),
        ("subprotocol", (PROTOCOL,), PROTOCOL),  # a browser: ["interviewcoach.practice.v1", "bearer.<key>"]
    ]:
        live = Live(secured, key=member, via=via, subprotocols=subprotocols)
        assert live.subprotocol == chosen, (via, live.subprotocol)
        live.start(key)
        info, _, kind, _ = live.opened()
        assert kind == "prompt" and info["unique_key"] == key, info
        live.skip()
        live.moved(done=1, evaluation=False)
        live.close()
        started.append(info["session_id"])
        r = rest_get(secured, info["session_id"], member)
        assert r.status_code == 200 and len(r.json()["turns"]) == 1, r.text
    assert sorted(s["session_id"] for s in rest_sessions(secured, key, member)) == sorted(started)

    # The subprotocol order does not matter; a browser offering only its key is refused (it must get ours back).
    live = Live(secured, key=None, subprotocols=(f"bearer.{member}", PROTOCOL))
    assert live.subprotocol == PROTOCOL
    live.start(key)
    live.opened()
    live.close()
    assert refused_upgrade(secured, key=member, via="subprotocol", subprotocols=()).response.status_code == 400


def test_another_tenants_key_cannot_resume_and_a_key_without_generate_is_forbidden(secured):
    marker = uuid.uuid4().hex[:8]
    acme = make_key(secured, f"acme-{marker}", MEMBER)
    globex = make_key(secured, f"globex-{marker}", MEMBER)
    reader = make_key(secured, f"acme-{marker}", ["resumes:read", "resumes:write"])
    key = tenant_resume(secured, acme)
    assert tenant_resume(secured, globex) == key, "globex has a resume under the same key"

    live = Live(secured, key=acme).start(key)
    info, _, _, prompt = live.opened()
    secret_question = prompt["question"]["question"]
    live.answer(partial_answer(prompt["question"]["what_good_answers_cover"]))
    live.moved(done=1)
    live.close()
    before = rest_get(secured, info["session_id"], acme).json()

    for via in ("bearer", "subprotocol"):
        live = Live(secured, key=globex, via=via).resume(info["session_id"])
        body = assert_error(live, 404, "NOT_FOUND")
        assert secret_question not in json.dumps(body, ensure_ascii=False)
    # Globex starting on "the same" key gets a session on its own resume, not acme's.
    live = Live(secured, key=globex).start(key)
    own, _, _, _ = live.opened()
    live.close()
    assert own["session_id"] != info["session_id"] and rest_get(secured, own["session_id"], acme).status_code == 404

    # Without the generate scope the stream refuses the call at once, before any message.
    for via in ("bearer", "x-api-key", "subprotocol"):
        body = assert_error(Live(secured, key=reader, via=via), 403, "FORBIDDEN")
        assert body["details"]["scope"] == "generate", body
    after = rest_get(secured, info["session_id"], acme).json()
    assert after == before, "a refused socket moved the session"
    assert [s["session_id"] for s in rest_sessions(secured, key, acme)] == [info["session_id"]]


def test_a_plain_get_is_426_with_or_without_a_key(secured):
    member = make_key(secured, f"live-{uuid.uuid4().hex[:8]}", MEMBER)
    for headers in ({}, auth(member), {"X-Request-ID": "live-plain-1"}):
        r = requests.get(secured.url(PATH), headers=headers, timeout=10)
        assert r.status_code == 426, r.text
        body = r.json()
        assert body["error_code"] == "UPGRADE_REQUIRED" and PROTOCOL in body["detail"], body
        assert body["request_id"] == r.headers["X-Request-ID"]
        if "X-Request-ID" in headers:
            assert body["request_id"] == "live-plain-1"


def raw_socket(server) -> tuple[socket.socket, bytes]:
    """A WebSocket upgrade by hand, for a test that needs the TCP connection itself: the socket and
    what came after the 101's head."""
    conn = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
    nonce = base64.b64encode(os.urandom(16)).decode()
    conn.sendall((f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{server.http_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {nonce}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        assert chunk, f"no upgrade response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return conn, rest


def client_frame(opcode: int, payload: bytes) -> bytes:
    assert len(payload) < 126
    mask = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def opcodes(data: bytes) -> list[int]:
    found = []
    while len(data) >= 2:
        length, start = data[1] & 0x7F, 2
        if length == 126:
            length, start = struct.unpack("!H", data[2:4])[0], 4
        found.append(data[0] & 0x0F)
        data = data[start + length:]
    return found


def test_a_refusing_server_completes_the_closing_handshake(secured):
    """A client sends its first message the moment the socket opens. When the stream refuses the
    call at once (here: no key), that message crosses the error frame. The server must still
    complete the closing handshake (RFC 6455 5.5.1 and 7.1.1): the error frame, its Close, then it
    takes the client's Close. A reset instead (the connection torn down with the client's message
    unread) can lose what the client has not read yet: Python's `websockets` then reports the
    close 4401 but drops the error frame that came with it."""
    outcomes: dict[str, int] = {}
    for _ in range(30):
        conn, data = raw_socket(secured)
        try:
            conn.sendall(client_frame(0x1, b'{"start": {"unique_key": "Nobody_1"}}'))
            conn.settimeout(5)
            while 0x8 not in opcodes(data):
                chunk = conn.recv(65536)
                assert chunk, f"the connection ended before the server's Close: {opcodes(data)}"
                data += chunk
            assert opcodes(data)[:2] == [0x1, 0x8], opcodes(data)
            time.sleep(0.1)
            try:
                conn.sendall(client_frame(0x8, struct.pack("!H", 4401)))
                time.sleep(0.2)
                while conn.recv(65536):
                    pass
                outcome = "the client's Close was taken"
            except (ConnectionResetError, BrokenPipeError) as error:
                outcome = f"reset ({type(error).__name__}) before the client's Close"
        finally:
            conn.close()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes == {"the client's Close was taken": 30}, (
        f"out of 30 refused sockets whose first message crossed the refusal: {outcomes}")


# ---------------------------------------------------------------------------------------------
# 5. Refusals and bad frames


def test_an_upgrade_from_another_origin_or_host_is_refused(tmp_path):
    server = Server(tmp_path / "data", env=NO_KEY).start()
    try:
        key = create_resume(server)
        port = server.http_port
        for what, kwargs in [
            ("another site", {"origin": "https://evil.example"}),
            ("another port", {"origin": f"http://127.0.0.1:{port + 1}"}),
            ("an opaque origin", {"origin": "null"}),
            ("DNS rebinding (Host and Origin both the rebound name)",
             {"origin": f"http://rebound.example:{port}", "headers": {"Host": f"rebound.example:{port}"}}),
            ("DNS rebinding without an Origin", {"headers": {"Host": f"rebound.example:{port}"}}),
            ("offering only other subprotocols", {"subprotocols": ("chat", "interviewcoach.practice.v2")}),
        ]:
            refused = refused_upgrade(server, **kwargs)
            assert refused.response.status_code == 400, (what, refused.response.status_code)
            assert bytes(refused.response.body or b"") == b"", (what, refused.response.body)
        # Same origin (and the loopback names) are fine.
        for origin, host in [(f"http://127.0.0.1:{port}", None), (f"http://localhost:{port}", f"localhost:{port}")]:
            live = Live(server, origin=origin, headers={"Host": host} if host else None)
            assert live.subprotocol == PROTOCOL
            live.start(key)
            live.opened()
            live.close()
        # The refused upgrades started nothing: only the two sessions above exist.
        assert len(rest_sessions(server, key)) == 2
    finally:
        server.stop()


def test_bad_frames_close_with_an_error(server):
    key = create_resume(server)
    cases = [
        ("not JSON", "garbage", 400, "BAD_REQUEST"),
        ("a binary frame", b'{"skip": {}}', 400, "BAD_REQUEST"),
        ("a JSON array", "[1]", 400, "BAD_REQUEST"),
        ("an unknown message", '{"bogus": {}}', 400, "BAD_REQUEST"),
        ("an unknown field", '{"answer": {"text": "x", "colour": "red"}}', 400, "BAD_REQUEST"),
        ("a wrong type", '{"answer": {"text": 5}}', 400, "BAD_REQUEST"),
        ("an empty message", "{}", 400, "BAD_REQUEST"),
        ("a move before start", '{"answer": {"text": "An answer."}}', 400, "BAD_REQUEST"),
        ("an unsupported language", json.dumps({"start": {"unique_key": key, "language": "fr"}}), 422, "VALIDATION_ERROR"),
        ("an unknown resume", '{"start": {"unique_key": "Nobody_1"}}', 404, "RESUME_NOT_FOUND"),
        ("an unknown session", '{"resume": {"session_id": "6b0000000000000000000000"}}', 404, "NOT_FOUND"),
    ]
    for what, frame, status, code in cases:
        live = Live(server).send(frame)
        body = assert_error(live, status, code)
        if code == "VALIDATION_ERROR":
            assert [v["field"] for v in body["details"]["validation_errors"]] == ["language"], body
        assert what  # (the case label shows in the traceback)

    # Mid-session: a bad frame ends the socket and leaves the session where it was.
    live = Live(server).start(key)
    info, _, _, prompt = live.opened()
    live.send(b"\x00\x01binary")
    assert_error(live, 400, "BAD_REQUEST")
    live = Live(server).resume(info["session_id"])
    live.opened()
    live.send("{not json")
    assert_error(live, 400, "BAD_REQUEST")
    # A frame over the edge's frame limit (64 KiB) is refused by the WebSocket layer.
    live = Live(server).resume(info["session_id"])
    live.opened()
    live.answer("x" * 70_000)
    assert live.closed()[0] == 1009, "message too big"
    stored = rest_get(server, info["session_id"]).json()
    assert stored["turns"] == [] and same_prompt(stored["pending"], prompt)


def test_an_answer_over_10000_characters_is_a_validation_error(server):
    key = create_resume(server)
    live = Live(server).start(key)
    info, _, _, prompt = live.opened()
    live.answer("x" * 10_001)
    body = assert_error(live, 422, "VALIDATION_ERROR")
    assert [v["field"] for v in body["details"]["validation_errors"]] == ["answer"], body
    assert rest_get(server, info["session_id"]).json()["turns"] == []
    # 10,000 characters are fine (Korean too: characters, not bytes).
    live = Live(server).resume(info["session_id"])
    live.opened()
    live.answer("가" * 10_000)
    evaluation, kind, _ = live.moved(done=1)
    assert evaluation["score"] >= 0 and kind == "prompt"
    live.close()
    assert rest_get(server, info["session_id"]).json()["turns"][0]["answer"] == "가" * 10_000


def test_an_error_frame_carries_the_request_id(server):
    """Every REST error names its request (X-Request-ID, or one made up); the socket's error frame
    is the REST error body, so it names the upgrade request's id."""
    live = Live(server, headers={"X-Request-ID": "live-req-42"}).send("garbage")
    body = assert_error(live, 400, "BAD_REQUEST")
    assert body["request_id"] == "live-req-42", f"the upgrade's X-Request-ID is not in the error frame: {body}"
    live = Live(server).send("garbage")
    body = assert_error(live, 400, "BAD_REQUEST")
    assert body["request_id"], f"the error frame names no request: {body}"


# ---------------------------------------------------------------------------------------------
# 6. The edge's cap on live streams, and shutdown


def test_the_live_stream_cap(tmp_path):
    server = Server(tmp_path / "data", env={**NO_KEY, "COACH_SSE_MAX_STREAMS": "1"}).start()
    try:
        key = create_resume(server)
        first = Live(server).start(key)
        info, _, _, _ = first.opened()

        # A second socket is refused at once: 503 and close 4503.
        for _ in range(2):
            body = assert_error(Live(server), 503, "SERVICE_UNAVAILABLE")
            assert "retry" in body["detail"], body

        # The first keeps working.
        first.skip()
        _, kind, value = first.moved(done=1, evaluation=False)
        assert kind == "prompt" and value["question_index"] == 1
        first.end()
        first.expect("progress")
        first.expect("report")
        assert first.closed()[0] == 1000
        assert len(rest_get(server, info["session_id"]).json()["turns"]) == 1, "the refused socket moved nothing"

        # The slot is free again after a normal close, and after a dropped connection.
        live = Live(server).start(key)
        live.opened()
        live.drop()
        deadline = time.monotonic() + 10
        while True:
            live = Live(server)
            refusal = live.refusal(wait=0.5)
            if refusal is None:
                live.start(key)
                live.opened()
                live.close()
                break
            assert refusal["error"]["error_code"] == "SERVICE_UNAVAILABLE", refusal
            assert time.monotonic() < deadline, "a dropped socket still holds the only live-stream slot after 10 s"
            time.sleep(0.2)

        # A burst of sockets: one is served, the others are refused.
        def attempt(_):
            live = Live(server)
            refusal = live.refusal(wait=1.5)
            if refusal:
                return refusal["error"]["error_code"]
            live.start(key)
            live.opened()
            live.close()
            return "served"

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            outcomes = list(pool.map(attempt, range(12)))
        assert outcomes.count("served") == 1, outcomes
        assert set(outcomes) <= {"served", "SERVICE_UNAVAILABLE"}, outcomes
    finally:
        server.stop()


def test_a_server_shutdown_closes_the_socket_and_the_session_resumes_after_restart(tmp_path):
    server = Server(tmp_path / "data", env=NO_KEY).start()
    try:
        key = create_resume(server)
        live = Live(server).start(key)
        info, _, _, prompt = live.opened()
        live.skip()
        _, _, pending = live.moved(done=1, evaluation=False)
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < 10, "an open socket held up the shutdown"
        # A close frame, not a dropped connection. (1001 "going away" would tell a client this
        # from a finished session; it gets no report either way.)
        code, _ = live.closed(timeout=5)
        assert code in (1000, 1001, 1012), code
        server.start()
        live = Live(server).resume(info["session_id"])
        resumed, progress, kind, value = live.opened()
        assert resumed["resumed"] and progress == {"done": 1, "total": 5}
        assert kind == "prompt" and same_prompt(value, pending)
        live.close()
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# 7. No key in the log


def assert_no_key_in(log: str, secrets: list[str]):
    assert "practice live stream ended" in log, "the server wrote no log of the sockets"
    assert ADMIN not in log, "the log holds COACH_ADMIN_KEY"
    for secret in secrets:
        for part in (secret, secret.split("_")[-1], secret.split("_")[-1][:-1]):
            assert part not in log, f"the log holds (part of) key {secret[:20]}…: " + next(
                line for line in log.splitlines() if part in line)[:600]


def test_no_key_reaches_the_log(tmp_path, secured):
    """Keys every way the socket takes them (header, X-API-Key, subprotocol; accepted, wrong and
    refused), on a server logging at debug level: none is in its log; nor in the log of this
    module's keyed server so far."""
    if SECRETS:  # the keyed tests above ran
        assert_no_key_in(secured.process.log(), SECRETS)
    server = Server(tmp_path / "data", env={"COACH_ADMIN_KEY": ADMIN, "LOG_LEVEL": "debug"}).start()
    secrets = []
    try:
        member = make_key(server, "logged", MEMBER)
        reader = make_key(server, "logged", ["resumes:read"])
        secrets += [member, reader]
        key = tenant_resume(server, member)
        for via in ("bearer", "x-api-key", "subprotocol"):
            live = Live(server, key=member, via=via).start(key)
            live.opened()
            live.skip()
            live.moved(done=1, evaluation=False)
            live.end()
            live.expect("progress")
            live.expect("report")
            live.closed()
            assert_error(Live(server, key=reader, via=via), 403, "FORBIDDEN")
            assert_error(Live(server, key=member[:-1] + "x", via=via), 401, "UNAUTHORIZED")
        refused_upgrade(server, key=member, via="subprotocol", origin="https://evil.example")
        refused_upgrade(server, key=member, via="subprotocol", subprotocols=("chat",))
    finally:
        server.stop()
    assert_no_key_in(server.process.log(), secrets)
