import CoachCore
import Foundation

/// How a practice session moves: the next prompt, what an answer, a skip or "I don't know" does,
/// follow-ups when key points are left uncovered (at most `maxFollowUps` per question), and the
/// report. Transport-free: the gRPC stream and REST drive it and store the session after each step.
public struct PracticeEngine: Sendable {
    public static let maxFollowUps = 2
    private let evaluator: any AnswerEvaluator
    private let offline: any AnswerEvaluator

    /// - Parameters:
    ///   - evaluator: scores answers (a provider chain, or the builtin evaluator).
    ///   - offline: scores what needs no judgement — "I don't know" is 0 by the rubric — so no
    ///     provider is paid for it.
    public init(evaluator: any AnswerEvaluator, offline: any AnswerEvaluator) {
        self.evaluator = evaluator
        self.offline = offline
    }

    /// One answer scored by the engine's evaluator.
    public func evaluate(_ request: EvaluationRequest, at date: Date) async throws -> EvaluatedAnswer {
        // A blank answer is `empty` and scores 0 by the rubric: no provider is paid to say so.
        let blank = request.answer.unicodeScalars.allSatisfy(TextRules.isWhitespace)
        return try await (blank ? offline : evaluator).evaluate(request, at: date)
    }

    /// What the candidate does with the pending prompt.
    public enum Move: Sendable, Hashable {
        case answer(String)
        case skip
        case dontKnow
    }

    /// What a move produced, in the order a client shows it.
    public struct Outcome: Sendable, Hashable {
        public var evaluation: AnswerEvaluation?
        /// The next prompt (a follow-up or the next question), `nil` when the session ended.
        public var next: PracticePrompt?
        public var report: PracticeReport?
        /// What the evaluation cost.
        public var usage = Usage()
    }

    /// The prompt the session waits for; `nil` once every question is done or the session ended.
    public func pending(_ session: PracticeSession) -> PracticePrompt? {
        guard session.state == .inProgress else { return nil }
        guard let last = session.turns.last else {
            return session.questions.isEmpty ? nil : PracticePrompt(questionIndex: 0, followUp: 0, question: session.questions[0])
        }
        let index = last.prompt.questionIndex
        if last.action == .answered, last.prompt.followUp < Self.maxFollowUps,
            let evaluation = last.evaluation, [.answered, .evasive, .offTopic].contains(evaluation.answerKind),
            let followUp = evaluation.followUp
        {
            let missing = evaluation.missingKeyPoints
            let main = session.questions[index]
            return PracticePrompt(
                questionIndex: index, followUp: last.prompt.followUp + 1,
                question: Question(type: main.type, difficulty: main.difficulty, topic: main.topic, question: followUp, whatGoodAnswersCover: missing))
        }
        let nextIndex = index + 1
        return nextIndex < session.questions.count
            ? PracticePrompt(questionIndex: nextIndex, followUp: 0, question: session.questions[nextIndex]) : nil
    }

    /// Applies `move` to the pending prompt. Ends the session (with its report) after the last one.
    public func apply(_ move: Move, to session: inout PracticeSession, resume: ResumeContent?, at date: Date = Date()) async throws
        -> Outcome
    {
        guard let prompt = pending(session) else { throw CoachError(.conflict, "the session has ended") }
        var turn = PracticeTurn(prompt: prompt, action: .answered, answer: "", evaluation: nil, at: date)
        var usage = Usage()
        switch move {
        case .answer(let text):
            turn.answer = text
            let evaluated = try await evaluate(
                EvaluationRequest(question: prompt.question, answer: text, language: session.language, resume: resume, provider: session.provider),
                at: date)
            turn.evaluation = evaluated.evaluation
            usage = evaluated.usage
            // An answer that says "I don't know" is one.
            if turn.evaluation?.answerKind == .dontKnow { turn.action = .dontKnow }
        case .skip:
            turn.action = .skipped
        case .dontKnow:
            turn.action = .dontKnow
            turn.answer = ""
            turn.evaluation = try await offline.evaluate(
                EvaluationRequest(question: prompt.question, answer: "", language: session.language, resume: resume), at: date
            ).evaluation
            turn.evaluation?.answerKind = .dontKnow
        }
        session.turns.append(turn)
        session.updatedAt = date
        let next = pending(session)
        var report: PracticeReport?
        if next == nil { report = Self.finish(&session, at: date) }
        return Outcome(evaluation: turn.evaluation, next: next, report: report, usage: usage)
    }

    /// Ends the session now; questions not reached are listed as such in the report.
    @discardableResult
    public static func finish(_ session: inout PracticeSession, at date: Date = Date()) -> PracticeReport {
        if let report = session.report, session.state == .finished { return report }
        let report = Self.report(of: session)
        session.state = .finished
        session.report = report
        session.updatedAt = date
        return report
    }

    static func report(of session: PracticeSession) -> PracticeReport {
        let ko = session.language == .ko
        var scores: [PracticeReport.QuestionScore] = []
        var strengths: [PracticeReport.Finding] = []
        var gaps: [PracticeReport.Finding] = []
        for (index, question) in session.questions.enumerated() {
            let turns = session.turns.filter { $0.prompt.questionIndex == index }
            guard let main = turns.first(where: { !$0.prompt.isFollowUp }) else {
                scores.append(.init(questionIndex: index, topic: question.topic, score: nil, band: nil, skipped: false, missing: []))
                continue
            }
            let mainScore = main.evaluation?.score ?? 0
            let followUps = turns.filter(\.prompt.isFollowUp).compactMap(\.evaluation)
            // A follow-up that fills the gap counts for something; the first answer counts most.
            let score = followUps.isEmpty ? mainScore : Int((0.7 * Double(mainScore) + 0.3 * Double(followUps.map(\.score).max() ?? 0)).rounded())
            var covered = Set<String>()
            for evaluation in turns.compactMap(\.evaluation) {
                covered.formUnion(evaluation.keyPoints.filter(\.covered).map(\.point))
            }
            let missing = main.action == .skipped ? question.whatGoodAnswersCover : question.whatGoodAnswersCover.filter { !covered.contains($0) }
            scores.append(
                .init(
                    questionIndex: index, topic: question.topic, score: score, band: Rubric.Band(score: score),
                    skipped: main.action == .skipped, missing: missing))
            if score >= 70, let evaluation = main.evaluation {
                let evidence = evaluation.keyPoints.compactMap(\.evidence).first ?? (ko ? "핵심 포인트를 모두 다룸" : "covered the key points")
                strengths.append(.init(topic: question.topic, detail: evidence))
            }
            for point in missing { gaps.append(.init(topic: question.topic, detail: point)) }
        }
        let reached = scores.compactMap(\.score)
        let total = reached.isEmpty ? 0 : Int((Double(reached.reduce(0, +)) / Double(reached.count)).rounded())
        // Topics whose questions scored lowest come first.
        let ordered = scores.filter { $0.score != nil && (!$0.missing.isEmpty || ($0.score ?? 0) < 70) }.sorted { ($0.score ?? 0) < ($1.score ?? 0) }
        var topics: [String] = []
        for entry in ordered {
            for topic in entry.topic.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !topic.isEmpty {
                if !topics.contains(topic) { topics.append(topic) }
            }
        }
        return PracticeReport(
            score: total, band: Rubric.Band(score: total), questions: scores, strengths: strengths, gaps: gaps,
            topicsToStudy: Array(topics.prefix(8)), rubricVersion: Rubric.version)
    }
}
