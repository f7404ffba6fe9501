"""The operations dashboard (/dashboard) driven by Playwright in Debian's chromium against the real
`interview-coach serve` process: a task that fails on broken model output shows up in the list
without a reload, with its attempts (outcome, rule ids); a retry with the builtin provider turns it
into SUCCESS; Cancel stops a slow running job; the task filter survives a reload through the URL;
and with API keys on the page asks for a key and shows a non-admin key's refusal from the error body."""

from __future__ import annotations

import json
import re
import time
import urllib.parse

import requests
from playwright.sync_api import expect

from conftest import ARTIFACTS, Server, create_resume
# The Chromium fixtures and the key the keyed servers use (test_browser.py), the fake LLM upstream
# and the server configured against it (test_providers.py): imported, not copied.
from test_browser import ADMIN, KEY_STORAGE, browser, page  # noqa: F401
from test_providers import fake, fresh_fake, running_server  # noqa: F401

LIVE_TIMEOUT_MS = 30_000
MEMBER_SCOPES = ["resumes:read", "resumes:write", "generate"]  # every scope but admin
# The only LLM in the chain: the fake OpenAI upstream (test_retry_… adds `builtin` after the failure).
CHAIN = ["openai"]
# Enough broken answers for the provider and its corrective retry (and a job-level rerun, if any).
BROKEN = ["invalid"] * 6


# ---------------------------------------------------------------------------------------------
# Helpers


def watch_console(page) -> list[str]:
    """Console errors of `page` from now on (a refused request would show up here too)."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def start_async(server, key: str, headers: dict | None = None) -> str:
    path = f"/api/v1/interview/async/{urllib.parse.quote(key)}/questions"
    r = requests.post(server.url(path), json={"language": "en"}, headers=headers or {}, timeout=10)
    assert r.status_code == 202, r.text
    return r.json()["task_id"]


def ops_task(server, task_id: str, kind: str = "interview") -> requests.Response:
    return requests.get(server.url(f"/api/v1/operations/tasks/{kind}/{task_id}"), timeout=10)


def wait_state(server, task_id: str, states: set[str], timeout: float = 60.0) -> dict:
    """The operations detail of the task once its state is one of `states`."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        r = ops_task(server, task_id)
        if r.status_code == 200:
            last = r.json()
            if last["state"] in states:
                return last
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} not in {states} within {timeout}s: {last}")


def failed_task(server, fake, key: str) -> str:
    """A task the fake OpenAI upstream fails with rule-breaking answers, waited for until FAILURE."""
    fake.script("openai", *BROKEN)
    task_id = start_async(server, key)
    wait_state(server, task_id, {"FAILURE"})
    fake.reset()  # whatever is left of the script is not for the next call
    return task_id


def task_row(page, task_id: str):
    return page.locator(f'#tasks-body tr[data-task-id="{task_id}"]')


def timeline_events(page) -> list[str]:
    return page.locator("#detail-timeline li[data-event]").evaluate_all("nodes => nodes.map(n => n.dataset.event)")


def shot(page, name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


# ---------------------------------------------------------------------------------------------
# A failed task, live, with its attempts; and its retry


def test_failed_task_shows_up_live_with_its_attempts(tmp_path, fake, page):
    console = watch_console(page)
    with running_server(tmp_path / "data", fake, CHAIN) as server:
        key = create_resume(server)
        try:
            page.goto(server.url("/dashboard"))
            expect(page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT_MS)
            expect(page.locator('[data-testid="state-FAILURE"] .tile-count')).to_have_text("0")
            expect(page.locator("#tasks-empty")).to_be_visible()

            # The job starts after the page is open: no reload from here on.
            fake.script("openai", *BROKEN)
            task_id = start_async(server, key)
            row = task_row(page, task_id)
            expect(row).to_have_attribute("data-state", "FAILURE", timeout=LIVE_TIMEOUT_MS)
            expect(row).to_contain_text("INTERVIEW_GENERATION_FAILED")
            expect(row).to_contain_text(key)
            expect(row).to_contain_text("openai")
            # The overview follows the stream: the failure is counted, by state and by code.
            expect(page.locator('[data-testid="state-FAILURE"] .tile-count')).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
            expect(page.locator("#ov-failures li[data-error-code]")).not_to_have_count(0, timeout=LIVE_TIMEOUT_MS)
            expect(page.locator('#ov-providers tr[data-key="openai"]')).to_be_visible(timeout=LIVE_TIMEOUT_MS)

            row.click()
            detail = page.locator("#task-detail")
            expect(detail).to_be_visible()
            expect(page.locator("#detail-task-id")).to_have_text(task_id)
            expect(page.locator("#detail-state")).to_have_text("FAILURE")
            expect(page.locator("#detail-load-error")).to_be_hidden()  # no error *loading* it
            expect(page.locator("#detail-error")).to_contain_text("INTERVIEW_GENERATION_FAILED")
            assert f"task=interview%3A{task_id}" in page.url or f"task=interview:{task_id}" in page.url, page.url

            # Every provider call: broken output, which rules it broke, its tokens and cost.
            attempts = page.locator('#detail-attempts tr[data-testid="attempt-row"]')
            expect(attempts).not_to_have_count(0)
            count = attempts.count()
            # One row per call the upstream received: the answer and its corrective retry (at least).
            assert count == len(fake.requests("openai")) and count >= 2, (count, len(fake.requests("openai")))
            for i in range(count):
                attempt = attempts.nth(i)
                expect(attempt).to_have_attribute("data-outcome", "invalid_output")
                expect(attempt.locator(".attempt-outcome")).to_have_text("invalid_output")
                expect(attempt).to_contain_text("openai")
                expect(attempt.locator(".attempt-rules .chip")).not_to_have_count(0)
                expect(attempt.locator(".attempt-rules")).to_contain_text("questions.count")
            events = timeline_events(page)
            assert events[0] == "queued" and events[-1] == "failed", events
            assert "started" in events, events

            # Only a retry fits a failed task.
            expect(page.locator("#detail-retry")).to_be_visible()
            expect(page.locator("#detail-cancel")).to_be_hidden()
            # Untrusted text stays text.
            assert page.locator("#tasks-body img, #tasks-body script, #task-detail img, #task-detail script").count() == 0
            assert console == [], console
            assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)
        finally:
            shot(page, "dashboard-failed.png")
            page.context.close()  # the page's streams go before the server stops


def test_retry_with_the_builtin_provider_succeeds(tmp_path, fake, page):
    console = watch_console(page)
    data = tmp_path / "data"
    with running_server(data, fake, CHAIN) as first:
        key = create_resume(first)
        task_id = failed_task(first, fake, key)
    # A retry may only name a configured provider (else 422 on `provider`), and with `builtin` in
    # the chain the first run would have fallen back to it: the operator adds it and restarts on
    # the same data, where the failed task is kept.
    with running_server(data, fake, [*CHAIN, "builtin"]) as server:
        openai_calls = len(fake.requests("openai"))
        try:
            # The task named in the URL is opened at load.
            page.goto(server.url(f"/dashboard?task=interview:{task_id}"))
            expect(page.locator("#task-detail")).to_be_visible()
            expect(page.locator("#detail-state")).to_have_text("FAILURE", timeout=LIVE_TIMEOUT_MS)
            before = page.locator('#detail-attempts tr[data-testid="attempt-row"]').count()
            assert before >= 1

            page.fill("#retry-provider", "builtin")
            page.click("#detail-retry")
            expect(page.locator("#detail-action-state")).to_contain_text("Retried")
            # The detail follows the task again until it has finished.
            expect(page.locator("#detail-state")).to_have_text("SUCCESS", timeout=LIVE_TIMEOUT_MS)
            success = page.locator('#detail-attempts tr[data-outcome="success"]')
            expect(success).to_have_count(1)
            expect(success).to_contain_text("builtin")
            assert page.locator('#detail-attempts tr[data-testid="attempt-row"]').count() == before + 1
            expect(page.locator("#detail-error")).to_have_text("—")
            expect(page.locator("#detail-result-id")).not_to_have_text("—")
            expect(page.locator("#detail-retry")).to_be_hidden()
            expect(page.locator("#detail-cancel")).to_be_hidden()
            events = timeline_events(page)
            assert "retried" in events and events[-1] == "completed", events
            assert events.index("failed") < events.index("retried"), events
            # The list shows the new state too.
            expect(task_row(page, task_id)).to_have_attribute("data-state", "SUCCESS", timeout=LIVE_TIMEOUT_MS)

            # The retry went to builtin only, and the server agrees with the page.
            assert len(fake.requests("openai")) == openai_calls
            detail = ops_task(server, task_id).json()
            assert detail["state"] == "SUCCESS" and detail["result_id"], detail
            assert detail["runs"] >= 2, detail
            assert console == [], console
            assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)
        finally:
            shot(page, "dashboard-retried.png")
            page.context.close()  # the page's streams go before the server stops


# ---------------------------------------------------------------------------------------------
# Cancel


def test_cancel_stops_a_slow_running_job(tmp_path, page):
    console = watch_console(page)
    server = Server(tmp_path / "data", env={"LLM_PROVIDERS": "builtin", "COACH_BUILTIN_LATENCY_MS": "30000"}).start()
    try:
        key = create_resume(server)
        task_id = start_async(server, key)
        page.goto(server.url("/dashboard"))
        row = task_row(page, task_id)
        expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        row.click()
        # The detail follows the running task: it reaches the model call, which takes 30 s.
        expect(page.locator("#detail-state")).to_have_text("PROGRESS", timeout=LIVE_TIMEOUT_MS)
        expect(page.locator("#detail-stage")).to_have_text("calling_llm", timeout=LIVE_TIMEOUT_MS)
        expect(page.locator("#detail-cancel")).to_be_visible()
        expect(page.locator("#detail-retry")).to_be_hidden()
        expect(page.locator('[data-testid="state-PROGRESS"] .tile-count')).to_have_text("1", timeout=LIVE_TIMEOUT_MS)

        started = time.time()
        page.click("#detail-cancel")
        expect(page.locator("#detail-action-state")).to_contain_text(re.compile(r"Cancel"))
        expect(page.locator("#detail-state")).to_have_text("CANCELLED", timeout=8_000)
        assert time.time() - started < 8, "the job was not stopped within a few seconds"
        events = timeline_events(page)
        assert "cancel_requested" in events and "cancelled" in events, events
        assert events.index("cancel_requested") < events.index("cancelled"), events
        expect(page.locator("#detail-cancel")).to_be_hidden()
        expect(page.locator("#detail-retry")).to_be_visible()  # a cancelled task may be retried
        expect(row).to_have_attribute("data-state", "CANCELLED", timeout=LIVE_TIMEOUT_MS)

        detail = ops_task(server, task_id).json()
        assert detail["state"] == "CANCELLED", detail
        assert console == [], console
        assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)
    finally:
        shot(page, "dashboard-cancelled.png")
        page.context.close()
        server.stop()


# ---------------------------------------------------------------------------------------------
# The filter lives in the URL


def test_the_filter_survives_a_reload_through_the_url(tmp_path, fake, page):
    console = watch_console(page)
    with running_server(tmp_path / "data", fake, CHAIN) as server:
        mine = create_resume(server)
        other = create_resume(server)
        wanted = failed_task(server, fake, mine)
        succeeded = start_async(server, mine)  # the fake answers "ok" once its script is empty
        wait_state(server, succeeded, {"SUCCESS"})
        elsewhere = failed_task(server, fake, other)
        try:
            page.goto(server.url("/dashboard"))
            for task_id in (wanted, succeeded, elsewhere):
                expect(task_row(page, task_id)).to_be_visible(timeout=LIVE_TIMEOUT_MS)

            page.check('#task-filter input[name="state"][value="FAILURE"]')
            page.fill("#filter-unique-key", mine)
            page.click("#filter-apply")
            rows = page.locator('#tasks-body tr[data-testid="task-row"]')
            expect(rows).to_have_count(1)
            expect(task_row(page, wanted)).to_be_visible()
            query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
            assert query.get("state") == ["FAILURE"] and query.get("unique_key") == [mine], page.url

            page.reload()
            expect(page.locator('#task-filter input[name="state"][value="FAILURE"]')).to_be_checked()
            for other_state in ("PENDING", "PROGRESS", "SUCCESS", "CANCELLED"):
                expect(page.locator(f'#task-filter input[name="state"][value="{other_state}"]')).not_to_be_checked()
            expect(page.locator("#filter-unique-key")).to_have_value(mine)
            expect(task_row(page, wanted)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
            expect(rows).to_have_count(1)
            # ...and the list was asked for with that filter (not filtered in the page).
            listed = page.evaluate("""async (key) => {
                const r = await fetch(`/api/v1/operations/tasks?state=FAILURE&unique_key=${encodeURIComponent(key)}`);
                return (await r.json()).tasks.map(t => t.task_id);
            }""", mine)
            assert listed == [wanted], listed

            # Reset clears the form and the URL and lists everything again.
            page.click("#filter-reset")
            expect(rows).to_have_count(3)
            assert "unique_key" not in page.url and "state=" not in page.url, page.url
            assert console == [], console
            assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)
        finally:
            shot(page, "dashboard-filter.png")
            page.context.close()  # the page's streams go before the server stops


# ---------------------------------------------------------------------------------------------
# Keys


def test_dashboard_asks_for_a_key_and_refuses_a_non_admin_key(tmp_path, page):
    server = Server(tmp_path / "data", env={"COACH_ADMIN_KEY": ADMIN}).start()
    seen = []
    page.on("request", lambda request: "/api/v1/" in request.url and seen.append((request.url, request.headers.get("authorization"))))
    try:
        admin = {"Authorization": f"Bearer {ADMIN}"}
        created = requests.post(
            server.url("/api/v1/admin/keys"), json={"tenant": "e2e-dashboard", "scopes": MEMBER_SCOPES, "name": "e2e dashboard"},
            headers=admin, timeout=10)
        assert created.status_code == 201, created.text
        member = created.json()["key"]

        # No key: 401 from the error body, and the key field asks for one.
        page.goto(server.url("/dashboard"))
        status = page.locator("#status")
        expect(status).to_contain_text("401")
        expect(status).to_contain_text("UNAUTHORIZED")
        expect(status.locator(".access-hint")).to_contain_text("requires an API key")
        expect(page.locator("#api-key")).to_be_focused()
        expect(page.locator("#api-key-bar")).to_have_class(re.compile(r"\battention\b"))
        expect(page.locator("#live-state")).to_have_attribute("data-state", "stopped")

        # A key without the admin scope: 403, shown from the error body.
        page.fill("#api-key", member)
        page.press("#api-key", "Enter")
        expect(status).to_contain_text("403")
        expect(status).to_contain_text("FORBIDDEN")
        expect(status.locator(".access-hint")).to_contain_text("lacks")
        assert page.locator('#tasks-body tr[data-testid="task-row"]').count() == 0

        # The admin key: the overview goes live, the list loads, every call carries the key.
        seen.clear()
        page.fill("#api-key", ADMIN)
        page.click("#api-key-save")
        expect(page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT_MS)
        expect(status).not_to_have_class(re.compile(r"\berror\b"))
        expect(page.locator('[data-testid="state-FAILURE"]')).to_be_visible()
        expect(page.locator("#tasks-empty")).to_be_visible()
        assert page.evaluate(f"sessionStorage.getItem({json.dumps(KEY_STORAGE)})") == ADMIN
        assert any("/operations/overview/stream" in url for url, _ in seen), seen
        assert seen and all(value == f"Bearer {ADMIN}" for _, value in seen), seen
        assert not [url for url, _ in seen if ADMIN in url or member in url]
        assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)
    finally:
        shot(page, "dashboard-keys.png")
        page.context.close()
        server.stop()


def test_dashboard_loads_without_console_errors_and_pauses_a_queue(server, page):
    console = watch_console(page)
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    page.goto(server.url("/dashboard"))
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#tasks-empty")).to_be_visible()
    expect(page.locator("#dl-empty")).to_be_visible()
    # The window toggle re-reads the overview for 24 h and keeps it in the URL.
    page.click("#window-24h")
    expect(page.locator("#window-24h")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#overview-generated")).to_contain_text("24h", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT_MS)
    assert "window=24h" in page.url
    page.click("#window-7d")
    expect(page.locator("#overview-generated")).to_contain_text("7d", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#window-24h")).to_have_attribute("aria-pressed", "false")
    assert "window=7d" in page.url
    for name in ("interview", "learning"):
        expect(page.locator(f'#ov-queues tr[data-key="{name}"]')).to_be_visible()

    # Pause and resume a queue from its row; the live overview keeps showing what the server holds.
    queue = page.locator('#ov-queues tr[data-key="interview"]')
    toggle = page.locator("#queue-toggle-interview")
    expect(toggle).to_have_text("Pause")
    toggle.click()
    expect(queue).to_have_attribute("data-paused", "true")
    expect(toggle).to_have_text("Resume")
    queues = requests.get(server.url("/api/v1/operations/overview?window=1h"), timeout=10).json()["queues"]
    assert [q["paused"] for q in queues if q["kind"] == "interview"] == [True], queues
    generated = page.locator("#overview-generated").text_content()
    expect(page.locator("#overview-generated")).not_to_have_text(generated, timeout=LIVE_TIMEOUT_MS)  # the next event
    expect(queue).to_have_attribute("data-paused", "true")
    toggle.click()
    expect(queue).to_have_attribute("data-paused", "false")
    expect(toggle).to_have_text("Pause")
    assert console == [], console
    assert failed == [], failed
    assert page.errors == [], page.errors
    page.context.close()  # the page's stream goes before the server stops
