import CoachCore
import CoachLLM
import Foundation

/// Anthropic messages API; JSON through one forced tool call whose input is the answer.
public struct AnthropicProvider: LLMProvider {
    let configuration: ProviderConfiguration
    let transport: HTTPProviderTransport

    public var name: String { configuration.name }
    public var model: String { configuration.model }
    public var settings: ProviderSettings { configuration.settings }

    public func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        let tool = OutputSchemas.name(for: request.input)
        let body: JSONValue = [
            "model": .string(model),
            "system": .string(request.prompt.system),
            "messages": [["role": "user", "content": .string(request.prompt.user)]],
            "max_tokens": .number(Double(configuration.maxTokens)),
            "temperature": .number(configuration.temperature),
            "tools": [
                [
                    "name": .string(tool), "description": "Return the result in this exact structure.",
                    "input_schema": OutputSchemas.schema(for: request.input),
                ]
            ],
            "tool_choice": ["type": "tool", "name": .string(tool)],
        ]
        let reply = try await transport.post(
            url: configuration.baseURL + "/v1/messages",
            headers: [("x-api-key", configuration.apiKey ?? ""), ("anthropic-version", "2023-06-01")], body: body,
            timeout: settings.timeout)
        guard reply.status == 200 else { throw Self.failure(reply) }
        guard let content = reply.body?["content"]?.arrayValue else { throw ProviderFailure.badOutput(code: "malformed_response") }
        if reply.body?["stop_reason"]?.stringValue == "max_tokens" { throw ProviderFailure.badOutput(code: "truncated") }
        let text: String
        if let input = content.first(where: { $0["type"]?.stringValue == "tool_use" })?["input"], let json = jsonText(input) {
            text = json
        } else if let plain = content.compactMap({ $0["text"]?.stringValue }).first {
            text = plain  // some gateways ignore tools; the parser still finds JSON in text
        } else {
            throw ProviderFailure.badOutput(code: "malformed_response")
        }
        let input = try tokenCount(reply.body?["usage"]?["input_tokens"])
        let output = try tokenCount(reply.body?["usage"]?["output_tokens"])
        return ProviderReply(
            text: text, model: reply.body?["model"]?.stringValue ?? model,
            usage: Usage(inputTokens: input, outputTokens: output, costUSD: settings.cost(inputTokens: input, outputTokens: output)))
    }

    /// Anthropic's error types; an exhausted credit balance or spend limit is a 400 that no retry heals.
    static func failure(_ reply: HTTPProviderTransport.Reply) -> ProviderFailure {
        let type = reply.body?["error"]?["type"]?.stringValue
        let message = reply.body?["error"]?["message"]?.stringValue?.lowercased() ?? ""
        if type == "overloaded_error" { return .transient(code: "overloaded") }
        if message.contains("credit balance") || message.contains("spend limit") || message.contains("spend_limit") {
            return .permanent(code: "insufficient_quota", longCooldown: true)
        }
        return HTTPProviderTransport.failure(status: reply.status, retryAfter: HTTPProviderTransport.retryAfter(reply.headers))
    }
}
