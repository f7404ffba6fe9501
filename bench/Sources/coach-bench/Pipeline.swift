import ArgumentParser
import CoachMesh
import CoachProtos
import Foundation
import GRPCCore
import SwiftProtobuf

/// End-to-end async pipeline throughput: start `tasks` background generations (half questions,
/// half learning paths) as fast as `submitters` callers can, then wait for every one to finish.
/// Throughput and latency come from the task records' own timestamps (created_at → updated_at of
/// the terminal state), so the client's polling does not colour them.
struct Pipeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Async tasks/s end to end through InterviewService/LearningService and the worker(s).")

    @OptionGroup var target: TargetOptions
    @Option(help: "Resume key to generate for.") var key: String
    @Option(help: "Tasks to run (half interview, half learning).") var tasks = 400
    @Option(help: "Callers starting tasks at once.") var submitters = 16
    @Option(help: "Seconds to wait for the last task.") var timeout = 300.0

    struct Report: Encodable {
        var tasks: Int
        var succeeded: Int
        var failed: Int
        var unfinished: Int
        var seconds: Double
        var tasksPerSecond: Double
        var submitPerSecond: Double
        var peakInFlight: Int
        var meanInFlight: Double
        var latencyMs: LatencySummary
    }

    func run() async throws {
        let client = try MeshTransport.client(addresses: try target.addresses())
        let count = tasks
        let key = self.key
        let submitters = max(1, self.submitters)
        let timeout = self.timeout

        let report = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runConnections() }
            defer { client.beginGracefulShutdown() }
            let interview = Interviewcoach_V1_InterviewService.Client(wrapping: client)
            let learning = Interviewcoach_V1_LearningService.Client(wrapping: client)
            let taskService = Interviewcoach_V1_TaskService.Client(wrapping: client)

            let began = Date()
            let submitted = try await withThrowingTaskGroup(of: [(String, Interviewcoach_V1_TaskKind)].self) { starters in
                for lane in 0..<submitters {
                    starters.addTask {
                        var started: [(String, Interviewcoach_V1_TaskKind)] = []
                        for index in stride(from: lane, to: count, by: submitters) {
                            if index % 2 == 0 {
                                var request = Interviewcoach_V1_StartQuestionGenerationRequest()
                                request.uniqueKey = key
                                request.options.language = "en"
                                started.append((try await interview.startQuestionGeneration(request).taskID, .interview))
                            } else {
                                var request = Interviewcoach_V1_StartLearningPathGenerationRequest()
                                request.uniqueKey = key
                                request.options.language = "en"
                                started.append((try await learning.startLearningPathGeneration(request).taskID, .learning))
                            }
                        }
                        return started
                    }
                }
                var all: [(String, Interviewcoach_V1_TaskKind)] = []
                for try await part in starters { all += part }
                return all
            }
            let submitSeconds = Date().timeIntervalSince(began)

            // Follow the tasks in the order they were started (the queue is FIFO): poll the oldest
            // unfinished one, so the poll rate stays low however many tasks there are.
            var finished: [Interviewcoach_V1_Task] = []
            let deadline = Date().addingTimeInterval(timeout)
            for (id, kind) in submitted {
                var request = Interviewcoach_V1_GetTaskRequest()
                request.taskID = id
                request.kind = kind
                while true {
                    let task = try await taskService.getTask(request)
                    if task.state == .success || task.state == .failure {
                        finished.append(task)
                        break
                    }
                    if Date() > deadline { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                if Date() > deadline { break }
            }

            let intervals = finished.map { (start: $0.createdAt.date, end: $0.updatedAt.date) }
            let lastEnd = intervals.map(\.end).max() ?? Date()
            let firstStart = min(began, intervals.map(\.start).min() ?? began)
            let seconds = lastEnd.timeIntervalSince(firstStart)
            let latencies = intervals.map { Duration.milliseconds(Int64($0.end.timeIntervalSince($0.start) * 1000)) }
            return Report(
                tasks: count,
                succeeded: finished.filter { $0.state == .success }.count,
                failed: finished.filter { $0.state == .failure }.count,
                unfinished: count - finished.count,
                seconds: seconds,
                tasksPerSecond: Double(finished.count) / max(seconds, 0.001),
                submitPerSecond: Double(submitted.count) / max(submitSeconds, 0.001),
                peakInFlight: Self.peakOverlap(intervals),
                // Little's law: the time-average number of tasks between start and finish.
                meanInFlight: intervals.reduce(0) { $0 + $1.end.timeIntervalSince($1.start) } / max(seconds, 0.001),
                latencyMs: LatencySummary(latencies))
        }
        try emit(report)
    }

    /// The largest number of [start, end] intervals that overlap at one instant.
    static func peakOverlap(_ intervals: [(start: Date, end: Date)]) -> Int {
        var edges: [(time: Date, change: Int)] = []
        for interval in intervals {
            edges.append((interval.start, 1))
            edges.append((interval.end, -1))
        }
        // Ends before starts at the same instant: a task that ends as another starts is not overlap.
        edges.sort { left, right in left.time != right.time ? left.time < right.time : left.change < right.change }
        var current = 0
        var peak = 0
        for edge in edges {
            current += edge.change
            peak = max(peak, current)
        }
        return peak
    }
}
