import CoachCore
import Foundation
import Metrics

/// What the worker reports to swift-metrics (docs/OPERATIONS.md, "Metrics").
enum WorkerMetrics {
    /// A run of a task begins; the first run also reports how long the task waited in the queue.
    static func runStarted(_ task: TaskRecord, at date: Date = Date()) {
        Counter(label: "coach_task_runs_total", dimensions: [("kind", task.kind.rawValue)]).increment()
        if task.runs == 1 {
            let waited = max(0, date.timeIntervalSince(task.createdAt))
            Timer(label: "coach_task_queue_wait_seconds", dimensions: [("kind", task.kind.rawValue)], preferredDisplayUnit: .seconds)
                .recordSeconds(waited)
        }
    }

    /// A task ended for good: `success`, `failure` or `dead_lettered`.
    static func finished(kind: TaskKind, outcome: String) {
        Counter(label: "coach_tasks_finished_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome)]).increment()
    }

    /// Times the stages of one run: each `enter` ends the stage before it.
    struct StageClock {
        let kind: TaskKind
        private var current: (stage: TaskStage, since: ContinuousClock.Instant)?

        init(kind: TaskKind) { self.kind = kind }

        mutating func enter(_ stage: TaskStage) {
            let now = ContinuousClock.now
            if let current, current.stage != stage {
                Timer(
                    label: "coach_task_stage_duration_seconds", dimensions: [("kind", kind.rawValue), ("stage", current.stage.rawValue)],
                    preferredDisplayUnit: .seconds
                ).recordNanoseconds(Int64((now - current.since) / .nanoseconds(1)))
            }
            if current?.stage != stage { current = (stage, now) }
        }
    }
}
