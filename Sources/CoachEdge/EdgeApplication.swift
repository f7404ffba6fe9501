import CoachCore
import CoachWire
import CoachProtos
import Foundation
import GRPCCore
import Hummingbird
import Logging

/// The gRPC clients the edge translates to: HTTP/2 clients that balance over each role's
/// addresses, or — when the edge runs in the same process as the services (`serve`) — clients
/// of grpc-swift's in-process transport, which skip HTTP/2 and sockets (bench/README.md, REST).
public struct EdgeUpstreams<Transport: ClientTransport>: Sendable {
    public var resume: GRPCClient<Transport>
    public var interview: GRPCClient<Transport>
    public var learning: GRPCClient<Transport>

    public init(resume: GRPCClient<Transport>, interview: GRPCClient<Transport>, learning: GRPCClient<Transport>) {
        self.resume = resume
        self.interview = interview
        self.learning = learning
    }
}

/// Edge behaviour that tests tune.
public struct EdgeSettings: Sendable {
    /// SSE comment interval.
    public var heartbeat: Duration
    /// The `Host` names (without port) requests may carry; `nil` accepts any. A server bound to
    /// loopback sets the loopback names, so a web page whose DNS name was re-pointed at
    /// 127.0.0.1 (DNS rebinding) cannot reach it through a browser.
    public var allowedHosts: Set<String>?
    /// The mesh's credential (the admin key), for what the edge asks on its own behalf (the
    /// provider names in /openapi.json).
    public var credential: MeshCredential?
    /// At most this many SSE streams at once on this edge (503 beyond), each at most `streamLifetime`
    /// long (the client reconnects with `Last-Event-ID` and misses nothing).
    public var maxStreams: Int
    public var streamLifetime: Duration
    /// The process's metrics in Prometheus text, served at `/metrics` (admin scope when keys
    /// are on); `nil`: no such route.
    public var metrics: (@Sendable () async -> String)?
    /// Each request is a server span of the process's tracer (the process exports traces).
    public var tracing: Bool
    /// How often `/api/v1/operations/overview/stream` sends a fresh overview.
    public var overviewInterval: Duration = .seconds(2)

    public init(
        heartbeat: Duration = .seconds(15), allowedHosts: Set<String>? = nil, credential: MeshCredential? = nil, maxStreams: Int = 10_000,
        streamLifetime: Duration = .seconds(3600), metrics: (@Sendable () async -> String)? = nil, tracing: Bool = false
    ) {
        self.tracing = tracing
        self.heartbeat = heartbeat
        self.allowedHosts = allowedHosts
        self.credential = credential
        self.maxStreams = maxStreams
        self.streamLifetime = streamLifetime
        self.metrics = metrics
    }
}

/// Builds the edge router: every REST route, the error middleware, health and docs. Tests call
/// this too, so they exercise the real routes.
public func buildEdgeRouter<Transport: ClientTransport>(
    upstreams: EdgeUpstreams<Transport>, settings: EdgeSettings = EdgeSettings()
) -> Router<EdgeRequestContext> {
    var table = RouteTable()
    let resumeHealth = Grpc_Health_V1_Health.Client(wrapping: upstreams.resume)
    let interviewHealth = Grpc_Health_V1_Health.Client(wrapping: upstreams.interview)
    let learningHealth = Grpc_Health_V1_Health.Client(wrapping: upstreams.learning)
    ResumeRoutes(client: .init(wrapping: upstreams.resume), health: resumeHealth).register(on: &table)
    GenerationRoutes<InterviewWire, Transport>(client: .init(wrapping: upstreams.interview), health: interviewHealth).register(on: &table)
    let streams = StreamCount(stream: "sse")
    TaskRoutes(kind: .interview, client: .init(wrapping: upstreams.interview), settings: settings, streams: streams).register(on: &table)
    GenerationRoutes<LearningWire, Transport>(client: .init(wrapping: upstreams.learning), health: learningHealth).register(on: &table)
    TaskRoutes(kind: .learning, client: .init(wrapping: upstreams.learning), settings: settings, streams: streams).register(on: &table)
    AdminRoutes(client: .init(wrapping: upstreams.resume)).register(on: &table)
    PracticeRoutes(client: .init(wrapping: upstreams.interview)).register(on: &table)
    OperationsRoutes(
        clients: [.interview: .init(wrapping: upstreams.interview), .learning: .init(wrapping: upstreams.learning)],
        interval: settings.overviewInterval, lifetime: settings.streamLifetime
    ).register(on: &table)
    StaticPages().register(on: &table)
    if let metrics = settings.metrics {
        let admin = Interviewcoach_V1_AdminService.Client(wrapping: upstreams.resume)
        // Every role of a keyed mesh has the admin key as its credential; an open one has none.
        let keysOn = settings.credential != nil
        table.add(
            EdgeRoute(
                method: .get, path: "/metrics", tag: "operations",
                summary: "This process's metrics in Prometheus text (docs/OPERATIONS.md); admin scope when keys are on",
                responses: [200: ("Prometheus text exposition 0.0.4", nil), 401: ("No valid key", "Error"), 403: ("Not an admin key", "Error")])
        ) { _, context in
            // With keys on, the key service decides: only an admin may read the key list, so a
            // call that may is an admin's. An open mesh answers without asking anyone.
            if keysOn {
                var probe = Interviewcoach_V1_ListKeysRequest()
                probe.pageSize = 1
                _ = try await admin.listKeys(probe, metadata: context.rpcMetadata)
            }
            var response = Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: await metrics())))
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    let upstreamChecks: [(name: String, service: String, client: Grpc_Health_V1_Health.Client<Transport>)] = [
        ("resume", Interviewcoach_V1_ResumeService.descriptor.fullyQualifiedService, resumeHealth),
        ("interview", InterviewWire.service.fullyQualifiedService, interviewHealth),
        ("learning", LearningWire.service.fullyQualifiedService, learningHealth),
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
    let documentedRoutes = table.routes + [documentRoute]
    let credentialMetadata: Metadata = settings.credential.map { ["authorization": "Bearer \($0.secret)"] } ?? [:]
    let interviewProviders = Interviewcoach_V1_ProviderService.Client(wrapping: upstreams.interview)
    let learningProviders = Interviewcoach_V1_ProviderService.Client(wrapping: upstreams.learning)
    table.add(documentRoute) { _, _ in
        // Rendered per request: the provider names are the services' current configuration.
        async let questions = providerNames(interviewProviders, metadata: credentialMetadata)
        async let learning = providerNames(learningProviders, metadata: credentialMetadata)
        let document = OpenAPIDocument.render(
            routes: documentedRoutes, providers: .init(questions: await questions, learning: await learning))
        var response = Response.json(document)
        response.headers[.cacheControl] = "no-cache"
        return response
    }
    // HEAD on every GET route (RFC 9110 asks it of every server): the GET's status and headers,
    // Content-Length included, without the body — a stream's body never starts.
    let router = Router(context: EdgeRequestContext.self, options: .autoGenerateHeadEndpoints)
    table.install(on: router, allowedHosts: settings.allowedHosts, measured: settings.metrics != nil, tracing: settings.tracing)
    return router
}

/// The providers a service names in its fallback chain, or `nil` when it does not answer within
/// 2 s: well inside the route's deadline, so a silent service leaves its names out of the
/// document instead of failing it.
private func providerNames<Transport: ClientTransport>(
    _ client: Interviewcoach_V1_ProviderService.Client<Transport>, metadata: Metadata
) async -> [String]? {
    var options = CallOptions.defaults
    options.timeout = .seconds(2)
    return try? await client.listProviders(Interviewcoach_V1_ListProvidersRequest(), metadata: metadata, options: options).providers.map(
        \.name)
}
