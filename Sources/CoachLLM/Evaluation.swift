import CoachCore
import Foundation

/// What an answer evaluation asks of a provider (the resume travels in `GenerationRequest`).
public struct EvaluationInput: Sendable, Hashable {
    public var question: Question
    public var answer: String
    public var language: Language
    /// Whether `GenerationRequest.resume` is the candidate's (else it is empty and unused).
    public var hasResume: Bool

    public init(question: Question, answer: String, language: Language, hasResume: Bool) {
        self.question = question
        self.answer = answer
        self.language = language
        self.hasResume = hasResume
    }
}

/// An evaluation as a provider answers it (docs/RUBRIC.md, "Evaluation by a provider"): no total
/// and no band — the server computes both from the criteria.
public struct EvaluationDraft: Sendable, Hashable, Codable {
    public struct Criterion: Sendable, Hashable, Codable {
        public var criterion: String
        public var score: Int
        public var comment: String

        public init(criterion: String, score: Int, comment: String) {
            self.criterion = criterion
            self.score = score
            self.comment = comment
        }
    }

    public struct KeyPoint: Sendable, Hashable, Codable {
        public var point: String
        public var covered: Bool
        public var evidence: String

        public init(point: String, covered: Bool, evidence: String) {
            self.point = point
            self.covered = covered
            self.evidence = evidence
        }

        enum CodingKeys: String, CodingKey { case point, covered, evidence }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            point = try c.decode(String.self, forKey: .point)
            covered = try c.decode(Bool.self, forKey: .covered)
            evidence = try c.decodeIfPresent(String.self, forKey: .evidence) ?? ""
        }
    }

    public var answerKind: String
    public var criteria: [Criterion]
    public var keyPoints: [KeyPoint]
    public var feedback: [String]
    public var strongAnswerOutline: [String]
    public var resumeEvidence: [String]
    public var followUp: String

    public init(
        answerKind: String, criteria: [Criterion], keyPoints: [KeyPoint], feedback: [String], strongAnswerOutline: [String],
        resumeEvidence: [String], followUp: String
    ) {
        self.answerKind = answerKind
        self.criteria = criteria
        self.keyPoints = keyPoints
        self.feedback = feedback
        self.strongAnswerOutline = strongAnswerOutline
        self.resumeEvidence = resumeEvidence
        self.followUp = followUp
    }

    /// The draft of an evaluation made here (the builtin provider answers in the same shape).
    public init(_ evaluation: AnswerEvaluation) {
        self.init(
            answerKind: evaluation.answerKind.rawValue,
            criteria: evaluation.criteria.map { Criterion(criterion: $0.criterion.rawValue, score: $0.score, comment: $0.comment) },
            keyPoints: evaluation.keyPoints.map { KeyPoint(point: $0.point, covered: $0.covered, evidence: $0.evidence ?? "") },
            feedback: evaluation.feedback, strongAnswerOutline: evaluation.strongAnswerOutline,
            resumeEvidence: evaluation.resumeEvidence, followUp: evaluation.followUp ?? "")
    }

    enum CodingKeys: String, CodingKey {
        case criteria, feedback
        case answerKind = "answer_kind"
        case keyPoints = "key_points"
        case strongAnswerOutline = "strong_answer_outline"
        case resumeEvidence = "resume_evidence"
        case followUp = "follow_up"
    }

    // `null` and absent mean empty for the optional parts: models write both.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        answerKind = try c.decode(String.self, forKey: .answerKind)
        criteria = try c.decode([Criterion].self, forKey: .criteria)
        keyPoints = try c.decode([KeyPoint].self, forKey: .keyPoints)
        feedback = try c.decodeIfPresent([String].self, forKey: .feedback) ?? []
        strongAnswerOutline = try c.decodeIfPresent([String].self, forKey: .strongAnswerOutline) ?? []
        resumeEvidence = try c.decodeIfPresent([String].self, forKey: .resumeEvidence) ?? []
        followUp = try c.decodeIfPresent(String.self, forKey: .followUp) ?? ""
    }

    /// The evaluation this draft makes of `input`: total and band computed by the rubric, the
    /// key points as the question states them, a follow-up only when one is due.
    public func evaluation(of input: EvaluationInput, provider: String, model: String, at date: Date) -> AnswerEvaluation {
        let kind = AnswerKind(rawValue: answerKind) ?? .answered
        let weights = Dictionary(uniqueKeysWithValues: Rubric.weights(for: input.question.type).map { ($0.0.rawValue, $0.1) })
        var scores: [CriterionScore] = []
        for (criterion, weight) in Rubric.weights(for: input.question.type) {
            let given = criteria.first { $0.criterion == criterion.rawValue }
            let zeroed = kind == .dontKnow || kind == .empty
            scores.append(
                CriterionScore(
                    criterion: criterion, score: zeroed ? 0 : max(0, min(100, given?.score ?? 0)), weight: weights[criterion.rawValue] ?? weight,
                    comment: given?.comment.trimmedWhitespace ?? ""))
        }
        let points = zip(input.question.whatGoodAnswersCover, keyPoints).map { point, drafted in
            KeyPointResult(point: point, covered: drafted.covered, evidence: drafted.covered ? drafted.evidence.trimmedWhitespace : nil)
        }
        let total = Rubric.total(of: scores, kind: kind)
        let missing = points.contains { !$0.covered }
        let followUp = followUp.trimmedWhitespace
        return AnswerEvaluation(
            score: total, band: Rubric.Band(score: total), criteria: scores, keyPoints: points,
            feedback: feedback.map(\.trimmedWhitespace).filter { !$0.isEmpty },
            strongAnswerOutline: strongAnswerOutline.map(\.trimmedWhitespace).filter { !$0.isEmpty },
            groundedInResume: !resumeEvidence.isEmpty, resumeEvidence: resumeEvidence,
            followUp: missing && EvaluationValidator.followUpKinds.contains(kind) && !followUp.isEmpty ? followUp : nil,
            answerKind: kind, rubricVersion: Rubric.version, provider: provider, model: model, evaluatedAt: date)
    }
}

extension OutputParsing {
    public static func evaluation(from text: String) throws(OutputError) -> EvaluationDraft {
        guard let data = extractJSON(from: text) else { throw .notJSON }
        do {
            return try JSONDecoder().decode(EvaluationDraft.self, from: data)
        } catch {
            throw .schemaMismatch(
                "expected {answer_kind, criteria: [{criterion, score, comment}], key_points: [{point, covered, evidence}], feedback, strong_answer_outline, resume_evidence, follow_up}"
            )
        }
    }
}

/// The rules a provider's evaluation must keep (docs/RUBRIC.md, "Evaluation by a provider"),
/// phrased so they can be sent back in a corrective retry. The quote rules are what make an
/// evaluation checkable: a covered key point is only covered where the answer says it.
public enum EvaluationValidator {
    public static let feedbackRange = 1...6
    public static let outlineRange = 1...12
    public static let maxFollowUpLength = 300
    /// Answers a follow-up question is asked about.
    public static let followUpKinds: Set<AnswerKind> = [.answered, .evasive, .offTopic]

    public static func violations(of draft: EvaluationDraft, input: EvaluationInput, resume: ResumeContent?) -> [String] {
        ruleViolations(of: draft, input: input, resume: resume).map(\.message)
    }

    /// The broken rules with their ids (docs/RUBRIC.md, "Evaluation by a provider").
    public static func ruleViolations(of draft: EvaluationDraft, input: EvaluationInput, resume: ResumeContent?) -> [RuleViolation] {
        var problems: [RuleViolation] = []
        let kind = AnswerKind(rawValue: draft.answerKind)
        if kind == nil {
            problems.append(RuleViolation("evaluation.answer_kind", "answer_kind must be one of answered, dont_know, empty, off_topic, evasive"))
        }

        let expected = Rubric.weights(for: input.question.type).map(\.0.rawValue)
        let named = draft.criteria.map(\.criterion)
        if named.sorted() != expected.sorted() {
            problems.append(RuleViolation("evaluation.criteria", "criteria must be exactly \(expected.joined(separator: ", ")), each once (got \(named.joined(separator: ", ")))"))
        }
        for criterion in draft.criteria {
            if !(0...100).contains(criterion.score) { problems.append(RuleViolation("evaluation.criteria", "criteria \(criterion.criterion): score must be 0-100")) }
            if criterion.comment.trimmedWhitespace.isEmpty { problems.append(RuleViolation("evaluation.criteria", "criteria \(criterion.criterion): comment is missing")) }
        }

        let points = input.question.whatGoodAnswersCover
        if draft.keyPoints.count != points.count {
            problems.append(RuleViolation("evaluation.key_points", "key_points must have exactly \(points.count) entries, one per key point in order"))
        }
        let answer = quotable(input.answer)
        for (index, (point, drafted)) in zip(points, draft.keyPoints).enumerated() {
            if quotable(drafted.point) != quotable(point) {
                problems.append(RuleViolation("evaluation.key_points", "key_points[\(index)].point must be the key point as given: \"\(point)\""))
            }
            guard drafted.covered else { continue }
            let evidence = quotable(drafted.evidence)
            if evidence.isEmpty || !answer.contains(evidence) {
                problems.append(RuleViolation("evaluation.quotes", "key_points[\(index)].evidence must quote the answer word for word"))
            }
        }
        let covered = draft.keyPoints.prefix(points.count).filter(\.covered).count
        if input.answer.unicodeScalars.allSatisfy(TextRules.isWhitespace), kind != .empty {
            problems.append(RuleViolation("evaluation.answer_kind", "the answer is blank: answer_kind must be empty"))
        }
        if let kind, kind != .answered, covered > 0 {
            problems.append(RuleViolation("evaluation.coverage", "an answer of kind \(kind.rawValue) covers no key point"))
        }
        if !points.isEmpty, let completeness = draft.criteria.first(where: { $0.criterion == Rubric.Criterion.completeness.rawValue }) {
            let expectedScore = 100 * covered / points.count
            if abs(completeness.score - expectedScore) > 20 {
                problems.append(RuleViolation("evaluation.completeness", "completeness \(completeness.score) does not match \(covered) of \(points.count) key points covered (about \(expectedScore))"))
            }
        }

        if let resume, !draft.resumeEvidence.isEmpty {
            let resumeText = quotable(PromptLibrary.resumeJSON(resume))
            let terms = ResumeFacts(resume).groundingTerms.map(quotable)
            for (index, item) in draft.resumeEvidence.enumerated() {
                let quoted = quotable(item)
                if quoted.isEmpty || !answer.contains(quoted) || !(resumeText.contains(quoted) || terms.contains(quoted)) {
                    problems.append(RuleViolation("evaluation.resume_evidence", "resume_evidence[\(index)] must appear in both the answer and the resume"))
                }
            }
        } else if resume == nil, !draft.resumeEvidence.isEmpty {
            problems.append(RuleViolation("evaluation.resume_evidence", "resume_evidence must be empty: no resume was given"))
        }

        let feedback = draft.feedback.filter { !$0.trimmedWhitespace.isEmpty }
        if !feedbackRange.contains(feedback.count) || feedback.count != draft.feedback.count {
            problems.append(RuleViolation("evaluation.feedback", "feedback needs 1-6 non-empty sentences"))
        }
        let outline = draft.strongAnswerOutline.filter { !$0.trimmedWhitespace.isEmpty }
        if !outlineRange.contains(outline.count) || outline.count != draft.strongAnswerOutline.count {
            problems.append(RuleViolation("evaluation.feedback", "strong_answer_outline needs 1-12 non-empty points"))
        }

        let followUp = draft.followUp.trimmedWhitespace
        if let kind, followUpKinds.contains(kind), covered < points.count, followUp.isEmpty {
            problems.append(RuleViolation("evaluation.follow_up", "follow_up must ask about a missing key point"))
        }
        if followUp.unicodeScalars.count > maxFollowUpLength {
            problems.append(RuleViolation("evaluation.follow_up", "follow_up must be at most \(maxFollowUpLength) characters"))
        }
        return problems
    }

    /// Text as compared for quotes: lower-cased, runs of white space as one space, without the
    /// quotation marks and ellipses a model puts around a quote.
    static func quotable(_ text: String) -> String {
        let collapsed = text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let marks = CharacterSet(charactersIn: "\"'`“”‘’«»「」『』…").union(.whitespaces)
        var trimmed = collapsed.trimmingCharacters(in: marks)
        while trimmed.hasSuffix("...") { trimmed = String(trimmed.dropLast(3)).trimmingCharacters(in: marks) }
        while trimmed.hasPrefix("...") { trimmed = String(trimmed.dropFirst(3)).trimmingCharacters(in: marks) }
        return trimmed
    }
}

extension ProviderRegistry {
    /// `request` evaluated by the chain (the requested provider first): each answer parsed and
    /// held to `EvaluationValidator`, with one corrective retry and fallback like every generation.
    public func evaluate(_ request: EvaluationRequest, seed: Int64 = 0, at date: Date = Date()) async throws -> Generated<AnswerEvaluation> {
        let language = request.language ?? (request.answer.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) } ? .ko : .en)
        let input = EvaluationInput(question: request.question, answer: request.answer, language: language, hasResume: request.resume != nil)
        let resume = request.resume ?? ResumeContent(name: "", contact: nil, summary: "", totalExperienceMonths: nil, technicalSkills: nil)
        let generated = try await generate(
            input: .evaluation(input), resume: resume, preferring: request.provider, seed: seed, progress: nil,
            failureCode: .answerEvaluationFailed,
            promptFor: { PromptLibrary.evaluation(input, resume: request.resume, corrections: $0) },
            parse: { text throws(OutputParsing.OutputError) in try OutputParsing.evaluation(from: text) },
            validate: { EvaluationValidator.ruleViolations(of: $0, input: input, resume: request.resume) })
        let evaluation = generated.output.evaluation(of: input, provider: generated.record.provider, model: generated.record.model, at: date)
        return Generated(output: evaluation, record: generated.record)
    }
}

/// Answers evaluated by a provider chain.
public struct RegistryEvaluator: AnswerEvaluator {
    public let registry: ProviderRegistry

    public init(registry: ProviderRegistry) {
        self.registry = registry
    }

    public func evaluate(_ request: EvaluationRequest, at date: Date) async throws -> EvaluatedAnswer {
        let generated = try await registry.evaluate(request, seed: Int64(bitPattern: StableHash.fnv1a(request.answer)), at: date)
        return EvaluatedAnswer(evaluation: generated.output, usage: generated.record.usage)
    }
}
