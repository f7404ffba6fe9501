import ArgumentParser
import CoachCore
import CoachEdge
import CoachMesh
import CoachStore
import Foundation
import GRPCCore
import Logging
import ResumeService
import ServiceLifecycle

/// Which parts of the system a process runs.
enum Role: String, ExpressibleByArgument, CaseIterable {
    /// Everything in one process on the embedded defaults.
    case all
    case resume
    case edge

    var runsResume: Bool { self == .all || self == .resume }
    var runsEdge: Bool { self == .all || self == .edge }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the servers: every role in one process (default) or one role.",
        discussion: """
            Every flag has an environment equivalent, used when the flag is absent:
              COACH_ROLE, COACH_HOST, COACH_HTTP_PORT, COACH_GRPC_PORT, COACH_DATA_DIR,
              RESUME_ADDR, INTERVIEW_ADDR, LEARNING_ADDR; logging: LOG_LEVEL, LOG_FORMAT (json|text).
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

    @Option(help: "InterviewService addresses, host:port[,...]. [env: INTERVIEW_ADDR]")
    var interviewAddr: String?

    @Option(help: "LearningService addresses, host:port[,...]. [env: LEARNING_ADDR]")
    var learningAddr: String?

    func run() async throws {
        LogSetup.bootstrap()
        let settings = try ServeSettings(self, environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "interview-coach")
        logger[metadataKey: "role"] = "\(settings.role.rawValue)"

        var services: [any Service] = []
        if settings.role.runsResume {
            let databasePath = URL(fileURLWithPath: settings.dataDir).appendingPathComponent("interview-coach.sqlite").path
            let database = try SQLiteDatabase(path: databasePath, logger: logger)
            let operations = ResumeOperations(store: SQLiteResumeStore(database: database))
            let statuses = HealthStatuses(serving: ["interviewcoach.v1.ResumeService"])
            let server = GRPCServer(
                transport: MeshTransport.server(host: settings.host, port: settings.grpcPort),
                services: [
                    ResumeGRPCService(operations: operations),
                    HealthGRPCService(statuses: statuses) { (try? await operations.ping()) != nil },
                ])
            services.append(GRPCServerService(server: server))
            logger.info("grpc server starting", metadata: ["grpc_port": "\(settings.grpcPort)", "data_dir": "\(settings.dataDir)"])
        }
        if settings.role.runsEdge {
            let resumeAddresses =
                settings.role == .all
                ? [ServiceAddress(host: "127.0.0.1", port: settings.grpcPort)]
                : try settings.addresses(settings.resumeAddr, option: "--resume-addr")
            let resumeClient = try MeshTransport.client(addresses: resumeAddresses)
            services.append(GRPCClientService(client: resumeClient))
            services.append(
                buildEdgeApplication(
                    host: settings.host, port: settings.httpPort, upstreams: EdgeUpstreams(resume: resumeClient),
                    logger: logger))
            logger.info(
                "edge starting",
                metadata: ["http_port": "\(settings.httpPort)", "resume_addr": "\(resumeAddresses.map(\.description).joined(separator: ","))"])
        }

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
