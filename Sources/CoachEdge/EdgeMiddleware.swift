import CoachCore
import CoachWire
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Logging
import Metrics

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
    static let contentTypeOptions = Self("X-Content-Type-Options")!
    static let apiKey = Self("X-API-Key")!
    /// `Host` as a plain field (HTTPTypes moves it to `authority` when it parses HTTP/1).
    static let hostHeader = Self("Host")!
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
}

/// Outermost middleware: assigns the request id, turns every error into the REST error body
/// (unknown route → 404, known path with another method → 405, body too large → 413), and logs
/// one line per request without bodies.
struct EdgeErrorMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext

    let routes: [EdgeRoute]
    /// `EdgeSettings.allowedHosts`.
    var allowedHosts: Set<String>? = nil
    /// The process collects metrics: each request is counted and timed (a process without them
    /// skips even the lookup of its handles).
    var measured = false

    func handle(
        _ request: Request, context: EdgeRequestContext,
        next: (Request, EdgeRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "request_id"] = "\(context.requestID)"
        context.apiKey = Self.apiKey(from: request)
        let started = ContinuousClock.now
        var response: Response
        do {
            if let allowedHosts, !Self.hostAllowed(request, allowedHosts) {
                throw CoachError(.badRequest, "Host not served here (see COACH_ALLOWED_HOSTS)")
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
                throw CoachError(.payloadTooLarge, "request body exceeds \(context.maxUploadSize) bytes")
            }
            response = try await next(request, context)
        } catch {
            let coachError = Self.coachError(for: error, request: request, routes: routes)
            var headers: HTTPFields = [:]
            if coachError.code == .methodNotAllowed {
                headers[.allow] = EdgeRoute.allowedMethods(for: request.uri.path, in: routes).map(\.rawValue).joined(separator: ", ")
            }
            Self.addAccessHeaders(for: coachError, to: &headers)
            if coachError.code.httpStatus.kind == .serverError {
                context.logger.error("request failed", metadata: ["error_code": "\(coachError.code.rawValue)", "cause": "\(String(reflecting: type(of: error)))"])
            }
            response = .error(coachError, requestID: context.requestID, headers: headers)
        }
        response.headers[.requestID] = context.requestID
        // No response may be read as another type than it says (a JSON error body as HTML).
        response.headers[.contentTypeOptions] = "nosniff"
        // An SSE stream or the live socket counts here when it opens (its headers); how many are
        // open is `coach_edge_streams_open`.
        if measured {
            let handles = HTTPMetricHandles.handles(route: context.endpointPath ?? "unmatched", method: request.method, status: response.status.code)
            handles.requests.increment()
            handles.duration.recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        }
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "-")",
                "status": "\(response.status.code)",
                "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        return response
    }

    static func coachError(for error: any Error, request: Request, routes: [EdgeRoute]) -> CoachError {
        switch error {
        case let error as CoachError:
            return error
        case let error as RPCError:
            return CoachError(rpcError: error)
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                if !EdgeRoute.allowedMethods(for: request.uri.path, in: routes).isEmpty {
                    return CoachError(.methodNotAllowed, "method \(request.method.rawValue) not allowed on \(request.uri.path)")
                }
                return CoachError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path)")
            case .contentTooLarge:
                return CoachError(.payloadTooLarge, "request body exceeds \(ResumeLimits.maxBodyBytes) bytes")
            default:
                // What else Hummingbird raises is about the HTTP request itself (400, 408, 431, …).
                return error.status.kind == .serverError
                    ? .internal() : CoachError(.badRequest, error.status.reasonPhrase.lowercased())
            }
        default:
            return .internal()
        }
    }

    /// Whether the request's host (`:authority` or `Host`, without port) is one this server
    /// answers to. A request without one passes: browsers always send it, so rebinding cannot
    /// hide behind its absence.
    static func hostAllowed(_ request: Request, _ allowed: Set<String>) -> Bool {
        guard let authority = request.headers[.hostHeader] ?? request.head.authority else { return true }
        return host(ofAuthority: authority).map(allowed.contains) ?? false
    }

    /// The host of `host[:port]` (an IPv6 literal keeps its brackets), lower-cased.
    static func host(ofAuthority authority: String) -> String? {
        var host = authority.lowercased()
        if host.hasPrefix("[") {
            if let end = host.firstIndex(of: "]") { host = String(host[...end]) }
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host
    }

    /// `Authorization: Bearer <key>`, else `X-API-Key: <key>`.
    static func apiKey(from request: Request) -> String? { apiKey(request.headers) }

    static func apiKey(_ headers: HTTPFields) -> String? {
        if let value = headers[.authorization] {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].trimmingCharacters(in: .whitespaces)
                return key.isEmpty ? nil : key
            }
        }
        let key = headers[.apiKey]?.trimmingCharacters(in: .whitespaces)
        return key?.isEmpty == false ? key : nil
    }

    /// 401 names the scheme; 429 says when to retry (`Retry-After`) and which limit it was
    /// (`RateLimit-Limit`/`-Remaining`/`-Reset`, draft-ietf-httpapi-ratelimit-headers).
    static func addAccessHeaders(for error: CoachError, to headers: inout HTTPFields) {
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        // A limit, or a full queue (503), says when to come back.
        guard case .number(let seconds)? = error.details["retry_after_seconds"], seconds.isFinite else { return }
        let reset = String(Int64(max(0, min(seconds, 86_400)).rounded(.up)))
        headers[.retryAfter] = reset
        if error.code == .rateLimited, case .number(let limit)? = error.details["limit_value"], limit.isFinite, limit >= 0, limit < 1e15 {
            headers[.rateLimitLimit] = String(Int64(limit))
            headers[.rateLimitRemaining] = "0"
            headers[.rateLimitReset] = reset
        }
    }

    static func requestID(from request: Request) -> String { requestID(request.headers) }

    static func requestID(_ headers: HTTPFields) -> String {
        if let given = headers[.requestID], (1...128).contains(given.count),
            given.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 >= 0x21 && $0 < 0x7f } == true })
        {
            return given
        }
        return UUID().uuidString.lowercased()
    }
}

extension ErrorCode {
    /// The HTTP status the edge answers with: the one place a code becomes an HTTP status.
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .resumeNotFound, .interviewNotFound, .learningPathNotFound, .taskNotFound, .notFound: .notFound
        case .resumeValidationError, .validationError: .unprocessableContent
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .methodNotAllowed: .methodNotAllowed
        case .upgradeRequired: .upgradeRequired
        case .conflict, .taskNotRetryable, .taskNotCancellable, .taskCancelled: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .rateLimited, .llmAPIRateLimit: .tooManyRequests
        case .interviewGenerationFailed, .learningPathGenerationFailed, .answerEvaluationFailed, .llmResponseParsingError: .badGateway
        case .llmProviderNotAvailable, .serviceUnavailable: .serviceUnavailable
        case .llmAPITimeout, .upstreamTimeout: .gatewayTimeout
        case .databaseOperationFailed, .internalServerError: .internalServerError
        }
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// `http_server_requests_total` and `http_server_request_duration_seconds` of each label set, made
/// once: making a handle looks its labels up in the backend's registry (a lock and a hash of every
/// label), which every request paid before. Bounded: routes are templates (or `unmatched`).
enum HTTPMetricHandles {
    struct Key: Hashable, Sendable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }

    struct Handles: Sendable {
        let requests: Counter
        let duration: Timer
    }

    private static let cache = MadeOnce<Key, Handles> { key in
        let labels = [("http_route", key.route), ("http_request_method", key.method.rawValue), ("http_response_status_code", String(key.status))]
        return Handles(
            requests: Counter(label: "http_server_requests_total", dimensions: labels),
            duration: Timer(label: "http_server_request_duration_seconds", dimensions: labels, preferredDisplayUnit: .seconds))
    }

    static func handles(route: String, method: HTTPRequest.Method, status: Int) -> Handles {
        cache[Key(route: route, method: method, status: status)]
    }
}
