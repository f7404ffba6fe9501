import CoachBuiltin
import CoachCore
import CoachEdge
import CoachLLM
import CoachMesh
import CoachServer
import CoachStore
import Foundation
import GRPCCore
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

/// The edge router in front of the real services, assembled as `serve` assembles them
/// (`ServiceGraph`, role `all`): SQLite in a temporary file, the edge in-process to the services,
/// gRPC over HTTP/2 on a free loopback port for the test's own client, and the builtin provider
/// slowed to a minute so background tasks stay in progress while a test looks at them.
/// `body` gets Hummingbird's router test client.
func withEdge<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
    try await withEdge(interceptors: []) { client, _ in try await body(client) }
}

/// Like `withEdge`, with `interceptors` on the gRPC servers and a gRPC client of the port at hand.
func withEdge<T: Sendable>(
    interceptors: [any ServerInterceptor],
    _ body: @escaping @Sendable (any TestClientProtocol, MeshClient) async throws -> T
) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("coach-edge-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    var logger = Logger(label: "test")
    logger.logLevel = .error
    let database = try SQLiteDatabase(path: folder.appendingPathComponent("edge.sqlite").path, logger: logger)
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.grpcPort = 0
    let graph = try ServiceGraph(
        configuration: configuration,
        parts: .init(
            backends: .embedded(database: database), registry: ProviderRegistry(providers: [BuiltinProvider(latency: .seconds(60))]),
            interceptors: interceptors),
        logger: logger)
    let router = try #require(graph.edgeRouter)
    let group = ServiceGroup(services: graph.services, gracefulShutdownSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let outcome: Result<T, any Error>
        do {
            guard let port = try await graph.grpcTransport?.listeningAddress.ipv4?.port else { throw CoachError.internal("no port") }
            let mesh = try MeshTransport.client(addresses: [ServiceAddress(host: "127.0.0.1", port: port)])
            tasks.addTask { try await mesh.runConnections() }
            do {
                outcome = .success(try await Application(router: router).test(.router) { try await body($0, mesh) })
            } catch {
                outcome = .failure(error)
            }
            mesh.beginGracefulShutdown()
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try outcome.get()
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
