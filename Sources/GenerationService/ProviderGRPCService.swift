import CoachLLM
import CoachProtos
import Foundation
import GRPCCore
import SwiftProtobuf

/// `interviewcoach.v1.ProviderService`: the chain with breaker states and latency.
public struct ProviderGRPCService: Interviewcoach_V1_ProviderService.SimpleServiceProtocol {
    private let registry: ProviderRegistry

    public init(registry: ProviderRegistry) {
        self.registry = registry
    }

    public func listProviders(
        request: Interviewcoach_V1_ListProvidersRequest, context: ServerContext
    ) async throws -> Interviewcoach_V1_ListProvidersResponse {
        var response = Interviewcoach_V1_ListProvidersResponse()
        response.providers = await registry.statuses().map { status in
            var p = Interviewcoach_V1_ProviderStatus()
            p.name = status.name
            p.model = status.model
            p.breakerState = status.breaker.state.rawValue
            p.calls = Int64(status.breaker.calls)
            p.failures = Int64(status.breaker.failures)
            p.consecutiveFailures = Int32(clamping: status.breaker.consecutiveFailures)
            p.lastLatencyMs = Int64(status.breaker.lastLatencyMs ?? 0)
            p.averageLatencyMs = status.breaker.averageLatencyMs ?? 0
            if let until = status.breaker.openUntil { p.openUntil = Google_Protobuf_Timestamp(date: until) }
            p.lastErrorCode = status.breaker.lastErrorCode ?? ""
            return p
        }
        return response
    }
}
