import CoachCore
import CoachLLM
import Foundation

/// The offline provider: deterministic, personalised from the resume, no network and no key.
public struct BuiltinProvider: LLMProvider {
    public let name = "builtin"
    public let model = "builtin-v1"
    public let settings = ProviderSettings(timeout: .seconds(600), maxRetries: 0)
    /// Simulated model latency (demos, benchmarks, crash tests); zero by default.
    public let latency: Duration

    public init(latency: Duration = .zero) {
        self.latency = latency
    }

    public func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        if latency > .zero { try await Task.sleep(for: latency) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch request.input {
        case .questions(let options):
            let questions = BuiltinGenerator.questions(for: request.resume, options: options, seed: request.seed)
            data = try encoder.encode(QuestionDraft(questions: questions))
        case .learningPath(let options):
            data = try encoder.encode(BuiltinGenerator.learningPlan(for: request.resume, options: options, seed: request.seed))
        case .evaluation(let input):
            // Answered in the providers' shape, so the same rules check it.
            let evaluation = BuiltinEvaluator().evaluate(
                question: input.question, answer: input.answer, language: input.language, resume: input.hasResume ? request.resume : nil)
            data = try encoder.encode(EvaluationDraft(evaluation))
        }
        return ProviderReply(text: String(decoding: data, as: UTF8.self), model: model, usage: Usage())
    }
}
