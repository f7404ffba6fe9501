import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces over OTLP/HTTP (swift-otel), configured by the standard `OTEL_*`
/// variables. Off unless an OTLP endpoint is named: then no tracer is installed, no tracing
/// interceptor or middleware runs, and a span costs nothing.
public enum TraceExport {
    /// Whether `environment` asks for traces: `OTEL_EXPORTER_OTLP_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and neither `OTEL_SDK_DISABLED=true` nor
    /// `OTEL_TRACES_EXPORTER=none` turns them off.
    public static func isRequested(by environment: [String: String]) -> Bool {
        let endpoint = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"].contains {
            !(environment[$0] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        }
        let disabled = environment["OTEL_SDK_DISABLED"]?.lowercased() == "true"
        let exporterOff = environment["OTEL_TRACES_EXPORTER"]?.lowercased() == "none"
        return endpoint && !disabled && !exporterOff
    }

    /// Installs the process-wide tracer (once per process: `serve` calls it) and returns the
    /// service that batches and exports spans; it belongs first in the service group, so a
    /// graceful shutdown reaches it last and the final spans are flushed. `serviceName` is the
    /// default of `service.name` (`OTEL_SERVICE_NAME` overrides it); swift-otel's own
    /// diagnostics go to `logger`.
    public static func bootstrap(serviceName: String, logger: Logger) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // The sampling decision is ours (HeadSampledTracer); swift-otel records what reaches it.
        // It reads the variables itself, so they are set to say so before it does.
        let sampling = try HeadSampling(environment: ProcessInfo.processInfo.environment)
        configuration.traces.sampler = .parentBasedAlwaysOn
        setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on", 1)
        unsetenv("OTEL_TRACES_SAMPLER_ARG")
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(HeadSampledTracer(base: backend.factory, sampling: sampling))
            return backend.service
        } catch {
            throw ConfigurationError("the OTEL_* variables do not describe a usable OTLP/HTTP trace exporter: \(error)")
        }
    }

    /// Adds `trace_id` and `span_id` of the current span to every log line.
    public static let logMetadataProvider: Logger.MetadataProvider = OTel.makeLoggingMetadataProvider()
}
