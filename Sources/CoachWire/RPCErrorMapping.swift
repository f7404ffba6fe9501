import CoachCore
import Foundation
import GRPCCore
import GRPCProtobuf

/// `ErrorInfo.domain` of every error our services raise.
public let coachErrorDomain = "interviewcoach.v1"

extension ErrorCode {
    /// The gRPC status code services answer with: the one place a code becomes a gRPC status.
    public var rpcCode: RPCError.Code {
        switch self {
        case .resumeNotFound, .interviewNotFound, .learningPathNotFound, .taskNotFound, .notFound: .notFound
        case .resumeValidationError, .validationError, .badRequest, .payloadTooLarge, .unsupportedMediaType: .invalidArgument
        case .unauthorized: .unauthenticated
        case .forbidden: .permissionDenied
        case .methodNotAllowed: .unimplemented
        case .upgradeRequired: .failedPrecondition
        case .rateLimited, .llmAPIRateLimit: .resourceExhausted
        case .interviewGenerationFailed, .learningPathGenerationFailed, .answerEvaluationFailed, .llmResponseParsingError: .internalError
        case .llmProviderNotAvailable, .serviceUnavailable: .unavailable
        case .llmAPITimeout, .upstreamTimeout: .deadlineExceeded
        case .conflict: .alreadyExists
        case .taskNotRetryable, .taskNotCancellable: .failedPrecondition
        case .taskCancelled: .cancelled
        case .databaseOperationFailed, .internalServerError: .internalError
        }
    }

    /// The code of a status that carries no `ErrorInfo` of ours (a transport failure, a foreign
    /// server), by the standard gRPC table.
    init(foreign rpcCode: RPCError.Code) {
        switch rpcCode {
        case .invalidArgument, .outOfRange, .failedPrecondition: self = .badRequest
        case .notFound, .unimplemented: self = .notFound
        case .alreadyExists: self = .conflict
        case .resourceExhausted: self = .rateLimited
        case .unavailable: self = .serviceUnavailable
        case .deadlineExceeded: self = .upstreamTimeout
        case .unauthenticated: self = .unauthorized
        case .permissionDenied: self = .forbidden
        default: self = .internalServerError
        }
    }
}

// CoachCore stays free of gRPC: the conformance lives with the rest of the wire mapping (same
// package, so not retroactive).
extension CoachError: RPCErrorConvertible {
    var googleStatus: GoogleRPCStatus {
        var metadata: [String: String] = [:]
        if !details.isEmpty, let data = try? JSONEncoder.coach.encode(details) {
            metadata["details"] = String(decoding: data, as: UTF8.self)
        }
        var status = GoogleRPCStatus(
            code: code.rpcCode, message: message,
            details: [.errorInfo(reason: code.rawValue, domain: coachErrorDomain, metadata: metadata)])
        // A limit says when to retry, as gRPC clients read it.
        if case .number(let seconds)? = details["retry_after_seconds"], seconds.isFinite, seconds >= 0 {
            status.details.append(.retryInfo(delay: .seconds(min(seconds, 86_400))))
        }
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
            return
        }
        let code = ErrorCode(foreign: rpcError.code)
        switch code {
        case .serviceUnavailable: self.init(code, "upstream service unavailable")
        case .upstreamTimeout: self.init(code, "upstream service timed out")
        case .notFound where rpcError.code == .unimplemented: self.init(code, "operation not available")
        case .internalServerError: self.init(code, "internal error")
        default: self.init(code, "request failed")
        }
    }
}
