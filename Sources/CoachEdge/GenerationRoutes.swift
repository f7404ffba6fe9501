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

/// Sync generation can take as long as a whole provider chain.
let generationCallOptions: CallOptions = {
    var options = CallOptions.defaults
    options.timeout = .seconds(300)
    return options
}()

let shortCallOptions: CallOptions = {
    var options = CallOptions.defaults
    options.timeout = .seconds(10)
    return options
}()

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
            ]),
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
            responses: [202: ("Task accepted", "TaskStarted"), 404: ("Unknown resume", "Error"), 422: ("Bad key or body", "Error")]),
        EdgeRoute(
            method: .get, path: "/api/v1/\(segment)/health", tag: "health", summary: "Service health",
            responses: [200: ("Healthy", "ServiceHealth"), 503: ("Unhealthy", "ServiceHealth")])
    )
}

/// Reads the optional JSON options body (empty → defaults).
func decodeOptions<T: Decodable>(_ type: T.Type, request: Request, context: EdgeRequestContext, empty: T) async throws -> T {
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

/// `/api/v1/interview/…`: InterviewService calls.
struct InterviewRoutes<Transport: ClientTransport> {
    let client: Interviewcoach_V1_InterviewService.Client<Transport>
    let health: Grpc_Health_V1_Health.Client<Transport>

    func register(on table: inout RouteTable) {
        let routes = generationRoutes(
            segment: "interview", resource: "questions", optionsSchema: "QuestionOptions", resultSchema: "QuestionSet", tag: "interview")
        table.add(routes.sync) { request, context in
            var message = Interviewcoach_V1_GenerateQuestionsRequest()
            message.uniqueKey = try context.pathParameter("unique_key")
            message.options = try await decodeOptions(QuestionOptions.self, request: request, context: context, empty: QuestionOptions())
                .validated().proto
            let set = try await client.generateQuestions(message, metadata: context.rpcMetadata, options: generationCallOptions)
            return .json(QuestionSetBody(set: QuestionSet(proto: set), generated: true), status: .created)
        }
        table.add(routes.latest) { request, context in
            let key = try context.pathParameter("unique_key")
            if try request.booleanQuery("history") {
                var message = Interviewcoach_V1_ListQuestionSetsRequest()
                message.uniqueKey = key
                message.pageSize = Int32(PageSize.maximum)
                let page = try await client.listQuestionSets(message, metadata: context.rpcMetadata, options: shortCallOptions)
                return .json(["sets": page.sets.map { QuestionSetBody(set: QuestionSet(proto: $0), generated: false) }])
            }
            var message = Interviewcoach_V1_GetLatestQuestionsRequest()
            message.uniqueKey = key
            let set = try await client.getLatestQuestions(message, metadata: context.rpcMetadata, options: shortCallOptions)
            return .json(QuestionSetBody(set: QuestionSet(proto: set), generated: false))
        }
        table.add(routes.async) { request, context in
            var message = Interviewcoach_V1_StartQuestionGenerationRequest()
            message.uniqueKey = try context.pathParameter("unique_key")
            message.options = try await decodeOptions(QuestionOptions.self, request: request, context: context, empty: QuestionOptions())
                .validated().proto
            message.idempotencyKey = idempotencyKey(request)
            let task = try await client.startQuestionGeneration(message, metadata: context.rpcMetadata, options: shortCallOptions)
            return accepted(TaskView(proto: task))
        }
        table.add(routes.health) { _, _ in
            await serviceHealth(health, service: "interviewcoach.v1.InterviewService", name: "interview-service")
        }
    }
}

/// `/api/v1/learning/…`: LearningService calls.
struct LearningRoutes<Transport: ClientTransport> {
    let client: Interviewcoach_V1_LearningService.Client<Transport>
    let health: Grpc_Health_V1_Health.Client<Transport>

    func register(on table: inout RouteTable) {
        let routes = generationRoutes(
            segment: "learning", resource: "learning-path", optionsSchema: "LearningOptions", resultSchema: "LearningPath",
            tag: "learning")
        table.add(routes.sync) { request, context in
            var message = Interviewcoach_V1_GenerateLearningPathRequest()
            message.uniqueKey = try context.pathParameter("unique_key")
            message.options = try await decodeOptions(LearningOptions.self, request: request, context: context, empty: LearningOptions())
                .validated().proto
            let path = try await client.generateLearningPath(message, metadata: context.rpcMetadata, options: generationCallOptions)
            return .json(LearningPathBody(path: LearningPath(proto: path), generated: true), status: .created)
        }
        table.add(routes.latest) { request, context in
            let key = try context.pathParameter("unique_key")
            if try request.booleanQuery("history") {
                var message = Interviewcoach_V1_ListLearningPathsRequest()
                message.uniqueKey = key
                message.pageSize = Int32(PageSize.maximum)
                let page = try await client.listLearningPaths(message, metadata: context.rpcMetadata, options: shortCallOptions)
                return .json(["sets": page.paths.map { LearningPathBody(path: LearningPath(proto: $0), generated: false) }])
            }
            var message = Interviewcoach_V1_GetLatestLearningPathRequest()
            message.uniqueKey = key
            let path = try await client.getLatestLearningPath(message, metadata: context.rpcMetadata, options: shortCallOptions)
            return .json(LearningPathBody(path: LearningPath(proto: path), generated: false))
        }
        table.add(routes.async) { request, context in
            var message = Interviewcoach_V1_StartLearningPathGenerationRequest()
            message.uniqueKey = try context.pathParameter("unique_key")
            message.options = try await decodeOptions(LearningOptions.self, request: request, context: context, empty: LearningOptions())
                .validated().proto
            message.idempotencyKey = idempotencyKey(request)
            let task = try await client.startLearningPathGeneration(message, metadata: context.rpcMetadata, options: shortCallOptions)
            return accepted(TaskView(proto: task))
        }
        table.add(routes.health) { _, _ in
            await serviceHealth(health, service: "interviewcoach.v1.LearningService", name: "learning-service")
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
