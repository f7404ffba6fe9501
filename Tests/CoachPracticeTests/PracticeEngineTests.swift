import CoachBuiltin
import CoachCore
import CoachLLM
import CoachPractice
import Foundation
import Testing

/// A practice session as a candidate lives it: question by question, follow-ups about what an
/// answer left out (at most two per question), skips and "I don't know", leaving and coming back,
/// and the report at the end.
@Suite struct PracticeEngineTests {
    /// As `serve` builds it: answers scored through the provider chain (here the builtin
    /// provider alone), so every evaluation also passes the providers' evaluation rules.
    let engine = PracticeEngine(
        evaluator: RegistryEvaluator(registry: ProviderRegistry(providers: [BuiltinProvider()])), offline: BuiltinEvaluator())
    typealias Fixture = BuiltinEvaluatorTests

    func session(_ questions: [Question] = [Fixture.implementationEN, Fixture.collaborationEN]) -> PracticeSession {
        PracticeSession(
            id: "s1", tenant: .default, uniqueKey: "Kim_1", questionSetID: nil, language: .en, questions: questions,
            at: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func aPartialAnswerGetsAFollowUpAboutWhatItMissedThenTheNextQuestion() async throws {
        var session = session()
        #expect(engine.pending(session)?.question == Fixture.implementationEN)
        let first = try await engine.apply(.answer(Fixture.partialEN), to: &session, resume: nil)
        let followUp = try #require(first.next)
        #expect(followUp.isFollowUp && followUp.questionIndex == 0)
        #expect(followUp.question.whatGoodAnswersCover == ["How the result was verified in production"])
        #expect(followUp.question.question == first.evaluation?.followUp)

        let second = try await engine.apply(
            .answer("We verified the result in production with a canary release to 5% of traffic and compared p99 on the dashboard."),
            to: &session, resume: nil)
        #expect(second.evaluation?.keyPoints.allSatisfy { $0.covered } == true)
        #expect(second.next?.questionIndex == 1 && second.next?.isFollowUp == false)
        #expect(second.report == nil)
    }

    @Test func aQuestionGetsAtMostTwoFollowUps() async throws {
        var session = session()
        _ = try await engine.apply(.answer(Fixture.partialEN), to: &session, resume: nil)
        let vague = "We looked at it and it was fine in the end, the team agreed it worked well enough for us."
        let afterFirst = try await engine.apply(.answer(vague), to: &session, resume: nil)
        #expect(afterFirst.next?.followUp == 2)
        let afterSecond = try await engine.apply(.answer(vague), to: &session, resume: nil)
        #expect(afterSecond.next?.questionIndex == 1 && afterSecond.next?.followUp == 0)
    }

    @Test func skipAndIDontKnowMoveOnWithoutFollowUps() async throws {
        var session = session()
        let skipped = try await engine.apply(.skip, to: &session, resume: nil)
        #expect(skipped.evaluation == nil && skipped.next?.questionIndex == 1)
        let unknown = try await engine.apply(.answer("Honestly, I don't know."), to: &session, resume: nil)
        #expect(unknown.evaluation?.score == 0 && unknown.next == nil)
        let report = try #require(unknown.report)
        #expect(session.state == .finished && session.turns.map(\.action) == [.skipped, .dontKnow])
        #expect(report.questions.map(\.skipped) == [true, false])
        #expect(report.questions[0].missing == Fixture.implementationEN.whatGoodAnswersCover)
        #expect(report.score == 0 && report.band == .insufficient)
        await #expect(throws: CoachError.self) { try await engine.apply(.skip, to: &session, resume: nil) }
    }

    @Test func aStoredSessionResumesAtTheNextUnansweredPrompt() async throws {
        var session = session()
        let first = try await engine.apply(.answer(Fixture.partialEN), to: &session, resume: nil)
        // What the store keeps and gives back after a disconnect.
        let stored = try JSONEncoder().encode(session)
        let restored = try JSONDecoder().decode(PracticeSession.self, from: stored)
        #expect(engine.pending(restored) == first.next)
        #expect(restored == session)
    }

    @Test func theReportScoresStrengthsGapsAndWhatToStudy() async throws {
        var session = session()
        _ = try await engine.apply(.answer(Fixture.strongEN), to: &session, resume: nil)
        let last = try await engine.apply(.answer("I don't know, I was never in that situation."), to: &session, resume: nil)
        let report = try #require(last.report)
        #expect(report.questions.map(\.score) == [session.turns[0].evaluation?.score, 0])
        #expect(report.score == ((session.turns[0].evaluation?.score ?? 0) + 0 + 1) / 2)
        #expect(report.strengths.map(\.topic) == [Fixture.implementationEN.topic])
        #expect(Set(report.gaps.map(\.detail)) == Set(Fixture.collaborationEN.whatGoodAnswersCover))
        #expect(report.topicsToStudy.first == "design disagreement")
        #expect(report.rubricVersion == Rubric.version)
    }

    @Test func endingEarlyReportsTheQuestionsNotReached() async throws {
        var session = session()
        _ = try await engine.apply(.answer(Fixture.strongEN), to: &session, resume: nil)
        let report = PracticeEngine.finish(&session)
        #expect(report.questions[1].score == nil && report.questions[1].band == nil)
        #expect(report.score == session.turns[0].evaluation?.score)
        #expect(engine.pending(session) == nil)
    }
}
