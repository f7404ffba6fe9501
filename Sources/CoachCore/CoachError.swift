import Foundation

/// The error codes of the public contract (`error_code` in REST, `ErrorInfo.reason` in gRPC).
/// Each transport decides once what status a code is: `CoachWire` the gRPC code
/// (`ErrorCode.rpcCode`), `CoachEdge` the HTTP status (`ErrorCode.httpStatus`).
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    case resumeNotFound = "RESUME_NOT_FOUND"
    case resumeValidationError = "RESUME_VALIDATION_ERROR"
    case interviewNotFound = "INTERVIEW_NOT_FOUND"
    case interviewGenerationFailed = "INTERVIEW_GENERATION_FAILED"
    case learningPathNotFound = "LEARNING_PATH_NOT_FOUND"
    case learningPathGenerationFailed = "LEARNING_PATH_GENERATION_FAILED"
    case answerEvaluationFailed = "ANSWER_EVALUATION_FAILED"
    case taskNotFound = "TASK_NOT_FOUND"
    case llmProviderNotAvailable = "LLM_PROVIDER_NOT_AVAILABLE"
    case llmAPIRateLimit = "LLM_API_RATE_LIMIT"
    case llmAPITimeout = "LLM_API_TIMEOUT"
    case llmResponseParsingError = "LLM_RESPONSE_PARSING_ERROR"
    case databaseOperationFailed = "DATABASE_OPERATION_FAILED"
    case serviceUnavailable = "SERVICE_UNAVAILABLE"
    case validationError = "VALIDATION_ERROR"
    case badRequest = "BAD_REQUEST"
    case unauthorized = "UNAUTHORIZED"
    case forbidden = "FORBIDDEN"
    case rateLimited = "RATE_LIMITED"
    case payloadTooLarge = "PAYLOAD_TOO_LARGE"
    /// A body that is not `application/json` on a JSON route.
    case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
    case notFound = "NOT_FOUND"
    case methodNotAllowed = "METHOD_NOT_ALLOWED"
    /// A plain HTTP request to a WebSocket endpoint.
    case upgradeRequired = "UPGRADE_REQUIRED"
    /// A call to an upstream service (not an LLM provider) ran out of time.
    case upstreamTimeout = "UPSTREAM_TIMEOUT"
    /// The request conflicts with the current state (a foreign service's ALREADY_EXISTS).
    case conflict = "CONFLICT"
    /// Only a FAILURE or CANCELLED task can be retried.
    case taskNotRetryable = "TASK_NOT_RETRYABLE"
    /// A finished task cannot be cancelled.
    case taskNotCancellable = "TASK_NOT_CANCELLABLE"
    /// The error of a task an operator cancelled (never an HTTP answer of its own).
    case taskCancelled = "TASK_CANCELLED"
    case internalServerError = "INTERNAL_SERVER_ERROR"
}

/// One violated rule of a request body; `field` is a path such as `work_experiences[0].company`.
public struct FieldViolation: Sendable, Hashable, Codable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// The one error type of the system. Services throw it (`CoachWire` turns it into a gRPC status
/// with a `google.rpc.Status` carrying an `ErrorInfo` and, for bad input, a `BadRequest`); the
/// edge rebuilds it from the gRPC status and renders the REST error body.
public struct CoachError: Error, Sendable, Hashable {
    public var code: ErrorCode
    /// Safe for clients: never upstream error text, stack traces or user content beyond keys.
    public var message: String
    public var details: [String: JSONValue]
    public var violations: [FieldViolation]

    public init(
        _ code: ErrorCode, _ message: String, details: [String: JSONValue] = [:],
        violations: [FieldViolation] = []
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.violations = violations
    }

    public static func resumeNotFound(_ uniqueKey: String) -> CoachError {
        CoachError(.resumeNotFound, "resume not found: \(uniqueKey)", details: ["unique_key": .string(uniqueKey)])
    }

    public static func validation(_ violations: [FieldViolation]) -> CoachError {
        let fields = violations.map(\.field)
        let summary = fields.isEmpty ? "" : ": " + fields.prefix(5).joined(separator: ", ")
        return CoachError(.validationError, "request validation failed\(summary)", violations: violations)
    }

    public static func badRequest(_ message: String, field: String? = nil) -> CoachError {
        if let field {
            return CoachError(.validationError, message, violations: [FieldViolation(field: field, message: message)])
        }
        return CoachError(.badRequest, message)
    }

    public static func unavailable(_ message: String) -> CoachError {
        CoachError(.serviceUnavailable, message)
    }

    public static func `internal`(_ message: String = "internal error") -> CoachError {
        CoachError(.internalServerError, message)
    }
}

extension JSONEncoder {
    /// Our JSON output: keys sorted (stable), non-ASCII sent as-is, slashes unescaped.
    public static var coach: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
