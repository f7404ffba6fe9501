import CoachCore
import CoachGeneration
import CoachWire
import CoachProtos
import GRPCCore

/// `interviewcoach.v1.InterviewService` over `GenerationOperations<InterviewKind>`.
public struct InterviewGRPCService: Interviewcoach_V1_InterviewService.SimpleServiceProtocol {
    private let operations: GenerationOperations<InterviewKind>

    public init(operations: GenerationOperations<InterviewKind>) {
        self.operations = operations
    }

    public func generateQuestions(
        request: Interviewcoach_V1_GenerateQuestionsRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_QuestionSet {
        let options = try QuestionOptions(proto: request.options).validated()
        return try await operations.generate(uniqueKey: request.uniqueKey, options: options).proto
    }

    public func getLatestQuestions(
        request: Interviewcoach_V1_GetLatestQuestionsRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_QuestionSet {
        try await operations.latest(uniqueKey: request.uniqueKey).proto
    }

    public func listQuestionSets(
        request: Interviewcoach_V1_ListQuestionSetsRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListQuestionSetsResponse {
        let page = try await operations.history(
            uniqueKey: request.uniqueKey, pageSize: Int(request.pageSize), pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListQuestionSetsResponse()
        response.sets = page.items.map(\.proto)
        response.nextPageToken = page.next?.token ?? ""
        return response
    }

    public func startQuestionGeneration(
        request: Interviewcoach_V1_StartQuestionGenerationRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_Task {
        let options = try QuestionOptions(proto: request.options).validated()
        let task = try await operations.start(
            uniqueKey: request.uniqueKey, options: options,
            idempotencyKey: request.idempotencyKey.isEmpty ? nil : request.idempotencyKey)
        return TaskView(task, result: nil).proto
    }

    public func deleteQuestionData(
        request: Interviewcoach_V1_DeleteResumeDataRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_DeleteResumeDataResponse {
        let deleted = try await operations.purge(uniqueKey: request.uniqueKey)
        var response = Interviewcoach_V1_DeleteResumeDataResponse()
        response.deletedResults = Int32(clamping: deleted.results)
        response.deletedTasks = Int32(clamping: deleted.tasks)
        return response
    }
}

/// `interviewcoach.v1.LearningService` over `GenerationOperations<LearningKind>`.
public struct LearningGRPCService: Interviewcoach_V1_LearningService.SimpleServiceProtocol {
    private let operations: GenerationOperations<LearningKind>

    public init(operations: GenerationOperations<LearningKind>) {
        self.operations = operations
    }

    public func generateLearningPath(
        request: Interviewcoach_V1_GenerateLearningPathRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_LearningPath {
        let options = try LearningOptions(proto: request.options).validated()
        return try await operations.generate(uniqueKey: request.uniqueKey, options: options).proto
    }

    public func getLatestLearningPath(
        request: Interviewcoach_V1_GetLatestLearningPathRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_LearningPath {
        try await operations.latest(uniqueKey: request.uniqueKey).proto
    }

    public func listLearningPaths(
        request: Interviewcoach_V1_ListLearningPathsRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListLearningPathsResponse {
        let page = try await operations.history(
            uniqueKey: request.uniqueKey, pageSize: Int(request.pageSize), pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListLearningPathsResponse()
        response.paths = page.items.map(\.proto)
        response.nextPageToken = page.next?.token ?? ""
        return response
    }

    public func startLearningPathGeneration(
        request: Interviewcoach_V1_StartLearningPathGenerationRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_Task {
        let options = try LearningOptions(proto: request.options).validated()
        let task = try await operations.start(
            uniqueKey: request.uniqueKey, options: options,
            idempotencyKey: request.idempotencyKey.isEmpty ? nil : request.idempotencyKey)
        return TaskView(task, result: nil).proto
    }

    public func deleteLearningData(
        request: Interviewcoach_V1_DeleteResumeDataRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_DeleteResumeDataResponse {
        let deleted = try await operations.purge(uniqueKey: request.uniqueKey)
        var response = Interviewcoach_V1_DeleteResumeDataResponse()
        response.deletedResults = Int32(clamping: deleted.results)
        response.deletedTasks = Int32(clamping: deleted.tasks)
        return response
    }
}

/// `interviewcoach.v1.TaskService` for the kinds this process owns (a task of another kind is
/// NOT_FOUND, so ids never leak across services).
public struct TaskGRPCService: Interviewcoach_V1_TaskService.SimpleServiceProtocol {
    private let interview: GenerationOperations<InterviewKind>?
    private let learning: GenerationOperations<LearningKind>?

    public init(interview: GenerationOperations<InterviewKind>?, learning: GenerationOperations<LearningKind>?) {
        self.interview = interview
        self.learning = learning
    }

    public func getTask(request: Interviewcoach_V1_GetTaskRequest, context: ServerContext) async throws -> Interviewcoach_V1_Task {
        for kind in kinds(request.kind) {
            do {
                switch kind {
                case .interview: if let interview { return try await interview.task(id: request.taskID).proto }
                case .learning: if let learning { return try await learning.task(id: request.taskID).proto }
                }
            } catch let error as CoachError where error.code == .taskNotFound {
                continue
            }
        }
        throw Self.notFound(request.taskID)
    }

    public func listTasks(
        request: Interviewcoach_V1_ListTasksRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListTasksResponse {
        guard let kind = TaskKind(proto: request.kind) else {
            throw CoachError.badRequest("kind is required", field: "kind")
        }
        let state = TaskState(proto: request.state)
        let page: Page<TaskView>
        switch kind {
        case .interview:
            guard let interview else { throw CoachError(.notFound, "this server has no interview tasks") }
            page = try await interview.listTasks(state: state, pageSize: Int(request.pageSize), pageToken: request.pageToken)
        case .learning:
            guard let learning else { throw CoachError(.notFound, "this server has no learning tasks") }
            page = try await learning.listTasks(state: state, pageSize: Int(request.pageSize), pageToken: request.pageToken)
        }
        var response = Interviewcoach_V1_ListTasksResponse()
        response.tasks = page.items.map(\.proto)
        response.nextPageToken = page.next?.token ?? ""
        return response
    }

    /// Opens the watch before accepting the call, so an unknown task is rejected with NOT_FOUND
    /// before any message (clients see a rejected call, not a stream that fails later).
    public func watchTask(
        request: ServerRequest<Interviewcoach_V1_WatchTaskRequest>, context: ServerContext
    ) async throws -> StreamingServerResponse<Interviewcoach_V1_TaskEvent> {
        let events = try await openWatch(request.message)
        return StreamingServerResponse { writer in
            try await Self.relay(events, to: writer)
            return [:]
        }
    }

    public func watchTask(
        request: Interviewcoach_V1_WatchTaskRequest, response: RPCWriter<Interviewcoach_V1_TaskEvent>,
        context: ServerContext
    ) async throws {
        try await Self.relay(try await openWatch(request), to: response)
    }

    /// Writes events until the last one or until the client cancels the RPC. gRPC reports a
    /// client's cancellation through the RPC cancellation handle, not by cancelling this task,
    /// so the events are pumped through a relay that the handle can end.
    private static func relay(
        _ events: AsyncThrowingStream<TaskEvent, any Error>, to writer: RPCWriter<Interviewcoach_V1_TaskEvent>
    ) async throws {
        let (relay, continuation) = AsyncThrowingStream<TaskEvent, any Error>.makeStream()
        let pump = Task {
            do {
                for try await event in events { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        defer { pump.cancel() }
        try await withRPCCancellationHandler {
            for try await event in relay {
                try await writer.write(event.proto)
            }
        } onCancelRPC: {
            continuation.finish()
            pump.cancel()
        }
    }

    private func openWatch(_ request: Interviewcoach_V1_WatchTaskRequest) async throws -> AsyncThrowingStream<TaskEvent, any Error> {
        let after = max(0, request.afterSequence)
        var events: AsyncThrowingStream<TaskEvent, any Error>?
        for kind in kinds(request.kind) where events == nil {
            do {
                switch kind {
                case .interview: events = try await interview?.watch(taskID: request.taskID, afterSequence: after)
                case .learning: events = try await learning?.watch(taskID: request.taskID, afterSequence: after)
                }
            } catch let error as CoachError where error.code == .taskNotFound {
                continue
            }
        }
        guard let events else { throw Self.notFound(request.taskID) }
        return events
    }

    private func kinds(_ proto: Interviewcoach_V1_TaskKind) -> [TaskKind] {
        TaskKind(proto: proto).map { [$0] } ?? TaskKind.allCases
    }

    private static func notFound(_ id: String) -> CoachError {
        let shown = String(id.prefix(64))
        return CoachError(.taskNotFound, "task not found: \(shown)", details: ["task_id": .string(shown)])
    }
}
