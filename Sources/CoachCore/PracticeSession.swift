import Foundation

/// One practice interview: the questions, every turn so far, and the report once it ended. The
/// session is the truth (stored after every turn), so a client that disconnects resumes at the
/// next unanswered question.
public struct PracticeSession: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case inProgress = "in_progress"
        case finished
    }

    public var id: String
    public var tenant: Tenant
    public var uniqueKey: String
    /// The question set the questions came from, if a stored one.
    public var questionSetID: String?
    public var language: Language
    public var questions: [Question]
    public var turns: [PracticeTurn]
    public var state: State
    public var createdAt: Date
    public var updatedAt: Date
    public var report: PracticeReport?
    /// Bumped by every save: a save that does not start from the stored revision is a conflict
    /// (two streams driving one session).
    public var revision: Int = 0
    /// The provider asked to evaluate the answers first (the others follow as fallbacks); `nil`
    /// for the configured chain.
    public var provider: String?

    public init(
        id: String, tenant: Tenant, uniqueKey: String, questionSetID: String?, language: Language, questions: [Question], at date: Date
    ) {
        self.id = id
        self.tenant = tenant
        self.uniqueKey = uniqueKey
        self.questionSetID = questionSetID
        self.language = language
        self.questions = questions
        self.turns = []
        self.state = .inProgress
        self.createdAt = date
        self.updatedAt = date
        self.report = nil
    }
}

/// What the candidate is asked: a main question, or a follow-up to one.
public struct PracticePrompt: Sendable, Hashable, Codable {
    /// Index into `PracticeSession.questions`.
    public var questionIndex: Int
    /// 0 for the main question, 1 and 2 for follow-ups.
    public var followUp: Int
    /// What is evaluated: the main question, or a follow-up that covers the points still missing.
    public var question: Question

    public var isFollowUp: Bool { followUp > 0 }

    public init(questionIndex: Int, followUp: Int, question: Question) {
        self.questionIndex = questionIndex
        self.followUp = followUp
        self.question = question
    }
}

/// One prompt and what the candidate did with it.
public struct PracticeTurn: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case answered
        case skipped
        case dontKnow = "dont_know"
    }

    public var prompt: PracticePrompt
    public var action: Action
    public var answer: String
    public var evaluation: AnswerEvaluation?
    public var at: Date

    public init(prompt: PracticePrompt, action: Action, answer: String, evaluation: AnswerEvaluation?, at: Date) {
        self.prompt = prompt
        self.action = action
        self.answer = answer
        self.evaluation = evaluation
        self.at = at
    }
}

/// The end of a session: scores, strengths and gaps with their evidence, and what to study.
public struct PracticeReport: Sendable, Hashable, Codable {
    public struct QuestionScore: Sendable, Hashable, Codable {
        public var questionIndex: Int
        public var topic: String
        /// `nil` for a question the session never reached.
        public var score: Int?
        public var band: Rubric.Band?
        public var skipped: Bool
        /// Key points not covered by any answer to this question (its follow-ups included).
        public var missing: [String]

        public init(questionIndex: Int, topic: String, score: Int?, band: Rubric.Band?, skipped: Bool, missing: [String]) {
            self.questionIndex = questionIndex
            self.topic = topic
            self.score = score
            self.band = band
            self.skipped = skipped
            self.missing = missing
        }
    }

    public struct Finding: Sendable, Hashable, Codable {
        public var topic: String
        public var detail: String

        public init(topic: String, detail: String) {
            self.topic = topic
            self.detail = detail
        }
    }

    /// The mean over the questions reached (skipped ones count 0).
    public var score: Int
    public var band: Rubric.Band
    public var questions: [QuestionScore]
    public var strengths: [Finding]
    public var gaps: [Finding]
    /// Topics for the learning path, most needed first.
    public var topicsToStudy: [String]
    public var rubricVersion: String

    public init(
        score: Int, band: Rubric.Band, questions: [QuestionScore], strengths: [Finding], gaps: [Finding], topicsToStudy: [String],
        rubricVersion: String
    ) {
        self.score = score
        self.band = band
        self.questions = questions
        self.strengths = strengths
        self.gaps = gaps
        self.topicsToStudy = topicsToStudy
        self.rubricVersion = rubricVersion
    }
}

extension CoachError {
    /// A move or save that does not start from the session's stored revision: another connection
    /// moved the session since this one looked at it.
    public static func practiceSessionMoved(_ id: String) -> CoachError {
        CoachError(
            .conflict, "the session was changed by another connection; resume it to continue", details: ["session_id": .string(id)])
    }
}
