import CoachCore
import CoachWire
import GRPCCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CoachEdge

/// Every error code's HTTP status (decided in the edge) and gRPC code (decided in CoachWire), in
/// one table a reader can check against docs/REST-API.md.
@Suite struct ErrorStatusTests {
    static let table: [(ErrorCode, Int, RPCError.Code)] = [
        (.resumeNotFound, 404, .notFound),
        (.resumeValidationError, 422, .invalidArgument),
        (.interviewNotFound, 404, .notFound),
        (.interviewGenerationFailed, 502, .internalError),
        (.answerEvaluationFailed, 502, .internalError),
        (.learningPathNotFound, 404, .notFound),
        (.learningPathGenerationFailed, 502, .internalError),
        (.taskNotFound, 404, .notFound),
        (.llmProviderNotAvailable, 503, .unavailable),
        (.llmAPIRateLimit, 429, .resourceExhausted),
        (.llmAPITimeout, 504, .deadlineExceeded),
        (.llmResponseParsingError, 502, .internalError),
        (.databaseOperationFailed, 500, .internalError),
        (.serviceUnavailable, 503, .unavailable),
        (.validationError, 422, .invalidArgument),
        (.badRequest, 400, .invalidArgument),
        (.unauthorized, 401, .unauthenticated),
        (.forbidden, 403, .permissionDenied),
        (.rateLimited, 429, .resourceExhausted),
        (.payloadTooLarge, 413, .invalidArgument),
        (.unsupportedMediaType, 415, .invalidArgument),
        (.notFound, 404, .notFound),
        (.methodNotAllowed, 405, .unimplemented),
        (.upgradeRequired, 426, .failedPrecondition),
        (.upstreamTimeout, 504, .deadlineExceeded),
        (.conflict, 409, .alreadyExists),
        (.taskNotRetryable, 409, .failedPrecondition),
        (.taskNotCancellable, 409, .failedPrecondition),
        (.taskCancelled, 409, .cancelled),
        (.internalServerError, 500, .internalError),
    ]

    @Test func tableCoversEveryCode() {
        #expect(Set(Self.table.map(\.0)) == Set(ErrorCode.allCases))
        #expect(Self.table.count == ErrorCode.allCases.count)
    }

    @Test(arguments: table)
    func codeHasItsHTTPStatusAndGRPCCodeAndSurvivesGRPC(code: ErrorCode, http: Int, rpc: RPCError.Code) {
        #expect(code.httpStatus.code == http)
        #expect(code.rpcCode == rpc)
        let error = CoachError(code, "message")
        let rebuilt = CoachError(rpcError: RPCError(code: error.rpcErrorCode, message: error.rpcErrorMessage, metadata: error.rpcErrorMetadata))
        #expect(rebuilt.code == code)
    }

    /// A deadline that runs out between the edge and a service (not at an LLM provider).
    struct DeadlineExceeded: ServerInterceptor {
        func intercept<Input: Sendable, Output: Sendable>(
            request: StreamingServerRequest<Input>, context: ServerContext,
            next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
        ) async throws -> StreamingServerResponse<Output> {
            throw RPCError(code: .deadlineExceeded, message: "deadline exceeded upstream")
        }
    }

    @Test func upstreamDeadlineIs504UpstreamTimeout() async throws {
        try await withEdge(interceptors: [DeadlineExceeded()]) { client, _ in
            let response = try await client.execute(uri: "/api/v1/resumes/x_1", method: .get)
            #expect(response.status == .gatewayTimeout)
            #expect(try json(response)["error_code"] as? String == "UPSTREAM_TIMEOUT")
        }
    }
}
