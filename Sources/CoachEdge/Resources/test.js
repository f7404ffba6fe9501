// InterviewCoach browser test page.
// Every piece of server or model text reaches the page through textContent (never as HTML):
// the DOM is built with createElement only, and URL path segments go through encodeURIComponent.
// Requests to /api/v1 carry the API key saved in this tab (apikey.js, `CoachKey`), when there is one;
// task progress is read as Server-Sent Events over fetch (EventSource cannot send that header).
"use strict";

(function () {
  const API = "/api/v1";
  const SERVICES = {
    interview: { segment: "interview", resource: "questions", label: "Interview questions" },
    learning: { segment: "learning", resource: "learning-path", label: "Learning path" },
  };
  const MAX_RECONNECTS = 5;

  const $ = (id) => document.getElementById(id);

  let stream = null; // the AbortController of the open event stream, if any
  let job = null; // {service, taskId, terminal, reconnects}

  // ---- DOM helpers -----------------------------------------------------------------------

  const { el, clear, asText, asList, setStatus, accessMessage, showErrorBody, authorized, api, loadResumeList } = window.CoachPage;

  /** An <a> whose href is set only for an absolute https:// URL; anything else stays plain text. */
  function safeLink(url, label) {
    const text = label || url;
    if (typeof url === "string" && url.startsWith("https://")) {
      let parsed = null;
      try {
        parsed = new URL(url);
      } catch (_) {
        parsed = null;
      }
      if (parsed && parsed.protocol === "https:") {
        const a = el("a", "ext-link", text);
        a.href = parsed.href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        return a;
      }
    }
    const span = el("span", "ext-link disabled", text || "(no link)");
    if (url) span.title = "not shown as a link: only https:// URLs are";
    return span;
  }

  function formatTime(timestamp) {
    const date = timestamp ? new Date(timestamp) : new Date();
    if (Number.isNaN(date.getTime())) return asText(timestamp);
    const pad = (n, w) => String(n).padStart(w || 2, "0");
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  }

  // ---- status line -------------------------------------------------------------------------

  function resumePath(key) {
    return `${API}/resumes/${encodeURIComponent(key)}`;
  }

  // ---- resume list and panel ---------------------------------------------------------------

  async function loadResumes(selectKey) {
    await loadResumeList(50, selectKey || $("resume-key").value.trim());
  }

  async function showResume(key) {
    const panel = $("resume-panel");
    clear(panel);
    if (!key) {
      panel.appendChild(el("p", "muted", "No resume selected."));
      return;
    }
    panel.appendChild(el("p", "muted", "Loading…"));
    const r = await api("GET", resumePath(key));
    if ($("resume-key").value.trim() !== key) return; // a newer selection won
    clear(panel);
    if (!r.ok) {
      const detail = r.body && r.body.detail ? asText(r.body.detail) : `HTTP ${r.status}`;
      panel.appendChild(el("p", "error-text", `Could not load resume: ${detail}`));
      const hint = accessMessage(r.status, r.body, r.headers);
      if (hint) panel.appendChild(el("p", "error-text", hint));
      return;
    }
    renderResume(panel, r.body || {});
  }

  function renderResume(panel, resume) {
    panel.appendChild(el("div", "resume-name", resume.name));
    const meta = [];
    if (resume.unique_key) meta.push(`key ${asText(resume.unique_key)}`);
    if (typeof resume.total_experience_months === "number") {
      const years = Math.floor(resume.total_experience_months / 12);
      const months = resume.total_experience_months % 12;
      meta.push(`experience ${years} y ${months} m`);
    }
    const works = asList(resume.work_experiences).length;
    const projects = asList(resume.personal_projects).length;
    meta.push(`${works} job(s), ${projects} project(s)`);
    panel.appendChild(el("div", "resume-meta", meta.join(" · ")));
    panel.appendChild(el("p", "resume-summary", resume.summary));

    const skills = resume.technical_skills && typeof resume.technical_skills === "object" ? resume.technical_skills : {};
    const dl = el("dl", "skills");
    for (const [category, values] of Object.entries(skills)) {
      const list = asList(values);
      if (!list.length) continue;
      dl.appendChild(el("dt", null, category.replace(/_/g, " ")));
      const dd = el("dd");
      for (const skill of list) dd.appendChild(el("span", "chip", asText(skill)));
      dl.appendChild(dd);
    }
    if (dl.childNodes.length) panel.appendChild(dl);
    else panel.appendChild(el("p", "muted", "No technical skills listed."));
  }

  // ---- creating a resume -------------------------------------------------------------------

  async function createResume() {
    const text = $("resume-json").value.trim();
    if (!text) {
      setStatus("Paste a resume JSON first.", "error");
      return;
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setStatus(`The resume is not valid JSON: ${err.message}`, "error");
      return;
    }
    const button = $("create-resume");
    button.disabled = true;
    setStatus("Creating resume…", "busy");
    try {
      const r = await api("POST", `${API}/resumes`, parsed);
      if (r.status === 201 && r.body && typeof r.body.unique_key === "string") {
        const key = r.body.unique_key;
        $("resume-key").value = key;
        setStatus(`${asText(r.body.message) || "Resume created"}: ${key}`, "ok");
        await loadResumes(key);
        await showResume(key);
      } else {
        showErrorBody("Creating the resume failed", r.status, r.body, r.headers);
      }
    } finally {
      button.disabled = false;
    }
  }

  const SAMPLE_RESUME = {
    name: "Sample Developer",
    contact: { email: "sample@example.org", github: "https://github.com/example" },
    summary: "Backend engineer with 4 years of Python and Go services, PostgreSQL and Kubernetes.",
    total_experience_months: 48,
    work_experiences: [
      {
        company: "Example Corp",
        position: "Backend Engineer",
        duration: "2022.01 ~ present",
        tech_stack: ["Go", "PostgreSQL", "Kafka"],
        achievements: ["Cut p99 latency of the order API from 400 ms to 120 ms"],
      },
    ],
    personal_projects: [],
    technical_skills: {
      programming_languages: ["Go", "Python"],
      databases: ["PostgreSQL", "Redis"],
      devops_tools: ["Docker", "Kubernetes"],
    },
    certifications: [],
    activities: [],
    education: [],
  };

  // ---- jobs and the SSE stream -------------------------------------------------------------

  function closeStream() {
    if (stream) {
      const controller = stream;
      stream = null;
      controller.abort();
    }
    $("stop-job").disabled = true;
    $("start-job").disabled = false;
  }

  function setProgress(value) {
    const n = Math.max(0, Math.min(100, Math.round(Number(value) || 0)));
    $("progress-bar").value = n;
    $("progress-text").textContent = `${n} %`;
  }

  function logLine(kind, time, stage, progress, message) {
    const li = el("li", `log-line ev-${kind}`);
    li.appendChild(el("span", "log-time", formatTime(time)));
    li.appendChild(el("span", "log-event", kind));
    li.appendChild(el("span", "log-stage", stage || "—"));
    li.appendChild(el("span", "log-progress", progress === undefined || progress === null || progress === "" ? "" : `${progress} %`));
    li.appendChild(el("span", "log-message", message));
    const log = $("event-log");
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function parseData(event) {
    try {
      return JSON.parse(event.data);
    } catch (_) {
      return null;
    }
  }

  function resetRun() {
    closeStream();
    setProgress(0);
    clear($("event-log"));
    clear($("task-meta"));
    const result = $("result");
    clear(result);
    result.appendChild(el("p", "muted", "Waiting for the result…"));
  }

  async function startJob() {
    const serviceName = $("service").value;
    const service = SERVICES[serviceName];
    const key = $("resume-key").value.trim();
    const language = $("language").value === "en" ? "en" : "ko";
    if (!service) {
      setStatus("Choose a service.", "error");
      return;
    }
    if (!key) {
      setStatus("Enter a resume key or pick one from the list.", "error");
      return;
    }
    resetRun();
    $("start-job").disabled = true;
    setStatus(`Starting ${service.label.toLowerCase()} for ${key}…`, "busy");
    showResume(key);

    const path = `${API}/${service.segment}/async/${encodeURIComponent(key)}/${service.resource}`;
    const r = await api("POST", path, { language });
    if (r.status !== 202 || !r.body || typeof r.body.task_id !== "string") {
      $("start-job").disabled = false;
      clear($("result"));
      $("result").appendChild(el("p", "muted", "No result."));
      showErrorBody("Starting the job failed", r.status, r.body, r.headers);
      logLine("error", null, "", "", r.body && r.body.detail ? asText(r.body.detail) : `HTTP ${r.status}`);
      return;
    }
    const task = r.body;
    job = { service: serviceName, taskId: task.task_id, terminal: false, reconnects: 0 };
    const meta = $("task-meta");
    clear(meta);
    meta.appendChild(el("span", null, `task ${task.task_id}`));
    if (task.estimated_time !== undefined && task.estimated_time !== null) {
      const estimate = typeof task.estimated_time === "number" ? `${task.estimated_time} s` : asText(task.estimated_time);
      meta.appendChild(el("span", null, `estimated ${estimate}`));
    }
    logLine("created", task.created_at, asText(task.status), 0, asText(task.message));
    setStatus(`Task ${task.task_id} accepted; streaming progress…`, "busy");
    openStream(job);
  }

  // ---- Server-Sent Events over fetch -------------------------------------------------------
  // EventSource cannot send an Authorization header, so the stream is read with fetch and parsed
  // here as the HTML standard's event-stream format says.

  /**
   * An event-stream parser: lines end in CRLF, LF or CR; a line starting with ":" is a comment
   * (the server's `: ping`); `event:`, `data:` (joined by "\n"), `id:` and `retry:` fill the
   * current event and a blank line dispatches it — unless it has no data. The last event id
   * persists across events (`state.lastEventId`, sent back as Last-Event-ID on a reconnect);
   * `retry:` sets the reconnection delay (`state.retry`, ms). Half an event at the end is dropped.
   */
  class EventStreamParser {
    constructor(state, onEvent) {
      this.state = state;
      this.onEvent = onEvent;
      this.buffer = "";
      this.type = "";
      this.data = "";
      this.idBuffer = state.lastEventId;
    }

    push(text) {
      this.buffer += text;
      const lineEnd = /\r\n|\r|\n/g;
      let start = 0;
      let match;
      while ((match = lineEnd.exec(this.buffer)) !== null) {
        // A CR that ends the chunk may be half of a CRLF split across chunks: wait for the next one.
        if (match[0] === "\r" && lineEnd.lastIndex === this.buffer.length) break;
        const line = this.buffer.slice(start, match.index);
        start = lineEnd.lastIndex;
        this.line(line);
      }
      this.buffer = this.buffer.slice(start);
    }

    /** The stream ended: a line ended by a lone final CR is still a line. */
    finish() {
      if (this.buffer.endsWith("\r")) this.line(this.buffer.slice(0, -1));
      this.buffer = "";
    }

    line(line) {
      if (line === "") {
        this.dispatch();
        return;
      }
      if (line.startsWith(":")) return; // a comment: the heartbeat
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.type = value;
      else if (field === "data") this.data += value + "\n";
      else if (field === "id") {
        if (!value.includes("\0")) this.idBuffer = value;
      } else if (field === "retry") {
        if (/^\d+$/.test(value)) this.state.retry = Number(value);
      }
      // any other field is ignored
    }

    dispatch() {
      this.state.lastEventId = this.idBuffer;
      const type = this.type || "message";
      const data = this.data;
      this.type = "";
      this.data = "";
      if (data === "") return;
      this.onEvent({ type, data: data.slice(0, -1), lastEventId: this.state.lastEventId });
    }
  }

  /** Resolves after `ms`, or at once when `signal` aborts. */
  function sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done);
    });
  }

  async function readBody(response) {
    let raw = "";
    try {
      raw = await response.text();
    } catch (_) {
      raw = "";
    }
    if (!raw) return null;
    try {
      return JSON.parse(raw);
    } catch (_) {
      return raw;
    }
  }

  /**
   * One connection to an event stream. Resolves with {kind}: "nothing-left" (204), "http-error"
   * (any other answer that is not a 200 event stream; with status, body and headers), "ended" (the
   * server ended the body) or "stopped" (`on.active()` turned false after an event, e.g. `close`).
   * Rejects when the connection fails or is aborted.
   */
  async function connectOnce(url, state, signal, on) {
    const headers = authorized({ Accept: "text/event-stream" }, url);
    if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
    const response = await fetch(url, { method: "GET", headers, cache: "no-store", signal });
    if (response.status === 204) return { kind: "nothing-left" };
    const type = (response.headers.get("Content-Type") || "").toLowerCase();
    if (response.status !== 200 || !type.startsWith("text/event-stream") || !response.body) {
      return { kind: "http-error", status: response.status, body: await readBody(response), headers: response.headers };
    }
    on.open();
    const reader = response.body.getReader();
    const decoder = new TextDecoder("utf-8");
    const parser = new EventStreamParser(state, on.event);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          parser.push(decoder.decode());
          parser.finish();
          return { kind: "ended" };
        }
        parser.push(decoder.decode(value, { stream: true }));
        if (!on.active()) return { kind: "stopped" };
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  function openStream(current) {
    const service = SERVICES[current.service];
    const url = `${API}/${service.segment}/tasks/${encodeURIComponent(current.taskId)}/stream`;
    const controller = new AbortController();
    stream = controller;
    $("stop-job").disabled = false;

    const mine = () => stream === controller && job === current;

    const handlers = {
      progress(event) {
        const record = parseData(event);
        if (!record) return;
        setProgress(record.progress);
        logLine("progress", record.timestamp, asText(record.stage), asText(record.progress), asText(record.message));
        setStatus(`${asText(record.state)} · ${asText(record.stage)} — ${asText(record.message)}`, "busy");
      },

      completed(event) {
        const record = parseData(event);
        if (!record) return;
        current.terminal = true;
        setProgress(record.progress === undefined ? 100 : record.progress);
        logLine("completed", record.timestamp, asText(record.stage || "completed"), asText(record.progress), asText(record.message));
        setStatus(`Completed — ${asText(record.message)}`, "ok");
        renderResult(record.kind || current.service, record.result);
      },

      // The server's `error` event: the task failed (a connection problem is no event here).
      error(event) {
        const record = parseData(event) || {};
        current.terminal = true;
        const error = record.error && typeof record.error === "object" ? record.error : {};
        const text = `${asText(error.code) || "FAILED"}: ${asText(error.message) || asText(record.message)}`;
        logLine("error", record.timestamp, asText(record.stage || "failed"), asText(record.progress), text);
        setStatus(`Task failed — ${text}`, "error");
        const result = $("result");
        clear(result);
        result.appendChild(el("p", "error-text", text));
        closeStream();
      },

      close(event) {
        const data = parseData(event) || {};
        logLine("close", data.timestamp, "", "", asText(data.message) || "stream closed");
        closeStream();
        if (!current.terminal) pollOnce(current);
      },
    };

    followStream(current, url, controller.signal, mine, handlers).catch((err) => {
      if (!mine()) return;
      logLine("error", null, "", "", `stream reader failed: ${err && err.message ? err.message : err}`);
      closeStream();
      pollOnce(current);
    });
  }

  /**
   * Reads the task's event stream until `close`, reconnecting like EventSource does: after a drop
   * it waits `retry` ms and sends Last-Event-ID (the server replays what came after; 204 means
   * nothing is left), at most MAX_RECONNECTS times in a row. Ends quietly once `mine()` is false
   * (Stop watching, a new job, the page unloading — each aborts `signal`).
   */
  async function followStream(current, url, signal, mine, handlers) {
    const state = { lastEventId: "", retry: 3000 };
    const on = {
      open: () => {
        if (mine()) current.reconnects = 0;
      },
      event: (event) => {
        if (mine() && Object.prototype.hasOwnProperty.call(handlers, event.type)) handlers[event.type](event);
      },
      active: mine,
    };
    while (mine()) {
      let outcome;
      try {
        outcome = await connectOnce(url, state, signal, on);
      } catch (_) {
        outcome = { kind: "dropped" }; // a network failure, or the abort that made mine() false
      }
      if (!mine()) return;

      if (outcome.kind === "nothing-left") {
        logLine("close", null, "", "", "nothing left to stream");
        closeStream();
        if (!current.terminal) pollOnce(current);
        return;
      }

      let delay = state.retry;
      let why = "connection lost";
      if (outcome.kind === "http-error") {
        const { status, body, headers } = outcome;
        const detail = body && typeof body === "object" && body.detail ? asText(body.detail) : `HTTP ${status}`;
        if (status !== 429 && status < 500) {
          // 401, 403, 404…: asking again will not help.
          logLine("error", null, "", "", `HTTP ${status}: ${detail}`);
          showErrorBody("Following the task failed", status, body, headers);
          closeStream();
          return;
        }
        const seconds = window.CoachKey ? window.CoachKey.retryAfterSeconds(headers, body) : null;
        if (seconds !== null) delay = Math.min(Math.max(seconds * 1000, delay), 60_000);
        why = `HTTP ${status}: ${detail}`;
        if (status === 429) showErrorBody("Following the task is rate limited", status, body, headers);
      } else if (current.terminal) {
        closeStream();
        return;
      }

      current.reconnects += 1;
      if (current.reconnects > MAX_RECONNECTS) {
        logLine("error", null, "", "", "stream connection failed");
        setStatus("The progress stream failed; checking the task once more…", "error");
        closeStream();
        pollOnce(current);
        return;
      }
      logLine("reconnect", null, "", "", `${why}, reconnecting in ${Math.round(delay / 1000)} s (${current.reconnects}/${MAX_RECONNECTS})…`);
      await sleep(delay, signal);
    }
  }

  /** After a stream ended without a terminal event: read the task's progress record once. */
  async function pollOnce(current) {
    const service = SERVICES[current.service];
    const r = await api("GET", `${API}/${service.segment}/tasks/${encodeURIComponent(current.taskId)}/progress`);
    if (job !== current) return;
    if (!r.ok || !r.body) {
      showErrorBody("Reading the task failed", r.status, r.body, r.headers);
      return;
    }
    const record = r.body;
    setProgress(record.progress);
    logLine("poll", record.timestamp, asText(record.stage), asText(record.progress), asText(record.message));
    if (record.state === "SUCCESS") {
      current.terminal = true;
      setStatus(`Completed — ${asText(record.message)}`, "ok");
      renderResult(record.kind || current.service, record.result);
    } else if (record.state === "FAILURE") {
      current.terminal = true;
      const error = record.error || {};
      setStatus(`Task failed — ${asText(error.code)}: ${asText(error.message)}`, "error");
    } else {
      setStatus(`Task is still ${asText(record.state)} (${asText(record.stage)}); the stream ended early.`, "error");
    }
  }

  // ---- results -----------------------------------------------------------------------------

  function renderResult(kind, result) {
    const container = $("result");
    clear(container);
    if (!result || typeof result !== "object") {
      container.appendChild(el("p", "muted", "The task finished without a result."));
      return;
    }
    container.appendChild(resultMeta(result));
    if (kind === "learning" || Array.isArray(result.learning_paths)) renderLearning(container, result);
    else renderInterview(container, result);

    const details = el("details", "raw-json");
    details.appendChild(el("summary", null, "Raw JSON"));
    details.appendChild(el("pre", null, JSON.stringify(result, null, 2)));
    container.appendChild(details);
  }

  function resultMeta(result) {
    const meta = el("div", "result-meta");
    const add = (label, value) => {
      if (value === undefined || value === null || value === "") return;
      const item = el("span", "meta-item");
      item.appendChild(el("span", "meta-label", label));
      item.appendChild(el("span", "meta-value", asText(value)));
      meta.appendChild(item);
    };
    add("id", result.interview_id || result.learning_path_id);
    add("resume", result.unique_key);
    add("provider", result.provider);
    add("model", result.model);
    add("generated", result.generated_at || result.created_at);
    const usage = result.usage && typeof result.usage === "object" ? result.usage : null;
    if (usage) {
      add("tokens in/out", `${asText(usage.input_tokens)} / ${asText(usage.output_tokens)}`);
      if (usage.cost_usd !== undefined && usage.cost_usd !== null) add("cost", `$${asText(usage.cost_usd)}`);
    }
    return meta;
  }

  const DIFFICULTIES = ["easy", "medium", "hard"];

  function renderInterview(container, result) {
    const questions = asList(result.questions);
    container.appendChild(el("h3", null, `${questions.length} interview question(s)`));
    const list = el("div", "cards");
    questions.forEach((q, index) => {
      q = q && typeof q === "object" ? q : { question: asText(q) };
      const card = el("article", "card-item question-card");
      const head = el("div", "card-head");
      head.appendChild(el("span", "number", `Q${index + 1}`));
      if (q.type) head.appendChild(el("span", "badge badge-type", q.type));
      if (q.difficulty) {
        const difficulty = asText(q.difficulty);
        const badge = el("span", "badge badge-difficulty", difficulty);
        if (DIFFICULTIES.includes(difficulty.toLowerCase())) badge.classList.add(`difficulty-${difficulty.toLowerCase()}`);
        head.appendChild(badge);
      }
      card.appendChild(head);
      if (q.topic) card.appendChild(el("div", "topic", q.topic));
      card.appendChild(el("p", "question-text", q.question));
      const points = asList(q.what_good_answers_cover);
      if (points.length) {
        card.appendChild(el("div", "points-label", "What good answers cover"));
        const ul = el("ul", "points");
        for (const point of points) ul.appendChild(el("li", null, asText(point)));
        card.appendChild(ul);
      }
      list.appendChild(card);
    });
    container.appendChild(list);
  }

  function renderLearning(container, result) {
    const analysis = result.analysis && typeof result.analysis === "object" ? result.analysis : {};
    if (result.summary) {
      const summary = el("div", "summary");
      summary.appendChild(el("h3", null, "Summary"));
      summary.appendChild(el("p", null, result.summary));
      container.appendChild(summary);
    }
    const columns = el("div", "analysis");
    for (const [title, values, cls] of [
      ["Strengths", analysis.strengths, "strengths"],
      ["Weaknesses", analysis.weaknesses, "weaknesses"],
    ]) {
      const box = el("div", `analysis-box ${cls}`);
      box.appendChild(el("h3", null, title));
      const items = asList(values);
      if (items.length) {
        const ul = el("ul");
        for (const item of items) ul.appendChild(el("li", null, asText(item)));
        box.appendChild(ul);
      } else {
        box.appendChild(el("p", "muted", "none"));
      }
      columns.appendChild(box);
    }
    container.appendChild(columns);

    const paths = asList(result.learning_paths);
    container.appendChild(el("h3", null, `${paths.length} learning item(s)`));
    const list = el("div", "cards");
    for (const raw of paths) {
      const item = raw && typeof raw === "object" ? raw : { title: asText(raw) };
      const card = el("article", "card-item learning-item");
      const head = el("div", "card-head");
      const type = asText(item.type);
      if (type) {
        const badge = el("span", "badge badge-type", type);
        if (type === "strength" || type === "weakness") badge.classList.add(`kind-${type}`);
        head.appendChild(badge);
      }
      if (item.estimated_hours !== undefined && item.estimated_hours !== null) {
        head.appendChild(el("span", "badge badge-hours", `${asText(item.estimated_hours)} h`));
      }
      card.appendChild(head);
      card.appendChild(el("div", "item-title", item.title));
      if (item.description) card.appendChild(el("p", "item-description", item.description));
      if (item.reason) {
        const reason = el("p", "item-reason");
        reason.appendChild(el("span", "label", "Why: "));
        reason.appendChild(document.createTextNode(asText(item.reason)));
        card.appendChild(reason);
      }
      const resources = asList(item.resources);
      if (resources.length) {
        card.appendChild(el("div", "points-label", "Resources"));
        const ul = el("ul", "points");
        for (const resource of resources) ul.appendChild(renderResource(resource));
        card.appendChild(ul);
      }
      if (item.link) {
        const linkRow = el("div", "item-link");
        linkRow.appendChild(safeLink(asText(item.link)));
        card.appendChild(linkRow);
      }
      list.appendChild(card);
    }
    container.appendChild(list);
  }

  function renderResource(resource) {
    const li = el("li");
    if (resource && typeof resource === "object") {
      const label = asText(resource.title || resource.name || resource.url || resource.link);
      const url = resource.url || resource.link;
      if (url) li.appendChild(safeLink(asText(url), label));
      else li.textContent = label || asText(resource);
      if (resource.type) li.appendChild(el("span", "muted", ` (${asText(resource.type)})`));
    } else {
      li.textContent = asText(resource);
    }
    return li;
  }

  // ---- wiring ------------------------------------------------------------------------------

  function init() {
    $("refresh-resumes").addEventListener("click", () => loadResumes());
    $("resume-list").addEventListener("change", () => {
      const key = $("resume-list").value;
      if (!key) return;
      $("resume-key").value = key;
      showResume(key);
    });
    let typingTimer = null;
    $("resume-key").addEventListener("input", () => {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => showResume($("resume-key").value.trim()), 400);
    });
    $("create-resume").addEventListener("click", createResume);
    $("sample-resume").addEventListener("click", () => {
      $("resume-json").value = JSON.stringify(SAMPLE_RESUME, null, 2);
    });
    $("start-job").addEventListener("click", startJob);
    $("stop-job").addEventListener("click", () => {
      if (stream) {
        logLine("close", null, "", "", "stopped watching (the task keeps running)");
        closeStream();
        setStatus("Stopped watching the stream.", null);
      }
    });
    window.addEventListener("beforeunload", closeStream);
    if (window.CoachKey) {
      window.CoachKey.onChange((key) => {
        setStatus(key ? "API key saved for this tab." : "API key forgotten.", key ? "ok" : null);
        loadResumes();
      });
    }
    loadResumes();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
