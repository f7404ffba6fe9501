import CoachCore
import Foundation
import Synchronization

/// What is being generated, with the request's options.
public enum GenerationInput: Sendable, Hashable {
    case questions(QuestionOptions)
    case learningPath(LearningOptions)
    /// One practice answer scored against the rubric (docs/RUBRIC.md).
    case evaluation(EvaluationInput)

    public var language: Language {
        switch self {
        case .questions(let options): options.language
        case .learningPath(let options): options.language
        case .evaluation(let input): input.language
        }
    }
}

/// Progress of a streamed answer: providers that stream report how much output has arrived; the
/// registry learns from it that output was accepted (after which it no longer falls back), and
/// the worker turns it into `calling_llm` progress between 70 and 89.
public final class StreamingProgress: Sendable {
    private struct State {
        var characters = 0
        var lastPercent = 0
    }

    private let state = Mutex(State())
    private let expectedCharacters: Int
    private let onPercent: @Sendable (Int) -> Void

    /// `onPercent` gets 71...89 as output arrives, never going down, each value at most once.
    public init(expectedCharacters: Int, onPercent: @escaping @Sendable (Int) -> Void) {
        self.expectedCharacters = max(1, expectedCharacters)
        self.onPercent = onPercent
    }

    /// `characters` more output arrived.
    public func received(characters: Int) {
        let percent: Int? = state.withLock { state in
            state.characters += characters
            let fraction = min(1, Double(state.characters) / Double(expectedCharacters))
            let percent = 70 + max(1, Int((fraction * 19).rounded(.down)))
            guard percent > state.lastPercent else { return nil }
            state.lastPercent = percent
            return percent
        }
        if let percent { onPercent(percent) }
    }

    /// Whether any output has been accepted.
    public var hasOutput: Bool { state.withLock { $0.characters > 0 } }
}

/// Everything a provider needs for one attempt. LLM providers send `prompt`; the builtin
/// provider reads the resume and options directly. Both answer with text that goes through the
/// same parsing and validation.
public struct GenerationRequest: Sendable {
    public var input: GenerationInput
    public var resume: ResumeContent
    public var prompt: Prompt
    public var seed: Int64
    /// Set when the caller wants to follow a streamed answer.
    public var progress: StreamingProgress?

    public init(input: GenerationInput, resume: ResumeContent, prompt: Prompt, seed: Int64, progress: StreamingProgress? = nil) {
        self.input = input
        self.resume = resume
        self.prompt = prompt
        self.seed = seed
        self.progress = progress
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

/// Why a provider call failed; decides retry and fallback (docs/PROVIDERS.md, "Classifying failures").
public enum ProviderFailure: Error, Sendable, Equatable {
    /// Worth retrying on the same provider: 5xx, overload, connection errors.
    case transient(code: String)
    /// The call took longer than the provider's timeout (or what was left of the deadline).
    case timeout
    /// Rate limited; `retryAfter` when the provider said how long to wait.
    case rateLimited(retryAfter: Duration?)
    /// Retrying this provider will not help: auth, quota, bad request, refusal. `longCooldown`
    /// for auth and quota, which do not heal by themselves.
    case permanent(code: String, longCooldown: Bool)
    /// The provider answered, but not with usable output (truncated, malformed envelope).
    case badOutput(code: String)

    public var errorCode: String {
        switch self {
        case .transient(let code): code
        case .timeout: "timeout"
        case .rateLimited: "rate_limited"
        case .permanent(let code, _): code
        case .badOutput(let code): code
        }
    }
}

/// Per-provider limits and prices.
public struct ProviderSettings: Sendable, Hashable {
    /// One call's time limit.
    public var timeout: Duration
    /// Extra attempts after a transient failure or rate limit.
    public var maxRetries: Int
    public var priceInputPerMTok: Double
    public var priceOutputPerMTok: Double

    public init(timeout: Duration = .seconds(60), maxRetries: Int = 2, priceInputPerMTok: Double = 0, priceOutputPerMTok: Double = 0) {
        self.timeout = timeout
        self.maxRetries = maxRetries
        self.priceInputPerMTok = priceInputPerMTok
        self.priceOutputPerMTok = priceOutputPerMTok
    }

    /// Estimated cost of `usage` in USD.
    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * priceInputPerMTok + Double(outputTokens) * priceOutputPerMTok) / 1_000_000
    }
}

/// One LLM backend. Implementations: `BuiltinProvider` here; HTTP clients for OpenAI, Anthropic,
/// Gemini and OpenAI-compatible servers plug into the same seam.
public protocol LLMProvider: Sendable {
    /// Registry name, e.g. `builtin`, `openai`.
    var name: String { get }
    /// The model asked for (the reply names the one that answered).
    var model: String { get }
    var settings: ProviderSettings { get }
    /// One call. Throws `ProviderFailure` for classified failures.
    func complete(_ request: GenerationRequest) async throws -> ProviderReply
}
