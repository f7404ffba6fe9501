import CoachProtos
import GRPCCore

/// gRPC health checks of the services behind the edge.
enum UpstreamHealth {
    static func isServing<Transport: ClientTransport>(_ client: Grpc_Health_V1_Health.Client<Transport>, service: String) async -> Bool {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = service
        var options = CallOptions.defaults
        options.timeout = .seconds(2)
        do {
            return try await client.check(request, options: options).status == .serving
        } catch {
            return false
        }
    }
}
