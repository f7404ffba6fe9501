import HTTPTypes
import Hummingbird
import Tracing

/// One server span per request (when the process exports traces), continuing a W3C
/// `traceparent` the client sent. Named and described by the route template, never the path
/// itself: a path holds resume keys, which are built from candidates' names. The span ends with
/// the response head, as `http_server_request_duration_seconds` does: a stream's span covers
/// opening it (its upstream call is a gRPC span of its own, as long as the stream).
struct EdgeTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Read once: `InstrumentationSystem.tracer` takes a lock and a dynamic cast on every read.
    let tracer: any Tracer = InstrumentationSystem.tracer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsCarrier())
        let span = tracer.startSpan("HTTP \(request.method.rawValue)", context: parent, ofKind: .server)
        do {
            let response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            describe(span, route: context.endpointPath, method: request.method, status: Int(response.status.code))
            span.end()
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            describe(span, route: context.endpointPath, method: request.method, status: Int(status))
            span.recordError(error)
            span.end()
            throw error
        }
    }

    private func describe(_ span: any Span, route: String?, method: HTTPRequest.Method, status: Int) {
        guard span.isRecording else { return }  // an unrecorded trace's span keeps nothing
        if let route { span.operationName = "\(method.rawValue) \(route)" }
        // Set once, whole: this middleware is the only code that can reach the span, and a set
        // built here at its size is allocated once (an update through `Span.attributes` copies
        // the set, and each insertion may grow it).
        var attributes = [String: SpanAttribute](minimumCapacity: 3)
        attributes["http.request.method"] = .string(method.rawValue)
        if let route { attributes["http.route"] = .string(route) }
        attributes["http.response.status_code"] = .int64(Int64(status))
        span.attributes = SpanAttributes(attributes)
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

/// W3C trace context in HTTP headers.
struct HTTPFieldsCarrier: Extractor {
    /// The two names the tracer asks for, made once (making a name validates and lowercases it,
    /// and every request asks).
    private static let traceParent = HTTPField.Name("traceparent")!
    private static let traceState = HTTPField.Name("tracestate")!

    func extract(key: String, from carrier: HTTPFields) -> String? {
        switch key {
        case "traceparent":
            // One field, read as it is (`HTTPFields`' subscript joins every value of a name, a
            // cost on every request). Two fields are no usable context, like any malformed
            // `traceparent`: the request starts a trace of its own.
            Self.single(Self.traceParent, in: carrier)
        case "tracestate":
            carrier[Self.traceState]  // list members may be split over several fields: joined
        default:
            HTTPField.Name(key).flatMap { carrier[$0] }
        }
    }

    /// The value of the one field named `name`; nil when there is none or more than one.
    private static func single(_ name: HTTPField.Name, in fields: HTTPFields) -> String? {
        guard let first = fields.firstIndex(where: { $0.name == name }) else { return nil }
        if fields[fields.index(after: first)...].contains(where: { $0.name == name }) { return nil }
        return fields[first].value
    }
}
