import CoachCore
import CoachWire
import GRPCCore
import Testing

@Suite struct RPCErrorMappingTests {
    @Test func survivesTheTripThroughAGRPCStatus() throws {
        let original = CoachError.validation([FieldViolation(field: "summary", message: "field required")])
        let status = RPCError(code: original.rpcErrorCode, message: original.rpcErrorMessage, metadata: original.rpcErrorMetadata)
        let rebuilt = CoachError(rpcError: status)
        #expect(status.code == .invalidArgument)
        #expect(rebuilt.code == .validationError)
        #expect(rebuilt.violations == original.violations)
    }

    @Test func keepsDetailsAcrossGRPC() {
        let original = CoachError.resumeNotFound("kim_1")
        let status = RPCError(code: original.rpcErrorCode, message: original.rpcErrorMessage, metadata: original.rpcErrorMetadata)
        let rebuilt = CoachError(rpcError: status)
        #expect(status.code == .notFound)
        #expect(rebuilt.code == .resumeNotFound)
        #expect(rebuilt.details["unique_key"] == .string("kim_1"))
    }

    @Test(arguments: [
        (RPCError.Code.unavailable, ErrorCode.serviceUnavailable), (.deadlineExceeded, .upstreamTimeout), (.notFound, .notFound),
        (.alreadyExists, .conflict), (.resourceExhausted, .rateLimited), (.unauthenticated, .unauthorized),
        (.permissionDenied, .forbidden), (.internalError, .internalServerError), (.invalidArgument, .badRequest),
        (.unimplemented, .notFound), (.dataLoss, .internalServerError),
    ])
    func mapsForeignStatusesWithTheStandardTable(code: RPCError.Code, expected: ErrorCode) {
        let error = CoachError(rpcError: RPCError(code: code, message: "upstream said something private"))
        #expect(error.code == expected)
        #expect(!error.message.contains("private"))
    }
}
