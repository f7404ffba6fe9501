import GRPCCore
import Metrics

/// What the gRPC interceptors report to swift-metrics (docs/OPERATIONS.md, "Metrics").
enum RPCMetrics {
    static func record(side: String, method: MethodDescriptor, code: String, since started: ContinuousClock.Instant) {
        let labels = [("grpc_service", method.service.fullyQualifiedService), ("grpc_method", method.method)]
        Counter(label: "grpc_\(side)_handled_total", dimensions: labels + [("grpc_code", code)]).increment()
        Timer(label: "grpc_\(side)_handling_seconds", dimensions: labels, preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
    }

    /// The status code a failed call ends with (also the traces' `rpc.grpc.status_code`).
    static func code(of error: any Error) -> RPCError.Code {
        if let error = error as? RPCError { return error.code }
        if let convertible = error as? any RPCErrorConvertible { return convertible.rpcErrorCode }
        return error is CancellationError ? .cancelled : .unknown
    }

    /// The status name a failed call ends with.
    static func name(of error: any Error) -> String { name(code(of: error)) }

    /// `NOT_FOUND`, `DEADLINE_EXCEEDED`, … as gRPC names them.
    static func name(_ code: RPCError.Code) -> String {
        var name = ""
        for character in String(describing: code) {
            if character.isUppercase { name += "_" }
            name += character.uppercased()
        }
        return name
    }
}
