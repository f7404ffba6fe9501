import CoachCore
import CoachLLM

/// The JSON Schemas of generated output, in the strict form OpenAI's structured outputs need
/// (every property required, no additional properties) and converted for Gemini.
enum OutputSchemas {
    static func name(for input: GenerationInput) -> String {
        switch input {
        case .questions: "question_set"
        case .learningPath: "learning_plan"
        }
    }

    static func schema(for input: GenerationInput) -> JSONValue {
        switch input {
        case .questions: questionSet
        case .learningPath: learningPlan
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
