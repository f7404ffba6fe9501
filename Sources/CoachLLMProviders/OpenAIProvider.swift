import CoachCore
import CoachLLM
import Foundation

/// How an OpenAI-style server is asked for JSON.
public enum JSONMode: String, Sendable {
    /// `response_format: json_schema` with `strict: true` (OpenAI).
    case jsonSchema = "json_schema"
    /// `response_format: json_object` (most OpenAI-compatible servers).
    case jsonObject = "json_object"
    /// No `response_format`: JSON by instruction only.
    case none
}

/// OpenAI chat completions, and any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio)
/// with its own base URL and JSON mode.
public struct OpenAIProvider: LLMProvider {
    public let name: String
    public let model: String
    public let settings: ProviderSettings
    private let configuration: ProviderConfiguration
    private let jsonMode: JSONMode
    private let transport: HTTPProviderTransport

    init(configuration: ProviderConfiguration, jsonMode: JSONMode, transport: HTTPProviderTransport) {
        self.name = configuration.name
        self.model = configuration.model
        self.settings = configuration.settings
        self.configuration = configuration
        self.jsonMode = jsonMode
        self.transport = transport
    }

    public func complete(_ request: GenerationRequest) async throws -> ProviderReply {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": [
                ["role": "system", "content": .string(request.prompt.system)],
                ["role": "user", "content": .string(request.prompt.user)],
            ],
            "temperature": .number(configuration.temperature),
            "max_tokens": .number(Double(configuration.maxTokens)),
        ]
        switch jsonMode {
        case .jsonSchema:
            body["response_format"] = [
                "type": "json_schema",
                "json_schema": [
                    "name": .string(OutputSchemas.name(for: request.input)), "schema": OutputSchemas.schema(for: request.input),
                    "strict": .bool(true),
                ],
            ]
        case .jsonObject:
            body["response_format"] = ["type": "json_object"]
        case .none:
            break
        }
        var headers: [(String, String)] = []
        if let key = configuration.apiKey { headers.append(("Authorization", "Bearer \(key)")) }
        let reply = try await transport.post(
            url: configuration.baseURL + "/v1/chat/completions", headers: headers, body: .object(body), timeout: settings.timeout)
        guard reply.status == 200 else { throw Self.failure(reply) }
        guard let choice = reply.body?["choices"]?[0], let message = choice["message"] else {
            throw ProviderFailure.badOutput(code: "malformed_response")
        }
        if let refusal = message["refusal"], refusal != .null { throw ProviderFailure.permanent(code: "refusal", longCooldown: false) }
        if choice["finish_reason"]?.stringValue == "length" { throw ProviderFailure.badOutput(code: "truncated") }
        guard let text = message["content"]?.stringValue else { throw ProviderFailure.badOutput(code: "malformed_response") }
        let input = reply.body?["usage"]?["prompt_tokens"]?.intValue ?? 0
        let output = reply.body?["usage"]?["completion_tokens"]?.intValue ?? 0
        return ProviderReply(
            text: text, model: reply.body?["model"]?.stringValue ?? model,
            usage: Usage(inputTokens: input, outputTokens: output, costUSD: settings.cost(inputTokens: input, outputTokens: output)))
    }

    /// OpenAI's error classes: quota exhaustion is a 429 that no wait will heal.
    static func failure(_ reply: HTTPProviderTransport.Reply) -> ProviderFailure {
        let error = reply.body?["error"]
        let code = error?["code"]?.stringValue ?? error?["type"]?.stringValue
        if reply.status == 429, code == "insufficient_quota" || error?["type"]?.stringValue == "insufficient_quota" {
            return .permanent(code: "insufficient_quota", longCooldown: true)
        }
        return HTTPProviderTransport.failure(status: reply.status, retryAfter: HTTPProviderTransport.retryAfter(reply.headers))
    }
}
