import CoachCore
import CoachGeneration
import CoachWire
import CoachProtos
import GRPCCore

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

/// The generated data of one kind's service, deleted over gRPC when its resume is deleted
/// (`InterviewService.DeleteQuestionData`, `LearningService.DeleteLearningData`, …).
public struct GRPCResumeDependentData<Wire: GenerationWire, Transport: ClientTransport>: ResumeDependentData {
    private let client: GenerationClient<Wire, Transport>

    public init(_ wire: Wire.Type, client: GRPCClient<Transport>) {
        self.client = GenerationClient(wrapping: client)
    }

    public func deleteData(uniqueKey: String) async throws {
        try await client.purge(uniqueKey: uniqueKey, callOptions: dependentCallOptions)
    }
}

private let dependentCallOptions: CallOptions = {
    var options = CallOptions.defaults
    options.timeout = .seconds(10)
    options.waitForReady = true
    return options
}()
