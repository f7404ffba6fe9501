import CoachCore
import CoachProtos
import Foundation
import SwiftProtobuf

// Conversions between generation/task domain types and their gRPC messages.

extension Usage {
    public init(proto p: Interviewcoach_V1_Usage) {
        self.init(inputTokens: Int(p.inputTokens), outputTokens: Int(p.outputTokens), costUSD: p.costUsd)
    }

    public var proto: Interviewcoach_V1_Usage {
        var p = Interviewcoach_V1_Usage()
        p.inputTokens = Int64(inputTokens)
        p.outputTokens = Int64(outputTokens)
        p.costUsd = costUSD
        return p
    }
}

extension GenerationAttempt {
    public init(proto p: Interviewcoach_V1_GenerationAttempt) {
        self.init(
            provider: p.provider, model: p.model, outcome: Outcome(rawValue: p.outcome) ?? .permanentError,
            latencyMs: Int(p.latencyMs), usage: Usage(proto: p.usage), errorCode: p.errorCode.isEmpty ? nil : p.errorCode,
            rules: p.rules.isEmpty ? nil : p.rules)
    }

    public var proto: Interviewcoach_V1_GenerationAttempt {
        var p = Interviewcoach_V1_GenerationAttempt()
        p.provider = provider
        p.model = model
        p.outcome = outcome.rawValue
        p.latencyMs = Int64(latencyMs)
        p.usage = usage.proto
        p.errorCode = errorCode ?? ""
        p.rules = rules ?? []
        return p
    }
}

extension Question {
    public init(proto p: Interviewcoach_V1_Question) {
        self.init(type: p.type, difficulty: p.difficulty, topic: p.topic, question: p.question, whatGoodAnswersCover: p.whatGoodAnswersCover)
    }

    public var proto: Interviewcoach_V1_Question {
        var p = Interviewcoach_V1_Question()
        p.type = type
        p.difficulty = difficulty
        p.topic = topic
        p.question = question
        p.whatGoodAnswersCover = whatGoodAnswersCover
        return p
    }
}

extension QuestionOptions {
    public init(proto p: Interviewcoach_V1_QuestionOptions) throws(CoachError) {
        self.init(
            provider: p.hasProvider ? p.provider : nil, language: try Language(protoValue: p.hasLanguage ? p.language : nil),
            questionCount: p.hasQuestionCount ? Int(p.questionCount) : 5,
            targetRole: p.hasTargetRole ? p.targetRole : nil, jobDescription: p.hasJobDescription ? p.jobDescription : nil,
            seed: p.hasSeed ? p.seed : nil)
    }

    public var proto: Interviewcoach_V1_QuestionOptions {
        var p = Interviewcoach_V1_QuestionOptions()
        if let provider { p.provider = provider }
        p.language = language.rawValue
        p.questionCount = Int32(clamping: questionCount)
        if let targetRole { p.targetRole = targetRole }
        if let jobDescription { p.jobDescription = jobDescription }
        if let seed { p.seed = seed }
        return p
    }
}

extension LearningOptions {
    public init(proto p: Interviewcoach_V1_LearningOptions) throws(CoachError) {
        self.init(
            provider: p.hasProvider ? p.provider : nil, language: try Language(protoValue: p.hasLanguage ? p.language : nil),
            targetRole: p.hasTargetRole ? p.targetRole : nil, focusAreas: p.focusAreas,
            timeCommitmentHoursPerWeek: p.hasTimeCommitmentHoursPerWeek ? Int(p.timeCommitmentHoursPerWeek) : nil,
            seed: p.hasSeed ? p.seed : nil, practiceSessionID: p.hasPracticeSessionID ? p.practiceSessionID : nil)
    }

    public var proto: Interviewcoach_V1_LearningOptions {
        var p = Interviewcoach_V1_LearningOptions()
        if let provider { p.provider = provider }
        p.language = language.rawValue
        if let targetRole { p.targetRole = targetRole }
        p.focusAreas = focusAreas
        if let hours = timeCommitmentHoursPerWeek { p.timeCommitmentHoursPerWeek = Int32(clamping: hours) }
        if let seed { p.seed = seed }
        if let practiceSessionID { p.practiceSessionID = practiceSessionID }
        return p
    }
}

extension Language {
    /// `nil` or empty means the default (ko).
    init(protoValue: String?) throws(CoachError) {
        guard let protoValue, !protoValue.isEmpty else {
            self = .ko
            return
        }
        guard let language = Language(rawValue: protoValue) else {
            throw CoachError.badRequest("language must be ko or en", field: "language")
        }
        self = language
    }
}

extension QuestionSet {
    public init(proto p: Interviewcoach_V1_QuestionSet) {
        self.init(
            id: p.id, resumeID: p.resumeID, uniqueKey: p.uniqueKey, questions: p.questions.map(Question.init(proto:)),
            record: GenerationRecord(provenance: p),
            createdAt: p.createdAt.date, taskID: p.taskID.isEmpty ? nil : p.taskID)
    }

    public var proto: Interviewcoach_V1_QuestionSet {
        var p = Interviewcoach_V1_QuestionSet()
        p.id = id
        p.resumeID = resumeID
        p.uniqueKey = uniqueKey
        record.write(to: &p)
        p.questions = questions.map(\.proto)
        p.createdAt = Google_Protobuf_Timestamp(date: createdAt)
        p.taskID = taskID ?? ""
        return p
    }
}

extension LearningPath {
    public init(proto p: Interviewcoach_V1_LearningPath) {
        self.init(
            id: p.id, resumeID: p.resumeID, uniqueKey: p.uniqueKey,
            plan: LearningPlan(
                analysis: Analysis(strengths: p.analysis.strengths, weaknesses: p.analysis.weaknesses), summary: p.summary,
                learningPaths: p.learningPaths.map {
                    LearningItem(
                        type: $0.type, title: $0.title, description: $0.description_p, reason: $0.reason, resources: $0.resources,
                        link: $0.link, estimatedHours: Int($0.estimatedHours))
                }),
            record: GenerationRecord(provenance: p),
            createdAt: p.createdAt.date, taskID: p.taskID.isEmpty ? nil : p.taskID)
    }

    public var proto: Interviewcoach_V1_LearningPath {
        var p = Interviewcoach_V1_LearningPath()
        p.id = id
        p.resumeID = resumeID
        p.uniqueKey = uniqueKey
        record.write(to: &p)
        p.analysis.strengths = plan.analysis.strengths
        p.analysis.weaknesses = plan.analysis.weaknesses
        p.summary = plan.summary
        p.learningPaths = plan.learningPaths.map { item in
            var i = Interviewcoach_V1_LearningItem()
            i.type = item.type
            i.title = item.title
            i.description_p = item.description
            i.reason = item.reason
            i.resources = item.resources
            i.link = item.link
            i.estimatedHours = Int32(clamping: item.estimatedHours)
            return i
        }
        p.createdAt = Google_Protobuf_Timestamp(date: createdAt)
        p.taskID = taskID ?? ""
        return p
    }
}

extension TaskKind {
    public init?(proto: Interviewcoach_V1_TaskKind) {
        switch proto {
        case .interview: self = .interview
        case .learning: self = .learning
        default: return nil
        }
    }

    public var proto: Interviewcoach_V1_TaskKind { self == .interview ? .interview : .learning }
}

extension TaskState {
    public init?(proto: Interviewcoach_V1_TaskState) {
        switch proto {
        case .pending: self = .pending
        case .progress: self = .progress
        case .success: self = .success
        case .failure: self = .failure
        case .cancelled: self = .cancelled
        default: return nil
        }
    }

    public var proto: Interviewcoach_V1_TaskState {
        switch self {
        case .pending: .pending
        case .progress: .progress
        case .success: .success
        case .failure: .failure
        case .cancelled: .cancelled
        }
    }
}


extension TaskEvent {
    public var proto: Interviewcoach_V1_TaskEvent {
        var p = Interviewcoach_V1_TaskEvent()
        p.sequence = sequence
        p.eventType = type.rawValue
        p.task = TaskView(task, result: result).proto
        p.timestamp = Google_Protobuf_Timestamp(date: timestamp)
        return p
    }
}

extension TaskView {
    public init(proto p: Interviewcoach_V1_Task) {
        let result: TaskResult? =
            switch p.result {
            case .questionSet(let set)?: .questionSet(QuestionSet(proto: set))
            case .learningPath(let path)?: .learningPath(LearningPath(proto: path))
            case nil: nil
            }
        self.init(
            taskID: p.taskID, kind: TaskKind(proto: p.kind) ?? .interview, state: TaskState(proto: p.state) ?? .pending,
            progress: Int(p.progress), stage: p.stage, message: p.message, uniqueKey: p.uniqueKey,
            createdAt: p.createdAt.date, updatedAt: p.updatedAt.date, result: result,
            error: p.hasError ? TaskError(code: p.error.code, message: p.error.message) : nil, sequence: p.sequence)
    }

    public var proto: Interviewcoach_V1_Task {
        var p = Interviewcoach_V1_Task()
        p.taskID = taskID
        p.kind = kind.proto
        p.state = state.proto
        p.progress = Int32(progress)
        p.stage = stage
        p.message = message
        p.uniqueKey = uniqueKey
        p.createdAt = Google_Protobuf_Timestamp(date: createdAt)
        p.updatedAt = Google_Protobuf_Timestamp(date: updatedAt)
        switch result {
        case .questionSet(let set)?: p.questionSet = set.proto
        case .learningPath(let path)?: p.learningPath = path.proto
        case nil: break
        }
        if let error {
            p.error.code = error.code
            p.error.message = error.message
        }
        p.sequence = sequence
        return p
    }
}

/// A result message: its provenance fields are the same in every kind.
protocol ProvenanceMessage {
    var provider: String { get set }
    var model: String { get set }
    var promptVersion: String { get set }
    var language: String { get set }
    var usage: Interviewcoach_V1_Usage { get set }
    var attempts: [Interviewcoach_V1_GenerationAttempt] { get set }
}

extension Interviewcoach_V1_QuestionSet: ProvenanceMessage {}
extension Interviewcoach_V1_LearningPath: ProvenanceMessage {}

extension GenerationRecord {
    init(provenance p: some ProvenanceMessage) {
        self.init(
            provider: p.provider, model: p.model, promptVersion: p.promptVersion, language: Language(rawValue: p.language) ?? .ko,
            usage: Usage(proto: p.usage), attempts: p.attempts.map(GenerationAttempt.init(proto:)))
    }

    func write(to p: inout some ProvenanceMessage) {
        p.provider = provider
        p.model = model
        p.promptVersion = promptVersion
        p.language = language.rawValue
        p.usage = usage.proto
        p.attempts = attempts.map(\.proto)
    }
}
