import CoachCore
import CoachGeneration
import CoachWire
import CoachProtos
import GRPCCore

/// `ResumeLookup` over a ResumeService client.
/// Calls carry the tenant and, when keys are on, the mesh's credential (the admin key).
public struct GRPCResumeLookup<Transport: ClientTransport>: ResumeLookup {
    private let client: Interviewcoach_V1_ResumeService.Client<Transport>
    private let credential: MeshCredential?

    public init(client: GRPCClient<Transport>, credential: MeshCredential?) {
        self.client = Interviewcoach_V1_ResumeService.Client(wrapping: client)
        self.credential = credential
    }

    public func resume(tenant: Tenant, uniqueKey: String) async throws -> Resume {
        var request = Interviewcoach_V1_GetResumeRequest()
        request.uniqueKey = uniqueKey
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        // Inside the mesh a resume service that is (re)starting is waited for, within the timeout.
        options.waitForReady = true
        do {
            let metadata = AccessMetadata.onBehalf(of: tenant, credential: credential)
            return Resume(proto: try await client.getResume(request, metadata: metadata, options: options))
        } catch let error as RPCError {
            throw CoachError(rpcError: error)
        }
    }
}

/// The generated data of one kind's service, deleted over gRPC when its resume is deleted
/// (`InterviewService.DeleteQuestionData`, `LearningService.DeleteLearningData`, …).
public struct GRPCResumeDependentData<Wire: GenerationWire, Transport: ClientTransport>: ResumeDependentData {
    private let client: GenerationClient<Wire, Transport>
    private let credential: MeshCredential?

    public init(_ wire: Wire.Type, client: GRPCClient<Transport>, credential: MeshCredential?) {
        self.client = GenerationClient(wrapping: client)
        self.credential = credential
    }

    public func deleteData(tenant: Tenant, uniqueKey: String) async throws {
        try await client.purge(
            uniqueKey: uniqueKey, metadata: AccessMetadata.onBehalf(of: tenant, credential: credential), callOptions: dependentCallOptions)
    }
}

private let dependentCallOptions: CallOptions = {
    var options = CallOptions.defaults
    options.timeout = .seconds(10)
    options.waitForReady = true
    return options
}()
