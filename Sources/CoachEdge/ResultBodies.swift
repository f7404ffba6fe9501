import CoachCore
import Foundation

// JSON bodies of the Interview, Learning and task routes (docs/REST-API.md).

/// What every result body carries about where it came from, encoded into the same JSON object
/// as the kind's own fields: `generated_at` when a POST just made it, `created_at` when read.
struct ProvenanceFields: Encodable {
    var resumeID: String
    var uniqueKey: String
    var record: GenerationRecord
    var createdAt: Date
    var generated: Bool
    var taskID: String?

    enum CodingKeys: String, CodingKey {
        case resumeID = "resume_id", uniqueKey = "unique_key", provider, model, promptVersion = "prompt_version", language
        case generatedAt = "generated_at", createdAt = "created_at", usage, attempts, taskID = "task_id"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(resumeID, forKey: .resumeID)
        try c.encode(uniqueKey, forKey: .uniqueKey)
        try c.encode(record.provider, forKey: .provider)
        try c.encode(record.model, forKey: .model)
        try c.encode(record.promptVersion, forKey: .promptVersion)
        try c.encode(record.language, forKey: .language)
        try c.encode(createdAt.rfc3339, forKey: generated ? .generatedAt : .createdAt)
        try c.encode(record.usage, forKey: .usage)
        try c.encode(record.attempts, forKey: .attempts)
        try c.encodeIfPresent(taskID, forKey: .taskID)
    }
}

/// A question set as the generation POST returns it or as GET returns it.
struct QuestionSetBody: Encodable {
    var set: QuestionSet
    var generated: Bool

    enum CodingKeys: String, CodingKey {
        case interviewID = "interview_id", questions
    }

    func encode(to encoder: any Encoder) throws {
        try ProvenanceFields(
            resumeID: set.resumeID, uniqueKey: set.uniqueKey, record: set.record, createdAt: set.createdAt, generated: generated,
            taskID: set.taskID
        ).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(set.id, forKey: .interviewID)
        try c.encode(set.questions, forKey: .questions)
    }
}

/// A learning path as the generation POST returns it or as GET returns it.
struct LearningPathBody: Encodable {
    var path: LearningPath
    var generated: Bool

    enum CodingKeys: String, CodingKey {
        case learningPathID = "learning_path_id", analysis, summary, learningPaths = "learning_paths"
    }

    func encode(to encoder: any Encoder) throws {
        try ProvenanceFields(
            resumeID: path.resumeID, uniqueKey: path.uniqueKey, record: path.record, createdAt: path.createdAt, generated: generated,
            taskID: path.taskID
        ).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path.id, forKey: .learningPathID)
        try c.encode(path.plan.analysis, forKey: .analysis)
        try c.encode(path.plan.summary, forKey: .summary)
        try c.encode(path.plan.learningPaths, forKey: .learningPaths)
    }
}

/// The progress record.
struct ProgressBody: Encodable {
    var task: TaskView

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", kind, state, progress, stage, message, timestamp, uniqueKey = "unique_key"
        case createdAt = "created_at", result, error
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task.taskID, forKey: .taskID)
        try c.encode(task.kind, forKey: .kind)
        try c.encode(task.state, forKey: .state)
        try c.encode(task.progress, forKey: .progress)
        try c.encode(task.stage, forKey: .stage)
        try c.encode(task.message, forKey: .message)
        try c.encode(task.updatedAt.rfc3339, forKey: .timestamp)
        try c.encode(task.uniqueKey, forKey: .uniqueKey)
        try c.encode(task.createdAt.rfc3339, forKey: .createdAt)
        switch task.result {
        case .questionSet(let set)?: try c.encode(QuestionSetBody(set: set, generated: true), forKey: .result)
        case .learningPath(let path)?: try c.encode(LearningPathBody(path: path, generated: true), forKey: .result)
        case nil: break
        }
        try c.encodeIfPresent(task.error, forKey: .error)
    }
}

/// The 202 answer of an async start.
struct TaskStartedBody: Encodable {
    var task: TaskView
    var estimatedSeconds: Int

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", status, message, uniqueKey = "unique_key", estimatedTime = "estimated_time"
        case createdAt = "created_at", progressURL = "progress_url", streamURL = "stream_url"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let base = "/api/v1/\(task.kind.rawValue)/tasks/\(task.taskID)"
        try c.encode(task.taskID, forKey: .taskID)
        try c.encode(task.state == .pending ? "pending" : task.state.rawValue.lowercased(), forKey: .status)
        try c.encode(task.message, forKey: .message)
        try c.encode(task.uniqueKey, forKey: .uniqueKey)
        try c.encode(estimatedSeconds, forKey: .estimatedTime)
        try c.encode(task.createdAt.rfc3339, forKey: .createdAt)
        try c.encode(base + "/progress", forKey: .progressURL)
        try c.encode(base + "/stream", forKey: .streamURL)
    }
}
