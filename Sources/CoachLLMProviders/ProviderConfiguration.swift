import AsyncHTTPClient
import CoachBuiltin
import CoachLLM
import Foundation
import Logging

/// One provider's settings from the environment (docs/PROVIDERS.md, "Configuration").
public struct ProviderConfiguration: Sendable {
    public var name: String
    public var apiKey: String?
    public var model: String
    public var baseURL: String
    public var temperature: Double
    public var maxTokens: Int
    /// Stream answers when a caller follows progress (OpenAI-style servers).
    public var stream: Bool
    public var settings: ProviderSettings
}

/// A configuration mistake found at start-up.
public struct ProviderConfigurationError: Error, CustomStringConvertible {
    public var description: String
}

/// Builds the provider chain and registry settings from environment variables:
/// `LLM_PROVIDERS` (ordered chain; default every provider that has a key in the order gemini,
/// openai, anthropic, compatible, else `builtin`), per provider `P_API_KEY`, `P_MODEL`,
/// `P_BASE_URL`, `P_TEMPERATURE`, `P_MAX_TOKENS`, `P_TIMEOUT`, `P_MAX_RETRIES`, `P_STREAM`,
/// `P_PRICE_INPUT_PER_MTOK`, `P_PRICE_OUTPUT_PER_MTOK` (P = OPENAI, ANTHROPIC or CLAUDE, GEMINI,
/// COMPATIBLE), `COMPATIBLE_JSON_MODE`, and `LLM_BREAKER_THRESHOLD`, `LLM_BREAKER_COOLDOWN`,
/// `LLM_REQUEST_DEADLINE`, `LLM_RETRY_BASE_DELAY_MS`; `LLM_MAX_CONNECTIONS_PER_HOST` (256) bounds the
/// HTTP/1.1 connections to one upstream.
public enum LLMEnvironment {
    static let defaults: [String: (model: String, baseURL: String)] = [
        "openai": ("gpt-4.1-mini", "https://api.openai.com"),
        "anthropic": ("claude-sonnet-4-5", "https://api.anthropic.com"),
        "gemini": ("gemini-2.5-flash", "https://generativelanguage.googleapis.com"),
        "compatible": ("local-model", ""),
    ]

    /// Default of `LLM_MAX_CONNECTIONS_PER_HOST`.
    static let defaultConnectionsPerHost = 256

    /// The HTTP client for provider calls, configured from `environment`. Its owner shuts it
    /// down (`serve`: after the workers have stopped). Connection attempts are not retried by
    /// the client: the registry owns retries, backoff and fallback, so a refused connection must
    /// surface at once.
    public static func httpClient(environment: [String: String]) throws -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        // Never follow a redirect: it would re-send the prompt (resume included) and the API key
        // header to whatever host the answer names.
        configuration.redirectConfiguration = .disallow
        // HTTP/1.1 upstreams (OpenAI-compatible servers such as vLLM, llama.cpp or Ollama) get
        // one connection per call in flight; AsyncHTTPClient's default of 8 per host capped a
        // worker at 8 concurrent generations (bench/README.md, I/O concurrency). HTTP/2
        // upstreams multiplex calls over one connection and are not affected.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = try integer(
            "LLM_MAX_CONNECTIONS_PER_HOST", environment, default: defaultConnectionsPerHost, range: 1...65_536)
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The fallback chain the environment configures. `httpClient` carries every provider call:
    /// the one `httpClient(environment:)` makes (no redirects), owned and shut down by the caller.
    public static func registry(
        environment: [String: String], httpClient: HTTPClient, builtinLatency: Duration = .zero, logger: Logger
    ) throws -> ProviderRegistry {
        let transport = HTTPProviderTransport(client: httpClient)
        var providers: [any LLMProvider] = []
        for name in try chain(environment) {
            if name == "builtin" {
                providers.append(BuiltinProvider(latency: builtinLatency))
                continue
            }
            guard let configuration = try configuration(name, environment) else {
                logger.warning("provider skipped: no API key", metadata: ["provider": "\(name)"])
                continue
            }
            switch name {
            case "openai": providers.append(OpenAIProvider(configuration: configuration, jsonMode: .jsonSchema, transport: transport))
            case "anthropic": providers.append(AnthropicProvider(configuration: configuration, transport: transport))
            case "gemini": providers.append(GeminiProvider(configuration: configuration, transport: transport))
            default:
                let modeText = value("COMPATIBLE_JSON_MODE", environment) ?? "json_object"
                guard let mode = JSONMode(rawValue: modeText) else {
                    throw ProviderConfigurationError(description: "COMPATIBLE_JSON_MODE must be json_schema, json_object or none")
                }
                providers.append(OpenAIProvider(configuration: configuration, jsonMode: mode, transport: transport))
            }
        }
        guard !providers.isEmpty else {
            throw ProviderConfigurationError(description: "LLM_PROVIDERS names no usable provider (each needs its API key)")
        }
        let registry = RegistryConfiguration(
            breakerThreshold: try integer("LLM_BREAKER_THRESHOLD", environment, default: 3, range: 1...1_000_000),
            breakerCooldown: .seconds(try number("LLM_BREAKER_COOLDOWN", environment, default: 30)),
            requestDeadline: .seconds(try number("LLM_REQUEST_DEADLINE", environment, default: 120)),
            retryBaseDelay: .milliseconds(try integer("LLM_RETRY_BASE_DELAY_MS", environment, default: 500, range: 0...60_000)))
        return ProviderRegistry(providers: providers, configuration: registry, logger: logger)
    }

    static func chain(_ environment: [String: String]) throws -> [String] {
        if let listed = value("LLM_PROVIDERS", environment) {
            let names = listed.split(separator: ",").map { canonical($0.trimmingCharacters(in: .whitespaces).lowercased()) }
            for name in names where name != "builtin" && defaults[name] == nil {
                throw ProviderConfigurationError(
                    description: "LLM_PROVIDERS: unknown provider '\(name)' (known: gemini, openai, anthropic, compatible, builtin)")
            }
            return names.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        }
        let withKeys = ["gemini", "openai", "anthropic"].filter { key(for: $0, environment) != nil }
            + (value("COMPATIBLE_BASE_URL", environment) != nil ? ["compatible"] : [])
        return withKeys.isEmpty ? ["builtin"] : withKeys
    }

    static func configuration(_ name: String, _ environment: [String: String]) throws -> ProviderConfiguration? {
        let prefix = name.uppercased()
        let apiKey = key(for: name, environment)
        if name != "compatible" && apiKey == nil { return nil }
        guard let defaults = defaults[name] else { return nil }
        let baseURL = (setting(name, "BASE_URL", environment) ?? defaults.baseURL).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !baseURL.isEmpty else { throw ProviderConfigurationError(description: "\(prefix)_BASE_URL is required") }
        guard let url = URL(string: baseURL), let scheme = url.scheme, scheme == "http" || scheme == "https", url.host != nil else {
            throw ProviderConfigurationError(description: "\(prefix)_BASE_URL must be an http(s) URL")
        }
        let settings = ProviderSettings(
            timeout: .milliseconds(Int64(try number("\(prefix)_TIMEOUT", environment, default: 60, alias: alias(name, "TIMEOUT")) * 1000)),
            maxRetries: try integer("\(prefix)_MAX_RETRIES", environment, default: 2, range: 0...10, alias: alias(name, "MAX_RETRIES")),
            priceInputPerMTok: try number("\(prefix)_PRICE_INPUT_PER_MTOK", environment, default: 0, alias: alias(name, "PRICE_INPUT_PER_MTOK")),
            priceOutputPerMTok: try number("\(prefix)_PRICE_OUTPUT_PER_MTOK", environment, default: 0, alias: alias(name, "PRICE_OUTPUT_PER_MTOK")))
        return ProviderConfiguration(
            name: name, apiKey: apiKey, model: setting(name, "MODEL", environment) ?? defaults.model, baseURL: baseURL,
            temperature: try number("\(prefix)_TEMPERATURE", environment, default: 0.7, alias: alias(name, "TEMPERATURE")),
            maxTokens: try integer("\(prefix)_MAX_TOKENS", environment, default: 4096, range: 1...1_000_000, alias: alias(name, "MAX_TOKENS")),
            stream: try flag("\(prefix)_STREAM", environment, default: true),
            settings: settings)
    }

    private static func canonical(_ name: String) -> String { name == "claude" ? "anthropic" : name }

    /// CLAUDE_* is an alias of ANTHROPIC_*.
    private static func alias(_ name: String, _ suffix: String) -> String? { name == "anthropic" ? "CLAUDE_\(suffix)" : nil }

    private static func key(for name: String, _ environment: [String: String]) -> String? {
        setting(name, "API_KEY", environment)
    }

    private static func setting(_ name: String, _ suffix: String, _ environment: [String: String]) -> String? {
        value("\(name.uppercased())_\(suffix)", environment) ?? alias(name, suffix).flatMap { value($0, environment) }
    }

    private static func value(_ name: String, _ environment: [String: String]) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    private static func number(_ name: String, _ environment: [String: String], default fallback: Double, alias: String? = nil) throws -> Double {
        guard let text = value(name, environment) ?? alias.flatMap({ value($0, environment) }) else { return fallback }
        guard let number = Double(text), number >= 0, number.isFinite else {
            throw ProviderConfigurationError(description: "\(name) must be a non-negative number")
        }
        return number
    }

    private static func flag(_ name: String, _ environment: [String: String], default fallback: Bool) throws -> Bool {
        guard let text = value(name, environment)?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ProviderConfigurationError(description: "\(name) must be true or false")
        }
    }

    private static func integer(
        _ name: String, _ environment: [String: String], default fallback: Int, range: ClosedRange<Int>, alias: String? = nil
    ) throws -> Int {
        guard let text = value(name, environment) ?? alias.flatMap({ value($0, environment) }) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw ProviderConfigurationError(description: "\(name) must be an integer \(range.lowerBound)-\(range.upperBound)")
        }
        return number
    }
}
