import CoachCore
import GRPCCore
import Testing

@Suite struct CoachErrorTests {
    @Test func survivesTheTripThroughAGRPCStatus() throws {
        let original = CoachError.validation([FieldViolation(field: "summary", message: "field required")])
        let status = RPCError(code: original.rpcErrorCode, message: original.rpcErrorMessage, metadata: original.rpcErrorMetadata)
        let rebuilt = CoachError(rpcError: status)
        #expect(status.code == .invalidArgument)
        #expect(rebuilt.code == .validationError)
        #expect(rebuilt.violations == original.violations)
        #expect(rebuilt.httpStatus == 422)
    }

    @Test func keepsDetailsAcrossGRPC() {
        let original = CoachError.resumeNotFound("kim_1")
        let status = RPCError(code: original.rpcErrorCode, message: original.rpcErrorMessage, metadata: original.rpcErrorMetadata)
        let rebuilt = CoachError(rpcError: status)
        #expect(status.code == .notFound)
        #expect(rebuilt.code == .resumeNotFound)
        #expect(rebuilt.details["unique_key"] == .string("kim_1"))
        #expect(rebuilt.httpStatus == 404)
    }

    @Test(arguments: [
        (RPCError.Code.unavailable, 503), (.deadlineExceeded, 504), (.notFound, 404), (.alreadyExists, 409),
        (.resourceExhausted, 429), (.unauthenticated, 401), (.permissionDenied, 403), (.internalError, 500),
        (.invalidArgument, 400),
    ])
    func mapsForeignStatusesWithTheStandardTable(code: RPCError.Code, http: Int) {
        let error = CoachError(rpcError: RPCError(code: code, message: "upstream said something private"))
        #expect(error.httpStatus == http)
        #expect(!error.message.contains("private"))
    }
}
