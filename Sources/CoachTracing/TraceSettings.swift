import Foundation

/// The `OTEL_*` variables of a process whose traces are exported, read and checked once at start.
public struct TraceSettings: Sendable {
    /// Where batches are POSTed: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended.
    public var endpoint: URL
    /// `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`: `name=value` pairs, values percent-decoded.
    public var headers: [(name: String, value: String)]
    /// `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT` (ms, default 10 s): one export request's limit.
    public var requestTimeout: Duration
    /// PEM files for TLS: the CA to trust (`…_CERTIFICATE`) and a client certificate and key
    /// (`…_CLIENT_CERTIFICATE`, `…_CLIENT_KEY`).
    public var trustedCAFile: String?
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    /// The resource every span belongs to: `service.name` (`OTEL_SERVICE_NAME`, else the
    /// resource attribute, else the process's default), `OTEL_RESOURCE_ATTRIBUTES`, and what the
    /// process knows of itself.
    public var resource: [(String, String)]
    public var sampling: HeadSampling
    /// The batch span processor's settings (`OTEL_BSP_*`, with the specification's defaults).
    public var scheduleDelay: Duration
    public var exportTimeout: Duration
    public var maxQueueSize: Int
    public var maxExportBatchSize: Int

    /// Whether `environment` asks for traces: `OTEL_EXPORTER_OTLP_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and neither `OTEL_SDK_DISABLED=true` nor
    /// `OTEL_TRACES_EXPORTER=none` turns them off.
    public static func areRequested(by environment: [String: String]) -> Bool {
        let endpoint = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"].contains {
            !(environment[$0]?.trimmed ?? "").isEmpty
        }
        let disabled = environment["OTEL_SDK_DISABLED"]?.trimmed.lowercased() == "true"
        let exporterOff = environment["OTEL_TRACES_EXPORTER"]?.trimmed.lowercased() == "none"
        return endpoint && !disabled && !exporterOff
    }

    public init(environment: [String: String], defaultServiceName: String) throws(TraceSettingsError) {
        func value(_ name: String) -> String? {
            let text = environment[name]?.trimmed ?? ""
            return text.isEmpty ? nil : text
        }
        // A trace-specific variable wins over the general one (the OTLP exporter specification).
        func exporter(_ suffix: String) -> String? { value("OTEL_EXPORTER_OTLP_TRACES_\(suffix)") ?? value("OTEL_EXPORTER_OTLP_\(suffix)") }

        if let exporterName = value("OTEL_TRACES_EXPORTER")?.lowercased(), exporterName != "otlp" {
            throw TraceSettingsError("OTEL_TRACES_EXPORTER \(exporterName) is not supported: otlp (or none to turn traces off)")
        }
        if let proto = exporter("PROTOCOL"), proto != "http/protobuf" {
            throw TraceSettingsError("OTEL_EXPORTER_OTLP_PROTOCOL \(proto) is not supported: traces are exported as http/protobuf")
        }
        if let compression = exporter("COMPRESSION")?.lowercased(), compression != "none" {
            throw TraceSettingsError("OTEL_EXPORTER_OTLP_COMPRESSION \(compression) is not supported: none")
        }

        let endpointText: String
        if let traces = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            endpointText = traces
        } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
            endpointText = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
        } else {
            throw TraceSettingsError("OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is not set")
        }
        guard let url = URL(string: endpointText), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            throw TraceSettingsError("OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT must be an http:// or https:// URL with a host")
        }
        endpoint = url

        headers = try Self.pairs(exporter("HEADERS"), variable: "OTEL_EXPORTER_OTLP_HEADERS").map { (name: $0.0, value: $0.1) }

        func milliseconds(_ text: String?, name: String, default fallback: Int) throws(TraceSettingsError) -> Duration {
            guard let text else { return .milliseconds(fallback) }
            guard let number = Int(text), number > 0 else { throw TraceSettingsError("\(name) must be a positive number of milliseconds") }
            return .milliseconds(number)
        }
        func count(_ name: String, default fallback: Int) throws(TraceSettingsError) -> Int {
            guard let text = value(name) else { return fallback }
            guard let number = Int(text), number > 0 else { throw TraceSettingsError("\(name) must be a positive number") }
            return number
        }
        requestTimeout = try milliseconds(exporter("TIMEOUT"), name: "OTEL_EXPORTER_OTLP_TIMEOUT", default: 10_000)
        scheduleDelay = try milliseconds(value("OTEL_BSP_SCHEDULE_DELAY"), name: "OTEL_BSP_SCHEDULE_DELAY", default: 5_000)
        exportTimeout = try milliseconds(value("OTEL_BSP_EXPORT_TIMEOUT"), name: "OTEL_BSP_EXPORT_TIMEOUT", default: 30_000)
        maxQueueSize = try count("OTEL_BSP_MAX_QUEUE_SIZE", default: 2_048)
        maxExportBatchSize = try count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", default: 512)
        guard maxExportBatchSize <= maxQueueSize else {
            throw TraceSettingsError("OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not exceed OTEL_BSP_MAX_QUEUE_SIZE")
        }

        trustedCAFile = exporter("CERTIFICATE")
        clientCertificateFile = exporter("CLIENT_CERTIFICATE")
        clientKeyFile = exporter("CLIENT_KEY")
        guard (clientCertificateFile == nil) == (clientKeyFile == nil) else {
            throw TraceSettingsError("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY go together")
        }

        var attributes: [(String, String)] = []
        for (key, value) in try Self.pairs(value("OTEL_RESOURCE_ATTRIBUTES"), variable: "OTEL_RESOURCE_ATTRIBUTES") {
            attributes.removeAll { $0.0 == key }  // the last one of a key counts
            attributes.append((key, value))
        }
        let serviceName = value("OTEL_SERVICE_NAME") ?? attributes.first(where: { $0.0 == "service.name" })?.1 ?? defaultServiceName
        attributes.removeAll { $0.0 == "service.name" }
        let known: [(String, String)] = [
            ("service.name", serviceName),
            ("telemetry.sdk.name", "interview-coach"),
            ("telemetry.sdk.language", "swift"),
            ("host.name", ProcessInfo.processInfo.hostName),
        ]
        resource = known.filter { pair in !attributes.contains { $0.0 == pair.0 } } + attributes
        sampling = try HeadSampling(environment: environment)
    }
}

extension TraceSettings {
    /// A `key=value,…` list (the W3C Baggage form the OTLP variables use), values percent-decoded.
    static func pairs(_ list: String?, variable: String) throws(TraceSettingsError) -> [(String, String)] {
        guard let list else { return [] }
        return try list.split(separator: ",").map { member throws(TraceSettingsError) in
            let pair = member.split(separator: "=", maxSplits: 1)
            let key = pair.first.map { String($0).trimmed } ?? ""
            guard pair.count == 2, !key.isEmpty, let decoded = String(pair[1]).trimmed.removingPercentEncoding else {
                throw TraceSettingsError("\(variable) must be a list of key=value pairs")
            }
            return (key, decoded)
        }
    }
}

/// `OTEL_*` variables that do not describe a usable trace exporter.
public struct TraceSettingsError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
