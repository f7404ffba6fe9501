import CoachCore
import CoachLLM
import Foundation
import NIOHTTP1
import Testing

@testable import CoachLLMProviders

func reply(_ status: Int, _ body: String, headers: [(String, String)] = []) -> HTTPProviderTransport.Reply {
    HTTPProviderTransport.Reply(
        status: status, headers: HTTPHeaders(headers), body: try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)))
}

@Suite struct FailureClassificationTests {
    @Test func openAIQuotaIsPermanentButARateLimitWaits() {
        let quota = reply(429, #"{"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}"#)
        #expect(OpenAIProvider.failure(quota) == .permanent(code: "insufficient_quota", longCooldown: true))
        let limited = reply(429, #"{"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}}"#, headers: [("Retry-After", "2")])
        #expect(OpenAIProvider.failure(limited) == .rateLimited(retryAfter: .seconds(2)))
    }

    @Test(arguments: [
        (401, ProviderFailure.permanent(code: "unauthorized", longCooldown: true)),
        (403, .permanent(code: "forbidden", longCooldown: true)),
        (400, .permanent(code: "bad_request", longCooldown: false)),
        (404, .permanent(code: "not_found", longCooldown: false)),
        (500, .transient(code: "http_500")),
        (503, .transient(code: "http_503")),
        (529, .transient(code: "overloaded")),
    ])
    func statusesMapToTheFailureClasses(status: Int, expected: ProviderFailure) {
        #expect(OpenAIProvider.failure(reply(status, #"{"error": {"message": "x"}}"#)) == expected)
    }

    @Test func anthropicOverloadAndCreditExhaustion() {
        #expect(AnthropicProvider.failure(reply(529, #"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#)) == .transient(code: "overloaded"))
        let credit = reply(400, #"{"type": "error", "error": {"type": "invalid_request_error", "message": "Your credit balance is too low to access the Anthropic API."}}"#)
        #expect(AnthropicProvider.failure(credit) == .permanent(code: "insufficient_quota", longCooldown: true))
        #expect(AnthropicProvider.failure(reply(429, #"{"type": "error", "error": {"type": "rate_limit_error", "message": "x"}}"#, headers: [("retry-after", "1")])) == .rateLimited(retryAfter: .seconds(1)))
    }

    @Test func geminiRetryInfoAndQuotaFailure() {
        let retry = reply(429, #"{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "x", "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3s"}]}}"#)
        #expect(GeminiProvider.failure(retry) == .rateLimited(retryAfter: .seconds(3)))
        let quota = reply(429, #"{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "You exceeded your current quota", "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []}]}}"#)
        #expect(GeminiProvider.failure(quota) == .permanent(code: "insufficient_quota", longCooldown: true))
        #expect(GeminiProvider.failure(reply(503, #"{"error": {"code": 503, "status": "UNAVAILABLE", "message": "x"}}"#)) == .transient(code: "http_503"))
    }
}

/// What a hostile or broken upstream answers must never trap the process.
@Suite struct HostileUpstreamTests {
    @Test(arguments: ["1e300", "inf", "nan", "-1", "99999999999999999999"])
    func absurdRetryAfterIsClampedOrIgnoredNeverATrap(value: String) {
        let failure = OpenAIProvider.failure(
            reply(429, #"{"error": {"message": "slow down", "code": "rate_limit_exceeded"}}"#, headers: [("Retry-After", value)]))
        guard case .rateLimited(let wait) = failure else {
            Issue.record("expected a rate limit, got \(failure)")
            return
        }
        if let wait { #expect(wait <= .seconds(86_400) && wait >= .zero) }
    }

    @Test func geminiRetryInfoOf1e300SecondsIsClamped() {
        let retry = reply(429, #"{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "x", "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1e300s"}]}}"#)
        #expect(GeminiProvider.failure(retry) == .rateLimited(retryAfter: .seconds(86_400)))
    }

    @Test(arguments: ["1e300", "-5", "12.5", "\"many\"", "200000000"])
    func absurdUsageIsABrokenAnswer(tokens: String) {
        #expect(throws: ProviderFailure.badOutput(code: "invalid_usage")) {
            try tokenCount(try JSONDecoder().decode(JSONValue.self, from: Data(tokens.utf8)))
        }
    }

    @Test func usageThatIsAbsentOrSaneIsRead() throws {
        #expect(try tokenCount(nil) == 0)
        #expect(try tokenCount(.null) == 0)
        #expect(try tokenCount(.number(1234)) == 1234)
        #expect(JSONValue.number(1e300).intValue == nil)
    }

    @Test func aRedirectIsAPermanentFailureNotFollowed() {
        #expect(OpenAIProvider.failure(reply(307, "{}", headers: [("Location", "http://elsewhere.invalid/v1")])) == .permanent(code: "redirect", longCooldown: false))
    }
}

@Suite struct OutputSchemaTests {
    @Test func strictSchemasRequireEveryPropertyAndForbidOthers() {
        func check(_ schema: JSONValue) {
            guard case .object(let object) = schema else { return }
            if object["type"] == "object" {
                let properties = object["properties"]?.objectValue?.keys.sorted() ?? []
                #expect(object["required"]?.arrayValue?.compactMap(\.stringValue).sorted() == properties)
                #expect(object["additionalProperties"] == .bool(false))
            }
            for value in object.values { check(value) }
        }
        check(OutputSchemas.questionSet)
        check(OutputSchemas.learningPlan)
    }

    @Test func geminiSchemaUsesUpperCaseTypesWithoutAdditionalProperties() throws {
        let converted = OutputSchemas.gemini(OutputSchemas.learningPlan)
        let text = String(decoding: try JSONEncoder().encode(converted), as: UTF8.self)
        #expect(!text.contains("additionalProperties"))
        #expect(text.contains(#""type":"OBJECT""#) && text.contains(#""type":"ARRAY""#) && !text.contains(#""type":"object""#))
    }
}

/// A chain from `environment` over the process-wide shared client (these tests make no calls).
func registry(_ environment: [String: String]) throws -> ProviderRegistry {
    try LLMEnvironment.registry(environment: environment, httpClient: .shared, logger: .init(label: "test"))
}

@Suite struct ProviderEnvironmentTests {
    @Test func defaultsToBuiltinWithoutKeys() throws {
        let registry = try registry([:])
        #expect(registry.names == ["builtin"])
    }

    @Test func defaultChainFollowsTheKeysInTheDocumentedOrder() throws {
        let registry = try registry(["OPENAI_API_KEY": "k1", "GEMINI_API_KEY": "k2", "CLAUDE_API_KEY": "k3"])
        #expect(registry.names == ["gemini", "openai", "anthropic"])
    }

    @Test func explicitChainSkipsProvidersWithoutKeys() throws {
        let registry = try registry(["LLM_PROVIDERS": "openai, anthropic, builtin", "OPENAI_API_KEY": "k"])
        #expect(registry.names == ["openai", "builtin"])
        #expect(registry.providers.first?.model == "gpt-4.1-mini")
    }

    @Test func rejectsUnknownProvidersAndBadNumbers() {
        #expect(throws: ProviderConfigurationError.self) {
            try registry(["LLM_PROVIDERS": "openia"])
        }
        #expect(throws: ProviderConfigurationError.self) {
            try registry(["OPENAI_API_KEY": "k", "OPENAI_TIMEOUT": "soon"])
        }
        #expect(throws: ProviderConfigurationError.self) {
            try registry(["LLM_PROVIDERS": "compatible"])
        }
    }
}
