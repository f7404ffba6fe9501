import AsyncHTTPClient
import CoachCore
import CoachLLM
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange with a provider, and what is common to reading every provider's answer.
struct HTTPProviderTransport: Sendable {
    let client: HTTPClient

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: JSONValue?
    }

    /// POSTs `body` as JSON. Connection failures and timeouts become `ProviderFailure`s; the
    /// body is parsed leniently (nil when it is not JSON).
    func post(url: String, headers: [(String, String)], body: JSONValue, timeout: Duration) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            bytes = try await response.body.collect(upTo: 8 * 1024 * 1024)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw ProviderFailure.timeout
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ProviderFailure.transient(code: "connection_failed")
        }
        let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))
        return Reply(status: Int(response.status.code), headers: response.headers, body: parsed)
    }

    /// POSTs `body` and, when the server answers with `text/event-stream`, hands each `data:`
    /// payload to `onData` as it arrives. Any other answer (an error, or a server that ignored
    /// `stream`) is returned whole, as `post` would.
    func postStreaming(
        url: String, headers: [(String, String)], body: JSONValue, timeout: Duration, onData: (String) throws -> Void
    ) async throws -> Reply? {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
            let isStream = response.headers.first(name: "content-type")?.lowercased().contains("text/event-stream") == true
            guard response.status == .ok, isStream else {
                let bytes = try await response.body.collect(upTo: 8 * 1024 * 1024)
                let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))
                return Reply(status: Int(response.status.code), headers: response.headers, body: parsed)
            }
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    pending.removeSubrange(...newline)
                    if line.hasPrefix("data:") {
                        try onData(String(line.dropFirst(5)).trimmingCharacters(in: .whitespaces))
                    }
                }
            }
            return nil
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw ProviderFailure.timeout
        } catch let error as ProviderFailure {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ProviderFailure.transient(code: "connection_failed")
        }
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by these providers).
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let text = headers.first(name: "retry-after"), let seconds = Double(text.trimmingCharacters(in: .whitespaces)) else {
            return nil
        }
        return .upstreamSeconds(seconds)
    }

    /// The failure an error status means, for statuses every provider uses the same way.
    static func failure(status: Int, retryAfter: Duration?) -> ProviderFailure {
        switch status {
        case 401: .permanent(code: "unauthorized", longCooldown: true)
        case 403: .permanent(code: "forbidden", longCooldown: true)
        case 404: .permanent(code: "not_found", longCooldown: false)
        case 400, 409, 413, 422: .permanent(code: "bad_request", longCooldown: false)
        // A provider API that redirects is misconfigured (or not the provider): the client does
        // not follow, so neither the prompt nor the key goes to the host it names.
        case 300...399: .permanent(code: "redirect", longCooldown: false)
        case 408: .timeout
        case 429: .rateLimited(retryAfter: retryAfter)
        case 529: .transient(code: "overloaded")
        default: .transient(code: "http_\(status)")
        }
    }
}

/// Converts the body of a structured answer to the text the registry parses.
func jsonText(_ value: JSONValue) -> String? {
    guard let data = try? JSONEncoder().encode(value) else { return nil }
    return String(decoding: data, as: UTF8.self)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// Longest wait an upstream can ask for; the registry waits only within the request
    /// deadline anyway, so this only keeps the number representable.
    static let longestUpstreamWait = Duration.seconds(86_400)

    /// A wait an upstream asked for (`Retry-After`, Gemini's `RetryInfo`), or nil when it is not
    /// a finite, non-negative number: `1e300`, `inf` or `nan` must not trap the process.
    static func upstreamSeconds(_ seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64((min(seconds, longestUpstreamWait.seconds) * 1000).rounded()))
    }
}

/// Largest token count a provider may report for one call; anything beyond is not a usage report.
let maxReportedTokens = 100_000_000

/// A token count from a provider's usage block: 0 when absent, and a broken answer
/// (`invalid_usage`) when it is not a whole number in 0...`maxReportedTokens` — costs and
/// budgets are computed from it, so an absurd value must not be believed (nor trap).
func tokenCount(_ value: JSONValue?) throws(ProviderFailure) -> Int {
    guard let value, value != .null else { return 0 }
    guard case .number(let number) = value, number.isFinite, number >= 0, number <= Double(maxReportedTokens),
        number == number.rounded(.towardZero)
    else { throw ProviderFailure.badOutput(code: "invalid_usage") }
    return Int(number)
}
