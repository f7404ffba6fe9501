import CoachTracing
import GRPCCore
import Tracing

/// How the gRPC interceptors end their spans.
enum RPCTracing {
    /// Describes `span` with the OpenTelemetry RPC attributes (`rpc.system`, `rpc.service`,
    /// `rpc.method`, and `rpc.grpc.status_code`, 0 for OK), then ends it.
    static func end(_ span: TracedSpan, _ method: MethodDescriptor, error: (any Error)?) {
        guard case .recording(let recorded) = span else { return }  // an unrecorded trace's span keeps nothing
        let code = error.map { RPCMetrics.code(of: $0).rawValue } ?? 0
        recorded.describe([
            "rpc.system": .string("grpc"),
            "rpc.service": .string(method.service.fullyQualifiedService),
            "rpc.method": .string(method.method),
            "rpc.grpc.status_code": .int(Int64(code)),
        ])
        if let error {
            recorded.recordError(error, attributes: [:], at: DefaultTracerClock.now)
            recorded.setStatus(SpanStatus(code: .error, message: RPCMetrics.name(of: error)))
        }
        recorded.end()
    }
}

extension Metadata {
    /// The first string value of `key` (W3C trace context fields are single-valued).
    func firstString(_ key: String) -> String? {
        self[stringValues: key].first(where: { _ in true })
    }
}
