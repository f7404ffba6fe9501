import CoachMesh
import Foundation
import Logging

/// Which parts of the system a process runs.
public enum Role: String, Sendable, CaseIterable {
    /// Everything in one process on the embedded defaults.
    case all
    /// ResumeService; deletes a resume's generated data through the interview and learning roles.
    case resume
    /// InterviewService + its TaskService (+ ProviderService), with an in-process worker unless
    /// the job queue is shared (Redis).
    case interview
    /// LearningService + its TaskService (+ ProviderService), with an in-process worker unless
    /// the job queue is shared (Redis).
    case learning
    /// Runs background jobs from the shared (Redis) queue; serves gRPC health and ProviderService.
    case worker
    /// The REST/SSE edge over the other roles.
    case edge

    var runsResume: Bool { self == .all || self == .resume }
    var runsInterview: Bool { self == .all || self == .interview || self == .worker }
    var runsLearning: Bool { self == .all || self == .learning || self == .worker }
    /// Whether the process generates (and so needs the provider chain).
    public var runsGeneration: Bool { runsInterview || runsLearning }
    var runsEdge: Bool { self == .all || self == .edge }
    /// Whether the process opens the document stores.
    public var needsDatabase: Bool { runsResume || runsGeneration }
}

/// A start-up refusal: one line for the operator, naming the flag or variable to fix.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// Everything a process is told, read once from its flags and environment and checked before
/// anything starts. `serve` builds it from the command line; tests build it with the defaults.
public struct ServerConfiguration: Sendable {
    /// The command-line flags; `nil` means "not given" (the environment, then the default).
    public struct Flags: Sendable {
        public var role: Role?
        public var host: String?
        public var httpPort: Int?
        public var grpcPort: Int?
        public var dataDir: String?
        public var resumeAddr: String?
        public var interviewAddr: String?
        public var learningAddr: String?
        public var workerConcurrency: Int?
        public var jobTimeout: Int?
        public var sseHeartbeat: Int?
        public var insecureNoAuth = false
        public var tlsCert: String?
        public var tlsKey: String?
        public var metricsPort: Int?

        public init() {}
    }

    public var role: Role = .all
    /// Loopback by default: without keys nothing else may listen (`check()`).
    public var host: String = "127.0.0.1"
    public var httpPort: Int = 8080
    /// 0 picks a free port (tests).
    public var grpcPort: Int = 50051
    public var dataDir: String = "./data"
    public var resumeAddresses: [ServiceAddress]?
    public var interviewAddresses: [ServiceAddress]?
    public var learningAddresses: [ServiceAddress]?
    public var workerConcurrency: Int = 32
    /// Seconds a background job may take.
    public var jobTimeout: Int = 120
    /// Seconds between SSE heartbeats.
    public var sseHeartbeat: Int = 15
    public var builtinLatency: Duration = .zero
    /// Seconds before a Redis job held by a silent worker goes to another one.
    public var jobLease: Int = 30
    public var mongoDB: (uri: String, database: String)?
    public var redisURL: String?
    /// The provider variables (`LLM_*`, `OPENAI_*`, …), for `LLMEnvironment`.
    public var providerEnvironment: [String: String] = [:]
    /// `LOG_LEVEL` (trace…critical) and `LOG_FORMAT` (`json`, or `text` for plain lines).
    public var logLevel: Logger.Level = .info
    public var logAsText = false
    /// `COACH_ADMIN_KEY`: keys are enforced when it is set; it is a key with every scope and the
    /// credential roles call each other with.
    public var adminKey: String?
    /// `COACH_KEY_PEPPER`, else the admin key: the secret stored keys are hashed with.
    public var keyPepper: String?
    /// `--insecure-no-auth`: serve without keys on a non-loopback address.
    public var insecureNoAuth = false
    /// `COACH_ALLOWED_HOSTS`: `Host` names the edge answers to besides the loopback names (a
    /// loopback-bound edge answers to nothing else; with this unset, any other edge answers all).
    public var allowedHosts: [String] = []
    /// `COACH_SSE_MAX_STREAMS` per edge, `COACH_SSE_MAX_LIFETIME` seconds per stream.
    public var sseMaxStreams = 10_000
    public var sseMaxLifetime = 3600
    /// `--tls-cert`/`--tls-key` (`COACH_TLS_CERT`/`COACH_TLS_KEY`): HTTPS on the edge and TLS on the
    /// gRPC port; `COACH_TLS_CA`: TLS to the other roles, verified against it;
    /// `COACH_TLS_CLIENT_AUTH=require`: mTLS (clients need a certificate from that CA).
    public var tls = MeshTLS()
    /// `COACH_MAX_QUEUED_JOBS`: new background tasks are refused (503) while this many wait.
    public var maxQueuedJobs = 10_000
    /// `--metrics-port` (`COACH_METRICS_PORT`): a listener serving only `/metrics`, on `host`.
    /// Off by default; `serve`'s edge serves `/metrics` on its own port too.
    public var metricsPort: Int?
    /// `COACH_METRICS=off`: no metrics are collected and `/metrics` is not served (the
    /// benchmarks' baseline; on by default).
    public var metricsEnabled = true
    /// OpenTelemetry traces are exported: the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or
    /// `…_TRACES_ENDPOINT`) is set (`TraceExport.isRequested`).
    public var tracing = false

    public init() {}

    /// Whether API keys are enforced.
    public var keysEnforced: Bool { adminKey != nil }

    public init(flags: Flags, environment: [String: String]) throws {
        func value(_ flag: String?, _ name: String) -> String? {
            flag ?? environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        func number(_ flag: Int?, _ name: String, option: String, range: ClosedRange<Int>, default fallback: Int) throws -> Int {
            if let flag {
                guard range.contains(flag) else { throw ConfigurationError("\(option) must be \(range.lowerBound)-\(range.upperBound)") }
                return flag
            }
            guard let text = value(nil, name) else { return fallback }
            guard let parsed = Int(text), range.contains(parsed) else {
                throw ConfigurationError("\(name) must be a number \(range.lowerBound)-\(range.upperBound)")
            }
            return parsed
        }
        func addresses(_ flag: String?, _ name: String, option: String) throws -> [ServiceAddress]? {
            guard let text = value(flag, name) else { return nil }
            do {
                return try ServiceAddress.parseList(text, option: option)
            } catch let error as AddressError {
                throw ConfigurationError(error.message)
            }
        }

        if let flag = flags.role {
            role = flag
        } else if let text = value(nil, "COACH_ROLE") {
            guard let parsed = Role(rawValue: text) else {
                throw ConfigurationError("COACH_ROLE must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            role = parsed
        }
        host = value(flags.host, "COACH_HOST") ?? host
        httpPort = try number(flags.httpPort, "COACH_HTTP_PORT", option: "--http-port", range: 1...65535, default: httpPort)
        grpcPort = try number(flags.grpcPort, "COACH_GRPC_PORT", option: "--grpc-port", range: 1...65535, default: grpcPort)
        dataDir = value(flags.dataDir, "COACH_DATA_DIR") ?? dataDir
        resumeAddresses = try addresses(flags.resumeAddr, "RESUME_ADDR", option: "--resume-addr")
        interviewAddresses = try addresses(flags.interviewAddr, "INTERVIEW_ADDR", option: "--interview-addr")
        learningAddresses = try addresses(flags.learningAddr, "LEARNING_ADDR", option: "--learning-addr")
        workerConcurrency = try number(
            flags.workerConcurrency, "COACH_WORKER_CONCURRENCY", option: "--worker-concurrency", range: 1...4096,
            default: workerConcurrency)
        jobTimeout = try number(flags.jobTimeout, "COACH_JOB_TIMEOUT", option: "--job-timeout", range: 1...3600, default: jobTimeout)
        sseHeartbeat = try number(
            flags.sseHeartbeat, "COACH_SSE_HEARTBEAT", option: "--sse-heartbeat", range: 1...300, default: sseHeartbeat)
        builtinLatency = .milliseconds(
            try number(nil, "COACH_BUILTIN_LATENCY_MS", option: "", range: 0...600_000, default: 0))
        jobLease = try number(nil, "COACH_JOB_LEASE", option: "", range: 1...3600, default: jobLease)
        if let uri = value(nil, "MONGODB_URI") {
            mongoDB = (uri, value(nil, "MONGODB_DATABASE") ?? "interview_coach")
        }
        redisURL = value(nil, "REDIS_URL")
        if let text = value(nil, "LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError("LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            logLevel = level
        }
        if let text = value(nil, "LOG_FORMAT") {
            guard ["json", "text"].contains(text.lowercased()) else { throw ConfigurationError("LOG_FORMAT must be json or text") }
            logAsText = text.lowercased() == "text"
        }
        allowedHosts = (value(nil, "COACH_ALLOWED_HOSTS") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }.filter { !$0.isEmpty }
        sseMaxStreams = try number(nil, "COACH_SSE_MAX_STREAMS", option: "", range: 1...1_000_000, default: sseMaxStreams)
        sseMaxLifetime = try number(nil, "COACH_SSE_MAX_LIFETIME", option: "", range: 10...86_400, default: sseMaxLifetime)
        maxQueuedJobs = try number(nil, "COACH_MAX_QUEUED_JOBS", option: "", range: 1...10_000_000, default: maxQueuedJobs)
        switch value(nil, "COACH_METRICS")?.lowercased() {
        case nil, "on": metricsEnabled = true
        case "off": metricsEnabled = false
        default: throw ConfigurationError("COACH_METRICS must be on or off")
        }
        tracing = TraceExport.isRequested(by: environment)
        if flags.metricsPort != nil || value(nil, "COACH_METRICS_PORT") != nil {
            guard metricsEnabled else { throw ConfigurationError("--metrics-port (COACH_METRICS_PORT) needs metrics: COACH_METRICS is off") }
            metricsPort = try number(flags.metricsPort, "COACH_METRICS_PORT", option: "--metrics-port", range: 1...65535, default: 9464)
        }
        tls = MeshTLS(
            certificateFile: value(flags.tlsCert, "COACH_TLS_CERT"), keyFile: value(flags.tlsKey, "COACH_TLS_KEY"),
            caFile: value(nil, "COACH_TLS_CA"))
        if let mode = value(nil, "COACH_TLS_CLIENT_AUTH") {
            guard ["require", "none"].contains(mode) else { throw ConfigurationError("COACH_TLS_CLIENT_AUTH must be require or none") }
            tls.requireClientCertificates = mode == "require"
        }
        if let verify = value(nil, "COACH_TLS_VERIFY_HOSTNAME") {
            guard ["true", "false"].contains(verify) else { throw ConfigurationError("COACH_TLS_VERIFY_HOSTNAME must be true or false") }
            tls.verifyHostname = verify == "true"
        }
        adminKey = value(nil, "COACH_ADMIN_KEY")
        keyPepper = value(nil, "COACH_KEY_PEPPER")
        insecureNoAuth = flags.insecureNoAuth
        providerEnvironment = environment.filter { key, _ in
            ["LLM_", "OPENAI_", "ANTHROPIC_", "CLAUDE_", "GEMINI_", "COMPATIBLE_"].contains { key.hasPrefix($0) }
        }
        try check()
    }

    /// The rules between settings: what each role needs to be told.
    public func check() throws {
        do {
            try tls.check(.serve)
        } catch {
            throw ConfigurationError(error.description)
        }
        if tls.requireClientCertificates && (tls.caFile == nil || !tls.serves) {
            throw ConfigurationError("COACH_TLS_CLIENT_AUTH=require needs COACH_TLS_CA and --tls-cert/--tls-key")
        }
        if let adminKey, adminKey.utf8.count < 16 || adminKey.contains(where: { $0.isWhitespace }) {
            throw ConfigurationError("COACH_ADMIN_KEY must be at least 16 characters without spaces")
        }
        // Redis's protected mode: with no key, only loopback listeners, unless told otherwise.
        if !keysEnforced && !insecureNoAuth && !Self.isLoopback(host) {
            throw ConfigurationError(
                "refusing to serve without API keys on \(host): set COACH_ADMIN_KEY (docs/SECURITY.md), "
                    + "bind to 127.0.0.1, or pass --insecure-no-auth")
        }
        if role == .worker && redisURL == nil {
            throw ConfigurationError("role worker needs REDIS_URL (without it every generation role runs its own worker)")
        }
        _ = try needed(resumeAddresses, for: role == .edge || role == .interview || role == .learning || role == .worker, "--resume-addr")
        _ = try needed(interviewAddresses, for: role == .edge || role == .resume, "--interview-addr")
        _ = try needed(learningAddresses, for: role == .edge || role == .resume, "--learning-addr")
    }

    /// `addresses` when `required`; a missing required list is a refusal naming `option`.
    func needed(_ addresses: [ServiceAddress]?, for required: Bool, _ option: String) throws -> [ServiceAddress]? {
        guard required else { return nil }
        guard let addresses else { throw ConfigurationError("role \(role.rawValue) needs \(option) (or its environment variable)") }
        return addresses
    }

    /// The `Host` names the edge answers to: loopback names (+ `allowedHosts`) when bound to
    /// loopback, `allowedHosts` when given, otherwise any.
    public var edgeAllowedHosts: Set<String>? {
        if Self.isLoopback(host) { return Set(["localhost", "127.0.0.1", "[::1]"]).union(allowedHosts) }
        return allowedHosts.isEmpty ? nil : Set(allowedHosts)
    }

    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        return octets.count == 4 && octets.allSatisfy { $0 != nil } && octets[0] == 127
    }

    /// Whether jobs go through a queue shared by processes (Redis): then only `worker` (and
    /// `all`) processes consume it.
    public var sharedQueue: Bool { redisURL != nil }
}
