import CoachBuiltin
import CoachCore
import CoachGeneration
import CoachEdge
import CoachJobs
import CoachLLM
import CoachMesh
import CoachStore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GenerationService
import Hummingbird
import HummingbirdTesting
import Logging
import ResumeService
import Synchronization

/// The edge router in front of the real services: SQLite in a temporary file, gRPC over HTTP/2
/// on a loopback port, generation on the builtin provider (no worker: jobs stay queued).
/// `body` gets Hummingbird's router test client.
func withEdge<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
    try await withEdge(interceptors: []) { client, _ in try await body(client) }
}

/// Like `withEdge`, with `interceptors` on the gRPC server and the edge's gRPC client at hand.
func withEdge<T: Sendable>(
    interceptors: [any ServerInterceptor],
    _ body: @escaping @Sendable (any TestClientProtocol, MeshClient) async throws -> T
) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("coach-edge-\(UUID().uuidString)")
    let database = try SQLiteDatabase(path: folder.appendingPathComponent("edge.sqlite").path, logger: Logger(label: "test"))
    let transport = MeshTransport.server(host: "127.0.0.1", port: 0)
    let client = LateClient()
    let lookup = LateLookup(client: client)
    let tasks = SQLiteTaskStore(database: database)
    let (queue, bus) = (InProcessJobQueue(), InProcessProgressBus())
    let registry = ProviderRegistry(providers: [BuiltinProvider()])
    let interview = GenerationOperations<InterviewKind>(
        resumes: lookup, results: SQLiteResultStore<QuestionSet>.questionSets(database), tasks: tasks, queue: queue, bus: bus,
        registry: registry)
    let learning = GenerationOperations<LearningKind>(
        resumes: lookup, results: SQLiteResultStore<LearningPath>.learningPaths(database), tasks: tasks, queue: queue, bus: bus,
        registry: registry)
    let operations = ResumeOperations(store: SQLiteResumeStore(database: database), dependents: [interview, learning])
    let server = GRPCServer(
        transport: transport,
        services: [
            ResumeGRPCService(operations: operations),
            InterviewGRPCService(operations: interview),
            LearningGRPCService(operations: learning),
            TaskGRPCService(interview: interview, learning: learning),
            ProviderGRPCService(registry: registry),
            HealthGRPCService(
                statuses: HealthStatuses(serving: [
                    "interviewcoach.v1.ResumeService", "interviewcoach.v1.InterviewService", "interviewcoach.v1.LearningService",
                ])),
        ],
        interceptors: interceptors)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        guard let port = try await transport.listeningAddress.ipv4?.port else { throw CoachError.internal("no port") }
        let mesh = try MeshTransport.client(addresses: [ServiceAddress(host: "127.0.0.1", port: port)])
        client.set(mesh)
        group.addTask { try await mesh.runConnections() }
        defer {
            mesh.beginGracefulShutdown()
            server.beginGracefulShutdown()
        }
        let app = Application(router: buildEdgeRouter(upstreams: EdgeUpstreams(resume: mesh, interview: mesh, learning: mesh)))
        return try await app.test(.router) { testClient in try await body(testClient, mesh) }
    }
}

/// The JSON object of a response body.
func json(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
    guard let dictionary = object as? [String: Any] else { throw CoachError.internal("not an object") }
    return dictionary
}

/// `details.validation_errors[].field` of an error body.
func violatedFields(_ response: TestResponse) throws -> [String] {
    let details = try json(response)["details"] as? [String: Any]
    let errors = details?["validation_errors"] as? [[String: Any]] ?? []
    return errors.compactMap { $0["field"] as? String }
}

/// A body that passes every rule; tests change one field at a time.
func validBody(name: String = "Jane Doe") -> [String: Any] {
    [
        "name": name,
        "contact": ["email": "jane@example.com", "github": "https://github.com/jane"],
        "summary": "Backend engineer who builds payment systems.",
        "total_experience_months": 36,
        "work_experiences": [["company": "Acme", "position": "Engineer", "duration": "2022-2025", "tech_stack": ["Go"]]],
        "personal_projects": [["name": "Ledger", "description": "Double-entry ledger", "tech_stack": ["Rust"]]],
        "technical_skills": ["programming_languages": ["Go", "Rust"]],
        "certifications": [["name": "CKA", "issuer": "CNCF", "issue_date": "2024-01"]],
        "activities": [["type": "talk", "name": "GopherCon", "description": "Talk on queues"]],
        "education": [["institution": "KAIST", "degree": "BSc", "major": "CS", "period": "2014-2018", "status": "graduated"]],
    ]
}

func buffer(_ object: Any) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
}

extension TestClientProtocol {
    func post(_ uri: String, _ object: Any, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: try buffer(object))
    }
}

/// The mesh client, known only once the server has a port.
final class LateClient: Sendable {
    private let client = Mutex<MeshClient?>(nil)
    func set(_ value: MeshClient) { client.withLock { $0 = value } }
    var value: MeshClient { client.withLock { $0! } }
}

/// Resume lookup over the late client, as generation reaches resumes in production: via gRPC.
struct LateLookup: ResumeLookup {
    let client: LateClient
    func resume(uniqueKey: String) async throws -> Resume {
        try await GRPCResumeLookup(client: client.value).resume(uniqueKey: uniqueKey)
    }
}
