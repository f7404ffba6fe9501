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
    let configuration: ProviderConfiguration
    let jsonMode: JSONMode
    let transport: HTTPProviderTransport

    public var name: String { configuration.name }
    public var model: String { configuration.model }
    public var settings: ProviderSettings { configuration.settings }

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
        if configuration.stream, let progress = request.progress {
            body["stream"] = .bool(true)
            body["stream_options"] = ["include_usage": .bool(true)]
            return try await streamed(body: body, headers: headers, progress: progress)
        }
        let reply = try await transport.post(
            url: configuration.baseURL + "/v1/chat/completions", headers: headers, body: .object(body), timeout: settings.timeout)
        guard reply.status == 200 else { throw Self.failure(reply) }
        guard let choice = reply.body?["choices"]?[0], let message = choice["message"] else {
            throw ProviderFailure.badOutput(code: "malformed_response")
        }
        if let refusal = message["refusal"], refusal != .null { throw ProviderFailure.permanent(code: "refusal", longCooldown: false) }
        if choice["finish_reason"]?.stringValue == "length" { throw ProviderFailure.badOutput(code: "truncated") }
        guard let text = message["content"]?.stringValue else { throw ProviderFailure.badOutput(code: "malformed_response") }
        let input = try tokenCount(reply.body?["usage"]?["prompt_tokens"])
        let output = try tokenCount(reply.body?["usage"]?["completion_tokens"])
        return ProviderReply(
            text: text, model: reply.body?["model"]?.stringValue ?? model,
            usage: Usage(inputTokens: input, outputTokens: output, costUSD: settings.cost(inputTokens: input, outputTokens: output)))
    }

    /// A streamed completion: content deltas are collected (and reported to `progress`), the last
    /// chunks carry the finish reason and usage.
    private func streamed(body: [String: JSONValue], headers: [(String, String)], progress: StreamingProgress) async throws -> ProviderReply {
        var text = ""
        var finishReason: String?
        var usage: JSONValue?
        var answeredModel: String?
        var done = false
        let whole = try await transport.postStreaming(
            url: configuration.baseURL + "/v1/chat/completions", headers: headers, body: .object(body), timeout: settings.timeout
        ) { data in
            if data == "[DONE]" {
                done = true
                return
            }
            guard let chunk = try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8)) else {
                throw ProviderFailure.badOutput(code: "malformed_response")
            }
            answeredModel = chunk["model"]?.stringValue ?? answeredModel
            if let delta = chunk["choices"]?[0]?["delta"]?["content"]?.stringValue, !delta.isEmpty {
                text += delta
                progress.received(characters: delta.count)
            }
            if let reason = chunk["choices"]?[0]?["finish_reason"]?.stringValue { finishReason = reason }
            if let found = chunk["usage"], found != .null { usage = found }
        }
        if let whole {
            // The server ignored `stream` or answered with an error: read it as a whole answer.
            guard whole.status == 200 else { throw Self.failure(whole) }
            guard let content = whole.body?["choices"]?[0]?["message"]?["content"]?.stringValue else {
                throw ProviderFailure.badOutput(code: "malformed_response")
            }
            text = content
            finishReason = whole.body?["choices"]?[0]?["finish_reason"]?.stringValue
            usage = whole.body?["usage"]
            answeredModel = whole.body?["model"]?.stringValue
        } else if !done && finishReason == nil {
            throw ProviderFailure.transient(code: "stream_interrupted")
        }
        if finishReason == "length" { throw ProviderFailure.badOutput(code: "truncated") }
        let input = try tokenCount(usage?["prompt_tokens"])
        let output = try tokenCount(usage?["completion_tokens"])
        return ProviderReply(
            text: text, model: answeredModel ?? model,
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
