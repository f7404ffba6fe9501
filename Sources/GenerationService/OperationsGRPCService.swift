import CoachCore
import CoachGeneration
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import SwiftProtobuf

/// `interviewcoach.v1.OperationsService` over `TaskAdministration`: thin, every rule is in the
/// use cases. The caller (an admin: `MethodAccess`) is the actor the audit log records.
public struct OperationsGRPCService: Interviewcoach_V1_OperationsService.SimpleServiceProtocol {
    private let administration: TaskAdministration

    public init(administration: TaskAdministration) {
        self.administration = administration
    }

    /// The longest overview window: a week.
    static let longestWindow = 7 * 86_400

    public func getOverview(request: Interviewcoach_V1_GetOverviewRequest, context: ServerContext) async throws -> Interviewcoach_V1_Overview {
        let seconds = request.windowSeconds == 0 ? 3600 : Int(request.windowSeconds)
        guard (60...Self.longestWindow).contains(seconds) else {
            throw CoachError.badRequest("window_seconds must be between 60 and \(Self.longestWindow)", field: "window_seconds")
        }
        let overview = try await administration.overview(window: .seconds(seconds))
        var p = Interviewcoach_V1_Overview()
        p.generatedAt = Google_Protobuf_Timestamp(date: overview.generatedAt)
        p.windowSeconds = Int32(seconds)
        p.tasksByState = Dictionary(uniqueKeysWithValues: TaskState.allCases.map { ($0.rawValue, Int64(overview.tasksByState[$0] ?? 0)) })
        p.throughputPerMinute = overview.throughputPerMinute
        p.failures = overview.failures.map { failure in
            var f = Interviewcoach_V1_ErrorCount()
            f.errorCode = failure.code
            f.count = Int64(failure.count)
            return f
        }
        p.stages = overview.stages.map { timing in
            var s = Interviewcoach_V1_StageTiming()
            s.stage = timing.stage.rawValue
            s.count = Int64(timing.count)
            s.p50Ms = Int64(timing.p50Ms)
            s.p95Ms = Int64(timing.p95Ms)
            return s
        }
        p.queues = overview.queues.map(Self.queue)
        p.providers = overview.providers.map { provider in
            var q = Interviewcoach_V1_ProviderOverview()
            q.name = provider.name
            q.model = provider.model
            q.calls = Int64(provider.calls)
            q.errors = Int64(provider.errors)
            q.p50Ms = Int64(provider.p50Ms)
            q.p95Ms = Int64(provider.p95Ms)
            q.inputTokens = Int64(provider.inputTokens)
            q.outputTokens = Int64(provider.outputTokens)
            q.costUsd = provider.costUSD
            q.breaker = provider.breaker
            return q
        }
        p.workers = overview.workers.map { worker in
            var w = Interviewcoach_V1_WorkerStatus()
            w.name = worker.name
            w.jobsInHand = Int64(worker.jobsInHand)
            w.jobsDone = Int64(worker.jobsDone)
            if let seen = worker.lastSeen { w.lastSeen = Google_Protobuf_Timestamp(date: seen) }
            return w
        }
        p.sampledTasks = Int32(clamping: overview.sampledTasks)
        return p
    }

    public func listTasks(
        request: Interviewcoach_V1_ListOperationTasksRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListOperationTasksResponse {
        var query = TaskQuery()
        query.kinds = Set(try request.kinds.map { kind throws(CoachError) in
            guard let kind = TaskKind(proto: kind) else { throw CoachError.badRequest("unknown kind", field: "kinds") }
            return kind
        })
        query.states = Set(try request.states.map { state throws(CoachError) in
            guard let state = TaskState(proto: state) else { throw CoachError.badRequest("unknown state", field: "states") }
            return state
        })
        if !request.tenant.isEmpty {
            guard let tenant = Tenant(rawValue: request.tenant) else { throw CoachError.badRequest("not a tenant name", field: "tenant") }
            query.tenant = tenant
        }
        query.uniqueKey = request.uniqueKey.isEmpty ? nil : request.uniqueKey
        query.provider = request.provider.isEmpty ? nil : request.provider
        query.errorCode = request.errorCode.isEmpty ? nil : request.errorCode
        if request.hasCreatedAfter { query.createdFrom = request.createdAfter.date }
        if request.hasCreatedBefore { query.createdBefore = request.createdBefore.date }
        for (field, value) in [("unique_key", request.uniqueKey), ("provider", request.provider), ("error_code", request.errorCode)]
        where value.count > 200 {
            throw CoachError.badRequest("\(field) is too long", field: field)
        }
        let page = try await administration.list(query, pageSize: Int(request.pageSize), pageToken: request.pageToken)
        var response = Interviewcoach_V1_ListOperationTasksResponse()
        for task in page.items {
            response.tasks.append(Interviewcoach_V1_TaskDetail(task, cancelRequested: false, full: false))
        }
        response.nextPageToken = page.next?.token ?? ""
        return response
    }

    public func getTaskDetail(request: Interviewcoach_V1_TaskDetailRequest, context: ServerContext) async throws -> Interviewcoach_V1_TaskDetail {
        try await detail(administration.task(id: request.taskID, kind: try Self.kind(request.kind)))
    }

    public func retryTask(request: Interviewcoach_V1_RetryTaskRequest, context: ServerContext) async throws -> Interviewcoach_V1_TaskDetail {
        let provider = request.provider.isEmpty ? nil : request.provider
        return try await detail(
            administration.retry(id: request.taskID, kind: try Self.kind(request.kind), provider: provider, by: RPCCaller.current))
    }

    public func cancelTask(request: Interviewcoach_V1_TaskDetailRequest, context: ServerContext) async throws -> Interviewcoach_V1_TaskDetail {
        try await detail(administration.cancel(id: request.taskID, kind: try Self.kind(request.kind), by: RPCCaller.current))
    }

    public func listDeadLetters(
        request: Interviewcoach_V1_ListDeadLettersRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListDeadLettersResponse {
        let entries = try await administration.deadLetters(
            kind: try Self.kind(request.kind), limit: request.pageSize == 0 ? 100 : Int(request.pageSize))
        var response = Interviewcoach_V1_ListDeadLettersResponse()
        response.deadLetters = entries.map { entry in
            var p = Interviewcoach_V1_DeadLetter()
            p.id = entry.id
            p.kind = entry.kind.proto
            p.taskID = entry.taskID
            p.reason = entry.reason
            p.deliveries = Int32(clamping: entry.deliveries)
            p.deadLetteredAt = Google_Protobuf_Timestamp(date: entry.at)
            return p
        }
        return response
    }

    public func retryDeadLetter(request: Interviewcoach_V1_DeadLetterRequest, context: ServerContext) async throws -> Interviewcoach_V1_TaskDetail {
        try await detail(administration.retryDeadLetter(id: request.id, kind: try Self.kind(request.kind), by: RPCCaller.current))
    }

    public func dropDeadLetter(
        request: Interviewcoach_V1_DeadLetterRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_DropDeadLetterResponse {
        try await administration.dropDeadLetter(id: request.id, kind: try Self.kind(request.kind), by: RPCCaller.current)
        return Interviewcoach_V1_DropDeadLetterResponse()
    }

    public func setQueuePaused(request: Interviewcoach_V1_SetQueuePausedRequest, context: ServerContext) async throws -> Interviewcoach_V1_QueueStatus {
        Self.queue(try await administration.setPaused(request.paused, kind: try Self.kind(request.kind), by: RPCCaller.current))
    }

    private func detail(_ task: TaskRecord) async -> Interviewcoach_V1_TaskDetail {
        Interviewcoach_V1_TaskDetail(task, cancelRequested: await administration.cancelRequested(task), full: true)
    }

    private static func kind(_ kind: Interviewcoach_V1_TaskKind) throws(CoachError) -> TaskKind {
        guard let kind = TaskKind(proto: kind) else { throw CoachError.badRequest("kind is required: interview or learning", field: "kind") }
        return kind
    }

    static func queue(_ queue: QueueOverview) -> Interviewcoach_V1_QueueStatus {
        var p = Interviewcoach_V1_QueueStatus()
        p.kind = queue.kind.proto
        p.waiting = Int64(queue.counts.waiting)
        p.pending = Int64(queue.counts.pending)
        p.deadLettered = Int64(queue.counts.deadLettered)
        if let age = queue.counts.oldestAge {
            p.oldestKnown = true
            p.oldestAgeSeconds = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        }
        p.paused = queue.paused
        return p
    }
}
