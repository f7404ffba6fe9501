import CoachCore
import CoachProtos
import GRPCCore

/// How generation finds a resume: through ResumeService over gRPC, never its storage.
public protocol ResumeLookup: Sendable {
    /// Throws `RESUME_NOT_FOUND` for an unknown key.
    func resume(uniqueKey: String) async throws -> Resume
}

/// `ResumeLookup` over a ResumeService client.
public struct GRPCResumeLookup<Transport: ClientTransport>: ResumeLookup {
    private let client: Interviewcoach_V1_ResumeService.Client<Transport>

    public init(client: GRPCClient<Transport>) {
        self.client = Interviewcoach_V1_ResumeService.Client(wrapping: client)
    }

    public func resume(uniqueKey: String) async throws -> Resume {
        var request = Interviewcoach_V1_GetResumeRequest()
        request.uniqueKey = uniqueKey
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        // Inside the mesh a resume service that is (re)starting is waited for, within the timeout.
        options.waitForReady = true
        do {
            return Resume(proto: try await client.getResume(request, options: options))
        } catch let error as RPCError {
            throw CoachError(rpcError: error)
        }
    }
}
