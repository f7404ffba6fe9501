import CoachCore
import Foundation

/// A FIFO queue inside the process. Nothing here is durable: the task store is the truth, and
/// unfinished tasks are enqueued again at start-up. For the same reason there is no lease: a job
/// handed to a worker is never redelivered by the queue (a worker that dies takes the process
/// with it, and the restart re-enqueues the task).
public actor InProcessJobQueue: JobQueue {
    private var jobs: [Job] = []
    private var waiters: [(id: UUID, continuation: CheckedContinuation<Job, any Error>)] = []

    public init() {}

    public func enqueue(_ job: Job) {
        var job = job
        job.deliveries += 1
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: job)
        } else {
            jobs.append(job)
        }
    }

    public func next() async throws -> Job {
        try Task.checkCancellation()
        if !jobs.isEmpty { return jobs.removeFirst() }
        let id = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    public func acknowledge(_ job: Job) {}

    public func deadLetter(_ job: Job, reason: String) {
        deadLetters.append((job, reason))
        acknowledge(job)
    }

    /// Jobs given up on, with the reason, oldest first (kept for the life of the process).
    public private(set) var deadLetters: [(Job, String)] = []

    /// Jobs waiting for a worker.
    public var depth: Int { jobs.count }

    public func waitingCount() -> Int { jobs.count }

    private func cancelWaiter(_ id: UUID) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }
}
