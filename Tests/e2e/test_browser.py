"""The browser pages (/test and /docs) driven by Playwright in Debian's chromium against the real
`interview-coach serve` process: create a resume with hostile text, run a learning-path job over
SSE to 100 %, and prove the page renders the result and never turns server text into markup."""

import json
import re
import shutil
import uuid

import pytest
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


@pytest.mark.parametrize("path", ["/", "/test", "/docs"])
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
    for target in ["/test", "/docs", "/openapi.json"]:
        assert target in hrefs, hrefs
    page.click("main a[href='/test']")
    expect(page.locator("#start-job")).to_be_visible()
    page.goto(server.url("/"))
    page.screenshot(path=str(ARTIFACTS / "landing-page.png"), full_page=True)
