// InterviewCoach pages (/test and /docs): the API key control, shared by both pages.
// The key lives only in this tab's sessionStorage (never localStorage, a cookie or a URL) under one
// name, so /test and /docs in the same tab share it; Forget removes it. It is sent only as
// `Authorization: Bearer <key>` on requests to /api/.
"use strict";

(function () {
  const STORAGE_NAME = "interviewcoach.apiKey";
  // What an HTTP header may carry, without spaces (the server's keys are printable ASCII).
  const KEY_PATTERN = /^[\x21-\x7e]{1,512}$/;

  const $ = (id) => document.getElementById(id);
  const listeners = [];

  function storage() {
    try {
      return window.sessionStorage;
    } catch (_) {
      return null; // storage disabled: the key cannot be kept
    }
  }

  function get() {
    const store = storage();
    if (!store) return null;
    try {
      const key = store.getItem(STORAGE_NAME);
      return key && KEY_PATTERN.test(key) ? key : null;
    } catch (_) {
      return null;
    }
  }

  function set(key) {
    const store = storage();
    if (!store) return false;
    try {
      store.setItem(STORAGE_NAME, key);
      return true;
    } catch (_) {
      return false;
    }
  }

  function forget() {
    const store = storage();
    if (!store) return;
    try {
      store.removeItem(STORAGE_NAME);
    } catch (_) {
      /* nothing stored */
    }
  }

  /** `headers` with `Authorization: Bearer <key>` added when a key is saved and `path` is an API path. */
  function withAuth(headers, path) {
    const result = Object.assign({}, headers || {});
    const key = get();
    if (key && typeof path === "string" && path.startsWith("/api/")) result.Authorization = `Bearer ${key}`;
    return result;
  }

  /** Seconds until a retry, from `Retry-After` (seconds or an HTTP date), else the body's details. */
  function retryAfterSeconds(headers, body) {
    const value = headers && typeof headers.get === "function" ? headers.get("Retry-After") : null;
    if (value) {
      const text = value.trim();
      if (/^\d+$/.test(text)) return Number(text);
      const date = Date.parse(text);
      if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
    }
    const details = body && typeof body === "object" && body.details && typeof body.details === "object" ? body.details : null;
    if (details && typeof details.retry_after_seconds === "number" && Number.isFinite(details.retry_after_seconds)) {
      return Math.max(0, Math.ceil(details.retry_after_seconds));
    }
    return null;
  }

  function clockTime(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  }

  /**
   * The page's explanation of a 401/403/429 answer (text, never markup), or null for any other status.
   * A 401 also points at the key field (highlighted and focused).
   */
  function accessMessage(status, body, headers) {
    if (status === 401) {
      attention(true);
      return get()
        ? "The server refused the saved API key (unknown, revoked or expired). Enter a valid key in the “API key” field above and press Save."
        : "This server requires an API key. Enter it in the “API key” field above and press Save, then try again.";
    }
    if (status === 403) {
      const details = body && typeof body === "object" && body.details && typeof body.details === "object" ? body.details : {};
      const scope = typeof details.scope === "string" && details.scope ? `the “${details.scope}” scope` : "the scope";
      return `The saved API key lacks ${scope} this action needs. Use a key that has it (or the admin key).`;
    }
    if (status === 429) {
      const seconds = retryAfterSeconds(headers, body);
      if (seconds === null) return "Too many requests for this API key: wait a little, then try again.";
      const at = clockTime(new Date(Date.now() + seconds * 1000));
      return `Too many requests for this API key: retry in ${seconds} s (after ${at}).`;
    }
    return null;
  }

  /** Highlights the key control (and focuses its field) or stops highlighting it. */
  function attention(on) {
    const bar = $("api-key-bar");
    if (!bar) return;
    bar.classList.toggle("attention", Boolean(on));
    if (on) {
      const input = $("api-key");
      if (input) input.focus();
    }
  }

  function showState(message, kind) {
    const saved = get() !== null;
    const bar = $("api-key-bar");
    const input = $("api-key");
    const state = $("api-key-state");
    if (bar) bar.classList.toggle("has-key", saved);
    if (input) input.placeholder = saved ? "•••••••• (saved; type to replace)" : "only if the server asks for one";
    if ($("api-key-forget")) $("api-key-forget").disabled = !saved;
    if (state) {
      state.className = "keybar-state" + (kind ? " " + kind : saved ? " ok" : " muted");
      state.textContent = message || (saved ? "Key saved for this tab (sessionStorage)." : "No key saved.");
    }
  }

  function notify() {
    for (const listener of listeners) {
      try {
        listener(get());
      } catch (_) {
        /* a listener's failure is its own */
      }
    }
  }

  function save() {
    const input = $("api-key");
    const key = input ? input.value.trim() : "";
    if (!key) {
      showState(get() ? "Type a key to replace the saved one." : "Type a key first.", "error");
      if (input) input.focus();
      return;
    }
    if (!KEY_PATTERN.test(key)) {
      showState("That is not a valid key (printable ASCII without spaces).", "error");
      if (input) input.focus();
      return;
    }
    if (!set(key)) {
      showState("This browser does not allow sessionStorage here; the key cannot be kept.", "error");
      return;
    }
    input.value = "";
    attention(false);
    showState();
    notify();
  }

  function init() {
    const input = $("api-key");
    if (!input) return;
    // The field never holds the saved key; it only takes a new one.
    input.value = "";
    $("api-key-save").addEventListener("click", save);
    $("api-key-forget").addEventListener("click", () => {
      forget();
      input.value = "";
      showState("Key forgotten.", "muted");
      notify();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        save();
      }
    });
    showState();
  }

  window.CoachKey = Object.freeze({
    get,
    withAuth,
    accessMessage,
    retryAfterSeconds,
    attention,
    onChange: (listener) => listeners.push(listener),
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
