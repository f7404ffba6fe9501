import CoachCore

/// `/openapi.json`: OpenAPI 3.1 generated from the route table, with the schemas below. Every
/// constraint comes from the rules the validators apply (`TextRules`, `ResumeLimits`, the option
/// ranges), so the document says exactly what the server enforces.
enum OpenAPIDocument {
    /// The provider names a generation body may name, per kind (`nil` when the service could not
    /// be asked: then any name up to the length limit is documented, and checked by the service).
    struct Providers: Sendable {
        var questions: [String]?
        var learning: [String]?
    }

    static func render(routes: [EdgeRoute], providers: Providers = Providers()) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for route in routes {
            var operation: [String: JSONValue] = [
                "summary": .string(route.summary),
                "tags": .array([.string(route.tag)]),
                "operationId": .string(operationID(route)),
            ]
            var parameters = route.parameters.map { parameter -> JSONValue in
                .object([
                    "name": .string(parameter.name), "in": .string(parameter.location),
                    "required": .bool(parameter.required), "description": .string(parameter.description),
                    "schema": parameter.schema,
                ])
            }
            parameters.append(
                .object([
                    "name": "X-Request-ID", "in": "header", "required": .bool(false),
                    "description":
                        "Echoed in the response and in error bodies when it is 1-128 printable ASCII characters; otherwise a generated id is used",
                    "schema": .object(["type": "string"]),
                ]))
            operation["parameters"] = .array(parameters)
            if let schema = route.requestSchema {
                operation["requestBody"] = .object([
                    "description": .string("JSON, at most \(ResumeLimits.maxBodyBytes) bytes (413 beyond)"),
                    "required": .bool(route.requestRequired),
                    "content": .object(["application/json": .object(["schema": ref(schema)])]),
                ])
            }
            var responses: [String: JSONValue] = [:]
            for (status, (description, schema)) in route.responses {
                var response: [String: JSONValue] = ["description": .string(description)]
                if let schema {
                    let mediaType = status < 300 ? route.responseMediaType : "application/json"
                    response["content"] = .object([mediaType: .object(["schema": ref(schema)])])
                }
                responses[String(status)] = .object(response)
            }
            responses["default"] = .object([
                "description": "Error", "content": .object(["application/json": .object(["schema": ref("Error")])]),
            ])
            operation["responses"] = .object(responses)
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = .object(operation)
        }
        return .object([
            "openapi": "3.1.0",
            "info": .object([
                "title": "InterviewCoach", "version": "1.0.0",
                "description": "Personalised interview questions and learning paths from a resume.",
            ]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object(["schemas": .object(schemas(providers: providers))]),
        ])
    }

    private static func operationID(_ route: EdgeRoute) -> String {
        let words = route.path.split(separator: "/").map { $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "") }
        return ([route.method.rawValue.lowercased()] + words).joined(separator: "_")
            .replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
    }

    private static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    /// Free text: at most `max` code points (`min` when given); `required` ones must not be blank.
    private static func string(max: Int = ResumeLimits.maxTextLength, min: Int? = nil, required: Bool = false) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "string", "maxLength": .number(Double(max))]
        if let min { schema["minLength"] = .number(Double(min)) }
        if required { schema["pattern"] = .string(TextRules.nonBlank.source) }
        return .object(schema)
    }

    private static func pattern(_ pattern: TextRules.Pattern, max: Int? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "string", "pattern": .string(pattern.source)]
        if let max { schema["maxLength"] = .number(Double(max)) }
        return .object(schema)
    }

    private static func integer(in range: ClosedRange<Int>) -> JSONValue {
        .object(["type": "integer", "minimum": .number(Double(range.lowerBound)), "maximum": .number(Double(range.upperBound))])
    }

    /// An answer (`answer`, `action` absent or `answer`), or a skip / "I don't know" (`action`, no
    /// `answer`).
    private static var practiceMove: JSONValue {
        guard case .object(var schema) = object([
            "action": .object(["type": "string", "enum": ["answer", "skip", "dont_know"]]), "answer": string(max: 10_000),
        ])
        else { return .null }
        schema["anyOf"] = .array([
            .object([
                "required": ["answer"],
                "properties": .object(["answer": .object(["type": "string"]), "action": .object(["enum": ["answer", .null]])]),
            ]),
            .object([
                "required": ["action"],
                "properties": .object(["action": .object(["enum": ["skip", "dont_know"]]), "answer": .object(["type": "null"])]),
            ]),
        ])
        return .object(schema)
    }

    /// The output languages, from `Language`.
    private static let language: JSONValue = .object(["type": "string", "enum": .array(Language.allCases.map { .string($0.rawValue) })])

    private static let url = pattern(TextRules.webURL, max: ResumeLimits.maxTextLength)
    private static let required = string(required: true)

    /// A list in a response (no item limit).
    private static func array(_ items: JSONValue) -> JSONValue { .object(["type": "array", "items": items]) }

    private static func list(_ items: JSONValue) -> JSONValue {
        .object(["type": "array", "items": items, "maxItems": .number(Double(ResumeLimits.maxListItems))])
    }

    /// A closed object. Optional properties may also be `null`: the decoders read an explicit
    /// `null` as absent.
    private static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: [String: JSONValue] = [
            "type": "object", "additionalProperties": .bool(false),
            "properties": .object(
                properties.reduce(into: [:]) { result, property in
                    result[property.key] = required.contains(property.key) ? property.value : nullable(property.value)
                }),
        ]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }

    /// `schema` or `null`.
    private static func nullable(_ schema: JSONValue) -> JSONValue {
        guard case .object(var fields) = schema else { return schema }
        if case .string(let type)? = fields["type"] { fields["type"] = .array([.string(type), "null"]) }
        if case .array(let values)? = fields["enum"] { fields["enum"] = .array(values + [.null]) }
        return .object(fields)
    }

    private static let strings = list(string())

    static let resumeProperties: [String: JSONValue] = [
        "name": pattern(TextRules.personName),
        "contact": object([
            "phone": string(), "email": pattern(TextRules.email, max: ResumeLimits.maxEmailLength), "github": url,
            "linkedin": url, "portfolio": url,
        ]),
        "summary": string(max: ResumeLimits.summaryLength.upperBound, min: ResumeLimits.summaryLength.lowerBound, required: true),
        "total_experience_months": integer(in: ResumeLimits.experienceMonths),
        "work_experiences": list(
            object(
                [
                    "company": required, "position": required, "duration": required,
                    "project_name": string(), "project_description": string(), "tech_stack": strings,
                    "achievements": strings, "team_size": integer(in: ResumeLimits.teamSize),
                ], required: ["company", "position", "duration"])),
        "personal_projects": list(
            object(
                [
                    "name": required, "description": required, "tech_stack": strings, "duration": string(),
                    "github_url": url, "demo_url": url, "key_achievements": strings, "architecture_highlights": strings,
                ], required: ["name", "description", "tech_stack"])),
        "technical_skills": object([
            "programming_languages": strings, "frameworks": strings, "databases": strings,
            "message_queue_caching": strings, "cloud_platforms": strings, "devops_tools": strings,
            "monitoring_tools": strings, "others": strings,
        ]),
        "certifications": list(
            object(
                [
                    "name": required, "issuer": required, "issue_date": required, "expiry_date": string(),
                    "credential_url": url,
                ], required: ["name", "issuer", "issue_date"])),
        "activities": list(
            object(
                [
                    "type": required, "name": required, "description": required, "period": string(),
                    "achievements": strings, "url": url,
                ], required: ["type", "name", "description"])),
        "education": list(
            object(
                [
                    "institution": required, "degree": required, "major": required, "period": required, "status": required,
                ], required: ["institution", "degree", "major", "period", "status"])),
    ]

    /// The newest result, or (`?history=true`) every result under `sets`.
    private static func history(of schema: String) -> JSONValue {
        .object([
            "anyOf": .array([
                ref(schema),
                .object([
                    "type": "object", "required": ["sets"],
                    "properties": .object(["sets": .object(["type": "array", "items": ref(schema)])]),
                ]),
            ])
        ])
    }

    /// A generation body's `provider`: one of the configured names, or empty for the whole chain.
    private static func provider(_ names: [String]?) -> JSONValue {
        guard let names else { return string(max: maxProviderName) }
        return .object(["type": "string", "enum": .array(([""] + names).map { .string($0) })])
    }

    /// Practice lives beside the questions, on their providers; leave the field out for the chain.
    private static func practiceProvider(_ names: [String]?) -> JSONValue {
        guard let names else { return .object(["type": "string", "minLength": 1, "maxLength": .number(Double(maxProviderName))]) }
        return .object(["type": "string", "enum": .array(names.map { .string($0) })])
    }

    private static let seed: JSONValue = .object([
        "type": "integer", "minimum": .number(Double(QuestionOptions.seedRange.lowerBound)),
        "maximum": .number(Double(QuestionOptions.seedRange.upperBound)),
    ])

    static func schemas(providers: Providers) -> [String: JSONValue] {
        var stored = resumeProperties
        stored["id"] = .object(["type": "string"])
        stored["unique_key"] = .object(["type": "string"])
        stored["created_at"] = .object(["type": "string", "format": "date-time"])
        stored["updated_at"] = .object(["type": "string", "format": "date-time"])
        let timestamp: JSONValue = .object(["type": "string", "format": "date-time"])
        let text: JSONValue = .object(["type": "string"])
        let texts: JSONValue = .object(["type": "array", "items": text])
        let integer: JSONValue = .object(["type": "integer"])
        let number: JSONValue = .object(["type": "number"])
        let nullableTime: JSONValue = .object(["type": .array(["string", "null"]), "format": "date-time"])
        let key: [String: JSONValue] = [
            "id": text, "prefix": text, "tenant": text, "scopes": .object(["type": "array", "items": text]), "name": text,
            "limits": .object(["type": "object"]), "created_at": timestamp, "expires_at": nullableTime, "revoked_at": nullableTime,
            "created_by": text,
        ]
        let usage = object(["input_tokens": integer, "output_tokens": integer, "cost_usd": .object(["type": "number"])])
        let attempts: JSONValue = .object([
            "type": "array",
            "items": object([
                "provider": text, "model": text, "outcome": text, "latency_ms": integer, "usage": usage, "error_code": text,
                "rules": .object(["type": "array", "items": text]),
            ]),
        ])
        let provenance: [String: JSONValue] = [
            "unique_key": text, "resume_id": text, "provider": text, "model": text, "prompt_version": text,
            "language": language, "generated_at": timestamp, "created_at": timestamp,
            "usage": usage, "attempts": attempts, "task_id": text,
        ]
        let question = object([
            "type": .object(["type": "string", "enum": .array(QuestionType.allCases.map { .string($0.rawValue) })]),
            "difficulty": .object(["type": "string", "enum": ["easy", "medium", "hard"]]),
            "topic": text, "question": text, "what_good_answers_cover": texts,
        ])
        let learningItem = object([
            "type": .object(["type": "string", "enum": ["strength", "weakness"]]), "title": text, "description": text,
            "reason": text, "resources": texts, "link": .object(["type": "string", "format": "uri"]), "estimated_hours": integer,
        ])
        var questionSet = provenance
        questionSet["interview_id"] = text
        questionSet["questions"] = .object(["type": "array", "items": question])
        var learningPath = provenance
        learningPath["learning_path_id"] = text
        learningPath["analysis"] = object(["strengths": texts, "weaknesses": texts])
        learningPath["summary"] = text
        learningPath["learning_paths"] = .object(["type": "array", "items": learningItem])
        return [
            "QuestionOptions": object([
                "provider": provider(providers.questions), "language": language,
                "question_count": Self.integer(in: QuestionOptions.countRange),
                "target_role": string(max: QuestionOptions.maxTargetRole),
                "job_description": string(max: QuestionOptions.maxJobDescription),
                "seed": seed,
            ]),
            "LearningOptions": object([
                "provider": provider(providers.learning), "language": language,
                "target_role": string(max: LearningOptions.maxTargetRole),
                "focus_areas": .object([
                    "type": "array", "items": string(max: LearningOptions.maxFocusArea, required: true),
                    "maxItems": .number(Double(LearningOptions.maxFocusAreas)),
                ]),
                "time_commitment_hours_per_week": Self.integer(in: LearningOptions.hoursPerWeekRange),
                "practice_session_id": .object([
                    "type": "string", "minLength": 1, "maxLength": 64, "not": .object(["type": "string", "pattern": "[^0-9a-f]"]),
                ]),
                "seed": seed,
            ]),
            "QuestionSet": .object(["type": "object", "properties": .object(questionSet)]),
            "LearningPath": .object(["type": "object", "properties": .object(learningPath)]),
            "QuestionSetOrHistory": history(of: "QuestionSet"),
            "LearningPathOrHistory": history(of: "LearningPath"),
            "TaskStarted": .object([
                "type": "object",
                "properties": .object([
                    "task_id": text, "status": text, "message": text, "unique_key": text, "estimated_time": integer,
                    "created_at": timestamp, "progress_url": text, "stream_url": text,
                ]),
            ]),
            "Progress": .object([
                "type": "object",
                "properties": .object([
                    "task_id": text, "kind": .object(["type": "string", "enum": ["interview", "learning"]]),
                    "state": .object(["type": "string", "enum": .array(TaskState.allCases.map { .string($0.rawValue) })]),
                    "progress": .object(["type": "integer", "minimum": 0, "maximum": 100]), "stage": text, "message": text,
                    "timestamp": timestamp, "unique_key": text, "created_at": timestamp,
                    "result": .object(["type": "object"]), "error": object(["code": text, "message": text]),
                ]),
            ]),
            "EvaluateAnswer": object(
                [
                    "question": object(
                        [
                            "type": .object(["type": "string", "maxLength": 50]), "difficulty": .object(["type": "string", "maxLength": 50]),
                            "topic": Self.string(max: 500), "question": Self.string(max: 2000, required: true),
                            "what_good_answers_cover": .object([
                                "type": "array", "items": Self.string(max: 500), "maxItems": 10,
                            ]),
                        ], required: ["question"]),
                    "answer": Self.string(max: 10_000),
                    "language": .object(["type": "string", "enum": .array(Language.allCases.map { .string($0.rawValue) })]),
                    "unique_key": ParameterSchema.uniqueKey,
                    "provider": practiceProvider(providers.questions),
                ], required: ["question", "answer"]),
            "AnswerEvaluation": .object([
                "type": "object",
                "properties": .object([
                    "score": .object(["type": "integer", "minimum": 0, "maximum": 100]),
                    "band": .object(["type": "string", "enum": ["excellent", "good", "fair", "weak", "insufficient"]]),
                    "criteria": .object(["type": "array", "items": .object(["type": "object"])]),
                    "key_points": .object(["type": "array", "items": .object(["type": "object"])]),
                    "feedback": .object(["type": "array", "items": text]),
                    "strong_answer_outline": .object(["type": "array", "items": text]),
                    "grounded_in_resume": .object(["type": "boolean"]),
                    "resume_evidence": .object(["type": "array", "items": text]),
                    "follow_up": .object(["type": .array(["string", "null"])]),
                    "answer_kind": .object(["type": "string", "enum": ["answered", "dont_know", "evasive", "off_topic", "empty"]]),
                    "rubric_version": text, "provider": text, "model": text, "evaluated_at": timestamp,
                ]),
            ]),
            "PracticeStart": object(
                [
                    "unique_key": ParameterSchema.uniqueKey, "question_set_id": .object(["type": "string", "maxLength": 64]),
                    "language": .object(["type": "string", "enum": .array(Language.allCases.map { .string($0.rawValue) })]),
                    "provider": practiceProvider(providers.questions),
                ], required: ["unique_key"]),
            "PracticeMove": practiceMove,
            "PracticeStep": .object([
                "type": "object",
                "properties": .object([
                    "session": .object(["type": .array(["object", "null"])]), "evaluation": .object(["type": .array(["object", "null"])]),
                    "progress": .object(["type": .array(["object", "null"])]), "prompt": .object(["type": .array(["object", "null"])]),
                    "report": .object(["type": .array(["object", "null"])]),
                ]),
            ]),
            "PracticeSession": .object([
                "type": "object",
                "properties": .object([
                    "session": .object(["type": "object"]), "questions": .object(["type": "array"]), "turns": .object(["type": "array"]),
                    "pending": .object(["type": .array(["object", "null"])]), "report": .object(["type": .array(["object", "null"])]),
                    "created_at": timestamp, "updated_at": timestamp,
                ]),
            ]),
            "RetryTask": object(["provider": Self.string(max: 100)]),
            "Overview": object(
                [
                    "generated_at": timestamp, "window": text,
                    "tasks_by_state": .object(["type": "object", "additionalProperties": integer]),
                    "throughput_per_minute": number, "sampled_tasks": integer,
                    "failures": array(object(["error_code": text, "count": integer], required: ["error_code", "count"])),
                    "stages": array(
                        object(["stage": text, "count": integer, "p50_ms": integer, "p95_ms": integer], required: ["stage", "count", "p50_ms", "p95_ms"])),
                    "queues": array(ref("QueueStatus")),
                    "providers": array(
                        object(
                            [
                                "name": text, "model": text, "calls": integer, "errors": integer, "error_rate": number, "p50_ms": integer,
                                "p95_ms": integer, "input_tokens": integer, "output_tokens": integer, "cost_usd": number, "breaker": text,
                            ], required: ["name", "model", "calls", "errors", "error_rate", "breaker"])),
                    "workers": array(
                        object(
                            ["name": text, "jobs_in_hand": integer, "jobs_done": integer, "last_seen": timestamp],
                            required: ["name", "jobs_in_hand", "jobs_done"])),
                ],
                required: ["generated_at", "window", "tasks_by_state", "failures", "stages", "queues", "providers", "workers"]),
            "OverviewEvent": .object([
                "type": "object",
                "description": "One Server-Sent Event: `data` is an `Overview` as JSON (`event: overview`), or an error body (`event: error`)",
                "properties": .object([
                    "event": .object(["type": "string", "enum": ["overview", "error"]]),
                    "data": .object(["type": "string", "contentMediaType": "application/json"]),
                ]),
            ]),
            "QueueStatus": object(
                ["kind": text, "waiting": integer, "pending": integer, "dead_lettered": integer, "oldest_age_seconds": number, "paused": .object(["type": "boolean"])],
                required: ["kind", "waiting", "pending", "dead_lettered", "paused"]),
            "TaskDetail": object(
                [
                    "task_id": text, "kind": text, "tenant": text,
                    "state": .object(["type": "string", "enum": .array(TaskState.allCases.map { .string($0.rawValue) })]), "stage": text,
                    "progress": integer, "unique_key": text, "created_at": timestamp, "updated_at": timestamp, "runs": integer,
                    "providers": array(text), "error": object(["code": text, "message": text]), "trace_id": text, "message": text,
                    "result_id": text, "cancel_requested": .object(["type": "boolean"]),
                    "timeline": array(
                        object(["at": timestamp, "event": text, "stage": text, "run": integer, "detail": text], required: ["at", "event", "run"])),
                    "attempts": array(
                        object(
                            [
                                "run": integer, "provider": text, "model": text, "outcome": text, "latency_ms": integer, "input_tokens": integer,
                                "output_tokens": integer, "cost_usd": number, "error_code": text, "rules": array(text),
                            ], required: ["run", "provider", "model", "outcome"])),
                ],
                required: ["task_id", "kind", "tenant", "state", "stage", "unique_key", "created_at", "updated_at"]),
            "OperationsTaskList": object(["tasks": array(ref("TaskDetail")), "next_page_token": text], required: ["tasks", "next_page_token"]),
            "DeadLetterList": object(
                [
                    "dead_letters": array(
                        object(
                            ["id": text, "kind": text, "task_id": text, "reason": text, "deliveries": integer, "dead_lettered_at": timestamp],
                            required: ["id", "kind", "task_id"]))
                ], required: ["dead_letters"]),
            "PracticeSessionList": .object([
                "type": "object",
                "properties": .object([
                    "sessions": .object(["type": "array", "items": .object(["type": "object"])]),
                    "next_cursor": .object(["type": .array(["string", "null"])]),
                ]),
            ]),
            "KeyCreate": object(
                [
                    "tenant": .object(["type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,62}$"]),
                    "scopes": .object([
                        "type": "array", "minItems": 1,
                        "items": .object(["type": "string", "enum": .array(AccessScope.allCases.map { .string($0.rawValue) })]),
                    ]),
                    "name": .object(["type": "string", "maxLength": 100, "not": ParameterSchema.noControls]),
                    "limits": object(
                        [
                            "requests_per_minute": Self.integer(in: 1...Int(Int32.max)),
                            "generations_per_day": Self.integer(in: 1...Int(Int32.max)),
                            "monthly_tokens": Self.integer(in: 1...1_000_000_000_000),
                            "max_streams": Self.integer(in: 1...Int(Int32.max)),
                        ]),
                    "expires_in_days": Self.integer(in: 1...3650),
                ], required: ["tenant", "scopes"]),
            "Key": .object(["type": "object", "properties": .object(key)]),
            "KeyCreated": .object([
                "type": "object", "required": ["key", "id", "prefix", "tenant", "scopes"],
                "properties": .object(key.merging(["key": .object(["type": "string", "description": "The secret: shown only once"])]) { $1 }),
            ]),
            "KeyList": .object([
                "type": "object",
                "properties": .object([
                    "keys": .object(["type": "array", "items": ref("Key")]), "next_cursor": .object(["type": .array(["string", "null"])]),
                ]),
            ]),
            "AuditList": .object([
                "type": "object",
                "properties": .object([
                    "entries": .object([
                        "type": "array",
                        "items": .object([
                            "type": "object",
                            "properties": .object([
                                "id": text, "at": timestamp, "actor": text, "action": text, "target": text, "tenant": text,
                            ]),
                        ]),
                    ]),
                    "next_cursor": .object(["type": .array(["string", "null"])]),
                ]),
            ]),
            "ResumeCreate": object(
                resumeProperties, required: ["name", "contact", "summary", "total_experience_months", "technical_skills"]),
            "Resume": .object(["type": "object", "properties": .object(stored)]),
            "ResumeCreated": object(["message": string(), "resume_id": string(), "unique_key": string()]),
            "ResumeList": .object([
                "type": "object",
                "properties": .object([
                    "resumes": .object(["type": "array", "items": ref("Resume")]),
                    "next_cursor": .object(["type": .array(["string", "null"])]),
                ]),
            ]),
            "UserResumes": .object([
                "type": "object",
                "properties": .object([
                    "user": .object(["type": "string"]), "count": .object(["type": "integer"]),
                    "resumes": .object(["type": "array", "items": ref("Resume")]),
                ]),
            ]),
            "ServiceHealth": .object([
                "type": "object",
                "properties": .object(["service": .object(["type": "string"]), "status": .object(["type": "string"]), "timestamp": timestamp]),
            ]),
            "Status": .object(["type": "object", "properties": .object(["status": .object(["type": "string"]), "timestamp": timestamp])]),
            "Readiness": .object([
                "type": "object",
                "properties": .object([
                    "status": .object(["type": "string"]), "checks": .object(["type": "object"]), "timestamp": timestamp,
                ]),
            ]),
            "Error": .object([
                "type": "object",
                "required": .array(["detail", "error_code", "timestamp", "request_id"]),
                "properties": .object([
                    "detail": .object(["type": "string"]),
                    "error_code": .object(["type": "string", "enum": .array(ErrorCode.allCases.map { .string($0.rawValue) })]),
                    "timestamp": timestamp,
                    "request_id": .object(["type": "string"]),
                    "details": .object([
                        "type": "object",
                        "properties": .object([
                            "validation_errors": .object([
                                "type": "array",
                                "items": .object([
                                    "type": "object",
                                    "properties": .object(["field": .object(["type": "string"]), "message": .object(["type": "string"])]),
                                ]),
                            ])
                        ]),
                    ]),
                ]),
            ]),
        ]
    }
}
