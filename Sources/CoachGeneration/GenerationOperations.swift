import CoachCore
import CoachJobs
import CoachLLM
import CoachStore
import Foundation
import Logging
import Metrics

/// The generation use cases of one kind, independent of transport: generate now, read results,
/// start and inspect background tasks. Every use case works inside the caller's tenant: another
/// tenant's resumes, results and tasks are not found.
public struct GenerationOperations<Kind: GenerationKind>: Sendable {
    public let resumes: any ResumeLookup
    public let results: any ResultStore<Kind.Result>
    public let tasks: any TaskStore
    public let queue: any JobQueue
    public let bus: any ProgressBus
    public let registry: ProviderRegistry
    /// Where the tokens of a generation are charged (the caller's key budget).
    public let meter: (any UsageMeter)?
    /// New background tasks are refused (503, retry later) while this many jobs wait: a burst
    /// is pushed back to clients instead of growing an unbounded backlog.
    public let maxQueuedJobs: Int
    /// Other data kept for a resume beside this kind's results (practice sessions beside question
    /// sets), deleted by `purge` too, so the resume role's one call per kind removes it all.
    public private(set) var alsoDeleted: [any ResumeDependentData] = []
    /// Completes options from other data before generating (a learning path's focus areas from a
    /// practice session's gaps); identity when `nil`.
    public var resolveOptions: (@Sendable (Tenant, Kind.Options) async throws -> Kind.Options)?
    private let now: @Sendable () -> Date

    public init(
        resumes: any ResumeLookup, results: any ResultStore<Kind.Result>, tasks: any TaskStore, queue: any JobQueue,
        bus: any ProgressBus, registry: ProviderRegistry, meter: (any UsageMeter)? = nil, maxQueuedJobs: Int = 10_000,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.meter = meter
        self.maxQueuedJobs = maxQueuedJobs
        self.resumes = resumes
        self.results = results
        self.tasks = tasks
        self.queue = queue
        self.bus = bus
        self.registry = registry
        self.now = now
    }

    /// Generates, validates and stores a result right away.
    /// `keyID`: the key whose token budget pays (none without keys).
    public func generate(tenant: Tenant, uniqueKey: String, options: Kind.Options, keyID: String? = nil) async throws -> Kind.Result {
        try checkKey(uniqueKey)
        _ = try registry.chain(preferring: provider(of: options))
        let resume = try await resumes.resume(tenant: tenant, uniqueKey: uniqueKey)
        let options = try await resolveOptions?(tenant, options) ?? options
        let result = try await Kind.produce(
            registry: registry, resume: resume, options: options,
            seed: try await seed(for: options, tenant: tenant, uniqueKey: uniqueKey), taskID: nil, at: now(), progress: nil)
        await meter?.record(usage: Kind.usage(of: result), keyID: keyID, at: now())
        return try await results.save(result, tenant: tenant)
    }

    /// The seed the builtin provider uses: pinned by the request, else the number of results so far.
    public func seed(for options: Kind.Options, tenant: Tenant, uniqueKey: String) async throws -> Int64 {
        if let pinned = Kind.seed(of: options) { return pinned }
        return Int64(try await results.count(tenant: tenant, uniqueKey: uniqueKey))
    }

    public func latest(tenant: Tenant, uniqueKey: String) async throws -> Kind.Result {
        try checkKey(uniqueKey)
        guard let result = try await results.latest(tenant: tenant, uniqueKey: uniqueKey) else {
            throw CoachError(
                Kind.resultNotFound, "no \(Kind.taskKind == .interview ? "question set" : "learning path") for \(uniqueKey)",
                details: ["unique_key": .string(uniqueKey)])
        }
        return result
    }

    public func history(tenant: Tenant, uniqueKey: String, pageSize: Int, pageToken: String?) async throws -> Page<Kind.Result> {
        try checkKey(uniqueKey)
        let (limit, cursor) = try PageSize.request(pageSize: pageSize, pageToken: pageToken)
        return try await results.history(tenant: tenant, uniqueKey: uniqueKey, limit: limit, after: cursor)
    }

    /// Checks the resume exists, stores a PENDING task and enqueues its job. An idempotency key
    /// belongs to one tenant, resume and kind: repeated with the same request it returns the task
    /// created first (and enqueues nothing); repeated with different options it is a `CONFLICT`.
    /// `keyID`: the key whose token budget pays (none without keys).
    public func start(
        tenant: Tenant, uniqueKey: String, options: Kind.Options, idempotencyKey: String?, keyID: String? = nil
    ) async throws -> TaskRecord {
        try checkKey(uniqueKey)
        if let key = idempotencyKey, !ResumeLimits.idempotencyKeyLength.contains(TextRules.length(key)) {
            throw CoachError.badRequest("Idempotency-Key must be 1-200 characters", field: "idempotency_key")
        }
        _ = try registry.chain(preferring: provider(of: options))
        _ = try await resumes.resume(tenant: tenant, uniqueKey: uniqueKey)
        let options = try await resolveOptions?(tenant, options) ?? options
        if try await queue.waitingCount() >= maxQueuedJobs {
            throw CoachError(
                .serviceUnavailable, "too many background tasks are waiting; retry shortly",
                details: ["retry_after_seconds": .number(5)])
        }
        var task = TaskRecord(
            taskID: UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(), kind: Kind.taskKind, tenant: tenant,
            uniqueKey: uniqueKey, input: Kind.taskInput(options),
            idempotencyKey: idempotencyKey.map { Self.scopedIdempotencyKey($0, tenant: tenant, uniqueKey: uniqueKey) }, createdAt: now())
        task.keyID = keyID
        let (stored, created) = try await tasks.create(task)
        if !created, stored.input != task.input {
            throw CoachError(
                .conflict, "Idempotency-Key was already used for a different request for this resume",
                details: ["task_id": .string(stored.taskID)])
        }
        if created {
            try await bus.publish(TaskEvent(snapshot: stored))
            try await queue.enqueue(Job(taskID: stored.taskID, kind: Kind.taskKind).carryingCurrentTrace())
            Counter(label: "coach_tasks_created_total", dimensions: [("kind", Kind.taskKind.rawValue)]).increment()
        }
        return stored
    }

    /// The key the task store keeps unique (per kind): the client's key within its tenant and
    /// resume, so the same key sent for two resumes (or by two tenants) starts two tasks. The
    /// resume key is length-prefixed, so no pair of resume key and client key can spell another
    /// pair; tenants cannot contain `/`.
    static func scopedIdempotencyKey(_ key: String, tenant: Tenant, uniqueKey: String) -> String {
        "\(tenant.rawValue)/\(uniqueKey.utf8.count):\(uniqueKey):\(key)"
    }

    /// A task of this kind in the tenant with its result when finished; `TASK_NOT_FOUND` otherwise.
    public func task(tenant: Tenant, id: String) async throws -> TaskView {
        let record = try await taskRecord(tenant: tenant, id: id)
        return TaskView(record, result: try await result(of: record))
    }

    public func listTasks(tenant: Tenant, state: TaskState?, pageSize: Int, pageToken: String?) async throws -> Page<TaskView> {
        let (limit, cursor) = try PageSize.request(pageSize: pageSize, pageToken: pageToken)
        let page = try await tasks.list(tenant: tenant, kind: Kind.taskKind, state: state, limit: limit, after: cursor)
        return Page(items: page.items.map { TaskView($0, result: nil) }, next: page.next)
    }

    /// Every event of a task after `afterSequence`: what the bus holds, then live ones, ending
    /// after the terminal event. The task record backs it up: if the bus lost events (a restart)
    /// the terminal state still arrives, read from the record.
    public func watch(tenant: Tenant, taskID: String, afterSequence: Int64) async throws -> AsyncThrowingStream<TaskEvent, any Error> {
        _ = try await taskRecord(tenant: tenant, id: taskID)  // NOT_FOUND before anything is streamed
        let live = try await bus.events(taskID: taskID, after: afterSequence)
        let (stream, continuation) = AsyncThrowingStream<TaskEvent, any Error>.makeStream()
        let operations = self
        let forwarder = Task {
            let (merged, input) = AsyncStream<TaskEvent>.makeStream()
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await event in live { input.yield(event) }
                    } catch {}
                }
                group.addTask {
                    // The bus replays what it holds at once; the record is consulted after that,
                    // so a finished task whose events were lost still ends the stream. The check
                    // backs off (1 s, 2 s, 4 s, then every 8 s, jittered): with 10,000 watchers a
                    // fixed second was 10,000 store reads/s for nothing (bench/README.md).
                    var pause = Duration.seconds(1)
                    while !Task.isCancelled {
                        try? await Task.sleep(for: pause + .milliseconds(Int.random(in: 0...200)))
                        pause = min(pause * 2, .seconds(8))
                        guard let record = try? await operations.taskRecord(tenant: tenant, id: taskID) else {
                            input.finish()  // deleted meanwhile
                            return
                        }
                        if record.state.isTerminal {
                            input.yield(TaskEvent(snapshot: record, result: try? await operations.result(of: record)))
                            return
                        }
                    }
                }
                var lastSent = afterSequence
                for await event in merged where event.sequence > lastSent {
                    lastSent = event.sequence
                    continuation.yield(event)
                    if event.isTerminal { break }
                }
                group.cancelAll()
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in forwarder.cancel() }
        return stream
    }

    /// These use cases, with `purge` also deleting what `others` keep for a resume.
    public func deleting(also others: [any ResumeDependentData]) -> GenerationOperations {
        var copy = self
        copy.alsoDeleted += others
        return copy
    }

    /// Deletes the results and tasks kept for `uniqueKey` (and what `alsoDeleted` keeps); returns
    /// how many results and tasks.
    @discardableResult
    public func purge(tenant: Tenant, uniqueKey: String) async throws -> (results: Int, tasks: Int) {
        try checkKey(uniqueKey)
        for other in alsoDeleted { try await other.deleteData(tenant: tenant, uniqueKey: uniqueKey) }
        let deletedResults = try await results.deleteAll(tenant: tenant, uniqueKey: uniqueKey)
        let deletedTasks = try await tasks.deleteAll(tenant: tenant, uniqueKey: uniqueKey, kind: Kind.taskKind)
        return (deletedResults, deletedTasks)
    }

    func taskRecord(tenant: Tenant, id: String) async throws -> TaskRecord {
        guard !id.isEmpty, id.count <= 64, let record = try await tasks.get(taskID: id, kind: Kind.taskKind, tenant: tenant) else {
            throw CoachError(.taskNotFound, "task not found: \(id.prefix(64))", details: ["task_id": .string(String(id.prefix(64)))])
        }
        return record
    }

    public func result(of record: TaskRecord) async throws -> TaskResult? {
        guard record.state == .success, let id = record.resultID, let result = try await results.find(tenant: record.tenant, id: id)
        else { return nil }
        return Kind.taskResult(result)
    }

    private func provider(of options: Kind.Options) -> String? {
        switch Kind.taskInput(options) {
        case .questions(let options): options.provider
        case .learningPath(let options): options.provider
        }
    }

    private func checkKey(_ key: String) throws(CoachError) {
        if key.isEmpty { throw CoachError.badRequest("unique_key is required", field: "unique_key") }
        if TextRules.length(key) > ResumeLimits.maxUniqueKeyLength {
            throw CoachError.badRequest("unique_key is too long", field: "unique_key")
        }
    }
}

/// Local deletion, for a process that runs the resume and generation services together.
extension GenerationOperations: ResumeDependentData {
    public func deleteData(tenant: Tenant, uniqueKey: String) async throws {
        try await purge(tenant: tenant, uniqueKey: uniqueKey)
    }
}

/// The use cases of one generation kind, whatever the kind: what task handling (`TaskGRPCService`)
/// and the worker (`JobRunner`) keep per kind, as `[any KindOperations]`. Code that needs the
/// kind's types opens it through `typed` in a generic function.
public protocol KindOperations: Sendable {
    associatedtype Kind: GenerationKind
    var typed: GenerationOperations<Kind> { get }
}

extension KindOperations {
    public var taskKind: TaskKind { Kind.taskKind }
    public func task(tenant: Tenant, id: String) async throws -> TaskView { try await typed.task(tenant: tenant, id: id) }
    public func listTasks(tenant: Tenant, state: TaskState?, pageSize: Int, pageToken: String?) async throws -> Page<TaskView> {
        try await typed.listTasks(tenant: tenant, state: state, pageSize: pageSize, pageToken: pageToken)
    }
    public func watch(tenant: Tenant, taskID: String, afterSequence: Int64) async throws -> AsyncThrowingStream<TaskEvent, any Error> {
        try await typed.watch(tenant: tenant, taskID: taskID, afterSequence: afterSequence)
    }
    public func unfinishedTasks() async throws -> [TaskRecord] { try await typed.tasks.unfinished(kind: Kind.taskKind) }
}

extension GenerationOperations: KindOperations {
    public var typed: GenerationOperations<Kind> { self }
}
