import CoachCore
import CoachJobs
import CoachLLM
import Foundation
import Hummingbird
import Logging
import Prometheus

/// A process's metrics as Prometheus text (docs/OPERATIONS.md, "Metrics"): what swift-metrics
/// collected in `registry`, the values read at scrape time (queue depth, pending and dead-lettered
/// jobs, the oldest job's age, each provider's breaker) and the process's own resources.
public struct MetricsExposition: Sendable {
    public let registry: PrometheusCollectorRegistry
    var queue: (any JobQueue)?
    var kinds: [TaskKind] = []
    var providers: ProviderRegistry?

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The histogram buckets for durations that run to minutes (LLM calls, task stages, time
    /// queued); everything else keeps swift-prometheus's 5 ms-10 s.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let long: [Duration] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300].map { .milliseconds(Int64($0 * 1000)) }
        for name in ["coach_llm_call_duration_seconds", "coach_task_stage_duration_seconds", "coach_task_queue_wait_seconds"] {
            factory.durationHistogramBuckets[name] = long
        }
        return factory
    }

    static var queueJobs: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "coach_queue_jobs", unitName: "", helpText: "Jobs in the queue by state: waiting, pending (delivered, not acknowledged), dead_lettered.")
    }
    static var oldestJobAge: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "coach_queue_oldest_job_age", unitName: "seconds", helpText: "Age of the oldest job not yet acknowledged (0 when none).")
    }
    static var breakerState: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "coach_llm_breaker_state", unitName: "", helpText: "Circuit breaker of a provider: 0 closed, 1 half-open, 2 open.")
    }

    public func render() async -> String {
        if let queue {
            for kind in kinds {
                guard let counts = try? await queue.counts(kind: kind) else { continue }
                for (state, value) in [("waiting", counts.waiting), ("pending", counts.pending), ("dead_lettered", counts.deadLettered)] {
                    registry.makeGauge(descriptor: Self.queueJobs, labels: [("kind", kind.rawValue), ("state", state)]).set(Double(value))
                }
                let age = counts.oldestAge.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 0
                registry.makeGauge(descriptor: Self.oldestJobAge, labels: [("kind", kind.rawValue)]).set(age)
            }
        }
        if let providers {
            for status in await providers.statuses() {
                let value: Double =
                    switch status.breaker.state {
                    case .closed: 0
                    case .halfOpen: 1
                    case .open: 2
                    }
                registry.makeGauge(descriptor: Self.breakerState, labels: [("provider", status.name)]).set(value)
            }
        }
        return registry.emitToString() + ProcessMetrics.read().text
    }
}

/// The process's CPU, memory, open files and start time from `/proc/self` (Linux), in the names
/// the Prometheus client libraries use.
struct ProcessMetrics {
    var cpuSeconds: Double?
    var residentBytes: Double?
    var virtualBytes: Double?
    var openFiles: Double?
    var startTimeSeconds: Double?

    static func read() -> ProcessMetrics {
        var metrics = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // Fields after the command name (which may hold spaces): state is field 3.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
            if let user = field(14), let system = field(15), ticks > 0 { metrics.cpuSeconds = (user + system) / ticks }
            if let virtual = field(23) { metrics.virtualBytes = virtual }
            if let resident = field(24) { metrics.residentBytes = resident * pageSize }
            if let started = field(22), ticks > 0, let boot = bootTime() { metrics.startTimeSeconds = boot + started / ticks }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            metrics.openFiles = Double(entries.count)
        }
        return metrics
    }

    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    var text: String {
        var text = ""
        func add(_ name: String, _ type: String, _ help: String, _ value: Double?) {
            guard let value else { return }
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        add("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpuSeconds)
        add("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", residentBytes)
        add("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", virtualBytes)
        add("process_open_fds", "gauge", "Number of open file descriptors.", openFiles)
        add("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", startTimeSeconds)
        return text
    }
}

/// The `--metrics-port` listener: `GET /metrics` and nothing else. Unauthenticated, like every
/// Prometheus target: bind it where only the scraper reaches (docs/OPERATIONS.md).
enum MetricsListener {
    static func application(_ exposition: MetricsExposition, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: await exposition.render())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "interview-coach-metrics"), logger: logger)
    }
}
