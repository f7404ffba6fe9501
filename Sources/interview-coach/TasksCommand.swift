import ArgumentParser
import CoachCore
import CoachMesh
import CoachProtos
import CoachWire
import Foundation

/// `interview-coach tasks`: what operators do on `/dashboard`, over `OperationsService` (an admin
/// key when keys are on). Every action is in the audit log.
struct Tasks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find, inspect, retry and cancel background tasks of every tenant (admin).",
        subcommands: [List.self, Show.self, Retry.self, Cancel.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tasks newest first; every filter given must hold.")
        @OptionGroup var client: ClientOptions
        @Option(help: "A state: PENDING, PROGRESS, SUCCESS, FAILURE, CANCELLED (repeat for several).") var state: [TaskState] = []
        @Option(help: "interview or learning (repeat for both).") var kind: [TaskKind] = []
        @Option(help: "Only this tenant's tasks.") var tenant: String?
        @Option(help: "Only tasks of this resume.") var uniqueKey: String?
        @Option(help: "Some attempt went to this provider.") var provider: String?
        @Option(help: "Failed with this error code.") var errorCode: String?
        @Option(help: "Tasks per page (1-100).") var limit: Int32 = 20
        @Option(help: "`next_page_token` of the previous page.") var pageToken: String?
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            var request = Interviewcoach_V1_ListOperationTasksRequest()
            request.states = state.map(\.proto)
            request.kinds = kind.map(\.proto)
            request.tenant = tenant ?? ""
            request.uniqueKey = uniqueKey ?? ""
            request.provider = provider ?? ""
            request.errorCode = errorCode ?? ""
            request.pageSize = limit
            request.pageToken = pageToken ?? ""
            let page = try await client.operations { try await $0.listTasks(request, options: ClientOptions.callOptions) }
            if json { return try printJSON(page) }
            var rows = [["task", "kind", "state", "stage", "runs", "tenant", "resume", "providers", "error", "created"]]
            for task in page.tasks {
                rows.append([
                    task.taskID, Tasks.kindName(task.kind), TaskState(proto: task.state)?.rawValue ?? "?", task.stage, String(task.runs),
                    task.tenant, task.uniqueKey, task.providers.joined(separator: ","), task.hasError ? task.error.code : "-",
                    task.createdAt.date.rfc3339,
                ])
            }
            printTable(rows)
            if !page.nextPageToken.isEmpty { print("next page: --page-token \(page.nextPageToken)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A task with its timeline and every provider attempt.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var target: TaskTarget
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let request = target.request
            let task = try await client.operations { try await $0.getTaskDetail(request, options: ClientOptions.callOptions) }
            if json { return try printJSON(task) }
            Tasks.describe(task)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a FAILURE or CANCELLED task again.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var target: TaskTarget
        @Option(help: "Prefer this provider of the chain for the new run.") var provider: String?

        func run() async throws {
            let detail = target.request
            var request = Interviewcoach_V1_RetryTaskRequest()
            request.taskID = detail.taskID
            request.kind = detail.kind
            request.provider = provider ?? ""
            let task = try await client.operations { try await $0.retryTask(request, options: ClientOptions.callOptions) }
            print("\(task.taskID): \(TaskState(proto: task.state)?.rawValue ?? "?") (run \(task.runs + 1) queued)")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a queued or running task.")
        @OptionGroup var client: ClientOptions
        @OptionGroup var target: TaskTarget

        func run() async throws {
            let request = target.request
            let task = try await client.operations { try await $0.cancelTask(request, options: ClientOptions.callOptions) }
            let state = TaskState(proto: task.state)?.rawValue ?? "?"
            print(task.cancelRequested ? "\(task.taskID): \(state), its worker stops it within a second" : "\(task.taskID): \(state)")
        }
    }

    static func kindName(_ kind: Interviewcoach_V1_TaskKind) -> String { TaskKind(proto: kind)?.rawValue ?? "?" }

    static func describe(_ task: Interviewcoach_V1_TaskDetail) {
        print("task      \(task.taskID) (\(kindName(task.kind)), tenant \(task.tenant))")
        print("state     \(TaskState(proto: task.state)?.rawValue ?? "?") at \(task.stage), \(task.progress)%\(task.cancelRequested ? ", cancel requested" : "")")
        print("resume    \(task.uniqueKey)")
        print("runs      \(task.runs)")
        if task.hasError { print("error     \(task.error.code): \(task.error.message)") }
        if !task.resultID.isEmpty { print("result    \(task.resultID)") }
        if !task.traceID.isEmpty { print("trace     \(task.traceID)") }
        print("\ntimeline")
        printTable(
            [["at", "run", "event", "stage", "detail"]]
                + task.timeline.map { [$0.at.date.rfc3339, String($0.run), $0.event, $0.stage.isEmpty ? "-" : $0.stage, $0.detail.isEmpty ? "-" : $0.detail] })
        print("\nattempts")
        printTable(
            [["run", "provider", "model", "outcome", "ms", "tokens in", "tokens out", "cost $", "error", "rules"]]
                + task.attempts.map { record in
                    let attempt = record.attempt
                    return [
                        String(record.run), attempt.provider, attempt.model, attempt.outcome, String(attempt.latencyMs), String(attempt.usage.inputTokens),
                        String(attempt.usage.outputTokens), String(format: "%.4f", attempt.usage.costUsd), attempt.errorCode.isEmpty ? "-" : attempt.errorCode,
                        attempt.rules.isEmpty ? "-" : attempt.rules.joined(separator: ","),
                    ]
                })
    }
}

extension TaskKind: ExpressibleByArgument {}

extension TaskState: ExpressibleByArgument {
    /// Any case: `failure` as well as `FAILURE`.
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

/// The task a `tasks` command acts on.
struct TaskTarget: ParsableArguments {
    @Argument(help: "The task id.") var taskID: String
    @Option(help: "interview or learning.") var kind: TaskKind = .interview

    var request: Interviewcoach_V1_TaskDetailRequest {
        var request = Interviewcoach_V1_TaskDetailRequest()
        request.taskID = taskID
        request.kind = kind.proto
        return request
    }
}

extension ClientOptions {
    /// Runs `call` on an OperationsService client of the server.
    func operations<Answer: Sendable>(
        _ call: (Interviewcoach_V1_OperationsService.Client<MeshClientTransport>) async throws -> Answer
    ) async throws -> Answer {
        try await withClient { client in try await call(.init(wrapping: client)) }
    }
}

/// Prints rows as aligned columns, the first row being the header.
func printTable(_ rows: [[String]]) {
    guard let header = rows.first else { return }
    let widths = header.indices.map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    for row in rows {
        print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}
