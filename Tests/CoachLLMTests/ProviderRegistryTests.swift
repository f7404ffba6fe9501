import CoachCore
import CoachLLM
import Foundation
import Synchronization
import Testing

/// A provider that answers from a script, recording the prompts it was sent.
final class ScriptedProvider: LLMProvider, Sendable {
    let name: String
    let model = "scripted-1"
    private let replies: Mutex<[Result<String, ProviderFailure>]>
    let prompts = Mutex<[Prompt]>([])

    init(name: String, replies: [Result<String, ProviderFailure>]) {
        self.name = name
        self.replies = Mutex(replies)
    }

    func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        prompts.withLock { $0.append(request.prompt) }
        let next = replies.withLock { $0.isEmpty ? Result.failure(.permanent(code: "script_ended")) : $0.removeFirst() }
        return ProviderReply(text: try next.get(), model: model, usage: Usage(inputTokens: 10, outputTokens: 20))
    }
}

@Suite struct ProviderRegistryTests {
    let resume = GenerationValidatorTests.resume

    var validAnswer: String {
        String(decoding: try! JSONEncoder().encode(QuestionDraft(questions: GenerationValidatorTests.questions())), as: UTF8.self)
    }

    @Test func correctsInvalidOutputOnceWithTheViolationsListed() async throws {
        let provider = ScriptedProvider(name: "first", replies: [.success("not json at all"), .success(validAnswer)])
        let registry = ProviderRegistry(providers: [provider])
        let generated = try await registry.questions(resume: resume, options: QuestionOptions(seed: 1), seed: 1)
        #expect(generated.record.provider == "first")
        #expect(generated.record.attempts.map(\.outcome) == [.invalidOutput, .success])
        #expect(generated.record.usage.inputTokens == 20)
        let second = try #require(provider.prompts.withLock { $0.last })
        #expect(second.user.contains("the answer was not JSON"))
    }

    @Test func fallsBackToTheNextProviderAndNamesIt() async throws {
        let failing = ScriptedProvider(name: "first", replies: [.failure(.permanent(code: "unauthorized"))])
        let second = ScriptedProvider(name: "second", replies: [.success("```json\n\(validAnswer)\n```")])
        let generated = try await ProviderRegistry(providers: [failing, second]).questions(resume: resume, options: QuestionOptions(), seed: 0)
        #expect(generated.record.provider == "second")
        #expect(generated.record.attempts.map(\.provider) == ["first", "second"])
        #expect(generated.record.attempts.first?.errorCode == "unauthorized")
    }

    @Test func requestedProviderGoesFirst() async throws {
        let first = ScriptedProvider(name: "first", replies: [.success(validAnswer)])
        let second = ScriptedProvider(name: "second", replies: [.success(validAnswer)])
        let generated = try await ProviderRegistry(providers: [first, second])
            .questions(resume: resume, options: QuestionOptions(provider: "second"), seed: 0)
        #expect(generated.record.provider == "second")
        #expect(first.prompts.withLock { $0.isEmpty })
    }

    @Test func unknownRequestedProviderIsAValidationError() async {
        let registry = ProviderRegistry(providers: [BuiltinProvider()])
        await #expect(throws: CoachError.self) {
            try await registry.questions(resume: resume, options: QuestionOptions(provider: "nope"), seed: 0)
        }
    }

    @Test func everyProviderFailingListsEveryAttempt() async {
        let bad = ScriptedProvider(name: "bad", replies: [.success("{}"), .success("{}")])
        let down = ScriptedProvider(name: "down", replies: [.failure(.transient(code: "unavailable"))])
        do {
            _ = try await ProviderRegistry(providers: [bad, down]).questions(resume: resume, options: QuestionOptions(), seed: 0)
            Issue.record("expected a failure")
        } catch let error as CoachError {
            #expect(error.code == .interviewGenerationFailed)
            #expect(error.httpStatus == 502)
            guard case .array(let attempts)? = error.details["attempts"] else {
                Issue.record("no attempts")
                return
            }
            #expect(attempts.count == 3)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
