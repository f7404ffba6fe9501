import ArgumentParser
import CoachMesh
import CoachProtos
import Foundation
import GRPCCore

/// `interview-coach practice KEY`: a practice interview in the terminal, over the Practice
/// stream. Type an answer (end it with an empty line), or `/skip`, `/idk`, `/end`.
struct PracticeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "practice",
        abstract: "Practise an interview on a resume's questions in the terminal (PracticeService stream).",
        discussion: """
            Answer each question with one or more lines, then an empty line. Commands instead of an
            answer: /skip, /idk ("I don't know"), /end (finish now with the report). End of input ends
            the session too. --session resumes a session where it stopped.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The resume's unique key (ignored with --session).") var key: String = ""
    @Option(help: "A stored question set of the resume (default: the newest, generated if none).") var questionSet: String?
    @Option(help: "ko or en (default: the question set's).") var language: String?
    @Option(help: "The provider to evaluate the answers first (default: the configured chain).") var provider: String?
    @Option(help: "Resume this session instead of starting one.") var session: String?

    typealias Message = Interviewcoach_V1_PracticeClientMessage

    func validate() throws {
        if session == nil && key.isEmpty { throw ValidationError("give a resume key, or --session to resume one") }
        if let language, !["ko", "en"].contains(language) { throw ValidationError("--language must be ko or en") }
    }

    func run() async throws {
        var first = Message()
        if let session {
            first.resume.sessionID = session
        } else {
            first.start.uniqueKey = key
            first.start.questionSetID = questionSet ?? ""
            first.start.language = language ?? ""
            first.start.provider = provider ?? ""
        }
        let opening = first
        let (moves, input) = AsyncStream<Message>.makeStream()
        try await client.withClient { client in
            let practice = Interviewcoach_V1_PracticeService.Client(wrapping: client)
            var options = CallOptions.defaults
            options.timeout = .seconds(24 * 3600)
            try await practice.practice(
                metadata: [:], options: options,
                requestProducer: { writer in
                    try await writer.write(opening)
                    for await move in moves { try await writer.write(move) }
                },
                onResponse: { response in
                    for try await event in response.messages {
                        switch event.event {
                        case .session(let info)?:
                            print("Session \(info.sessionID) · \(info.uniqueKey) · \(info.questions) questions\(info.resumed ? " (resumed)" : "")")
                        case .progress(let progress)?:
                            print("[\(progress.done)/\(progress.total)]")
                        case .prompt(let prompt)?:
                            Self.show(prompt)
                            input.yield(await Self.readMove())
                        case .evaluation(let evaluation)?:
                            Self.show(evaluation)
                        case .report(let report)?:
                            Self.show(report)
                            input.finish()
                        case nil:
                            break
                        }
                    }
                    input.finish()
                })
        }
    }

    static func show(_ prompt: Interviewcoach_V1_PracticePromptMessage) {
        let label = prompt.followUp > 0 ? "Follow-up \(prompt.followUp)" : "Question \(prompt.questionIndex + 1)"
        print("\n\(label) — \(prompt.question.topic)\n\(prompt.question.question)\n(answer, then an empty line; /skip /idk /end)")
    }

    static func show(_ evaluation: Interviewcoach_V1_AnswerEvaluation) {
        print("\nScore \(evaluation.score) (\(evaluation.band))")
        for point in evaluation.keyPoints { print("  \(point.covered ? "✓" : "✗") \(point.point)") }
        for line in evaluation.feedback { print("  - \(line)") }
    }

    static func show(_ report: Interviewcoach_V1_PracticeReportMessage) {
        print("\nReport: \(report.score) (\(report.band))")
        for question in report.questions {
            let score = question.hasScore ? "\(question.score)" : "not reached"
            print("  \(question.questionIndex + 1). \(question.topic): \(question.skipped ? "skipped" : score)")
        }
        if !report.topicsToStudy.isEmpty { print("Study next: \(report.topicsToStudy.joined(separator: ", "))") }
    }

    /// The next move from standard input (off the cooperative pool: reading blocks).
    static func readMove() async -> Message {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var lines: [String] = []
                var move = Message()
                while let line = readLine() {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if lines.isEmpty, ["/skip", "/idk", "/end"].contains(trimmed) {
                        switch trimmed {
                        case "/skip": move.skip = .init()
                        case "/idk": move.dontKnow = .init()
                        default: move.end = .init()
                        }
                        continuation.resume(returning: move)
                        return
                    }
                    if trimmed.isEmpty && !lines.isEmpty { break }
                    if !trimmed.isEmpty { lines.append(line) }
                }
                if lines.isEmpty {
                    move.end = .init()  // end of input
                } else {
                    move.answer.text = lines.joined(separator: "\n")
                }
                continuation.resume(returning: move)
            }
        }
    }
}
