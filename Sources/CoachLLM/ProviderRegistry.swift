import CoachCore
import Foundation
import Logging
import Tracing

/// A validated generation with the record of how it was produced.
public struct Generated<Output: Sendable>: Sendable {
    public var output: Output
    public var record: GenerationRecord
}

/// How the registry retries, falls back and protects itself.
public struct RegistryConfiguration: Sendable {
    /// Consecutive failures that open a provider's circuit.
    public var breakerThreshold: Int
    /// How long an open circuit skips its provider (4× for auth/quota failures).
    public var breakerCooldown: Duration
    /// All attempts of one request together.
    public var requestDeadline: Duration
    /// First backoff delay; doubled per retry, with jitter.
    public var retryBaseDelay: Duration

    public init(
        breakerThreshold: Int = 3, breakerCooldown: Duration = .seconds(30), requestDeadline: Duration = .seconds(120),
        retryBaseDelay: Duration = .milliseconds(500)
    ) {
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
        self.requestDeadline = requestDeadline
        self.retryBaseDelay = retryBaseDelay
    }
}

/// A provider's place in the chain with its live state.
public struct ProviderStatus: Sendable {
    public var name: String
    public var model: String
    public var breaker: CircuitBreaker.Snapshot
}

/// The ordered fallback chain of providers. Each attempt's answer is parsed and validated. Per
/// provider: transient failures and rate limits are retried with backoff (honouring
/// Retry-After) up to its `maxRetries`; permanent failures move on at once; bad output gets one
/// corrective retry listing the broken rules. A circuit breaker skips a failing provider for a
/// while, and one deadline bounds the whole request. Every attempt is recorded and returned
/// with the result, or in the error's `details.attempts`.
public struct ProviderRegistry: Sendable {
    public let providers: [any LLMProvider]
    public let configuration: RegistryConfiguration
    private let breakers: [String: CircuitBreaker]
    private let logger: Logger

    public init(
        providers: [any LLMProvider], configuration: RegistryConfiguration = RegistryConfiguration(),
        logger: Logger = Logger(label: "coach.llm")
    ) {
        precondition(!providers.isEmpty, "the provider chain needs at least one provider")
        self.providers = providers
        self.configuration = configuration
        self.logger = logger
        var breakers: [String: CircuitBreaker] = [:]
        for provider in providers {
            breakers[provider.name] = CircuitBreaker(threshold: configuration.breakerThreshold, cooldown: configuration.breakerCooldown)
        }
        self.breakers = breakers
    }

    public var names: [String] { providers.map(\.name) }

    /// The chain with each provider's breaker state and statistics.
    /// The circuit breaker of the provider named `name`.
    public func breaker(for name: String) -> CircuitBreaker? { breakers[name] }

    public func statuses() async -> [ProviderStatus] {
        var result: [ProviderStatus] = []
        for provider in providers {
            guard let breaker = breakers[provider.name] else { continue }
            result.append(ProviderStatus(name: provider.name, model: provider.model, breaker: await breaker.snapshot()))
        }
        return result
    }

    /// The chain for one request: the requested provider first, then the others in order.
    public func chain(preferring name: String?) throws(CoachError) -> [any LLMProvider] {
        guard let name, !name.isEmpty else { return providers }
        guard let preferred = providers.first(where: { $0.name == name }) else {
            throw CoachError.badRequest(
                "unknown provider '\(name)'; configured: \(names.joined(separator: ", "))", field: "provider")
        }
        return [preferred] + providers.filter { $0.name != name }
    }

    public func questions(
        resume: ResumeContent, options: QuestionOptions, seed: Int64, progress: StreamingProgress? = nil
    ) async throws -> Generated<[Question]> {
        try await generate(
            input: .questions(options), resume: resume, preferring: options.provider, seed: seed, progress: progress,
            failureCode: .interviewGenerationFailed, promptFor: { PromptLibrary.questions(resume: resume, options: options, corrections: $0) },
            parse: { text throws(OutputParsing.OutputError) in try OutputParsing.questions(from: text) },
            validate: { GenerationValidator.ruleViolations(of: $0, resume: resume, options: options) })
    }

    public func learningPlan(
        resume: ResumeContent, options: LearningOptions, seed: Int64, progress: StreamingProgress? = nil
    ) async throws -> Generated<LearningPlan> {
        try await generate(
            input: .learningPath(options), resume: resume, preferring: options.provider, seed: seed, progress: progress,
            failureCode: .learningPathGenerationFailed,
            promptFor: { PromptLibrary.learningPath(resume: resume, options: options, corrections: $0) },
            parse: { text throws(OutputParsing.OutputError) in try OutputParsing.learningPlan(from: text) },
            validate: { GenerationValidator.ruleViolations(of: $0, resume: resume, options: options) })
    }

    func generate<Output: Sendable>(
        input: GenerationInput, resume: ResumeContent, preferring: String?, seed: Int64, progress: StreamingProgress?,
        failureCode: ErrorCode,
        promptFor: ([String]) -> Prompt,
        parse: (String) throws(OutputParsing.OutputError) -> Output,
        validate: (Output) -> [RuleViolation]
    ) async throws -> Generated<Output> {
        let deadline = ContinuousClock.now + configuration.requestDeadline
        var attempts: [GenerationAttempt] = []
        // The worker's log of the run (the task's attempts on the operations dashboard).
        let log = AttemptLog.current
        func note(_ attempt: GenerationAttempt) {
            attempts.append(attempt)
            log?.record(attempt)
        }
        var usage = Usage()
        var deadlineHit = false
        chain: for provider in try chain(preferring: preferring) {
            let breaker = breakers[provider.name]
            var admission = CircuitBreaker.Admission.call
            if let breaker {
                guard let admitted = await breaker.admit() else {
                    LLMMetrics.attempt(
                        provider: provider.name, model: provider.model, purpose: input.purpose, outcome: .skippedCircuitOpen, latencyMs: 0,
                        usage: nil)
                    LLMMetrics.fallback(from: provider.name, purpose: input.purpose)
                    note(
                        GenerationAttempt(
                            provider: provider.name, model: provider.model, outcome: .skippedCircuitOpen, latencyMs: 0,
                            errorCode: "circuit_open"))
                    continue
                }
                admission = admitted
            }
            var corrections: [String] = []
            var correctiveUsed = false
            var retries = 0
            while true {
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero {
                    deadlineHit = true
                    await breaker?.abandon(admission)
                    break chain
                }
                let prompt = promptFor(corrections)
                let started = ContinuousClock.now
                let reply: ProviderReply
                do {
                    let request = GenerationRequest(input: input, resume: resume, prompt: prompt, seed: seed, progress: progress)
                    reply = try await Self.traced(provider, purpose: input.purpose) {
                        try await withTimeLimit(min(provider.settings.timeout, remaining)) { try await provider.complete(request) }
                    }
                } catch {
                    if error is CancellationError || Task.isCancelled {
                        await breaker?.abandon(admission)
                        // Kept, so a cancelled task's record shows the call it stopped; not a
                        // failure of the provider's.
                        let latency = started.elapsedMilliseconds
                        note(
                            GenerationAttempt(
                                provider: provider.name, model: provider.model, outcome: .cancelled, latencyMs: latency, errorCode: "cancelled"))
                        LLMMetrics.attempt(
                            provider: provider.name, model: provider.model, purpose: input.purpose, outcome: .cancelled, latencyMs: latency,
                            usage: nil)
                        throw CancellationError()
                    }
                    let failure = error as? ProviderFailure ?? .transient(code: "provider_error")
                    let latency = started.elapsedMilliseconds
                    if failure == .timeout, deadline - ContinuousClock.now <= .milliseconds(1) { deadlineHit = true }
                    note(
                        GenerationAttempt(
                            provider: provider.name, model: provider.model, outcome: failure.outcome, latencyMs: latency,
                            errorCode: failure.errorCode))
                    LLMMetrics.attempt(
                        provider: provider.name, model: provider.model, purpose: input.purpose, outcome: failure.outcome, latencyMs: latency,
                        usage: nil)
                    logger.warning(
                        "provider attempt failed",
                        metadata: ["provider": "\(provider.name)", "error_code": "\(failure.errorCode)", "latency_ms": "\(latency)"])
                    switch failure {
                    case .badOutput:
                        if !correctiveUsed {
                            correctiveUsed = true
                            corrections = [failure.errorCode == "truncated" ? "the answer was cut off: answer more briefly" : "the answer was not valid JSON"]
                            continue
                        }
                    case .transient, .timeout, .rateLimited:
                        if retries < provider.settings.maxRetries {
                            retries += 1
                            var wait = backoff(retry: retries)
                            if case .rateLimited(let after?) = failure { wait = after }
                            if ContinuousClock.now + wait < deadline {
                                do {
                                    try await Task.sleep(for: wait)
                                } catch {
                                    await breaker?.abandon(admission)
                                    throw error
                                }
                                continue
                            }
                        }
                    case .permanent:
                        break
                    }
                    await breaker?.recordFailure(latencyMs: latency, code: failure.errorCode, longCooldown: failure.opensLongCooldown)
                    // Output from this provider was already accepted (streamed to watchers):
                    // falling back now would mix answers, so the request fails here.
                    if progress?.hasOutput == true { break chain }
                    LLMMetrics.fallback(from: provider.name, purpose: input.purpose)
                    continue chain
                }
                usage = usage + reply.usage
                let latency = started.elapsedMilliseconds
                let problems: [RuleViolation]
                var output: Output?
                do {
                    let parsed = try parse(reply.text)
                    output = parsed
                    problems = validate(parsed)
                } catch {
                    problems = [RuleViolation(error.ruleID, error.description)]
                }
                LLMMetrics.attempt(
                    provider: provider.name, model: provider.model, purpose: input.purpose,
                    outcome: output != nil && problems.isEmpty ? .success : .invalidOutput, latencyMs: latency, usage: reply.usage)
                if let output, problems.isEmpty {
                    note(
                        GenerationAttempt(provider: provider.name, model: reply.model, outcome: .success, latencyMs: latency, usage: reply.usage))
                    await breaker?.recordSuccess(latencyMs: latency)
                    let record = GenerationRecord(
                        provider: provider.name, model: reply.model, promptVersion: prompt.version,
                        language: input.language, usage: usage, attempts: attempts)
                    return Generated(output: output, record: record)
                }
                // Which rules, never the text: the output may quote the resume.
                let rules = Array(Set(problems.map(\.rule))).sorted()
                note(
                    GenerationAttempt(
                        provider: provider.name, model: reply.model, outcome: .invalidOutput, latencyMs: latency, usage: reply.usage,
                        errorCode: "invalid_output", rules: rules))
                LLMMetrics.violations(problems, provider: provider.name, purpose: input.purpose)
                logger.warning(
                    "provider output broke the rules",
                    metadata: ["provider": "\(provider.name)", "violations": "\(problems.count)", "rules": "\(rules.joined(separator: ","))"])
                if correctiveUsed {
                    await breaker?.recordFailure(latencyMs: latency, code: "invalid_output", longCooldown: false)
                    if progress?.hasOutput == true { break chain }
                    LLMMetrics.fallback(from: provider.name, purpose: input.purpose)
                    continue chain
                }
                correctiveUsed = true
                corrections = problems.map(\.message)
            }
        }
        let details: [String: JSONValue] = ["attempts": .array(attempts.map(\.detailValue))]
        if deadlineHit {
            throw CoachError(.llmAPITimeout, "the providers did not answer within the request deadline", details: details)
        }
        if !attempts.isEmpty, attempts.allSatisfy({ $0.outcome == .skippedCircuitOpen }) {
            throw CoachError(.llmProviderNotAvailable, "every provider is cooling down after failures", details: details)
        }
        throw CoachError(failureCode, "every provider failed", details: details)
    }

    /// One provider call in a client span named after the OpenTelemetry GenAI conventions
    /// (`chat <model>`, `gen_ai.*` attributes): which provider and model, the tokens, the failure
    /// category. Never the prompt, the resume or the answer.
    private static func traced(
        _ provider: any LLMProvider, purpose: String, _ call: () async throws -> ProviderReply
    ) async throws -> ProviderReply {
        try await withSpan("chat \(provider.model)", ofKind: .client) { span in
            span.attributes["gen_ai.system"] = provider.name
            span.attributes["gen_ai.operation.name"] = "chat"
            span.attributes["gen_ai.request.model"] = provider.model
            span.attributes["coach.llm.purpose"] = purpose
            do {
                let reply = try await call()
                span.attributes["gen_ai.response.model"] = reply.model
                span.attributes["gen_ai.usage.input_tokens"] = reply.usage.inputTokens
                span.attributes["gen_ai.usage.output_tokens"] = reply.usage.outputTokens
                return reply
            } catch {
                span.attributes["error.type"] = (error as? ProviderFailure)?.errorCode ?? "\(type(of: error))"
                throw error
            }
        }
    }

    private func backoff(retry: Int) -> Duration {
        let base = configuration.retryBaseDelay * (1 << min(retry - 1, 6))
        return base + base * Double.random(in: 0...0.5)
    }
}

/// Runs `body`, failing with `ProviderFailure.timeout` when it takes longer than `limit`.
func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw ProviderFailure.timeout }
        return value
    }
}

extension ProviderFailure {
    var outcome: GenerationAttempt.Outcome {
        switch self {
        case .transient, .rateLimited: .retryableError
        case .timeout: .timeout
        case .permanent: .permanentError
        case .badOutput: .invalidOutput
        }
    }

    var opensLongCooldown: Bool {
        if case .permanent(_, let long) = self { return long }
        return false
    }
}

extension GenerationAttempt {
    /// The attempt as it appears in an error's `details.attempts`.
    var detailValue: JSONValue {
        var object: [String: JSONValue] = [
            "provider": .string(provider), "model": .string(model), "outcome": .string(outcome.rawValue),
            "latency_ms": .number(Double(latencyMs)),
        ]
        if let errorCode { object["error_code"] = .string(errorCode) }
        if let rules { object["rules"] = .array(rules.map(JSONValue.string)) }
        return .object(object)
    }
}

extension ContinuousClock.Instant {
    var elapsedMilliseconds: Int {
        let elapsed = ContinuousClock.now - self
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
