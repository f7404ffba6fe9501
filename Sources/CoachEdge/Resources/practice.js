// InterviewCoach practice page (/practice): a practice interview. The conversation (start, answer,
// skip, I don't know, end) runs over the live WebSocket /api/v1/practice/live, whose events are
// shown as they arrive; lists, a stored session (GET) and the learning path use REST.
// Every piece of server text reaches the page through textContent (never as HTML): the DOM is
// built with createElement only, and URL path segments go through encodeURIComponent.
// Requests to /api/v1 carry the API key saved in this tab (apikey.js, `CoachKey`), when there is one;
// the live channel carries it as the subprotocol `bearer.<key>` (a WebSocket cannot set headers).
// The session id lives in the URL hash (#session=…), so a reload (or a shared link) resumes it.
"use strict";

(function () {
  const API = "/api/v1";
  const BANDS = ["excellent", "good", "fair", "weak", "insufficient"];
  const DIFFICULTIES = ["easy", "medium", "hard"];
  // Learning-path options (docs/REST-API.md): focus_areas ≤ 10 items of ≤ 100 code points, not blank.
  const MAX_FOCUS_AREAS = 5;
  const MAX_FOCUS_LENGTH = 100;
  const LEARNING_POLL_MS = 1000;
  const LEARNING_POLL_LIMIT = 300; // polls, about five minutes

  const $ = (id) => document.getElementById(id);

  /**
   * The page's state. `view` increases whenever another session is shown, so answers to requests
   * made for an earlier one are dropped.
   */
  const state = {
    sessionId: null,
    session: null, // SessionInfo
    prompt: null, // the pending prompt
    report: null,
    total: 0,
    busy: false,
    view: 0,
    learningPoll: 0,
  };

  // ---- DOM helpers -----------------------------------------------------------------------

  const { el, clear, asText, asList, setStatus, accessMessage, showErrorBody, api, loadResumeList } = window.CoachPage;

  function asObject(value) {
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  }

  function asInt(value, fallback) {
    return typeof value === "number" && Number.isFinite(value) ? Math.round(value) : fallback;
  }

  function bandBadge(band) {
    const text = asText(band);
    const badge = el("span", "badge band", text || "—");
    if (BANDS.includes(text)) badge.classList.add(`band-${text}`);
    return badge;
  }

  function list(items, className) {
    const ul = el("ul", className || "points");
    for (const item of items) ul.appendChild(el("li", null, asText(item)));
    return ul;
  }

  // ---- status line -------------------------------------------------------------------------

  const enc = encodeURIComponent;
  const sessionPath = (id) => `${API}/practice/sessions/${enc(id)}`;

  // ---- resumes, question sets, earlier sessions ------------------------------------------

  function chosenKey() {
    return $("resume-key").value.trim();
  }

  async function loadResumes(selectKey) {
    await loadResumeList(100, selectKey || chosenKey());
  }

  /** The resume `key` was chosen: its question sets and its earlier sessions. */
  function resumeChosen(key) {
    loadQuestionSets(key);
    loadSessions(key);
  }

  async function loadQuestionSets(key) {
    const select = $("question-set");
    const previous = select.value;
    clear(select);
    const newest = el("option", null, "Newest (generated now when there is none)");
    newest.value = "";
    select.appendChild(newest);
    if (!key) return;
    const r = await api("GET", `${API}/interview/${enc(key)}/questions?history=true`);
    if (chosenKey() !== key) return; // a newer choice won
    if (!r.ok) {
      if (r.status !== 404) {
        const option = el("option", null, `(could not list the question sets: HTTP ${r.status})`);
        option.value = "";
        option.disabled = true;
        select.appendChild(option);
      }
      return;
    }
    for (const set of asList(r.body && r.body.sets)) {
      if (!set || typeof set.interview_id !== "string") continue;
      const when = asText(set.created_at || set.generated_at).replace("T", " ").replace(/\.\d+Z$/, "Z");
      const label = `${when} · ${asText(set.language)} · ${asList(set.questions).length} questions · ${asText(set.provider)}`;
      const option = el("option", null, label);
      option.value = set.interview_id;
      select.appendChild(option);
    }
    if (previous && Array.from(select.options).some((o) => o.value === previous)) select.value = previous;
  }

  async function loadSessions(key) {
    const target = $("session-list");
    clear(target);
    if (!key) {
      target.appendChild(el("li", "muted", "Choose a resume."));
      return;
    }
    const r = await api("GET", `${API}/practice/sessions?unique_key=${enc(key)}&limit=20`);
    if (chosenKey() !== key) return;
    clear(target);
    if (!r.ok) {
      const detail = r.body && r.body.detail ? asText(r.body.detail) : `HTTP ${r.status}`;
      target.appendChild(el("li", "error-text", `Could not list sessions: ${detail}`));
      const hint = accessMessage(r.status, r.body, r.headers);
      if (hint) target.appendChild(el("li", "error-text", hint));
      return;
    }
    const sessions = asList(r.body && r.body.sessions);
    if (!sessions.length) {
      target.appendChild(el("li", "muted", "None yet."));
      return;
    }
    for (const info of sessions) {
      if (!info || typeof info.session_id !== "string") continue;
      const li = el("li", info.session_id === state.sessionId ? "current" : null);
      const link = el("a", "session-link", info.session_id);
      link.href = `#session=${enc(info.session_id)}`;
      li.appendChild(link);
      li.appendChild(el("span", "muted", ` · ${asText(info.state)} · ${asText(info.language)} · ${asText(info.questions)} questions`));
      target.appendChild(li);
    }
  }

  // ---- the URL hash ------------------------------------------------------------------------

  function hashSession() {
    const hash = window.location.hash.replace(/^#/, "");
    if (!hash) return null;
    let id = null;
    try {
      id = new URLSearchParams(hash).get("session");
    } catch (_) {
      id = null;
    }
    return id && id.length <= 200 ? id : null;
  }

  function setHashSession(id) {
    const wanted = `#session=${enc(id)}`;
    if (window.location.hash !== wanted) window.location.hash = wanted; // hashchange sees state.sessionId === id
  }

  // ---- buttons -----------------------------------------------------------------------------

  function setBusy(busy) {
    state.busy = busy;
    const active = Boolean(state.sessionId && state.prompt && !state.report);
    for (const id of ["answer-button", "skip-button", "dont-know-button", "end-button"]) $(id).disabled = busy || !active;
    $("answer").disabled = busy || !active;
    $("start-session").disabled = busy;
  }

  // ---- showing a session -------------------------------------------------------------------

  /** Forgets what is shown (another session is about to be). */
  function resetView() {
    closeLive();
    state.view += 1;
    state.learningPoll += 1;
    state.sessionId = null;
    state.session = null;
    state.prompt = null;
    state.report = null;
    state.total = 0;
    $("prompt").hidden = true;
    $("evaluation-card").hidden = true;
    $("report-card").hidden = true;
    clear($("evaluation"));
    clear($("report"));
    clear($("learning-status"));
    clear($("session-meta"));
    $("answer").value = "";
    setProgress(0, 0);
  }

  function setProgress(done, total) {
    const bar = $("practice-progress");
    bar.max = Math.max(1, total);
    bar.value = Math.max(0, Math.min(done, total));
    $("progress-text").textContent = total ? `${done} / ${total}` : "– / –";
  }

  function showSessionInfo(info) {
    if (!info) return;
    state.session = info;
    if (typeof info.questions === "number") state.total = info.questions;
    const meta = $("session-meta");
    clear(meta);
    meta.appendChild(el("span", null, `session ${asText(info.session_id)}`));
    meta.appendChild(el("span", null, `resume ${asText(info.unique_key)}`));
    if (info.language) meta.appendChild(el("span", null, `language ${asText(info.language)}`));
    if (info.question_set_id) meta.appendChild(el("span", null, `question set ${asText(info.question_set_id)}`));
  }

  function showPrompt(prompt) {
    const same = samePrompt(prompt, state.prompt);
    state.prompt = prompt;
    const box = $("prompt");
    if (!prompt) {
      box.hidden = true;
      return;
    }
    const question = asObject(prompt.question) || {};
    const index = asInt(prompt.question_index, 0);
    const followUp = asInt(prompt.follow_up, 0);
    const head = $("prompt-head");
    clear(head);
    head.appendChild(el("span", "number", state.total ? `Q${index + 1} of ${state.total}` : `Q${index + 1}`));
    if (followUp > 0) head.appendChild(el("span", "badge badge-follow-up", followUp > 1 ? `Follow-up ${followUp}` : "Follow-up"));
    if (question.type) head.appendChild(el("span", "badge badge-type", question.type));
    if (question.difficulty) {
      const difficulty = asText(question.difficulty);
      const badge = el("span", "badge badge-difficulty", difficulty);
      if (DIFFICULTIES.includes(difficulty.toLowerCase())) badge.classList.add(`difficulty-${difficulty.toLowerCase()}`);
      head.appendChild(badge);
    }
    $("prompt-topic").textContent = question.topic ? `Topic: ${asText(question.topic)}` : "";
    $("prompt-question").textContent = asText(question.question);
    $("prompt-title").textContent = followUp > 0 ? "Follow-up question" : "Question";
    box.classList.toggle("is-follow-up", followUp > 0);
    box.hidden = false;
    if (!same) $("answer").value = ""; // the same prompt again (a resume) keeps what was typed
  }

  function samePrompt(a, b) {
    return Boolean(a && b) && asInt(a.question_index, -1) === asInt(b.question_index, -2) && asInt(a.follow_up, 0) === asInt(b.follow_up, 0);
  }

  function promptLabel(prompt) {
    if (!prompt) return "";
    const index = asInt(prompt.question_index, 0);
    const followUp = asInt(prompt.follow_up, 0);
    return followUp > 0 ? `Q${index + 1}, follow-up ${followUp}` : `Q${index + 1}`;
  }

  /** The whole session (GET …/sessions/{id}), after a reload or a link. */
  function showSessionDocument(doc) {
    doc = asObject(doc) || {};
    const info = asObject(doc.session) || {};
    showSessionInfo(info);
    const questions = asList(doc.questions);
    state.total = asInt(info.questions, questions.length);
    const turns = asList(doc.turns).filter((t) => asObject(t) && asObject(t.prompt));
    // As the server counts progress: the questions that had a first (non-follow-up) turn.
    const done = new Set(turns.filter((t) => !asInt(t.prompt.follow_up, 0)).map((t) => asInt(t.prompt.question_index, -1))).size;
    setProgress(Math.min(done, state.total), state.total);

    showLastTurn(turns);

    const report = asObject(doc.report);
    if (report) {
      finish(report);
      return true;
    }
    showPrompt(asObject(doc.pending));
    return Boolean(state.prompt);
  }

  /** The evaluation of the session's last turn (none for a skip). */
  function showLastTurn(turns) {
    const last = turns.length ? turns[turns.length - 1] : null;
    if (last && asObject(last.evaluation)) showEvaluation(last.evaluation, last.prompt, last.action === "answered" ? asText(last.answer) : "");
    else $("evaluation-card").hidden = true;
  }

  // ---- evaluation --------------------------------------------------------------------------

  function showEvaluation(evaluation, answered, answerText) {
    const card = $("evaluation-card");
    const box = $("evaluation");
    clear(box);
    const label = promptLabel(answered);
    $("evaluation-title").textContent = label ? `Evaluation of your answer to ${label}` : "Evaluation of your last answer";

    const head = el("div", "score-head");
    const score = el("span", "score");
    score.appendChild(el("span", "score-value", asText(asInt(evaluation.score, 0))));
    score.appendChild(el("span", "score-max", " / 100"));
    head.appendChild(score);
    head.appendChild(bandBadge(evaluation.band));
    const kind = asText(evaluation.answer_kind);
    if (kind && kind !== "answered") head.appendChild(el("span", "badge badge-kind", kind.replace(/_/g, " ")));
    box.appendChild(head);

    if (answerText) {
      const details = el("details", "your-answer");
      details.appendChild(el("summary", null, "Your answer"));
      details.appendChild(el("p", "answer-text", answerText));
      box.appendChild(details);
    }

    const criteria = asList(evaluation.criteria).filter(asObject);
    if (criteria.length) {
      box.appendChild(el("h3", null, "Criteria"));
      const table = el("div", "criteria");
      for (const c of criteria) {
        const row = el("div", "criterion");
        const value = Math.max(0, Math.min(100, asInt(c.score, 0)));
        const name = el("span", "criterion-name", asText(c.criterion));
        if (c.weight !== undefined) name.appendChild(el("span", "criterion-weight", ` ${asText(c.weight)} %`));
        row.appendChild(name);
        const bar = el("progress", "criterion-bar");
        bar.max = 100;
        bar.value = value;
        row.appendChild(bar);
        row.appendChild(el("span", "criterion-score", asText(value)));
        row.appendChild(el("span", "criterion-comment", asText(c.comment)));
        table.appendChild(row);
      }
      box.appendChild(table);
    }

    const points = asList(evaluation.key_points).filter(asObject);
    if (points.length) {
      box.appendChild(el("h3", null, "Key points"));
      const ul = el("ul", "key-points");
      for (const point of points) {
        const covered = point.covered === true;
        const li = el("li", covered ? "covered" : "missing");
        li.appendChild(el("span", "mark", covered ? "✓" : "✗"));
        li.appendChild(el("span", "point", asText(point.point)));
        if (covered && point.evidence) li.appendChild(el("q", "evidence", asText(point.evidence)));
        else if (!covered) li.appendChild(el("span", "missing-label", "missing"));
        ul.appendChild(li);
      }
      box.appendChild(ul);
    }

    const feedback = asList(evaluation.feedback);
    if (feedback.length) {
      box.appendChild(el("h3", null, "Feedback"));
      box.appendChild(list(feedback, "points feedback"));
    }
    const outline = asList(evaluation.strong_answer_outline);
    if (outline.length) {
      box.appendChild(el("h3", null, "A strong answer would"));
      box.appendChild(list(outline, "points outline"));
    }
    const grounded = el("p", "grounded muted");
    const evidence = asList(evaluation.resume_evidence).map(asText).filter(Boolean);
    grounded.textContent = evaluation.grounded_in_resume === true
      ? `Draws on your resume${evidence.length ? `: ${evidence.join(", ")}` : "."}`
      : "Does not draw on your resume: use your own projects and technologies as the example.";
    box.appendChild(grounded);
    card.hidden = false;
  }

  // ---- report ------------------------------------------------------------------------------

  function finish(report) {
    state.report = report;
    state.prompt = null;
    $("prompt").hidden = true;
    const box = $("report");
    clear(box);

    const head = el("div", "score-head");
    const score = el("span", "score");
    score.appendChild(el("span", "score-value", asText(asInt(report.score, 0))));
    score.appendChild(el("span", "score-max", " / 100"));
    head.appendChild(score);
    head.appendChild(bandBadge(report.band));
    if (report.rubric_version) head.appendChild(el("span", "muted rubric", asText(report.rubric_version)));
    box.appendChild(head);

    const questions = asList(report.questions).filter(asObject);
    if (questions.length) {
      box.appendChild(el("h3", null, "Per question"));
      const table = el("table", "params report-questions");
      const header = el("tr");
      for (const title of ["#", "Topic", "Score", "Band", "Missing"]) header.appendChild(el("th", null, title));
      const thead = el("thead");
      thead.appendChild(header);
      table.appendChild(thead);
      const tbody = el("tbody");
      for (const q of questions) {
        const tr = el("tr", q.skipped ? "skipped" : null);
        tr.appendChild(el("td", "mono", `Q${asInt(q.question_index, 0) + 1}`));
        tr.appendChild(el("td", null, asText(q.topic)));
        const scoreText = typeof q.score === "number" ? asText(q.score) : "—";
        tr.appendChild(el("td", "mono", q.skipped ? `${scoreText} (skipped)` : scoreText));
        const bandCell = el("td");
        if (q.band) bandCell.appendChild(bandBadge(q.band));
        else bandCell.appendChild(el("span", "muted", "not reached"));
        tr.appendChild(bandCell);
        const missingCell = el("td");
        const missing = asList(q.missing);
        if (missing.length) missingCell.appendChild(list(missing, "points missing-list"));
        tr.appendChild(missingCell);
        tbody.appendChild(tr);
      }
      table.appendChild(tbody);
      box.appendChild(table);
    }

    const columns = el("div", "analysis");
    for (const [title, values, cls] of [
      ["Strengths", report.strengths, "strengths"],
      ["Gaps", report.gaps, "weaknesses"],
    ]) {
      const column = el("div", `analysis-box ${cls}`);
      column.appendChild(el("h3", null, title));
      const items = asList(values);
      if (items.length) {
        const ul = el("ul");
        for (const item of items) {
          const li = el("li");
          if (asObject(item)) {
            if (item.topic) li.appendChild(el("span", "finding-topic", `${asText(item.topic)}: `));
            li.appendChild(document.createTextNode(asText(item.detail)));
          } else {
            li.textContent = asText(item);
          }
          ul.appendChild(li);
        }
        column.appendChild(ul);
      } else {
        column.appendChild(el("p", "muted", "none"));
      }
      columns.appendChild(column);
    }
    box.appendChild(columns);

    box.appendChild(el("h3", null, "Topics to study"));
    const topics = asList(report.topics_to_study).map(asText).filter(Boolean);
    const chips = el("div", "topics");
    if (topics.length) for (const topic of topics) chips.appendChild(el("span", "chip", topic));
    else chips.appendChild(el("span", "muted", "none"));
    box.appendChild(chips);

    const areas = focusAreas(report);
    const button = $("learning-path");
    button.disabled = false;
    button.textContent = areas.length
      ? `Generate a learning path on ${areas.length} topic(s) to study`
      : "Generate a learning path for this resume";
    clear($("learning-status"));
    $("report-card").hidden = false;
    setStatus("The session has ended: the report is below.", "ok");
  }

  /** `topics_to_study` as learning-path `focus_areas`: distinct, not blank, at most 5 of ≤ 100 code points. */
  function focusAreas(report) {
    const seen = new Set();
    const areas = [];
    for (const raw of asList(report && report.topics_to_study)) {
      if (typeof raw !== "string") continue;
      const text = Array.from(raw.replace(/[\u0000-\u001f\u007f]/g, " ").trim()).slice(0, MAX_FOCUS_LENGTH).join("").trim();
      if (!text || seen.has(text.toLowerCase())) continue;
      seen.add(text.toLowerCase());
      areas.push(text);
      if (areas.length === MAX_FOCUS_AREAS) break;
    }
    return areas;
  }

  // ---- the live channel ----------------------------------------------------------------------
  // One WebSocket onto the Practice stream (docs/REST-API.md, "Live practice"). The page sends
  // `start` or `resume` first, then one move at a time, and shows each event as it arrives:
  // session, progress, evaluation, then the next prompt (or the report). An error arrives as
  // {"error": <REST error body>} before a close with code 4000 + its HTTP status. The socket
  // opens on Start, or (for a session shown from a link or a reload) on the first move, which
  // waits for the resumed session's prompt; a connection lost mid-session is resumed once.

  const LIVE_PROTOCOL = "interviewcoach.practice.v1";
  const RECONNECT_DELAY_MS = 500; // a server that is restarting gets a moment
  // An error's HTTP status is its close code − 4000; when the connection was torn down instead
  // (1006), the statuses the page acts on (key hints, a conflict) come from the error code.
  const ERROR_STATUS = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, RATE_LIMITED: 429 };

  /**
   * The socket and the move it carries: `move` is {kind, text, prompt} (kind: start, resume,
   * answer, skip, dont_know, end); `move.waiting` while it waits for the resumed prompt, and
   * `move.sent` once sent. `error`: the error body before an error close. `retried`: the one
   * reconnect after a lost connection is used up (until a move goes through again).
   */
  const live = { socket: null, move: null, error: null, retried: false };

  function liveURL() {
    const url = new URL(`${API}/practice/live`, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  /** Opens the socket, sends `first` (start or resume), and waits for `move` to complete. */
  function connect(first, move) {
    closeLive();
    const key = window.CoachKey ? window.CoachKey.get() : null;
    let socket;
    try {
      socket = new WebSocket(liveURL(), key ? [LIVE_PROTOCOL, `bearer.${key}`] : [LIVE_PROTOCOL]);
    } catch (err) {
      // e.g. a key with characters a subprotocol cannot carry
      setStatus(`The live connection could not be opened: ${err && err.message ? err.message : err}`, "error");
      setBusy(false);
      return;
    }
    live.socket = socket;
    live.move = move;
    socket.addEventListener("open", () => live.socket === socket && socket.send(JSON.stringify(first)));
    socket.addEventListener("message", (event) => live.socket === socket && onLiveMessage(event.data));
    socket.addEventListener("close", (event) => live.socket === socket && onLiveClose(event));
  }

  /** Closes the socket on purpose (another session is shown, the report is in, the page unloads). */
  function closeLive() {
    const socket = live.socket;
    live.socket = null;
    live.move = null;
    live.error = null;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) socket.addEventListener("open", () => socket.close(1000));
    else if (socket.readyState === WebSocket.OPEN) socket.close(1000);
  }

  function sendMove(move) {
    const messages = { answer: { answer: { text: move.text } }, skip: { skip: {} }, dont_know: { dont_know: {} }, end: { end: {} } };
    move.waiting = false;
    move.sent = true;
    live.move = move;
    live.socket.send(JSON.stringify(messages[move.kind]));
    if (move.kind === "answer" || move.kind === "dont_know") showEvaluating(move);
    else if (move.kind === "skip") $("evaluation-card").hidden = true;
  }

  /** The evaluation card while the evaluation is on its way. */
  function showEvaluating(move) {
    const box = $("evaluation");
    clear(box);
    $("evaluation-title").textContent = `Evaluation of your answer to ${promptLabel(move.prompt)}`;
    box.appendChild(el("p", "evaluating", move.kind === "answer" ? "Evaluating your answer…" : "Noting that you don't know…"));
    $("evaluation-card").hidden = false;
  }

  /** A move that will not be evaluated after all (an error, a lost connection): no "evaluating…". */
  function hideEvaluating() {
    if ($("evaluation").querySelector(".evaluating")) $("evaluation-card").hidden = true;
  }

  function onLiveMessage(data) {
    let message = null;
    try {
      message = asObject(JSON.parse(data));
    } catch (_) {
      message = null;
    }
    if (!message) return;
    if (message.error !== undefined && message.error !== null) {
      live.error = asObject(message.error) || { detail: asText(message.error) };
      return;
    }
    const move = live.move || {};
    const info = asObject(message.session);
    const progress = asObject(message.progress);
    const evaluation = asObject(message.evaluation);
    const prompt = asObject(message.prompt);
    const report = asObject(message.report);
    if (info) {
      showSessionInfo(info);
      if (!state.sessionId && typeof info.session_id === "string") {
        state.sessionId = info.session_id;
        setHashSession(info.session_id);
        loadSessions(chosenKey());
        loadQuestionSets(chosenKey());
      }
    } else if (progress) {
      state.total = asInt(progress.total, state.total);
      setProgress(asInt(progress.done, 0), state.total);
    } else if (evaluation) {
      showEvaluation(evaluation, move.prompt, move.kind === "answer" ? move.text : "");
      setStatus("Evaluated: the evaluation is below; the next prompt follows…", "busy");
    } else if (prompt) {
      onLivePrompt(prompt, move);
    } else if (report) {
      closeLive();
      finish(report);
      setBusy(false);
      if (move.waiting) setStatus("This session had already ended (elsewhere): its report is below.", "ok");
      loadSessions(chosenKey());
    }
  }

  function onLivePrompt(prompt, move) {
    if (move.waiting) {
      // The session is open again: send the move if the prompt is still the one it was made on.
      if (samePrompt(prompt, move.prompt)) {
        sendMove(move);
        return;
      }
      showPrompt(prompt);
      if (move.sent) {
        // It was recorded before the connection was lost, but its events were not received.
        setStatus(`Reconnected: your move on ${promptLabel(move.prompt)} was recorded; next: ${promptLabel(prompt)}.`, "ok");
        showStoredEvaluation(state.sessionId, state.view);
      } else {
        setStatus(`This session moved on elsewhere; it is at ${promptLabel(prompt)} now.`, "error");
      }
    } else {
      showPrompt(prompt);
      if (move.kind === "start") setStatus(`Session started: ${state.total} question(s). Answer, skip, or say you don't know.`, "ok");
      else if (move.kind === "resume") setStatus(`Reconnected: the session resumed at ${promptLabel(prompt)}.`, "ok");
      else if (move.kind === "skip") setStatus(`Skipped ${promptLabel(move.prompt)}. Next: ${promptLabel(prompt)}.`, "ok");
      else if (move.kind === "answer" && asInt(prompt.follow_up, 0) > 0) {
        setStatus("Evaluated: the evaluation is below, then a follow-up question on what was missing.", "ok");
      } else setStatus(`${move.kind === "answer" ? "Evaluated: the evaluation is below" : "Noted"}; next: ${promptLabel(prompt)}.`, "ok");
    }
    live.move = null;
    live.retried = false;
    setBusy(false);
  }

  function onLiveClose(event) {
    live.socket = null;
    const move = live.move;
    const error = live.error;
    live.move = null;
    live.error = null;
    if (error || event.code >= 4000) {
      const status = event.code >= 4000 && event.code < 5000 ? event.code - 4000 : (error && ERROR_STATUS[error.error_code]) || 0;
      const body = error || { detail: event.reason || `the live connection closed (code ${event.code})` };
      if (status === 409 && state.sessionId) {
        reloadAfterConflict(state.sessionId, { body });
        return;
      }
      const prefixes = {
        start: "Starting the session failed",
        resume: "Resuming the session failed",
        answer: "Sending the answer failed",
        end: "Ending the session failed",
      };
      showErrorBody(prefixes[move && move.kind] || "That move failed", status, body);
      hideEvaluating();
      setBusy(false);
      return;
    }
    if (state.report) return;
    if (!state.sessionId || live.retried) {
      setStatus(
        state.sessionId
          ? "The live connection was lost again; press a button to reconnect, or reload the page."
          : `The live connection closed before the session started (code ${event.code}).`,
        "error");
      hideEvaluating();
      setBusy(false);
      return;
    }
    // Lost mid-session: reconnect once, resume, then finish the move that was under way.
    live.retried = true;
    const pending = move && move.kind !== "start" && move.kind !== "resume" ? move : null;
    if (pending) pending.waiting = true;
    setBusy(true);
    setStatus("The live connection was lost; reconnecting to resume the session…", "busy");
    const view = state.view;
    setTimeout(() => {
      if (view === state.view && !live.socket) connect({ resume: { session_id: state.sessionId } }, pending || { kind: "resume" });
    }, RECONNECT_DELAY_MS);
  }

  /** After a lost connection swallowed a move's events: the evaluation the server stored. */
  async function showStoredEvaluation(id, view) {
    const r = await api("GET", sessionPath(id));
    if (view !== state.view) return;
    if (!r.ok) $("evaluation-card").hidden = true;
    else showLastTurn(asList(r.body && r.body.turns).filter((t) => asObject(t) && asObject(t.prompt)));
  }

  // ---- actions -----------------------------------------------------------------------------

  function startSession() {
    const key = chosenKey();
    if (!key) {
      setStatus("Pick a resume from the list or type its key.", "error");
      return;
    }
    const start = { unique_key: key };
    const setId = $("question-set").value;
    if (setId) start.question_set_id = setId;
    const language = $("language").value;
    if (language === "en" || language === "ko") start.language = language;

    resetView();
    setBusy(true);
    setStatus(
      setId ? `Starting a session for ${key}…` : `Starting a session for ${key} (a question set is generated when the resume has none; this may take a moment)…`,
      "busy");
    live.retried = false;
    connect({ start }, { kind: "start" });
  }

  /** Answer / skip / I don't know / end, over the live socket (opened with `resume` if need be). */
  function move(kind) {
    if (!state.sessionId || !state.prompt || state.busy) return;
    const step = { kind, text: "", prompt: state.prompt };
    if (kind === "answer") {
      step.text = $("answer").value;
      if (!step.text.trim()) {
        setStatus("Type an answer first (or press Skip or I don't know).", "error");
        $("answer").focus();
        return;
      }
    }
    setBusy(true);
    const labels = { answer: "Evaluating your answer…", skip: "Skipping…", dont_know: "Noted: you don't know…", end: "Ending the session…" };
    setStatus(labels[kind], "busy");
    if (live.socket && live.socket.readyState === WebSocket.OPEN && !live.move) {
      sendMove(step);
      return;
    }
    step.waiting = true;
    live.retried = false;
    connect({ resume: { session_id: state.sessionId } }, step);
  }

  /** 409: the session ended or another window moved it; show where it is now, then say why. */
  async function reloadAfterConflict(id, conflict) {
    await openSession(id, true);
    if (state.sessionId !== id) return;
    const detail = conflict.body && conflict.body.detail ? asText(conflict.body.detail) : "conflict";
    setStatus(`The server refused that move (HTTP 409: ${detail}); this is the session's current state.`, "error");
  }

  /** Shows session `id` from GET …/sessions/{id} (a reload, a link, the list, a conflict). */
  async function openSession(id, keepView) {
    if (!keepView) resetView();
    else {
      closeLive();
      state.view += 1;
      state.learningPoll += 1;
    }
    const view = state.view;
    state.sessionId = id;
    setBusy(true);
    setStatus(`Loading session ${id}…`, "busy");
    try {
      const r = await api("GET", sessionPath(id));
      if (view !== state.view) return;
      if (!r.ok || !asObject(r.body)) {
        state.sessionId = null;
        $("prompt").hidden = true;
        showErrorBody(`Loading session ${id} failed`, r.status, r.body, r.headers);
        return;
      }
      $("evaluation-card").hidden = true;
      $("report-card").hidden = true;
      const pending = showSessionDocument(r.body);
      const info = state.session || {};
      if (typeof info.unique_key === "string" && info.unique_key) {
        if (chosenKey() !== info.unique_key) {
          $("resume-key").value = info.unique_key;
          const select = $("resume-list");
          if (Array.from(select.options).some((o) => o.value === info.unique_key)) select.value = info.unique_key;
          resumeChosen(info.unique_key);
        } else {
          loadSessions(info.unique_key);
        }
      }
      if (!state.report) {
        if (pending) setStatus(`Session resumed at ${promptLabel(state.prompt)}.`, "ok");
        else setStatus("This session has neither a pending prompt nor a report.", "error");
      }
    } finally {
      if (view === state.view) setBusy(false);
    }
  }

  // ---- learning path -----------------------------------------------------------------------

  async function startLearningPath() {
    const info = state.session || {};
    const key = typeof info.unique_key === "string" && info.unique_key ? info.unique_key : chosenKey();
    const target = $("learning-status");
    if (!key || !state.report) return;
    const body = { focus_areas: focusAreas(state.report) };
    if (info.language === "en" || info.language === "ko") body.language = info.language;
    const button = $("learning-path");
    button.disabled = true;
    clear(target);
    target.className = "learning-status busy";
    target.appendChild(el("span", null, "Starting a learning path…"));
    const poll = ++state.learningPoll;
    // The same session asks for the same path: a second click returns the first task.
    const headers = state.sessionId ? { "Idempotency-Key": `practice-${state.sessionId}` } : {};
    const r = await api("POST", `${API}/learning/async/${enc(key)}/learning-path`, body, headers);
    if (poll !== state.learningPoll) return;
    button.disabled = false;
    if (r.status !== 202 || !r.body || typeof r.body.task_id !== "string") {
      showErrorBody("Starting the learning path failed", r.status, r.body, r.headers, target);
      return;
    }
    const taskId = r.body.task_id;
    clear(target);
    target.className = "learning-status ok";
    const line = el("div", "learning-task");
    line.appendChild(el("span", null, "Learning path task "));
    line.appendChild(el("code", "task-id", taskId));
    line.appendChild(el("span", null, " started"));
    if (body.focus_areas.length) line.appendChild(el("span", null, ` on ${body.focus_areas.join(", ")}`));
    line.appendChild(el("span", null, ". "));
    const link = el("a", null, "Open the test page");
    link.href = "/test";
    line.appendChild(link);
    line.appendChild(el("span", null, " to run and inspect more jobs."));
    target.appendChild(line);
    const progress = el("div", "learning-progress muted", "Waiting for the task…");
    target.appendChild(progress);
    const result = el("div", "learning-result");
    target.appendChild(result);
    followLearningTask(taskId, poll, progress, result);
  }

  /** Polls the task's progress record until it ends (or another session is shown). */
  async function followLearningTask(taskId, poll, progress, result) {
    const path = `${API}/learning/tasks/${enc(taskId)}/progress`;
    for (let i = 0; i < LEARNING_POLL_LIMIT; i += 1) {
      if (poll !== state.learningPoll) return;
      const r = await api("GET", path);
      if (poll !== state.learningPoll) return;
      const record = asObject(r.body);
      if (!r.ok || !record) {
        const hint = accessMessage(r.status, r.body, r.headers);
        progress.textContent = `Reading the task failed: HTTP ${r.status}${hint ? ` — ${hint}` : ""}`;
        progress.className = "learning-progress error-text";
        return;
      }
      progress.textContent = `${asText(record.state)} · ${asText(record.progress)} % — ${asText(record.message)}`;
      if (record.state === "SUCCESS") {
        progress.className = "learning-progress";
        showLearningResult(result, asObject(record.result) || {});
        return;
      }
      if (record.state === "FAILURE") {
        const error = asObject(record.error) || {};
        progress.textContent = `The learning path failed — ${asText(error.code)}: ${asText(error.message)}`;
        progress.className = "learning-progress error-text";
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, LEARNING_POLL_MS));
    }
    progress.textContent = "Still running; follow it on the test page.";
  }

  function showLearningResult(container, path) {
    clear(container);
    if (path.summary) container.appendChild(el("p", "learning-summary", path.summary));
    const items = asList(path.learning_paths);
    container.appendChild(el("div", "points-label", `${items.length} learning item(s)`));
    const ul = el("ul", "points");
    for (const raw of items) {
      const item = asObject(raw) || { title: asText(raw) };
      const li = el("li", "learning-item");
      li.appendChild(el("span", "item-title", asText(item.title)));
      if (item.estimated_hours !== undefined && item.estimated_hours !== null) {
        li.appendChild(el("span", "muted", ` · ${asText(item.estimated_hours)} h`));
      }
      ul.appendChild(li);
    }
    container.appendChild(ul);
  }

  // ---- wiring ------------------------------------------------------------------------------

  function init() {
    $("refresh-resumes").addEventListener("click", () => loadResumes());
    $("resume-list").addEventListener("change", () => {
      const key = $("resume-list").value;
      if (!key) return;
      $("resume-key").value = key;
      resumeChosen(key);
    });
    let typingTimer = null;
    $("resume-key").addEventListener("input", () => {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => {
        const key = chosenKey();
        const select = $("resume-list");
        select.value = Array.from(select.options).some((o) => o.value === key) ? key : "";
        resumeChosen(key);
      }, 400);
    });
    $("start-session").addEventListener("click", startSession);
    $("answer-button").addEventListener("click", () => move("answer"));
    $("skip-button").addEventListener("click", () => move("skip"));
    $("dont-know-button").addEventListener("click", () => move("dont_know"));
    $("end-button").addEventListener("click", () => move("end"));
    $("learning-path").addEventListener("click", startLearningPath);
    $("answer").addEventListener("keydown", (event) => {
      // Ctrl/Cmd+Enter sends the answer.
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        move("answer");
      }
    });
    window.addEventListener("hashchange", () => {
      const id = hashSession();
      if (id && id !== state.sessionId) openSession(id);
    });
    window.addEventListener("beforeunload", () => {
      state.learningPoll += 1;
      closeLive();
    });
    if (window.CoachKey) {
      window.CoachKey.onChange((key) => {
        setStatus(key ? "API key saved for this tab." : "API key forgotten.", key ? "ok" : null);
        loadResumes();
        const id = state.sessionId || hashSession();
        if (id) openSession(id);
        else if (chosenKey()) resumeChosen(chosenKey());
      });
    }
    setBusy(false);
    loadResumes();
    const id = hashSession();
    if (id) openSession(id);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
