import ArgumentParser
import CoachMesh
import CoachProtos
import Foundation
import GRPCCore
import Synchronization

/// Closed-loop gRPC load: `concurrency` callers each issue the next call as soon as the last
/// one answers, for `duration` seconds, spread over `connections` clients.
struct GRPCLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpc",
        abstract: "Unary (ResumeService.GetResume) or server-streaming (TaskService.WatchTask) load.")

    enum RPC: String, ExpressibleByArgument, CaseIterable {
        case getResume = "get-resume"
        case watchTask = "watch-task"
    }

    @OptionGroup var target: TargetOptions
    @Option(help: "get-resume or watch-task.") var rpc: RPC
    @Option(help: "Resume key for get-resume.") var key: String?
    @Option(help: "A finished interview task for watch-task (each call replays its events, then ends).")
    var task: String?
    @Option(help: "Callers in flight at once.") var concurrency = 32
    @Option(help: "Seconds of measured load (after one second of warm-up).") var duration = 5.0

    struct Report: Encodable {
        var rpc: String
        var concurrency: Int
        var connections: Int
        var seconds: Double
        var calls: Int
        var errors: Int
        var messages: Int
        var callsPerSecond: Double
        var messagesPerSecond: Double
        var latencyMs: LatencySummary
    }

    func run() async throws {
        let addresses = try target.addresses()
        let clients = try (0..<max(1, target.connections)).map { _ in try MeshTransport.client(addresses: addresses) }
        let rpc = self.rpc
        guard rpc == .getResume ? key != nil : task != nil else {
            throw ValidationError(rpc == .getResume ? "get-resume needs --key" : "watch-task needs --task")
        }
        let key = self.key ?? ""
        let task = self.task ?? ""
        let concurrency = self.concurrency
        let duration = self.duration

        let report = try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { try await client.runConnections() } }
            defer { for client in clients { client.beginGracefulShutdown() } }

            // One call of the chosen kind; returns the messages it received.
            @Sendable func call(_ client: MeshClient) async throws -> Int {
                switch rpc {
                case .getResume:
                    var request = Interviewcoach_V1_GetResumeRequest()
                    request.uniqueKey = key
                    _ = try await Interviewcoach_V1_ResumeService.Client(wrapping: client).getResume(request)
                    return 1
                case .watchTask:
                    var request = Interviewcoach_V1_WatchTaskRequest()
                    request.taskID = task
                    request.kind = .interview
                    return try await Interviewcoach_V1_TaskService.Client(wrapping: client).watchTask(request) { response in
                        var count = 0
                        for try await _ in response.messages { count += 1 }
                        return count
                    }
                }
            }

            // Warm-up: connections established, code paths hot.
            let warmUntil = ContinuousClock.now + .seconds(1)
            try await withThrowingTaskGroup(of: Void.self) { warm in
                for index in 0..<concurrency {
                    warm.addTask {
                        while ContinuousClock.now < warmUntil { _ = try? await call(clients[index % clients.count]) }
                    }
                }
                try await warm.waitForAll()
            }

            let start = ContinuousClock.now
            let end = start + .seconds(duration)
            let results = try await withThrowingTaskGroup(of: ([Duration], Int, Int).self) { callers in
                for index in 0..<concurrency {
                    callers.addTask {
                        var latencies: [Duration] = []
                        var errors = 0
                        var messages = 0
                        let client = clients[index % clients.count]
                        while ContinuousClock.now < end {
                            let began = ContinuousClock.now
                            do {
                                messages += try await call(client)
                                latencies.append(ContinuousClock.now - began)
                            } catch {
                                errors += 1
                            }
                        }
                        return (latencies, errors, messages)
                    }
                }
                var all: ([Duration], Int, Int) = ([], 0, 0)
                for try await (latencies, errors, messages) in callers {
                    all.0 += latencies
                    all.1 += errors
                    all.2 += messages
                }
                return all
            }
            let elapsed = (ContinuousClock.now - start).seconds
            return Report(
                rpc: rpc.rawValue, concurrency: concurrency, connections: clients.count, seconds: elapsed,
                calls: results.0.count, errors: results.1, messages: results.2,
                callsPerSecond: Double(results.0.count) / elapsed, messagesPerSecond: Double(results.2) / elapsed,
                latencyMs: LatencySummary(results.0))
        }
        try emit(report)
    }
}
