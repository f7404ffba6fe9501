import CoachCore
import CoachLLM
import Foundation

/// Gemini generateContent with `responseMimeType: application/json` and a response schema.
public struct GeminiProvider: LLMProvider {
    let configuration: ProviderConfiguration
    let transport: HTTPProviderTransport

    public var name: String { configuration.name }
    public var model: String { configuration.model }
    public var settings: ProviderSettings { configuration.settings }

    public func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        let body: JSONValue = [
            "systemInstruction": ["parts": [["text": .string(request.prompt.system)]]],
            "contents": [["role": "user", "parts": [["text": .string(request.prompt.user)]]]],
            "generationConfig": [
                "temperature": .number(configuration.temperature),
                "maxOutputTokens": .number(Double(configuration.maxTokens)),
                "responseMimeType": "application/json",
                "responseSchema": OutputSchemas.gemini(OutputSchemas.schema(for: request.input)),
            ],
        ]
        let path = "/v1beta/models/\(model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? model):generateContent"
        let reply = try await transport.post(
            url: configuration.baseURL + path, headers: [("x-goog-api-key", configuration.apiKey ?? "")], body: body,
            timeout: settings.timeout)
        guard reply.status == 200 else { throw Self.failure(reply) }
        guard let candidate = reply.body?["candidates"]?[0] else { throw ProviderFailure.badOutput(code: "malformed_response") }
        switch candidate["finishReason"]?.stringValue {
        case "MAX_TOKENS": throw ProviderFailure.badOutput(code: "truncated")
        case "SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII":
            throw ProviderFailure.permanent(code: "refusal", longCooldown: false)
        default: break
        }
        let parts = candidate["content"]?["parts"]?.arrayValue ?? []
        let text = parts.compactMap { $0["text"]?.stringValue }.joined()
        guard !text.isEmpty else { throw ProviderFailure.badOutput(code: "malformed_response") }
        let input = try tokenCount(reply.body?["usageMetadata"]?["promptTokenCount"])
        let output = try tokenCount(reply.body?["usageMetadata"]?["candidatesTokenCount"])
        return ProviderReply(
            text: text, model: reply.body?["modelVersion"]?.stringValue ?? model,
            usage: Usage(inputTokens: input, outputTokens: output, costUSD: settings.cost(inputTokens: input, outputTokens: output)))
    }

    /// Gemini's `google.rpc.Status` errors: RetryInfo says how long to wait; a quota failure
    /// without it is exhausted quota.
    static func failure(_ reply: HTTPProviderTransport.Reply) -> ProviderFailure {
        let error = reply.body?["error"]
        let details = error?["details"]?.arrayValue ?? []
        let retryDelay = details.first { $0["@type"]?.stringValue?.hasSuffix("google.rpc.RetryInfo") == true }?["retryDelay"]?.stringValue
        if reply.status == 429 {
            if let delay = retryDelay, let seconds = Double(delay.replacingOccurrences(of: "s", with: "")) {
                return .rateLimited(retryAfter: .upstreamSeconds(seconds))
            }
            let quota = details.contains { $0["@type"]?.stringValue?.hasSuffix("google.rpc.QuotaFailure") == true }
            if quota || (error?["message"]?.stringValue?.lowercased().contains("quota") ?? false) {
                return .permanent(code: "insufficient_quota", longCooldown: true)
            }
        }
        return HTTPProviderTransport.failure(status: reply.status, retryAfter: HTTPProviderTransport.retryAfter(reply.headers))
    }
}
