// InterviewCoach API reference: renders /openapi.json grouped by tag.
// All text from the document is set with textContent; the DOM is built with createElement only.
"use strict";

(function () {
  const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];
  const TAG_ORDER = ["resumes", "interview", "learning", "tasks", "health", "monitoring", "docs"];

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function slug(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "x";
  }

  function refName(ref) {
    return typeof ref === "string" ? ref.split("/").pop() : "";
  }

  /** A short human name for a schema: its component name, or its type. */
  function schemaLabel(schema) {
    if (!schema || typeof schema !== "object") return "—";
    if (schema.$ref) return refName(schema.$ref);
    const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
    if (type === "array" && schema.items) return `array of ${schemaLabel(schema.items)}`;
    if (schema.oneOf || schema.anyOf) return (schema.oneOf || schema.anyOf).map(schemaLabel).join(" | ");
    return type || "object";
  }

  /** The rules a schema states, in short: "1–100", "≤ 100 chars", "pattern …". */
  function schemaRules(schema) {
    if (!schema || typeof schema !== "object") return "";
    const rules = [];
    if (schema.minimum !== undefined || schema.maximum !== undefined) {
      rules.push(`${schema.minimum ?? "…"}–${schema.maximum ?? "…"}`);
    }
    if (schema.minLength !== undefined) rules.push(`≥ ${schema.minLength} chars`);
    if (schema.maxLength !== undefined) rules.push(`≤ ${schema.maxLength} chars`);
    if (Array.isArray(schema.enum)) rules.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
    if (schema.pattern) rules.push(`pattern ${schema.pattern}`);
    return rules.join("; ");
  }

  function showError(text) {
    const status = $("status");
    status.hidden = false;
    status.className = "status error";
    status.textContent = text;
  }

  function table(headers, rows) {
    const t = el("table", "params");
    const thead = el("thead");
    const tr = el("tr");
    for (const h of headers) tr.appendChild(el("th", null, h));
    thead.appendChild(tr);
    t.appendChild(thead);
    const tbody = el("tbody");
    for (const row of rows) {
      const r = el("tr");
      for (const cell of row) {
        if (cell instanceof Node) {
          const td = el("td");
          td.appendChild(cell);
          r.appendChild(td);
        } else {
          r.appendChild(el("td", null, cell));
        }
      }
      tbody.appendChild(r);
    }
    t.appendChild(tbody);
    return t;
  }

  function schemaBlock(doc, schema) {
    const name = schema && schema.$ref ? refName(schema.$ref) : null;
    const resolved = name && doc.components && doc.components.schemas ? doc.components.schemas[name] : schema;
    if (!resolved) return null;
    const details = el("details", "schema-block");
    details.appendChild(el("summary", "muted", "schema"));
    details.appendChild(el("pre", null, JSON.stringify(resolved, null, 2)));
    return details;
  }

  function renderOperation(doc, path, method, op, pathParams) {
    const details = el("details", "card operation");
    if (op.operationId) details.id = `op-${slug(op.operationId)}`;
    const summary = el("summary");
    summary.appendChild(el("span", `method method-${slug(method)}`, method.toUpperCase()));
    summary.appendChild(el("span", "op-path", path));
    summary.appendChild(el("span", "op-summary", op.summary || ""));
    details.appendChild(summary);

    const body = el("div", "op-body");
    if (op.description) body.appendChild(el("p", null, op.description));

    const params = [...(pathParams || []), ...(Array.isArray(op.parameters) ? op.parameters : [])];
    body.appendChild(el("h4", null, "Parameters"));
    if (params.length) {
      body.appendChild(
        table(
          ["name", "in", "type", "rules", "required", "description"],
          params.map((p) => {
            const param = p && p.$ref ? { name: refName(p.$ref) } : p || {};
            const rules = el("code", "rules", schemaRules(param.schema));
            return [param.name || "", param.in || "", schemaLabel(param.schema), rules, param.required ? "yes" : "no", param.description || ""];
          })
        )
      );
    } else {
      body.appendChild(el("p", "muted", "none"));
    }

    body.appendChild(el("h4", null, "Request body"));
    const requestBody = op.requestBody;
    if (requestBody && requestBody.content) {
      if (requestBody.description) body.appendChild(el("p", "muted", requestBody.description));
      for (const [mediaType, media] of Object.entries(requestBody.content)) {
        const line = el("div");
        line.appendChild(el("span", "schema-name", schemaLabel(media && media.schema)));
        line.appendChild(el("span", "muted", ` ${mediaType}${requestBody.required ? " (required)" : " (optional)"}`));
        body.appendChild(line);
        const block = schemaBlock(doc, media && media.schema);
        if (block) body.appendChild(block);
      }
    } else {
      body.appendChild(el("p", "muted", "none"));
    }

    body.appendChild(el("h4", null, "Responses"));
    const responses = op.responses && typeof op.responses === "object" ? op.responses : {};
    const codes = Object.keys(responses).sort((a, b) => (a === "default") - (b === "default") || a.localeCompare(b));
    body.appendChild(
      table(
        ["status", "description", "content"],
        codes.map((code) => {
          const response = responses[code] || {};
          const codeCell = el("span", `status-code status-${code === "default" ? "default" : code[0] + "xx"}`, code);
          const content = response.content && typeof response.content === "object" ? response.content : {};
          const contentText = Object.entries(content)
            .map(([mediaType, media]) => `${schemaLabel(media && media.schema)} (${mediaType})`)
            .join(", ");
          return [codeCell, response.description || "", contentText || "—"];
        })
      )
    );

    details.appendChild(body);
    return details;
  }

  function tagRank(tag, declared) {
    const i = declared.indexOf(tag);
    if (i >= 0) return i;
    const j = TAG_ORDER.indexOf(tag);
    return j >= 0 ? 1000 + j : 2000;
  }

  function render(doc) {
    const info = doc.info || {};
    $("api-title").textContent = `${info.title || "API"} ${info.version ? "v" + info.version : ""}`.trim();
    $("api-description").textContent = `${info.description || ""} OpenAPI ${doc.openapi || "?"}.`.trim();
    document.title = `${info.title || "API"} — API reference`;

    const groups = new Map();
    const paths = doc.paths && typeof doc.paths === "object" ? doc.paths : {};
    for (const [path, item] of Object.entries(paths)) {
      if (!item || typeof item !== "object") continue;
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const tag = Array.isArray(op.tags) && op.tags.length ? String(op.tags[0]) : "other";
        if (!groups.has(tag)) groups.set(tag, []);
        groups.get(tag).push({ path, method, op, pathParams: item.parameters });
      }
    }
    const declared = Array.isArray(doc.tags) ? doc.tags.map((t) => t && t.name) : [];
    const tags = [...groups.keys()].sort((a, b) => tagRank(a, declared) - tagRank(b, declared) || a.localeCompare(b));

    const toc = $("api-toc");
    const reference = $("api-reference");
    while (reference.firstChild) reference.removeChild(reference.firstChild);
    for (const tag of tags) {
      const ops = groups.get(tag).sort((a, b) => a.path.localeCompare(b.path) || METHODS.indexOf(a.method) - METHODS.indexOf(b.method));
      const anchor = `tag-${slug(tag)}`;
      const li = el("li");
      const a = el("a", null, `${tag} (${ops.length})`);
      a.href = `#${anchor}`;
      li.appendChild(a);
      toc.appendChild(li);

      const section = el("section", "tag-section");
      section.id = anchor;
      section.appendChild(el("h2", null, tag));
      const tagInfo = Array.isArray(doc.tags) ? doc.tags.find((t) => t && t.name === tag) : null;
      if (tagInfo && tagInfo.description) section.appendChild(el("p", "muted", tagInfo.description));
      for (const { path, method, op, pathParams } of ops) section.appendChild(renderOperation(doc, path, method, op, pathParams));
      reference.appendChild(section);
    }

    const schemas = doc.components && doc.components.schemas ? doc.components.schemas : {};
    const names = Object.keys(schemas).sort();
    if (names.length) {
      const li = el("li");
      const a = el("a", null, `schemas (${names.length})`);
      a.href = "#schemas";
      li.appendChild(a);
      toc.appendChild(li);
      const section = el("section", "tag-section");
      section.id = "schemas";
      section.appendChild(el("h2", null, "schemas"));
      for (const name of names) {
        const details = el("details", "card operation");
        details.id = `schema-${slug(name)}`;
        const summary = el("summary");
        summary.appendChild(el("span", "schema-name", name));
        summary.appendChild(el("span", "op-summary", schemaLabel(schemas[name])));
        details.appendChild(summary);
        const body = el("div", "op-body");
        body.appendChild(el("pre", null, JSON.stringify(schemas[name], null, 2)));
        details.appendChild(body);
        section.appendChild(details);
      }
      reference.appendChild(section);
    }
  }

  async function init() {
    try {
      const response = await fetch("/openapi.json", { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!response.ok) throw new Error(`GET /openapi.json answered HTTP ${response.status}`);
      render(await response.json());
    } catch (err) {
      $("api-title").textContent = "API reference unavailable";
      showError(`Could not load /openapi.json: ${err && err.message ? err.message : err}`);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
