import GRPCCore
import Synchronization

/// The deadlines of the requests an edge is handling, kept by one ticking task rather than a
/// timer per call.
///
/// grpc-swift keeps a call's timeout with a `Task.sleep` on each side of the call (the client's,
/// and the server's from `grpc-timeout`). On Linux a sleep is a libdispatch timer: setting it
/// wakes libdispatch's timer thread, and the timer still fires when it is due, waking threads
/// again, even though the call ended long before. Per REST GET that was two thirds of the
/// process's context switches and 15–40 % of its CPU (bench/README.md, "Deadlines without a timer
/// per call"). Here a request registers its deadline in a table (one lock), and one task wakes every
/// `resolution` while any deadline is pending, cancelling what is due.
final class UpstreamDeadlines: Sendable {
    /// The edge's: a deadline is kept to within a tenth of a second.
    static let shared = UpstreamDeadlines(resolution: .milliseconds(100))

    let resolution: Duration
    private let state = Mutex(State())

    private struct State {
        var lastID: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
        /// Requests whose deadline passed, until they have ended.
        var expired: Set<UInt64> = []
        var ticking = false
    }

    private struct Pending {
        var deadline: ContinuousClock.Instant
        var cancel: @Sendable () -> Void
    }

    init(resolution: Duration) { self.resolution = resolution }

    /// Runs `operation` in a task of its own that is cancelled once `budget` has passed (or when
    /// the caller is cancelled), and returns its result. When the deadline cancelled it and it
    /// ended in an error, the error is `RPCError(.deadlineExceeded)`, as a call's own timeout
    /// would have been (REST: 504 `UPSTREAM_TIMEOUT`). Task-local values (the trace context) are
    /// the caller's.
    func run<Value: Sendable>(
        within budget: Duration, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let task = Task { try await operation() }
        let deadline = ContinuousClock.now.advanced(by: budget)
        let (id, startTicking): (UInt64, Bool) = state.withLock { state in
            state.lastID &+= 1
            state.pending[state.lastID] = Pending(deadline: deadline, cancel: { task.cancel() })
            let start = !state.ticking
            state.ticking = true
            return (state.lastID, start)
        }
        if startTicking {
            // Detached: the ticker belongs to no request (nor to its trace).
            Task.detached { await self.tick() }
        }
        let outcome = await withTaskCancellationHandler { await task.result } onCancel: { task.cancel() }
        let expired = state.withLock { state in
            state.pending[id] = nil
            return state.expired.remove(id) != nil
        }
        if expired, case .failure = outcome {
            throw RPCError(code: .deadlineExceeded, message: "the upstream call took longer than \(budget)")
        }
        return try outcome.get()
    }

    /// How many deadlines are pending (tests).
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Whether the ticking task is running (tests: it stops once nothing is pending).
    var isTicking: Bool { state.withLock { $0.ticking } }

    /// Every `resolution`: cancels what is due; stops once nothing is pending (the next request
    /// starts it again).
    private func tick() async {
        while true {
            try? await Task.sleep(for: resolution)
            let now = ContinuousClock.now
            let due: [@Sendable () -> Void]? = state.withLock { state in
                if state.pending.isEmpty {
                    state.ticking = false
                    return nil
                }
                var due: [@Sendable () -> Void] = []
                for (id, pending) in state.pending where pending.deadline <= now {
                    due.append(pending.cancel)
                    state.pending[id] = nil
                    state.expired.insert(id)
                }
                return due
            }
            guard let due else { return }
            for cancel in due { cancel() }
        }
    }
}
