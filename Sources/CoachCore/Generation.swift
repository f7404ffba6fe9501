import Foundation

/// Output language of generated content. Enum words (`type`, `difficulty`, strength/weakness)
/// stay English in both.
public enum Language: String, Sendable, Hashable, Codable, CaseIterable {
    case ko, en
}

/// The eight question types of docs/GENERATION.md.
public enum QuestionType: String, Sendable, Hashable, Codable, CaseIterable {
    case implementation = "Implementation"
    case tradeOff = "Trade-off"
    case performance = "Performance"
    case reliability = "Reliability"
    case scalability = "Scalability"
    case quality = "Quality"
    case collaboration = "Collaboration"
    case business = "Business"
}

public enum Difficulty: String, Sendable, Hashable, Codable, CaseIterable {
    case easy, medium, hard
}

/// Seniority from `total_experience_months`: junior < 24, mid 24–59, senior ≥ 60.
public enum ExperienceLevel: String, Sendable, Hashable, Codable {
    case junior, mid, senior

    public init(months: Int) {
        switch months {
        case ..<24: self = .junior
        case 24..<60: self = .mid
        default: self = .senior
        }
    }

    /// Difficulties for a set of 5 (docs/GENERATION.md table).
    var mixOfFive: [Difficulty: Int] {
        switch self {
        case .junior: [.easy: 2, .medium: 2, .hard: 1]
        case .mid: [.easy: 1, .medium: 3, .hard: 1]
        case .senior: [.easy: 0, .medium: 2, .hard: 3]
        }
    }

    /// How many questions of each difficulty a set of `count` has: the table for 5, scaled
    /// proportionally with largest-remainder rounding (ties go to the harder level for seniors,
    /// the easier one otherwise), so the counts always add up to `count`.
    public func difficultyMix(count: Int) -> [Difficulty: Int] {
        let order: [Difficulty] = self == .senior ? [.hard, .medium, .easy] : [.easy, .medium, .hard]
        var result: [Difficulty: Int] = [:]
        var remainders: [(Difficulty, Double)] = []
        for difficulty in order {
            let exact = Double(mixOfFive[difficulty] ?? 0) * Double(count) / 5
            result[difficulty] = Int(exact.rounded(.down))
            remainders.append((difficulty, exact - exact.rounded(.down)))
        }
        var missing = count - result.values.reduce(0, +)
        for (difficulty, _) in remainders.sorted(by: { $0.1 > $1.1 }) where missing > 0 {
            result[difficulty, default: 0] += 1
            missing -= 1
        }
        return result
    }
}

/// One interview question. Fields are plain strings because they come from models: the
/// validator decides whether `type` and `difficulty` are among the allowed words.
public struct Question: Sendable, Hashable, Codable {
    public var type: String
    public var difficulty: String
    public var topic: String
    public var question: String
    public var whatGoodAnswersCover: [String]

    public init(type: String, difficulty: String, topic: String, question: String, whatGoodAnswersCover: [String]) {
        self.type = type
        self.difficulty = difficulty
        self.topic = topic
        self.question = question
        self.whatGoodAnswersCover = whatGoodAnswersCover
    }

    enum CodingKeys: String, CodingKey {
        case type, difficulty, topic, question
        case whatGoodAnswersCover = "what_good_answers_cover"
    }
}

/// Request options for a question set (REST body of the generation POSTs).
public struct QuestionOptions: Sendable, Hashable, Codable {
    public static let countRange = 3...8
    public static let maxJobDescription = 8_000
    public static let maxTargetRole = 200
    /// `seed`: the integers every JSON client represents exactly (±(2^53 − 1)).
    public static let seedRange: ClosedRange<Int64> = -9_007_199_254_740_991...9_007_199_254_740_991

    public var provider: String?
    public var language: Language
    public var questionCount: Int
    public var targetRole: String?
    public var jobDescription: String?
    /// Pins the builtin provider's choices; by default the number of sets already generated.
    public var seed: Int64?

    public init(
        provider: String? = nil, language: Language = .ko, questionCount: Int = 5, targetRole: String? = nil,
        jobDescription: String? = nil, seed: Int64? = nil
    ) {
        self.provider = provider
        self.language = language
        self.questionCount = questionCount
        self.targetRole = targetRole
        self.jobDescription = jobDescription
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, language
        case questionCount = "question_count"
        case targetRole = "target_role"
        case jobDescription = "job_description"
        case seed
    }
}

/// Request options for a learning path.
public struct LearningOptions: Sendable, Hashable, Codable {
    public static let hoursPerWeekRange = 1...40
    public static let maxTargetRole = 200
    public static let maxFocusAreas = 10
    /// Longest focus area, in code points.
    public static let maxFocusArea = 100

    public var provider: String?
    public var language: Language
    public var targetRole: String?
    public var focusAreas: [String]
    public var timeCommitmentHoursPerWeek: Int?
    public var seed: Int64?
    /// A practice session of the same resume whose gaps the plan should target: its topics to
    /// study become focus areas (after the client's own).
    public var practiceSessionID: String?

    public init(
        provider: String? = nil, language: Language = .ko, targetRole: String? = nil, focusAreas: [String] = [],
        timeCommitmentHoursPerWeek: Int? = nil, seed: Int64? = nil, practiceSessionID: String? = nil
    ) {
        self.practiceSessionID = practiceSessionID
        self.provider = provider
        self.language = language
        self.targetRole = targetRole
        self.focusAreas = focusAreas
        self.timeCommitmentHoursPerWeek = timeCommitmentHoursPerWeek
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, language
        case targetRole = "target_role"
        case focusAreas = "focus_areas"
        case timeCommitmentHoursPerWeek = "time_commitment_hours_per_week"
        case seed
        case practiceSessionID = "practice_session_id"
    }
}

public struct Analysis: Sendable, Hashable, Codable {
    public var strengths: [String]
    public var weaknesses: [String]

    public init(strengths: [String], weaknesses: [String]) {
        self.strengths = strengths
        self.weaknesses = weaknesses
    }
}

/// One step of a learning path.
public struct LearningItem: Sendable, Hashable, Codable {
    /// `strength` or `weakness`.
    public var type: String
    public var title: String
    public var description: String
    public var reason: String
    public var resources: [String]
    public var link: String
    public var estimatedHours: Int

    public init(
        type: String, title: String, description: String, reason: String, resources: [String], link: String,
        estimatedHours: Int
    ) {
        self.type = type
        self.title = title
        self.description = description
        self.reason = reason
        self.resources = resources
        self.link = link
        self.estimatedHours = estimatedHours
    }

    enum CodingKeys: String, CodingKey {
        case type, title, description, reason, resources, link
        case estimatedHours = "estimated_hours"
    }
}

/// What a provider produces for a learning path (before storage adds ids and metadata).
public struct LearningPlan: Sendable, Hashable, Codable {
    public var analysis: Analysis
    public var summary: String
    public var learningPaths: [LearningItem]

    public init(analysis: Analysis, summary: String, learningPaths: [LearningItem]) {
        self.analysis = analysis
        self.summary = summary
        self.learningPaths = learningPaths
    }

    enum CodingKeys: String, CodingKey {
        case analysis, summary
        case learningPaths = "learning_paths"
    }
}

/// What a provider produces for questions.
public struct QuestionDraft: Sendable, Hashable, Codable {
    public var questions: [Question]

    public init(questions: [Question]) {
        self.questions = questions
    }
}

/// Tokens and estimated cost of a generation.
public struct Usage: Sendable, Hashable, Codable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var costUSD: Double

    public init(inputTokens: Int = 0, outputTokens: Int = 0, costUSD: Double = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
    }

    public static func + (lhs: Usage, rhs: Usage) -> Usage {
        Usage(
            inputTokens: lhs.inputTokens + rhs.inputTokens, outputTokens: lhs.outputTokens + rhs.outputTokens,
            costUSD: lhs.costUSD + rhs.costUSD)
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case costUSD = "cost_usd"
    }
}

/// One call to one provider, as recorded with results and failures.
public struct GenerationAttempt: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case success
        case retryableError = "retryable_error"
        case permanentError = "permanent_error"
        case invalidOutput = "invalid_output"
        case timeout
        case skippedCircuitOpen = "skipped_circuit_open"
        /// The call was stopped before it answered: its task was cancelled or ran out of time.
        case cancelled

        /// The provider was called and answered, failed or timed out: an attempt that says
        /// something about the provider (its error rate, its latency, its breaker).
        public var judgesProvider: Bool { self != .skippedCircuitOpen && self != .cancelled }
    }

    public var provider: String
    public var model: String
    public var outcome: Outcome
    public var latencyMs: Int
    public var usage: Usage
    /// Our classification of a failure, never upstream text.
    public var errorCode: String?
    /// The ids of the output rules an invalid answer broke (docs/GENERATION.md, docs/RUBRIC.md).
    public var rules: [String]?

    public init(
        provider: String, model: String, outcome: Outcome, latencyMs: Int, usage: Usage = Usage(), errorCode: String? = nil,
        rules: [String]? = nil
    ) {
        self.provider = provider
        self.model = model
        self.outcome = outcome
        self.latencyMs = latencyMs
        self.usage = usage
        self.errorCode = errorCode
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, outcome
        case latencyMs = "latency_ms"
        case usage
        case errorCode = "error_code"
        case rules
    }
}

/// How a stored result was produced.
public struct GenerationRecord: Sendable, Hashable, Codable {
    public var provider: String
    public var model: String
    public var promptVersion: String
    public var language: Language
    public var usage: Usage
    public var attempts: [GenerationAttempt]

    public init(provider: String, model: String, promptVersion: String, language: Language, usage: Usage, attempts: [GenerationAttempt]) {
        self.provider = provider
        self.model = model
        self.promptVersion = promptVersion
        self.language = language
        self.usage = usage
        self.attempts = attempts
    }

    enum CodingKeys: String, CodingKey {
        case provider, model
        case promptVersion = "prompt_version"
        case language, usage, attempts
    }
}

/// A stored interview question set.
public struct QuestionSet: Sendable, Hashable, Codable {
    public var id: String
    public var resumeID: String
    public var uniqueKey: String
    public var questions: [Question]
    public var record: GenerationRecord
    public var createdAt: Date
    /// The async task that produced it, if any (at most one set per task).
    public var taskID: String?

    public init(id: String, resumeID: String, uniqueKey: String, questions: [Question], record: GenerationRecord, createdAt: Date, taskID: String?) {
        self.id = id
        self.resumeID = resumeID
        self.uniqueKey = uniqueKey
        self.questions = questions
        self.record = record
        self.createdAt = createdAt
        self.taskID = taskID
    }
}

/// A stored learning path.
public struct LearningPath: Sendable, Hashable, Codable {
    public var id: String
    public var resumeID: String
    public var uniqueKey: String
    public var plan: LearningPlan
    public var record: GenerationRecord
    public var createdAt: Date
    public var taskID: String?

    public init(id: String, resumeID: String, uniqueKey: String, plan: LearningPlan, record: GenerationRecord, createdAt: Date, taskID: String?) {
        self.id = id
        self.resumeID = resumeID
        self.uniqueKey = uniqueKey
        self.plan = plan
        self.record = record
        self.createdAt = createdAt
        self.taskID = taskID
    }
}
