import CoachCore
import CoachProtos
import SwiftProtobuf

extension Interviewcoach_V1_TaskDetail {
    /// A task as operators see it; `full` adds the timeline and the attempts (a detail, not a list row).
    public init(_ task: TaskRecord, cancelRequested: Bool, full: Bool) {
        self.init()
        taskID = task.taskID
        kind = task.kind.proto
        tenant = task.tenant.rawValue
        state = task.state.proto
        stage = task.stage.rawValue
        progress = Int32(clamping: task.progress)
        message = task.message
        uniqueKey = task.uniqueKey
        createdAt = Google_Protobuf_Timestamp(date: task.createdAt)
        updatedAt = Google_Protobuf_Timestamp(date: task.updatedAt)
        runs = Int32(clamping: task.runs)
        providers = task.providers
        if let error = task.error {
            var p = Interviewcoach_V1_TaskError()
            p.code = error.code
            p.message = error.message
            self.error = p
        }
        traceID = task.traceID ?? ""
        resultID = task.resultID ?? ""
        self.cancelRequested = cancelRequested
        guard full else { return }
        timeline = task.timeline.map { entry in
            var p = Interviewcoach_V1_TimelineEntry()
            p.at = Google_Protobuf_Timestamp(date: entry.at)
            p.event = entry.event.rawValue
            p.stage = entry.stage?.rawValue ?? ""
            p.run = Int32(clamping: entry.run)
            p.detail = entry.detail ?? ""
            return p
        }
        attempts = task.attempts.map { attempt in
            var p = Interviewcoach_V1_TaskAttemptRecord()
            p.run = Int32(clamping: attempt.run)
            p.attempt = attempt.attempt.proto
            return p
        }
    }
}
