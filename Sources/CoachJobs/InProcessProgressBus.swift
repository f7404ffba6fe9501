import CoachCore
import Foundation

/// Progress events in memory: a bounded replay buffer per task plus live subscribers. Buffers of
/// finished tasks are dropped after `retention`.
public actor InProcessProgressBus: ProgressBus {
    private struct Subscriber {
        let after: Int64
        let continuation: AsyncThrowingStream<TaskEvent, any Error>.Continuation
    }

    private var buffers: [String: [TaskEvent]] = [:]
    private var finishedAt: [String: ContinuousClock.Instant] = [:]
    private var subscribers: [String: [UUID: Subscriber]] = [:]
    private let capacity: Int
    private let retention: Duration

    public init(capacity: Int = 200, retention: Duration = .seconds(600)) {
        self.capacity = capacity
        self.retention = retention
    }

    public func publish(_ event: TaskEvent) {
        let taskID = event.task.taskID
        var buffer = buffers[taskID, default: []]
        buffer.append(event)
        if buffer.count > capacity { buffer.removeFirst(buffer.count - capacity) }
        buffers[taskID] = buffer
        for (id, subscriber) in subscribers[taskID] ?? [:] where event.sequence > subscriber.after {
            subscriber.continuation.yield(event)
            if event.isTerminal {
                subscriber.continuation.finish()
                subscribers[taskID]?[id] = nil
            }
        }
        if event.isTerminal { finishedAt[taskID] = .now }
        expireFinished()
    }

    public func events(taskID: String, after: Int64) -> AsyncThrowingStream<TaskEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<TaskEvent, any Error>.makeStream()
        let replay = (buffers[taskID] ?? []).filter { $0.sequence > after }
        for event in replay { continuation.yield(event) }
        if replay.contains(where: \.isTerminal) {
            continuation.finish()
            return stream
        }
        let id = UUID()
        subscribers[taskID, default: [:]][id] = Subscriber(after: replay.last?.sequence ?? after, continuation: continuation)
        continuation.onTermination = { _ in
            Task { await self.unsubscribe(taskID: taskID, id: id) }
        }
        return stream
    }

    private func unsubscribe(taskID: String, id: UUID) {
        subscribers[taskID]?[id] = nil
        if subscribers[taskID]?.isEmpty == true { subscribers[taskID] = nil }
    }

    private func expireFinished() {
        let now = ContinuousClock.now
        for (taskID, finished) in finishedAt where now - finished > retention {
            buffers[taskID] = nil
            finishedAt[taskID] = nil
        }
    }
}
