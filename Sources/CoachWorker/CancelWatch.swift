import CoachJobs
import Synchronization

/// Operators' cancel requests for the jobs a worker runs, looked up for all of them at once: while
/// any job runs, one task asks the queue every `poll` about every running task (one round trip,
/// one timer), where each job used to ask for itself (a Redis `GET` and a timer per job per poll).
/// The task stops when no job runs and starts again with the next.
final class CancelWatch: Sendable {
    private let queue: any JobQueue
    private let poll: Duration
    private let state = Mutex(State())

    private struct State {
        /// Waits that have not reached their continuation yet; a cancel meanwhile takes it out.
        var starting: Set<UInt64> = []
        var waiting: [UInt64: Waiter] = [:]
        var lastID: UInt64 = 0
        var ticking = false
    }

    private struct Waiter {
        let taskID: String
        let continuation: CheckedContinuation<String, any Error>
    }

    init(queue: any JobQueue, poll: Duration) {
        self.queue = queue
        self.poll = poll
    }

    /// Waits until someone asks to cancel `taskID`, and returns who did. Cancelling the waiting
    /// task ends the wait with `CancellationError` (what happens when the job ends first).
    func request(for taskID: String) async throws -> String {
        let id = state.withLock { state in
            state.lastID += 1
            state.starting.insert(state.lastID)
            return state.lastID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
                let (cancelled, startTicking): (Bool, Bool) = state.withLock { state in
                    guard state.starting.remove(id) != nil else { return (true, false) }
                    state.waiting[id] = Waiter(taskID: taskID, continuation: continuation)
                    let start = !state.ticking
                    state.ticking = true
                    return (false, start)
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
                // Detached: the looks are the worker's, not any one job's (no trace, no attempt log).
                if startTicking { Task.detached { await self.tick() } }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                if state.starting.remove(id) != nil { return nil }  // the continuation will see it
                return state.waiting.removeValue(forKey: id)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Jobs watched now (tests).
    var watchedCount: Int { state.withLock { $0.waiting.count } }

    /// Whether the looking task runs (tests).
    var isTicking: Bool { state.withLock { $0.ticking } }

    private func tick() async {
        while true {
            try? await Task.sleep(for: poll)
            let taskIDs: [String]? = state.withLock { state in
                guard !state.waiting.isEmpty else {
                    state.ticking = false
                    return nil
                }
                return Array(Set(state.waiting.values.map(\.taskID)))
            }
            guard let taskIDs else { return }
            // A queue that cannot answer now is asked again at the next look.
            guard let requests = try? await queue.cancelRequests(taskIDs: taskIDs), !requests.isEmpty else { continue }
            let answered: [(Waiter, String)] = state.withLock { state in
                var answered: [(Waiter, String)] = []
                for (id, waiter) in state.waiting {
                    guard let actor = requests[waiter.taskID] else { continue }
                    state.waiting[id] = nil
                    answered.append((waiter, actor))
                }
                return answered
            }
            for (waiter, actor) in answered { waiter.continuation.resume(returning: actor) }
        }
    }
}
