import CoachCore
import CoachJobs
import CoachLLM
import CoachStore
import Foundation
import Logging

/// What operators see and steer, independent of transport: every tenant's tasks from the task
/// store (filters, detail with timeline and attempts), the queues (counts, pause, dead letters),
/// the providers and the workers; retry and cancel. Every action is written to the audit log.
public struct TaskAdministration: Sendable {
    public let tasks: any TaskStore
    public let queue: any JobQueue
    public let bus: any ProgressBus
    public let registry: ProviderRegistry
    /// The kinds this process can enqueue again (retry).
    public let kinds: [TaskKind]
    /// Where actions are recorded (the key store's audit log).
    public let audit: any APIKeyStore
    private let logger: Logger

    /// The newest tasks of the window the overview's failures, stages and providers come from.
    public static let overviewSample = 1_000

    public init(
        tasks: any TaskStore, queue: any JobQueue, bus: any ProgressBus, registry: ProviderRegistry, kinds: [TaskKind], audit: any APIKeyStore,
        logger: Logger = Logger(label: "coach.operations")
    ) {
        self.tasks = tasks
        self.queue = queue
        self.bus = bus
        self.registry = registry
        self.kinds = kinds
        self.audit = audit
        self.logger = logger
    }

    // MARK: Reading

    public func list(_ query: TaskQuery, pageSize: Int, pageToken: String?) async throws -> Page<TaskRecord> {
        let (limit, cursor) = try PageSize.request(pageSize: pageSize, pageToken: pageToken)
        return try await tasks.search(query, limit: limit, after: cursor)
    }

    public func task(id: String, kind: TaskKind) async throws -> TaskRecord {
        guard let task = try await tasks.get(taskID: id, kind: kind, tenant: nil) else {
            throw CoachError(.taskNotFound, "task not found: \(id.prefix(64))")
        }
        return task
    }

    /// Whether an operator asked to stop the task (a running task ends CANCELLED shortly).
    public func cancelRequested(_ task: TaskRecord) async -> Bool {
        guard !task.state.isTerminal else { return false }
        return (try? await queue.cancelRequest(taskID: task.taskID)) != nil
    }

    public func overview(window: Duration, now: Date = Date()) async throws -> OperationsOverview {
        let since = now.addingTimeInterval(-window.seconds)
        let byState = try await tasks.stateCounts(since: since)
        let sample = try await tasks.search(TaskQuery(createdFrom: since), limit: Self.overviewSample, after: nil).items
        var queues: [QueueOverview] = []
        for kind in TaskKind.allCases {
            queues.append(QueueOverview(kind: kind, counts: try await queue.counts(kind: kind), paused: try await queue.isPaused(kind: kind)))
        }
        let finished = [TaskState.success, .failure, .cancelled].reduce(0) { $0 + (byState[$1] ?? 0) }
        return OperationsOverview(
            generatedAt: now, window: window, tasksByState: byState, throughputPerMinute: Double(finished) / max(window.seconds / 60, 1),
            failures: Self.failures(sample), stages: Self.stageTimings(sample), queues: queues,
            providers: Self.providers(sample, statuses: await registry.statuses()), workers: try await queue.workers(), sampledTasks: sample.count)
    }

    public func deadLetters(kind: TaskKind, limit: Int) async throws -> [DeadLetteredJob] {
        try await queue.deadLetters(kind: kind, limit: min(max(limit, 1), 500))
    }

    // MARK: Acting

    /// Runs a FAILURE or CANCELLED task again from the start, with `provider` preferred when given.
    public func retry(id: String, kind: TaskKind, provider: String?, by caller: Caller, at date: Date = Date()) async throws -> TaskRecord {
        var task = try await task(id: id, kind: kind)
        guard task.state == .failure || task.state == .cancelled else {
            throw CoachError(.taskNotRetryable, "only a FAILURE or CANCELLED task can be retried; this one is \(task.state.rawValue)")
        }
        guard kinds.contains(kind) else { throw CoachError(.serviceUnavailable, "this service does not run \(kind.rawValue) tasks") }
        if let provider, !provider.isEmpty {
            _ = try registry.chain(preferring: provider)  // an unknown provider is the caller's mistake
            task.input = task.input.preferring(provider)
        }
        try? await queue.clearCancel(taskID: id)
        task.state = .pending
        task.stage = .pending
        task.progress = 0
        task.message = TaskStage.pending.message(task.input.language)
        task.error = nil
        task.resultID = nil
        task.sequence += 1
        task.updatedAt = date
        task.note(.retried, at: date, detail: ([caller.actor] + (provider.map { ["provider=\($0)"] } ?? [])).joined(separator: " "))
        try await tasks.update(task)
        try await bus.publish(TaskEvent(snapshot: task))
        try await queue.enqueue(Job(taskID: id, kind: kind).carryingCurrentTrace())
        try await record("task.retry", target: id, tenant: task.tenant, by: caller, at: date)
        return task
    }

    /// Cancels a PENDING task at once; asks the worker of a running one to stop it (it ends
    /// CANCELLED within a second). A running task's record is left to its worker, the one writer
    /// while it runs: the worker notes the request when it acts on it.
    public func cancel(id: String, kind: TaskKind, by caller: Caller, at date: Date = Date()) async throws -> TaskRecord {
        var task = try await task(id: id, kind: kind)
        guard !task.state.isTerminal else {
            throw CoachError(.taskNotCancellable, "a finished task cannot be cancelled; this one is \(task.state.rawValue)")
        }
        // The request first: a worker that takes the job meanwhile sees it.
        try await queue.requestCancel(taskID: id, by: caller.actor)
        if task.state == .pending {
            task.note(.cancelRequested, at: date, detail: caller.actor)
            task.state = .cancelled
            task.stage = .cancelled
            task.message = TaskStage.cancelled.message(task.input.language)
            task.error = TaskError(code: ErrorCode.taskCancelled.rawValue, message: "cancelled by an operator")
            task.note(.cancelled, at: date)
            task.sequence += 1
            task.updatedAt = date
            try await tasks.update(task)
            try await bus.publish(TaskEvent(snapshot: task))
        }
        try await record("task.cancel", target: id, tenant: task.tenant, by: caller, at: date)
        return task
    }

    /// Takes a job out of the dead letters and runs its task again.
    public func retryDeadLetter(id: String, kind: TaskKind, by caller: Caller, at date: Date = Date()) async throws -> TaskRecord {
        guard let entry = try await queue.removeDeadLetter(id: id, kind: kind) else { throw Self.noDeadLetter(id) }
        var task = try await task(id: entry.taskID, kind: kind)
        if task.state == .failure || task.state == .cancelled {
            task = try await retry(id: entry.taskID, kind: kind, provider: nil, by: caller, at: date)
        }
        try await record("dead_letter.retry", target: entry.taskID, tenant: task.tenant, by: caller, at: date)
        return task
    }

    public func dropDeadLetter(id: String, kind: TaskKind, by caller: Caller, at date: Date = Date()) async throws {
        guard let entry = try await queue.removeDeadLetter(id: id, kind: kind) else { throw Self.noDeadLetter(id) }
        try await record("dead_letter.drop", target: entry.taskID, tenant: caller.tenant, by: caller, at: date)
    }

    public func setPaused(_ paused: Bool, kind: TaskKind, by caller: Caller, at date: Date = Date()) async throws -> QueueOverview {
        try await queue.setPaused(paused, kind: kind)
        try await record(paused ? "queue.pause" : "queue.resume", target: kind.rawValue, tenant: caller.tenant, by: caller, at: date)
        return QueueOverview(kind: kind, counts: try await queue.counts(kind: kind), paused: try await queue.isPaused(kind: kind))
    }

    private func record(_ action: String, target: String, tenant: Tenant, by caller: Caller, at date: Date) async throws {
        try await audit.append(
            AuditEntry(id: DocumentID.make(at: date), at: date, actor: caller.actor, action: action, target: target, tenant: tenant))
        logger.notice("operations action", metadata: ["audit.actor": "\(caller.actor)", "audit.action": "\(action)", "audit.target": "\(target)"])
    }

    private static func noDeadLetter(_ id: String) -> CoachError {
        CoachError(.notFound, "no such dead-lettered job", details: ["id": .string(String(id.prefix(64)))])
    }

    // MARK: Figures

    static func failures(_ sample: [TaskRecord]) -> [(code: String, count: Int)] {
        var counts: [String: Int] = [:]
        for task in sample where task.state == .failure { counts[task.error?.code ?? "UNKNOWN", default: 0] += 1 }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
    }

    /// Time spent in each stage: from entering it to the timeline's next entry of the same run.
    static func stageTimings(_ sample: [TaskRecord]) -> [StageTiming] {
        var durations: [TaskStage: [Int]] = [:]
        for task in sample {
            let timeline = task.timeline
            for (index, entry) in timeline.enumerated() where entry.event == .stage {
                guard let stage = entry.stage, index + 1 < timeline.count, timeline[index + 1].run == entry.run else { continue }
                durations[stage, default: []].append(Int(timeline[index + 1].at.timeIntervalSince(entry.at) * 1000))
            }
        }
        let order: [TaskStage] = [.loadingResume, .generatingPrompt, .callingLLM, .processingResponse]
        return order.compactMap { stage in
            guard let values = durations[stage], !values.isEmpty else { return nil }
            return StageTiming(stage: stage, count: values.count, p50Ms: percentile(values, 0.5), p95Ms: percentile(values, 0.95))
        }
    }

    static func providers(_ sample: [TaskRecord], statuses: [ProviderStatus]) -> [ProviderOverview] {
        var overviews: [String: ProviderOverview] = [:]
        var latencies: [String: [Int]] = [:]
        for status in statuses {
            overviews[status.name] = ProviderOverview(name: status.name, model: status.model, breaker: status.breaker.state.rawValue)
        }
        for attempt in sample.flatMap(\.attempts).map(\.attempt) where attempt.outcome.judgesProvider {
            var overview = overviews[attempt.provider] ?? ProviderOverview(name: attempt.provider, model: attempt.model, breaker: "")
            overview.calls += 1
            if attempt.outcome != .success { overview.errors += 1 }
            overview.inputTokens += attempt.usage.inputTokens
            overview.outputTokens += attempt.usage.outputTokens
            overview.costUSD += attempt.usage.costUSD.isFinite ? attempt.usage.costUSD : 0
            overviews[attempt.provider] = overview
            latencies[attempt.provider, default: []].append(attempt.latencyMs)
        }
        let order = statuses.map(\.name)
        return overviews.values.map { overview in
            var overview = overview
            let values = latencies[overview.name] ?? []
            overview.p50Ms = percentile(values, 0.5)
            overview.p95Ms = percentile(values, 0.95)
            return overview
        }.sorted { (order.firstIndex(of: $0.name) ?? .max, $0.name) < (order.firstIndex(of: $1.name) ?? .max, $1.name) }
    }

    /// The nearest-rank percentile (0 for no values).
    static func percentile(_ values: [Int], _ fraction: Double) -> Int {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// The operations dashboard's overview of a window.
public struct OperationsOverview: Sendable {
    public var generatedAt: Date
    public var window: Duration
    public var tasksByState: [TaskState: Int]
    public var throughputPerMinute: Double
    public var failures: [(code: String, count: Int)]
    public var stages: [StageTiming]
    public var queues: [QueueOverview]
    public var providers: [ProviderOverview]
    public var workers: [QueueWorker]
    /// How many tasks `failures`, `stages` and `providers` were computed over.
    public var sampledTasks: Int
}

public struct StageTiming: Sendable, Hashable {
    public var stage: TaskStage
    public var count: Int
    public var p50Ms: Int
    public var p95Ms: Int
}

public struct QueueOverview: Sendable, Hashable {
    public var kind: TaskKind
    public var counts: QueueCounts
    public var paused: Bool
}

public struct ProviderOverview: Sendable, Hashable {
    public var name: String
    public var model: String
    public var calls = 0
    public var errors = 0
    public var p50Ms = 0
    public var p95Ms = 0
    public var inputTokens = 0
    public var outputTokens = 0
    public var costUSD = 0.0
    /// closed | open | half_open, as this process's breaker sees it ("" for a provider no longer in the chain).
    public var breaker: String
}

extension TaskInput {
    /// The same request with `provider` preferred.
    func preferring(_ provider: String) -> TaskInput {
        switch self {
        case .questions(var options):
            options.provider = provider
            return .questions(options)
        case .learningPath(var options):
            options.provider = provider
            return .learningPath(options)
        }
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
