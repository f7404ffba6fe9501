import CoachCore
import CoachWire
import CoachProtos
import GRPCCore

/// `interviewcoach.v1.ResumeService`: converts messages and delegates to `ResumeOperations`.
/// Thrown `CoachError`s become statuses with `ErrorInfo`/`BadRequest` details.
public struct ResumeGRPCService: Interviewcoach_V1_ResumeService.SimpleServiceProtocol {
    private let operations: ResumeOperations

    public init(operations: ResumeOperations) {
        self.operations = operations
    }

    public func createResume(
        request: Interviewcoach_V1_CreateResumeRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_Resume {
        try await operations.create(ResumeContent(proto: request.content), tenant: RPCCaller.current.tenant).proto
    }

    public func getResume(
        request: Interviewcoach_V1_GetResumeRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_Resume {
        try await operations.get(tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey).proto
    }

    public func listResumes(
        request: Interviewcoach_V1_ListResumesRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListResumesResponse {
        let page = try await operations.list(
            tenant: RPCCaller.current.tenant, name: request.name.isEmpty ? nil : request.name, pageSize: Int(request.pageSize),
            pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListResumesResponse()
        response.resumes = page.items.map(\.proto)
        response.nextPageToken = page.next?.token ?? ""
        return response
    }

    public func updateResume(
        request: Interviewcoach_V1_UpdateResumeRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_Resume {
        try await operations.update(tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey, content: ResumeContent(proto: request.content)).proto
    }

    public func deleteResume(
        request: Interviewcoach_V1_DeleteResumeRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_DeleteResumeResponse {
        try await operations.delete(tenant: RPCCaller.current.tenant, uniqueKey: request.uniqueKey)
        var response = Interviewcoach_V1_DeleteResumeResponse()
        response.uniqueKey = request.uniqueKey
        return response
    }
}
