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
    private var paused: Set<TaskKind> = []
    /// Task id → who asked to cancel it.
    private var cancelAskers: [String: String] = [:]
    private var done = 0
    private var lastSeen: Date?
    private var deadLetterCount = 0

    public init() {}

    public func enqueue(_ job: Job) {
        var job = job
        job.deliveries += 1
        if enqueuedAt[job.taskID] == nil { enqueuedAt[job.taskID] = (job.kind, .now) }
        if !waiters.isEmpty, !paused.contains(job.kind) {
            inHand.insert(job.taskID)
            waiters.removeFirst().continuation.resume(returning: job)
        } else {
            jobs.append(job)
        }
    }

    public func next() async throws -> Job {
        try Task.checkCancellation()
        lastSeen = Date()
        if let index = jobs.firstIndex(where: { !paused.contains($0.kind) }) {
            let job = jobs.remove(at: index)
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
        if inHand.remove(job.taskID) != nil { done += 1 }
        enqueuedAt[job.taskID] = nil
        lastSeen = Date()
    }

    public func deadLetter(_ job: Job, reason: String) {
        deadLetterCount += 1
        deadLetterEntries.append(
            DeadLetteredJob(id: "\(deadLetterCount)", kind: job.kind, taskID: job.taskID, reason: reason, deliveries: job.deliveries, at: Date()))
        // The newest are kept, as Redis trims its dead-letter streams.
        if deadLetterEntries.count > Self.deadLetterCapacity { deadLetterEntries.removeFirst(deadLetterEntries.count - Self.deadLetterCapacity) }
        acknowledge(job)
    }

    /// Jobs given up on, oldest first (for the life of the process).
    private var deadLetterEntries: [DeadLetteredJob] = []
    static let deadLetterCapacity = 10_000

    public func setPaused(_ paused: Bool, kind: TaskKind) {
        if paused {
            self.paused.insert(kind)
        } else {
            self.paused.remove(kind)
            // Hand what waited to the workers that wait.
            while !waiters.isEmpty, let index = jobs.firstIndex(where: { !self.paused.contains($0.kind) }) {
                let job = jobs.remove(at: index)
                inHand.insert(job.taskID)
                waiters.removeFirst().continuation.resume(returning: job)
            }
        }
    }

    public func isPaused(kind: TaskKind) -> Bool { paused.contains(kind) }

    public func deadLetters(kind: TaskKind, limit: Int) -> [DeadLetteredJob] {
        Array(deadLetterEntries.filter { $0.kind == kind }.reversed().prefix(max(0, limit)))
    }

    public func removeDeadLetter(id: String, kind: TaskKind) -> DeadLetteredJob? {
        guard let index = deadLetterEntries.firstIndex(where: { $0.id == id && $0.kind == kind }) else { return nil }
        return deadLetterEntries.remove(at: index)
    }

    public func requestCancel(taskID: String, by actor: String) { cancelAskers[taskID] = actor }
    public func cancelRequests(taskIDs: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for taskID in taskIDs { found[taskID] = cancelAskers[taskID] }
        return found
    }
    public func clearCancel(taskID: String) { cancelAskers[taskID] = nil }

    /// The process's own worker: one consumer.
    public func workers() -> [QueueWorker] {
        [QueueWorker(name: "in-process", jobsInHand: inHand.count, jobsDone: done, lastSeen: lastSeen)]
    }

    /// Jobs waiting for a worker.
    public var depth: Int { jobs.count }

    public func waitingCount() -> Int { jobs.count }

    public func counts(kind: TaskKind) -> QueueCounts {
        let oldest = enqueuedAt.values.filter { $0.kind == kind }.map(\.at).min()
        return QueueCounts(
            waiting: jobs.filter { $0.kind == kind }.count,
            pending: inHand.filter { enqueuedAt[$0]?.kind == kind }.count,
            deadLettered: deadLetterEntries.filter { $0.kind == kind }.count,
            oldestAge: oldest.map { ContinuousClock.now - $0 })
    }

    private func cancelWaiter(_ id: UUID) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        }
    }
}
