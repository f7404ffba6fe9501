import CoachCore
import Synchronization

/// Collects the provider attempts made while it is `current` (a task-local): the worker sets one
/// per run, so a task keeps every attempt — the failed runs' too — for the operations dashboard.
public final class AttemptLog: Sendable {
    private let attempts = Mutex<[GenerationAttempt]>([])

    public init() {}

    /// The log of the work in progress, if any.
    @TaskLocal public static var current: AttemptLog?

    func record(_ attempt: GenerationAttempt) {
        attempts.withLock { $0.append(attempt) }
    }

    /// The attempts so far, oldest first.
    public var recorded: [GenerationAttempt] { attempts.withLock { $0 } }
}
