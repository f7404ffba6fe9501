import CoachCore
import Foundation
import Logging

/// A validated generation with the record of how it was produced.
public struct Generated<Output: Sendable>: Sendable {
    public var output: Output
    public var record: GenerationRecord
}

/// The ordered fallback chain of providers. Each attempt's answer is parsed and validated; an
/// invalid answer gets one corrective retry listing the broken rules, then the next provider
/// is tried. Every attempt is recorded and returned with the result or the error.
public struct ProviderRegistry: Sendable {
    public let providers: [any LLMProvider]
    private let logger: Logger

    public init(providers: [any LLMProvider], logger: Logger = Logger(label: "coach.llm")) {
        precondition(!providers.isEmpty, "the provider chain needs at least one provider")
        self.providers = providers
        self.logger = logger
    }

    public var names: [String] { providers.map(\.name) }

    /// The chain for one request: the requested provider first, then the others in order.
    public func chain(preferring name: String?) throws(CoachError) -> [any LLMProvider] {
        guard let name, !name.isEmpty else { return providers }
        guard let preferred = providers.first(where: { $0.name == name }) else {
            throw CoachError.badRequest(
                "unknown provider '\(name)'; configured: \(names.joined(separator: ", "))", field: "provider")
        }
        return [preferred] + providers.filter { $0.name != name }
    }

    public func questions(resume: ResumeContent, options: QuestionOptions, seed: Int64) async throws -> Generated<[Question]> {
        try await generate(
            input: .questions(options), resume: resume, preferring: options.provider, seed: seed,
            failureCode: .interviewGenerationFailed, promptFor: { PromptLibrary.questions(resume: resume, options: options, corrections: $0) },
            parse: { text throws(OutputParsing.OutputError) in try OutputParsing.questions(from: text) },
            validate: { GenerationValidator.violations(of: $0, resume: resume, options: options) })
    }

    public func learningPlan(resume: ResumeContent, options: LearningOptions, seed: Int64) async throws -> Generated<LearningPlan> {
        try await generate(
            input: .learningPath(options), resume: resume, preferring: options.provider, seed: seed,
            failureCode: .learningPathGenerationFailed,
            promptFor: { PromptLibrary.learningPath(resume: resume, options: options, corrections: $0) },
            parse: { text throws(OutputParsing.OutputError) in try OutputParsing.learningPlan(from: text) },
            validate: { GenerationValidator.violations(of: $0, resume: resume, options: options) })
    }

    private func generate<Output: Sendable>(
        input: GenerationInput, resume: ResumeContent, preferring: String?, seed: Int64, failureCode: ErrorCode,
        promptFor: ([String]) -> Prompt,
        parse: (String) throws(OutputParsing.OutputError) -> Output,
        validate: (Output) -> [String]
    ) async throws -> Generated<Output> {
        var attempts: [GenerationAttempt] = []
        var usage = Usage()
        for provider in try chain(preferring: preferring) {
            var corrections: [String] = []
            // One corrective retry per provider for bad output.
            for _ in 0..<2 {
                let prompt = promptFor(corrections)
                let started = ContinuousClock.now
                let reply: ProviderReply
                do {
                    reply = try await provider.complete(
                        GenerationRequest(input: input, resume: resume, prompt: prompt, seed: seed))
                } catch {
                    // Shutting down or the caller went away: not the provider's fault.
                    if error is CancellationError || Task.isCancelled { throw CancellationError() }
                    let failure = error as? ProviderFailure ?? .transient(code: "provider_error")
                    attempts.append(
                        GenerationAttempt(
                            provider: provider.name, model: provider.model,
                            outcome: failure.isPermanent ? .permanentError : .retryableError,
                            latencyMs: started.elapsedMilliseconds, errorCode: failure.errorCode))
                    logger.warning("provider failed", metadata: ["provider": "\(provider.name)", "error_code": "\(failure.errorCode)"])
                    break
                }
                usage = usage + reply.usage
                let problems: [String]
                var output: Output?
                do {
                    let parsed = try parse(reply.text)
                    output = parsed
                    problems = validate(parsed)
                } catch {
                    problems = [error.description]
                }
                if let output, problems.isEmpty {
                    attempts.append(
                        GenerationAttempt(
                            provider: provider.name, model: reply.model, outcome: .success,
                            latencyMs: started.elapsedMilliseconds, usage: reply.usage))
                    let record = GenerationRecord(
                        provider: provider.name, model: reply.model, promptVersion: prompt.version,
                        language: input.language, usage: usage, attempts: attempts)
                    return Generated(output: output, record: record)
                }
                attempts.append(
                    GenerationAttempt(
                        provider: provider.name, model: reply.model, outcome: .invalidOutput,
                        latencyMs: started.elapsedMilliseconds, usage: reply.usage, errorCode: "invalid_output"))
                logger.warning(
                    "provider output broke the rules", metadata: ["provider": "\(provider.name)", "violations": "\(problems.count)"])
                corrections = problems
            }
        }
        throw CoachError(
            failureCode, "every provider failed",
            details: ["attempts": .array(attempts.map(\.detailValue))])
    }
}

extension ProviderFailure {
    var isPermanent: Bool {
        if case .permanent = self { return true }
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
        return .object(object)
    }
}

extension ContinuousClock.Instant {
    var elapsedMilliseconds: Int {
        let elapsed = ContinuousClock.now - self
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
