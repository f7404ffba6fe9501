"""A fake LLM upstream speaking the OpenAI (and OpenAI-compatible), Anthropic and Gemini wire
formats, with scripted faults, for the end-to-end provider tests.

Run it alone with `python fake_llm.py PORT`, or in-process:

    fake = FakeLLM(0).start()          # port 0 picks a free port; see fake.base_url
    fake.script("openai", "500", "ok")
    ...
    fake.requests("openai")           # what the server under test sent
    fake.stop()

Routes
  POST /v1/chat/completions                     openai or compatible (told apart by the API key)
  POST /v1/messages                             anthropic
  POST /v1beta/models/{model}:generateContent   gemini
  POST /_control/script   {"provider", "steps": [...]}   appends steps to that provider's queue
  POST /_control/reset                                   clears queues and records, drops hung calls
  GET  /_control/requests[?provider=P]                   [{"provider", "path", "query", "headers", "body", "step", "time"}]
                                                         (header names lower-cased; body parsed JSON)
  GET  /_control/stats                                   {"requests", "in_flight", "peak_in_flight"}
                                                         (model calls; reset clears the peak)

Each upstream request takes the next step of its provider's queue ("ok" when the queue is empty):
  ok, fenced (ok wrapped in prose and a ```json fence), 500, 503, 529 (Anthropic overloaded; 503
  elsewhere), 403, 429-retry-after, 429-quota, 401, malformed, truncated, invalid, slow (3 s, then
  ok), hang (60 s, then the connection is dropped unanswered).

`--latency SECONDS` (or FakeLLM(latency=...)) makes every model call wait that long before it is
answered, as a slow real provider does (the I/O-concurrency benchmark uses 2 s).

Three kinds of request are told apart by kind_of(): "questions" (schema / tool `question_set`),
"learning" (`learning_plan`) and "evaluation" (`answer_evaluation`, a practice answer to score);
without a schema (OpenAI-compatible json_object or no response format) by the system prompt.

"ok" answers are valid generations for the resume found between the `<resume>` and `</resume>`
lines of the prompt (see docs/GENERATION.md), so the server's validation accepts them. Every error body
carries UPSTREAM_SECRET so tests can check upstream text never reaches a client.

For an evaluation, "ok" is a valid draft computed from the prompt (evaluation_draft()): the
`<question>` block gives the type and key points, the `<answer>` block the answer (its `<\\/`
read back as `</`). A key point is covered when one of its words of 4 or more letters occurs in the
answer (case-insensitive); its evidence is that word as the answer spells it. Criteria follow the
rubric of the type (star for behavioural questions), with the scores of EVALUATION_SCORES and
completeness = round(100 x covered / key points); answer_kind "answered", one feedback sentence, a
two-point outline, no resume evidence, and a follow-up about the first missing key point (or "").
"invalid" is the same draft with the first key point covered by evidence the answer does not
contain (INVALID_EVIDENCE), which breaks the rule that evidence quotes the answer word for word.
"fenced", "truncated", "usage-huge", streaming and every error step work for evaluations as for
generations.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROVIDERS = ("openai", "anthropic", "gemini", "compatible")

# API keys the tests configure; the key decides which provider a request is booked under.
KEYS = {"openai": "sk-openai-test", "anthropic": "sk-ant-test", "gemini": "gm-test", "compatible": "cp-test"}

# Token counts each provider reports for every well-formed answer (input, output).
USAGE = {"openai": (1200, 300), "anthropic": (1300, 400), "gemini": (1400, 500), "compatible": (1500, 600)}

# The model a reply says answered: the requested one with a version suffix, as real APIs do.
ANSWERED_SUFFIX = "-fake-0601"

UPSTREAM_SECRET = "UPSTREAM-SECRET-MESSAGE"

STEPS = (
    "ok", "fenced", "500", "503", "529", "403", "429-retry-after", "429-quota", "401",
    "malformed", "truncated", "invalid", "slow", "hang", "stream-cut",
    # Hostile answers: a wait of 1e300 seconds, token counts of 1e300, a redirect elsewhere.
    "429-retry-after-huge", "usage-huge", "redirect",
)
HUGE = 1e300
SLOW_SECONDS = 3.0
HANG_SECONDS = 60.0

QUESTION_TYPES = ["Implementation", "Trade-off", "Performance", "Reliability", "Scalability", "Quality", "Collaboration", "Business"]

TRUNCATED_QUESTIONS = '{"questions": [{"type": "Impl'
TRUNCATED_LEARNING = '{"analysis": {"strengths": ["Kafka consu'
TRUNCATED_EVALUATION = '{"answer_kind": "answered", "criteria": [{"criterion": "accu'

# Structured-output schema (OpenAI json_schema name, Anthropic tool name) of each kind of request.
SCHEMA_NAMES = {"questions": "question_set", "learning": "learning_plan", "evaluation": "answer_evaluation"}

# The rubric (docs/RUBRIC.md): criteria and their weights in percent, per kind of question.
TECHNICAL_WEIGHTS = {"accuracy": 40, "completeness": 20, "depth": 25, "communication": 15}
BEHAVIOURAL_WEIGHTS = {"accuracy": 30, "completeness": 20, "depth": 10, "communication": 15, "star": 25}
BEHAVIOURAL_TYPES = ("Collaboration", "Business")
# Scores of an "ok" evaluation; completeness follows the key points covered.
EVALUATION_SCORES = {"accuracy": 80, "depth": 70, "communication": 75, "star": 60}
# The evidence of an "invalid" evaluation: no answer contains it.
INVALID_EVIDENCE = "UNQUOTED EVIDENCE"


def answered_model(requested: str) -> str:
    return requested + ANSWERED_SUFFIX


# ---------------------------------------------------------------------------------------------
# Reading requests


def _text_of(content) -> str:
    """Text of an OpenAI/Anthropic message content: a string or a list of text blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(block.get("text", "") for block in content if isinstance(block, dict))
    return ""


def prompt_of(provider: str, body) -> tuple[str, str]:
    """(system, user) text of a request body in `provider`'s wire format."""
    if not isinstance(body, dict):
        return "", ""
    if provider == "anthropic":
        system = _text_of(body.get("system", ""))
        user = "\n".join(_text_of(m.get("content")) for m in body.get("messages", []) if m.get("role") == "user")
        return system, user
    if provider == "gemini":
        system = "\n".join(p.get("text", "") for p in (body.get("systemInstruction") or {}).get("parts", []))
        user = "\n".join(
            p.get("text", "") for c in body.get("contents", []) if c.get("role", "user") == "user" for p in c.get("parts", [])
        )
        return system, user
    messages = body.get("messages", [])
    system = "\n".join(_text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer"))
    user = "\n".join(_text_of(m.get("content")) for m in messages if m.get("role") == "user")
    return system, user


def kind_of(provider: str, body) -> str:
    """"questions", "learning" or "evaluation": what the request asks for."""
    body = body if isinstance(body, dict) else {}
    name = ""
    if provider in ("openai", "compatible"):
        response_format = body.get("response_format") or {}
        name = (response_format.get("json_schema") or {}).get("name", "")
    elif provider == "anthropic":
        name = (body.get("tool_choice") or {}).get("name", "") or next((t.get("name", "") for t in body.get("tools") or []), "")
    elif provider == "gemini":
        schema = (body.get("generationConfig") or {}).get("responseSchema") or {}
        if schema:
            properties = schema.get("properties") or {}
            if "key_points" in properties:
                return "evaluation"
            return "learning" if "learning_paths" in properties else "questions"
    if name:
        if "evaluation" in name:
            return "evaluation"
        return "learning" if "learning" in name else "questions"
    system, _ = prompt_of(provider, body)
    if '"answer_kind"' in system or '"key_points"' in system:
        return "evaluation"
    return "learning" if "learning_paths" in system else "questions"


def resume_in(user_text: str) -> dict:
    """The resume JSON between the `<resume>` and `</resume>` lines, or {}."""
    match = re.search(r"^<resume>[ \t]*\n(.*?)\n[ \t]*</resume>[ \t]*$", user_text, re.S | re.M)
    if not match:
        return {}
    try:
        resume = json.loads(match.group(1))
    except ValueError:
        return {}
    return resume if isinstance(resume, dict) else {}


# ---------------------------------------------------------------------------------------------
# Valid generations


def _distinct(items) -> list[str]:
    seen, out = set(), []
    for item in items:
        if isinstance(item, str) and item.strip() and item.strip().lower() not in seen:
            seen.add(item.strip().lower())
            out.append(item.strip())
    return out


def _contexts(resume: dict) -> list[dict]:
    """Where the candidate used what: one entry per work experience and personal project."""
    skills = [t for items in (resume.get("technical_skills") or {}).values() if isinstance(items, list) for t in items]
    all_techs = _distinct(
        [t for w in resume.get("work_experiences") or [] for t in w.get("tech_stack") or []]
        + [t for p in resume.get("personal_projects") or [] for t in p.get("tech_stack") or []]
        + skills
    ) or ["your main stack"]
    contexts = []
    for work in resume.get("work_experiences") or []:
        contexts.append({
            "place": f"at {work.get('company')}" if work.get("company") else "in your job",
            "project": work.get("project_name") or f"your work at {work.get('company', 'your company')}",
            "techs": _distinct(work.get("tech_stack") or []) or all_techs,
        })
    for project in resume.get("personal_projects") or []:
        contexts.append({
            "place": "in your own time",
            "project": project.get("name") or "your side project",
            "techs": _distinct(project.get("tech_stack") or []) or all_techs,
        })
    if not contexts:
        contexts.append({"place": "in your studies", "project": "your projects", "techs": all_techs})
    for context in contexts:
        context["all_techs"] = all_techs
    return contexts


QUESTION_TEMPLATES = {
    "Implementation": "Walk me through how you implemented the {tech} part of {project} {place}: which pieces did you build yourself?",
    "Trade-off": "Why did you pick {tech} over its alternatives for {project}, and what would make you reconsider that choice now?",
    "Performance": "When {project} got slow under load, how did you measure where {tech} spent its time and what did you change?",
    "Reliability": "Suppose {tech} fails during peak traffic {place}. What breaks first, how would users notice, and how do you recover?",
    "Scalability": "If traffic on {project} grew ten times overnight, which {tech} component becomes the bottleneck and how would you scale it?",
    "Quality": "How did you test the {tech} code in {project}, and which kinds of bugs still slipped through to production?",
    "Collaboration": "How did your team {place} agree on the contracts around {tech}, and how were disagreements about them settled?",
    "Business": "Why did {project} matter to the business {place}, and how did your {tech} work move the numbers that mattered?",
}


def _difficulties(system: str, months: int, count: int) -> list[str]:
    match = re.search(r"easy (\d+), medium (\d+), hard (\d+)", system)
    if match:
        easy, medium, hard = (int(n) for n in match.groups())
    elif months < 24:
        easy, medium, hard = 2, 2, 1
    elif months < 60:
        easy, medium, hard = 1, 3, 1
    else:
        easy, medium, hard = 0, 2, 3
    mix = ["easy"] * easy + ["medium"] * medium + ["hard"] * hard
    return (mix + ["medium"] * count)[:count]


def _question_count(system: str) -> int:
    match = re.search(r"exactly (\d+) questions", system) or re.search(r"정확히 (\d+)\s*개", system)
    return int(match.group(1)) if match else 5


def question_set(resume: dict, system: str, count: int | None = None) -> dict:
    count = count or _question_count(system)
    months = int(resume.get("total_experience_months") or 0)
    contexts = _contexts(resume)
    difficulties = _difficulties(system, months, count)
    questions = []
    for index in range(count):
        qtype = QUESTION_TYPES[index % len(QUESTION_TYPES)]
        context = contexts[index % len(contexts)]
        techs = context["techs"]
        tech = techs[(index // len(contexts)) % len(techs)]
        questions.append({
            "type": qtype,
            "difficulty": difficulties[index],
            "topic": f"{tech}, {qtype.lower()}, {context['project']}",
            "question": QUESTION_TEMPLATES[qtype].format(tech=tech, project=context["project"], place=context["place"]),
            "what_good_answers_cover": [
                f"Concrete details of how {tech} was used in {context['project']}",
                f"Measured results and what the candidate would change about the {qtype.lower()} aspect",
            ],
        })
    return {"questions": questions}


def learning_plan(resume: dict, items: int = 5) -> dict:
    contexts = _contexts(resume)
    techs = contexts[0]["all_techs"]
    project = contexts[0]["project"]

    def tech(i: int) -> str:
        return techs[i % len(techs)]

    plan_items = []
    for i in range(items):
        kind = "strength" if i < 2 else "weakness"
        t = tech(i)
        slug = re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-") or "topic"
        plan_items.append({
            "type": kind,
            "title": f"{'Deepen' if kind == 'strength' else 'Close the gap in'} {t} (track {i + 1})",
            "description": f"Study {t} beyond everyday use and apply it to a small production-like exercise.",
            "reason": f"The resume shows {t} in {project}; {'build on it' if kind == 'strength' else 'its testing and operations are not mentioned'}.",
            "resources": [f"{t} official documentation", f"{t} in production: case studies"],
            "link": f"https://example.org/docs/{slug}",
            "estimated_hours": 10,
        })
    return {
        "analysis": {
            "strengths": [f"Hands-on {tech(0)} work in {project}", f"Production experience with {tech(1)}"],
            "weaknesses": [f"No load testing of the {tech(2)} services is mentioned", f"Observability around {tech(3)} is not described"],
        },
        "summary": f"Build on {tech(0)} and {tech(1)}, then cover testing and operations for {tech(2)}.",
        "learning_paths": plan_items,
    }


def generation(kind: str, resume: dict, system: str, invalid: bool = False) -> dict:
    if kind == "learning":
        return learning_plan(resume, items=1 if invalid else 5)
    return question_set(resume, system, count=2 if invalid else None)


# ---------------------------------------------------------------------------------------------
# Valid evaluations


def _unescape(text: str) -> str:
    """A data value as the client wrote it: the prompt writes every `</` as `<\\/`."""
    return text.replace("<\\/", "</")


def evaluation_input(user_text: str) -> dict:
    """What an evaluation prompt's user part carries: {"type", "behavioural", "topic", "question",
    "key_points", "answer"} ({} when there is no `<question>` / `<answer>` block)."""
    match = re.search(r"^<question>\n(.*?)\n</question>\n<answer>\n", user_text, re.S | re.M)
    if not match:
        return {}
    end = user_text.find("\n</answer>", match.end() - 1)
    answer = user_text[match.end():end] if end >= match.end() else ""
    fields: dict = {"type": "", "behavioural": None, "topic": "", "question": "", "key_points": [], "answer": _unescape(answer)}
    in_points = False
    for line in match.group(1).split("\n"):
        numbered = re.match(r"^\d+\. (.*)$", line)
        if in_points and numbered:
            fields["key_points"].append(_unescape(numbered.group(1)))
            continue
        name, _, value = line.partition(": ")
        if line.rstrip() == "key_points:":
            in_points = True
        elif name in ("type", "topic", "question"):
            fields[name] = _unescape(value)
        elif name == "behavioural":
            fields["behavioural"] = value.strip() == "true"
    return fields


def is_behavioural(fields: dict) -> bool:
    if fields.get("behavioural") is not None:
        return bool(fields["behavioural"])
    return fields.get("type") in BEHAVIOURAL_TYPES


def rubric_weights(fields: dict) -> dict:
    return dict(BEHAVIOURAL_WEIGHTS if is_behavioural(fields) else TECHNICAL_WEIGHTS)


def point_evidence(point: str, answer: str) -> str:
    """The first word of `point` with 4 or more letters that occurs in `answer` (ignoring case),
    as the answer spells it; "" when none does."""
    for word in re.findall(r"[^\W\d_]{4,}", point):
        found = re.search(re.escape(word), answer, re.I)
        if found:
            return found.group(0)
    return ""


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def _follow_up(point: str, korean: bool) -> str:
    point = point if len(point) <= 200 else point[:200].rstrip() + "..."
    return f"{point}에 대해 더 자세히 말씀해 주시겠어요?" if korean else f"Can you say more about {point}?"


def _complete_draft(draft: dict, points: list[str], korean: bool):
    """Sets completeness and the follow-up from the key points the draft covers."""
    covered = sum(1 for p in draft["key_points"] if p["covered"])
    completeness = round(100 * covered / len(points)) if points else 100
    for criterion in draft["criteria"]:
        if criterion["criterion"] == "completeness":
            criterion["score"] = completeness
            criterion["comment"] = (f"핵심 포인트 {len(points)}개 중 {covered}개를 다뤘습니다." if korean
                                    else f"Covers {covered} of {len(points)} key points.")
    missing = [p["point"] for p in draft["key_points"] if not p["covered"]]
    draft["follow_up"] = _follow_up(missing[0], korean) if missing else ""


COMMENTS = {
    "accuracy": ("What the answer says is correct and on the question.", "답변 내용이 정확하고 질문에 맞습니다."),
    "depth": ("Some specifics, few numbers or trade-offs.", "구체적인 내용은 있으나 수치와 트레이드오프가 부족합니다."),
    "communication": ("Clear structure, a fitting length.", "구조가 명확하고 길이가 적절합니다."),
    "star": ("Situation and action are clear; the result is thin.", "상황과 행동은 분명하지만 결과가 약합니다."),
}


def evaluation_draft(system: str, user: str, invalid: bool = False) -> dict:
    """The evaluation a model would answer for the prompt (see the module docstring)."""
    fields = evaluation_input(user)
    answer = fields.get("answer", "")
    points = fields.get("key_points", [])
    korean = _hangul(system)
    key_points = []
    for point in points:
        evidence = point_evidence(point, answer)
        key_points.append({"point": point, "covered": bool(evidence), "evidence": evidence})
    criteria = []
    for criterion in rubric_weights(fields):
        score = EVALUATION_SCORES.get(criterion, 0)
        comment = COMMENTS.get(criterion, ("", ""))[1 if korean else 0]
        criteria.append({"criterion": criterion, "score": score, "comment": comment or "-"})
    draft = {
        "answer_kind": "answered",
        "criteria": criteria,
        "key_points": key_points,
        "feedback": ["구체적인 수치와 측정 방법을 덧붙이면 더 좋은 답변이 됩니다." if korean
                     else "Add the numbers you measured and the trade-offs you weighed."],
        "strong_answer_outline": (
            [f"{points[0] if points else fields.get('topic', '')}부터 설명합니다", "측정한 결과와 바꾸고 싶은 점으로 마무리합니다"] if korean
            else [f"Start with: {points[0] if points else fields.get('topic') or 'the context'}",
                  "Close with the measured result and what you would change"]),
        "resume_evidence": [],
        "follow_up": "",
    }
    if invalid:
        if key_points:
            key_points[0].update(covered=True, evidence=INVALID_EVIDENCE)
        else:
            draft["criteria"] = draft["criteria"][:-1]
    _complete_draft(draft, points, korean)
    return draft


# ---------------------------------------------------------------------------------------------
# Wire formats: successes


def _success(provider: str, model: str, text: str = "", *, tool: tuple[str, dict] | None = None, truncated=False) -> dict:
    """A 200 body: `text` as the answer, or (Anthropic) a tool_use block `tool` = (name, input)."""
    tokens_in, tokens_out = USAGE[provider]
    model = answered_model(model)
    if provider == "anthropic":
        if tool is not None:
            block = {"type": "tool_use", "id": "toolu_1", "name": tool[0], "input": tool[1]}
        else:
            block = {"type": "text", "text": text}
        return {
            "id": "msg_fake_1", "type": "message", "role": "assistant", "model": model, "content": [block],
            "stop_reason": "max_tokens" if truncated else ("tool_use" if tool is not None else "end_turn"),
            "stop_sequence": None, "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        }
    if provider == "gemini":
        return {
            "candidates": [{
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": "MAX_TOKENS" if truncated else "STOP", "index": 0,
            }],
            "usageMetadata": {"promptTokenCount": tokens_in, "candidatesTokenCount": tokens_out, "totalTokenCount": tokens_in + tokens_out},
            "modelVersion": model,
        }
    return {
        "id": "chatcmpl-fake-1", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{
            "index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
            "finish_reason": "length" if truncated else "stop",
        }],
        "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
    }


def _inflate_usage(provider: str, answer: dict):
    """Token counts of 1e300 in a provider's own usage fields."""
    if provider == "anthropic":
        answer["usage"] = {"input_tokens": HUGE, "output_tokens": HUGE}
    elif provider == "gemini":
        answer["usageMetadata"] = {"promptTokenCount": HUGE, "candidatesTokenCount": HUGE, "totalTokenCount": HUGE}
    else:
        answer["usage"] = {"prompt_tokens": HUGE, "completion_tokens": HUGE, "total_tokens": HUGE}


def _tool_name(body: dict, kind: str) -> str:
    return (body.get("tool_choice") or {}).get("name") or SCHEMA_NAMES[kind]


TRUNCATED = {"questions": TRUNCATED_QUESTIONS, "learning": TRUNCATED_LEARNING, "evaluation": TRUNCATED_EVALUATION}


def success_body(provider: str, model: str, body: dict, step: str) -> dict:
    system, user = prompt_of(provider, body)
    kind = kind_of(provider, body)
    if step == "truncated":
        return _success(provider, model, TRUNCATED[kind], truncated=True)
    if kind == "evaluation":
        answer = evaluation_draft(system, user, invalid=(step == "invalid"))
    else:
        answer = generation(kind, resume_in(user), system, invalid=(step == "invalid"))
    text = json.dumps(answer, ensure_ascii=False)
    if step == "fenced":
        text = f"Sure! Here is the JSON you asked for:\n```json\n{json.dumps(answer, ensure_ascii=False, indent=2)}\n```\nGood luck."
    if provider == "anthropic" and body.get("tools") and step != "fenced":
        return _success(provider, model, tool=(_tool_name(body, kind), answer))
    return _success(provider, model, text)


# ---------------------------------------------------------------------------------------------
# Wire formats: errors  ->  (status, extra headers, body)


STREAM_PAUSE_SECONDS = 0.08


def _openai_error(status, message, type_, code, headers=None):
    return status, headers or {}, {"error": {"message": f"{UPSTREAM_SECRET}: {message}", "type": type_, "param": None, "code": code}}


def _anthropic_error(status, type_, message, headers=None):
    return status, headers or {}, {"type": "error", "error": {"type": type_, "message": f"{UPSTREAM_SECRET}: {message}"}}


def _gemini_error(status, grpc_status, message, details=None):
    return status, {}, {"error": {"code": status, "message": f"{UPSTREAM_SECRET}: {message}", "status": grpc_status, "details": details or []}}


def error_response(provider: str, step: str):
    if provider == "anthropic":
        return {
            "500": lambda: _anthropic_error(500, "api_error", "Internal server error"),
            "503": lambda: _anthropic_error(503, "api_error", "Service unavailable"),
            "529": lambda: _anthropic_error(529, "overloaded_error", "Overloaded"),
            "403": lambda: _anthropic_error(403, "permission_error", "Your API key does not have permission to use the specified resource."),
            "429-retry-after": lambda: _anthropic_error(
                429, "rate_limit_error", "This request would exceed the rate limit for your organization.", {"retry-after": "1"}),
            "429-quota": lambda: _anthropic_error(
                400, "invalid_request_error",
                "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."),
            "401": lambda: _anthropic_error(401, "authentication_error", "invalid x-api-key"),
        }[step]()
    if provider == "gemini":
        return {
            "500": lambda: _gemini_error(500, "INTERNAL", "An internal error has occurred."),
            "503": lambda: _gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
            "529": lambda: _gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
            "403": lambda: _gemini_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."),
            "429-retry-after": lambda: _gemini_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"},
            ]),
            "429-quota": lambda: _gemini_error(
                429, "RESOURCE_EXHAUSTED",
                "You exceeded your current quota, please check your plan and billing details.",
                [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count",
                    "quotaId": "GenerateContentPaidTierInputTokensPerModelPerDay",
                }]}]),
            "401": lambda: _gemini_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
        }[step]()
    return {
        "500": lambda: _openai_error(500, "The server had an error while processing your request.", "server_error", None),
        "503": lambda: _openai_error(503, "The engine is currently overloaded, please try again later.", "server_error", None),
        "529": lambda: _openai_error(503, "The engine is currently overloaded, please try again later.", "server_error", None),
        "403": lambda: _openai_error(403, "Project does not have access to model.", "invalid_request_error", "model_not_found"),
        "429-retry-after": lambda: _openai_error(
            429, "Rate limit reached for requests per min.", "requests", "rate_limit_exceeded", {"Retry-After": "1"}),
        "429-quota": lambda: _openai_error(
            429, "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota"),
        "401": lambda: _openai_error(401, "Incorrect API key provided: sk-****.", "invalid_request_error", "invalid_api_key"),
    }[step]()


def missing_key_response(provider: str):
    if provider == "anthropic":
        return _anthropic_error(401, "authentication_error", "x-api-key header is required")
    if provider == "gemini":
        return _gemini_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (no API key).")
    return _openai_error(401, "You didn't provide an API key.", "invalid_request_error", None)


# ---------------------------------------------------------------------------------------------
# The server


class FakeLLM:
    """The fake upstream. Thread-safe; usable in-process or through the /_control routes."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", verbose: bool = False, latency: float = 0.0):
        self.host = host
        self.verbose = verbose
        self.latency = latency
        self._lock = threading.Lock()
        self._queues: dict[str, list[str]] = {p: [] for p in PROVIDERS}
        self._records: list[dict] = []
        self._abort = threading.Event()
        self._in_flight = 0
        self._peak_in_flight = 0
        self._calls = 0
        self._httpd = _Server((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self.port = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None
        # Where the "redirect" step sends clients (another FakeLLM that records what reaches it).
        self.redirect_target: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle

    def start(self) -> "FakeLLM":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"fake-llm-{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._httpd.serve_forever()

    def stop(self):
        self._abort.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # -- control

    def script(self, provider: str, *steps: str):
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; one of {PROVIDERS}")
        unknown = [s for s in steps if s not in STEPS]
        if unknown:
            raise ValueError(f"unknown steps {unknown}; known: {STEPS}")
        with self._lock:
            self._queues[provider].extend(steps)

    def reset(self):
        """Clears queues and records; calls still hanging or sleeping are dropped unanswered."""
        with self._lock:
            for queue in self._queues.values():
                queue.clear()
            self._records.clear()
            self._peak_in_flight = self._in_flight
            self._calls = 0
            self._abort.set()
            self._abort = threading.Event()

    def requests(self, provider: str | None = None) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._records if provider is None or r["provider"] == provider]

    def stats(self) -> dict:
        with self._lock:
            return {"requests": self._calls, "in_flight": self._in_flight, "peak_in_flight": self._peak_in_flight}

    def _enter(self):
        with self._lock:
            self._calls += 1
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)

    def _leave(self):
        with self._lock:
            self._in_flight -= 1

    def pending(self, provider: str) -> list[str]:
        with self._lock:
            return list(self._queues[provider])

    # -- used by the handler

    def _take(self, provider: str, path: str, query: str, headers: dict, body, consume: bool = True) -> tuple[str, threading.Event]:
        """Records the request and answers the step it gets (a request without a key gets none)."""
        with self._lock:
            queue = self._queues[provider]
            step = (queue.pop(0) if queue else "ok") if consume else "missing-key"
            self._records.append({"provider": provider, "path": path, "query": query, "headers": headers, "body": body, "step": step, "time": time.time()})
            return step, self._abort


def provider_for(path: str, headers: dict) -> str | None:
    if path == "/v1/messages":
        return "anthropic"
    if path.startswith("/v1beta/models/") and path.endswith(":generateContent"):
        return "gemini"
    if path == "/v1/chat/completions":
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        return "compatible" if key.startswith("cp-") else "openai"
    return None


def api_key(provider: str, headers: dict, query: dict) -> str:
    if provider == "anthropic":
        return headers.get("x-api-key", "")
    if provider == "gemini":
        return headers.get("x-goog-api-key", "") or (query.get("key") or [""])[0]
    auth = headers.get("authorization", "")
    return auth[len("Bearer "):].strip() if auth.startswith("Bearer ") else ""


def _make_handler(fake: FakeLLM):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeLLM/1.0"

        def log_message(self, format, *args):
            if fake.verbose:
                sys.stderr.write("fake-llm: " + format % args + "\n")

        # -- plumbing

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                data = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body, headers: dict | None = None):
            raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send_stream(self, answer: dict, cut: bool, abort: threading.Event):
            """OpenAI streaming: the answer's content in chunks as server-sent events, then the
            usage chunk and [DONE]; `cut` drops the connection half way."""
            content = answer["choices"][0]["message"]["content"]
            model = answer.get("model", "")
            pieces = [content[i:i + max(1, len(content) // 12)] for i in range(0, len(content), max(1, len(content) // 12))]
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for index, piece in enumerate(pieces):
                    if cut and index == len(pieces) // 2:
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model,
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode("utf-8"))
                    self.wfile.flush()
                    if abort.wait(STREAM_PAUSE_SECONDS):
                        break
                final = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model,
                         "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                usage = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model, "choices": [], "usage": answer["usage"]}
                for event in (final, usage):
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode("utf-8"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def _drop(self):
            """Ends the call without answering (the client has usually given up already)."""
            self.close_connection = True

        # -- routes

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/_control/requests":
                provider = (urllib.parse.parse_qs(url.query).get("provider") or [None])[0]
                return self._send(200, fake.requests(provider))
            if url.path == "/_control/stats":
                return self._send(200, fake.stats())
            if url.path in ("/", "/healthz"):
                return self._send(200, {"status": "ok"})
            self._send(404, {"error": {"message": f"no route GET {url.path}"}})

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            raw = self._read_body()
            if url.path.startswith("/_control/"):
                return self._control(url.path, raw)
            headers = {k.lower(): v for k, v in self.headers.items()}
            provider = provider_for(url.path, headers)
            if provider is None:
                return self._send(404, {"error": {"message": f"no route POST {url.path}"}})
            try:
                body = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:
                body = raw.decode("utf-8", errors="replace")
            has_key = bool(api_key(provider, headers, urllib.parse.parse_qs(url.query)))
            step, abort = fake._take(provider, url.path, url.query, headers, body, consume=has_key)
            if not has_key:
                status, extra, error = missing_key_response(provider)
                return self._send(status, error, extra)
            if not isinstance(body, dict):
                return self._send(400, {"error": {"message": f"{UPSTREAM_SECRET}: request body is not a JSON object"}})
            fake._enter()
            try:
                if fake.latency and abort.wait(fake.latency):
                    return self._drop()
                return self._answer(provider, url, body, step, abort)
            finally:
                fake._leave()

        def _answer(self, provider, url, body, step, abort):

            if step == "hang":
                abort.wait(HANG_SECONDS)
                return self._drop()
            if step == "slow":
                if abort.wait(SLOW_SECONDS):
                    return self._drop()
                step = "ok"
            if step == "malformed":
                return self._send(200, b'{"choices": [' if provider != "gemini" else b'{"candidates": [')
            if step in ("ok", "stream-cut") and provider in ("openai", "compatible") and body.get("stream"):
                answer = success_body(provider, body.get("model", ""), body, "ok")
                return self._send_stream(answer, cut=(step == "stream-cut"), abort=abort)
            if step == "redirect":
                target = (fake.redirect_target or "http://127.0.0.1:9") + url.path + (f"?{url.query}" if url.query else "")
                return self._send(307, {"error": {"message": "moved"}}, {"Location": target})
            if step in ("ok", "fenced", "truncated", "invalid", "usage-huge"):
                model = body.get("model", "")
                if provider == "gemini":
                    model = url.path.removeprefix("/v1beta/models/").removesuffix(":generateContent")
                answer = success_body(provider, model, body, "ok" if step == "usage-huge" else step)
                if step == "usage-huge":
                    _inflate_usage(provider, answer)
                return self._send(200, answer)
            if step == "429-retry-after-huge":
                status, extra, error = error_response(provider, "429-retry-after")
                if provider == "gemini":
                    error["error"]["details"][0]["retryDelay"] = f"{HUGE}s"
                else:
                    extra = {name: str(HUGE) for name in extra}
                return self._send(status, error, extra)
            status, extra, error = error_response(provider, step)
            self._send(status, error, extra)

        def _control(self, path: str, raw: bytes):
            try:
                request = json.loads(raw.decode("utf-8")) if raw else {}
                if path == "/_control/script":
                    fake.script(request["provider"], *request["steps"])
                    return self._send(200, {"provider": request["provider"], "queue": fake.pending(request["provider"])})
                if path == "/_control/reset":
                    fake.reset()
                    return self._send(200, {"reset": True})
            except (ValueError, KeyError, TypeError) as error:
                return self._send(400, {"error": {"message": str(error)}})
            self._send(404, {"error": {"message": f"no route POST {path}"}})

    return Handler


class _Server(ThreadingHTTPServer):
    # The default backlog (5) drops connection bursts from a concurrent client.
    request_queue_size = 1024


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Fake LLM upstream (OpenAI, Anthropic, Gemini wire formats).")
    parser.add_argument("port", type=int, nargs="?", default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every model call waits before answering")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv[1:])
    fake = FakeLLM(args.port, verbose=not args.quiet, latency=args.latency)
    print(f"fake LLM upstream on {fake.base_url}", flush=True)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
