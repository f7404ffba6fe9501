"""The browser pages (/test and /docs) driven by Playwright in Debian's chromium against the real
`interview-coach serve` process: create a resume with hostile text, run a learning-path job over
SSE to 100 %, and prove the page renders the result and never turns server text into markup."""

import json
import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import ARTIFACTS, fixture_resumes

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
JOB_TIMEOUT_MS = 120_000

# `name` may not contain "/" (spec), so the closing-tag payload goes into the summary and the skills.
HOSTILE_NAME = "Eve <img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


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
