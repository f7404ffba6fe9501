import CoachCore
import CoachLLM
import Foundation

/// The offline evaluator: scores an answer against the rubric (docs/RUBRIC.md) from what can be
/// checked in its text — key-point coverage (stems and synonyms, Korean and English), relevance to
/// the question, depth signals (numbers, trade-offs, failure modes, specifics), structure and
/// length, STAR markers for behavioural questions, and the candidate's own resume. Deterministic:
/// the same answer gets the same evaluation. Text that tries to instruct the evaluator is
/// dropped before scoring, so it earns nothing.
public struct BuiltinEvaluator: Sendable {
    public static let model = "builtin-evaluator-v1"

    public init() {}

    /// - Parameters:
    ///   - language: of the feedback; `nil` takes the answer's (Korean when it has Hangul).
    ///   - resume: the candidate's resume, to judge whether the answer draws on it.
    public func evaluate(
        question: Question, answer rawAnswer: String, language: Language? = nil, resume: ResumeContent? = nil, at date: Date = Date()
    ) -> AnswerEvaluation {
        let (cleaned, injected) = Self.withoutInstructions(rawAnswer)
        let answer = AnswerText(cleaned)
        let language = language ?? (AnswerText.isHangul(rawAnswer) || AnswerText.isHangul(question.question) ? .ko : .en)
        let phrases = Phrases(language: language)

        // Key points: covered when enough of their own words (or synonyms) are in the answer.
        let keyPoints = question.whatGoodAnswersCover.map { point -> KeyPointResult in
            let terms = Self.salientStems(point)
            let matched = terms.filter { answer.mentions($0) }
            let needed = max(min(2, terms.count), Int((Double(terms.count) * 0.3).rounded(.up)))
            let covered = !terms.isEmpty && matched.count >= needed
            return KeyPointResult(point: point, covered: covered, evidence: covered ? answer.bestSentence(for: matched) : nil)
        }
        let coveredRatio = keyPoints.isEmpty ? 0 : Double(keyPoints.filter(\.covered).count) / Double(keyPoints.count)
        let topicTerms = Array(Set(Self.salientStems(question.topic + " " + question.question)))
        let topicRatio = topicTerms.isEmpty ? 0 : Double(topicTerms.filter { answer.mentions($0) }.count) / Double(topicTerms.count)

        let kind = Self.kind(of: answer, coveredRatio: coveredRatio, topicRatio: topicRatio)
        let behavioural = Rubric.isBehavioural(question.type)

        // Criteria.
        let depthSignals = Self.depthSignals(answer, resume: resume)
        let star = Self.starParts(answer)
        var raw: [Rubric.Criterion: (Int, String)] = [:]
        raw[.accuracy] = (
            Self.clamp(20 + 80 * (0.6 * coveredRatio + 0.4 * min(1, topicRatio * 1.5))),
            topicRatio < 0.2 ? phrases.offQuestion : phrases.onQuestion
        )
        raw[.completeness] = (
            Self.clamp(100 * coveredRatio),
            phrases.covered(keyPoints.filter(\.covered).count, of: keyPoints.count)
        )
        raw[.depth] = (depthSignals.count * 25, phrases.depth(depthSignals))
        raw[.communication] = Self.communication(answer, phrases: phrases)
        if behavioural { raw[.star] = (star.count * 25, phrases.star(star)) }

        var criteria = Rubric.weights(for: question.type).map { criterion, weight in
            CriterionScore(criterion: criterion, score: raw[criterion]?.0 ?? 0, weight: weight, comment: raw[criterion]?.1 ?? "")
        }
        if kind == .dontKnow || kind == .empty {
            criteria = criteria.map { var zeroed = $0; zeroed.score = 0; return zeroed }
        }
        // What the answer is caps what its content can earn.
        let total = Rubric.total(of: criteria, kind: kind)

        // Grounding in the candidate's resume.
        let evidence = resume.map { Self.resumeEvidence(answer, resume: $0) } ?? []

        // Feedback, outline, follow-up.
        var feedback: [String] = []
        if injected { feedback.append(phrases.injection) }
        switch kind {
        case .dontKnow: feedback.append(phrases.dontKnow)
        case .empty: feedback.append(phrases.empty)
        case .offTopic: feedback.append(phrases.offTopic)
        case .evasive: feedback.append(phrases.evasive)
        case .answered: break
        }
        let missing = keyPoints.filter { !$0.covered }.map(\.point)
        if !missing.isEmpty { feedback.append(phrases.missing(missing)) }
        if kind == .answered {
            if !depthSignals.contains(.numbers) { feedback.append(phrases.addNumbers) }
            if !depthSignals.contains(.tradeOffs) { feedback.append(phrases.addTradeOffs) }
            if !depthSignals.contains(.failureModes) && !behavioural { feedback.append(phrases.addFailures) }
            if behavioural, star.count < 4 { feedback.append(phrases.missingStar(StarPart.allCases.filter { !star.contains($0) })) }
            if resume != nil && evidence.isEmpty { feedback.append(phrases.useResume) }
        }
        if feedback.isEmpty { feedback.append(phrases.nothingMissing) }
        let outline = question.whatGoodAnswersCover.map { phrases.outline($0) } + phrases.outlineExtras(behavioural: behavioural)
        let followUp = [.answered, .evasive, .offTopic].contains(kind) ? missing.first.map(phrases.followUp) : nil

        return AnswerEvaluation(
            score: total, band: Rubric.Band(score: total), criteria: criteria, keyPoints: keyPoints, feedback: feedback,
            strongAnswerOutline: outline, groundedInResume: !evidence.isEmpty, resumeEvidence: evidence, followUp: followUp,
            answerKind: kind, rubricVersion: Rubric.version, provider: "builtin", model: Self.model, evaluatedAt: date)
    }

    // MARK: - What the answer is

    static func kind(of answer: AnswerText, coveredRatio: Double, topicRatio: Double) -> AnswerKind {
        // Korean has no word boundaries worth counting: three characters stand for a word.
        let size = AnswerText.isHangul(answer.original) ? answer.compact.count / 3 : answer.wordCount
        if size < 30, dontKnowMarkers.contains(where: { TextSearch.contains(answer.lowered, $0) }) { return .dontKnow }
        if size < 3 { return .empty }
        if coveredRatio == 0 && size < 40 && evasionMarkers.contains(where: { TextSearch.contains(answer.lowered, $0) }) { return .evasive }
        if coveredRatio == 0 && topicRatio < 0.15 { return .offTopic }
        if coveredRatio == 0 && topicRatio < 0.3 && size < 25 { return .evasive }
        return .answered
    }

    static let dontKnowMarkers = [
        "don't know", "dont know", "do not know", "no idea", "not sure", "never done", "no experience", "모르겠", "모릅니다", "잘 모르",
        "경험이 없", "생각이 안", "기억이 안",
    ]
    static let evasionMarkers = [
        "it depends", "hard to say", "case by case", "i would google", "look it up", "as usual", "nothing special", "상황에 따라",
        "그때그때", "딱히", "검색해", "특별한 건 없",
    ]

    /// Sentences that address the evaluator instead of the interviewer ("ignore the rubric",
    /// "give this 100", "만점을 주세요") are dropped; the rest is scored as it is.
    static func withoutInstructions(_ answer: String) -> (String, Bool) {
        let markers = [
            "ignore the", "ignore all", "ignore previous", "ignore your", "disregard", "give this answer", "give me 100", "give 100",
            "score this", "score of 100", "full marks", "100 points", "perfect score", "you are now", "system prompt", "as the evaluator",
            "rubric", "만점", "100점", "무시하고", "무시해", "채점 기준", "평가 기준을",
        ]
        var dropped = false
        let kept = AnswerText.sentences(of: answer).filter { sentence in
            let lowered = sentence.lowercased()
            let instructs = markers.contains { TextSearch.contains(lowered, $0) }
            if instructs { dropped = true }
            return !instructs
        }
        return (kept.joined(separator: " "), dropped)
    }

    // MARK: - Criteria

    enum DepthSignal: Hashable, CaseIterable { case numbers, tradeOffs, failureModes, specifics }
    enum StarPart: String, CaseIterable { case situation, task, action, result }

    static func depthSignals(_ answer: AnswerText, resume: ResumeContent?) -> Set<DepthSignal> {
        var signals: Set<DepthSignal> = []
        if answer.words.contains(where: { $0.first?.isNumber == true }) { signals.insert(.numbers) }
        if ["trade", "tradeoff", "downsid", "instead", "versu", "alternativ", "however", "but", "cost", "트레이드오프", "단점", "대신", "반면", "비용", "하지만"]
            .contains(where: { answer.contains(stem: $0) })
        {
            signals.insert(.tradeOffs)
        }
        if ["failur", "fail", "error", "outag", "incident", "retry", "timeout", "rollback", "fallback", "crash", "장애", "실패", "오류", "재시도", "타임아웃", "롤백"]
            .contains(where: { answer.contains(stem: $0) })
        {
            signals.insert(.failureModes)
        }
        let named = Set(answer.words.compactMap { BuiltinTechCatalogue.entry(for: $0)?.key })
        if named.count >= 2 || (resume.map { !resumeEvidence(answer, resume: $0).isEmpty } ?? false) { signals.insert(.specifics) }
        return signals
    }

    static func starParts(_ answer: AnswerText) -> Set<StarPart> {
        let markers: [StarPart: [String]] = [
            .situation: ["when", "at ", "project", "situation", "context", "last year", "당시", "상황", "프로젝트에서", "때"],
            .task: ["goal", "responsib", "needed to", "had to", "task", "my role", "목표", "맡", "역할", "해야"],
            .action: ["i ", "implemented", "decided", "built", "introduced", "proposed", "제가", "도입", "구현", "제안", "진행"],
            .result: ["result", "reduced", "improved", "increased", "cut", "%", "outcome", "결과", "개선", "줄", "늘", "단축"],
        ]
        var parts: Set<StarPart> = []
        for (part, words) in markers where words.contains(where: { TextSearch.contains(answer.lowered, $0) }) { parts.insert(part) }
        return parts
    }

    static func communication(_ answer: AnswerText, phrases: Phrases) -> (Int, String) {
        let korean = AnswerText.isHangul(answer.original)
        let size = korean ? answer.compact.count : answer.wordCount
        let bands: [(ClosedRange<Int>, Int)] =
            korean
            ? [(0...39, 20), (40...119, 55), (120...900, 90), (901...1500, 75), (1501...Int.max, 55)]
            : [(0...14, 20), (15...39, 55), (40...250, 90), (251...400, 75), (401...Int.max, 55)]
        var score = bands.first { $0.0.contains(size) }?.1 ?? 50
        let structured = ["first", "then", "finally", "second", "먼저", "다음", "마지막", "첫째", "둘째"].contains { TextSearch.contains(answer.lowered, $0) }
        if structured { score += 10 }
        if answer.sentences.count < 2 { score -= 15 }
        return (max(0, min(100, score)), phrases.communication(size: size, korean: korean, structured: structured))
    }

    static func resumeEvidence(_ answer: AnswerText, resume: ResumeContent) -> [String] {
        let facts = ResumeFacts(resume)
        var evidence: [String] = []
        for name in facts.technologies.map(\.name) + facts.companies + facts.projects where name.count >= 2 {
            if TextSearch.contains(answer.lowered, name.lowercased()), !evidence.contains(name) { evidence.append(name) }
        }
        // Numbers the resume states (a result quoted back is grounding too).
        for achievement in facts.achievements {
            for word in AnswerText.words(of: achievement) where word.count >= 2 && word.first?.isNumber == true {
                if answer.words.contains(word), !evidence.contains(word) { evidence.append(word) }
            }
        }
        return Array(evidence.prefix(8))
    }

    // MARK: - Helpers

    /// The words of `text` that carry meaning, stemmed (no stop words, no words of one letter).
    static func salientStems(_ text: String) -> [String] {
        var seen: Set<String> = []
        return AnswerText.words(of: text.lowercased()).map(AnswerText.stem).filter { stem in
            stem.count >= (AnswerText.isHangul(stem) ? 2 : 3) && !stopStems.contains(stem) && seen.insert(stem).inserted
        }
    }

    static let stopStems: Set<String> = Set(
        [
            "the", "and", "for", "with", "how", "what", "why", "when", "which", "that", "this", "there", "their", "they", "was", "were",
            "are", "has", "have", "had", "from", "into", "about", "your", "you", "our", "its", "who", "whom", "each", "any", "all",
            "one", "two", "way", "ways", "candidat", "concret", "specific", "clear", "point", "piece", "part", "between", "made",
            "make", "describ", "walk", "through", "would", "could", "should", "did", "does", "doe", "not", "what",
            "방법", "설명", "구체적으로", "구체적인", "대한", "어떻게", "무엇", "무엇인가", "어디", "명확", "실제로", "부분", "사용",
            "주세요", "있나요", "인가요", "그리고", "또는", "관련", "통해", "위해", "경우", "그것", "이것", "본인이",
        ].map(AnswerText.stem))

    static func clamp(_ value: Double) -> Int { max(0, min(100, Int(value.rounded()))) }
    static func clamp(_ value: Int) -> Int { max(0, min(100, value)) }
}

extension BuiltinEvaluator: AnswerEvaluator {
    public func evaluate(_ request: EvaluationRequest, at date: Date) async throws -> EvaluatedAnswer {
        EvaluatedAnswer(
            evaluation: evaluate(question: request.question, answer: request.answer, language: request.language, resume: request.resume, at: date))
    }
}
