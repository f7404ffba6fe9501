import CoachBuiltin
import CoachCore
import CoachGeneration
import CoachJobs
import CoachLLM
import CoachPractice
import CoachProtos
import CoachStore
import CoachStoreTesting
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import PracticeService
import Testing

/// A Swift client drives a whole practice session over the bidirectional stream, disconnects in
/// the middle and resumes where it left off (grpc-swift's in-process transport, SQLite).
@Suite struct PracticeStreamTests {
    typealias Client = Interviewcoach_V1_PracticeService.Client<InProcessTransport.Client>

    func withPractice(_ body: @escaping @Sendable (Client, Resume) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("practice-\(UUID().uuidString).sqlite").path
        let database = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
        let resumes = SQLiteResumeStore(database: database)
        let questions = GenerationOperations<InterviewKind>(
            resumes: StoreResumeLookup(store: resumes), results: SQLiteResultStore<QuestionSet>.questionSets(database),
            tasks: SQLiteTaskStore(database: database), queue: InProcessJobQueue(), bus: InProcessProgressBus(),
            registry: ProviderRegistry(providers: [BuiltinProvider()]))
        let engine = PracticeEngine(evaluator: RegistryEvaluator(registry: questions.registry), offline: BuiltinEvaluator())
        let operations = PracticeOperations(sessions: SQLitePracticeSessionStore(database: database), questions: questions, engine: engine)
        let resume = try await resumes.create(content(), tenant: .default, at: Date())
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server, services: [PracticeGRPCService(operations: operations)])
        let client = GRPCClient(transport: transport.client)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask { try await client.runConnections() }
            defer {
                client.beginGracefulShutdown()
                server.beginGracefulShutdown()
            }
            try await body(Client(wrapping: client), resume)
        }
    }

    /// Sends `messages` on one stream and collects every event until the server ends it (or,
    /// with `until`, until an event matches: the client then hangs up, a disconnect).
    func converse(
        _ client: Client, _ messages: [Interviewcoach_V1_PracticeClientMessage],
        until stop: (@Sendable (Interviewcoach_V1_PracticeEvent) -> Bool)? = nil
    ) async throws -> [Interviewcoach_V1_PracticeEvent] {
        try await client.practice(
            requestProducer: { writer in
                for message in messages { try await writer.write(message) }
            },
            onResponse: { response in
                var events: [Interviewcoach_V1_PracticeEvent] = []
                for try await event in response.messages {
                    events.append(event)
                    if let stop, stop(event) { break }
                }
                return events
            })
    }

    @Test func aSessionRunsToItsReportAcrossADisconnect() async throws {
        try await withPractice { client, resume in
            var start = Interviewcoach_V1_PracticeClientMessage()
            start.start.uniqueKey = resume.uniqueKey
            start.start.language = "en"
            var answer = Interviewcoach_V1_PracticeClientMessage()
            answer.answer.text = "Honestly, I don't know."

            // Start and answer the first question, then hang up.
            let first = try await converse(client, [start, answer]) { event in
                if case .prompt(let prompt)? = event.event { return prompt.questionIndex == 1 }
                return false
            }
            guard case .session(let info)? = first.first?.event else { throw CoachError.internal("no session event first") }
            #expect(info.questions == 5 && !info.resumed && info.state == "in_progress")
            let evaluations = first.compactMap { event -> Interviewcoach_V1_AnswerEvaluation? in
                if case .evaluation(let evaluation)? = event.event { return evaluation }
                return nil
            }
            #expect(evaluations.map(\.score) == [0] && evaluations.first?.answerKind == "dont_know")

            // A new connection resumes at the next unanswered question.
            var resumeMessage = Interviewcoach_V1_PracticeClientMessage()
            resumeMessage.resume.sessionID = info.sessionID
            var skip = Interviewcoach_V1_PracticeClientMessage()
            skip.skip = .init()
            let resumed = try await converse(client, [resumeMessage] + Array(repeating: skip, count: 4))
            guard case .session(let again)? = resumed.first?.event else { throw CoachError.internal("no session event") }
            #expect(again.resumed && again.sessionID == info.sessionID)
            let prompts = resumed.compactMap { event -> Int32? in
                if case .prompt(let prompt)? = event.event { return prompt.questionIndex }
                return nil
            }
            #expect(prompts == [1, 2, 3, 4])
            guard case .report(let report)? = resumed.last?.event else { throw CoachError.internal("no report last") }
            #expect(report.questions.count == 5 && report.questions.dropFirst().allSatisfy(\.skipped))
            #expect(report.score == 0 && report.band == "insufficient")

            // The stored session says the same.
            var get = Interviewcoach_V1_GetSessionRequest()
            get.sessionID = info.sessionID
            let stored = try await client.getSession(get)
            #expect(stored.info.state == "finished" && stored.turns.count == 5 && !stored.hasPending)
            var list = Interviewcoach_V1_ListSessionsRequest()
            list.uniqueKey = resume.uniqueKey
            #expect(try await client.listSessions(list).sessions.map(\.sessionID) == [info.sessionID])
        }
    }

    @Test func movesBeforeASessionAndUnknownSessionsAreRefused() async throws {
        try await withPractice { client, _ in
            var answer = Interviewcoach_V1_PracticeClientMessage()
            answer.answer.text = "hello"
            await #expect(throws: RPCError.self) { _ = try await converse(client, [answer]) }
            var resume = Interviewcoach_V1_PracticeClientMessage()
            resume.resume.sessionID = "000000000000000000000000"
            do {
                _ = try await converse(client, [resume])
                Issue.record("expected NOT_FOUND")
            } catch let error as RPCError {
                #expect(error.code == .notFound)
            }
        }
    }
}
