// InterviewCoach operations dashboard (/dashboard): the overview (live over Server-Sent Events read
// with fetch, since EventSource cannot send the key header), the task list with its filter kept in
// the URL, one task's detail with Retry / Cancel, and the dead letters. Every call goes through
// page.js with the key apikey.js keeps for this tab (an admin key when keys are on). Task ids, keys,
// error messages and every other server string reach the page as text only.
"use strict";

(function () {
  const OPS = "/api/v1/operations";
  const STATES = ["PENDING", "PROGRESS", "SUCCESS", "FAILURE", "CANCELLED"];
  const ACTIVE = new Set(["PENDING", "PROGRESS"]);
  const RETRYABLE = new Set(["FAILURE", "CANCELLED"]);
  const KINDS = ["interview", "learning"];
  const WINDOWS = ["1h", "24h", "7d"];
  const TEXT_FILTERS = ["unique_key", "provider", "error_code", "tenant"];
  const TIME_FILTERS = ["created_after", "created_before"];
  const PAGE_SIZE = 20;
  const TICK_MS = 1000; // an active task's detail is re-read every tick
  const LIST_EVERY = 3; // the task list (and a finished task's detail) every third tick

  const $ = (id) => document.getElementById(id);
  const { el, clear, asText, asList, setStatus, showErrorBody, api } = window.CoachPage;

  const view = {
    window: "1h",
    filter: emptyFilter(),
    pageTokens: [""], // the token of every page visited so far; [0] is the first page
    pageIndex: 0,
    nextToken: "",
    selected: null, // {kind, id}
    task: null, // the selected task's last detail
    blocked: false, // a 401/403 stopped the refreshes until the key changes
    cancelling: false, // a cancel was requested and the task has not stopped yet
    deadLetters: null, // the queues' dead-letter total the list was last read at
    tickets: { overview: 0, tasks: 0, detail: 0, dead: 0 },
    inFlight: { tasks: false, detail: false },
    ticks: 0,
  };
  const live = { controller: null };

  // ---- small formatting helpers ------------------------------------------------------------

  function isNumber(value) {
    return typeof value === "number" && Number.isFinite(value);
  }

  function count(value) {
    return isNumber(value) ? value.toLocaleString("en-US") : "—";
  }

  function millis(value) {
    if (!isNumber(value)) return "—";
    return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
  }

  function dollars(value) {
    if (!isNumber(value)) return "—";
    return `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 6 : 4)}`;
  }

  function percent(value) {
    return isNumber(value) ? `${(value * 100).toFixed(1)} %` : "—";
  }

  function age(seconds) {
    if (!isNumber(seconds)) return "—";
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  }

  function two(n) {
    return String(n).padStart(2, "0");
  }

  /** `YYYY-MM-DD HH:MM:SS` in local time; unparsable text is shown as it came. */
  function when(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return asText(iso);
    return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  }

  function ago(iso) {
    if (!iso) return "never";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return asText(iso);
    return `${age(Math.max(0, (Date.now() - date.getTime()) / 1000))} ago`;
  }

  function clock() {
    const now = new Date();
    return `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
  }

  /** A server word made safe for a class name (letters, digits, `-` and `_` only). */
  function token(value) {
    return asText(value).replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40);
  }

  function badge(text, family) {
    const node = el("span", `badge ${family}-${token(text)}`, text || "—");
    node.dataset.value = asText(text);
    return node;
  }

  // ---- tables updated in place -------------------------------------------------------------
  // Rows carry a key; a refresh updates the cells of the row with the same key, so a button the
  // pointer is on survives the refresh that the live stream triggers every two seconds.

  function syncRows(tbody, items, keyOf, fill) {
    const previous = new Map(Array.from(tbody.rows).map((row) => [row.dataset.key, row]));
    let position = 0;
    for (const item of items) {
      const key = keyOf(item);
      let row = previous.get(key);
      if (row) previous.delete(key);
      else {
        row = document.createElement("tr");
        row.dataset.key = key;
      }
      fill(row, item);
      if (tbody.rows[position] !== row) tbody.insertBefore(row, tbody.rows[position] || null);
      position += 1;
    }
    for (const row of previous.values()) row.remove();
  }

  /**
   * Sets a row's cells: a string or number is the cell's text, `{text, cls, title}` adds a class
   * and a tooltip, a function fills the cell itself.
   */
  function setCells(row, specs) {
    while (row.cells.length < specs.length) row.appendChild(document.createElement("td"));
    while (row.cells.length > specs.length) row.deleteCell(-1);
    specs.forEach((spec, index) => {
      const cell = row.cells[index];
      if (typeof spec === "function") {
        spec(cell);
        return;
      }
      const options = spec !== null && typeof spec === "object" ? spec : { text: spec };
      const text = asText(options.text);
      if (cell.textContent !== text || cell.children.length) cell.textContent = text;
      const cls = options.cls || "";
      if (cell.className !== cls) cell.className = cls;
      if (options.title !== undefined) cell.title = asText(options.title);
    });
  }

  function showOnly(node, items) {
    node.hidden = items.length > 0;
  }

  // ---- errors ------------------------------------------------------------------------------

  function clearError(target) {
    clear(target);
    target.className = "section-error";
  }

  /**
   * An error answer, shown from its body. 401 and 403 concern the key: they go to the page's status
   * line with what to do (apikey.js) and stop the refreshes until a key is saved.
   */
  function failed(prefix, r, target) {
    if (r.status === 401 || r.status === 403) {
      view.blocked = true;
      stopLive();
      if (target) clearError(target);
      showErrorBody(prefix, r.status, r.body, r.headers);
      setLive("stopped", "stopped: the key was refused");
      return;
    }
    showErrorBody(prefix, r.status, r.body, r.headers, target);
  }

  // ---- the URL: window, filter and selected task -------------------------------------------

  function emptyFilter() {
    const filter = { state: [], kind: [] };
    for (const name of TEXT_FILTERS.concat(TIME_FILTERS)) filter[name] = "";
    return filter;
  }

  function filterParams(filter) {
    const params = new URLSearchParams();
    for (const state of filter.state) params.append("state", state);
    for (const kind of filter.kind) params.append("kind", kind);
    for (const name of TEXT_FILTERS.concat(TIME_FILTERS)) if (filter[name]) params.set(name, filter[name]);
    return params;
  }

  function readURL() {
    const params = new URLSearchParams(window.location.search);
    const filter = emptyFilter();
    filter.state = params.getAll("state").filter((s) => STATES.includes(s));
    filter.kind = params.getAll("kind").filter((k) => KINDS.includes(k));
    for (const name of TEXT_FILTERS) filter[name] = (params.get(name) || "").trim();
    for (const name of TIME_FILTERS) {
      const value = params.get(name) || "";
      filter[name] = value && !Number.isNaN(new Date(value).getTime()) ? value : "";
    }
    view.filter = filter;
    const windowParam = params.get("window");
    view.window = WINDOWS.includes(windowParam) ? windowParam : "1h";
    const task = params.get("task") || "";
    const colon = task.indexOf(":");
    view.selected = colon > 0 && KINDS.includes(task.slice(0, colon)) && task.length > colon + 1 ? { kind: task.slice(0, colon), id: task.slice(colon + 1) } : null;
  }

  function writeURL() {
    const params = filterParams(view.filter);
    if (view.window !== "1h") params.set("window", view.window);
    if (view.selected) params.set("task", `${view.selected.kind}:${view.selected.id}`);
    const query = params.toString();
    history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
  }

  /** An ISO instant for a datetime-local value (local time), or "". */
  function isoFromLocal(value) {
    if (!value) return "";
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? "" : date.toISOString();
  }

  function localFromIso(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return "";
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  }

  function fillForm(filter) {
    const form = $("task-filter");
    for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = asList(filter[box.name]).includes(box.value);
    for (const name of TEXT_FILTERS) form.elements[name].value = filter[name];
    for (const name of TIME_FILTERS) form.elements[name].value = localFromIso(filter[name]);
  }

  function readForm() {
    const form = $("task-filter");
    const filter = emptyFilter();
    for (const box of form.querySelectorAll("input[type=checkbox]:checked")) filter[box.name].push(box.value);
    for (const name of TEXT_FILTERS) filter[name] = form.elements[name].value.trim();
    for (const name of TIME_FILTERS) filter[name] = isoFromLocal(form.elements[name].value);
    return filter;
  }

  // ---- overview ----------------------------------------------------------------------------

  function setLive(state, text) {
    const node = $("live-state");
    node.dataset.state = state;
    node.className = `live-state live-${state}`;
    node.textContent = text || state;
  }

  async function loadOverview() {
    const ticket = ++view.tickets.overview;
    const r = await api("GET", `${OPS}/overview?window=${encodeURIComponent(view.window)}`);
    if (ticket !== view.tickets.overview) return false;
    if (!r.ok) {
      failed("Loading the overview failed", r, $("overview-error"));
      return false;
    }
    clearError($("overview-error"));
    renderOverview(r.body);
    return true;
  }

  function renderOverview(o) {
    if (!o || typeof o !== "object") return;
    $("overview-generated").textContent = o.generated_at ? `as of ${when(o.generated_at)} · window ${asText(o.window)}` : "";
    renderStates(o.tasks_by_state);
    $("ov-throughput").textContent = isNumber(o.throughput_per_minute) ? o.throughput_per_minute.toFixed(2) : "—";

    const failures = $("ov-failures");
    clear(failures);
    for (const item of asList(o.failures)) {
      if (!item || typeof item !== "object") continue;
      const li = el("li");
      li.dataset.errorCode = asText(item.error_code);
      li.appendChild(el("span", "mono", item.error_code));
      li.appendChild(el("span", "count", count(item.count)));
      failures.appendChild(li);
    }
    if (!failures.children.length) failures.appendChild(el("li", "muted", "No failures in this window."));

    syncRows($("ov-stages"), asList(o.stages).filter(isObject), (s) => asText(s.stage), (row, s) =>
      setCells(row, [{ text: s.stage, cls: "mono" }, { text: count(s.count), cls: "num" }, { text: millis(s.p50_ms), cls: "num" }, { text: millis(s.p95_ms), cls: "num" }]));
    renderQueues(asList(o.queues).filter(isObject));
    renderProviders(asList(o.providers).filter(isObject));
    syncRows($("ov-workers"), asList(o.workers).filter(isObject), (w) => asText(w.name), (row, w) =>
      setCells(row, [{ text: w.name, cls: "mono" }, { text: count(w.jobs_in_hand), cls: "num" }, { text: count(w.jobs_done), cls: "num" }, { text: ago(w.last_seen), title: when(w.last_seen) }]));

    // A change in the dead-letter total re-reads the dead letters.
    const total = asList(o.queues).reduce((sum, q) => sum + (q && isNumber(q.dead_lettered) ? q.dead_lettered : 0), 0);
    if (view.deadLetters !== null && total !== view.deadLetters) loadDeadLetters();
    view.deadLetters = total;
  }

  function isObject(value) {
    return Boolean(value) && typeof value === "object";
  }

  function renderStates(byState) {
    const counts = isObject(byState) ? byState : {};
    const names = STATES.concat(Object.keys(counts).filter((name) => !STATES.includes(name)));
    const tiles = $("ov-states");
    clear(tiles);
    for (const name of names) {
      const tile = el("div", `state-tile state-${token(name)}`);
      tile.setAttribute("data-testid", `state-${name}`);
      tile.appendChild(el("span", "tile-count", count(isNumber(counts[name]) ? counts[name] : 0)));
      tile.appendChild(el("span", "tile-label", name));
      tiles.appendChild(tile);
    }
  }

  function renderQueues(queues) {
    syncRows($("ov-queues"), queues, (q) => asText(q.kind), (row, q) => {
      const kind = asText(q.kind);
      row.dataset.paused = q.paused ? "true" : "false";
      setCells(row, [
        { text: kind, cls: "mono" },
        { text: count(q.waiting), cls: "num" },
        { text: count(q.pending), cls: "num" },
        { text: count(q.dead_lettered), cls: "num" },
        { text: age(q.oldest_age_seconds), cls: "num" },
        (cell) => {
          clear(cell);
          cell.appendChild(badge(q.paused ? "paused" : "running", "queue"));
        },
        (cell) => {
          let button = cell.querySelector("button");
          if (!button) {
            button = el("button", "secondary small-button");
            button.type = "button";
            button.id = `queue-toggle-${token(kind)}`;
            button.setAttribute("data-testid", `queue-toggle-${kind}`);
            button.addEventListener("click", () => toggleQueue(kind, button));
            cell.appendChild(button);
          }
          button.dataset.action = q.paused ? "resume" : "pause";
          button.textContent = q.paused ? "Resume" : "Pause";
        },
      ]);
    });
  }

  async function toggleQueue(kind, button) {
    const action = button.dataset.action === "resume" ? "resume" : "pause";
    button.disabled = true;
    const r = await api("POST", `${OPS}/queues/${encodeURIComponent(kind)}/${action}`, {});
    button.disabled = false;
    if (!r.ok) {
      failed(`${action === "pause" ? "Pausing" : "Resuming"} the ${kind} queue failed`, r, $("queues-error"));
      return;
    }
    clearError($("queues-error"));
    const paused = Boolean(r.body && r.body.paused);
    const row = button.closest("tr");
    if (row) {
      row.dataset.paused = paused ? "true" : "false";
      const state = row.cells[5];
      clear(state);
      state.appendChild(badge(paused ? "paused" : "running", "queue"));
    }
    button.dataset.action = paused ? "resume" : "pause";
    button.textContent = paused ? "Resume" : "Pause";
    setStatus(`The ${kind} queue is ${paused ? "paused" : "running"}.`, "ok");
  }

  function renderProviders(providers) {
    syncRows($("ov-providers"), providers, (p) => asText(p.name), (row, p) => {
      row.dataset.breaker = asText(p.breaker);
      setCells(row, [
        { text: p.name, cls: "mono" },
        { text: p.model, cls: "mono small" },
        { text: count(p.calls), cls: "num" },
        { text: count(p.errors), cls: "num" },
        { text: percent(p.error_rate), cls: `num${isNumber(p.error_rate) && p.error_rate > 0 ? " error-text" : ""}` },
        { text: millis(p.p50_ms), cls: "num" },
        { text: millis(p.p95_ms), cls: "num" },
        { text: count(p.input_tokens), cls: "num" },
        { text: count(p.output_tokens), cls: "num" },
        { text: dollars(p.cost_usd), cls: "num" },
        (cell) => {
          clear(cell);
          cell.appendChild(badge(asText(p.breaker), "breaker"));
        },
      ]);
    });
    const names = new Set(providers.map((p) => asText(p.name)).filter(Boolean));
    names.add("builtin");
    const list = $("provider-names");
    clear(list);
    for (const name of names) list.appendChild(el("option")).value = name;
  }

  // ---- the live stream (text/event-stream over fetch) ---------------------------------------

  function stopLive() {
    const controller = live.controller;
    live.controller = null;
    if (controller) controller.abort();
  }

  function startLive() {
    stopLive();
    const controller = new AbortController();
    live.controller = controller;
    followOverview(controller);
  }

  function pause(ms, signal) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  /** Reads the overview stream, reconnecting with a growing delay; a 4xx other than 429 ends it. */
  async function followOverview(controller) {
    let misses = 0;
    while (live.controller === controller) {
      setLive("connecting", "connecting…");
      let outcome;
      try {
        outcome = await readOverviewStream(controller);
      } catch (_) {
        outcome = { events: 0 }; // the connection dropped, or we aborted it
      }
      if (live.controller !== controller) return;
      if (outcome.refused) {
        const r = outcome.refused;
        if (r.status >= 400 && r.status < 500 && r.status !== 429) {
          failed("Following the overview failed", r, $("overview-error"));
          if (live.controller === controller) live.controller = null;
          if (!view.blocked) setLive("stopped", `stopped (HTTP ${r.status})`);
          return;
        }
        failed("Following the overview failed", r, $("overview-error"));
      }
      misses = outcome.events ? 1 : misses + 1;
      const delay = Math.min(30, 2 ** Math.min(misses, 5));
      setLive("reconnecting", `reconnecting in ${delay} s…`);
      await pause(delay * 1000, controller.signal);
    }
  }

  async function responseBody(response) {
    const raw = await response.text().catch(() => "");
    if (!raw) return null;
    try {
      return JSON.parse(raw);
    } catch (_) {
      return raw;
    }
  }

  /**
   * One connection: answers {refused: {status, body, headers}} when the server did not open a
   * stream, else {events} once the body ends. Fields other than `event` and `data` are not needed
   * here (the overview has no ids to resume from: each event is the whole state).
   */
  async function readOverviewStream(controller) {
    const path = `${OPS}/overview/stream?window=${encodeURIComponent(view.window)}`;
    const headers = window.CoachPage.authorized({ Accept: "text/event-stream" }, path);
    const response = await fetch(path, { headers, cache: "no-store", signal: controller.signal });
    const type = (response.headers.get("Content-Type") || "").toLowerCase();
    if (!response.ok || !type.includes("text/event-stream") || !response.body) {
      return { refused: { status: response.status, body: await responseBody(response), headers: response.headers } };
    }
    setLive("live", "live");
    clearError($("overview-error"));
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const frame = { type: "", data: [] };
    let rest = "";
    let events = 0;
    const onLine = (line) => {
      if (line === "") {
        if (frame.data.length && (frame.type === "overview" || frame.type === "")) {
          let parsed = null;
          try {
            parsed = JSON.parse(frame.data.join("\n"));
          } catch (_) {
            parsed = null;
          }
          if (parsed && live.controller === controller) {
            events += 1;
            renderOverview(parsed);
          }
        }
        frame.type = "";
        frame.data = [];
        return;
      }
      if (line[0] === ":") return; // keep-alive comment
      const split = line.indexOf(":");
      const name = split === -1 ? line : line.slice(0, split);
      const value = split === -1 ? "" : line.slice(split + 1).replace(/^ /, "");
      if (name === "event") frame.type = value;
      else if (name === "data") frame.data.push(value);
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        rest += done ? decoder.decode() : decoder.decode(value, { stream: true });
        // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
        const cut = !done && rest.endsWith("\r") ? rest.length - 1 : rest.length;
        const lines = rest.slice(0, cut).split(/\r\n|\r|\n/);
        rest = lines.pop() + rest.slice(cut);
        lines.forEach(onLine);
        if (done || live.controller !== controller) return { events };
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  function setWindow(name) {
    if (!WINDOWS.includes(name)) return;
    view.window = name;
    for (const option of WINDOWS) $(`window-${option}`).setAttribute("aria-pressed", String(option === name));
    writeURL();
    if (view.blocked) return;
    loadOverview();
    startLive();
  }

  // ---- the task list -----------------------------------------------------------------------

  async function loadTasks() {
    const ticket = ++view.tickets.tasks;
    const params = filterParams(view.filter);
    params.set("page_size", String(PAGE_SIZE));
    const pageToken = view.pageTokens[view.pageIndex];
    if (pageToken) params.set("page_token", pageToken);
    view.inFlight.tasks = true;
    const r = await api("GET", `${OPS}/tasks?${params.toString()}`);
    if (ticket !== view.tickets.tasks) return;
    view.inFlight.tasks = false;
    if (!r.ok) {
      failed("Listing tasks failed", r, $("tasks-error"));
      return;
    }
    clearError($("tasks-error"));
    const tasks = asList(r.body && r.body.tasks).filter((t) => isObject(t) && typeof t.task_id === "string");
    renderTasks(tasks);
    view.nextToken = r.body && typeof r.body.next_page_token === "string" ? r.body.next_page_token : "";
    $("tasks-prev").disabled = view.pageIndex === 0;
    $("tasks-next").disabled = !view.nextToken;
    $("tasks-page").textContent = `page ${view.pageIndex + 1} · ${tasks.length} task(s)`;
    $("tasks-updated").textContent = `updated ${clock()}`;
  }

  function taskKey(task) {
    return `${asText(task.kind)}:${asText(task.task_id)}`;
  }

  function renderTasks(tasks) {
    const selected = view.selected ? `${view.selected.kind}:${view.selected.id}` : "";
    syncRows($("tasks-body"), tasks, taskKey, (row, t) => {
      row.setAttribute("data-testid", "task-row");
      row.dataset.taskId = t.task_id;
      row.dataset.kind = asText(t.kind);
      row.dataset.state = asText(t.state);
      row.classList.toggle("selected", taskKey(t) === selected);
      const error = isObject(t.error) ? t.error : null;
      setCells(row, [
        (cell) => {
          let button = cell.querySelector("button");
          if (!button) {
            button = el("button", "link-button mono");
            button.type = "button";
            button.addEventListener("click", (event) => {
              event.stopPropagation();
              selectTask(row.dataset.kind, row.dataset.taskId);
            });
            cell.appendChild(button);
          }
          button.textContent = t.task_id.length > 12 ? `${t.task_id.slice(0, 12)}…` : t.task_id;
          button.title = t.task_id;
        },
        t.kind,
        (cell) => {
          clear(cell);
          cell.appendChild(badge(asText(t.state), "state"));
        },
        { text: t.stage, cls: "mono small" },
        { text: isNumber(t.progress) ? `${t.progress} %` : "—", cls: "num" },
        { text: t.unique_key, cls: "wrap" },
        t.tenant,
        asList(t.providers).map(asText).join(", "),
        { text: error ? error.code : "", cls: "mono small error-text", title: error ? error.message : "" },
        { text: count(t.runs), cls: "num" },
        { text: when(t.created_at), cls: "small nowrap" },
      ]);
      if (!row.dataset.wired) {
        row.dataset.wired = "1";
        row.addEventListener("click", () => selectTask(row.dataset.kind, row.dataset.taskId));
      }
    });
    showOnly($("tasks-empty"), tasks);
  }

  function applyFilter() {
    view.filter = readForm();
    view.pageTokens = [""];
    view.pageIndex = 0;
    writeURL();
    if (!view.blocked) loadTasks();
  }

  // ---- one task ----------------------------------------------------------------------------

  function taskPath(selected) {
    return `${OPS}/tasks/${encodeURIComponent(selected.kind)}/${encodeURIComponent(selected.id)}`;
  }

  function selectTask(kind, id) {
    if (!KINDS.includes(kind) || !id) return;
    const same = view.selected && view.selected.kind === kind && view.selected.id === id;
    view.selected = { kind, id };
    writeURL();
    for (const row of $("tasks-body").rows) row.classList.toggle("selected", row.dataset.key === `${kind}:${id}`);
    const panel = $("task-detail");
    panel.hidden = false;
    if (!same) {
      view.task = null;
      $("detail-task-id").textContent = id;
      clear($("detail-fields"));
      clear($("detail-timeline"));
      clear($("detail-attempts"));
      $("detail-action-state").textContent = "";
      view.cancelling = false;
      $("retry-controls").hidden = true;
      $("detail-cancel").hidden = true;
      clearError($("detail-load-error"));
      $("detail-fields").appendChild(el("div", "muted", "Loading…"));
    }
    panel.scrollIntoView({ block: "nearest" });
    loadDetail();
  }

  function closeDetail() {
    view.selected = null;
    view.task = null;
    ++view.tickets.detail;
    $("task-detail").hidden = true;
    for (const row of $("tasks-body").rows) row.classList.remove("selected");
    writeURL();
  }

  async function loadDetail() {
    const selected = view.selected;
    if (!selected) return;
    const ticket = ++view.tickets.detail;
    view.inFlight.detail = true;
    const r = await api("GET", taskPath(selected));
    if (ticket !== view.tickets.detail) return;
    view.inFlight.detail = false;
    if (!r.ok) {
      failed("Loading the task failed", r, $("detail-load-error"));
      if (r.status === 404) clear($("detail-fields"));
      return;
    }
    clearError($("detail-load-error"));
    renderDetail(r.body);
  }

  function field(list, name, label, value, className) {
    list.appendChild(el("dt", null, label));
    const dd = el("dd", className || null);
    dd.id = `detail-${name}`;
    dd.setAttribute("data-testid", `detail-${name}`);
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = asText(value);
    list.appendChild(dd);
  }

  function renderDetail(task) {
    if (!isObject(task)) return;
    view.task = task;
    $("detail-task-id").textContent = asText(task.task_id);
    const panel = $("task-detail");
    panel.dataset.state = asText(task.state);
    panel.dataset.taskId = asText(task.task_id);

    const list = $("detail-fields");
    clear(list);
    const error = isObject(task.error) ? task.error : null;
    field(list, "state", "State", badge(asText(task.state), "state"));
    field(list, "kind", "Kind", task.kind);
    field(list, "stage", "Stage", task.stage, "mono");
    field(list, "progress", "Progress", isNumber(task.progress) ? `${task.progress} %` : "—");
    field(list, "message", "Message", task.message);
    field(list, "unique-key", "Unique key", task.unique_key, "wrap");
    field(list, "tenant", "Tenant", task.tenant);
    field(list, "runs", "Runs", count(task.runs));
    field(list, "providers", "Providers", asList(task.providers).map(asText).join(", ") || "—");
    field(list, "created", "Created", when(task.created_at));
    field(list, "updated", "Updated", when(task.updated_at));
    field(list, "cancel-requested", "Cancel requested", task.cancel_requested ? "yes" : "no");
    field(list, "result-id", "Result", task.result_id || "—", "mono");
    field(list, "error", "Error", error ? `${asText(error.code)}: ${asText(error.message)}` : "—", error ? "error-text wrap" : null);
    field(list, "trace-id", "Trace id", task.trace_id || "—", "mono");

    const state = asText(task.state);
    if (view.cancelling && !ACTIVE.has(state)) {
      view.cancelling = false;
      $("detail-action-state").textContent = `${$("detail-action-state").textContent} It ended ${state} at ${clock()}.`;
    }
    $("retry-controls").hidden = !RETRYABLE.has(state);
    $("detail-cancel").hidden = !ACTIVE.has(state) || Boolean(task.cancel_requested);

    const timeline = $("detail-timeline");
    clear(timeline);
    for (const entry of asList(task.timeline).filter(isObject)) {
      const li = el("li", `tl-entry tl-${token(entry.event)}`);
      li.dataset.event = asText(entry.event);
      li.setAttribute("data-testid", "timeline-entry");
      li.appendChild(el("span", "tl-time", when(entry.at)));
      li.appendChild(el("span", "tl-event", entry.event));
      li.appendChild(el("span", "tl-stage", entry.stage || ""));
      li.appendChild(el("span", "tl-run", isNumber(entry.run) ? `run ${entry.run}` : ""));
      li.appendChild(el("span", "tl-detail", entry.detail || ""));
      timeline.appendChild(li);
    }
    if (!timeline.children.length) timeline.appendChild(el("li", "muted", "No events yet."));

    const attempts = asList(task.attempts).filter(isObject);
    syncRows($("detail-attempts"), attempts, (a) => `${asText(a.run)}/${attempts.indexOf(a)}`, (row, a) => {
      row.setAttribute("data-testid", "attempt-row");
      row.dataset.outcome = asText(a.outcome);
      setCells(row, [
        { text: asText(a.run), cls: "num" },
        { text: a.provider, cls: "mono" },
        { text: a.model, cls: "mono small" },
        (cell) => {
          cell.className = "attempt-outcome";
          clear(cell);
          cell.appendChild(badge(asText(a.outcome), "outcome"));
        },
        { text: millis(a.latency_ms), cls: "num" },
        { text: count(a.input_tokens), cls: "num" },
        { text: count(a.output_tokens), cls: "num" },
        { text: dollars(a.cost_usd), cls: "num" },
        { text: a.error_code || "", cls: "mono small" },
        (cell) => {
          cell.className = "attempt-rules";
          clear(cell);
          for (const rule of asList(a.rules)) cell.appendChild(el("span", "chip mono", rule));
        },
      ]);
    });
    showOnly($("attempts-empty"), attempts);
  }

  async function taskAction(action) {
    const selected = view.selected;
    if (!selected) return;
    const payload = {};
    const provider = $("retry-provider").value.trim();
    if (action === "retry" && provider) payload.provider = provider;
    const buttons = [$("detail-retry"), $("detail-cancel")];
    for (const button of buttons) button.disabled = true;
    $("detail-action-state").textContent = action === "retry" ? "Retrying…" : "Cancelling…";
    const r = await api("POST", `${taskPath(selected)}/${action}`, payload);
    for (const button of buttons) button.disabled = false;
    if (view.selected !== selected) return;
    if (!r.ok) {
      $("detail-action-state").textContent = "";
      failed(action === "retry" ? "Retrying the task failed" : "Cancelling the task failed", r, $("detail-load-error"));
      return;
    }
    clearError($("detail-load-error"));
    const task = isObject(r.body) ? r.body : {};
    let note;
    if (action === "retry") note = `Retried at ${clock()}${payload.provider ? ` with ${payload.provider}` : ""}: the task is ${asText(task.state) || "queued"} again.`;
    else if (task.state === "CANCELLED") note = `Cancelled at ${clock()}.`;
    else note = `Cancel requested at ${clock()}: the worker stops the task within a second.`;
    view.cancelling = action === "cancel" && task.state !== "CANCELLED";
    $("detail-action-state").textContent = note;
    if (typeof task.task_id === "string" && task.task_id && task.task_id !== selected.id) {
      selectTask(KINDS.includes(task.kind) ? task.kind : selected.kind, task.task_id);
    } else {
      ++view.tickets.detail; // a read already on its way is older than this answer
      view.inFlight.detail = false;
      renderDetail(task);
    }
    loadTasks();
  }

  // ---- dead letters ------------------------------------------------------------------------

  async function loadDeadLetters() {
    const ticket = ++view.tickets.dead;
    const answers = await Promise.all(KINDS.map((kind) => api("GET", `${OPS}/dead-letters?kind=${kind}`)));
    if (ticket !== view.tickets.dead) return;
    const refused = answers.find((r) => !r.ok);
    if (refused) {
      failed("Listing dead letters failed", refused, $("dl-error"));
      return;
    }
    clearError($("dl-error"));
    const letters = answers.flatMap((r) => asList(r.body && r.body.dead_letters)).filter(isObject);
    syncRows($("dl-body"), letters, (d) => `${asText(d.kind)}:${asText(d.id)}`, (row, d) => {
      row.setAttribute("data-testid", "dead-letter-row");
      row.dataset.id = asText(d.id);
      row.dataset.kind = asText(d.kind);
      row.dataset.taskId = asText(d.task_id);
      setCells(row, [
        { text: d.id, cls: "mono small" },
        d.kind,
        (cell) => {
          let button = cell.querySelector("button");
          if (!button) {
            button = el("button", "link-button mono");
            button.type = "button";
            button.addEventListener("click", () => selectTask(row.dataset.kind, row.dataset.taskId));
            cell.appendChild(button);
          }
          button.textContent = asText(d.task_id);
        },
        { text: d.reason, cls: "wrap" },
        { text: count(d.deliveries), cls: "num" },
        { text: when(d.dead_lettered_at), cls: "small nowrap" },
        (cell) => {
          if (cell.children.length) return;
          const retry = el("button", "secondary small-button", "Retry");
          retry.type = "button";
          retry.setAttribute("data-testid", "dl-retry");
          retry.addEventListener("click", () => deadLetterAction(row, "retry", retry));
          const drop = el("button", "secondary small-button danger", "Drop");
          drop.type = "button";
          drop.setAttribute("data-testid", "dl-drop");
          drop.addEventListener("click", () => deadLetterAction(row, "drop", drop));
          cell.appendChild(retry);
          cell.appendChild(drop);
        },
      ]);
    });
    showOnly($("dl-empty"), letters);
  }

  async function deadLetterAction(row, action, button) {
    // Dropping asks once more on the button itself (a dialog would block the live page).
    if (action === "drop" && button.dataset.armed !== "1") {
      button.dataset.armed = "1";
      button.textContent = "Confirm drop";
      setTimeout(() => {
        button.dataset.armed = "";
        button.textContent = "Drop";
      }, 4000);
      return;
    }
    const kind = row.dataset.kind;
    button.disabled = true;
    const r = await api("POST", `${OPS}/dead-letters/${encodeURIComponent(kind)}/${encodeURIComponent(row.dataset.id)}/${action}`, {});
    button.disabled = false;
    if (!r.ok) {
      failed(action === "retry" ? "Retrying the dead letter failed" : "Dropping the dead letter failed", r, $("dl-error"));
      return;
    }
    clearError($("dl-error"));
    setStatus(action === "retry" ? `Dead letter ${row.dataset.id} queued again.` : `Dead letter ${row.dataset.id} dropped.`, "ok");
    if (action === "retry" && isObject(r.body) && typeof r.body.task_id === "string") selectTask(KINDS.includes(r.body.kind) ? r.body.kind : kind, r.body.task_id);
    loadDeadLetters();
    loadTasks();
  }

  // ---- refreshing --------------------------------------------------------------------------

  function tick() {
    if (view.blocked || document.hidden) return;
    view.ticks += 1;
    const due = view.ticks % LIST_EVERY === 0;
    if (due && $("auto-refresh").checked && !view.inFlight.tasks) loadTasks();
    const active = view.task && ACTIVE.has(view.task.state);
    if (view.selected && !view.inFlight.detail && (active || (due && $("auto-refresh").checked))) loadDetail();
  }

  async function loadAll() {
    view.blocked = false;
    view.inFlight.tasks = false;
    view.inFlight.detail = false;
    const overview = loadOverview();
    loadTasks();
    loadDeadLetters();
    if (view.selected) selectTask(view.selected.kind, view.selected.id);
    if (await overview) {
      if (!view.blocked) setStatus("Connected: the overview follows the live stream.", null);
      startLive();
    } else if (!view.blocked) {
      startLive(); // the stream may still answer (and reports its own error if not)
    }
  }

  function init() {
    readURL();
    fillForm(view.filter);
    for (const option of WINDOWS) {
      const button = $(`window-${option}`);
      button.setAttribute("aria-pressed", String(option === view.window));
      button.addEventListener("click", () => setWindow(option));
    }
    $("task-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      applyFilter();
    });
    $("task-filter").addEventListener("change", (event) => {
      if (event.target && event.target.type === "checkbox") applyFilter();
    });
    $("filter-reset").addEventListener("click", () => {
      fillForm(emptyFilter());
      applyFilter();
    });
    $("tasks-next").addEventListener("click", () => {
      if (!view.nextToken) return;
      view.pageTokens = view.pageTokens.slice(0, view.pageIndex + 1).concat(view.nextToken);
      view.pageIndex += 1;
      loadTasks();
    });
    $("tasks-prev").addEventListener("click", () => {
      if (view.pageIndex === 0) return;
      view.pageIndex -= 1;
      loadTasks();
    });
    $("detail-close").addEventListener("click", closeDetail);
    $("detail-retry").addEventListener("click", () => taskAction("retry"));
    $("detail-cancel").addEventListener("click", () => taskAction("cancel"));
    $("dl-refresh").addEventListener("click", loadDeadLetters);
    window.addEventListener("beforeunload", stopLive);
    if (window.CoachKey) {
      window.CoachKey.onChange((key) => {
        stopLive();
        setStatus(key ? "API key saved for this tab." : "API key forgotten.", key ? "ok" : null);
        loadAll();
      });
    }
    setInterval(tick, TICK_MS);
    loadAll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
