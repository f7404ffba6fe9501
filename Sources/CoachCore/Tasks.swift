import Foundation

/// Which service owns a task.
public enum TaskKind: String, Sendable, Hashable, Codable, CaseIterable {
    case interview, learning
}

/// The contract's task states.
public enum TaskState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "PENDING"
    case progress = "PROGRESS"
    case success = "SUCCESS"
    case failure = "FAILURE"
    /// Stopped by an operator (`OperationsService.CancelTask`).
    case cancelled = "CANCELLED"

    public var isTerminal: Bool { self == .success || self == .failure || self == .cancelled }
}

/// The stages and percentages of the progress contract.
public enum TaskStage: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case loadingResume = "loading_resume"
    case generatingPrompt = "generating_prompt"
    case callingLLM = "calling_llm"
    case processingResponse = "processing_response"
    case completed
    case failed
    case cancelled

    public var progress: Int? {
        switch self {
        case .pending: 0
        case .loadingResume: 10
        case .generatingPrompt: 30
        case .callingLLM: 70
        case .processingResponse: 90
        case .completed: 100
        case .failed, .cancelled: nil
        }
    }

    /// What a progress message says at this stage.
    public func message(_ language: Language) -> String {
        switch (self, language) {
        case (.pending, .ko): "작업이 대기열에 등록되었습니다"
        case (.pending, .en): "Task queued"
        case (.loadingResume, .ko): "이력서를 불러오는 중입니다"
        case (.loadingResume, .en): "Loading the resume"
        case (.generatingPrompt, .ko): "프롬프트를 준비하는 중입니다"
        case (.generatingPrompt, .en): "Preparing the prompt"
        case (.callingLLM, .ko): "AI 모델이 생성하는 중입니다"
        case (.callingLLM, .en): "The model is generating"
        case (.processingResponse, .ko): "결과를 검증하고 저장하는 중입니다"
        case (.processingResponse, .en): "Validating and storing the result"
        case (.completed, .ko): "완료되었습니다"
        case (.completed, .en): "Completed"
        case (.failed, .ko): "실패했습니다"
        case (.failed, .en): "Failed"
        case (.cancelled, .ko): "취소되었습니다"
        case (.cancelled, .en): "Cancelled"
        }
    }
}

/// Why a task failed: a REST error code and a message safe to show.
public struct TaskError: Sendable, Hashable, Codable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// What a task was asked to produce.
public enum TaskInput: Sendable, Hashable, Codable {
    case questions(QuestionOptions)
    case learningPath(LearningOptions)

    public var language: Language {
        switch self {
        case .questions(let options): options.language
        case .learningPath(let options): options.language
        }
    }
}

/// A finished task's result.
public enum TaskResult: Sendable, Hashable {
    case questionSet(QuestionSet)
    case learningPath(LearningPath)
}

/// The stored truth about a background task.
public struct TaskRecord: Sendable, Hashable, Codable {
    public var taskID: String
    public var kind: TaskKind
    public var state: TaskState
    public var progress: Int
    public var stage: TaskStage
    public var message: String
    public var uniqueKey: String
    public var input: TaskInput
    public var idempotencyKey: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Id of the stored result once SUCCESS.
    public var resultID: String?
    public var error: TaskError?
    /// Sequence number of the newest event; the next event gets `sequence + 1`.
    public var sequence: Int64
    /// How many times a worker has started this task.
    public var runs: Int
    /// The id of the API key that started the task (its token budget pays for it); `nil`
    /// without keys or for the admin key.
    public var keyID: String?
    /// What happened to the task, oldest first (at most `TaskTimelineEntry.limit` kept).
    public var timeline: [TaskTimelineEntry] {
        get { storedTimeline ?? [] }
        set { storedTimeline = Array(newValue.suffix(TaskTimelineEntry.limit)) }
    }
    /// Every provider attempt of every run, oldest first (at most `TaskAttempt.limit` kept).
    public var attempts: [TaskAttempt] {
        get { storedAttempts ?? [] }
        set { storedAttempts = Array(newValue.suffix(TaskAttempt.limit)) }
    }
    /// The id of the trace the task ran in (when traces are exported).
    public var traceID: String?
    /// Stored as `tenant`; absent in records from before tenants, which are the default tenant's.
    private var storedTenant: Tenant?
    /// Absent in records from before the operations dashboard.
    private var storedTimeline: [TaskTimelineEntry]?
    private var storedAttempts: [TaskAttempt]?

    /// Whose task it is: the tenant of the key that started it.
    public var tenant: Tenant {
        get { storedTenant ?? .default }
        set { storedTenant = newValue }
    }

    enum CodingKeys: String, CodingKey {
        case taskID, kind, state, progress, stage, message, uniqueKey, input, idempotencyKey, createdAt, updatedAt
        case resultID, error, sequence, runs, keyID, traceID
        case storedTenant = "tenant"
        case storedTimeline = "timeline"
        case storedAttempts = "attempts"
    }

    /// The providers the task's attempts went to, in first-use order.
    public var providers: [String] {
        var seen: [String] = []
        for attempt in attempts where !seen.contains(attempt.provider) { seen.append(attempt.provider) }
        return seen
    }

    /// Appends `event` to the timeline at `at`.
    public mutating func note(_ event: TaskTimelineEntry.Event, at: Date, stage: TaskStage? = nil, detail: String? = nil) {
        timeline.append(TaskTimelineEntry(at: at, event: event, stage: stage, run: runs, detail: detail))
    }

    public init(
        taskID: String, kind: TaskKind, tenant: Tenant = .default, uniqueKey: String, input: TaskInput,
        idempotencyKey: String?, createdAt: Date
    ) {
        self.storedTenant = tenant
        self.taskID = taskID
        self.kind = kind
        self.state = .pending
        self.progress = 0
        self.stage = .pending
        self.message = TaskStage.pending.message(input.language)
        self.uniqueKey = uniqueKey
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.resultID = nil
        self.error = nil
        self.sequence = 1
        self.runs = 0
        self.storedTimeline = [TaskTimelineEntry(at: createdAt, event: .queued, stage: nil, run: 0, detail: nil)]
    }
}

/// One entry of a task's timeline (the operations dashboard's task detail).
public struct TaskTimelineEntry: Sendable, Hashable, Codable {
    public enum Event: String, Sendable, Hashable, Codable {
        /// Created and enqueued.
        case queued
        /// A worker started a run.
        case started
        /// A run entered `stage`.
        case stage
        /// A run failed transiently; another follows (`detail`: the error code).
        case retrying
        case failed
        case completed
        /// An operator asked to stop the task (`detail`: who).
        case cancelRequested = "cancel_requested"
        case cancelled
        /// An operator ran a finished task again (`detail`: who, and the provider asked for).
        case retried
    }

    /// Entries kept per task: a task retried again and again keeps its newest history.
    public static let limit = 200

    public var at: Date
    public var event: Event
    public var stage: TaskStage?
    /// The run the entry belongs to (0 before the first).
    public var run: Int
    /// An error code, an actor or a provider; never user content.
    public var detail: String?

    public init(at: Date, event: Event, stage: TaskStage?, run: Int, detail: String?) {
        self.at = at
        self.event = event
        self.stage = stage
        self.run = run
        self.detail = detail
    }
}

/// One provider attempt of a task's run.
public struct TaskAttempt: Sendable, Hashable, Codable {
    /// Attempts kept per task.
    public static let limit = 100

    public var run: Int
    public var attempt: GenerationAttempt

    public init(run: Int, attempt: GenerationAttempt) {
        self.run = run
        self.attempt = attempt
    }

    public var provider: String { attempt.provider }
}

/// What an operator looks for among the tasks of every tenant; empty sets and nil values match
/// everything, and every filter given must hold.
public struct TaskQuery: Sendable, Hashable {
    public var kinds: Set<TaskKind> = []
    public var states: Set<TaskState> = []
    public var tenant: Tenant?
    public var uniqueKey: String?
    /// Some attempt of the task went to this provider.
    public var provider: String?
    /// The task failed with this error code.
    public var errorCode: String?
    /// Created at or after.
    public var createdFrom: Date?
    /// Created before.
    public var createdBefore: Date?

    public init(
        kinds: Set<TaskKind> = [], states: Set<TaskState> = [], tenant: Tenant? = nil, uniqueKey: String? = nil, provider: String? = nil,
        errorCode: String? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil
    ) {
        self.kinds = kinds
        self.states = states
        self.tenant = tenant
        self.uniqueKey = uniqueKey
        self.provider = provider
        self.errorCode = errorCode
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
    }

    /// Whether `task` matches (what the stores' queries compute; their contract tests use it).
    public func matches(_ task: TaskRecord) -> Bool {
        (kinds.isEmpty || kinds.contains(task.kind)) && (states.isEmpty || states.contains(task.state))
            && (tenant == nil || tenant == task.tenant) && (uniqueKey == nil || uniqueKey == task.uniqueKey)
            && (provider.map { task.providers.contains($0) } ?? true) && (errorCode == nil || errorCode == task.error?.code)
            && (createdFrom.map { task.createdAt >= $0 } ?? true) && (createdBefore.map { task.createdAt < $0 } ?? true)
    }
}

/// One progress event of a task: `id:` in SSE, a `TaskEvent` in `WatchTask`.
public struct TaskEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable, Codable {
        case progress, completed, error
    }

    public var sequence: Int64
    public var type: EventType
    /// The task as of this event (with the result on `completed`).
    public var task: TaskRecord
    public var result: TaskResult?
    public var timestamp: Date

    public init(sequence: Int64, type: EventType, task: TaskRecord, result: TaskResult? = nil, timestamp: Date) {
        self.sequence = sequence
        self.type = type
        self.task = task
        self.result = result
        self.timestamp = timestamp
    }

    public var isTerminal: Bool { type != .progress }

    /// The event a task's current state stands for.
    public init(snapshot task: TaskRecord, result: TaskResult? = nil) {
        let type: EventType = task.state == .success ? .completed : task.state == .failure || task.state == .cancelled ? .error : .progress
        self.init(sequence: task.sequence, type: type, task: task, result: result, timestamp: task.updatedAt)
    }
}

/// A task as seen by clients: the record's public fields and, when finished, its result.
public struct TaskView: Sendable, Hashable {
    public var taskID: String
    public var kind: TaskKind
    public var state: TaskState
    public var progress: Int
    public var stage: String
    public var message: String
    public var uniqueKey: String
    public var createdAt: Date
    public var updatedAt: Date
    public var result: TaskResult?
    public var error: TaskError?
    public var sequence: Int64

    public init(
        taskID: String, kind: TaskKind, state: TaskState, progress: Int, stage: String, message: String, uniqueKey: String,
        createdAt: Date, updatedAt: Date, result: TaskResult?, error: TaskError?, sequence: Int64
    ) {
        self.taskID = taskID
        self.kind = kind
        self.state = state
        self.progress = progress
        self.stage = stage
        self.message = message
        self.uniqueKey = uniqueKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.result = result
        self.error = error
        self.sequence = sequence
    }

    public init(_ record: TaskRecord, result: TaskResult?) {
        taskID = record.taskID
        kind = record.kind
        state = record.state
        progress = record.progress
        stage = record.stage.rawValue
        message = record.message
        uniqueKey = record.uniqueKey
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        self.result = result
        error = record.error
        sequence = record.sequence
    }
}
