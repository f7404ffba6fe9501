import Foundation

/// Thrown while decoding a request body that has fields the contract does not define.
public struct UnknownFieldsError: Error, Sendable {
    /// Full paths, e.g. `work_experiences[0].colour`.
    public var fields: [String]
}

/// A coding key for any string or index, to see every key an object really has.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension CodingUserInfoKey {
    /// Set to `true` when decoding documents this system wrote itself (the stores): the
    /// unknown-field check, which is for client input, is skipped. It was a fifth of the
    /// ResumeService's CPU on reads (bench/README.md).
    public static let trustedDocument = CodingUserInfoKey(rawValue: "interviewcoach.trustedDocument")!
}

extension JSONDecoder {
    /// A decoder for documents this system stored: no unknown-field check.
    public static func trustedDocuments() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[.trustedDocument] = true
        return decoder
    }
}

extension Decoder {
    /// Throws `UnknownFieldsError` naming every key of this object that `Keys` does not list
    /// (unless the decoder reads a trusted, stored document).
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        if userInfo[.trustedDocument] as? Bool == true { return }
        let known = Set(Keys.allCases.map(\.stringValue))
        let present = try container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        let unknown = present.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            let prefix = codingPath.fieldPath
            throw UnknownFieldsError(fields: unknown.map { prefix.isEmpty ? $0 : "\(prefix).\($0)" })
        }
    }
}

extension KeyedDecodingContainer {
    func text(_ key: Key) throws -> String { try decodeIfPresent(String.self, forKey: key) ?? "" }
    func list<T: Decodable>(_ key: Key) throws -> [T] { try decodeIfPresent([T].self, forKey: key) ?? [] }
}

extension Array where Element == any CodingKey {
    /// `work_experiences[0].company` style path of a coding path.
    public var fieldPath: String {
        var path = ""
        for key in self {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path
    }
}

/// Decodes a JSON request body strictly: unknown fields, wrong types and malformed JSON become
/// field violations (`VALIDATION_ERROR`, 422) instead of opaque failures.
public func decodeRequestBody<T: Decodable>(_ type: T.Type, from data: Data) throws(CoachError) -> T {
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as UnknownFieldsError {
        throw CoachError.validation(error.fields.map { FieldViolation(field: $0, message: "unknown field") })
    } catch let error as DecodingError {
        throw CoachError.validation([violation(for: error)])
    } catch {
        throw CoachError.validation([FieldViolation(field: "body", message: "invalid JSON")])
    }
}

private func violation(for error: DecodingError) -> FieldViolation {
    switch error {
    case .typeMismatch(let type, let context):
        let field = context.codingPath.fieldPath
        return FieldViolation(field: field.isEmpty ? "body" : field, message: "must be \(jsonTypeName(type))")
    case .valueNotFound(let type, let context):
        let field = context.codingPath.fieldPath
        return FieldViolation(field: field.isEmpty ? "body" : field, message: "must be \(jsonTypeName(type)), not null")
    case .keyNotFound(let key, let context):
        return FieldViolation(field: (context.codingPath + [key]).fieldPath, message: "field required")
    case .dataCorrupted(let context):
        let field = context.codingPath.fieldPath
        return FieldViolation(
            field: field.isEmpty ? "body" : field,
            message: field.isEmpty ? "invalid JSON" : "invalid value")
    @unknown default:
        return FieldViolation(field: "body", message: "invalid JSON")
    }
}

private func jsonTypeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type, is Int32.Type, is Int64.Type: "an integer"
    case is Double.Type: "a number"
    case is Bool.Type: "a boolean"
    case is [Any].Type: "an array"
    default: "an object"
    }
}
