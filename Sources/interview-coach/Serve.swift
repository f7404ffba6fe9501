import ArgumentParser
import AsyncHTTPClient
import CoachCore
import CoachJobs
import CoachLLM
import CoachLLMProviders
#if MongoDB
import CoachMongo
#endif
#if Redis
import CoachRedis
#endif
import CoachServer
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

extension Role: ExpressibleByArgument {}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the servers: every role in one process (default) or one role.",
        discussion: """
            Every flag has an environment equivalent, used when the flag is absent:
              COACH_ROLE, COACH_HOST, COACH_HTTP_PORT, COACH_GRPC_PORT,
              COACH_DATA_DIR, RESUME_ADDR, INTERVIEW_ADDR, LEARNING_ADDR,
              COACH_WORKER_CONCURRENCY, COACH_JOB_TIMEOUT, COACH_SSE_HEARTBEAT.
            Storage: MONGODB_URI (+ MONGODB_DATABASE) keeps every store in MongoDB,
              REDIS_URL runs the job queue on Redis; COACH_JOB_LEASE: seconds before
              a Redis job held by a silent (crashed) worker is redelivered (30).
            Logging: LOG_LEVEL, LOG_FORMAT (json|text).
            Observability (docs/OPERATIONS.md): metrics are on by default (/metrics,
              --metrics-port; COACH_METRICS=off collects none);
              OTEL_EXPORTER_OTLP_ENDPOINT exports traces over OTLP/HTTP, with the
              standard OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*, ...
            Access (docs/SECURITY.md): COACH_ADMIN_KEY (16 characters or more) turns
              API keys on and is itself a key with every scope; COACH_KEY_PEPPER
              is the secret stored keys are hashed with (default: derived from
              COACH_ADMIN_KEY, so set it before rotating the admin key).
            TLS: COACH_TLS_CERT and COACH_TLS_KEY (the flags); COACH_TLS_CA makes
              calls to other roles TLS, verified against that CA (presenting this
              process's certificate); COACH_TLS_CLIENT_AUTH=require demands client
              certificates from that CA (mTLS); COACH_TLS_VERIFY_HOSTNAME=false
              skips the name check of server certificates.
            COACH_BUILTIN_LATENCY_MS makes the builtin provider take that long
              (demos, benchmarks).
            """)

    @Option(help: "Role to run: \(Role.allCases.map(\.rawValue).joined(separator: ", ")). [env: COACH_ROLE] (default: all)")
    var role: Role?

    @Option(
        help: """
            Address to bind the HTTP and gRPC servers to. Without COACH_ADMIN_KEY only a loopback \
            address is allowed (see --insecure-no-auth). [env: COACH_HOST] (default: 127.0.0.1)
            """)
    var host: String?

    @Flag(
        help: """
            Serve without API keys on a non-loopback address: anyone who reaches the ports can read \
            every resume and spend the LLM budget. For a network you trust completely.
            """)
    var insecureNoAuth = false

    @Option(help: "PEM certificate chain: HTTPS on the edge, TLS on the gRPC port. [env: COACH_TLS_CERT]")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert. [env: COACH_TLS_KEY]")
    var tlsKey: String?

    @Option(help: "HTTP port of the edge. [env: COACH_HTTP_PORT] (default: 8080)")
    var httpPort: Int?

    @Option(help: "gRPC port of the service roles. [env: COACH_GRPC_PORT] (default: 50051)")
    var grpcPort: Int?

    @Option(help: "Folder of the embedded SQLite database. [env: COACH_DATA_DIR] (default: ./data)")
    var dataDir: String?

    @Option(help: "ResumeService addresses for the edge, host:port[,host:port...]. [env: RESUME_ADDR]")
    var resumeAddr: String?

    @Option(help: "InterviewService addresses, host:port[,...] (edge and resume roles). [env: INTERVIEW_ADDR]")
    var interviewAddr: String?

    @Option(help: "LearningService addresses, host:port[,...] (edge and resume roles). [env: LEARNING_ADDR]")
    var learningAddr: String?

    @Option(help: "Jobs a worker runs at once (they wait on I/O, not threads). [env: COACH_WORKER_CONCURRENCY] (default: 32)")
    var workerConcurrency: Int?

    @Option(help: "Seconds a background job may take. [env: COACH_JOB_TIMEOUT] (default: 120)")
    var jobTimeout: Int?

    @Option(help: "Seconds between SSE heartbeat comments. [env: COACH_SSE_HEARTBEAT] (default: 15)")
    var sseHeartbeat: Int?

    @Option(help: "Port of a listener serving only Prometheus /metrics, on --host. [env: COACH_METRICS_PORT] (default: off)")
    var metricsPort: Int?

    func run() async throws {
        // The environment is read here, once; everything below gets the configuration.
        let configuration = try ServerConfiguration(flags: flags, environment: ProcessInfo.processInfo.environment)
        try BuildFeatures.check(configuration)
        // With traces on, every log line written inside a span carries its trace_id and span_id.
        LogSetup.bootstrap(
            level: configuration.logLevel, text: configuration.logAsText,
            metadataProvider: configuration.tracing ? TraceExport.logMetadataProvider : nil)
        // Metrics are collected unless COACH_METRICS=off (counters cost nanoseconds); /metrics shows them.
        var metrics: MetricsExposition?
        if configuration.metricsEnabled {
            let exposition = MetricsExposition(registry: PrometheusCollectorRegistry())
            MetricsSystem.bootstrap(MetricsExposition.factory(registry: exposition.registry))
            metrics = exposition
        }
        var logger = Logger(label: "interview-coach")
        logger[metadataKey: "role"] = "\(configuration.role.rawValue)"
        // Traces only when an OTLP endpoint is configured; the exporter runs first in the group so
        // it stops last and flushes the final spans.
        var observability: [any Service] = []
        if configuration.tracing {
            observability.append(
                try TraceExport.bootstrap(serviceName: "interview-coach-\(configuration.role.rawValue)", logger: Logger(label: "coach.tracing")))
            logger.info("exporting traces over OTLP/HTTP")
        }

        let backends = configuration.role.needsDatabase ? try await ProcessBackends.open(configuration, logger: logger) : nil
        var registry: ProviderRegistry?
        var httpClient: HTTPClient?
        if configuration.role.runsGeneration {
            do {
                let client = try LLMEnvironment.httpClient(environment: configuration.providerEnvironment)
                httpClient = client
                registry = try LLMEnvironment.registry(
                    environment: configuration.providerEnvironment, httpClient: client, builtinLatency: configuration.builtinLatency,
                    logger: logger)
            } catch let error as ProviderConfigurationError {
                try? await httpClient?.shutdown()
                throw ConfigurationError(error.description)
            }
        }
        let graph: ServiceGraph
        do {
            graph = try ServiceGraph(
                configuration: configuration,
                parts: .init(backends: backends, registry: registry, providerHTTPClient: httpClient, metrics: metrics), logger: logger)
        } catch {
            // The client is the graph's to shut down once it runs; until then it is ours.
            try? await httpClient?.shutdown()
            throw error
        }
        if graph.grpcTransport != nil {
            logger.info(
                "grpc server starting",
                metadata: ["grpc_port": "\(configuration.grpcPort)", "services": "\(graph.servedServices.joined(separator: ","))"])
        }
        if graph.edgeRouter != nil { logger.info("edge starting", metadata: ["http_port": "\(configuration.httpPort)"]) }
        let group = ServiceGroup(
            configuration: .init(
                services: try (observability + graph.processServices(logger: logger)).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// The flags as the configuration reads them.
    var flags: ServerConfiguration.Flags {
        var flags = ServerConfiguration.Flags()
        flags.role = role
        flags.host = host
        flags.httpPort = httpPort
        flags.grpcPort = grpcPort
        flags.dataDir = dataDir
        flags.resumeAddr = resumeAddr
        flags.interviewAddr = interviewAddr
        flags.learningAddr = learningAddr
        flags.workerConcurrency = workerConcurrency
        flags.jobTimeout = jobTimeout
        flags.sseHeartbeat = sseHeartbeat
        flags.insecureNoAuth = insecureNoAuth
        flags.tlsCert = tlsCert
        flags.tlsKey = tlsKey
        flags.metricsPort = metricsPort
        return flags
    }
}

/// The backends of this process: MongoDB stores when `MONGODB_URI` is set and Redis queue and
/// bus when `REDIS_URL` is set (each only in a build with its trait: `BuildFeatures`), the
/// embedded ones otherwise.
enum ProcessBackends {
    static func open(_ configuration: ServerConfiguration, logger: Logger) async throws -> Backends {
        var backends: Backends
        #if MongoDB
        if let mongo = configuration.mongoDB {
            let stores: MongoStores
            do {
                stores = try await MongoStores.connect(uri: mongo.uri, database: mongo.database, logger: logger)
            } catch let error as CoachError {
                throw ConfigurationError("MongoDB at MONGODB_URI is not usable: \(error.message) (the warning above says why)")
            }
            backends = Backends(
                resumes: stores.resumes, questionSets: stores.questionSets, learningPaths: stores.learningPaths, tasks: stores.tasks,
                queue: InProcessJobQueue(), bus: InProcessProgressBus(), keys: stores.keys, sessions: stores.sessions)
        } else {
            backends = try Backends.embedded(dataDir: configuration.dataDir, logger: logger)
        }
        #else
        backends = try Backends.embedded(dataDir: configuration.dataDir, logger: logger)
        #endif
        #if Redis
        if let url = configuration.redisURL {
            do {
                // One client (its pools and threads) for both.
                let client = try RedisClient(url: url, logger: logger)
                // Reached first, so that a server that cannot be reached is reported with why.
                try await client.ping()
                let queue = RedisJobQueue(client: client, lease: .seconds(configuration.jobLease), logger: logger)
                try await queue.createGroups()
                backends.queue = queue
                backends.bus = RedisProgressBus(client: client, logger: logger)
                backends.limiter = RedisRateLimiter(client: client)
            } catch let error as CoachError {
                throw ConfigurationError("Redis at REDIS_URL is not usable: \(error.message) (the warning above says why)")
            } catch {
                throw ConfigurationError("Redis at REDIS_URL is not usable: \(error)")
            }
        }
        #endif
        return backends
    }
}
