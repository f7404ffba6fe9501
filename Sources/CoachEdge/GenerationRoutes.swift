import CoachCore
import CoachWire
import CoachProtos
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
}

/// The route descriptions shared by both generation kinds.
private func generationRoutes(
    segment: String, resource: String, optionsSchema: String, resultSchema: String, tag: String
) -> (sync: EdgeRoute, latest: EdgeRoute, async: EdgeRoute, health: EdgeRoute) {
    let key = EdgeRoute.Parameter(name: "unique_key", location: "path", schema: ParameterSchema.uniqueKey, description: "Resume key", required: true)
    return (
        EdgeRoute(
            method: .post, path: "/api/v1/\(segment)/{unique_key}/\(resource)", tag: tag, summary: "Generate now",
            parameters: [key], requestSchema: optionsSchema, requestRequired: false,
            responses: [
                201: ("Generated", resultSchema), 404: ("Unknown resume", "Error"), 422: ("Bad key or body", "Error"),
                502: ("Every provider failed", "Error"),
            ],
            // As long as a whole provider chain may take.
            deadline: .seconds(300)),
        EdgeRoute(
            method: .get, path: "/api/v1/\(segment)/{unique_key}/\(resource)", tag: tag,
            summary: "The newest result; ?history=true for all, newest first",
            parameters: [key, .init(name: "history", location: "query", schema: ParameterSchema.boolean, description: "List every result", required: false)],
            responses: [
                200: ("The newest result; with ?history=true, {\"sets\": [...]}", "\(resultSchema)OrHistory"),
                404: ("None yet", "Error"),
            ]),
        EdgeRoute(
            method: .post, path: "/api/v1/\(segment)/async/{unique_key}/\(resource)", tag: tag,
            summary: "Start a background task",
            parameters: [
                key,
                .init(
                    name: "Idempotency-Key", location: "header", schema: ParameterSchema.idempotencyKey,
                    description: "Repeat-safe start: a repeated key returns the task it started (empty: none)", required: false),
            ],
            requestSchema: optionsSchema, requestRequired: false,
            responses: [
                202: ("Task accepted (or the task this Idempotency-Key started)", "TaskStarted"), 404: ("Unknown resume", "Error"),
                409: ("Idempotency-Key reused with other options", "Error"), 422: ("Bad key or body", "Error"),
            ]),
        EdgeRoute(
            method: .get, path: "/api/v1/\(segment)/health", tag: "health", summary: "Service health",
            responses: [200: ("Healthy", "ServiceHealth"), 503: ("Unhealthy", "ServiceHealth")])
    )
}

/// Reads the optional JSON options body (empty → defaults).
func decodeOptions<T: Decodable>(request: Request, context: EdgeRequestContext, empty: T) async throws -> T {
    let bytes = try await request.bodyData(context: context)
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return empty }
    return try decodeRequestBody(T.self, from: Data(bytes))
}

func idempotencyKey(_ request: Request) -> String {
    request.headers[.idempotencyKey] ?? ""
}

func accepted(_ task: TaskView) -> Response {
    var headers: HTTPFields = [:]
    headers[.location] = "/api/v1/\(task.kind.rawValue)/tasks/\(task.taskID)/progress"
    return .json(TaskStartedBody(task: task, estimatedSeconds: 30), status: .accepted, headers: headers)
}

/// The REST face of a generation kind: its paths, schema names and body. Adding a kind to the
/// edge is one conformance; `GenerationRoutes` serves every kind the same way.
protocol RESTGenerationKind: GenerationWire where Options: Decodable {
    associatedtype Body: Encodable
    /// `/api/v1/{segment}/{unique_key}/{resource}`.
    static var segment: String { get }
    static var resource: String { get }
    static var optionsSchema: String { get }
    static var resultSchema: String { get }
    /// `service` of `GET /api/v1/{segment}/health`.
    static var healthName: String { get }
    /// The options of an empty body.
    static var defaultOptions: Options { get }
    static func validated(_ options: Options) throws(CoachError) -> Options
    /// The JSON body of a result (`generated`: just made by a POST, else read by a GET).
    static func body(_ result: Result, generated: Bool) -> Body
}

extension InterviewWire: RESTGenerationKind {
    static let segment = "interview"
    static let resource = "questions"
    static let optionsSchema = "QuestionOptions"
    static let resultSchema = "QuestionSet"
    static let healthName = "interview-service"
    static let defaultOptions = QuestionOptions()
    static func validated(_ options: QuestionOptions) throws(CoachError) -> QuestionOptions { try options.validated() }
    static func body(_ result: QuestionSet, generated: Bool) -> QuestionSetBody { QuestionSetBody(set: result, generated: generated) }
}

extension LearningWire: RESTGenerationKind {
    static let segment = "learning"
    static let resource = "learning-path"
    static let optionsSchema = "LearningOptions"
    static let resultSchema = "LearningPath"
    static let healthName = "learning-service"
    static let defaultOptions = LearningOptions()
    static func validated(_ options: LearningOptions) throws(CoachError) -> LearningOptions { try options.validated() }
    static func body(_ result: LearningPath, generated: Bool) -> LearningPathBody { LearningPathBody(path: result, generated: generated) }
}

/// `/api/v1/{segment}/…` of one generation kind: calls of its gRPC service.
struct GenerationRoutes<Kind: RESTGenerationKind, Transport: ClientTransport> {
    let client: GenerationClient<Kind, Transport>
    let health: Grpc_Health_V1_Health.Client<Transport>

    func register(on table: inout RouteTable) {
        let routes = generationRoutes(
            segment: Kind.segment, resource: Kind.resource, optionsSchema: Kind.optionsSchema, resultSchema: Kind.resultSchema,
            tag: Kind.segment)
        let client = self.client
        let health = self.health
        /// The resume key and the validated options of a generation POST.
        @Sendable func input(_ request: Request, _ context: EdgeRequestContext) async throws -> (String, Kind.Options) {
            let key = try context.pathParameter("unique_key")
            return (key, try Kind.validated(try await decodeOptions(request: request, context: context, empty: Kind.defaultOptions)))
        }
        table.add(routes.sync) { request, context in
            let (key, options) = try await input(request, context)
            let result = try await client.generate(
                uniqueKey: key, options: options, metadata: context.rpcMetadata, callOptions: .defaults)
            return .json(Kind.body(result, generated: true), status: .created)
        }
        table.add(routes.latest) { request, context in
            let key = try context.pathParameter("unique_key")
            if try request.booleanQuery("history") {
                let page = try await client.history(
                    uniqueKey: key, pageSize: PageSize.maximum, metadata: context.rpcMetadata, callOptions: .defaults)
                return .json(["sets": page.results.map { Kind.body($0, generated: false) }])
            }
            let result = try await client.latest(uniqueKey: key, metadata: context.rpcMetadata, callOptions: .defaults)
            return .json(Kind.body(result, generated: false))
        }
        table.add(routes.async) { request, context in
            let (key, options) = try await input(request, context)
            let task = try await client.start(
                uniqueKey: key, options: options, idempotencyKey: idempotencyKey(request), metadata: context.rpcMetadata,
                callOptions: .defaults)
            return accepted(task)
        }
        table.add(routes.health) { _, _ in
            await serviceHealth(health, service: Kind.service.fullyQualifiedService, name: Kind.healthName)
        }
    }
}

/// `GET …/health` of one upstream service.
func serviceHealth<Transport: ClientTransport>(_ client: Grpc_Health_V1_Health.Client<Transport>, service: String, name: String) async -> Response {
    let healthy = await UpstreamHealth.isServing(client, service: service)
    return .json(
        ServiceHealth(service: name, status: healthy ? "healthy" : "unhealthy", timestamp: Date().rfc3339),
        status: healthy ? .ok : .serviceUnavailable)
}
