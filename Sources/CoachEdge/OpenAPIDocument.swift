import CoachCore

/// `/openapi.json`: OpenAPI 3.1 generated from the route table, with the schemas below.
enum OpenAPIDocument {
    static func render(routes: [EdgeRoute]) -> JSONValue {
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
                    "schema": .object(["type": .string(parameter.type)]),
                ])
            }
            parameters.append(
                .object([
                    "name": "X-Request-ID", "in": "header", "required": .bool(false),
                    "description": "Echoed in the response and in error bodies",
                    "schema": .object(["type": "string", "maxLength": 128]),
                ]))
            operation["parameters"] = .array(parameters)
            if let schema = route.requestSchema {
                operation["requestBody"] = .object([
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
            "components": .object(["schemas": .object(schemas)]),
        ])
    }

    private static func operationID(_ route: EdgeRoute) -> String {
        let words = route.path.split(separator: "/").map { $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "") }
        return ([route.method.rawValue.lowercased()] + words).joined(separator: "_")
            .replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
    }

    private static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    private static func string(max: Int = ResumeLimits.maxTextLength, min: Int? = nil, format: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "string", "maxLength": .number(Double(max))]
        if let min { schema["minLength"] = .number(Double(min)) }
        if let format { schema["format"] = .string(format) }
        return .object(schema)
    }

    private static func list(_ items: JSONValue) -> JSONValue {
        .object(["type": "array", "items": items, "maxItems": .number(Double(ResumeLimits.maxListItems))])
    }

    private static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var schema: [String: JSONValue] = [
            "type": "object", "properties": .object(properties), "additionalProperties": .bool(false),
        ]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }

    private static let strings = list(string())

    static let resumeProperties: [String: JSONValue] = [
        "name": string(max: 50, min: 1),
        "contact": object([
            "phone": string(), "email": string(max: 254, format: "email"), "github": string(format: "uri"),
            "linkedin": string(format: "uri"), "portfolio": string(format: "uri"),
        ]),
        "summary": string(max: 500, min: 10),
        "total_experience_months": .object(["type": "integer", "minimum": 0, "maximum": 720]),
        "work_experiences": list(
            object(
                [
                    "company": string(min: 1), "position": string(min: 1), "duration": string(min: 1),
                    "project_name": string(), "project_description": string(), "tech_stack": strings,
                    "achievements": strings, "team_size": .object(["type": "integer", "minimum": 1]),
                ], required: ["company", "position", "duration"])),
        "personal_projects": list(
            object(
                [
                    "name": string(min: 1), "description": string(min: 1), "tech_stack": strings, "duration": string(),
                    "github_url": string(format: "uri"), "demo_url": string(format: "uri"),
                    "key_achievements": strings, "architecture_highlights": strings,
                ], required: ["name", "description", "tech_stack"])),
        "technical_skills": object([
            "programming_languages": strings, "frameworks": strings, "databases": strings,
            "message_queue_caching": strings, "cloud_platforms": strings, "devops_tools": strings,
            "monitoring_tools": strings, "others": strings,
        ]),
        "certifications": list(
            object(
                [
                    "name": string(min: 1), "issuer": string(min: 1), "issue_date": string(min: 1),
                    "expiry_date": string(), "credential_url": string(format: "uri"),
                ], required: ["name", "issuer", "issue_date"])),
        "activities": list(
            object(
                [
                    "type": string(min: 1), "name": string(min: 1), "description": string(min: 1), "period": string(),
                    "achievements": strings, "url": string(format: "uri"),
                ], required: ["type", "name", "description"])),
        "education": list(
            object(
                [
                    "institution": string(min: 1), "degree": string(min: 1), "major": string(min: 1),
                    "period": string(min: 1), "status": string(min: 1),
                ], required: ["institution", "degree", "major", "period", "status"])),
    ]

    static var schemas: [String: JSONValue] {
        var stored = resumeProperties
        stored["id"] = .object(["type": "string"])
        stored["unique_key"] = .object(["type": "string"])
        stored["created_at"] = .object(["type": "string", "format": "date-time"])
        stored["updated_at"] = .object(["type": "string", "format": "date-time"])
        let timestamp: JSONValue = .object(["type": "string", "format": "date-time"])
        let text: JSONValue = .object(["type": "string"])
        let texts: JSONValue = .object(["type": "array", "items": text])
        let integer: JSONValue = .object(["type": "integer"])
        let usage = object(["input_tokens": integer, "output_tokens": integer, "cost_usd": .object(["type": "number"])])
        let attempts: JSONValue = .object([
            "type": "array",
            "items": object([
                "provider": text, "model": text, "outcome": text, "latency_ms": integer, "usage": usage, "error_code": text,
            ]),
        ])
        let provenance: [String: JSONValue] = [
            "unique_key": text, "resume_id": text, "provider": text, "model": text, "prompt_version": text,
            "language": .object(["type": "string", "enum": ["ko", "en"]]), "generated_at": timestamp, "created_at": timestamp,
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
                "provider": string(max: 50), "language": .object(["type": "string", "enum": ["ko", "en"]]),
                "question_count": .object(["type": "integer", "minimum": 3, "maximum": 8]),
                "target_role": string(max: 200), "job_description": string(max: QuestionOptions.maxJobDescription),
                "seed": integer,
            ]),
            "LearningOptions": object([
                "provider": string(max: 50), "language": .object(["type": "string", "enum": ["ko", "en"]]),
                "target_role": string(max: 200),
                "focus_areas": .object(["type": "array", "items": string(max: 100), "maxItems": 10]),
                "time_commitment_hours_per_week": .object(["type": "integer", "minimum": 1, "maximum": 40]),
                "seed": integer,
            ]),
            "QuestionSet": .object(["type": "object", "properties": .object(questionSet)]),
            "LearningPath": .object(["type": "object", "properties": .object(learningPath)]),
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
                    "state": .object(["type": "string", "enum": ["PENDING", "PROGRESS", "SUCCESS", "FAILURE"]]),
                    "progress": .object(["type": "integer", "minimum": 0, "maximum": 100]), "stage": text, "message": text,
                    "timestamp": timestamp, "unique_key": text, "created_at": timestamp,
                    "result": .object(["type": "object"]), "error": object(["code": text, "message": text]),
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
