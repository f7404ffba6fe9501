import CoachCore
import Foundation

/// A request to run one task. The task record holds everything else.
public struct Job: Sendable, Hashable, Codable {
    public var taskID: String
    public var kind: TaskKind
    /// Set by the queue: how many times this job has been handed to a worker.
    public var deliveries: Int

    public init(taskID: String, kind: TaskKind, deliveries: Int = 0) {
        self.taskID = taskID
        self.kind = kind
        self.deliveries = deliveries
    }
}

/// Hands jobs to workers. Implementations: `InProcessJobQueue` (embedded) and Redis Streams.
public protocol JobQueue: Sendable {
    func enqueue(_ job: Job) async throws
    /// Waits for the next job (cancellation ends the wait by throwing `CancellationError`).
    func next() async throws -> Job
    /// The job is done (successfully or for good); it will not be delivered again.
    func acknowledge(_ job: Job) async throws
}

/// Publishes and replays task progress events. Implementations: `InProcessProgressBus` and Redis.
public protocol ProgressBus: Sendable {
    func publish(_ event: TaskEvent) async throws
    /// Events of `taskID` with a sequence above `after`: what the bus still holds, then live
    /// events. The stream finishes after a terminal event; cancelling the consumer unsubscribes.
    func events(taskID: String, after: Int64) async throws -> AsyncThrowingStream<TaskEvent, any Error>
}
