import Foundation

/// The published rubric (docs/RUBRIC.md): criteria, their weights per kind of question, and the
/// score bands. Versioned: every evaluation names the version it was scored with.
public enum Rubric {
    public static let version = "rubric-v1"

    public enum Criterion: String, Sendable, Hashable, Codable, CaseIterable {
        /// Says correct, relevant things about what was asked.
        case accuracy
        /// Covers the question's key points (`what_good_answers_cover`).
        case completeness
        /// Trade-offs, numbers, failure modes, specifics.
        case depth
        /// Structure, length, clarity.
        case communication
        /// Situation, task, action, result (behavioural questions only).
        case star
    }

    /// Weights in percent, summing to 100.
    public static func weights(for questionType: String) -> [(Criterion, Int)] {
        if isBehavioural(questionType) {
            return [(.accuracy, 30), (.completeness, 20), (.depth, 10), (.communication, 15), (.star, 25)]
        }
        return [(.accuracy, 40), (.completeness, 20), (.depth, 25), (.communication, 15)]
    }

    /// Collaboration and Business questions are answered with a story: STAR applies.
    public static func isBehavioural(_ questionType: String) -> Bool {
        [QuestionType.collaboration.rawValue, QuestionType.business.rawValue].contains(questionType)
    }

    public enum Band: String, Sendable, Hashable, Codable, CaseIterable {
        /// 85-100: hire-level answer; nothing important missing.
        case excellent
        /// 70-84: solid; a point or some depth missing.
        case good
        /// 50-69: on topic but thin or incomplete.
        case fair
        /// 30-49: major gaps.
        case weak
        /// 0-29: no answer, off topic, or evasive.
        case insufficient

        public init(score: Int) {
            switch score {
            case 85...: self = .excellent
            case 70..<85: self = .good
            case 50..<70: self = .fair
            case 30..<50: self = .weak
            default: self = .insufficient
            }
        }
    }
}

/// What an answer was, before its content is scored.
public enum AnswerKind: String, Sendable, Hashable, Codable, CaseIterable {
    case answered
    /// "I don't know" (and nothing more): scores 0, as the rubric says.
    case dontKnow = "dont_know"
    /// Talks around the question without committing to anything.
    case evasive
    /// About something else.
    case offTopic = "off_topic"
    case empty
}

public struct CriterionScore: Sendable, Hashable, Codable {
    public var criterion: Rubric.Criterion
    /// 0-100.
    public var score: Int
    public var weight: Int
    public var comment: String

    public init(criterion: Rubric.Criterion, score: Int, weight: Int, comment: String) {
        self.criterion = criterion
        self.score = score
        self.weight = weight
        self.comment = comment
    }
}

public struct KeyPointResult: Sendable, Hashable, Codable {
    public var point: String
    public var covered: Bool
    /// A short quote of the answer where it is covered.
    public var evidence: String?

    public init(point: String, covered: Bool, evidence: String?) {
        self.point = point
        self.covered = covered
        self.evidence = evidence
    }
}

/// The evaluation of one answer.
public struct AnswerEvaluation: Sendable, Hashable, Codable {
    public var score: Int
    public var band: Rubric.Band
    public var criteria: [CriterionScore]
    public var keyPoints: [KeyPointResult]
    public var feedback: [String]
    public var strongAnswerOutline: [String]
    public var groundedInResume: Bool
    public var resumeEvidence: [String]
    /// A follow-up question about an uncovered key point, if any.
    public var followUp: String?
    public var answerKind: AnswerKind
    public var rubricVersion: String
    public var provider: String
    public var model: String
    public var evaluatedAt: Date

    public init(
        score: Int, band: Rubric.Band, criteria: [CriterionScore], keyPoints: [KeyPointResult], feedback: [String],
        strongAnswerOutline: [String], groundedInResume: Bool, resumeEvidence: [String], followUp: String?, answerKind: AnswerKind,
        rubricVersion: String, provider: String, model: String, evaluatedAt: Date
    ) {
        self.score = score
        self.band = band
        self.criteria = criteria
        self.keyPoints = keyPoints
        self.feedback = feedback
        self.strongAnswerOutline = strongAnswerOutline
        self.groundedInResume = groundedInResume
        self.resumeEvidence = resumeEvidence
        self.followUp = followUp
        self.answerKind = answerKind
        self.rubricVersion = rubricVersion
        self.provider = provider
        self.model = model
        self.evaluatedAt = evaluatedAt
    }

    /// The key points the answer left out.
    public var missingKeyPoints: [String] { keyPoints.filter { !$0.covered }.map(\.point) }
}

extension Rubric {
    /// The total of an evaluation: the weighted sum of its criteria, capped by what the answer
    /// is (docs/RUBRIC.md, "What an answer is, first"). Computed here for every evaluator, so a
    /// model never decides the total itself.
    public static func total(of criteria: [CriterionScore], kind: AnswerKind) -> Int {
        let weighted = Double(criteria.reduce(0) { $0 + max(0, min(100, $1.score)) * $1.weight }) / 100
        let total = max(0, min(100, Int(weighted.rounded())))
        switch kind {
        case .answered: return total
        case .dontKnow, .empty: return 0
        case .offTopic: return min(total, 15)
        case .evasive: return min(total, 25)
        }
    }
}

/// One answer to evaluate.
public struct EvaluationRequest: Sendable, Hashable {
    public var question: Question
    public var answer: String
    /// Of the feedback; `nil` lets the evaluator take the answer's.
    public var language: Language?
    /// The candidate's resume, to judge whether the answer draws on it.
    public var resume: ResumeContent?
    /// The provider asked for first (the others follow as fallbacks); `nil` for the default chain.
    public var provider: String?

    public init(question: Question, answer: String, language: Language? = nil, resume: ResumeContent? = nil, provider: String? = nil) {
        self.question = question
        self.answer = answer
        self.language = language
        self.resume = resume
        self.provider = provider
    }
}

/// An evaluation with the tokens it cost (zero offline).
public struct EvaluatedAnswer: Sendable, Hashable {
    public var evaluation: AnswerEvaluation
    public var usage: Usage

    public init(evaluation: AnswerEvaluation, usage: Usage = Usage()) {
        self.evaluation = evaluation
        self.usage = usage
    }
}

/// Scores answers against the rubric. Implementations: the offline `BuiltinEvaluator`
/// (CoachBuiltin) and `RegistryEvaluator` (CoachLLM: the provider chain with validation,
/// corrective retry and fallback).
public protocol AnswerEvaluator: Sendable {
    func evaluate(_ request: EvaluationRequest, at date: Date) async throws -> EvaluatedAnswer
}
