"""The browser pages (/test, /practice and /docs) driven by Playwright in Debian's chromium against the
real `interview-coach serve` process: create a resume with hostile text, run a learning-path job over
SSE to 100 %, run a practice interview to its report over the live WebSocket (a lost connection
included), and prove the pages render the results and never turn server text into markup."""

import json
import re
import shutil
import socket
import threading
import time
import uuid

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from conftest import ARTIFACTS, Server, fixture_resumes

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
JOB_TIMEOUT_MS = 120_000

# `name` may not contain "/" (spec), so the closing-tag payload goes into the summary and the skills.
HOSTILE_NAME = "Eve <img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# The key the keyed server is started with (COACH_ADMIN_KEY: at least 16 characters, no spaces).
ADMIN = f"e2e-browser-admin-{uuid.uuid4().hex}"
KEY_STORAGE = "interviewcoach.apiKey"  # the sessionStorage name apikey.js uses on both pages


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def hostile_resume() -> dict:
    resume = json.loads(json.dumps(fixture_resumes()["senior-platform-en"]))
    resume["name"] = HOSTILE_NAME
    resume["summary"] = f"Platform engineer {SCRIPT} {IMG} with nine years of payment infrastructure."
    resume["technical_skills"]["others"] = ["gRPC", SCRIPT]
    return resume


def test_learning_job_end_to_end_renders_untrusted_text_as_text(server, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(server.url("/test"))
        expect(page.locator("#service")).to_have_value("interview")
        expect(page.locator("#language")).to_have_value("ko")

        page.fill("#resume-json", json.dumps(hostile_resume(), ensure_ascii=False))
        page.click("#create-resume")
        key = page.locator("#resume-key")
        expect(key).to_have_value(re.compile(r"^Eve <img src=x onerror=alert\(1\)>_\d+$"))
        # The new key is selected in the list too (the list was refreshed from GET /api/v1/resumes).
        expect(page.locator("#resume-list")).to_have_value(key.input_value())

        page.select_option("#service", "learning")
        page.click("#start-job")

        expect(page.locator("#progress-text")).to_contain_text("100", timeout=JOB_TIMEOUT_MS)
        page.wait_for_function(
            "document.querySelectorAll('#result .learning-item').length >= 2", timeout=JOB_TIMEOUT_MS
        )
        assert page.locator("#progress-bar").evaluate("el => el.value") == 100

        # The live log has one line per event, the terminal event and the close included.
        log = page.locator("#event-log")
        expect(log).to_contain_text("completed")
        expect(log).to_contain_text("close")
        assert log.locator("li").count() >= 3

        # The resume panel shows the hostile strings literally and creates no element from them.
        panel = page.locator("#resume-panel")
        expect(panel).to_contain_text(SCRIPT)
        expect(panel).to_contain_text(IMG)
        expect(panel).to_contain_text(HOSTILE_NAME)
        assert panel.locator("img").count() == 0
        assert panel.locator("script").count() == 0
        assert page.locator("#result img, #result script, #event-log img, #status img").count() == 0

        # Links in the result are https:// only and open safely.
        for link in page.locator("#result a[href]").all():
            assert link.get_attribute("href").startswith("https://")
            assert link.get_attribute("rel") == "noopener noreferrer"
            assert link.get_attribute("target") == "_blank"
        expect(page.locator("#result .analysis")).to_be_visible()

        assert page.dialogs == [], page.dialogs
        assert page.errors == [], page.errors
    finally:
        page.screenshot(path=str(ARTIFACTS / "test-page.png"), full_page=True)


def test_pages_ask_for_a_key_and_use_it_from_session_storage(tmp_path, page):
    """With COACH_ADMIN_KEY set, /test asks for a key on 401, keeps it in sessionStorage only, sends it
    as `Authorization: Bearer` on every API call and on the fetch-based SSE reader (a reconnect
    included, with Last-Event-ID), and /docs in the same tab sees it saved."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(tmp_path / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    requests_seen = []  # (method, url, headers) of every request the page made
    page.on("request", lambda request: requests_seen.append((request.method, request.url, request.headers)))
    try:
        # No key yet: the list request at load answers 401 and the page asks for a key.
        page.goto(server.url("/test"))
        status = page.locator("#status")
        key_field = page.locator("#api-key")
        expect(status).to_contain_text("401")
        expect(status).to_contain_text("UNAUTHORIZED")
        expect(status.locator(".access-hint")).to_contain_text("requires an API key")
        expect(key_field).to_be_focused()
        expect(page.locator("#api-key-bar")).to_have_class(re.compile(r"\battention\b"))
        expect(key_field).to_have_attribute("type", "password")
        expect(key_field).to_have_attribute("autocomplete", "off")
        page.click("#sample-resume")
        page.click("#create-resume")
        expect(status).to_contain_text("Creating the resume failed: HTTP 401")
        expect(status.locator(".access-hint")).to_contain_text("requires an API key")

        # A wrong key is refused, and the page says so.
        key_field.fill("not-the-right-key-0000")
        page.click("#api-key-save")
        expect(status.locator(".access-hint")).to_contain_text("refused the saved API key", timeout=15_000)

        # The admin key: Enter saves it like the button does; the field is emptied, the list loads.
        key_field.fill(ADMIN)
        key_field.press("Enter")
        expect(key_field).to_have_value("")
        expect(page.locator("#api-key-state")).to_contain_text("saved")
        expect(page.locator("#api-key-bar")).not_to_have_class(re.compile(r"\battention\b"))
        expect(page.locator("#resume-list option").first).to_have_text("(no resumes yet)")

        # The first stream connection is cut short after its second event (the real answer,
        # truncated, without `close`): the reader must reconnect with Last-Event-ID and the key.
        stream = {"events": None, "calls": 0}

        def cut_first_stream(route):
            stream["calls"] += 1
            if stream["calls"] > 1:
                route.continue_()
                return
            response = route.fetch()
            blocks = response.text().split("\n\n")
            stream["events"] = [b for b in blocks if "\nevent: " in "\n" + b]
            kept = [b for b in blocks if b.startswith("retry:")] + [b for b in blocks if b.startswith("id: ")][:2]
            route.fulfill(status=200, headers={"Content-Type": "text/event-stream; charset=utf-8"}, body="\n\n".join(kept) + "\n\n")

        page.route("**/api/v1/learning/tasks/*/stream", cut_first_stream)

        page.fill("#resume-json", json.dumps(hostile_resume(), ensure_ascii=False))
        page.click("#create-resume")
        resume_key = page.locator("#resume-key")
        expect(resume_key).to_have_value(re.compile(r"^Eve <img src=x onerror=alert\(1\)>_\d+$"))
        expect(page.locator("#resume-list")).to_have_value(resume_key.input_value())
        page.select_option("#service", "learning")
        page.click("#start-job")
        expect(page.locator("#progress-text")).to_contain_text("100", timeout=JOB_TIMEOUT_MS)
        page.wait_for_function("document.querySelectorAll('#result .learning-item').length >= 2", timeout=JOB_TIMEOUT_MS)
        log = page.locator("#event-log")
        expect(log.locator("li.ev-close")).to_have_count(1, timeout=15_000)
        expect(log.locator("li.ev-reconnect")).to_have_count(1)
        expect(log.locator("li.ev-completed")).to_have_count(1)
        # Every event was shown once: none lost, none replayed twice across the reconnect.
        progress_events = [b for b in stream["events"] if "\nevent: progress\n" in "\n" + b + "\n"]
        expect(log.locator("li.ev-progress")).to_have_count(len(progress_events))
        assert page.locator("#result img, #result script, #event-log img, #status img, #resume-panel img").count() == 0
        expect(page.locator("#stop-job")).to_be_disabled()

        # The key: in sessionStorage only.
        assert page.evaluate(f"sessionStorage.getItem({json.dumps(KEY_STORAGE)})") == ADMIN
        local = page.evaluate("Object.keys(localStorage).map((k) => k + '=' + localStorage.getItem(k))")
        assert not any(ADMIN in item for item in local), local
        assert ADMIN not in page.evaluate("document.cookie")
        assert ADMIN not in page.content()
        assert not [c for c in page.context.cookies() if ADMIN in c["value"]]

        # Every API request after the save carried it as a Bearer header; no URL ever held it.
        assert requests_seen
        assert not [url for _, url, _ in requests_seen if ADMIN in url]
        api_calls = [(m, url, h) for m, url, h in requests_seen if "/api/v1/" in url]
        saved_at = next(i for i, (_, _, h) in enumerate(api_calls) if h.get("authorization") == f"Bearer {ADMIN}")
        unkeyed = [f"{m} {url}" for m, url, h in api_calls[saved_at:] if h.get("authorization") != f"Bearer {ADMIN}"]
        assert unkeyed == [], unkeyed
        streams = [h for _, url, h in api_calls if url.endswith("/stream")]
        assert len(streams) == 2, streams
        assert all(h.get("authorization") == f"Bearer {ADMIN}" for h in streams)
        assert "last-event-id" not in streams[0]
        first_ids = [int(line[4:]) for b in stream["events"] for line in b.split("\n") if line.startswith("id: ")]
        assert streams[1].get("last-event-id") == str(first_ids[1]), streams[1]

        # 403 and 429 are explained too (answers faked here: the admin key has every scope).
        page.route("**/api/v1/resumes?limit=50", lambda route: route.fulfill(
            status=403, content_type="application/json",
            body=json.dumps({"detail": "this key lacks the resumes:read scope", "error_code": "FORBIDDEN", "details": {"scope": "resumes:read"}})))
        page.click("#refresh-resumes")
        expect(status.locator(".access-hint")).to_contain_text("lacks the “resumes:read” scope")
        page.unroute("**/api/v1/resumes?limit=50")
        page.route("**/api/v1/resumes?limit=50", lambda route: route.fulfill(
            status=429, content_type="application/json", headers={"Retry-After": "42"},
            body=json.dumps({"detail": "requests_per_minute limit reached; retry in 42 s", "error_code": "RATE_LIMITED"})))
        page.click("#refresh-resumes")
        expect(status.locator(".access-hint")).to_contain_text("retry in 42 s")
        page.unroute("**/api/v1/resumes?limit=50")

        # /docs in the same tab shares the key (shown as saved, not revealed); Forget clears it.
        page.goto(server.url("/docs"))
        expect(page.locator("#api-reference")).to_contain_text("/api/v1/resumes")
        expect(page.locator("#api-key-state")).to_contain_text("saved")
        expect(page.locator("#api-key")).to_have_value("")
        expect(page.locator("#api-key-forget")).to_be_enabled()
        assert page.evaluate(f"sessionStorage.getItem({json.dumps(KEY_STORAGE)})") == ADMIN
        # Another tab does not get it (sessionStorage is per tab; localStorage would be shared).
        other = page.context.new_page()
        other.goto(server.url("/docs"))
        expect(other.locator("#api-key-state")).to_contain_text("No key saved")
        other.close()
        page.click("#api-key-forget")
        expect(page.locator("#api-key-state")).to_contain_text("forgotten")
        assert page.evaluate(f"sessionStorage.getItem({json.dumps(KEY_STORAGE)})") is None

        assert not [url for _, url, _ in requests_seen if ADMIN in url]
        assert page.dialogs == [], page.dialogs
        assert page.errors == [], page.errors
    finally:
        page.screenshot(path=str(ARTIFACTS / "keyed-pages.png"), full_page=True)
        server.stop()


def test_errors_are_shown_from_the_error_body(server, page):
    page.goto(server.url("/test"))

    page.fill("#resume-json", json.dumps({"name": "Nobody"}))
    page.click("#create-resume")
    status = page.locator("#status")
    expect(status).to_contain_text("422")
    expect(status).to_contain_text("VALIDATION_ERROR")
    expect(status.locator(".validation-errors li")).not_to_have_count(0)
    expect(status).to_contain_text("contact: ")
    expect(status).to_contain_text("summary: ")

    page.fill("#resume-key", "nobody <b>here_9")
    page.click("#start-job")
    expect(status).to_contain_text("404", timeout=15_000)
    expect(status).to_contain_text("RESUME_NOT_FOUND")
    expect(status).to_contain_text("nobody <b>here_9")
    assert status.locator("b").count() == 0
    assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)


def test_docs_page_lists_the_api(server, page):
    page.goto(server.url("/docs"))
    reference = page.locator("#api-reference")
    expect(reference).to_contain_text("/api/v1/resumes")
    expect(page.locator(".op-path", has_text=re.compile(r"^/api/v1/resumes$")).first).to_be_visible()
    expect(page.locator(".tag-section#tag-resumes .method-post").first).to_be_visible()
    page.locator(".operation").first.locator("summary").click()
    expect(page.locator(".operation[open] table.params").first).to_be_visible()
    assert page.errors == [], page.errors
    page.screenshot(path=str(ARTIFACTS / "docs-page.png"), full_page=True)


@pytest.mark.parametrize("path", ["/", "/test", "/practice", "/docs"])
def test_pages_load_without_console_errors_or_failed_requests(server, page, path):
    console_errors = []
    failed = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))

    page.goto(server.url(path))
    page.wait_for_load_state("networkidle")
    # The favicon is requested by the browser itself, after the page: fetch it as the page would.
    icon = page.evaluate("""async () => {
        const link = document.querySelector("link[rel=icon]");
        const response = await fetch(link ? link.href : "/favicon.ico");
        return {status: response.status, type: response.headers.get("content-type"), size: (await response.arrayBuffer()).byteLength};
    }""")
    assert icon["status"] == 200 and icon["type"] == "image/x-icon" and icon["size"] > 0, icon

    assert console_errors == [], console_errors
    assert failed == [], failed
    assert page.errors == [], page.errors


def test_landing_page_links_the_other_pages(server, page):
    page.goto(server.url("/"))
    expect(page).to_have_title("InterviewCoach")
    hrefs = [link.get_attribute("href") for link in page.locator("main a[href]").all()]
    for target in ["/test", "/practice", "/dashboard", "/docs", "/openapi.json"]:
        assert target in hrefs, hrefs
    page.click("main a[href='/test']")
    expect(page.locator("#start-job")).to_be_visible()
    page.goto(server.url("/"))
    page.screenshot(path=str(ARTIFACTS / "landing-page.png"), full_page=True)


# ---- /practice --------------------------------------------------------------------------------

# A substantial answer: concrete, with numbers, a trade-off and a failure mode, drawing on the
# resume (whatever the first question turns out to be, it is evaluated in full).
PRACTICE_ANSWER = (
    "At Northwind Payments I moved the double-entry ledger from a single PostgreSQL primary to an active-passive "
    "multi-region setup with logical replication. First we measured the baseline: failover took 40 minutes and the "
    "p99 of the balance query was 180 ms, measured with Prometheus histograms on a Grafana dashboard. The core tables "
    "were accounts, entries and transfers, with a composite index on (account_id, created_at) because the balance "
    "query filters by account and orders by time; I checked every plan with EXPLAIN ANALYZE. The trade-off was "
    "replication lag against write latency: we chose asynchronous replication instead of synchronous commits, and if "
    "the primary region fails the runbook promotes the replica, so failover dropped to 90 seconds with zero ledger "
    "discrepancies across three region drills. We verified it in production with a canary on 5% of traffic."
)


LIVE_PATH = "/api/v1/practice/live"
LIVE_PROTOCOL = "interviewcoach.practice.v1"


def record_live_sockets(page) -> list[dict]:
    """Every WebSocket the page opens to the live channel, with the frames it sent and received
    (parsed), and whether it closed."""
    sockets = []

    def on_socket(ws):
        if not ws.url.endswith(LIVE_PATH):
            return
        record = {"url": ws.url, "sent": [], "received": [], "closed": False}
        ws.on("framesent", lambda payload: record["sent"].append(json.loads(payload)))
        ws.on("framereceived", lambda payload: record["received"].append(json.loads(payload)))
        ws.on("close", lambda _: record.update(closed=True))
        sockets.append(record)

    page.on("websocket", on_socket)
    return sockets


def event_kinds(frames: list[dict]) -> list[str]:
    """What each server frame carries; a frame is a PracticeStep with exactly one member set."""
    kinds = []
    for frame in frames:
        members = [name for name, value in frame.items() if value is not None]
        assert len(members) == 1, frame
        kinds.append(members[0])
    return kinds


def wait_until(page, condition, timeout=15.0):
    """Until `condition()` holds; Playwright delivers its events while the page is waited on."""
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        page.wait_for_timeout(50)


def record_console_errors(page) -> list[str]:
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def wait_for_move(page):
    """After a click on Answer / Skip / I don't know / End: until the page may move again or has the report."""
    page.wait_for_function(
        "() => !document.getElementById('skip-button').disabled || !document.getElementById('report-card').hidden",
        timeout=30_000,
    )


def test_practice_page_runs_an_interview_to_the_report(server, page):
    """/practice: pick a (hostile-named) resume, start in English, answer the first question and see its
    evaluation and then a follow-up or the next question, reload from #session=, skip to the report, and
    start a learning path on the topics to study."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    created = requests.post(server.url("/api/v1/resumes"), json=hostile_resume(), timeout=10)
    assert created.status_code == 201, created.text
    key = created.json()["unique_key"]
    assert key.startswith(HOSTILE_NAME)
    sockets = record_live_sockets(page)
    console_errors = record_console_errors(page)
    try:
        page.goto(server.url("/practice"))
        expect(page).to_have_title(re.compile("practice"))
        # The hostile name is listed literally (textContent), and no element was made from it.
        option = page.locator("#resume-list option", has_text=HOSTILE_NAME)
        expect(option).to_have_count(1)
        assert option.get_attribute("value") == key
        page.select_option("#resume-list", key)
        expect(page.locator("#resume-key")).to_have_value(key)
        expect(page.locator("#session-list")).to_contain_text("None yet.")
        page.select_option("#language", "en")
        page.click("#start-session")

        # The first prompt: Q1 with its topic and type, progress 0 / total, the session id in the URL hash.
        prompt = page.locator("#prompt")
        expect(prompt).to_be_visible(timeout=60_000)
        expect(page.locator("#prompt-head")).to_contain_text("Q1 of ")
        expect(page.locator("#prompt-head .badge-type")).not_to_have_text("")
        expect(page.locator("#prompt-topic")).to_contain_text("Topic: ")
        expect(page.locator("#prompt-head .badge-follow-up")).to_have_count(0)
        progress = page.locator("#progress-text")
        expect(progress).to_have_text(re.compile(r"^0 / \d+$"))
        total = int(progress.inner_text().split("/")[1])
        assert total >= 3
        page.wait_for_function("() => location.hash.startsWith('#session=')")
        session_id = page.evaluate("() => new URLSearchParams(location.hash.slice(1)).get('session')")
        assert re.fullmatch(r"[0-9a-f]+", session_id), session_id
        session = requests.get(server.url(f"/api/v1/practice/sessions/{session_id}"), timeout=10).json()
        assert session["session"]["unique_key"] == key and session["session"]["language"] == "en"
        expect(page.locator("#session-meta")).to_contain_text(f"resume {key}")
        first_question = page.locator("#prompt-question").inner_text()
        assert first_question == session["pending"]["question"]["question"]

        # The session was started over the live channel: one socket (same origin), `start` sent,
        # then session, progress and the first prompt received as separate events.
        assert len(sockets) == 1, sockets
        live = sockets[0]
        wait_until(page, lambda: len(live["received"]) >= 3)
        assert live["url"] == server.url(LIVE_PATH).replace("http://", "ws://")
        assert live["sent"] == [{"start": {"unique_key": key, "language": "en"}}]
        assert event_kinds(live["received"]) == ["session", "progress", "prompt"]
        assert live["received"][0]["session"]["session_id"] == session_id
        assert live["received"][2]["prompt"]["question"]["question"] == first_question

        # Answer it: the evaluation shows score, band, four criteria, key points (✓ with evidence / ✗),
        # feedback and a strong-answer outline.
        # The answer covers every key point but the last (so ✓ with evidence and ✗ both show, and the
        # missing point may bring a follow-up).
        points = session["pending"]["question"]["what_good_answers_cover"]
        answer_text = " ".join(f"{point}: I can explain this in detail for our ledger." for point in points[:-1]) + " " + PRACTICE_ANSWER
        page.fill("#answer", answer_text)
        page.click("#answer-button")
        wait_for_move(page)
        evaluation = page.locator("#evaluation")
        expect(page.locator("#evaluation-card")).to_be_visible()
        expect(page.locator("#evaluation-title")).to_contain_text("Q1")
        expect(evaluation.locator(".score-value")).to_have_text(re.compile(r"^\d{1,3}$"))
        expect(evaluation.locator(".badge.band")).to_have_text(re.compile(r"^(excellent|good|fair|weak|insufficient)$"))
        expect(evaluation.locator(".criterion")).to_have_count(4)
        expect(evaluation.locator(".criterion progress")).to_have_count(4)
        assert evaluation.locator(".key-points li").count() >= 1
        for item in evaluation.locator(".key-points li.covered").all():
            expect(item.locator(".mark")).to_have_text("✓")
            expect(item.locator("q.evidence")).not_to_have_text("")
        for item in evaluation.locator(".key-points li.missing").all():
            expect(item.locator(".mark")).to_have_text("✗")
        assert evaluation.locator(".key-points li.covered").count() >= 1, evaluation.inner_text()
        assert evaluation.locator(".key-points li.missing").count() >= 1, evaluation.inner_text()
        expect(evaluation.locator(".outline li").first).to_be_visible()
        expect(evaluation.locator("details.your-answer")).to_contain_text("Your answer")
        stored = requests.get(server.url(f"/api/v1/practice/sessions/{session_id}"), timeout=10).json()
        assert stored["turns"][0]["answer"] == answer_text
        assert int(evaluation.locator(".score-value").inner_text()) == stored["turns"][0]["evaluation"]["score"]
        # The answer went over the socket; its evaluation came first, then progress, then the next prompt.
        wait_until(page, lambda: len(live["received"]) >= 6)
        assert live["sent"][1:] == [{"answer": {"text": answer_text}}]
        assert event_kinds(live["received"][3:]) == ["evaluation", "progress", "prompt"]
        assert live["received"][3]["evaluation"]["score"] == stored["turns"][0]["evaluation"]["score"]

        # Then a follow-up on the same question, or the next question; progress 1 / total either way.
        expect(progress).to_have_text(f"1 / {total}")
        pending = stored["pending"]
        if pending["follow_up"]:
            expect(page.locator("#prompt-head .badge-follow-up")).to_have_text(re.compile(r"^Follow-up"))
            expect(page.locator("#prompt-head")).to_contain_text("Q1 of ")
        else:
            expect(page.locator("#prompt-head")).to_contain_text("Q2 of ")
            expect(page.locator("#prompt-head .badge-follow-up")).to_have_count(0)
        expect(page.locator("#prompt-question")).to_have_text(pending["question"]["question"])
        assert live["received"][5]["prompt"] == pending

        # A reload resumes the same session from #session=: the pending prompt, progress and last evaluation.
        score = evaluation.locator(".score-value").inner_text()
        page.reload()
        expect(page.locator("#prompt-question")).to_have_text(pending["question"]["question"])
        expect(progress).to_have_text(f"1 / {total}")
        expect(page.locator("#session-meta")).to_contain_text(f"session {session_id}")
        expect(page.locator("#evaluation .score-value")).to_have_text(score)
        expect(page.locator("#resume-key")).to_have_value(key)
        expect(page.locator("#status")).to_contain_text("Session resumed")
        expect(page.locator(f"#session-list a[href='#session={session_id}']")).to_have_count(1)

        # "I don't know" once, then skip the rest until the report: the first move after the reload
        # opens a new socket that resumes the session, then sends the move.
        page.click("#dont-know-button")
        wait_for_move(page)
        assert len(sockets) == 2, sockets
        resumed = sockets[1]
        wait_until(page, lambda: len(resumed["received"]) >= 6)
        assert resumed["sent"] == [{"resume": {"session_id": session_id}}, {"dont_know": {}}]
        kinds = event_kinds(resumed["received"])
        assert kinds[:3] == ["session", "progress", "prompt"] and kinds[3] == "evaluation", kinds
        assert resumed["received"][0]["session"]["resumed"] is True
        assert resumed["received"][2]["prompt"] == pending
        assert resumed["received"][3]["evaluation"]["answer_kind"] == "dont_know"
        for _ in range(3 * total):
            if page.locator("#report-card").is_visible():
                break
            page.click("#skip-button")
            wait_for_move(page)
        report_card = page.locator("#report-card")
        expect(report_card).to_be_visible()
        expect(prompt).to_be_hidden()
        expect(progress).to_have_text(f"{total} / {total}")
        expect(page.locator("#status")).to_contain_text("The session has ended")
        # Every move went over that one socket; it ended with the report, and closed.
        assert len(sockets) == 2, sockets
        assert event_kinds(resumed["received"])[-1] == "report"
        assert all(frame == {"skip": {}} for frame in resumed["sent"][2:]) and len(resumed["sent"]) >= 3, resumed["sent"]
        wait_until(page, lambda: resumed["closed"])

        # The report: total score and band, one row per question, strengths, gaps, topics to study.
        report = page.locator("#report")
        stored = requests.get(server.url(f"/api/v1/practice/sessions/{session_id}"), timeout=10).json()
        assert stored["report"] is not None and stored["pending"] is None
        expect(report.locator(".score-head .score-value")).to_have_text(str(stored["report"]["score"]))
        expect(report.locator(".score-head .badge.band")).to_have_text(stored["report"]["band"])
        expect(report.locator(".report-questions tbody tr")).to_have_count(total)
        expect(report.locator(".analysis-box.strengths h3")).to_have_text("Strengths")
        expect(report.locator(".analysis-box.weaknesses h3")).to_have_text("Gaps")
        topics = stored["report"]["topics_to_study"]
        assert topics, stored["report"]
        expect(report.locator(".topics .chip")).to_have_count(len(topics))
        expect(report.locator(".topics .chip").first).to_have_text(topics[0])

        # The learning path on the topics to study (at most 5, each ≤ 100 code points): a 202 task.
        with page.expect_response(lambda r: "/api/v1/learning/async/" in r.url and r.request.method == "POST") as answer:
            page.click("#learning-path")
        response = answer.value
        assert response.status == 202, response.text()
        sent = json.loads(response.request.post_data)
        assert sent["language"] == "en"
        assert 1 <= len(sent["focus_areas"]) <= 5 and all(0 < len(area) <= 100 for area in sent["focus_areas"]), sent
        assert all(area in topics for area in sent["focus_areas"]), (sent, topics)
        assert len(sent["focus_areas"]) == min(5, len({t.lower() for t in topics})), (sent, topics)
        task_id = response.json()["task_id"]
        learning = page.locator("#learning-status")
        expect(learning.locator(".task-id")).to_have_text(task_id)
        expect(learning.locator("a[href='/test']")).to_have_count(1)
        expect(learning.locator(".learning-progress")).to_contain_text("SUCCESS", timeout=JOB_TIMEOUT_MS)
        assert learning.locator(".learning-item").count() >= 1

        # The finished session, reloaded: the report again, no prompt, the buttons off.
        page.reload()
        expect(report_card).to_be_visible()
        expect(report.locator(".score-head .score-value")).to_have_text(str(stored["report"]["score"]))
        expect(prompt).to_be_hidden()
        expect(page.locator("#answer-button")).to_be_disabled()
        expect(progress).to_have_text(f"{total} / {total}")

        # Server text stayed text everywhere.
        expect(page.locator("#session-meta")).to_contain_text(HOSTILE_NAME)
        assert page.locator("body img, body script").count() == 0
        assert page.dialogs == [], page.dialogs
        assert page.errors == [], page.errors
        assert console_errors == [], console_errors
    finally:
        page.screenshot(path=str(ARTIFACTS / "practice-page.png"), full_page=True)


def test_practice_page_opens_a_session_from_the_hash_and_handles_a_conflict(server, page):
    """Opened with #session= in a fresh tab the page shows the pending prompt, and its first move
    resumes the session over the live channel; when the session is then ended elsewhere, the next
    move is refused (409, close 4409) and the page shows the report with the reason. A session
    ended before the page's first move shows its report too."""
    created = requests.post(server.url("/api/v1/resumes"), json=fixture_resumes()["senior-platform-en"], timeout=10)
    key = created.json()["unique_key"]

    def start_session():
        started = requests.post(server.url("/api/v1/practice/sessions"), json={"unique_key": key, "language": "en"}, timeout=60)
        assert started.status_code == 201, started.text
        return started.json()

    sockets = record_live_sockets(page)
    step = start_session()
    session_id = step["session"]["session_id"]
    total = step["progress"]["total"]
    page.goto(server.url(f"/practice#session={session_id}"))
    expect(page.locator("#prompt-question")).to_have_text(step["prompt"]["question"]["question"])
    expect(page.locator("#progress-text")).to_have_text(f"0 / {total}")
    expect(page.locator("#resume-key")).to_have_value(key)
    expect(page.locator("#evaluation-card")).to_be_hidden()
    assert sockets == []  # showing a session is REST; the socket opens with the first move

    page.click("#skip-button")
    expect(page.locator("#progress-text")).to_have_text(f"1 / {total}")
    expect(page.locator("#prompt-head")).to_contain_text("Q2 of ")
    expect(page.locator("#status")).to_contain_text("Skipped Q1")
    assert len(sockets) == 1 and sockets[0]["sent"] == [{"resume": {"session_id": session_id}}, {"skip": {}}], sockets

    ended = requests.post(server.url(f"/api/v1/practice/sessions/{session_id}/end"), timeout=10)
    assert ended.status_code == 200 and ended.json()["report"] is not None
    page.click("#skip-button")
    expect(page.locator("#report-card")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("409")
    expect(page.locator("#prompt")).to_be_hidden()
    wait_until(page, lambda: sockets[0]["closed"])
    error = sockets[0]["received"][-1]
    assert set(error) == {"error"} and error["error"]["error_code"] == "CONFLICT", error
    assert len(sockets) == 1

    # Ended elsewhere before the page's first move: the resumed session is its report.
    step = start_session()
    page.goto(server.url(f"/practice#session={step['session']['session_id']}"))
    expect(page.locator("#prompt-question")).to_have_text(step["prompt"]["question"]["question"])
    ended = requests.post(server.url(f"/api/v1/practice/sessions/{step['session']['session_id']}/end"), timeout=10)
    assert ended.status_code == 200
    page.click("#dont-know-button")
    expect(page.locator("#report-card")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("already ended")
    expect(page.locator("#prompt")).to_be_hidden()
    assert sockets[1]["sent"] == [{"resume": {"session_id": step["session"]["session_id"]}}], sockets[1]

    # An unknown session: the error body, as text.
    page.goto(server.url("/practice#session=0123456789abcdef01234567"))
    expect(page.locator("#status")).to_contain_text("404")
    expect(page.locator("#prompt")).to_be_hidden()

    # An unknown resume: the live channel's error event (close 4404), shown as text.
    page.fill("#resume-key", "nobody <b>here_9")
    page.click("#start-session")
    status = page.locator("#status")
    expect(status).to_contain_text("Starting the session failed: HTTP 404")
    expect(status).to_contain_text("nobody <b>here_9")
    assert status.locator("b").count() == 0
    expect(page.locator("#prompt")).to_be_hidden()
    expect(page.locator("#start-session")).to_be_enabled()
    assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)


class LiveProxy:
    """A TCP proxy in front of the server that the page is loaded from (so it is the page's origin):
    the test can lose the live channel's connection as a network does (no close frame: the page
    sees 1006), hold its bytes in one direction, or refuse new live connections."""

    def __init__(self, port: int):
        self.port = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.live = []  # (page side, server side) of the live connections
        self.flowing = {"to_page": threading.Event(), "to_server": threading.Event()}
        for event in self.flowing.values():
            event.set()
        self.refuse = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def hold(self, direction: str):
        self.flowing[direction].clear()

    def release(self, direction: str):
        self.flowing[direction].set()

    def cut(self):
        """Drops the live connections (bytes held are lost with them); later ones flow freely."""
        cut, self.live = self.live, []
        for pair in cut:
            for side in pair:
                self._shut(side)
        for event in self.flowing.values():
            event.set()

    def close(self):
        self.listener.close()
        self.cut()

    @staticmethod
    def _shut(side):
        try:
            side.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _accept(self):
        while True:
            try:
                page_side, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(page_side,), daemon=True).start()

    def _connection(self, page_side):
        first = page_side.recv(65536)
        live = first.startswith(f"GET {LIVE_PATH}".encode())
        if not first or (live and self.refuse):
            page_side.close()
            return
        server_side = socket.create_connection(("127.0.0.1", self.port))
        if live:
            self.live.append((page_side, server_side))
        server_side.sendall(first)
        threading.Thread(target=self._pipe, args=(server_side, page_side, "to_page" if live else None), daemon=True).start()
        self._pipe(page_side, server_side, "to_server" if live else None)

    def _pipe(self, source, target, direction):
        try:
            while data := source.recv(65536):
                if direction:
                    self.flowing[direction].wait()
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._shut(source)
            self._shut(target)


def test_practice_page_shows_the_evaluation_live_and_resumes_after_a_lost_connection(server, page):
    """The live channel under a bad network: "evaluating…" shows until the evaluation event arrives;
    a connection lost while idle is resumed (what was typed is kept); a move whose connection is lost
    before it reached the server is sent again after the resume, and one lost after the server
    recorded it shows the stored evaluation; a second loss in a row is reported, and the next move
    reconnects. Every loss is followed by exactly one new socket that sends `resume` first."""
    proxy = LiveProxy(server.http_port)
    created = requests.post(server.url("/api/v1/resumes"), json=fixture_resumes()["senior-platform-en"], timeout=10)
    key = created.json()["unique_key"]
    sockets = record_live_sockets(page)
    console_errors = record_console_errors(page)
    status = page.locator("#status")
    question = page.locator("#prompt-question")
    progress = page.locator("#progress-text")

    def stored():
        return requests.get(server.url(f"/api/v1/practice/sessions/{session_id}"), timeout=10).json()

    def lose_connection(expected_sockets):
        proxy.cut()
        wait_until(page, lambda: len(sockets) == expected_sockets and len(sockets[-1]["sent"]) >= 1)
        assert sockets[-2]["closed"]
        assert sockets[-1]["sent"][0] == {"resume": {"session_id": session_id}}, sockets[-1]

    try:
        page.goto(proxy.url("/practice"))
        page.fill("#resume-key", key)
        page.select_option("#language", "en")
        page.click("#start-session")
        expect(page.locator("#prompt")).to_be_visible(timeout=60_000)
        session_id = page.evaluate("() => new URLSearchParams(location.hash.slice(1)).get('session')")
        total = stored()["session"]["questions"]

        # The evaluation is held back by the network: the page shows that it is evaluating.
        proxy.hold("to_page")
        page.fill("#answer", PRACTICE_ANSWER)
        page.click("#answer-button")
        evaluating = page.locator("#evaluation .evaluating")
        expect(evaluating).to_have_text("Evaluating your answer…")
        expect(page.locator("#evaluation-card")).to_be_visible()
        expect(page.locator("#evaluation-title")).to_contain_text("Q1")
        expect(page.locator("#answer-button")).to_be_disabled()
        expect(status).to_contain_text("Evaluating your answer")
        proxy.release("to_page")
        wait_until(page, lambda: stored()["turns"])
        expect(page.locator("#evaluation .score-value")).to_have_text(str(stored()["turns"][0]["evaluation"]["score"]))
        expect(evaluating).to_have_count(0)
        expect(progress).to_have_text(f"1 / {total}")
        wait_for_move(page)
        second = stored()["pending"]
        expect(question).to_have_text(second["question"]["question"])

        # Lost while idle: one reconnect, resumed at the same prompt, the half-typed answer kept.
        page.fill("#answer", "half of my answer")
        lose_connection(2)
        expect(status).to_contain_text("Reconnected: the session resumed at")
        expect(question).to_have_text(second["question"]["question"])
        expect(page.locator("#answer")).to_have_value("half of my answer")
        expect(page.locator("#skip-button")).to_be_enabled()
        assert event_kinds(sockets[1]["received"])[:3] == ["session", "progress", "prompt"]

        # Lost before the move reached the server: after the resume, the move is sent again.
        proxy.hold("to_server")
        page.click("#skip-button")
        expect(status).to_contain_text("Skipping")
        lose_connection(3)
        wait_for_move(page)
        expect(status).to_contain_text("Skipped")
        assert sockets[2]["sent"] == [{"resume": {"session_id": session_id}}, {"skip": {}}], sockets[2]["sent"]
        third = stored()["pending"]
        assert [t["action"] for t in stored()["turns"]] == ["answered", "skipped"]  # once, not twice
        expect(question).to_have_text(third["question"]["question"])

        # Lost after the server recorded the answer: the stored evaluation is shown.
        proxy.hold("to_page")
        page.fill("#answer", PRACTICE_ANSWER)
        page.click("#answer-button")
        wait_until(page, lambda: len(stored()["turns"]) == 3)
        lose_connection(4)
        expect(status).to_contain_text("was recorded")
        fourth = stored()
        expect(question).to_have_text(fourth["pending"]["question"]["question"])
        expect(page.locator("#evaluation .score-value")).to_have_text(str(fourth["turns"][2]["evaluation"]["score"]))
        expect(page.locator("#evaluation details.your-answer")).to_contain_text("Your answer")
        assert sockets[3]["sent"] == [{"resume": {"session_id": session_id}}], sockets[3]["sent"]

        # Lost, and the reconnect fails too: the page says so; the next move connects again.
        proxy.refuse = True
        proxy.cut()
        expect(status).to_contain_text("lost again")
        expect(page.locator("#end-button")).to_be_enabled()
        proxy.refuse = False
        page.click("#end-button")
        expect(page.locator("#report-card")).to_be_visible()
        assert stored()["report"] is not None
        assert sockets[-1]["sent"] == [{"resume": {"session_id": session_id}}, {"end": {}}], sockets[-1]
        assert event_kinds(sockets[-1]["received"])[-2:] == ["progress", "report"]

        # The only console errors are the refused connection's.
        assert [e for e in console_errors if "WebSocket connection" not in e] == [], console_errors
        assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)
    finally:
        page.screenshot(path=str(ARTIFACTS / "practice-live.png"), full_page=True)
        proxy.close()


def record_handshakes(page) -> list[dict]:
    """The live channel's WebSocket handshakes as the browser sent and received them (Chromium's
    DevTools protocol): request and response headers, names lower-cased."""
    handshakes = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def headers(raw):
        return {name.lower(): value for name, value in raw.items()}

    cdp.on("Network.webSocketWillSendHandshakeRequest", lambda e: handshakes.append({"request": headers(e["request"]["headers"])}))
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda e: handshakes[-1].update(response=headers(e["response"]["headers"])))
    return handshakes


def test_practice_page_asks_for_a_key(tmp_path, page):
    """With API keys on, /practice explains the 401 (apikey.js) — from the REST lists and from the
    live channel (an error event, then close 4401) — and with the key saved it lists the resumes and
    runs a session: every API call carries `Authorization: Bearer`, the live socket the subprotocol
    `bearer.<key>` (the server answers with interviewcoach.practice.v1), and no URL holds the key."""
    server = Server(tmp_path / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    seen = []
    page.on("request", lambda request: "/api/v1/" in request.url and seen.append((request.url, request.headers.get("authorization"))))
    sockets = record_live_sockets(page)
    handshakes = record_handshakes(page)
    try:
        headers = {"Authorization": f"Bearer {ADMIN}"}
        created = requests.post(server.url("/api/v1/resumes"), json=fixture_resumes()["senior-platform-en"], headers=headers, timeout=10)
        key = created.json()["unique_key"]
        page.goto(server.url("/practice"))
        status = page.locator("#status")
        expect(status).to_contain_text("401")
        expect(status.locator(".access-hint")).to_contain_text("requires an API key")
        expect(page.locator("#api-key")).to_be_focused()

        # No key: the live channel refuses the session with the REST error body, shown as text.
        page.fill("#resume-key", key)
        page.click("#start-session")
        expect(status).to_contain_text("Starting the session failed: HTTP 401")
        expect(status).to_contain_text("UNAUTHORIZED")
        expect(status.locator(".access-hint")).to_contain_text("requires an API key")
        expect(page.locator("#prompt")).to_be_hidden()
        wait_until(page, lambda: len(sockets) == 1 and sockets[0]["closed"])
        assert event_kinds(sockets[0]["received"]) == ["error"]
        assert handshakes[0]["request"]["sec-websocket-protocol"] == LIVE_PROTOCOL, handshakes

        seen.clear()
        page.fill("#api-key", ADMIN)
        page.press("#api-key", "Enter")
        expect(page.locator(f"#resume-list option[value='{key}']")).to_have_count(1)
        page.select_option("#resume-list", key)
        page.click("#start-session")
        expect(page.locator("#prompt")).to_be_visible(timeout=60_000)
        page.click("#skip-button")
        expect(page.locator("#progress-text")).to_contain_text("1 / ")
        assert seen and all(value == f"Bearer {ADMIN}" for _, value in seen), seen
        assert not [url for url, _ in seen if ADMIN in url]

        # The key travelled as the second subprotocol; the server chose the practice protocol.
        assert len(sockets) == 2 and len(handshakes) == 2, (sockets, handshakes)
        offered = [value.strip() for value in handshakes[1]["request"]["sec-websocket-protocol"].split(",")]
        assert offered == [LIVE_PROTOCOL, f"bearer.{ADMIN}"], offered
        assert handshakes[1]["response"]["sec-websocket-protocol"] == LIVE_PROTOCOL, handshakes[1]
        assert ADMIN not in sockets[1]["url"]
        assert event_kinds(sockets[1]["received"])[:3] == ["session", "progress", "prompt"]
        assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)
    finally:
        # The browser's connections go first: the server closing the live socket while it stops
        # would be resumed by the page, and (server bug) a connection that has not sent a request
        # yet holds a stopping server open.
        page.context.close()
        server.stop()
