import CoachCore
import Foundation

/// A `TaskEvent` as JSON, the way the Redis progress bus stores it (`TaskResult` has no
/// `Codable` of its own, so the result is tagged by kind here).
public struct TaskEventPayload: Sendable, Hashable, Codable {
    /// The event's result, tagged by kind.
    public enum Result: Sendable, Hashable, Codable {
        case questionSet(QuestionSet)
        case learningPath(LearningPath)

        private enum CodingKeys: String, CodingKey {
            case kind
            case questionSet = "question_set"
            case learningPath = "learning_path"
        }

        private enum Kind: String, Codable {
            case questionSet = "question_set"
            case learningPath = "learning_path"
        }

        public init(_ result: TaskResult) {
            switch result {
            case .questionSet(let set): self = .questionSet(set)
            case .learningPath(let path): self = .learningPath(path)
            }
        }

        public var taskResult: TaskResult {
            switch self {
            case .questionSet(let set): .questionSet(set)
            case .learningPath(let path): .learningPath(path)
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(Kind.self, forKey: .kind) {
            case .questionSet: self = .questionSet(try container.decode(QuestionSet.self, forKey: .questionSet))
            case .learningPath: self = .learningPath(try container.decode(LearningPath.self, forKey: .learningPath))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .questionSet(let set):
                try container.encode(Kind.questionSet, forKey: .kind)
                try container.encode(set, forKey: .questionSet)
            case .learningPath(let path):
                try container.encode(Kind.learningPath, forKey: .kind)
                try container.encode(path, forKey: .learningPath)
            }
        }
    }

    public var sequence: Int64
    public var type: TaskEvent.EventType
    public var task: TaskRecord
    public var result: Result?
    public var timestamp: Date

    public init(_ event: TaskEvent) {
        self.sequence = event.sequence
        self.type = event.type
        self.task = event.task
        self.result = event.result.map(Result.init)
        self.timestamp = event.timestamp
    }

    /// The event this payload stands for.
    public var event: TaskEvent {
        TaskEvent(sequence: sequence, type: type, task: task, result: result?.taskResult, timestamp: timestamp)
    }

    /// JSON with dates as seconds since 2001 (Foundation's default), which round-trip exactly.
    public static func encode(_ event: TaskEvent) throws -> String {
        let data = try JSONEncoder().encode(TaskEventPayload(event))
        return String(decoding: data, as: UTF8.self)
    }

    /// The event in `json` (from `encode`).
    public static func decode(_ json: String) throws -> TaskEvent {
        try JSONDecoder().decode(TaskEventPayload.self, from: Data(json.utf8)).event
    }
}
