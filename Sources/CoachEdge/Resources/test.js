// InterviewCoach browser test page.
// Every piece of server or model text reaches the page through textContent (never as HTML):
// the DOM is built with createElement only, and URL path segments go through encodeURIComponent.
"use strict";

(function () {
  const API = "/api/v1";
  const SERVICES = {
    interview: { segment: "interview", resource: "questions", label: "Interview questions" },
    learning: { segment: "learning", resource: "learning-path", label: "Learning path" },
  };
  const MAX_RECONNECTS = 5;

  const $ = (id) => document.getElementById(id);

  let stream = null; // the open EventSource, if any
  let job = null; // {service, taskId, terminal, reconnects}

  // ---- DOM helpers -----------------------------------------------------------------------

  /** createElement + className + textContent (text is always set as text, never parsed). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function asText(value) {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    try {
      return JSON.stringify(value);
    } catch (_) {
      return String(value);
    }
  }

  function asList(value) {
    return Array.isArray(value) ? value : [];
  }

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

  function setStatus(text, kind) {
    const status = $("status");
    clear(status);
    status.className = "status" + (kind ? " " + kind : "");
    status.appendChild(el("span", "status-text", text));
  }

  /** Shows an error body (`detail`, `error_code`, `details.validation_errors[]`) as text. */
  function showErrorBody(prefix, httpStatus, body) {
    const status = $("status");
    clear(status);
    status.className = "status error";
    let line = `${prefix}: HTTP ${httpStatus}`;
    if (body && typeof body === "object") {
      if (body.detail) line += ` — ${asText(body.detail)}`;
      if (body.error_code) line += ` (${asText(body.error_code)})`;
    } else if (typeof body === "string" && body) {
      line += ` — ${body.slice(0, 300)}`;
    }
    status.appendChild(el("span", "status-text", line));
    const errors = body && body.details && Array.isArray(body.details.validation_errors) ? body.details.validation_errors : [];
    if (errors.length) {
      const ul = el("ul", "validation-errors");
      for (const item of errors) {
        const field = item && typeof item === "object" ? asText(item.field) : "";
        const message = item && typeof item === "object" ? asText(item.message) : asText(item);
        ul.appendChild(el("li", null, field ? `${field}: ${message}` : message));
      }
      status.appendChild(ul);
    }
    if (body && body.request_id) status.appendChild(el("div", "request-id", `request id ${asText(body.request_id)}`));
  }

  // ---- HTTP --------------------------------------------------------------------------------

  async function api(method, path, payload) {
    const init = { method, headers: { Accept: "application/json" }, cache: "no-store" };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = typeof payload === "string" ? payload : JSON.stringify(payload);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      return { ok: false, status: 0, body: { detail: `network error: ${err && err.message ? err.message : err}` } };
    }
    const raw = await response.text();
    let body = raw;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch (_) {
        body = raw;
      }
    } else {
      body = null;
    }
    return { ok: response.ok, status: response.status, body, headers: response.headers };
  }

  function resumePath(key) {
    return `${API}/resumes/${encodeURIComponent(key)}`;
  }

  // ---- resume list and panel ---------------------------------------------------------------

  async function loadResumes(selectKey) {
    const select = $("resume-list");
    const r = await api("GET", `${API}/resumes?limit=50`);
    clear(select);
    if (!r.ok) {
      select.appendChild(el("option", null, "(could not load the list)")).value = "";
      showErrorBody("Listing resumes failed", r.status, r.body);
      return;
    }
    const resumes = asList(r.body && r.body.resumes);
    const placeholder = el("option", null, resumes.length ? `— ${resumes.length} stored resume(s) —` : "(no resumes yet)");
    placeholder.value = "";
    select.appendChild(placeholder);
    for (const resume of resumes) {
      if (!resume || typeof resume.unique_key !== "string") continue;
      const option = el("option", null, `${asText(resume.name)} — ${resume.unique_key}`);
      option.value = resume.unique_key;
      select.appendChild(option);
    }
    const wanted = selectKey || $("resume-key").value.trim();
    if (wanted && Array.from(select.options).some((o) => o.value === wanted)) select.value = wanted;
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
        showErrorBody("Creating the resume failed", r.status, r.body);
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
      stream.close();
      stream = null;
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
      showErrorBody("Starting the job failed", r.status, r.body);
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

  function openStream(current) {
    const service = SERVICES[current.service];
    const url = `${API}/${service.segment}/tasks/${encodeURIComponent(current.taskId)}/stream`;
    const source = new EventSource(url);
    stream = source;
    $("stop-job").disabled = false;

    const mine = () => stream === source && job === current;

    source.addEventListener("open", () => {
      if (mine()) current.reconnects = 0;
    });

    source.addEventListener("progress", (event) => {
      if (!mine()) return;
      const record = parseData(event);
      if (!record) return;
      setProgress(record.progress);
      logLine("progress", record.timestamp, asText(record.stage), asText(record.progress), asText(record.message));
      setStatus(`${asText(record.state)} · ${asText(record.stage)} — ${asText(record.message)}`, "busy");
    });

    source.addEventListener("completed", (event) => {
      if (!mine()) return;
      const record = parseData(event);
      if (!record) return;
      current.terminal = true;
      setProgress(record.progress === undefined ? 100 : record.progress);
      logLine("completed", record.timestamp, asText(record.stage || "completed"), asText(record.progress), asText(record.message));
      setStatus(`Completed — ${asText(record.message)}`, "ok");
      renderResult(record.kind || current.service, record.result);
    });

    source.addEventListener("error", (event) => {
      if (!mine()) return;
      if (typeof event.data === "string") {
        // The server's `error` event: the task failed.
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
        return;
      }
      // A connection problem (no data). EventSource retries by itself, sending Last-Event-ID.
      if (current.terminal) {
        closeStream();
        return;
      }
      current.reconnects += 1;
      if (source.readyState === EventSource.CLOSED || current.reconnects > MAX_RECONNECTS) {
        logLine("error", null, "", "", "stream connection failed");
        setStatus("The progress stream failed; checking the task once more…", "error");
        closeStream();
        pollOnce(current);
      } else {
        logLine("reconnect", null, "", "", `connection lost, reconnecting (${current.reconnects}/${MAX_RECONNECTS})…`);
      }
    });

    source.addEventListener("close", (event) => {
      if (!mine()) return;
      const data = parseData(event) || {};
      logLine("close", data.timestamp, "", "", asText(data.message) || "stream closed");
      closeStream();
      if (!current.terminal) pollOnce(current);
    });
  }

  /** After a stream ended without a terminal event: read the task's progress record once. */
  async function pollOnce(current) {
    const service = SERVICES[current.service];
    const r = await api("GET", `${API}/${service.segment}/tasks/${encodeURIComponent(current.taskId)}/progress`);
    if (job !== current) return;
    if (!r.ok || !r.body) {
      showErrorBody("Reading the task failed", r.status, r.body);
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
    loadResumes();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
