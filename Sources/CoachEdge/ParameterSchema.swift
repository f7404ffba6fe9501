import CoachCore
import Hummingbird

/// JSON Schemas of the path, query and header parameters, from the same rules and limits the
/// handlers check (`TextRules`, `ResumeLimits`, `PageSize`).
enum ParameterSchema {
    static let text: JSONValue = .object(["type": "string"])

    /// A path segment naming something (task id, key id): no control characters (422).
    static let identifier: JSONValue = .object([
        "type": "string", "minLength": 1, "not": noControls,
    ])

    /// `not` this: a string with a control character (typed, so that `null` where a schema
    /// allows it is not caught by the negation).
    static let noControls: JSONValue = .object(["type": "string", "pattern": .string(TextRules.anyControl.source)])

    /// `true` or `false`; anything else is a 422.
    static let boolean: JSONValue = .object(["type": "boolean"])

    /// A resume key: keys longer than `ResumeLimits.maxUniqueKeyLength` never exist.
    static let uniqueKey: JSONValue = .object([
        "type": "string", "minLength": 1, "maxLength": .number(Double(ResumeLimits.maxUniqueKeyLength)),
        "not": noControls,
    ])

    /// A tenant name.
    static let tenant: JSONValue = .object(["type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,62}$"])

    static let personName: JSONValue = .object(["type": "string", "pattern": .string(TextRules.personName.source)])

    static let pageSize: JSONValue = .object([
        "type": "integer", "minimum": 1, "maximum": .number(Double(PageSize.maximum)),
    ])

    static let pageCursor: JSONValue = .object(["type": "string", "pattern": .string(TextRules.pageCursor.source)])

    /// An `Idempotency-Key`: empty is the same as none.
    static let idempotencyKey: JSONValue = .object([
        "type": "string", "maxLength": .number(Double(ResumeLimits.idempotencyKeyLength.upperBound)),
    ])
}

extension Request {
    /// A boolean query parameter: absent is `false`; `true`/`false` in any case; anything else is
    /// a `VALIDATION_ERROR` naming it.
    func booleanQuery(_ name: String) throws(CoachError) -> Bool {
        guard let value = query[name] else { return false }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw CoachError.validation([FieldViolation(field: name, message: "must be true or false")])
        }
    }
}
