import ArgumentParser
import CoachProtos
import Foundation

/// `interview-coach providers`: the chain of a running generation role with breaker states.
struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the LLM provider chain of a running server: breaker state, latency, errors.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        let response = try await client.withClient { client in
            try await Interviewcoach_V1_ProviderService.Client(wrapping: client).listProviders(
                Interviewcoach_V1_ListProvidersRequest(), options: ClientOptions.callOptions)
        }
        if json {
            try printJSON(response)
            return
        }
        let header = ["#", "provider", "model", "breaker", "calls", "failures", "in a row", "last ms", "avg ms", "last error"]
        var rows = [header]
        for (index, provider) in response.providers.enumerated() {
            var state = provider.breakerState
            if provider.hasOpenUntil {
                let seconds = max(0, Int(provider.openUntil.date.timeIntervalSinceNow.rounded(.up)))
                state += " (\(seconds)s)"
            }
            rows.append([
                String(index + 1), provider.name, provider.model, state, String(provider.calls), String(provider.failures),
                String(provider.consecutiveFailures), provider.calls > 0 ? String(provider.lastLatencyMs) : "-",
                provider.calls > 0 ? String(format: "%.0f", provider.averageLatencyMs) : "-",
                provider.lastErrorCode.isEmpty ? "-" : provider.lastErrorCode,
            ])
        }
        printTable(rows)
    }
}
