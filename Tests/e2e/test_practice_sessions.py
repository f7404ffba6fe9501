"""Practice sessions (issue #14) through the real binary: the bidirectional `PracticeService/Practice`
stream driven by a Python grpcio client (start, answers, follow-ups, "I don't know", skip, end,
disconnect and resume), GetSession / ListSessions, tenants and scopes, errors, the same state
machine over REST, and a resume's sessions going with it."""

import concurrent.futures
import importlib
import queue
import threading
import time
import urllib.parse
import uuid

import grpc
import pytest
import requests
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from conftest import Server, create_resume, fixture_resumes

READ_TIMEOUT = 20  # seconds for one event of a stream
CALL_DEADLINE = 90  # seconds for a whole stream (a last resort: no read waits past it)
ADMIN = f"e2e-admin-{uuid.uuid4().hex}"
MEMBER = ["resumes:read", "resumes:write", "generate"]
VAGUE = "It depends, I guess it was fine."


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module")
def pb(stubs):
    names = ["practice_service_pb2", "practice_service_pb2_grpc", "admin_service_pb2", "admin_service_pb2_grpc"]
    return {**stubs, **{name: importlib.import_module(f"interviewcoach.v1.{name}") for name in names}}


def bearer(key: str | None) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {key}")] if key else []


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class PracticeStream:
    """One `Practice` call: messages go through a queue, events are pumped by a thread into another
    queue so every read has a timeout (and the call a deadline)."""

    _END = object()

    def __init__(self, pb, channel: grpc.Channel, key: str | None = None):
        self.pb = pb
        self.pm = pb["practice_service_pb2"]
        self._requests: queue.Queue = queue.Queue()
        stub = pb["practice_service_pb2_grpc"].PracticeServiceStub(channel)
        self.call = stub.Practice(iter(self._requests.get, None), metadata=bearer(key), timeout=CALL_DEADLINE)
        self._events: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self):
        try:
            for event in self.call:
                self._events.put(event)
            self._events.put(self._END)
        except grpc.RpcError as error:
            self._events.put(error)
        except Exception as error:  # noqa: BLE001 - surfaced by the next read
            self._events.put(error)

    # Sending ---------------------------------------------------------------------------------

    def _send(self, field: str, value=None):
        message = self.pm.PracticeClientMessage()
        target = getattr(message, field)
        if value is not None:
            target.CopyFrom(value)
        target.SetInParent()
        self._requests.put(message)

    def start(self, unique_key: str, language: str = "en", question_set_id: str = ""):
        self._send("start", self.pm.StartSession(unique_key=unique_key, language=language, question_set_id=question_set_id))

    def resume(self, session_id: str):
        self._send("resume", self.pm.ResumeSession(session_id=session_id))

    def answer(self, text: str):
        self._send("answer", self.pm.PracticeAnswer(text=text))

    def skip(self):
        self._send("skip")

    def dont_know(self):
        self._send("dont_know")

    def end(self):
        self._send("end")

    def send_empty(self):
        self._requests.put(self.pm.PracticeClientMessage())

    # Reading ---------------------------------------------------------------------------------

    def _next(self, timeout: float):
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event from the Practice stream within {timeout}s (the stream hangs)") from None

    def read(self, timeout: float = READ_TIMEOUT):
        item = self._next(timeout)
        if item is self._END:
            raise AssertionError("the Practice stream ended where an event was expected")
        if isinstance(item, grpc.RpcError):
            raise AssertionError(f"the Practice stream failed: {item.code()} {item.details()} reason={reason(item)}")
        if isinstance(item, Exception):
            raise item
        return item

    def expect(self, kind: str, timeout: float = READ_TIMEOUT):
        event = self.read(timeout)
        assert event.WhichOneof("event") == kind, f"expected `{kind}`, got {event}"
        return getattr(event, kind)

    def error(self, timeout: float = READ_TIMEOUT) -> grpc.RpcError:
        """The status the stream fails with next (any event before it fails the test)."""
        item = self._next(timeout)
        assert isinstance(item, grpc.RpcError), f"expected the stream to fail, got {item if item is not self._END else 'its end (OK)'}"
        return item

    def expect_end(self, timeout: float = READ_TIMEOUT):
        item = self._next(timeout)
        assert item is self._END, f"expected the stream to end, got {item}"
        assert self.call.code() == grpc.StatusCode.OK, self.call.code()

    def opened(self):
        """`session`, `progress`, then the pending `prompt` or the `report`."""
        info = self.expect("session")
        progress = self.expect("progress")
        event = self.read()
        return info, progress, event

    def close(self):
        self._requests.put(None)

    def cancel(self):
        self.call.cancel()
        self._requests.put(None)
        self._thread.join(timeout=READ_TIMEOUT)


def reason(error: grpc.RpcError) -> str | None:
    """`ErrorInfo.reason` of the status (our `error_code`)."""
    status = rpc_status.from_call(error)
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return None


def violation_fields(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)
    fields = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
    return fields


def assert_status(error: grpc.RpcError, code: grpc.StatusCode, error_code: str):
    assert error.code() == code, f"{error.code()} {error.details()} (expected {code})"
    assert reason(error) == error_code, f"reason {reason(error)!r} (expected {error_code!r}): {error.details()}"


def partial_answer(points: list[str]) -> str:
    """Covers the first key point (in its own words, with numbers) and nothing else."""
    return f"About {points[0].lower()}: {points[0]}. We had 12 of them and cut the latency by 40% within 3 weeks."


def missing_points(evaluation) -> list[str]:
    return [p.point for p in evaluation.key_points if not p.covered]


def assert_same_prompt(a, b):
    assert (a.question_index, a.follow_up) == (b.question_index, b.follow_up), (a, b)
    assert a.question.question == b.question.question
    assert list(a.question.what_good_answers_cover) == list(b.question.what_good_answers_cover)


def assert_step(stream, done: int, total: int = 5, evaluation=True):
    """After a move: `evaluation` (unless skipped), `progress`; returns (evaluation, next event)."""
    ev = stream.expect("evaluation") if evaluation else None
    progress = stream.expect("progress")
    assert (progress.done, progress.total) == (done, total), progress
    return ev, stream.read()


def grpc_channel(server) -> grpc.Channel:
    return grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")


def rest_start(server, unique_key: str, headers=None, **extra) -> dict:
    r = requests.post(server.url("/api/v1/practice/sessions"), json={"unique_key": unique_key, "language": "en", **extra},
                      headers=headers, timeout=60)
    assert r.status_code == 201, r.text
    return r.json()


def rest_move(server, session_id: str, body: dict, headers=None) -> requests.Response:
    return requests.post(server.url(f"/api/v1/practice/sessions/{q(session_id)}/answers"), json=body, headers=headers, timeout=60)


def rest_end(server, session_id: str, headers=None) -> requests.Response:
    return requests.post(server.url(f"/api/v1/practice/sessions/{q(session_id)}/end"), headers=headers, timeout=60)


def rest_get(server, session_id: str, headers=None) -> requests.Response:
    return requests.get(server.url(f"/api/v1/practice/sessions/{q(session_id)}"), headers=headers, timeout=30)


def assert_rest_error(response, status: int, code: str):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    assert response.json()["error_code"] == code, response.text


# ---------------------------------------------------------------------------------------------
# 1. A whole session over the stream, with a disconnect in the middle


def test_a_whole_session_over_the_stream_survives_a_disconnect(server, pb):
    key = create_resume(server)
    channel = grpc_channel(server)
    stream = PracticeStream(pb, channel)
    stream.start(key, language="en")
    info, progress, event = stream.opened()
    assert info.session_id and info.unique_key == key and info.question_set_id
    assert info.questions == 5 and info.resumed is False and info.state == "in_progress" and info.language == "en"
    assert (progress.done, progress.total) == (0, 5)
    assert event.WhichOneof("event") == "prompt", event
    prompt = event.prompt
    assert (prompt.question_index, prompt.follow_up) == (0, 0)
    assert prompt.question.question and len(prompt.question.what_good_answers_cover) >= 2
    first_question = prompt.question

    # A partial answer: some key points covered, the others asked about in a follow-up.
    stream.answer(partial_answer(list(prompt.question.what_good_answers_cover)))
    evaluation, event = assert_step(stream, done=1)
    assert [p.point for p in evaluation.key_points] == list(first_question.what_good_answers_cover)
    covered = [p for p in evaluation.key_points if p.covered]
    assert covered and all(p.evidence for p in covered), evaluation
    assert missing_points(evaluation), evaluation
    assert evaluation.answer_kind == "answered" and evaluation.rubric_version == "rubric-v1"
    assert 0 < evaluation.score < 100
    assert evaluation.follow_up
    assert event.WhichOneof("event") == "prompt", event
    follow_up = event.prompt
    assert (follow_up.question_index, follow_up.follow_up) == (0, 1)
    assert follow_up.question.question == evaluation.follow_up
    assert list(follow_up.question.what_good_answers_cover) == missing_points(evaluation)
    assert follow_up.question.topic == first_question.topic

    # Vague answers to the follow-ups: a second follow-up, then no third.
    stream.answer(VAGUE)
    evaluation, event = assert_step(stream, done=1)
    assert event.WhichOneof("event") == "prompt", event
    assert (event.prompt.question_index, event.prompt.follow_up) == (0, 2)
    assert event.prompt.question.question == evaluation.follow_up
    assert list(event.prompt.question.what_good_answers_cover) == missing_points(evaluation)
    stream.answer(VAGUE)
    evaluation, event = assert_step(stream, done=1)
    assert missing_points(evaluation), "the third answer still leaves points out"
    assert event.WhichOneof("event") == "prompt", event
    pending = event.prompt
    assert (pending.question_index, pending.follow_up) == (1, 0), "at most two follow-ups per question"
    assert pending.question.question != first_question.question

    # Disconnect after receiving the prompt, then resume on a new connection.
    session_id = info.session_id
    stream.cancel()
    channel.close()

    channel = grpc_channel(server)
    stream = PracticeStream(pb, channel)
    stream.resume(session_id)
    info, progress, event = stream.opened()
    assert info.session_id == session_id and info.resumed is True and info.state == "in_progress"
    assert info.unique_key == key and info.questions == 5 and info.language == "en"
    assert (progress.done, progress.total) == (1, 5)
    assert event.WhichOneof("event") == "prompt", event
    assert_same_prompt(event.prompt, pending)

    # "I don't know": score 0, no follow-up.
    stream.dont_know()
    evaluation, event = assert_step(stream, done=2)
    assert evaluation.score == 0 and evaluation.answer_kind == "dont_know", evaluation
    assert event.WhichOneof("event") == "prompt", event
    assert (event.prompt.question_index, event.prompt.follow_up) == (2, 0)

    # A skip: no evaluation.
    stream.skip()
    _, event = assert_step(stream, done=3, evaluation=False)
    assert event.WhichOneof("event") == "prompt", event
    assert (event.prompt.question_index, event.prompt.follow_up) == (3, 0)

    # End early: progress, the report, and the stream ends.
    stream.end()
    progress = stream.expect("progress")
    assert (progress.done, progress.total) == (3, 5)
    report = stream.expect("report")
    stream.expect_end()
    channel.close()

    assert report.rubric_version == "rubric-v1"
    assert report.band in {"excellent", "good", "fair", "weak", "insufficient"}
    assert [s.question_index for s in report.questions] == [0, 1, 2, 3, 4]
    q0, q1, q2, q3, q4 = report.questions
    assert q0.HasField("score") and q0.score > 0 and not q0.skipped and q0.missing and q0.band
    assert set(q0.missing) <= set(first_question.what_good_answers_cover)
    assert q0.topic == first_question.topic
    assert q1.HasField("score") and q1.score == 0 and not q1.skipped
    assert q2.skipped and q2.missing
    for unreached in (q3, q4):
        assert not unreached.HasField("score"), unreached
        assert not unreached.skipped and not unreached.band and not unreached.missing
    scored = [s.score for s in report.questions if s.HasField("score")]
    assert report.score == round(sum(scored) / len(scored))
    assert report.gaps and report.topics_to_study
    assert any(g.detail in q0.missing for g in report.gaps)

    # 2. The stored session.
    stub = pb["practice_service_pb2_grpc"].PracticeServiceStub(grpc_channel(server))
    stored = stub.GetSession(pb["practice_service_pb2"].GetSessionRequest(session_id=session_id), timeout=10)
    assert stored.info.session_id == session_id and stored.info.state == "finished" and stored.info.unique_key == key
    assert len(stored.questions) == 5 and stored.questions[0].question == first_question.question
    assert [(t.prompt.question_index, t.prompt.follow_up, t.action) for t in stored.turns] == [
        (0, 0, "answered"), (0, 1, "answered"), (0, 2, "answered"), (1, 0, "dont_know"), (2, 0, "skipped"),
    ]
    assert stored.turns[1].answer == VAGUE
    assert all(t.HasField("evaluation") for t in stored.turns[:4]) and not stored.turns[4].HasField("evaluation")
    assert stored.turns[3].evaluation.score == 0
    ats = [t.at.ToDatetime() for t in stored.turns]
    assert ats == sorted(ats)
    assert not stored.HasField("pending")
    assert stored.report == report
    listed = stub.ListSessions(pb["practice_service_pb2"].ListSessionsRequest(unique_key=key), timeout=10)
    assert [(s.session_id, s.state) for s in listed.sessions] == [(session_id, "finished")]


def test_a_finished_session_resumes_to_its_report_and_refuses_moves(server, pb):
    key = create_resume(server)
    with grpc_channel(server) as channel:
        stream = PracticeStream(pb, channel)
        stream.start(key)
        info, _, event = stream.opened()
        assert event.WhichOneof("event") == "prompt"
        stream.end()
        stream.expect("progress")
        report = stream.expect("report")
        stream.expect_end()
        # Nothing reached: no question has a score.
        assert not any(s.HasField("score") for s in report.questions) and report.score == 0

        stream = PracticeStream(pb, channel)
        stream.resume(info.session_id)
        resumed, progress, event = stream.opened()
        assert resumed.resumed is True and resumed.state == "finished"
        assert (progress.done, progress.total) == (0, 5)
        assert event.WhichOneof("event") == "report" and event.report == report
        stream.answer("One more answer.")
        assert_status(stream.error(), grpc.StatusCode.ALREADY_EXISTS, "CONFLICT")

        for move in ("skip", "dont_know"):
            stream = PracticeStream(pb, channel)
            stream.resume(info.session_id)
            stream.opened()
            getattr(stream, move)()
            assert_status(stream.error(), grpc.StatusCode.ALREADY_EXISTS, "CONFLICT")

        # Ending it again is harmless: the same report.
        stream = PracticeStream(pb, channel)
        stream.resume(info.session_id)
        stream.opened()
        stream.end()
        stream.expect("progress")
        assert stream.expect("report") == report
        stream.expect_end()


def test_finishing_the_last_question_sends_the_report(server, pb):
    key = create_resume(server)
    with grpc_channel(server) as channel:
        stream = PracticeStream(pb, channel)
        stream.start(key)
        info, _, _ = stream.opened()
        for index in range(4):
            stream.skip()
            _, event = assert_step(stream, done=index + 1, evaluation=False)
            assert event.prompt.question_index == index + 1
        stream.answer("I don't know.")
        evaluation, event = assert_step(stream, done=5)
        assert evaluation.answer_kind == "dont_know" and evaluation.score == 0
        assert event.WhichOneof("event") == "report", event
        report = event.report
        assert [s.skipped for s in report.questions] == [True, True, True, True, False]
        assert all(s.HasField("score") for s in report.questions)
        stream.close()
        stream.expect_end()
        stub = pb["practice_service_pb2_grpc"].PracticeServiceStub(channel)
        stored = stub.GetSession(pb["practice_service_pb2"].GetSessionRequest(session_id=info.session_id), timeout=10)
        assert stored.info.state == "finished" and stored.report == report
        # An answer saying "I don't know" is stored as one.
        assert stored.turns[-1].action == "dont_know"


# ---------------------------------------------------------------------------------------------
# 3. Errors on the stream


def test_stream_errors(server, pb):
    key = create_resume(server)
    pm = pb["practice_service_pb2"]
    with grpc_channel(server) as channel:
        for move in ("answer", "skip", "dont_know", "end"):
            stream = PracticeStream(pb, channel)
            getattr(stream, move)(*(["An answer."] if move == "answer" else []))
            error = stream.error()
            assert_status(error, grpc.StatusCode.INVALID_ARGUMENT, "BAD_REQUEST")
            assert "start or resume" in error.details(), (move, error.details())

        stream = PracticeStream(pb, channel)
        stream.send_empty()
        assert_status(stream.error(), grpc.StatusCode.INVALID_ARGUMENT, "BAD_REQUEST")

        stream = PracticeStream(pb, channel)
        stream.resume("6b0000000000000000000000")
        assert_status(stream.error(), grpc.StatusCode.NOT_FOUND, "NOT_FOUND")

        stream = PracticeStream(pb, channel)
        stream.start("Nobody_1")
        assert_status(stream.error(), grpc.StatusCode.NOT_FOUND, "RESUME_NOT_FOUND")

        stream = PracticeStream(pb, channel)
        stream.start(key, question_set_id="6b0000000000000000000000")
        assert_status(stream.error(), grpc.StatusCode.NOT_FOUND, "INTERVIEW_NOT_FOUND")

        stream = PracticeStream(pb, channel)
        stream.start(key, language="fr")
        error = stream.error()
        assert_status(error, grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR")
        assert violation_fields(error) == ["language"], violation_fields(error)

        # One session per stream.
        stream = PracticeStream(pb, channel)
        stream.start(key)
        info, _, _ = stream.opened()
        stream.resume(info.session_id)
        assert_status(stream.error(), grpc.StatusCode.INVALID_ARGUMENT, "BAD_REQUEST")

        # An answer over the limit is refused and does not move the session.
        stream = PracticeStream(pb, channel)
        stream.resume(info.session_id)
        stream.opened()
        stream.answer("x" * 10_001)
        error = stream.error()
        assert_status(error, grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR")
        assert violation_fields(error) == ["answer"], violation_fields(error)
        stub = pb["practice_service_pb2_grpc"].PracticeServiceStub(channel)
        assert len(stub.GetSession(pm.GetSessionRequest(session_id=info.session_id), timeout=10).turns) == 0

        with pytest.raises(grpc.RpcError) as missing:
            stub.GetSession(pm.GetSessionRequest(session_id="6b0000000000000000000000"), timeout=10)
        assert_status(missing.value, grpc.StatusCode.NOT_FOUND, "NOT_FOUND")


def test_a_stream_whose_session_another_stream_moved_gets_a_conflict(server, pb):
    """Two streams hold one session at the same prompt; the first answers it. The second's answer
    was meant for a prompt that is no longer pending: it must be refused (CONFLICT), not applied to
    a prompt that stream never saw."""
    key = create_resume(server)
    with grpc_channel(server) as channel:
        a, b = PracticeStream(pb, channel), PracticeStream(pb, channel)
        a.start(key)
        info, _, event = a.opened()
        b.resume(info.session_id)
        _, _, seen = b.opened()
        seen_by_b = seen.prompt
        assert_same_prompt(seen_by_b, event.prompt)

        a.answer(partial_answer(list(event.prompt.question.what_good_answers_cover)))
        _, next_for_a = assert_step(a, done=1)
        assert next_for_a.WhichOneof("event") == "prompt"

        b.answer("Core tables, relationships and keys: 12 tables, cut latency by 40%.")
        first = b._next(READ_TIMEOUT)
        stored = pb["practice_service_pb2_grpc"].PracticeServiceStub(channel).GetSession(
            pb["practice_service_pb2"].GetSessionRequest(session_id=info.session_id), timeout=10)
        turns = [(t.prompt.question_index, t.prompt.follow_up) for t in stored.turns]
        assert isinstance(first, grpc.RpcError), (
            f"stream B's answer, given to prompt {(seen_by_b.question_index, seen_by_b.follow_up)}, was applied to the prompt stream A "
            f"moved the session to, which B never received: B got `{first.WhichOneof('event') if hasattr(first, 'WhichOneof') else first}`; "
            f"stored turns (question_index, follow_up) {turns}")
        assert_status(first, grpc.StatusCode.ALREADY_EXISTS, "CONFLICT")
        assert turns == [(0, 0)]


def test_concurrent_moves_never_lose_an_update(server, pb):
    """Moves racing on one session: each either is stored (and then is a turn) or is refused with
    CONFLICT; the revision check never lets two moves overwrite each other."""
    key = create_resume(server)
    session_id = rest_start(server, key)["session"]["session_id"]
    barrier = threading.Barrier(6)

    def move(_):
        barrier.wait(timeout=10)
        return rest_move(server, session_id, {"action": "skip"})

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(move, range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, [(r.status_code, r.text) for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert r.json()["error_code"] == "CONFLICT", r.text
    stored = rest_get(server, session_id).json()
    assert len(stored["turns"]) == statuses.count(200), (statuses, stored["turns"])
    assert [t["prompt"]["question_index"] for t in stored["turns"]] == list(range(statuses.count(200)))


# ---------------------------------------------------------------------------------------------
# 2. Tenants and scopes


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("practice-access") / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    yield s
    s.stop()


def create_key(server, pb, tenant: str, scopes: list[str], **limits) -> str:
    admin = pb["admin_service_pb2"]
    with grpc_channel(server) as channel:
        created = pb["admin_service_pb2_grpc"].AdminServiceStub(channel).CreateKey(
            admin.CreateKeyRequest(tenant=tenant, scopes=scopes, name=f"e2e practice {tenant}", limits=admin.KeyLimits(**limits)),
            metadata=bearer(ADMIN), timeout=30)
    return created.secret


def test_sessions_belong_to_their_tenant(secured, pb):
    pm = pb["practice_service_pb2"]
    suffix = uuid.uuid4().hex[:8]
    acme = create_key(secured, pb, f"acme-{suffix}", MEMBER)
    globex = create_key(secured, pb, f"globex-{suffix}", MEMBER)
    reader = create_key(secured, pb, f"acme-{suffix}", ["resumes:read", "resumes:write"])

    body = fixture_resumes()["senior-platform-en"]
    r = requests.post(secured.url("/api/v1/resumes"), json=body, headers={"Authorization": f"Bearer {acme}"}, timeout=10)
    assert r.status_code == 201, r.text
    key = r.json()["unique_key"]
    # The other tenant has a resume under the same key: still none of acme's sessions.
    r = requests.post(secured.url("/api/v1/resumes"), json=body, headers={"Authorization": f"Bearer {globex}"}, timeout=10)
    assert r.status_code == 201 and r.json()["unique_key"] == key, r.text

    with grpc_channel(secured) as channel:
        stub = pb["practice_service_pb2_grpc"].PracticeServiceStub(channel)
        stream = PracticeStream(pb, channel, key=acme)
        stream.start(key)
        info, _, event = stream.opened()
        secret_question = event.prompt.question.question
        stream.answer(partial_answer(list(event.prompt.question.what_good_answers_cover)))
        assert_step(stream, done=1)
        stream.cancel()

        # Globex can neither resume, get nor list it.
        stream = PracticeStream(pb, channel, key=globex)
        stream.resume(info.session_id)
        error = stream.error()
        assert_status(error, grpc.StatusCode.NOT_FOUND, "NOT_FOUND")
        assert secret_question not in f"{error.details()} {error.trailing_metadata()}"
        with pytest.raises(grpc.RpcError) as got:
            stub.GetSession(pm.GetSessionRequest(session_id=info.session_id), metadata=bearer(globex), timeout=10)
        assert_status(got.value, grpc.StatusCode.NOT_FOUND, "NOT_FOUND")
        for unique_key in (key, ""):
            listed = stub.ListSessions(pm.ListSessionsRequest(unique_key=unique_key), metadata=bearer(globex), timeout=10)
            assert info.session_id not in [s.session_id for s in listed.sessions]
        assert_rest_error(rest_get(secured, info.session_id, headers={"Authorization": f"Bearer {globex}"}), 404, "NOT_FOUND")
        assert_rest_error(rest_move(secured, info.session_id, {"action": "skip"}, headers={"Authorization": f"Bearer {globex}"}),
                          404, "NOT_FOUND")

        # Acme still sees it, unmoved by the attempts.
        stored = stub.GetSession(pm.GetSessionRequest(session_id=info.session_id), metadata=bearer(acme), timeout=10)
        assert stored.info.state == "in_progress" and len(stored.turns) == 1
        listed = stub.ListSessions(pm.ListSessionsRequest(unique_key=key), metadata=bearer(acme), timeout=10)
        assert [s.session_id for s in listed.sessions] == [info.session_id]

        # Without the generate scope, PracticeService is refused.
        stream = PracticeStream(pb, channel, key=reader)
        stream.resume(info.session_id)
        assert stream.error().code() == grpc.StatusCode.PERMISSION_DENIED
        stream = PracticeStream(pb, channel, key=reader)
        stream.start(key)
        assert stream.error().code() == grpc.StatusCode.PERMISSION_DENIED
        for name, request in [("GetSession", pm.GetSessionRequest(session_id=info.session_id)),
                              ("ListSessions", pm.ListSessionsRequest(unique_key=key))]:
            with pytest.raises(grpc.RpcError) as refused:
                getattr(stub, name)(request, metadata=bearer(reader), timeout=10)
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED, (name, refused.value.code())
        r = rest_get(secured, info.session_id, headers={"Authorization": f"Bearer {reader}"})
        assert_rest_error(r, 403, "FORBIDDEN")

        # Without a key at all.
        stream = PracticeStream(pb, channel)
        stream.resume(info.session_id)
        assert stream.error().code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_keys_max_streams_counts_its_practice_streams_with_its_watches(secured, pb):
    """A practice conversation stays open as long as the candidate takes, so a key's `max_streams`
    counts it, in one budget with its `WatchTask` calls; the slot comes back when the stream ends."""
    ts = pb["task_service_pb2"]
    limited = create_key(secured, pb, f"streams-{uuid.uuid4().hex[:8]}", MEMBER, max_streams=1)
    r = requests.post(secured.url("/api/v1/resumes"), json=fixture_resumes()["senior-platform-en"],
                      headers={"Authorization": f"Bearer {limited}"}, timeout=10)
    assert r.status_code == 201, r.text
    key = r.json()["unique_key"]
    r = requests.post(secured.url(f"/api/v1/interview/async/{q(key)}/questions"), headers={"Authorization": f"Bearer {limited}"}, timeout=10)
    assert r.status_code == 202, r.text
    task_id = r.json()["task_id"]

    with grpc_channel(secured) as channel:
        tasks = pb["task_service_pb2_grpc"].TaskServiceStub(channel)

        def watch():
            return list(tasks.WatchTask(ts.WatchTaskRequest(task_id=task_id), metadata=bearer(limited), timeout=30))

        held = PracticeStream(pb, channel, key=limited)
        held.start(key)
        info, _, _ = held.opened()  # the key's one stream, open

        second = PracticeStream(pb, channel, key=limited)
        second.resume(info.session_id)
        error = second.error()
        assert_status(error, grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
        assert "max_streams" in error.details(), error.details()
        with pytest.raises(grpc.RpcError) as refused:
            watch()
        assert_status(refused.value, grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
        # Calls that are not streams go on.
        practice = pb["practice_service_pb2_grpc"].PracticeServiceStub(channel)
        stored = practice.GetSession(pb["practice_service_pb2"].GetSessionRequest(session_id=info.session_id),
                                     metadata=bearer(limited), timeout=10)
        assert stored.info.session_id == info.session_id

        # Hanging up gives the slot back (the server sees the cancellation shortly after).
        held.cancel()

        def reopen():
            stream = PracticeStream(pb, channel, key=limited)
            stream.resume(info.session_id)
            first = stream._next(READ_TIMEOUT)
            if isinstance(first, grpc.RpcError):
                raise first
            return stream, first

        again, first = once_a_slot_is_free(reopen)
        assert first is not PracticeStream._END and first.WhichOneof("event") == "session", first
        assert first.session.session_id == info.session_id and first.session.resumed
        # Now the watch is the one refused, until that stream ends too.
        with pytest.raises(grpc.RpcError) as refused:
            watch()
        assert_status(refused.value, grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
        again.cancel()
        events = once_a_slot_is_free(watch)
        assert events and events[-1].task.task_id == task_id, events


def once_a_slot_is_free(attempt, seconds: float = 10):
    """`attempt()`, again while it is refused for the key's stream limit (a stream just hung up
    gives its slot back shortly after, not at once), for up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return attempt()
        except grpc.RpcError as refused:
            assert_status(refused, grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
            assert time.monotonic() < deadline, f"no stream slot came back within {seconds} s"
            time.sleep(0.2)


# ---------------------------------------------------------------------------------------------
# 4. REST


def test_a_whole_session_over_rest(server):
    key = create_resume(server)
    step = rest_start(server, key)
    session = step["session"]
    assert session["questions"] == 5 and session["state"] == "in_progress" and session["resumed"] is False
    assert session["unique_key"] == key and session["language"] == "en"
    assert step["progress"] == {"done": 0, "total": 5}
    assert step["evaluation"] is None and step["report"] is None
    prompt = step["prompt"]
    assert prompt["question_index"] == 0 and prompt["follow_up"] == 0
    sid = session["session_id"]

    r = rest_move(server, sid, {"answer": partial_answer(prompt["question"]["what_good_answers_cover"])})
    assert r.status_code == 200, r.text
    step = r.json()
    evaluation = step["evaluation"]
    missing = [p["point"] for p in evaluation["key_points"] if not p["covered"]]
    assert any(p["covered"] for p in evaluation["key_points"]) and missing
    assert step["progress"] == {"done": 1, "total": 5}
    assert step["prompt"]["question_index"] == 0 and step["prompt"]["follow_up"] == 1
    assert step["prompt"]["question"]["question"] == evaluation["follow_up"]
    assert step["prompt"]["question"]["what_good_answers_cover"] == missing
    assert step["report"] is None

    r = rest_move(server, sid, {"action": "skip"})
    assert r.status_code == 200, r.text
    step = r.json()
    assert step["evaluation"] is None and step["progress"] == {"done": 1, "total": 5}
    assert (step["prompt"]["question_index"], step["prompt"]["follow_up"]) == (1, 0)

    r = rest_move(server, sid, {"action": "dont_know"})
    assert r.status_code == 200, r.text
    step = r.json()
    assert step["evaluation"]["score"] == 0 and step["evaluation"]["answer_kind"] == "dont_know"
    assert step["progress"] == {"done": 2, "total": 5}
    assert (step["prompt"]["question_index"], step["prompt"]["follow_up"]) == (2, 0)

    r = rest_end(server, sid)
    assert r.status_code == 200, r.text
    step = r.json()
    assert step["prompt"] is None and step["evaluation"] is None
    assert step["progress"] == {"done": 2, "total": 5}
    report = step["report"]
    assert report["rubric_version"] == "rubric-v1"
    assert [s["question_index"] for s in report["questions"]] == [0, 1, 2, 3, 4]
    assert report["questions"][0]["score"] is not None and report["questions"][0]["missing"]
    assert report["questions"][1]["score"] == 0
    assert [s["score"] for s in report["questions"][2:]] == [None, None, None]

    r = rest_get(server, sid)
    assert r.status_code == 200, r.text
    stored = r.json()
    assert stored["session"]["state"] == "finished" and stored["pending"] is None and stored["report"] == report
    assert [(t["prompt"]["question_index"], t["prompt"]["follow_up"], t["action"]) for t in stored["turns"]] == [
        (0, 0, "answered"), (0, 1, "skipped"), (1, 0, "dont_know")]
    assert stored["turns"][1].get("evaluation") is None and stored["turns"][2]["evaluation"]["score"] == 0

    r = requests.get(server.url("/api/v1/practice/sessions"), params={"unique_key": key}, timeout=10)
    assert r.status_code == 200, r.text
    assert [s["session_id"] for s in r.json()["sessions"]] == [sid]

    # A finished session refuses moves; ending it again returns its report.
    for body in ({"answer": "More."}, {"action": "skip"}, {"action": "dont_know"}):
        assert_rest_error(rest_move(server, sid, body), 409, "CONFLICT")
    r = rest_end(server, sid)
    assert r.status_code == 200 and r.json()["report"] == report, r.text


def test_rest_and_grpc_drive_one_state_machine(server, pb):
    key = create_resume(server)
    # Started over gRPC, continued over REST.
    with grpc_channel(server) as channel:
        stream = PracticeStream(pb, channel)
        stream.start(key)
        info, _, event = stream.opened()
        stream.skip()
        _, event = assert_step(stream, done=1, evaluation=False)
        grpc_pending = event.prompt
        stream.close()
        stream.expect_end()

    r = rest_get(server, info.session_id)
    assert r.status_code == 200, r.text
    pending = r.json()["pending"]
    assert (pending["question_index"], pending["follow_up"]) == (grpc_pending.question_index, grpc_pending.follow_up) == (1, 0)
    assert pending["question"]["question"] == grpc_pending.question.question
    r = rest_move(server, info.session_id, {"action": "dont_know"})
    assert r.status_code == 200, r.text
    assert r.json()["prompt"]["question_index"] == 2

    # Started over REST, continued over gRPC.
    step = rest_start(server, key)
    sid = step["session"]["session_id"]
    r = rest_move(server, sid, {"action": "skip"})
    assert r.status_code == 200, r.text
    rest_pending = r.json()["prompt"]
    with grpc_channel(server) as channel:
        stream = PracticeStream(pb, channel)
        stream.resume(sid)
        resumed, progress, event = stream.opened()
        assert resumed.resumed and resumed.state == "in_progress" and (progress.done, progress.total) == (1, 5)
        assert (event.prompt.question_index, event.prompt.follow_up) == (rest_pending["question_index"], rest_pending["follow_up"])
        assert event.prompt.question.question == rest_pending["question"]["question"]
        stream.dont_know()
        assert_step(stream, done=2)
        stream.end()
        stream.expect("progress")
        report = stream.expect("report")
        stream.expect_end()
    stored = rest_get(server, sid).json()
    assert [t["action"] for t in stored["turns"]] == ["skipped", "dont_know"]
    assert stored["session"]["state"] == "finished" and stored["report"]["score"] == report.score
    assert_rest_error(rest_move(server, sid, {"action": "skip"}), 409, "CONFLICT")


def test_rest_bad_bodies_and_unknown_sessions(server):
    key = create_resume(server)
    sid = rest_start(server, key)["session"]["session_id"]
    cases = [
        ({"action": "pass"}, "action"),
        ({}, "answer"),
        ({"action": "answer"}, "answer"),
        ({"answer": "An answer.", "colour": "red"}, "colour"),
        ({"answer": 5}, "answer"),
        ({"answer": "x" * 10_001}, "answer"),
    ]
    for body, field in cases:
        r = rest_move(server, sid, body)
        assert r.status_code == 422, (body if len(str(body)) < 80 else "long answer", r.text)
        fields = [v["field"] for v in r.json()["details"]["validation_errors"]]
        assert field in fields, (field, fields)
    for body, field in [
        ({"unique_key": key, "language": "fr"}, "language"),
        ({}, "unique_key"),
        ({"unique_key": key, "colour": "red"}, "colour"),
    ]:
        r = requests.post(server.url("/api/v1/practice/sessions"), json=body, timeout=30)
        assert r.status_code == 422, (body, r.text)
        fields = [v["field"] for v in r.json()["details"]["validation_errors"]]
        assert field in fields, (field, fields)
    # None of that moved the session.
    assert rest_get(server, sid).json()["turns"] == []

    r = requests.post(server.url("/api/v1/practice/sessions"), json={"unique_key": "Nobody_1"}, timeout=30)
    assert_rest_error(r, 404, "RESUME_NOT_FOUND")
    unknown = "6b0000000000000000000000"
    assert_rest_error(rest_get(server, unknown), 404, "NOT_FOUND")
    assert_rest_error(rest_move(server, unknown, {"action": "skip"}), 404, "NOT_FOUND")
    assert_rest_error(rest_end(server, unknown), 404, "NOT_FOUND")


# ---------------------------------------------------------------------------------------------
# 5. A resume's sessions go with it


def test_deleting_the_resume_deletes_its_sessions(server, pb):
    key = create_resume(server)
    body = dict(fixture_resumes()["senior-platform-en"], name="Other Person")
    r = requests.post(server.url("/api/v1/resumes"), json=body, timeout=10)
    assert r.status_code == 201, r.text
    other = r.json()["unique_key"]
    grpc_sid = None
    with grpc_channel(server) as channel:
        stream = PracticeStream(pb, channel)
        stream.start(key)
        info, _, _ = stream.opened()
        grpc_sid = info.session_id
        stream.close()
        stream.expect_end()
    rest_sid = rest_start(server, key)["session"]["session_id"]
    kept = rest_start(server, other)["session"]["session_id"]

    r = requests.delete(server.url(f"/api/v1/resumes/{q(key)}"), timeout=10)
    assert r.status_code in (200, 204), r.text

    for sid in (grpc_sid, rest_sid):
        assert_rest_error(rest_get(server, sid), 404, "NOT_FOUND")
        assert_rest_error(rest_move(server, sid, {"action": "skip"}), 404, "NOT_FOUND")
    r = requests.get(server.url("/api/v1/practice/sessions"), params={"unique_key": key}, timeout=10)
    assert r.status_code == 200 and r.json()["sessions"] == [], r.text
    pm = pb["practice_service_pb2"]
    with grpc_channel(server) as channel:
        with pytest.raises(grpc.RpcError) as gone:
            pb["practice_service_pb2_grpc"].PracticeServiceStub(channel).GetSession(pm.GetSessionRequest(session_id=grpc_sid), timeout=10)
        assert_status(gone.value, grpc.StatusCode.NOT_FOUND, "NOT_FOUND")
        stream = PracticeStream(pb, channel)
        stream.resume(rest_sid)
        assert_status(stream.error(), grpc.StatusCode.NOT_FOUND, "NOT_FOUND")
    # Another resume's session stays.
    assert rest_get(server, kept).status_code == 200
