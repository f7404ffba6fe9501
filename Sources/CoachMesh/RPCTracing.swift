import GRPCCore
import Tracing

/// How the gRPC interceptors end their spans.
enum RPCTracing {
    /// Describes `span` with the OpenTelemetry RPC attributes (`rpc.system`, `rpc.service`,
    /// `rpc.method`, and `rpc.grpc.status_code`, 0 for OK), then ends it.
    static func end(_ span: any Span, _ method: MethodDescriptor, error: (any Error)?) {
        guard span.isRecording else { return span.end() }  // an unrecorded trace's span keeps nothing
        let code = error.map { RPCMetrics.code(of: $0).rawValue } ?? 0
        // Set once, whole, at the end: the interceptor that opened the span is the only code that
        // can reach it, and a set built in one piece is allocated once at its size (an update
        // through `Span.attributes` copies the set, and each insertion may grow it).
        span.attributes = SpanAttributes([
            "rpc.system": .string("grpc"),
            "rpc.service": .string(method.service.fullyQualifiedService),
            "rpc.method": .string(method.method),
            "rpc.grpc.status_code": .int64(Int64(code)),
        ])
        if let error {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: RPCMetrics.name(of: error)))
        }
        span.end()
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
