import CoachCore
import Foundation

/// What is being generated, with the request's options.
public enum GenerationInput: Sendable, Hashable {
    case questions(QuestionOptions)
    case learningPath(LearningOptions)

    public var language: Language {
        switch self {
        case .questions(let options): options.language
        case .learningPath(let options): options.language
        }
    }
}

/// Everything a provider needs for one attempt. LLM providers send `prompt`; the builtin
/// provider reads the resume and options directly. Both answer with text that goes through the
/// same parsing and validation.
public struct GenerationRequest: Sendable {
    public var input: GenerationInput
    public var resume: ResumeContent
    public var prompt: Prompt
    public var seed: Int64

    public init(input: GenerationInput, resume: ResumeContent, prompt: Prompt, seed: Int64) {
        self.input = input
        self.resume = resume
        self.prompt = prompt
        self.seed = seed
    }
}

/// A provider's answer: the raw text (expected to hold JSON), the model that produced it and usage.
public struct ProviderReply: Sendable {
    public var text: String
    public var model: String
    public var usage: Usage

    public init(text: String, model: String, usage: Usage) {
        self.text = text
        self.model = model
        self.usage = usage
    }
}

/// Why a provider call failed; decides retry and fallback.
public enum ProviderFailure: Error, Sendable {
    /// Worth retrying on the same provider (timeouts, 5xx, overload, connection errors).
    case transient(code: String)
    /// Rate limited; `retryAfter` when the provider said how long to wait.
    case rateLimited(retryAfter: Duration?)
    /// Retrying this provider will not help (auth, quota, bad request, refusal).
    case permanent(code: String)
    /// The answer was cut off.
    case truncated

    public var errorCode: String {
        switch self {
        case .transient(let code): code
        case .rateLimited: "rate_limited"
        case .permanent(let code): code
        case .truncated: "truncated"
        }
    }
}

/// One LLM backend. Implementations: `BuiltinProvider` here; HTTP clients for OpenAI, Anthropic,
/// Gemini and OpenAI-compatible servers plug into the same seam.
public protocol LLMProvider: Sendable {
    /// Registry name, e.g. `builtin`, `openai`.
    var name: String { get }
    /// The model asked for (the reply names the one that answered).
    var model: String { get }
    func complete(_ request: GenerationRequest) async throws -> ProviderReply
}
