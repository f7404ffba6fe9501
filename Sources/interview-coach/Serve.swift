import ArgumentParser
import CoachCore
import CoachGeneration
import CoachEdge
import CoachJobs
import CoachLLM
import CoachLLMProviders
import CoachMesh
#if MongoDB
import CoachMongo
#endif
#if Redis
import CoachRedis
#endif
import CoachStore
import CoachWorker
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GenerationService
import Logging
import ResumeService
import ServiceLifecycle

/// Which parts of the system a process runs.
enum Role: String, ExpressibleByArgument, CaseIterable {
    /// Everything in one process on the embedded defaults.
    case all
    /// ResumeService; deletes a resume's generated data through the interview and learning roles.
    case resume
    /// InterviewService + its TaskService (+ ProviderService), with an in-process worker unless
    /// `REDIS_URL` is set.
    case interview
    /// LearningService + its TaskService (+ ProviderService), with an in-process worker unless
    /// `REDIS_URL` is set.
    case learning
    /// Runs background jobs from the Redis queue (REDIS_URL); serves gRPC health and ProviderService.
    case worker
    case edge

    var runsResume: Bool { self == .all || self == .resume }
    var runsInterview: Bool { self == .all || self == .interview }
    var runsLearning: Bool { self == .all || self == .learning }
    var runsEdge: Bool { self == .all || self == .edge }
    var needsDatabase: Bool { runsResume || runsInterview || runsLearning || self == .worker }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the servers: every role in one process (default) or one role.",
        discussion: """
            Every flag has an environment equivalent, used when the flag is absent:
              COACH_ROLE, COACH_HOST, COACH_HTTP_PORT, COACH_GRPC_PORT, COACH_DATA_DIR,
              RESUME_ADDR, INTERVIEW_ADDR, LEARNING_ADDR, COACH_WORKER_CONCURRENCY, COACH_JOB_TIMEOUT,
              MONGODB_URI (+ MONGODB_DATABASE) for MongoDB storage, REDIS_URL for the Redis job queue,
              COACH_SSE_HEARTBEAT; logging: LOG_LEVEL, LOG_FORMAT (json|text).
            COACH_BUILTIN_LATENCY_MS makes the builtin provider take that long (demos, benchmarks).
            COACH_JOB_LEASE: seconds before a Redis job held by a silent (crashed) worker is redelivered (30).
            """)

    @Option(help: "Role to run: \(Role.allCases.map(\.rawValue).joined(separator: ", ")). [env: COACH_ROLE] (default: all)")
    var role: Role?

    @Option(help: "Address to bind the HTTP and gRPC servers to. [env: COACH_HOST] (default: 0.0.0.0)")
    var host: String?

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

    func run() async throws {
        LogSetup.bootstrap()
        try BuildFeatures.check(environment: ProcessInfo.processInfo.environment)
        let settings = try ServeSettings(self, environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "interview-coach")
        logger[metadataKey: "role"] = "\(settings.role.rawValue)"

        var services: [any Service] = []
        let local = [ServiceAddress(host: "127.0.0.1", port: settings.grpcPort)]
        let stores = settings.role.needsDatabase ? try await StoreSet.open(settings: settings, logger: logger) : nil
        var grpcServices: [any RegistrableRPCService] = []
        var servedNames: [String] = []
        var probes: [HealthGRPCService.Probe] = []

        // What a deleted resume's generated data is deleted through: the local use cases in one
        // process, the generation services over gRPC for a resume role of its own.
        var resumeDependents: [any ResumeDependentData] = []

        let redisURL = ProcessInfo.processInfo.environment["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if settings.role == .worker && redisURL == nil {
            throw ValidationError("role worker needs REDIS_URL (without it every generation role runs its own worker)")
        }
        if settings.role.runsInterview || settings.role.runsLearning || settings.role == .worker, let stores {
            // Generation reaches resumes through ResumeService over gRPC, as in a split deployment.
            let resumeClient = try MeshTransport.client(
                addresses: settings.role == .all ? local : try settings.addresses(settings.resumeAddr, option: "--resume-addr"))
            services.append(GRPCClientService(client: resumeClient))
            let lookup = GRPCResumeLookup(client: resumeClient)
            let tasks = stores.tasks
            let (queue, bus) = try await JobBackends.open(redisURL: redisURL, lease: settings.jobLease, logger: logger)
            let registry: ProviderRegistry
            do {
                registry = try LLMEnvironment.registry(
                    environment: ProcessInfo.processInfo.environment, builtinLatency: .milliseconds(settings.builtinLatencyMs),
                    logger: logger)
            } catch let error as ProviderConfigurationError {
                throw ValidationError(error.description)
            }
            let isWorker = settings.role == .worker
            let interview = settings.role.runsInterview || isWorker
                ? GenerationOperations<InterviewKind>(
                    resumes: lookup, results: stores.questionSets, tasks: tasks, queue: queue,
                    bus: bus, registry: registry) : nil
            let learning = settings.role.runsLearning || isWorker
                ? GenerationOperations<LearningKind>(
                    resumes: lookup, results: stores.learningPaths, tasks: tasks, queue: queue,
                    bus: bus, registry: registry) : nil
            if settings.role == .all, let interview, let learning {
                resumeDependents = [interview, learning]
            }
            if !isWorker {
                if let interview {
                    grpcServices.append(InterviewGRPCService(operations: interview))
                    servedNames.append("interviewcoach.v1.InterviewService")
                }
                if let learning {
                    grpcServices.append(LearningGRPCService(operations: learning))
                    servedNames.append("interviewcoach.v1.LearningService")
                }
                grpcServices.append(TaskGRPCService(interview: interview, learning: learning))
                servedNames += ["interviewcoach.v1.TaskService"]
            }
            grpcServices.append(ProviderGRPCService(registry: registry))
            servedNames.append("interviewcoach.v1.ProviderService")
            // With Redis the queue is shared and durable: workers run where the role says so
            // (`worker`, or `all`). Without it every generation role runs its own in-process worker,
            // which re-queues the tasks a crash left unfinished.
            if redisURL == nil || isWorker || settings.role == .all {
                let runner = JobRunner(
                    queue: queue, interview: interview, learning: learning,
                    configuration: WorkerConfiguration(
                        concurrency: settings.workerConcurrency, jobTimeLimit: .seconds(settings.jobTimeout)),
                    logger: logger)
                services.append(WorkerService(runner: runner, recoverOnStart: redisURL == nil))
            }
            logger.info("generation ready", metadata: ["providers": "\(registry.names.joined(separator: ","))"])
        }

        if settings.role.runsResume, let stores {
            if settings.role == .resume {
                let interviewClient = try MeshTransport.client(
                    addresses: try settings.addresses(settings.interviewAddr, option: "--interview-addr"))
                let learningClient = try MeshTransport.client(
                    addresses: try settings.addresses(settings.learningAddr, option: "--learning-addr"))
                services += [GRPCClientService(client: interviewClient), GRPCClientService(client: learningClient)]
                resumeDependents = [
                    GRPCResumeDependentData.interview(client: interviewClient), GRPCResumeDependentData.learning(client: learningClient),
                ]
            }
            let operations = ResumeOperations(store: stores.resumes, dependents: resumeDependents)
            grpcServices.append(ResumeGRPCService(operations: operations))
            servedNames.append("interviewcoach.v1.ResumeService")
            probes.append { (try? await operations.ping()) != nil }
        }

        let statuses = HealthStatuses(serving: servedNames)
        let checks = probes
        let probeAll: HealthGRPCService.Probe = {
            for probe in checks where !(await probe()) { return false }
            return true
        }
        let health = HealthGRPCService(statuses: statuses, probe: probeAll)
        if !grpcServices.isEmpty || settings.role == .worker {
            let server = GRPCServer(
                transport: MeshTransport.server(host: settings.host, port: settings.grpcPort),
                services: grpcServices + [health])
            // First in the group, so it stops last: the edge and workers drain into a live server.
            services.insert(GRPCServerService(server: server), at: 0)
            logger.info("grpc server starting", metadata: ["grpc_port": "\(settings.grpcPort)", "services": "\(servedNames.joined(separator: ","))"])
        }

        if settings.role.runsEdge {
            let edgeSettings = EdgeSettings(heartbeat: .seconds(settings.sseHeartbeat))
            if settings.role == .all {
                // In one process the edge reaches the services through grpc-swift's in-process
                // transport: the same services and calls without HTTP/2 framing and sockets, which
                // were most of a REST request's CPU (bench/README.md). The gRPC port still serves
                // every other client.
                let inProcess = InProcessTransport()
                let localServer = GRPCServer(transport: inProcess.server, services: grpcServices + [health])
                services.insert(GRPCServerService(server: localServer), at: 0)
                let client = GRPCClient(transport: inProcess.client)
                services.append(GRPCClientService(client: client))
                services.append(
                    buildEdgeApplication(
                        host: settings.host, port: settings.httpPort,
                        upstreams: EdgeUpstreams(resume: client, interview: client, learning: client),
                        settings: edgeSettings, logger: logger))
            } else {
                let upstreams = EdgeUpstreams(
                    resume: try MeshTransport.client(addresses: try settings.addresses(settings.resumeAddr, option: "--resume-addr")),
                    interview: try MeshTransport.client(
                        addresses: try settings.addresses(settings.interviewAddr, option: "--interview-addr")),
                    learning: try MeshTransport.client(addresses: try settings.addresses(settings.learningAddr, option: "--learning-addr")))
                services += upstreams.all.map { GRPCClientService(client: $0) as any Service }
                services.append(
                    buildEdgeApplication(
                        host: settings.host, port: settings.httpPort, upstreams: upstreams, settings: edgeSettings, logger: logger))
            }
            logger.info("edge starting", metadata: ["http_port": "\(settings.httpPort)"])
        }

        // Last, so that a graceful shutdown reaches it first: health turns NOT_SERVING while the
        // edge, the workers and then the gRPC server drain.
        services.append(HealthDrainService(statuses: statuses))
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}

/// Flags resolved against the environment and defaults, checked once at start-up.
struct ServeSettings {
    var role: Role
    var host: String
    var httpPort: Int
    var grpcPort: Int
    var dataDir: String
    var resumeAddr: String?
    var interviewAddr: String?
    var learningAddr: String?
    var workerConcurrency: Int
    var jobTimeout: Int
    var sseHeartbeat: Int
    var builtinLatencyMs: Int
    var jobLease: Int

    init(_ flags: Serve, environment: [String: String]) throws {
        func value(_ flag: String?, _ name: String) -> String? {
            flag ?? environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        func port(_ flag: Int?, _ name: String, option: String, default fallback: Int) throws -> Int {
            if let flag {
                guard (1...65535).contains(flag) else { throw ValidationError("\(option) must be 1-65535") }
                return flag
            }
            guard let text = value(nil, name) else { return fallback }
            guard let number = Int(text), (1...65535).contains(number) else {
                throw ValidationError("\(name) must be a port number 1-65535")
            }
            return number
        }
        if let flag = flags.role {
            role = flag
        } else if let text = value(nil, "COACH_ROLE") {
            guard let parsed = Role(rawValue: text) else {
                throw ValidationError("COACH_ROLE must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            role = parsed
        } else {
            role = .all
        }
        host = value(flags.host, "COACH_HOST") ?? "0.0.0.0"
        httpPort = try port(flags.httpPort, "COACH_HTTP_PORT", option: "--http-port", default: 8080)
        grpcPort = try port(flags.grpcPort, "COACH_GRPC_PORT", option: "--grpc-port", default: 50051)
        dataDir = value(flags.dataDir, "COACH_DATA_DIR") ?? "./data"
        resumeAddr = value(flags.resumeAddr, "RESUME_ADDR")
        interviewAddr = value(flags.interviewAddr, "INTERVIEW_ADDR")
        learningAddr = value(flags.learningAddr, "LEARNING_ADDR")
        func positive(_ flag: Int?, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
            let number: Int
            if let flag {
                number = flag
            } else if let text = value(nil, name) {
                guard let parsed = Int(text) else { throw ValidationError("\(name) must be a number") }
                number = parsed
            } else {
                return fallback
            }
            guard range.contains(number) else { throw ValidationError("\(name) must be \(range.lowerBound)-\(range.upperBound)") }
            return number
        }
        workerConcurrency = try positive(flags.workerConcurrency, "COACH_WORKER_CONCURRENCY", default: 32, range: 1...4096)
        jobTimeout = try positive(flags.jobTimeout, "COACH_JOB_TIMEOUT", default: 120, range: 1...3600)
        sseHeartbeat = try positive(flags.sseHeartbeat, "COACH_SSE_HEARTBEAT", default: 15, range: 1...300)
        builtinLatencyMs = try positive(nil, "COACH_BUILTIN_LATENCY_MS", default: 0, range: 0...600_000)
        jobLease = try positive(nil, "COACH_JOB_LEASE", default: 30, range: 1...3600)
    }

    func addresses(_ text: String?, option: String) throws -> [ServiceAddress] {
        guard let text else { throw ValidationError("role \(role.rawValue) needs \(option) (or its environment variable)") }
        do {
            return try ServiceAddress.parseList(text, option: option)
        } catch let error as AddressError {
            throw ValidationError(error.message)
        }
    }
}

/// The document stores of a process: MongoDB when `MONGODB_URI` is set (`MONGODB_DATABASE`,
/// default `interview_coach`), otherwise the SQLite file under the data dir.
struct StoreSet {
    var resumes: any ResumeStore
    var questionSets: any ResultStore<QuestionSet>
    var learningPaths: any ResultStore<LearningPath>
    var tasks: any TaskStore

    static func open(settings: ServeSettings, logger: Logger) async throws -> StoreSet {
        let environment = ProcessInfo.processInfo.environment
        #if MongoDB
        if let uri = environment["MONGODB_URI"], !uri.isEmpty {
            let name = environment["MONGODB_DATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? MongoStores.defaultDatabase
            let mongo: MongoStores
            do {
                mongo = try await MongoStores.connect(uri: uri, database: name, logger: logger)
            } catch let error as CoachError {
                throw ValidationError("MongoDB at MONGODB_URI is not usable: \(error.message)")
            }
            return StoreSet(resumes: mongo.resumes, questionSets: mongo.questionSets, learningPaths: mongo.learningPaths, tasks: mongo.tasks)
        }
        #endif
        let path = URL(fileURLWithPath: settings.dataDir).appendingPathComponent("interview-coach.sqlite").path
        let database = try SQLiteDatabase(path: path, logger: logger)
        return StoreSet(
            resumes: SQLiteResumeStore(database: database), questionSets: SQLiteResultStore<QuestionSet>.questionSets(database),
            learningPaths: SQLiteResultStore<LearningPath>.learningPaths(database), tasks: SQLiteTaskStore(database: database))
    }
}

/// The job queue and progress bus of a process: Redis Streams when `REDIS_URL` is set (and the
/// build has the `Redis` trait), otherwise the in-process ones.
enum JobBackends {
    static func open(redisURL: String?, lease: Int, logger: Logger) async throws -> (any JobQueue, any ProgressBus) {
        #if Redis
        if let redisURL {
            do {
                // One client (its pools and threads) for both.
                let client = try RedisClient(url: redisURL, logger: logger)
                let queue = RedisJobQueue(client: client, lease: .seconds(lease), logger: logger)
                try await queue.createGroups()
                return (queue, RedisProgressBus(client: client, logger: logger))
            } catch {
                throw ValidationError("Redis at REDIS_URL is not usable: \(error)")
            }
        }
        #endif
        // Without the Redis trait, BuildFeatures.check has already refused a REDIS_URL.
        return (InProcessJobQueue(), InProcessProgressBus())
    }
}
