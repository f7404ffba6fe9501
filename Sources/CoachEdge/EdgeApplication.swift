import CoachCore
import CoachMesh
import CoachProtos
import Foundation
import Hummingbird
import Logging

/// The gRPC clients the edge translates to. Each balances over its role's addresses.
public struct EdgeUpstreams: Sendable {
    public var resume: MeshClient

    public init(resume: MeshClient) {
        self.resume = resume
    }

    /// Every client, for the service group that runs their connections.
    public var all: [MeshClient] { [resume] }
}

/// Builds the edge router: every REST route, the error middleware, health and docs. Tests call
/// this too, so they exercise the real routes.
public func buildEdgeRouter(upstreams: EdgeUpstreams) -> Router<EdgeRequestContext> {
    var table = RouteTable()
    let resumeHealth = Grpc_Health_V1_Health.Client(wrapping: upstreams.resume)
    ResumeRoutes(client: .init(wrapping: upstreams.resume), health: resumeHealth).register(on: &table)

    let upstreamChecks: [(name: String, service: String, client: Grpc_Health_V1_Health.Client<MeshClientTransport>)] = [
        ("resume", "interviewcoach.v1.ResumeService", resumeHealth)
    ]
    table.add(
        EdgeRoute(
            method: .get, path: "/healthz", tag: "health", summary: "Liveness of the edge process",
            responses: [200: ("Alive", "Status")])
    ) { _, _ in
        .json(["status": "ok", "timestamp": Date().rfc3339])
    }
    table.add(
        EdgeRoute(
            method: .get, path: "/readyz", tag: "health", summary: "Readiness: every upstream's gRPC health",
            responses: [200: ("Ready", "Readiness"), 503: ("An upstream is not serving", "Readiness")])
    ) { _, _ in
        var checks: [String: JSONValue] = [:]
        var ready = true
        for upstream in upstreamChecks {
            let serving = await UpstreamHealth.isServing(upstream.client, service: upstream.service)
            checks[upstream.name] = .string(serving ? "serving" : "not_serving")
            ready = ready && serving
        }
        let body: [String: JSONValue] = [
            "status": .string(ready ? "ready" : "not_ready"), "checks": .object(checks),
            "timestamp": .string(Date().rfc3339),
        ]
        return .json(body, status: ready ? .ok : .serviceUnavailable)
    }

    let documentRoute = EdgeRoute(
        method: .get, path: "/openapi.json", tag: "docs", summary: "This API as OpenAPI 3.1",
        responses: [200: ("The OpenAPI document", nil)])
    let document = OpenAPIDocument.render(routes: table.routes + [documentRoute])
    table.add(documentRoute) { _, _ in
        var response = Response.json(document)
        response.headers[.cacheControl] = "no-cache"
        return response
    }
    let router = Router(context: EdgeRequestContext.self)
    table.install(on: router)
    return router
}

/// The edge HTTP server on `host:port`.
public func buildEdgeApplication(
    host: String, port: Int, upstreams: EdgeUpstreams, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildEdgeRouter(upstreams: upstreams),
        configuration: .init(address: .hostname(host, port: port), serverName: "interview-coach"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}
