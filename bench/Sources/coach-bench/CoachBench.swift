import ArgumentParser
import CoachMesh
import Foundation

/// Load generators and the bare ceiling server used by `bench/run-all`. Every measuring command
/// prints one JSON object on stdout; `bench/run-all` turns them into tables.
@main
struct CoachBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coach-bench",
        abstract: "Benchmark helpers for InterviewCoach (see bench/README.md).",
        subcommands: [BareHTTP.self, GRPCLoad.self, Pipeline.self, OneProcess.self])
}

/// What every gRPC load command needs: where the service is and how many HTTP/2 connections.
struct TargetOptions: ParsableArguments {
    @Option(help: "gRPC address host:port[,host:port...].") var target: String
    @Option(help: "Separate gRPC clients (one HTTP/2 connection each per address).") var connections = 1

    func addresses() throws -> [ServiceAddress] {
        try ServiceAddress.parseList(target, option: "--target")
    }
}

/// Latency figures in milliseconds from a set of samples.
struct LatencySummary: Encodable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double
    var mean: Double

    init(_ samples: [Duration]) {
        let millis = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        count = millis.count
        func percentile(_ p: Double) -> Double {
            guard !millis.isEmpty else { return 0 }
            return millis[min(millis.count - 1, Int((p * Double(millis.count)).rounded(.up)) - 1)]
        }
        p50 = percentile(0.50)
        p90 = percentile(0.90)
        p99 = percentile(0.99)
        max = millis.last ?? 0
        mean = millis.isEmpty ? 0 : millis.reduce(0, +) / Double(millis.count)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Prints `value` as one line of JSON.
func emit(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
