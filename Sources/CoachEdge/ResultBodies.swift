import CoachCore
import Foundation

// JSON bodies of the Interview, Learning and task routes (docs/REST-API.md).

/// A question set as the generation POST returns it (`generated_at`, `usage`) or as GET returns
/// it (`created_at`); both carry provenance.
struct QuestionSetBody: Encodable {
    var set: QuestionSet
    var generated: Bool

    enum CodingKeys: String, CodingKey {
        case interviewID = "interview_id", resumeID = "resume_id", uniqueKey = "unique_key", provider, model
        case promptVersion = "prompt_version", language, questions, generatedAt = "generated_at"
        case createdAt = "created_at", usage, attempts, taskID = "task_id"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(set.id, forKey: .interviewID)
        try c.encode(set.resumeID, forKey: .resumeID)
        try c.encode(set.uniqueKey, forKey: .uniqueKey)
        try c.encode(set.record.provider, forKey: .provider)
        try c.encode(set.record.model, forKey: .model)
        try c.encode(set.record.promptVersion, forKey: .promptVersion)
        try c.encode(set.record.language, forKey: .language)
        try c.encode(set.questions, forKey: .questions)
        try c.encode(set.createdAt.rfc3339, forKey: generated ? .generatedAt : .createdAt)
        try c.encode(set.record.usage, forKey: .usage)
        try c.encode(set.record.attempts, forKey: .attempts)
        try c.encodeIfPresent(set.taskID, forKey: .taskID)
    }
}

struct LearningPathBody: Encodable {
    var path: LearningPath
    var generated: Bool

    enum CodingKeys: String, CodingKey {
        case learningPathID = "learning_path_id", resumeID = "resume_id", uniqueKey = "unique_key", provider, model
        case promptVersion = "prompt_version", language, analysis, summary, learningPaths = "learning_paths"
        case generatedAt = "generated_at", createdAt = "created_at", usage, attempts, taskID = "task_id"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path.id, forKey: .learningPathID)
        try c.encode(path.resumeID, forKey: .resumeID)
        try c.encode(path.uniqueKey, forKey: .uniqueKey)
        try c.encode(path.record.provider, forKey: .provider)
        try c.encode(path.record.model, forKey: .model)
        try c.encode(path.record.promptVersion, forKey: .promptVersion)
        try c.encode(path.record.language, forKey: .language)
        try c.encode(path.plan.analysis, forKey: .analysis)
        try c.encode(path.plan.summary, forKey: .summary)
        try c.encode(path.plan.learningPaths, forKey: .learningPaths)
        try c.encode(path.createdAt.rfc3339, forKey: generated ? .generatedAt : .createdAt)
        try c.encode(path.record.usage, forKey: .usage)
        try c.encode(path.record.attempts, forKey: .attempts)
        try c.encodeIfPresent(path.taskID, forKey: .taskID)
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
