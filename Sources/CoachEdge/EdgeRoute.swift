import CoachCore
import CoachTracing
import HTTPTypes
import Hummingbird
import NIOCore

/// One REST route: registered on the router, consulted for 405 answers, and described in
/// `/openapi.json` — one table, so the document always matches what is served.
struct EdgeRoute: Sendable {
    struct Parameter: Sendable {
        var name: String
        var location: String  // "path" | "query" | "header"
        /// JSON Schema of the value: exactly what the handler accepts (`ParameterSchema`).
        var schema: JSONValue
        var description: String
        var required: Bool
    }

    var method: HTTPRequest.Method
    /// OpenAPI-style template, e.g. `/api/v1/resumes/{unique_key}`.
    var path: String
    var tag: String
    var summary: String
    var parameters: [Parameter] = []
    /// Name of a schema in `OpenAPIDocument.schemas`.
    var requestSchema: String? = nil
    var requestRequired: Bool = true
    /// Status → (description, schema name or nil, media type).
    var responses: [Int: (String, String?)] = [:]
    var responseMediaType: String = "application/json"
    /// How long the handler may take once the request's body has been read: its upstream calls
    /// all together (504 `UPSTREAM_TIMEOUT` after it, kept by `UpstreamDeadlines`). A stream's
    /// budget covers opening it; the stream itself runs after the handler has answered.
    var deadline: Duration = .seconds(10)

    /// Hummingbird's form of the template (`:unique_key`).
    var routerPath: RouterPath {
        RouterPath(
            path.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : String($0) }
                .joined(separator: "/"))
    }

    func matches(_ requestPath: String) -> Bool {
        let template = path.split(separator: "/")
        let actual = requestPath.split(separator: "/")
        guard template.count == actual.count else { return false }
        return zip(template, actual).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    /// Which segments of the template are literal (the router prefers them to a parameter).
    private var literalSegments: [Bool] { path.split(separator: "/").map { !$0.hasPrefix("{") } }

    /// Methods served on `path` (empty when no route has that path at all). Like the router,
    /// a literal segment wins over a parameter: `/api/v1/resumes/health` is only GET, although
    /// `/api/v1/resumes/{unique_key}` also has PUT and DELETE.
    static func allowedMethods(for path: String, in routes: [EdgeRoute]) -> [HTTPRequest.Method] {
        let matching = routes.filter { $0.matches(path) }
        guard
            let best = matching.map(\.literalSegments).max(by: {
                $0.lexicographicallyPrecedes($1) { !$0 && $1 }
            })
        else { return [] }
        var methods: [HTTPRequest.Method] = []
        for route in matching where route.literalSegments == best && !methods.contains(route.method) {
            methods.append(route.method)
            if route.method == .get { methods.append(.head) }  // the router answers HEAD for every GET
        }
        return methods
    }
}

/// Collects routes and their handlers, then installs them behind the edge middleware (which
/// must be in place before the first route is registered to wrap it).
struct RouteTable {
    typealias Handler = @Sendable (Request, EdgeRequestContext) async throws -> Response

    private(set) var routes: [EdgeRoute] = []
    private var handlers: [Handler] = []

    mutating func add(_ route: EdgeRoute, _ handler: @escaping Handler) {
        routes.append(route)
        handlers.append(handler)
    }

    /// `measured`: the process collects metrics (requests are counted and timed); `tracing`: it
    /// exports traces (every request is a span).
    func install(on router: Router<EdgeRequestContext>, allowedHosts: Set<String>? = nil, measured: Bool = false, tracing: Bool = false) {
        // Outermost, so the span has the status the error middleware answered with.
        if tracing, let tracer = OTLPTracer.installed { router.middlewares.add(EdgeTracingMiddleware(tracer: tracer)) }
        router.middlewares.add(EdgeErrorMiddleware(routes: routes, allowedHosts: allowedHosts, measured: measured))
        for (route, handler) in zip(routes, handlers) {
            let (deadline, hasBody) = (route.deadline, [.post, .put, .patch].contains(route.method))
            router.on(route.routerPath, method: route.method) { request, context in
                var request = request
                // A slow upload is not a slow upstream: the body is read before the clock starts.
                if hasBody { try await request.bufferBody(context: context) }
                return try await UpstreamDeadlines.shared.run(within: deadline) { [request] in try await handler(request, context) }
            }
        }
    }
}

extension EdgeRequestContext {
    /// A path parameter, percent-decoded exactly once. Control characters (`%00`, `%0A`, …)
    /// are refused (unless `allowingControls`: a parameter whose own validator decides, such as
    /// a person's name, where surrounding line breaks are trimmed whitespace): no key or id has
    /// one, and a NUL would cut the value short in C libraries.
    func pathParameter(_ name: String, allowingControls: Bool = false) throws(CoachError) -> String {
        guard let raw = parameters.get(name) else { throw CoachError.badRequest("\(name) is required", field: name) }
        guard let decoded = raw.removingPercentEncoding else {
            throw CoachError.badRequest("invalid percent-encoding", field: name)
        }
        if !allowingControls, decoded.unicodeScalars.contains(where: TextRules.isControl) {
            throw CoachError.validation([FieldViolation(field: name, message: "must not contain control characters")])
        }
        return decoded
    }
}

extension Request {
    /// Query parameters decoded as browsers and form encoders send them (`+` is a space, then
    /// percent-decoding once); the first value wins for a repeated name.
    var query: [String: String] {
        var values: [String: String] = [:]
        for pair in (uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]), values[name] == nil else { continue }
            values[name] = parts.count > 1 ? (decode(parts[1]) ?? "") : ""
        }
        return values
    }

    /// The whole body, at most `ResumeLimits.maxBodyBytes` (413 beyond). A JSON route takes
    /// only `application/json` (415 for any other declared type): what an HTML form or a
    /// `no-cors` fetch on another site can send always declares another type, so it never
    /// reaches a handler. A body without `Content-Type` (only raw HTTP clients send one) is read
    /// as JSON.
    func bodyData(context: EdgeRequestContext) async throws -> [UInt8] {
        if let type = headers[.contentType], !Self.isJSON(type) {
            throw CoachError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        var request = self
        return Array(try await request.bufferBody(context: context).readableBytesView)
    }

    /// Reads the whole body, at most `context.maxUploadSize` (413 beyond), and keeps it, so it
    /// can be read again.
    @discardableResult
    mutating func bufferBody(context: EdgeRequestContext) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw CoachError(.payloadTooLarge, "request body exceeds \(context.maxUploadSize) bytes")
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) cut off at the limit.
            throw CoachError(.payloadTooLarge, "request body exceeds \(context.maxUploadSize) bytes")
        }
    }

    /// `application/json` or `application/<something>+json`, with any parameters.
    static func isJSON(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json"))
    }
}
