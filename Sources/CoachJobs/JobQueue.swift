import CoachCore
import Foundation

/// A request to run one task. The task record holds everything else.
public struct Job: Sendable, Hashable, Codable {
    public var taskID: String
    public var kind: TaskKind
    /// Set by the queue: how many times this job has been handed to a worker.
    public var deliveries: Int
    /// Set by the queue that delivered the job: what it needs to acknowledge this delivery (for
    /// Redis, the stream entry ID). `nil` for a job not yet delivered and for the in-process queue.
    public var receipt: String?
    /// The W3C trace context of the request that enqueued the job (`traceparent`, `tracestate`),
    /// so the worker's spans join its trace; empty when tracing is off.
    public var trace: [String: String]

    public init(taskID: String, kind: TaskKind, deliveries: Int = 0, receipt: String? = nil, trace: [String: String] = [:]) {
        self.taskID = taskID
        self.kind = kind
        self.deliveries = deliveries
        self.receipt = receipt
        self.trace = trace
    }

    /// The trace context fields a job carries (what a queue stores beside the task id).
    public static let traceFields = ["traceparent", "tracestate"]
}

/// Hands jobs to workers, at least once: a job is delivered until it is acknowledged (or
/// dead-lettered), so a worker must tolerate a job whose task already finished. Implementations:
/// `InProcessJobQueue` (embedded) and `RedisJobQueue` (Redis Streams, in CoachRedis).
public protocol JobQueue: Sendable {
    func enqueue(_ job: Job) async throws
    /// Waits for the next job (cancellation ends the wait by throwing `CancellationError`).
    func next() async throws -> Job
    /// The job is done (successfully or for good); it will not be delivered again.
    func acknowledge(_ job: Job) async throws
    /// Gives up on a job that keeps coming back (its `deliveries` passed the worker's limit): it
    /// is kept aside with `reason` for inspection and acknowledged, so it is not delivered again.
    func deadLetter(_ job: Job, reason: String) async throws
    /// Jobs enqueued and not yet handed to a worker (what admission control bounds).
    func waitingCount() async throws -> Int
    /// What the queue holds of `kind` now (metrics and the operations dashboard).
    func counts(kind: TaskKind) async throws -> QueueCounts

    // Operations (the dashboard and `interview-coach tasks`); every consumer of the queue sees them.

    /// Stops (`true`) or restarts handing out jobs of `kind`: `next()` of every consumer skips a
    /// paused kind (jobs already handed out finish); enqueueing goes on.
    func setPaused(_ paused: Bool, kind: TaskKind) async throws
    func isPaused(kind: TaskKind) async throws -> Bool
    /// The jobs of `kind` given up on, newest first.
    func deadLetters(kind: TaskKind, limit: Int) async throws -> [DeadLetteredJob]
    /// Takes a job out of the dead letters (to retry or drop it); nil when there is no such entry.
    func removeDeadLetter(id: String, kind: TaskKind) async throws -> DeadLetteredJob?
    /// Asks whichever worker runs `taskID` to stop it, on behalf of `actor` (who asked, for the
    /// task's timeline); the request holds until `clearCancel` (or a day passes).
    func requestCancel(taskID: String, by actor: String) async throws
    /// Who asked to stop each of `taskIDs`, for those someone has: one look for every job a
    /// worker runs (`cancelRequest(taskID:)` for one).
    func cancelRequests(taskIDs: [String]) async throws -> [String: String]
    func clearCancel(taskID: String) async throws
    /// The consumers of the queue, as far as it knows them.
    func workers() async throws -> [QueueWorker]
}

extension JobQueue {
    /// Who asked to stop `taskID`, if anyone has.
    public func cancelRequest(taskID: String) async throws -> String? {
        try await cancelRequests(taskIDs: [taskID])[taskID]
    }
}

/// A job the worker gave up on, kept aside.
public struct DeadLetteredJob: Sendable, Hashable {
    /// The entry's id in the dead letters.
    public var id: String
    public var kind: TaskKind
    public var taskID: String
    public var reason: String
    public var deliveries: Int
    public var at: Date

    public init(id: String, kind: TaskKind, taskID: String, reason: String, deliveries: Int, at: Date) {
        self.id = id
        self.kind = kind
        self.taskID = taskID
        self.reason = reason
        self.deliveries = deliveries
        self.at = at
    }
}

/// A consumer of the queue (a worker process).
public struct QueueWorker: Sendable, Hashable {
    public var name: String
    /// Jobs handed to it and not yet acknowledged.
    public var jobsInHand: Int
    /// Jobs it acknowledged (since the queue started counting).
    public var jobsDone: Int
    /// When it last asked the queue for work or settled a job.
    public var lastSeen: Date?

    public init(name: String, jobsInHand: Int, jobsDone: Int, lastSeen: Date?) {
        self.name = name
        self.jobsInHand = jobsInHand
        self.jobsDone = jobsDone
        self.lastSeen = lastSeen
    }
}

/// The jobs of one kind in a queue.
public struct QueueCounts: Sendable, Hashable {
    /// Enqueued, not yet handed to a worker.
    public var waiting: Int
    /// Handed to a worker and not yet acknowledged.
    public var pending: Int
    /// Given up on and kept aside.
    public var deadLettered: Int
    /// Age of the oldest job not yet acknowledged (waiting or pending), if any.
    public var oldestAge: Duration?

    public init(waiting: Int = 0, pending: Int = 0, deadLettered: Int = 0, oldestAge: Duration? = nil) {
        self.waiting = waiting
        self.pending = pending
        self.deadLettered = deadLettered
        self.oldestAge = oldestAge
    }
}

/// Publishes and replays task progress events. Implementations: `InProcessProgressBus` and
/// `RedisProgressBus` (in CoachRedis).
public protocol ProgressBus: Sendable {
    func publish(_ event: TaskEvent) async throws
    /// Events of `taskID` with a sequence above `after`: what the bus still holds, then live
    /// events. The stream finishes after a terminal event; cancelling the consumer unsubscribes.
    func events(taskID: String, after: Int64) async throws -> AsyncThrowingStream<TaskEvent, any Error>
}
