import CoachTracing
import HTTPTypes
import Hummingbird
import Tracing

/// One server span per request (when the process exports traces), continuing a W3C
/// `traceparent` the client sent. Named and described by the route template, never the path
/// itself: a path holds resume keys, which are built from candidates' names. The span ends with
/// the response head, as `http_server_request_duration_seconds` does: a stream's span covers
/// opening it (its upstream call is a gRPC span of its own, as long as the stream).
struct EdgeTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The process's tracer, held as itself: its calls are not generic (see
    /// `OTLPTracer.startSpan(_:kind:context:remoteParent:)`).
    let tracer: OTLPTracer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let caller = OTLPTracer.remoteParent(
            traceParent: TraceHeaders.traceParent(in: request.headers), traceState: TraceHeaders.traceState(in: request.headers))
        let span = tracer.startSpan("HTTP \(request.method.rawValue)", kind: .server, context: ServiceContext.current ?? .topLevel, remoteParent: caller)
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

    private func describe(_ span: TracedSpan, route: String?, method: HTTPRequest.Method, status: Int) {
        guard case .recording(let recorded) = span else { return }  // an unrecorded trace's span keeps nothing
        let status = Int64(status)
        if let route {
            recorded.operationName = "\(method.rawValue) \(route)"
            recorded.describe(["http.request.method": .string(method.rawValue), "http.route": .string(route), "http.response.status_code": .int(status)])
        } else {
            recorded.describe(["http.request.method": .string(method.rawValue), "http.response.status_code": .int(status)])
        }
        if status >= 500 { recorded.setStatus(SpanStatus(code: .error)) }
    }
}

/// W3C trace context in HTTP headers.
enum TraceHeaders {
    /// The two names, made once (making a name validates and lowercases it, and every request
    /// asks).
    private static let traceParentName = HTTPField.Name("traceparent")!
    private static let traceStateName = HTTPField.Name("tracestate")!

    /// The one `traceparent` field, read as it is (`HTTPFields`' subscript joins every value of a
    /// name, a cost on every request). Two fields are no usable context, like any malformed
    /// `traceparent`: the request starts a trace of its own.
    static func traceParent(in fields: HTTPFields) -> String? {
        guard let first = fields.firstIndex(where: { $0.name == traceParentName }) else { return nil }
        if fields[fields.index(after: first)...].contains(where: { $0.name == traceParentName }) { return nil }
        return fields[first].value
    }

    /// `tracestate`: its list members may be split over several fields, joined here.
    static func traceState(in fields: HTTPFields) -> String? { fields[traceStateName] }
}
