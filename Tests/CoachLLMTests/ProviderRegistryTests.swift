import CoachBuiltin
import CoachCore
import CoachLLM
import Foundation
import Logging
import Synchronization
import Testing

/// A provider that answers from a script, recording the prompts it was sent.
final class ScriptedProvider: LLMProvider, Sendable {
    let name: String
    let model = "scripted-1"
    let settings = ProviderSettings(timeout: .seconds(5), maxRetries: 1)
    private let replies: Mutex<[Result<String, ProviderFailure>]>
    let prompts = Mutex<[Prompt]>([])

    init(name: String, replies: [Result<String, ProviderFailure>]) {
        self.name = name
        self.replies = Mutex(replies)
    }

    func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        prompts.withLock { $0.append(request.prompt) }
        let next = replies.withLock { $0.isEmpty ? Result.failure(.permanent(code: "script_ended", longCooldown: false)) : $0.removeFirst() }
        return ProviderReply(text: try next.get(), model: model, usage: Usage(inputTokens: 10, outputTokens: 20))
    }
}

@Suite struct ProviderRegistryTests {
    let resume = GenerationValidatorTests.resume
    let fast = RegistryConfiguration(retryBaseDelay: .milliseconds(1))

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
        let failing = ScriptedProvider(name: "first", replies: [.failure(.permanent(code: "unauthorized", longCooldown: true))])
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
        let down = ScriptedProvider(name: "down", replies: [.failure(.transient(code: "http_503")), .failure(.transient(code: "http_503"))])
        do {
            _ = try await ProviderRegistry(providers: [bad, down], configuration: fast).questions(resume: resume, options: QuestionOptions(), seed: 0)
            Issue.record("expected a failure")
        } catch let error as CoachError {
            #expect(error.code == .interviewGenerationFailed)
            guard case .array(let attempts)? = error.details["attempts"] else {
                Issue.record("no attempts")
                return
            }
            // Two bad answers (one corrective retry), then one retry of the transient failure.
            #expect(attempts.count == 4)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

/// A provider that never answers (and says on `called` that it was called).
struct HangingProvider: LLMProvider {
    let name = "hanging"
    let model = "never"
    let settings = ProviderSettings(timeout: .seconds(60), maxRetries: 0)
    var called: AsyncStream<Void>.Continuation?

    func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        called?.yield()
        try await Task.sleep(for: .seconds(3600))
        throw CancellationError()
    }
}

@Suite struct ProviderResilienceTests {
    let resume = GenerationValidatorTests.resume
    var validAnswer: String {
        String(decoding: try! JSONEncoder().encode(QuestionDraft(questions: GenerationValidatorTests.questions())), as: UTF8.self)
    }

    @Test func retriesTransientFailuresThenSucceedsOnTheSameProvider() async throws {
        let flaky = ScriptedProvider(name: "flaky", replies: [.failure(.transient(code: "http_503")), .success(validAnswer)])
        let generated = try await ProviderRegistry(providers: [flaky], configuration: RegistryConfiguration(retryBaseDelay: .milliseconds(1)))
            .questions(resume: resume, options: QuestionOptions(), seed: 0)
        #expect(generated.record.attempts.map(\.outcome) == [.retryableError, .success])
    }

    @Test func neverRetriesPermanentFailures() async throws {
        let denied = ScriptedProvider(name: "denied", replies: [.failure(.permanent(code: "insufficient_quota", longCooldown: true)), .success(validAnswer)])
        let backup = ScriptedProvider(name: "backup", replies: [.success(validAnswer)])
        let generated = try await ProviderRegistry(providers: [denied, backup]).questions(resume: resume, options: QuestionOptions(), seed: 0)
        #expect(generated.record.attempts.map(\.provider) == ["denied", "backup"])
        #expect(denied.prompts.withLock { $0.count } == 1)
    }

    @Test func anOpenBreakerSkipsItsProviderWithoutACall() async throws {
        let broken = ScriptedProvider(name: "broken", replies: Array(repeating: .failure(.transient(code: "http_500")), count: 10))
        let backup = ScriptedProvider(name: "backup", replies: Array(repeating: .success(validAnswer), count: 3))
        let registry = ProviderRegistry(
            providers: [broken, backup],
            configuration: RegistryConfiguration(breakerThreshold: 2, breakerCooldown: .seconds(60), retryBaseDelay: .milliseconds(1)))
        // Each failed request (a call and its retry) is one failure of the provider.
        for _ in 0..<2 { _ = try await registry.questions(resume: resume, options: QuestionOptions(), seed: 0) }
        let third = try await registry.questions(resume: resume, options: QuestionOptions(), seed: 0)
        #expect(third.record.attempts.first?.outcome == .skippedCircuitOpen)
        #expect(broken.prompts.withLock { $0.count } == 4)
        let states = await registry.statuses()
        #expect(states.first?.breaker.state == .open)
        #expect(states.first?.breaker.lastErrorCode == "http_500")
    }

    @Test func theRequestDeadlineHoldsWhenAProviderNeverAnswers() async {
        let registry = ProviderRegistry(providers: [HangingProvider()], configuration: RegistryConfiguration(requestDeadline: .milliseconds(300)))
        let started = ContinuousClock.now
        do {
            _ = try await registry.questions(resume: resume, options: QuestionOptions(), seed: 0)
            Issue.record("expected a timeout")
        } catch let error as CoachError {
            #expect(error.code == .llmAPITimeout)
        } catch {
            Issue.record("unexpected \(error)")
        }
        // Well under the provider's own 60 s timeout: the 300 ms deadline ended the call (the
        // margin is for a loaded machine, not a performance claim).
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}

@Suite struct CircuitBreakerProbeTests {
    @Test func aCancelledHalfOpenProbeCountsAsAFailureAndTheCircuitRecovers() async throws {
        let resume = GenerationValidatorTests.resume
        let registry = ProviderRegistry(
            providers: [HangingProvider()],
            configuration: RegistryConfiguration(breakerThreshold: 1, breakerCooldown: .milliseconds(50), retryBaseDelay: .milliseconds(1)))
        let breaker = try #require(registry.breaker(for: "hanging"))
        await breaker.recordFailure(latencyMs: 1, code: "http_500", longCooldown: false)  // open
        try await Task.sleep(for: .milliseconds(80))  // cooled down: the next call is the probe

        let request = Task { try await registry.questions(resume: resume, options: QuestionOptions(), seed: 0) }
        for _ in 0..<200 where await breaker.snapshot().state != .halfOpen { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await breaker.snapshot().state == .halfOpen)
        request.cancel()  // a job timeout or a client that went away
        _ = await request.result

        // The abandoned probe counted as a failure (the circuit opened again), so after the
        // cooldown the next request gets a probe of its own instead of being skipped forever.
        let snapshot = await breaker.snapshot()
        #expect(snapshot.lastErrorCode == "abandoned")
        #expect(snapshot.failures == 2)
        try await Task.sleep(for: .milliseconds(80))
        #expect(await breaker.admit() == .probe)
    }
}

@Suite struct CancelledCallTests {
    @Test func aCallStoppedByItsTaskIsKeptAsACancelledAttemptAndNotHeldAgainstTheProvider() async throws {
        let (calls, called) = AsyncStream.makeStream(of: Void.self)
        let registry = ProviderRegistry(
            providers: [HangingProvider(called: called)], configuration: RegistryConfiguration(breakerThreshold: 1))
        let log = AttemptLog()
        let request = Task {
            try await AttemptLog.$current.withValue(log) {
                try await registry.questions(resume: GenerationValidatorTests.resume, options: QuestionOptions(), seed: 0)
            }
        }
        var iterator = calls.makeAsyncIterator()
        _ = await iterator.next()  // the call is in flight
        request.cancel()  // an operator's cancel, or the job's time limit
        guard case .failure(let error) = await request.result else {
            Issue.record("a cancelled request succeeded")
            return
        }
        #expect(error is CancellationError)

        let attempts = log.recorded
        #expect(attempts.map(\.provider) == ["hanging"])
        #expect(attempts.map(\.outcome) == [.cancelled])
        #expect(attempts.first?.errorCode == "cancelled")
        // Not the provider's failure: with a threshold of one, a failure would have opened it.
        let snapshot = try #require(await registry.breaker(for: "hanging")?.snapshot())
        #expect(snapshot.state == .closed && snapshot.failures == 0)
    }
}

@Suite struct CircuitBreakerTests {
    @Test func opensAfterTheThresholdAndLetsOneProbeThroughAfterTheCooldown() async throws {
        let breaker = CircuitBreaker(threshold: 2, cooldown: .milliseconds(100))
        #expect(await breaker.allow())
        await breaker.recordFailure(latencyMs: 5, code: "http_500", longCooldown: false)
        #expect(await breaker.allow())
        await breaker.recordFailure(latencyMs: 5, code: "http_500", longCooldown: false)
        #expect(await !breaker.allow())
        try await Task.sleep(for: .milliseconds(150))
        #expect(await breaker.allow())  // the probe
        #expect(await !breaker.allow())  // only one
        await breaker.recordSuccess(latencyMs: 3)
        #expect(await breaker.snapshot().state == .closed)
    }

    @Test func aFailedProbeOpensAgain() async throws {
        let breaker = CircuitBreaker(threshold: 1, cooldown: .milliseconds(50))
        await breaker.recordFailure(latencyMs: 1, code: "x", longCooldown: false)
        try await Task.sleep(for: .milliseconds(80))
        #expect(await breaker.allow())
        await breaker.recordFailure(latencyMs: 1, code: "x", longCooldown: false)
        #expect(await breaker.snapshot().state == .open)
    }
}

/// Keeps what was logged, for tests of what a log line says (and does not say).
final class RecordedLogs: Sendable {
    struct Entry: Sendable {
        var message: String
        var metadata: Logger.Metadata
    }

    let entries = Mutex<[Entry]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(logs: self) }
    }

    struct Handler: LogHandler {
        let logs: RecordedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let entry = Entry(message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 })
            logs.entries.withLock { $0.append(entry) }
        }
    }
}

@Suite struct RuleLoggingTests {
    @Test func aRuleBreakingAnswerIsLoggedWithTheRuleIdsNotItsText() async throws {
        var broken = GenerationValidatorTests.questions()
        broken.removeLast()
        broken[0].question = "SECRET-TEXT?"
        let text = String(decoding: try JSONEncoder().encode(QuestionDraft(questions: broken)), as: UTF8.self)
        let provider = ScriptedProvider(name: "first", replies: [.success(text), .success("not json")])
        let logs = RecordedLogs()
        let registry = ProviderRegistry(providers: [provider, BuiltinProvider()], logger: logs.logger)
        _ = try await registry.questions(resume: GenerationValidatorTests.resume, options: QuestionOptions(), seed: 0)
        let lines = logs.entries.withLock { $0 }.filter { $0.message == "provider output broke the rules" }
        #expect(lines.map { $0.metadata["rules"]?.description } == ["questions.count,questions.difficulties,questions.grounding", "output.json"])
        #expect(!lines.contains { "\($0.metadata)".contains("SECRET-TEXT") })
    }
}
