// Shared by the browser pages (/test, /practice): DOM helpers that only ever set text (never
// HTML), the error-body renderer, and the API call that carries the tab's key (apikey.js).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

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

  function setStatus(text, kind) {
    const status = $("status");
    clear(status);
    status.className = "status" + (kind ? " " + kind : "");
    status.appendChild(el("span", "status-text", text));
  }

  function accessMessage(httpStatus, body, headers) {
    return window.CoachKey ? window.CoachKey.accessMessage(httpStatus, body, headers) : null;
  }

  /**
   * Shows an error body (`detail`, `error_code`, `details.validation_errors[]`) as text in `target`
   * (the status line by default), and for 401/403/429 what to do about the API key.
   */
  function showErrorBody(prefix, httpStatus, body, headers, target) {
    const status = target || $("status");
    clear(status);
    status.className = (target ? "learning-status" : "status") + " error";
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
    const hint = accessMessage(httpStatus, body, headers);
    if (hint) status.appendChild(el("div", "access-hint", hint));
    if (body && body.request_id) status.appendChild(el("div", "request-id", `request id ${asText(body.request_id)}`));
  }

  // ---- HTTP --------------------------------------------------------------------------------

  function authorized(headers, path) {
    return window.CoachKey ? window.CoachKey.withAuth(headers, path) : Object.assign({}, headers);
  }

  async function api(method, path, payload, extraHeaders) {
    const init = { method, headers: authorized(Object.assign({ Accept: "application/json" }, extraHeaders || {}), path), cache: "no-store" };
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
    let body = null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch (_) {
        body = raw;
      }
    }
    return { ok: response.ok, status: response.status, body, headers: response.headers };
  }

  /**
   * Fills the `<select id="resume-list">` with up to `limit` stored resumes and selects `wanted`
   * when it is one of them; a failed listing is shown as an error.
   */
  async function loadResumeList(limit, wanted) {
    const select = document.getElementById("resume-list");
    const r = await api("GET", `/api/v1/resumes?limit=${limit}`);
    clear(select);
    if (!r.ok) {
      select.appendChild(el("option", null, "(could not load the list)")).value = "";
      showErrorBody("Listing resumes failed", r.status, r.body, r.headers);
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
    if (wanted && Array.from(select.options).some((o) => o.value === wanted)) select.value = wanted;
  }

  window.CoachPage = Object.freeze({ el, clear, asText, asList, setStatus, accessMessage, showErrorBody, authorized, api, loadResumeList });
})();
