import GRPCCore
import Tracing

/// How the gRPC interceptors describe and end their spans.
enum RPCTracing {
    static func describe(_ span: any Span, _ method: MethodDescriptor) {
        guard span.isRecording else { return }  // an unrecorded trace's span keeps nothing
        // One update, not three: each assignment through `attributes` copies the whole set.
        span.updateAttributes { attributes in
            attributes["rpc.system"] = "grpc"
            attributes["rpc.service"] = method.service.fullyQualifiedService
            attributes["rpc.method"] = method.method
        }
    }

    /// Ends `span` with the status code the call ended with (`rpc.grpc.status_code`, 0 for OK).
    static func end(_ span: any Span, error: (any Error)?) {
        guard span.isRecording else { return span.end() }
        let code = error.map { RPCMetrics.code(of: $0).rawValue } ?? 0
        span.attributes["rpc.grpc.status_code"] = code
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
