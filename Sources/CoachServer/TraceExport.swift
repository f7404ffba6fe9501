import CoachTracing
import Foundation
import Logging
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces over OTLP/HTTP (CoachTracing), configured by the standard `OTEL_*`
/// variables. Off unless an OTLP endpoint is named: then no tracer is installed, no tracing
/// interceptor or middleware runs, and a span costs nothing.
public enum TraceExport {
    /// Whether `environment` asks for traces (`TraceSettings.areRequested`).
    public static func isRequested(by environment: [String: String]) -> Bool { TraceSettings.areRequested(by: environment) }

    /// Installs the process-wide tracer (once per process: `serve` calls it) and returns the
    /// service that batches and exports spans; it belongs first in the service group, so a
    /// graceful shutdown reaches it last and the final spans are flushed. `serviceName` is the
    /// default of `service.name` (`OTEL_SERVICE_NAME` overrides it); export problems go to `logger`.
    public static func bootstrap(serviceName: String, logger: Logger) throws -> any Service {
        do {
            let settings = try TraceSettings(environment: ProcessInfo.processInfo.environment, defaultServiceName: serviceName)
            let exporter = try SpanExporter(settings: settings, version: "1.0.0", logger: logger)
            InstrumentationSystem.bootstrap(OTLPTracer(sampling: settings.sampling, exporter: exporter))
            return exporter
        } catch {
            throw ConfigurationError("the OTEL_* variables do not describe a usable OTLP/HTTP trace exporter: \(error)")
        }
    }

    /// Adds `trace_id`, `span_id` and `trace_flags` of the current recorded span to every log line.
    public static let logMetadataProvider: Logger.MetadataProvider = .traceIdentity
}
