import AccessService
import AsyncHTTPClient
import CoachBuiltin
import CoachAccess
import CoachCore
import CoachEdge
import CoachGeneration
import CoachLLM
import CoachMesh
import CoachProtos
import CoachWire
import CoachWorker
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import GenerationService
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import CoachPractice
import PracticeService
import ResumeService
import ServiceLifecycle

/// The services of one process, built from role × backends × transport: what `serve` runs and
/// what the tests run. Every hop inside the process uses grpc-swift's in-process transport; the
/// gRPC port (HTTP/2) serves everything else.
public struct ServiceGraph {
    /// The gRPC servers, clients and workers, in start order (what the tests run); a graceful
    /// shutdown goes the other way, so servers start first and stop last and the workers drain
    /// into live services. `processServices` adds the edge's HTTP server and the health drain.
    public private(set) var services: [any Service] = []
    /// The health of the gRPC services this process serves.
    private let health: HealthStatuses
    /// Where the edge's HTTP server listens, and its TLS.
    private let httpAddress: (host: String, port: Int)
    private let tls: MeshTLS
    /// The REST edge's router (roles `all` and `edge`); `serve` listens with it on the HTTP port,
    /// tests drive it with HummingbirdTesting.
    public private(set) var edgeRouter: Router<EdgeRequestContext>?
    /// The edge's WebSocket upgrades (the live practice channel), beside `edgeRouter`.
    public private(set) var edgeUpgrades: (@Sendable (HTTPRequest, Logger) -> LiveUpgrade)?
    public typealias LiveUpgrade = ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    /// The gRPC names served on the gRPC port.
    public let servedServices: [String]
    /// The transport of the gRPC port (roles other than `edge`): its listening address tells
    /// the port when the configuration asked for any free one (0).
    public let grpcTransport: HTTP2ServerTransport.Posix?

    /// What the graph is built from besides the configuration.
    public struct Parts {
        /// The stores, queue and bus (nil for the edge role, which has none).
        public var backends: Backends?
        /// The provider chain of the generating roles.
        public var registry: ProviderRegistry?
        /// The client the providers' calls go through; its lifetime becomes the process's.
        public var providerHTTPClient: HTTPClient?
        /// Interceptors on every gRPC server of the process (tests count or fail calls).
        public var interceptors: [any ServerInterceptor] = []
        /// Where swift-metrics collects (the process bootstrapped it): gRPC calls are measured
        /// and `/metrics` served. `nil`: no metrics.
        public var metrics: MetricsExposition?

        public init(
            backends: Backends?, registry: ProviderRegistry?, providerHTTPClient: HTTPClient? = nil,
            interceptors: [any ServerInterceptor] = [], metrics: MetricsExposition? = nil
        ) {
            self.backends = backends
            self.registry = registry
            self.providerHTTPClient = providerHTTPClient
            self.interceptors = interceptors
            self.metrics = metrics
        }
    }

    public init(configuration: ServerConfiguration, parts: Parts, logger: Logger) throws {
        let role = configuration.role
        // Access: every gRPC server checks keys (an open verifier when keys are off), on the
        // stores' key table; roles call each other with the admin key for the caller's tenant.
        let codec = KeyCodec(pepper: configuration.keyPepper ?? configuration.adminKey ?? "")
        let verifier = KeyVerifier(
            enforcing: configuration.keysEnforced, store: parts.backends?.keys, adminKey: configuration.adminKey, codec: codec)
        let policy = AccessPolicy(limiter: parts.backends?.limiter ?? InProcessRateLimiter())
        // Metrics and traces outermost: a call refused by the others is a call handled and traced
        // too. No observing interceptor runs when the process collects neither.
        let tracing = configuration.tracing
        let observed = parts.metrics != nil || tracing
        let interceptors: [any ServerInterceptor] =
            (observed ? [ServerObservingInterceptor(metrics: parts.metrics != nil, tracing: tracing)] : [])
            + [MessageSizeInterceptor(), AccessInterceptor(verifier: verifier, policy: policy)] + parts.interceptors
        let clientInterceptors: [any ClientInterceptor] =
            observed ? [ClientObservingInterceptor(metrics: parts.metrics != nil, tracing: tracing)] : []
        var exposition = parts.metrics
        let credential = configuration.adminKey.map(MeshCredential.init)
        // Every local hop goes through this pair; the server half gets every gRPC service.
        let inProcess = InProcessTransport()
        let local = GRPCClient(transport: inProcess.client, interceptors: clientInterceptors)
        var clients: [any Service] = []
        var grpcServices: [any RegistrableRPCService] = []
        var served: [String] = []
        var probes: [HealthGRPCService.Probe] = []
        var workers: [any Service] = []

        func backends() throws -> Backends {
            guard let backends = parts.backends else { throw ConfigurationError("role \(role.rawValue) needs its stores") }
            return backends
        }
        func remote(_ addresses: [ServiceAddress]?, _ option: String) throws -> MeshClient {
            let client = try MeshTransport.client(
                addresses: try configuration.needed(addresses, for: true, option) ?? [], interceptors: clientInterceptors, tls: configuration.tls)
            clients.append(GRPCClientService(client: client))
            return client
        }

        // Generation: the use cases of each kind this role runs, reaching resumes through
        // ResumeService (in-process in `all`, over HTTP/2 otherwise).
        var interview: GenerationOperations<InterviewKind>?
        var practice: PracticeOperations?
        var learning: GenerationOperations<LearningKind>?
        if role.runsGeneration {
            let backends = try backends()
            guard let registry = parts.registry else { throw ConfigurationError("role \(role.rawValue) needs its providers") }
            let lookup: any ResumeLookup =
                role == .all
                ? GRPCResumeLookup(client: local, credential: credential)
                : GRPCResumeLookup(client: try remote(configuration.resumeAddresses, "--resume-addr"), credential: credential)
            if role.runsInterview {
                let questions = GenerationOperations<InterviewKind>(
                    resumes: lookup, results: backends.questionSets, tasks: backends.tasks, queue: backends.queue, bus: backends.bus,
                    registry: registry, meter: policy, maxQueuedJobs: configuration.maxQueuedJobs)
                // Practice sessions live beside the question sets they use and go with them.
                // Answers are scored by the same provider chain as generations ("I don't know"
                // offline). A chain of the builtin provider alone scores in-process: the same
                // evaluation without the provider round trip (its answers keep the providers'
                // rules: CoachLLMTests.EvaluationTests).
                let evaluator: any AnswerEvaluator =
                    registry.names == ["builtin"] ? BuiltinEvaluator() : RegistryEvaluator(registry: registry)
                let engine = PracticeEngine(evaluator: evaluator, offline: BuiltinEvaluator())
                let sessions = PracticeOperations(sessions: backends.sessions, questions: questions, engine: engine)
                practice = sessions
                interview = questions.deleting(also: [sessions])
            }
            if role.runsLearning {
                var paths = GenerationOperations<LearningKind>(
                    resumes: lookup, results: backends.learningPaths, tasks: backends.tasks, queue: backends.queue,
                    bus: backends.bus, registry: registry, meter: policy, maxQueuedJobs: configuration.maxQueuedJobs)
                // A plan can target the gaps a practice session showed (sessions share the stores).
                paths.resolveOptions = PracticeOperations.learningFocus(sessions: backends.sessions)
                learning = paths
            }
            let kinds: [any KindOperations] = [interview as (any KindOperations)?, learning].compactMap { $0 }
            exposition?.queue = backends.queue
            exposition?.kinds = kinds.map(\.taskKind)
            exposition?.providers = registry
            if role != .worker {
                if let interview {
                    grpcServices.append(GenerationGRPCService(operations: interview))
                    served.append(GenerationGRPCService<InterviewKind>.serviceName)
                }
                if let learning {
                    grpcServices.append(GenerationGRPCService(operations: learning))
                    served.append(GenerationGRPCService<LearningKind>.serviceName)
                }
                grpcServices.append(TaskGRPCService(kinds: kinds))
                served.append(Interviewcoach_V1_TaskService.descriptor.fullyQualifiedService)
                // Operations (admin only) over every tenant's tasks, the queue and this chain.
                let administration = TaskAdministration(
                    tasks: backends.tasks, queue: backends.queue, bus: backends.bus, registry: registry, kinds: kinds.map(\.taskKind),
                    audit: backends.keys, logger: logger)
                grpcServices.append(OperationsGRPCService(administration: administration))
                served.append(Interviewcoach_V1_OperationsService.descriptor.fullyQualifiedService)
                if let practice {
                    // Practice beside the questions it evaluates answers to.
                    grpcServices.append(PracticeGRPCService(operations: practice))
                    served.append(Interviewcoach_V1_PracticeService.descriptor.fullyQualifiedService)
                }
            }
            grpcServices.append(ProviderGRPCService(registry: registry))
            served.append(Interviewcoach_V1_ProviderService.descriptor.fullyQualifiedService)
            // A shared (Redis) queue is consumed where the role says so (`worker`, `all`); without
            // one every generating role runs its own worker, which re-queues what a crash left.
            if !configuration.sharedQueue || role == .worker || role == .all {
                let runner = JobRunner(
                    queue: backends.queue, kinds: kinds,
                    configuration: WorkerConfiguration(
                        concurrency: configuration.workerConcurrency, jobTimeLimit: .seconds(configuration.jobTimeout)),
                    logger: logger)
                workers.append(WorkerService(runner: runner, recoverOnStart: !configuration.sharedQueue))
            }
            if let client = parts.providerHTTPClient { workers.insert(HTTPClientService(client: client), at: 0) }
            logger.info("generation ready", metadata: ["providers": "\(registry.names.joined(separator: ","))"])
        }

        // Resumes: deleting one deletes its generated data first, through the local use cases
        // or the generation roles.
        if role.runsResume {
            let dependents: [any ResumeDependentData]
            if role == .all {
                dependents = [interview as (any ResumeDependentData)?, learning].compactMap { $0 }
            } else {
                dependents = [
                    GRPCResumeDependentData(
                        InterviewWire.self, client: try remote(configuration.interviewAddresses, "--interview-addr"), credential: credential),
                    GRPCResumeDependentData(
                        LearningWire.self, client: try remote(configuration.learningAddresses, "--learning-addr"), credential: credential),
                ]
            }
            let operations = ResumeOperations(store: try backends().resumes, dependents: dependents)
            grpcServices.append(ResumeGRPCService(operations: operations))
            served.append(Interviewcoach_V1_ResumeService.descriptor.fullyQualifiedService)
            probes.append { (try? await operations.ping()) != nil }
            // Keys live with the resumes, so the resume role administers them.
            grpcServices.append(
                AdminGRPCService(
                    operations: KeyOperations(store: try backends().keys, codec: codec, verifier: verifier, logger: logger)))
            served.append(Interviewcoach_V1_AdminService.descriptor.fullyQualifiedService)
        }

        health = HealthStatuses(serving: served)
        servedServices = served
        let checks = probes
        let healthService = HealthGRPCService(statuses: health) {
            for probe in checks where !(await probe()) { return false }
            return true
        }
        let allServices = grpcServices + [healthService]

        var servers: [any Service] = []
        if role == .edge {
            grpcTransport = nil
        } else {
            let transport = MeshTransport.server(host: configuration.host, port: configuration.grpcPort, tls: configuration.tls)
            grpcTransport = transport
            servers.append(
                Listener(
                    base: GRPCServerService(server: GRPCServer(transport: transport, services: allServices, interceptors: interceptors)),
                    setting: "--grpc-port", host: configuration.host, port: configuration.grpcPort))
        }
        if role == .all {
            servers.append(
                GRPCServerService(server: GRPCServer(transport: inProcess.server, services: allServices, interceptors: interceptors)))
            clients.insert(GRPCClientService(client: local), at: 0)
        }

        // The edge: in-process to the services of this process, HTTP/2 to those of others.
        if role.runsEdge {
            var metricsText: (@Sendable () async -> String)?
            if let exposition { metricsText = { await exposition.render() } }
            let edgeSettings = EdgeSettings(
                heartbeat: .seconds(configuration.sseHeartbeat), allowedHosts: configuration.edgeAllowedHosts, credential: credential,
                maxStreams: configuration.sseMaxStreams, streamLifetime: .seconds(configuration.sseMaxLifetime), metrics: metricsText,
                tracing: tracing)
            if role == .all {
                edgeRouter = buildEdgeRouter(upstreams: EdgeUpstreams(resume: local, interview: local, learning: local), settings: edgeSettings)
                let live = PracticeLiveChannel(client: local, settings: edgeSettings)
                edgeUpgrades = { request, logger in live.shouldUpgrade(request, logger: logger) }
            } else {
                let upstreams = EdgeUpstreams(
                    resume: try remote(configuration.resumeAddresses, "--resume-addr"),
                    interview: try remote(configuration.interviewAddresses, "--interview-addr"),
                    learning: try remote(configuration.learningAddresses, "--learning-addr"))
                edgeRouter = buildEdgeRouter(upstreams: upstreams, settings: edgeSettings)
                let live = PracticeLiveChannel(client: upstreams.interview, settings: edgeSettings)
                edgeUpgrades = { request, logger in live.shouldUpgrade(request, logger: logger) }
            }
        }

        services = servers + clients + workers
        if let exposition, let port = configuration.metricsPort { metricsListener = (exposition, port) }
        httpAddress = (configuration.host, configuration.httpPort)
        tls = configuration.tls
        self.drain = HealthDrainService(statuses: health)
    }

    private let drain: HealthDrainService
    /// `--metrics-port`: the Prometheus target of any role.
    private var metricsListener: (exposition: MetricsExposition, port: Int)?

    /// Every service of the process in start order: `services`, the edge's HTTP server on
    /// `host:httpPort` when the role has one, and last the health drain, which a graceful
    /// shutdown therefore reaches first (health turns NOT_SERVING while everything drains).
    public func processServices(logger: Logger) throws -> [any Service] {
        var all = services
        if let edgeRouter {
            // A connection that sends no request (or never finishes its headers: slowloris) for a
            // minute is closed; a response being streamed is not idle.
            let upgrades = edgeUpgrades
            let shouldUpgrade: @Sendable (HTTPRequest, any Channel, Logger) throws -> LiveUpgrade = { request, _, logger in
                upgrades?(request, logger) ?? .dontUpgrade
            }
            // HTTP/1 with the WebSocket upgrade of the live practice channel; every other request
            // goes to the router (a refused upgrade is answered 400 by the upgrade handler).
            // An idle connection (or one that never finishes a request: slowloris) is closed after
            // a minute, before its first request too (FirstRequestDeadlineChannel).
            let upgradeConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
                http1: .init(idleTimeout: .seconds(60)), ws: .init(maxFrameSize: PracticeLiveChannel<InProcessTransport.Client>.maxFrameBytes))
            let http1 = HTTPServerBuilder { responder in
                FirstRequestDeadlineChannel(
                    base: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: upgradeConfiguration, shouldUpgrade: shouldUpgrade),
                    limit: .seconds(60))
            }
            var server = http1
            if let certificate = tls.certificateFile, let key = tls.keyFile {
                do {
                    let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
                    let configuration = TLSConfiguration.makeServerConfiguration(
                        certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
                    server = try .tls(http1, tlsConfiguration: configuration)
                } catch {
                    throw ConfigurationError("--tls-cert/--tls-key are not a usable PEM certificate chain and key: \(error)")
                }
            }
            all.append(
                Listener(
                    base: Application(
                        router: edgeRouter, server: server,
                        configuration: .init(address: .hostname(httpAddress.host, port: httpAddress.port), serverName: "interview-coach"),
                        logger: logger),
                    setting: "--http-port", host: httpAddress.host, port: httpAddress.port))
        }
        if let metricsListener {
            all.append(
                Listener(
                    base: MetricsListener.application(metricsListener.exposition, host: httpAddress.host, port: metricsListener.port, logger: logger),
                    setting: "--metrics-port", host: httpAddress.host, port: metricsListener.port))
        }
        all.append(drain)
        return all
    }
}
