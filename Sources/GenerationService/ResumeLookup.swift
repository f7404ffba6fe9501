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

/// The generated data of one service, deleted over gRPC when its resume is deleted
/// (`InterviewService.DeleteQuestionData`, `LearningService.DeleteLearningData`).
public struct GRPCResumeDependentData: ResumeDependentData {
    public let name: String
    private let delete: @Sendable (String) async throws -> Void

    /// The question sets and interview tasks kept by InterviewService at `client`.
    public static func interview<Transport: ClientTransport>(client: GRPCClient<Transport>) -> Self {
        let service = Interviewcoach_V1_InterviewService.Client(wrapping: client)
        return Self(name: "interview") { key in
            var request = Interviewcoach_V1_DeleteResumeDataRequest()
            request.uniqueKey = key
            _ = try await service.deleteQuestionData(request, options: dependentCallOptions)
        }
    }

    /// The learning paths and learning tasks kept by LearningService at `client`.
    public static func learning<Transport: ClientTransport>(client: GRPCClient<Transport>) -> Self {
        let service = Interviewcoach_V1_LearningService.Client(wrapping: client)
        return Self(name: "learning") { key in
            var request = Interviewcoach_V1_DeleteResumeDataRequest()
            request.uniqueKey = key
            _ = try await service.deleteLearningData(request, options: dependentCallOptions)
        }
    }

    private init(name: String, delete: @escaping @Sendable (String) async throws -> Void) {
        self.name = name
        self.delete = delete
    }

    public func deleteData(uniqueKey: String) async throws {
        do {
            try await delete(uniqueKey)
        } catch let error as RPCError {
            throw CoachError(rpcError: error)
        }
    }
}

private let dependentCallOptions: CallOptions = {
    var options = CallOptions.defaults
    options.timeout = .seconds(10)
    options.waitForReady = true
    return options
}()
