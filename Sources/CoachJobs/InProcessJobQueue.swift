import CoachCore
import Foundation

/// A FIFO queue inside the process. Nothing here is durable: the task store is the truth, and
/// unfinished tasks are enqueued again at start-up. For the same reason there is no lease: a job
/// handed to a worker is never redelivered by the queue (a worker that dies takes the process
/// with it, and the restart re-enqueues the task).
public actor InProcessJobQueue: JobQueue {
    private var jobs: [Job] = []
    private var waiters: [(id: UUID, continuation: CheckedContinuation<Job, any Error>)] = []
    /// When each job not yet acknowledged was enqueued, by task id (waiting and in a worker's hands).
    private var enqueuedAt: [String: (kind: TaskKind, at: ContinuousClock.Instant)] = [:]
    private var inHand: Set<String> = []

    public init() {}

    public func enqueue(_ job: Job) {
        var job = job
        job.deliveries += 1
        if enqueuedAt[job.taskID] == nil { enqueuedAt[job.taskID] = (job.kind, .now) }
        if !waiters.isEmpty {
            inHand.insert(job.taskID)
            waiters.removeFirst().continuation.resume(returning: job)
        } else {
            jobs.append(job)
        }
    }

    public func next() async throws -> Job {
        try Task.checkCancellation()
        if !jobs.isEmpty {
            let job = jobs.removeFirst()
            inHand.insert(job.taskID)
            return job
        }
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

    public func acknowledge(_ job: Job) {
        inHand.remove(job.taskID)
        enqueuedAt[job.taskID] = nil
    }

    public func deadLetter(_ job: Job, reason: String) {
        deadLetters.append((job, reason))
        acknowledge(job)
    }

    /// Jobs given up on, with the reason, oldest first (kept for the life of the process).
    public private(set) var deadLetters: [(Job, String)] = []

    /// Jobs waiting for a worker.
    public var depth: Int { jobs.count }

    public func waitingCount() -> Int { jobs.count }

    public func counts(kind: TaskKind) -> QueueCounts {
        let oldest = enqueuedAt.values.filter { $0.kind == kind }.map(\.at).min()
        return QueueCounts(
            waiting: jobs.filter { $0.kind == kind }.count,
            pending: inHand.filter { enqueuedAt[$0]?.kind == kind }.count,
            deadLettered: deadLetters.filter { $0.0.kind == kind }.count,
            oldestAge: oldest.map { ContinuousClock.now - $0 })
    }

    private func cancelWaiter(_ id: UUID) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }
}
