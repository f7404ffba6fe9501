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
public enum AnswerKind: String, Sendable, Hashable, Codable {
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
