import GRPCCore
import Tracing

/// Continues the caller's trace (W3C `traceparent` in the metadata) in a server span per call,
/// named `<service>/<method>` with the OpenTelemetry RPC attributes. A streaming response's
/// producer runs after `intercept` returns, so the span wraps the producer too and ends with it:
/// a watch is one span as long as the watch, and the handler's own spans are its children.
public struct ServerTracingInterceptor: ServerInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.metadata, into: &parent, using: MetadataCarrier())
        let span = InstrumentationSystem.tracer.startSpan(context.descriptor.fullyQualifiedMethod, context: parent, ofKind: .server)
        RPCTracing.describe(span, context.descriptor)
        let spanContext = span.context
        do {
            return try await ServiceContext.$current.withValue(spanContext) { try await next(request, context) }
                .endingWith({ RPCTracing.end(span, error: $0) }, around: { produce in try await ServiceContext.$current.withValue(spanContext, operation: produce) })
        } catch {
            RPCTracing.end(span, error: error)
            throw error
        }
    }
}

/// The client's side: a client span per call, its context sent in the metadata so the server's
/// span is its child; the span ends when the response ends.
public struct ClientTracingInterceptor: ClientInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        let span = InstrumentationSystem.tracer.startSpan(
            context.descriptor.fullyQualifiedMethod, context: ServiceContext.current ?? .topLevel, ofKind: .client)
        RPCTracing.describe(span, context.descriptor)
        var request = request
        InstrumentationSystem.instrument.inject(span.context, into: &request.metadata, using: MetadataCarrier())
        do {
            return try await next(request, context).endingWith { RPCTracing.end(span, error: $0) }
        } catch {
            RPCTracing.end(span, error: error)
            throw error
        }
    }
}

enum RPCTracing {
    static func describe(_ span: any Span, _ method: MethodDescriptor) {
        span.attributes["rpc.system"] = "grpc"
        span.attributes["rpc.service"] = method.service.fullyQualifiedService
        span.attributes["rpc.method"] = method.method
    }

    /// Ends `span` with the status code the call ended with (`rpc.grpc.status_code`, 0 for OK).
    static func end(_ span: any Span, error: (any Error)?) {
        let code = error.map(statusCode(of:)) ?? 0
        span.attributes["rpc.grpc.status_code"] = code
        if let error {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: RPCMetrics.name(of: error)))
        }
        span.end()
    }

    private static func statusCode(of error: any Error) -> Int {
        if let error = error as? RPCError { return error.code.rawValue }
        if let convertible = error as? any RPCErrorConvertible { return convertible.rpcErrorCode.rawValue }
        return error is CancellationError ? RPCError.Code.cancelled.rawValue : RPCError.Code.unknown.rawValue
    }
}

/// W3C trace context in gRPC metadata.
struct MetadataCarrier: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout Metadata) {
        carrier.replaceOrAddString(value, forKey: key)
    }

    func extract(key: String, from carrier: Metadata) -> String? {
        carrier[stringValues: key].first(where: { _ in true })
    }
}
