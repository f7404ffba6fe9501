import CoachCore
import Foundation
import Metrics

/// What the provider chain reports to swift-metrics (docs/OPERATIONS.md, "Metrics"). The names
/// follow Prometheus conventions: units in the name, counters end in `_total`.
enum LLMMetrics {
    /// One provider attempt, whatever its outcome.
    static func attempt(
        provider: String, model: String, purpose: String, outcome: GenerationAttempt.Outcome, latencyMs: Int, usage: Usage?
    ) {
        let labels = [("provider", provider), ("model", model), ("purpose", purpose)]
        Counter(label: "coach_llm_calls_total", dimensions: labels + [("outcome", outcome.rawValue)]).increment()
        guard outcome.judgesProvider else { return }
        Timer(label: "coach_llm_call_duration_seconds", dimensions: labels, preferredDisplayUnit: .seconds)
            .recordMilliseconds(latencyMs)
        guard let usage else { return }
        Counter(label: "coach_llm_tokens_total", dimensions: labels + [("direction", "input")]).increment(by: usage.inputTokens)
        Counter(label: "coach_llm_tokens_total", dimensions: labels + [("direction", "output")]).increment(by: usage.outputTokens)
        if usage.costUSD > 0, usage.costUSD.isFinite {
            FloatingPointCounter(label: "coach_llm_cost_usd_total", dimensions: labels).increment(by: usage.costUSD)
        }
    }

    /// The chain moved on from `provider` to the next one.
    static func fallback(from provider: String, purpose: String) {
        Counter(label: "coach_llm_fallbacks_total", dimensions: [("provider", provider), ("purpose", purpose)]).increment()
    }

    /// The rules an answer broke, one count per rule.
    static func violations(_ problems: [RuleViolation], provider: String, purpose: String) {
        for rule in Set(problems.map(\.rule)) {
            Counter(label: "coach_llm_rule_violations_total", dimensions: [("provider", provider), ("purpose", purpose), ("rule", rule)])
                .increment()
        }
    }
}

extension GenerationInput {
    /// The `purpose` label of LLM metrics.
    var purpose: String {
        switch self {
        case .questions: "questions"
        case .learningPath: "learning_path"
        case .evaluation: "evaluation"
        }
    }
}
