import Foundation
import GRPCCore
import GRPCProtobuf

/// The error codes of the public REST contract. Each knows its HTTP status and gRPC code, so
/// this file is the one place an error becomes a status.
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    case resumeNotFound = "RESUME_NOT_FOUND"
    case resumeValidationError = "RESUME_VALIDATION_ERROR"
    case interviewNotFound = "INTERVIEW_NOT_FOUND"
    case interviewGenerationFailed = "INTERVIEW_GENERATION_FAILED"
    case learningPathNotFound = "LEARNING_PATH_NOT_FOUND"
    case learningPathGenerationFailed = "LEARNING_PATH_GENERATION_FAILED"
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
    case notFound = "NOT_FOUND"
    case methodNotAllowed = "METHOD_NOT_ALLOWED"
    case internalServerError = "INTERNAL_SERVER_ERROR"

    /// The HTTP status the edge answers with.
    public var httpStatus: Int {
        switch self {
        case .resumeNotFound, .interviewNotFound, .learningPathNotFound, .taskNotFound, .notFound: 404
        case .resumeValidationError, .validationError: 422
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .methodNotAllowed: 405
        case .payloadTooLarge: 413
        case .rateLimited, .llmAPIRateLimit: 429
        case .interviewGenerationFailed, .learningPathGenerationFailed, .llmResponseParsingError: 502
        case .llmProviderNotAvailable, .serviceUnavailable: 503
        case .llmAPITimeout: 504
        case .databaseOperationFailed, .internalServerError: 500
        }
    }

    /// The gRPC status code services answer with.
    public var rpcCode: RPCError.Code {
        switch self {
        case .resumeNotFound, .interviewNotFound, .learningPathNotFound, .taskNotFound, .notFound: .notFound
        case .resumeValidationError, .validationError, .badRequest, .payloadTooLarge: .invalidArgument
        case .unauthorized: .unauthenticated
        case .forbidden: .permissionDenied
        case .methodNotAllowed: .unimplemented
        case .rateLimited, .llmAPIRateLimit: .resourceExhausted
        case .interviewGenerationFailed, .learningPathGenerationFailed, .llmResponseParsingError: .internalError
        case .llmProviderNotAvailable, .serviceUnavailable: .unavailable
        case .llmAPITimeout: .deadlineExceeded
        case .databaseOperationFailed, .internalServerError: .internalError
        }
    }

    /// The code for an error that carries no `ErrorInfo` (a transport failure, another server):
    /// the standard gRPC → HTTP table.
    public init(rpcCode: RPCError.Code) {
        switch rpcCode {
        case .invalidArgument, .outOfRange, .failedPrecondition: self = .badRequest
        case .notFound: self = .notFound
        case .alreadyExists: self = .badRequest
        case .resourceExhausted: self = .rateLimited
        case .unavailable: self = .serviceUnavailable
        case .deadlineExceeded: self = .serviceUnavailable
        case .unauthenticated: self = .unauthorized
        case .permissionDenied: self = .forbidden
        case .unimplemented: self = .notFound
        default: self = .internalServerError
        }
    }
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

/// The one error type of the system. Services throw it (it becomes a gRPC status with a
/// `google.rpc.Status` carrying an `ErrorInfo` and, for bad input, a `BadRequest`); the edge
/// rebuilds it from the gRPC status and renders the REST error body.
public struct CoachError: Error, Sendable, Hashable {
    public var code: ErrorCode
    /// Safe for clients: never upstream error text, stack traces or user content beyond keys.
    public var message: String
    public var details: [String: JSONValue]
    public var violations: [FieldViolation]
    /// Set only when rebuilt from a gRPC status whose code differs from `code.rpcCode`.
    public var rpcCodeOverride: RPCError.Code?

    public init(
        _ code: ErrorCode, _ message: String, details: [String: JSONValue] = [:],
        violations: [FieldViolation] = []
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.violations = violations
        self.rpcCodeOverride = nil
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

    /// HTTP status for the REST error body: the code's, except where only the gRPC status
    /// says more (an upstream deadline is 504, a conflict 409).
    public var httpStatus: Int {
        switch rpcCodeOverride {
        case .deadlineExceeded?: 504
        case .alreadyExists?: 409
        default: code.httpStatus
        }
    }
}

// MARK: - gRPC

/// `ErrorInfo.domain` of every error our services raise.
public let coachErrorDomain = "interviewcoach.v1"

extension CoachError: RPCErrorConvertible {
    var googleStatus: GoogleRPCStatus {
        var metadata: [String: String] = [:]
        if !details.isEmpty, let data = try? JSONEncoder.coach.encode(details) {
            metadata["details"] = String(decoding: data, as: UTF8.self)
        }
        var status = GoogleRPCStatus(
            code: rpcCodeOverride ?? code.rpcCode, message: message,
            details: [.errorInfo(reason: code.rawValue, domain: coachErrorDomain, metadata: metadata)])
        if !violations.isEmpty {
            status.details.append(
                .badRequest(violations: violations.map { .init(field: $0.field, description: $0.message) }))
        }
        return status
    }

    public var rpcErrorCode: RPCError.Code { googleStatus.rpcErrorCode }
    public var rpcErrorMessage: String { message }
    public var rpcErrorMetadata: Metadata { googleStatus.rpcErrorMetadata }

    /// Rebuilds the error a service raised from the status a client received. A status without
    /// our `ErrorInfo` (a transport failure, a foreign server) maps by its gRPC code alone and
    /// keeps no message text from the far side except for well-known transport conditions.
    public init(rpcError: RPCError) {
        let status = try? rpcError.unpackGoogleRPCStatus()
        if let status,
            let info = status.details.lazy.compactMap(\.errorInfo).first,
            info.domain == coachErrorDomain,
            let code = ErrorCode(rawValue: info.reason)
        {
            var details: [String: JSONValue] = [:]
            if let json = info.metadata["details"],
                let decoded = try? JSONDecoder().decode([String: JSONValue].self, from: Data(json.utf8))
            {
                details = decoded
            }
            let violations =
                status.details.compactMap(\.badRequest).flatMap(\.violations).map {
                    FieldViolation(field: $0.field, message: $0.violationDescription)
                }
            self.init(code, status.message, details: details, violations: violations)
            if status.code != code.rpcCode { self.rpcCodeOverride = status.code }
            return
        }
        let code = ErrorCode(rpcCode: rpcError.code)
        switch rpcError.code {
        case .unavailable: self.init(code, "upstream service unavailable")
        case .deadlineExceeded: self.init(.serviceUnavailable, "upstream service timed out")
        case .unimplemented: self.init(code, "operation not available")
        default: self.init(code, code == .internalServerError ? "internal error" : "request failed")
        }
        self.rpcCodeOverride = rpcError.code
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
