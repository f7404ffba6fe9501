@testable import CoachTracing
import Testing

/// The standard `OTEL_*` variables, read once at start: what they may say, and clear refusals of
/// what this exporter does not do.
@Suite struct TraceSettingsTests {
    static func settings(_ environment: [String: String]) throws -> TraceSettings {
        try TraceSettings(environment: environment, defaultServiceName: "interview-coach-all")
    }

    @Test(arguments: [
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"], "http://collector:4318/v1/traces"),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/otlp/"], "https://collector:4318/otlp/v1/traces"),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:2/custom"], "http://b:2/custom"),
    ])
    func theTracesEndpointIsTheSignalsOwnOrTheBaseWithItsPath(environment: [String: String], endpoint: String) throws {
        #expect(try Self.settings(environment).endpoint.absoluteString == endpoint)
    }

    @Test func headersAreDecodedAndTheTraceSpecificVariablesWin() throws {
        let settings = try Self.settings([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-ignored=1",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization=Bearer%20abc, x-tenant = blue=green",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_BSP_SCHEDULE_DELAY": "200",
        ])
        #expect(settings.headers.map(\.name) == ["authorization", "x-tenant"])
        #expect(settings.headers.map(\.value) == ["Bearer abc", "blue=green"])
        #expect(settings.requestTimeout == .milliseconds(2500) && settings.scheduleDelay == .milliseconds(200))
        #expect(settings.maxQueueSize == 2048 && settings.maxExportBatchSize == 512 && settings.exportTimeout == .seconds(30))
    }

    @Test(arguments: [
        ([:], "interview-coach-all", "deployment.environment", nil as String?),
        (["OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource,deployment.environment=prod%20eu"], "from-resource", "deployment.environment", "prod eu"),
        (["OTEL_SERVICE_NAME": "named", "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource"], "named", "service.name", "named"),
    ])
    func theServiceNameIsTheVariableThenTheResourceAttributeThenTheRolesDefault(
        extra: [String: String], serviceName: String, key: String, value: String?
    ) throws {
        let resource = try Self.settings(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"].merging(extra) { $1 }).resource
        #expect(resource.filter { $0.0 == "service.name" }.map(\.1) == [serviceName])
        #expect(resource.first { $0.0 == key }?.1 == value)
    }

    @Test(arguments: [
        [:],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://collector"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "zipkin"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_HEADERS": "no-value"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_TIMEOUT": "-1"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_BSP_MAX_QUEUE_SIZE": "10", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "20"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/etc/cert.pem"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "jaeger_remote"],
    ])
    func refusesWhatItCannotDoWithAClearError(environment: [String: String]) {
        #expect(throws: TraceSettingsError.self) { try Self.settings(environment) }
    }

    @Test(arguments: [
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"], true),
        (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"], true),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": " "], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"], false),
        ([:], false),
    ])
    func tracesAreOnOnlyWhenAnEndpointIsNamedAndNothingTurnsThemOff(environment: [String: String], on: Bool) {
        #expect(TraceSettings.areRequested(by: environment) == on)
    }

    @Test(arguments: [
        ([:], 1.0), (["OTEL_TRACES_SAMPLER": "always_off"], 0.0), (["OTEL_TRACES_SAMPLER": "parentbased_always_off"], 0.0),
        (["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.01"], 0.01),
        (["OTEL_TRACES_SAMPLER": "TraceIdRatio", "OTEL_TRACES_SAMPLER_ARG": " 0.5 "], 0.5),
        (["OTEL_TRACES_SAMPLER": "traceidratio"], 1.0),
    ])
    func readsTheSamplerVariables(environment: [String: String], ratio: Double) throws {
        #expect(try HeadSampling(environment: environment).ratio == ratio)
    }

    @Test(arguments: [
        ["OTEL_TRACES_SAMPLER": "jaeger_remote"], ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"],
        ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"],
    ])
    func refusesSamplersItCannotRun(environment: [String: String]) {
        #expect(throws: TraceSettingsError.self) { try HeadSampling(environment: environment) }
    }
}
