import CoachBuiltin
import CoachCore
import CoachGeneration
import CoachJobs
import CoachLLM
import CoachStore
import CoachStoreTesting
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GenerationService
import Logging
import Testing

/// Both kinds' generic gRPC services and the task service on grpc-swift's in-process transport,
/// called through `GenerationClient` as the edge and the CLI call them.
func withServices(_ body: @escaping @Sendable (GRPCClient<InProcessTransport.Client>, Resume) async throws -> Void) async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("grpc-gen-\(UUID().uuidString).sqlite").path
    let database = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
    let resumes = SQLiteResumeStore(database: database)
    let lookup = StoreResumeLookup(store: resumes)
    let (tasks, queue, bus) = (SQLiteTaskStore(database: database), InProcessJobQueue(), InProcessProgressBus())
    let registry = ProviderRegistry(providers: [BuiltinProvider()])
    let interview = GenerationOperations<InterviewKind>(
        resumes: lookup, results: SQLiteResultStore<QuestionSet>.questionSets(database), tasks: tasks, queue: queue, bus: bus,
        registry: registry)
    let learning = GenerationOperations<LearningKind>(
        resumes: lookup, results: SQLiteResultStore<LearningPath>.learningPaths(database), tasks: tasks, queue: queue, bus: bus,
        registry: registry)
    let resume = try await resumes.create(content(), tenant: .default, at: Date())
    let transport = InProcessTransport()
    let server = GRPCServer(
        transport: transport.server,
        services: [
            GenerationGRPCService(operations: interview), GenerationGRPCService(operations: learning),
            TaskGRPCService(kinds: [interview, learning]),
        ])
    let client = GRPCClient(transport: transport.client)
    try await withThrowingDiscardingTaskGroup { group in
        group.addTask { try await server.serve() }
        group.addTask { try await client.runConnections() }
        defer {
            client.beginGracefulShutdown()
            server.beginGracefulShutdown()
        }
        try await body(client, resume)
    }
}

@Suite struct GenerationGRPCServiceTests {
    @Test func everyKindIsServedUnderItsOwnMethods() async throws {
        try await withServices { client, resume in
            let questions = GenerationClient<InterviewWire, InProcessTransport.Client>(wrapping: client)
            let paths = GenerationClient<LearningWire, InProcessTransport.Client>(wrapping: client)
            let set = try await questions.generate(uniqueKey: resume.uniqueKey, options: QuestionOptions(language: .en), callOptions: .defaults)
            let path = try await paths.generate(uniqueKey: resume.uniqueKey, options: LearningOptions(), callOptions: .defaults)
            #expect(set.questions.count == 5)
            #expect(!path.plan.learningPaths.isEmpty)
            #expect(try await questions.latest(uniqueKey: resume.uniqueKey, callOptions: .defaults).id == set.id)
            #expect(try await paths.history(uniqueKey: resume.uniqueKey, pageSize: 10, callOptions: .defaults).results.map(\.id) == [path.id])
            #expect(try await questions.purge(uniqueKey: resume.uniqueKey, callOptions: .defaults) == (results: 1, tasks: 0))
        }
    }

    @Test func invalidOptionsComeBackAsTheFieldsTheyBreak() async throws {
        try await withServices { client, resume in
            let questions = GenerationClient<InterviewWire, InProcessTransport.Client>(wrapping: client)
            do {
                _ = try await questions.generate(
                    uniqueKey: resume.uniqueKey, options: QuestionOptions(questionCount: 12, seed: Int64.max), callOptions: .defaults)
                Issue.record("expected VALIDATION_ERROR")
            } catch let error as CoachError {
                #expect(error.code == .validationError)
                #expect(error.violations.map(\.field) == ["question_count", "seed"])
            }
        }
    }

    @Test func aTaskIsFoundThroughItsOwnKindOnly() async throws {
        try await withServices { client, resume in
            let questions = GenerationClient<InterviewWire, InProcessTransport.Client>(wrapping: client)
            let task = try await questions.start(
                uniqueKey: resume.uniqueKey, options: QuestionOptions(), idempotencyKey: "same", callOptions: .defaults)
            let again = try await questions.start(
                uniqueKey: resume.uniqueKey, options: QuestionOptions(), idempotencyKey: "same", callOptions: .defaults)
            #expect(again.taskID == task.taskID)
            let tasks = Interviewcoach_V1_TaskService.Client(wrapping: client)
            var request = Interviewcoach_V1_GetTaskRequest()
            request.taskID = task.taskID
            request.kind = .interview
            #expect(try await tasks.getTask(request).taskID == task.taskID)
            request.kind = .learning
            await #expect(throws: RPCError.self) { try await tasks.getTask(request) }
        }
    }
}
