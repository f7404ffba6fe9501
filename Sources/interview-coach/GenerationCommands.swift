import ArgumentParser
import CoachCore
import CoachWire
import CoachMesh
import CoachProtos
import Foundation
import GRPCCore

/// Options shared by the two generation commands.
struct GenerationFlags: ParsableArguments {
    @Argument(help: "The resume's unique key.") var key: String
    @Flag(help: "Run as a background task and show its live progress (WatchTask).") var async = false
    @Option(help: "Output language: ko or en.") var language: Language = .ko
    @Option(help: "Provider to try first (default: the configured chain).") var provider: String?
    @Option(help: "Target role to aim at.") var targetRole: String?
    @Option(help: "Idempotency key for --async (a repeat returns the same task).") var idempotencyKey: String?
}

struct Questions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate interview questions for a resume (InterviewService).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var flags: GenerationFlags
    @Option(help: "Number of questions, 3-8.") var count: Int = 5

    func run() async throws {
        let options = QuestionOptions(
            provider: flags.provider, language: flags.language, questionCount: count, targetRole: flags.targetRole)
        try await generate(InterviewWire.self, options: options, flags: flags, client: client)
    }
}

struct LearningPathCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learning-path", abstract: "Generate a learning path for a resume (LearningService).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var flags: GenerationFlags
    @Option(help: "Focus area to cover (repeatable).") var focus: [String] = []
    @Option(help: "Study hours per week, 1-40.") var hoursPerWeek: Int?

    func run() async throws {
        let options = LearningOptions(
            provider: flags.provider, language: flags.language, targetRole: flags.targetRole, focusAreas: focus,
            timeCommitmentHoursPerWeek: hoursPerWeek)
        try await generate(LearningWire.self, options: options, flags: flags, client: client)
    }
}

extension Language: ExpressibleByArgument {}

/// Generates now (the result as JSON), or starts a task and follows it (`--async`): the same
/// for every kind.
private func generate<Wire: GenerationWire>(
    _ wire: Wire.Type, options: Wire.Options, flags: GenerationFlags, client: ClientOptions
) async throws {
    try await client.withClient { client in
        let service = GenerationClient<Wire, MeshClientTransport>(wrapping: client)
        if flags.async {
            let task = try await service.start(
                uniqueKey: flags.key, options: options, idempotencyKey: flags.idempotencyKey ?? "", callOptions: ClientOptions.callOptions)
            try await watch(task: task.proto, kind: Wire.taskKind.proto, client: client)
        } else {
            let result = try await service.generate(uniqueKey: flags.key, options: options, callOptions: generationOptions)
            try printJSON(Wire.message(result))
        }
    }
}

private let generationOptions: CallOptions = {
    var options = CallOptions.defaults
    options.timeout = .seconds(300)
    return options
}()

/// Follows a task with WatchTask: a progress bar on stderr, each event as a JSON line on stdout
/// when `COACH_EVENTS=json`, and the final task (with its result) as JSON on stdout.
private func watch(task: Interviewcoach_V1_Task, kind: Interviewcoach_V1_TaskKind, client: MeshClient) async throws {
    let tasks = Interviewcoach_V1_TaskService.Client(wrapping: client)
    var request = Interviewcoach_V1_WatchTaskRequest()
    request.taskID = task.taskID
    request.kind = kind
    let printEvents = ProcessInfo.processInfo.environment["COACH_EVENTS"] == "json"
    FileHandle.standardError.write(Data("task \(task.taskID)\n".utf8))
    let final = try await tasks.watchTask(request, options: .defaults) { response in
        var last: Interviewcoach_V1_Task?
        for try await event in response.messages {
            last = event.task
            if printEvents {
                print(#"{"sequence":\#(event.sequence),"event":"\#(event.eventType)","progress":\#(event.task.progress),"stage":"\#(event.task.stage)"}"#)
            }
            let width = 30
            let filled = Int(event.task.progress) * width / 100
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(String(format: "%3d", event.task.progress))% \(event.task.stage)          ".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        return last
    }
    guard let final else { throw CommandFailure(description: "the task stream ended without events") }
    if !printEvents { try printJSON(final) }
    if final.state == .failure {
        throw ClientFailure(CoachError(ErrorCode(rawValue: final.error.code) ?? .internalServerError, final.error.message))
    }
}
