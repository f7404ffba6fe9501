import ArgumentParser
import CoachBuiltin
import CoachLLM
import CoachServer
import CoachStore
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// What metrics and traces cost a REST GET, measured in one process: five `serve` graphs (role
/// `all`, embedded SQLite, assembled as `serve` assembles them) — everything off twice, metrics
/// on, traces on, both — each on its own HTTP port, take turns under `wrk`; the figure is this
/// process's CPU time per GET served. In one process every setup runs on the same threads and
/// allocator, so two setups differ by their configuration, not by where a process's memory and
/// threads landed (two identical `serve` processes differ by up to ±10 % on this VM). Whether a
/// traced request is recorded is its caller's decision (parent-based sampling): the load sends
/// every setup a `traceparent` whose flag is `01` (recorded, as at sampling 1.0) or `00` (not
/// recorded, as 99 requests in 100 at 0.01). Prints one JSON object per setup.
struct OneProcess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observability-in-one-process",
        abstract: "CPU per REST GET with metrics and traces on and off, serve graphs taking turns in this process (bench/README.md).")

    @Option(help: "The resume to register on every graph (a JSON file).") var fixture: String
    @Option(help: "Seconds of each wrk run.") var seconds = 1
    @Option(help: "Rounds: every setup runs once a round, in an order rotated each round.") var rounds = 30
    @Option(help: "wrk connections.") var connections = 32
    @Option(help: "Folder for the graphs' databases.") var dataDir: String
    @Option(help: "Only these setups, by their place in the output (0-based, comma-separated): to profile one.") var only: String?
    @Flag(help: "Run every task on NIO's event loops (NIOSingletons' executor take-over), not on Swift's default global executor.")
    var eventLoopExecutor = false
    @Flag(help: "Also print, each run, the threads of each kind and their voluntary/involuntary context switches per GET (stderr).")
    var threadSwitches = false

    struct Setup: Sendable {
        var name: String
        var graph: Int
        var recorded: Bool
    }

    struct Figures: Encodable {
        var setup: String
        var cpuMicrosecondsPerGET: Double
        var cpuRatio: String
        var requestsPerSecond: Double
        var throughputRatio: String
        var contextSwitchesPerGET: Double
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // First, before the graphs start tasks of their own.
        if eventLoopExecutor, !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            throw ValidationError("NIO's event loops could not be installed as the global executor")
        }
        guard TraceExport.isRequested(by: environment) else {
            throw ValidationError("set OTEL_EXPORTER_OTLP_ENDPOINT (and OTEL_TRACES_SAMPLER=parentbased_traceidratio): the traced graphs export there")
        }
        var logger = Logger(label: "coach-bench")
        logger.logLevel = .warning
        let exposition = MetricsExposition(registry: PrometheusCollectorRegistry())
        MetricsSystem.bootstrap(MetricsExposition.factory(registry: exposition.registry))
        let exporter = try TraceExport.bootstrap(serviceName: "coach-bench", logger: logger)

        var services: [any Service] = [exporter]
        var ports: [Int] = []
        // The graphs by (metrics, traces): off, metrics, traces, both, and off again (the second
        // baseline, whose distance from the first is the method's noise).
        for (index, (metrics, tracing)) in [(false, false), (true, false), (false, true), (true, true), (false, false)].enumerated() {
            var configuration = ServerConfiguration()
            configuration.host = "127.0.0.1"
            configuration.httpPort = try freePort()
            configuration.grpcPort = 0
            configuration.tracing = tracing
            configuration.workerConcurrency = 16
            let database = try SQLiteDatabase(path: "\(dataDir)/graph-\(index).sqlite", logger: logger)
            let graph = try ServiceGraph(
                configuration: configuration,
                parts: .init(
                    backends: .embedded(database: database), registry: ProviderRegistry(providers: [BuiltinProvider()]),
                    metrics: metrics ? exposition : nil),
                logger: logger)
            services += try graph.processServices(logger: logger)
            ports.append(configuration.httpPort)
        }
        let setups = [
            Setup(name: "metrics off, no traces (baseline, graph A)", graph: 0, recorded: false),
            Setup(name: "metrics off, no traces (baseline, graph B)", graph: 4, recorded: false),
            Setup(name: "metrics on", graph: 1, recorded: false),
            Setup(name: "traces, not recorded (0.01)", graph: 2, recorded: false),
            Setup(name: "traces, recorded (1.0)", graph: 2, recorded: true),
            Setup(name: "metrics on, traces not recorded (0.01)", graph: 3, recorded: false),
            Setup(name: "metrics on, traces recorded (1.0)", graph: 3, recorded: true),
        ]
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var paths: [String] = []
            for port in ports {
                try await waitUntilReady(port)
                let created = try await offloaded { try shell(["curl", "-sf", "-H", "Content-Type: application/json", "--data-binary", "@\(fixture)", "http://127.0.0.1:\(port)/api/v1/resumes"]) }
                guard let object = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any], let key = object["unique_key"] as? String else {
                    throw ValidationError("the resume was not created: \(created)")
                }
                let path = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? key
                paths.append("http://127.0.0.1:\(port)/api/v1/resumes/\(path)")
            }
            let urls = paths
            for setup in setups where only == nil { _ = try await offloaded { try load(urls[setup.graph], recorded: setup.recorded, seconds: 1) } }  // warm-up
            var cpu: [[Double]] = Array(repeating: [], count: setups.count)
            var rate: [[Double]] = Array(repeating: [], count: setups.count)
            var switches: [[Double]] = Array(repeating: [], count: setups.count)
            for round in 0..<rounds {
                let order = Array(setups.indices.dropFirst(round % setups.count)) + Array(setups.indices.prefix(round % setups.count))
                let chosen = only.map { $0.split(separator: ",").compactMap { Int($0) } }
                for index in round % 2 == 0 ? order : order.reversed() where chosen?.contains(index) ?? true {
                    // Read first, so that reading /proc is not counted as the run's CPU.
                    let threadsBefore = threadSwitches ? switchesByThreadKind() : [:]
                    let before = processCPU()
                    let switchesBefore = contextSwitches()
                    let (requests, perSecond) = try await offloaded { try load(urls[setups[index].graph], recorded: setups[index].recorded, seconds: seconds) }
                    cpu[index].append((processCPU() - before) * 1e6 / Double(max(requests, 1)))
                    switches[index].append(Double(contextSwitches() - switchesBefore) / Double(max(requests, 1)))
                    if threadSwitches {
                        var line = "round \(round) setup \(index):"
                        for (kind, after) in switchesByThreadKind().sorted(by: { $0.key < $1.key }) {
                            let before = threadsBefore[kind] ?? ThreadSwitches()
                            let perGET = { (value: Int) in Double(value) / Double(max(requests, 1)) }
                            line += String(
                                format: " %@×%d=%.2f/%.2f", kind, after.threads, perGET(after.voluntary - before.voluntary),
                                perGET(after.involuntary - before.involuntary))
                        }
                        FileHandle.standardError.write(Data((line + "\n").utf8))
                    }
                    rate[index].append(perSecond)
                }
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            /// The median of the round-by-round ratios to the mean of the two baselines in the same
            /// round, with their interquartile range.
            func paired(_ values: [Double], _ baselines: ([Double], [Double])) -> String {
                let ratios = zip(values, zip(baselines.0, baselines.1)).map { $0 / (($1.0 + $1.1) / 2) }.sorted()
                guard !ratios.isEmpty else { return "-" }
                return String(format: "%.2f (%.2f–%.2f)", median(ratios), ratios[ratios.count / 4], ratios[ratios.count * 3 / 4])
            }
            for index in setups.indices where !cpu[index].isEmpty {
                try emit(
                    Figures(
                        setup: setups[index].name, cpuMicrosecondsPerGET: median(cpu[index]), cpuRatio: paired(cpu[index], (cpu[0], cpu[1])),
                        requestsPerSecond: median(rate[index]), throughputRatio: paired(rate[index], (rate[0], rate[1])),
                        contextSwitchesPerGET: median(switches[index])))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Runs wrk on `url`; the requests it completed and its rate.
    func load(_ url: String, recorded: Bool, seconds: Int) throws -> (Int, Double) {
        let flag = recorded ? "01" : "00"
        let output = try shell([
            "wrk", "-t1", "-c\(connections)", "-d\(seconds)s", "-H", "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-\(flag)", url,
        ])
        let words = output.split(whereSeparator: \.isWhitespace)
        guard let at = words.firstIndex(of: "requests"), at > 0, let requests = Int(words[at - 1]),
            let rateAt = words.firstIndex(of: "Requests/sec:"), let perSecond = Double(words[rateAt + 1])
        else { throw ValidationError("wrk said: \(output)") }
        return (requests, perSecond)
    }

    func waitUntilReady(_ port: Int) async throws {
        for _ in 0..<200 {
            if (try? await offloaded({ try shell(["curl", "-sf", "http://127.0.0.1:\(port)/readyz"]) })) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ValidationError("port \(port) never became ready")
    }
}

/// This process's user and system CPU seconds so far, all threads.
func processCPU() -> Double {
    let usage = resourceUsage()
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// This process's context switches so far, voluntary and not, all threads.
func contextSwitches() -> Int {
    let usage = resourceUsage()
    return usage.ru_nvcsw + usage.ru_nivcsw
}

private func resourceUsage() -> rusage {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage
}

/// Runs a command, returning its standard output; throws when it fails.
func shell(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw ValidationError("\(arguments[0]) exited \(process.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}

/// A TCP port free on loopback now.
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw ValidationError("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The threads of one kind and their context switches so far.
struct ThreadSwitches {
    var threads = 0
    var voluntary = 0
    var involuntary = 0
}

/// This process's threads by kind — their name with digits folded (`NIO-ELT-0-#1` → `NIO-ELT-N-#N`;
/// Swift's global executor's threads are libdispatch's `com.apple.root.default-qos`, shown by the
/// kernel as its last 15 characters) — read from `/proc/self/task`. A thread that ends between two
/// readings takes its switches with it, so a kind's difference can then come out low.
func switchesByThreadKind() -> [String: ThreadSwitches] {
    var kinds: [String: ThreadSwitches] = [:]
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return kinds }
    for task in tasks {
        guard let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8) else { continue }
        var kind = "?"
        var voluntary = 0
        var involuntary = 0
        for line in status.split(separator: "\n") {
            let value = line.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? ""
            if line.hasPrefix("Name:") { kind = value.replacingOccurrences(of: #"[0-9]+"#, with: "N", options: .regularExpression) }
            if line.hasPrefix("voluntary_ctxt_switches:") { voluntary = Int(value) ?? 0 }
            if line.hasPrefix("nonvoluntary_ctxt_switches:") { involuntary = Int(value) ?? 0 }
        }
        var sum = kinds[kind] ?? ThreadSwitches()
        sum.threads += 1
        sum.voluntary += voluntary
        sum.involuntary += involuntary
        kinds[kind] = sum
    }
    return kinds
}

/// Runs blocking work (a child process) on NIO's thread pool, never on a thread that runs tasks:
/// with `--event-loop-executor` those are the event loops that serve the graphs, and a blocked one
/// would stall the very requests it waits for.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}
