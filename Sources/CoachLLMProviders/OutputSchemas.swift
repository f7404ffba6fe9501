import CoachCore
import CoachLLM

/// The JSON Schemas of generated output, in the strict form OpenAI's structured outputs need
/// (every property required, no additional properties) and converted for Gemini.
enum OutputSchemas {
    static func name(for input: GenerationInput) -> String {
        switch input {
        case .questions: "question_set"
        case .learningPath: "learning_plan"
        case .evaluation: "answer_evaluation"
        }
    }

    static func schema(for input: GenerationInput) -> JSONValue {
        switch input {
        case .questions: questionSet
        case .learningPath: learningPlan
        case .evaluation: answerEvaluation
        }
    }

    private static let string: JSONValue = ["type": "string"]
    private static let strings: JSONValue = ["type": "array", "items": string]

    private static func object(_ properties: [String: JSONValue]) -> JSONValue {
        .object([
            "type": "object", "properties": .object(properties),
            "required": .array(properties.keys.sorted().map { .string($0) }), "additionalProperties": .bool(false),
        ])
    }

    static let questionSet: JSONValue = object([
        "questions": [
            "type": "array",
            "items": object([
                "type": ["type": "string", "enum": .array(QuestionType.allCases.map { .string($0.rawValue) })],
                "difficulty": ["type": "string", "enum": ["easy", "medium", "hard"]],
                "topic": string,
                "question": string,
                "what_good_answers_cover": strings,
            ]),
        ]
    ])

    static let learningPlan: JSONValue = object([
        "analysis": object(["strengths": strings, "weaknesses": strings]),
        "summary": string,
        "learning_paths": [
            "type": "array",
            "items": object([
                "type": ["type": "string", "enum": ["strength", "weakness"]],
                "title": string, "description": string, "reason": string, "resources": strings, "link": string,
                "estimated_hours": ["type": "integer"],
            ]),
        ],
    ])

    /// docs/RUBRIC.md, "Evaluation by a provider": the criteria and key points as a list, no total.
    static let answerEvaluation: JSONValue = object([
        "answer_kind": ["type": "string", "enum": .array(AnswerKind.allCases.map { .string($0.rawValue) })],
        "criteria": [
            "type": "array",
            "items": object([
                "criterion": ["type": "string", "enum": .array(Rubric.Criterion.allCases.map { .string($0.rawValue) })],
                "score": ["type": "integer"],
                "comment": string,
            ]),
        ],
        "key_points": ["type": "array", "items": object(["point": string, "covered": ["type": "boolean"], "evidence": string])],
        "feedback": strings,
        "strong_answer_outline": strings,
        "resume_evidence": strings,
        "follow_up": string,
    ])

    /// Gemini's OpenAPI-subset schema: upper-case types, no `additionalProperties`.
    static func gemini(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(let object):
            var converted: [String: JSONValue] = [:]
            for (key, value) in object where key != "additionalProperties" {
                if key == "type", let type = value.stringValue {
                    converted[key] = .string(type.uppercased())
                } else {
                    converted[key] = gemini(value)
                }
            }
            return .object(converted)
        case .array(let array):
            return .array(array.map(gemini))
        default:
            return schema
        }
    }
}
