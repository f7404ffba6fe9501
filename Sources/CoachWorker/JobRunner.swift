import CoachCore
import CoachJobs
import CoachLLM
import CoachStore
import CoachTracing
import Foundation
import CoachGeneration
import Logging
import Tracing

/// How a worker runs jobs.
public struct WorkerConfiguration: Sendable {
    /// Jobs run at once (async I/O, not threads).
    public var concurrency: Int
    /// A job that takes longer fails with LLM_API_TIMEOUT.
    public var jobTimeLimit: Duration
    /// Runs of one task before a transient failure becomes final.
    public var maxRuns: Int
    /// First retry delay; doubled each time, with jitter.
    public var retryBaseDelay: Duration
    /// Deliveries of one job (crashed workers included) after which it is dead-lettered and its
    /// task fails: a poison job must not circulate forever.
    public var maxDeliveries: Int
    /// How often a running job looks for an operator's cancel request.
    public var cancelPoll: Duration

    public init(
        concurrency: Int = 4, jobTimeLimit: Duration = .seconds(120), maxRuns: Int = 3, retryBaseDelay: Duration = .milliseconds(500),
        maxDeliveries: Int = 5, cancelPoll: Duration = .milliseconds(500)
    ) {
        self.cancelPoll = cancelPoll
        self.concurrency = concurrency
        self.jobTimeLimit = jobTimeLimit
        self.maxRuns = maxRuns
        self.retryBaseDelay = retryBaseDelay
        self.maxDeliveries = maxDeliveries
    }
}

/// Consumes the job queue and runs each task through the stages of the progress contract,
/// writing the result once per task (a job that runs twice finds it already stored).
public struct JobRunner: Sendable {
    private let queue: any JobQueue
    /// The kinds this worker runs jobs of.
    private let kinds: [TaskKind: any KindOperations]
    private let configuration: WorkerConfiguration
    private let logger: Logger
    /// Operators' cancel requests for the jobs running now, looked up together.
    private let cancelWatch: CancelWatch

    public init(
        queue: any JobQueue, kinds: [any KindOperations], configuration: WorkerConfiguration = WorkerConfiguration(),
        logger: Logger = Logger(label: "coach.worker")
    ) {
        self.queue = queue
        self.kinds = Dictionary(kinds.map { ($0.taskKind, $0) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
        self.logger = logger
        self.cancelWatch = CancelWatch(queue: queue, poll: configuration.cancelPoll)
    }

    /// Runs until cancelled, `configuration.concurrency` jobs at a time.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(1, configuration.concurrency) {
                group.addTask {
                    while !Task.isCancelled {
                        guard let job = try? await queue.next() else { continue }
                        await process(job)
                    }
                }
            }
        }
    }

    /// Enqueues every task a previous process left PENDING or PROGRESS (embedded mode, where
    /// the queue itself does not survive a restart).
    public func recoverUnfinished() async throws -> Int {
        var count = 0
        for (kind, operations) in kinds.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for task in try await operations.unfinishedTasks() {
                try await queue.enqueue(Job(taskID: task.taskID, kind: kind))
                count += 1
            }
        }
        if count > 0 { logger.info("re-running unfinished tasks", metadata: ["tasks": "\(count)"]) }
        return count
    }

    /// Runs one job in a span of the trace that enqueued it (`job <kind>`, a consumer span), its
    /// stages in child spans.
    public func process(_ job: Job) async {
        await withSpan("job \(job.kind.rawValue)", context: job.traceContext, ofKind: .consumer) { span in
            span.attributes["coach.task_id"] = job.taskID
            span.attributes["coach.task.kind"] = job.kind.rawValue
            span.attributes["coach.job.deliveries"] = job.deliveries
            let outcome = await run(job)
            span.attributes["coach.task.outcome"] = outcome
            if outcome == "failure" || outcome == "dead_lettered" { span.setStatus(SpanStatus(code: .error)) }
        }
    }

    /// What became of the job: `success`, `failure`, `cancelled`, `dead_lettered`, `interrupted`
    /// (shutdown) or `skipped` (its task was already finished or is unknown).
    private func run(_ job: Job) async -> String {
        if job.deliveries > configuration.maxDeliveries {
            await deadLetter(job)
            return "dead_lettered"
        }
        var outcome = "skipped"
        if let operations = kinds[job.kind] { outcome = await execute(job, with: operations) }
        // Interrupted by shutdown: leave the job unacknowledged so the queue hands it to another
        // worker (Redis, after the lease) or the next start re-queues its task (in-process).
        if Task.isCancelled { return "interrupted" }
        try? await queue.acknowledge(job)
        return outcome
    }

    /// Moves a job delivered too often to the dead-letter stream and fails its task with the reason.
    private func deadLetter(_ job: Job) async {
        let reason = "job abandoned after \(job.deliveries) deliveries"
        logger.error("job dead-lettered", metadata: ["task_id": "\(job.taskID)", "deliveries": "\(job.deliveries)"])
        let error = CoachError(.internalServerError, reason)
        if let operations = kinds[job.kind] { await finish(taskID: job.taskID, as: .failed, error: error, attempts: [], operations: operations) }
        WorkerMetrics.finished(kind: job.kind, outcome: "dead_lettered")
        do {
            try await queue.deadLetter(job, reason: reason)
        } catch {
            logger.error("cannot dead-letter job", metadata: ["task_id": "\(job.taskID)"])
        }
    }

    private func execute<Operations: KindOperations>(_ job: Job, with kind: Operations) async -> String {
        let operations = kind.typed
        var logger = self.logger
        logger[metadataKey: "task_id"] = "\(job.taskID)"
        logger[metadataKey: "kind"] = "\(job.kind.rawValue)"
        while !Task.isCancelled {
            let task: TaskRecord
            do {
                guard let found = try await operations.tasks.get(taskID: job.taskID, kind: Operations.Kind.taskKind, tenant: nil) else { return "skipped" }
                task = found
            } catch {
                logger.error("cannot read task", metadata: ["error": "\(String(describing: (error as? CoachError)?.code))"])
                return "failure"
            }
            if task.state.isTerminal {
                // Already done: a duplicate delivery, or the job of a task cancelled while it
                // waited, whose cancel request is spent now.
                if task.state == .cancelled { try? await queue.clearCancel(taskID: job.taskID) }
                return "skipped"
            }
            if let actor = try? await queue.cancelRequest(taskID: job.taskID) {
                await finish(
                    taskID: job.taskID, as: .cancelled, error: Self.cancelled, attempts: [], cancelledBy: actor, operations: operations)
                try? await queue.clearCancel(taskID: job.taskID)
                logger.info("task cancelled before it ran")
                WorkerMetrics.finished(kind: job.kind, outcome: "cancelled")
                return "cancelled"
            }
            // The run count is stored by the first stage update, so it survives a crash.
            var running = task
            running.runs += 1
            running.note(.started, at: Date())
            if running.traceID == nil { running.traceID = Self.traceID(of: job) }
            let started = running
            WorkerMetrics.runStarted(running)
            // Every provider attempt of the run, for the task's record (failed runs' too).
            let log = AttemptLog()
            do {
                try await withTimeLimit(configuration.jobTimeLimit) {
                    try await self.watchingForCancel(taskID: job.taskID) {
                        try await AttemptLog.$current.withValue(log) { try await self.runStages(started, operations: operations) }
                    }
                }
                logger.info("task completed", metadata: ["runs": "\(running.runs)"])
                WorkerMetrics.finished(kind: job.kind, outcome: "success")
                return "success"
            } catch {
                let attempts = log.recorded.map { TaskAttempt(run: running.runs, attempt: $0) }
                if let cancel = error as? OperatorCancel {
                    await finish(
                        taskID: job.taskID, as: .cancelled, error: Self.cancelled, attempts: attempts, cancelledBy: cancel.actor,
                        operations: operations)
                    try? await queue.clearCancel(taskID: job.taskID)
                    logger.info("task cancelled by an operator", metadata: ["runs": "\(running.runs)"])
                    WorkerMetrics.finished(kind: job.kind, outcome: "cancelled")
                    return "cancelled"
                }
                // Shutting down: leave the task unfinished; it runs again at the next start.
                if Task.isCancelled { return "interrupted" }
                let failure = Self.classify(error, limit: configuration.jobTimeLimit)
                // An operator's retry starts the count again.
                let runsSinceRetry = running.runs - (running.timeline.last { $0.event == .retried }?.run ?? 0)
                if failure.transient && runsSinceRetry < configuration.maxRuns && !Task.isCancelled {
                    logger.warning("task run failed, retrying", metadata: ["error_code": "\(failure.error.code)", "runs": "\(running.runs)"])
                    await amend(taskID: job.taskID, operations: operations) { task in
                        task.attempts += attempts
                        task.note(.retrying, at: Date(), detail: failure.error.code.rawValue)
                    }
                    try? await Task.sleep(for: backoff(run: running.runs))
                    continue
                }
                logger.warning("task failed", metadata: ["error_code": "\(failure.error.code)", "runs": "\(running.runs)"])
                await finish(taskID: job.taskID, as: .failed, error: failure.error, attempts: attempts, operations: operations)
                WorkerMetrics.finished(kind: job.kind, outcome: "failure")
                return "failure"
            }
        }
        return "interrupted"
    }

    /// Runs `body`, stopping it with `OperatorCancel` once an operator asks the queue to cancel
    /// `taskID` (`cancelWatch` looks every `cancelPoll`).
    private func watchingForCancel(taskID: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask { throw OperatorCancel(actor: try await cancelWatch.request(for: taskID)) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    static let cancelled = CoachError(.taskCancelled, "cancelled by an operator")

    /// The id of the recorded trace the job belongs to (`00-<trace id>-<span id>-<flags>` with the
    /// sampled flag): an unsampled trace's id names nothing a trace backend has.
    static func traceID(of job: Job) -> String? {
        guard let parent = job.trace["traceparent"].flatMap(TraceParent.init), parent.sampled else { return nil }
        return parent.traceID.hex
    }

    private func runStages<Kind: GenerationKind>(_ start: TaskRecord, operations: GenerationOperations<Kind>) async throws {
        var task = start
        var clock = WorkerMetrics.StageClock(kind: Kind.taskKind)
        // Each stage is a span of the job's trace (the provider calls are children of calling_llm).
        let resume = try await withSpan(TaskStage.loadingResume.rawValue) { _ in
            clock.enter(.loadingResume)
            try await advance(&task, to: .loadingResume, operations: operations)
            return try await operations.resumes.resume(tenant: task.tenant, uniqueKey: task.uniqueKey)
        }
        let (options, seed) = try await withSpan(TaskStage.generatingPrompt.rawValue) { _ in
            clock.enter(.generatingPrompt)
            try await advance(&task, to: .generatingPrompt, operations: operations)
            guard let options = Kind.options(from: task.input) else { throw CoachError.internal("task input does not match its kind") }
            return (options, try await operations.seed(for: options, tenant: task.tenant, uniqueKey: task.uniqueKey))
        }
        let result = try await withSpan(TaskStage.callingLLM.rawValue) { _ in
            clock.enter(.callingLLM)
            try await advance(&task, to: .callingLLM, operations: operations)
            // A streaming provider reports output as it arrives: calling_llm rises from 70 towards 89.
            let (percents, sink) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
            let progress = StreamingProgress(expectedCharacters: Kind.expectedCharacters) { sink.yield($0) }
            let taskID = task.taskID
            return try await withThrowingTaskGroup(of: Kind.Result.self) { group in
                group.addTask {
                    defer { sink.finish() }
                    return try await Kind.produce(
                        registry: operations.registry, resume: resume, options: options, seed: seed, taskID: taskID, at: Date(),
                        progress: progress)
                }
                for await percent in percents where percent > task.progress {
                    try await advance(&task, to: .callingLLM, progress: percent, operations: operations)
                }
                guard let produced = try await group.next() else { throw CancellationError() }
                return produced
            }
        }
        task.attempts += (AttemptLog.current?.recorded ?? []).map { TaskAttempt(run: task.runs, attempt: $0) }
        try await withSpan(TaskStage.processingResponse.rawValue) { _ in
            clock.enter(.processingResponse)
            try await advance(&task, to: .processingResponse, operations: operations)
            await operations.meter?.record(usage: Kind.usage(of: result), keyID: task.keyID, at: Date())
            let stored = try await operations.results.save(result, tenant: task.tenant)
            task.resultID = stored.id
            try await advance(&task, to: .completed, result: Kind.taskResult(stored), operations: operations)
            clock.enter(.completed)
        }
    }

    private func advance<Kind: GenerationKind>(
        _ task: inout TaskRecord, to stage: TaskStage, progress: Int? = nil, result: TaskResult? = nil, error: TaskError? = nil,
        operations: GenerationOperations<Kind>
    ) async throws {
        try Task.checkCancellation()
        if stage != task.stage {
            switch stage {
            case .completed: task.note(.completed, at: Date())
            case .failed: task.note(.failed, at: Date(), detail: error?.code)
            case .cancelled: task.note(.cancelled, at: Date())
            default: task.note(.stage, at: Date(), stage: stage)
            }
        }
        task.stage = stage
        task.state =
            switch stage {
            case .completed: .success
            case .failed: .failure
            case .cancelled: .cancelled
            default: .progress
            }
        if let progress = progress ?? stage.progress { task.progress = progress }
        task.message = stage.message(task.input.language) + (error.map { ": \($0.message)" } ?? "")
        task.error = error
        task.sequence += 1
        task.updatedAt = Date()
        try await operations.tasks.update(task)
        try await operations.bus.publish(TaskEvent(snapshot: task, result: result))
    }

    /// Ends the task as `stage` (`.failed` or `.cancelled`) with `error`, keeping the run's attempts.
    /// A cancelled task's timeline says who asked (the worker writes the running task's record, so
    /// the operator's request is noted here, not by the operations service).
    private func finish(
        taskID: String, as stage: TaskStage, error: CoachError, attempts: [TaskAttempt], cancelledBy actor: String? = nil,
        operations kind: some KindOperations
    ) async {
        let operations = kind.typed
        guard var task = try? await operations.tasks.get(taskID: taskID, kind: kind.taskKind, tenant: nil), !task.state.isTerminal else { return }
        task.attempts += attempts
        if let actor { task.note(.cancelRequested, at: Date(), detail: actor) }
        try? await advance(&task, to: stage, error: TaskError(code: error.code.rawValue, message: error.message), operations: operations)
    }

    /// Changes the stored record without an event (what only operators look at).
    private func amend(taskID: String, operations kind: some KindOperations, _ change: (inout TaskRecord) -> Void) async {
        let operations = kind.typed
        guard var task = try? await operations.tasks.get(taskID: taskID, kind: kind.taskKind, tenant: nil) else { return }
        change(&task)
        try? await operations.tasks.update(task)
    }

    private func backoff(run: Int) -> Duration {
        let base = configuration.retryBaseDelay * (1 << min(run - 1, 6))
        return base + base * Double.random(in: 0...0.25)
    }

    /// What a failed run means: transient failures (an upstream or the database unavailable)
    /// are retried; everything else fails the task with a reason clients can show.
    static func classify(_ error: any Error, limit: Duration) -> (error: CoachError, transient: Bool) {
        switch error {
        case is JobTimeout:
            return (CoachError(.llmAPITimeout, "generation took longer than \(limit.components.seconds) s"), false)
        case let error as CoachError:
            return (error, error.code == .serviceUnavailable || error.code == .databaseOperationFailed)
        default:
            return (CoachError.internal("unexpected worker error"), false)
        }
    }
}

struct JobTimeout: Error {}

/// An operator (`actor`) cancelled the task being run.
struct OperatorCancel: Error {
    var actor: String
}

/// Runs `body`, throwing `JobTimeout` when it takes longer than `limit` (the body is cancelled).
func withTimeLimit(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw JobTimeout()
        }
        defer { group.cancelAll() }
        try await group.next()
    }
}
