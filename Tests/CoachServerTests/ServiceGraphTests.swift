import CoachBuiltin
import CoachCore
import CoachLLM
import CoachServer
import CoachStore
import Foundation
import Logging
import Testing

@Suite struct ServerConfigurationTests {
    @Test func flagsWinOverTheEnvironmentWhichWinsOverDefaults() throws {
        var flags = ServerConfiguration.Flags()
        flags.httpPort = 9000
        let configuration = try ServerConfiguration(
            flags: flags,
            environment: ["COACH_HTTP_PORT": "9100", "COACH_GRPC_PORT": "50100", "OPENAI_API_KEY": "k", "HOME": "/root"])
        #expect(configuration.httpPort == 9000)
        #expect(configuration.grpcPort == 50100)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.role == .all)
        // Only the provider variables travel on to the provider chain.
        #expect(configuration.providerEnvironment == ["OPENAI_API_KEY": "k"])
    }

    @Test func withoutKeysOnlyLoopbackIsServedUnlessToldOtherwise() throws {
        var flags = ServerConfiguration.Flags()
        flags.host = "0.0.0.0"
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(flags: flags, environment: [:]) }
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration(flags: flags, environment: ["COACH_ADMIN_KEY": "too-short"])
        }
        let keyed = try ServerConfiguration(flags: flags, environment: ["COACH_ADMIN_KEY": "a-long-enough-admin-key"])
        #expect(keyed.keysEnforced)
        flags.insecureNoAuth = true
        #expect(try !ServerConfiguration(flags: flags, environment: [:]).keysEnforced)
        for host in ["127.0.0.1", "127.8.9.10", "localhost", "::1"] {
            flags = ServerConfiguration.Flags()
            flags.host = host
            #expect(try ServerConfiguration(flags: flags, environment: [:]).host == host)
        }
        for host in ["127.evil.example", "10.0.0.1", "::", ""] {
            #expect(!ServerConfiguration.isLoopback(host))
        }
    }

    @Test(arguments: [
        (["COACH_ROLE": "worker"], "REDIS_URL"),
        (["COACH_ROLE": "edge"], "--resume-addr"),
        (["COACH_ROLE": "resume"], "--interview-addr"),
        (["COACH_ROLE": "interview"], "--resume-addr"),
        (["COACH_ROLE": "chef"], "COACH_ROLE"),
        (["COACH_HTTP_PORT": "80000"], "COACH_HTTP_PORT"),
        (["RESUME_ADDR": "nowhere"], "--resume-addr"),
    ])
    func whatARoleLacksIsRefusedNamingIt(environment: [String: String], named: String) {
        do {
            _ = try ServerConfiguration(flags: .init(), environment: environment)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains(named), "\(error)")
        }
    }
}

@Suite struct ServiceGraphTests {
    func backends() throws -> Backends {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("graph-\(UUID().uuidString).sqlite").path
        return .embedded(database: try SQLiteDatabase(path: path, logger: Logger(label: "test")))
    }

    func configuration(_ role: Role) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.role = role
        configuration.grpcPort = 0
        configuration.resumeAddresses = [.init(host: "127.0.0.1", port: 1)]
        configuration.interviewAddresses = [.init(host: "127.0.0.1", port: 1)]
        configuration.learningAddresses = [.init(host: "127.0.0.1", port: 1)]
        return configuration
    }

    @Test(arguments: [
        (Role.all, [
            "interviewcoach.v1.InterviewService", "interviewcoach.v1.LearningService", "interviewcoach.v1.TaskService", "interviewcoach.v1.OperationsService",
            "interviewcoach.v1.PracticeService", "interviewcoach.v1.ProviderService", "interviewcoach.v1.ResumeService",
            "interviewcoach.v1.AdminService",
        ], true),
        (.resume, ["interviewcoach.v1.ResumeService", "interviewcoach.v1.AdminService"], false),
        (
            .interview,
            [
                "interviewcoach.v1.InterviewService", "interviewcoach.v1.TaskService", "interviewcoach.v1.OperationsService", "interviewcoach.v1.PracticeService",
                "interviewcoach.v1.ProviderService",
            ], false
        ),
        (.learning, ["interviewcoach.v1.LearningService", "interviewcoach.v1.TaskService", "interviewcoach.v1.OperationsService", "interviewcoach.v1.ProviderService"], false),
        (.edge, [], true),
    ])
    func eachRoleServesItsServices(role: Role, served: [String], edge: Bool) throws {
        let graph = try ServiceGraph(
            configuration: configuration(role),
            parts: .init(backends: role == .edge ? nil : try backends(), registry: ProviderRegistry(providers: [BuiltinProvider()])),
            logger: Logger(label: "test"))
        #expect(graph.servedServices == served)
        #expect((graph.edgeRouter != nil) == edge)
        #expect((graph.grpcTransport == nil) == (role == .edge))
    }

    @Test func aGeneratingRoleWithoutProvidersIsRefused() throws {
        #expect(throws: ConfigurationError.self) {
            _ = try ServiceGraph(configuration: configuration(.interview), parts: .init(backends: try backends(), registry: nil), logger: Logger(label: "test"))
        }
    }
}
