import CoachCore
import CoachWire
import CoachProtos
import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird

/// The Resume routes of the contract, each a call to `ResumeService`.
struct ResumeRoutes<Transport: ClientTransport> {
    let client: Interviewcoach_V1_ResumeService.Client<Transport>
    let health: Grpc_Health_V1_Health.Client<Transport>

    func register(on table: inout RouteTable) {
        let keyParameter = EdgeRoute.Parameter(
            name: "unique_key", location: "path", schema: ParameterSchema.uniqueKey, description: "`{name}_{n}`", required: true)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/resumes", tag: "resumes", summary: "Create a resume",
                requestSchema: "ResumeCreate",
                responses: [201: ("Created", "ResumeCreated"), 413: ("Body too large", "Error"), 422: ("Invalid body", "Error")]),
            create)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/resumes", tag: "resumes", summary: "List resumes, newest first",
                parameters: [
                    .init(name: "name", location: "query", schema: ParameterSchema.personName, description: "Exact name", required: false),
                    .init(name: "limit", location: "query", schema: ParameterSchema.pageSize, description: "1-100, default 20", required: false),
                    .init(
                        name: "cursor", location: "query", schema: ParameterSchema.pageCursor,
                        description: "`next_cursor` of the previous page", required: false),
                ],
                responses: [200: ("A page of resumes", "ResumeList"), 422: ("Bad parameters", "Error")]),
            list)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/resumes/health", tag: "health", summary: "Resume service health",
                responses: [200: ("Healthy", "ServiceHealth"), 503: ("Unhealthy", "ServiceHealth")]),
            serviceHealth)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/resumes/user/{name}", tag: "resumes", summary: "All resumes of one name, newest first",
                parameters: [.init(name: "name", location: "path", schema: ParameterSchema.personName, description: "Candidate name", required: true)],
                responses: [200: ("The user's resumes", "UserResumes"), 404: ("No resume has this name", "Error"), 422: ("Bad name", "Error")]),
            byUser)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/resumes/{unique_key}", tag: "resumes", summary: "Get a resume",
                parameters: [keyParameter], responses: [200: ("The resume", "Resume"), 404: ("Not found", "Error")]),
            get)
        table.add(
            EdgeRoute(
                method: .put, path: "/api/v1/resumes/{unique_key}", tag: "resumes", summary: "Replace a resume's content",
                parameters: [keyParameter], requestSchema: "ResumeCreate",
                responses: [200: ("The updated resume", "Resume"), 404: ("Not found", "Error"), 422: ("Invalid body", "Error")]),
            update)
        table.add(
            EdgeRoute(
                method: .delete, path: "/api/v1/resumes/{unique_key}", tag: "resumes",
                summary: "Delete a resume with its question sets, learning paths and tasks",
                parameters: [keyParameter], responses: [204: ("Deleted", nil), 404: ("Not found", "Error")]),
            delete)
    }

    @Sendable func create(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let content = try decodeRequestBody(ResumeContent.self, from: Data(try await request.bodyData(context: context)))
        // Same validator as the service, so a REST client also learns which required field is missing.
        let validated = try content.validated()
        var message = Interviewcoach_V1_CreateResumeRequest()
        message.content = validated.proto
        let resume = try await client.createResume(message, metadata: context.rpcMetadata)
        var headers: HTTPFields = [:]
        headers[.location] = "/api/v1/resumes/" + Self.percentEncoded(resume.uniqueKey)
        return .json(
            ResumeCreated(message: "Resume created successfully", resumeID: resume.id, uniqueKey: resume.uniqueKey),
            status: .created, headers: headers)
    }

    @Sendable func get(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_GetResumeRequest()
        message.uniqueKey = try context.pathParameter("unique_key")
        let resume = try await client.getResume(message, metadata: context.rpcMetadata)
        return .json(ResumeBody(Resume(proto: resume)))
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let query = request.query
        var violations: [FieldViolation] = []
        var message = Interviewcoach_V1_ListResumesRequest()
        let requested = PageQuery(query, violations: &violations)
        (message.pageSize, message.pageToken) = (requested.size, requested.token)
        if let name = query["name"] {
            do {
                message.name = try validatedPersonName(name)
            } catch { violations += error.violations }
        }
        if !violations.isEmpty { throw CoachError.validation(violations) }
        let page = try await client.listResumes(message, metadata: context.rpcMetadata)
        return .json(
            ResumeList(
                resumes: page.resumes.map { ResumeBody(Resume(proto: $0)) },
                nextCursor: page.nextPageToken.isEmpty ? nil : page.nextPageToken))
    }

    @Sendable func byUser(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let name = try validatedPersonName(try context.pathParameter("name", allowingControls: true))
        var resumes: [ResumeBody] = []
        var message = Interviewcoach_V1_ListResumesRequest()
        message.name = name
        message.pageSize = Int32(PageSize.maximum)
        // Bounded: at most 10 pages of 100.
        for _ in 0..<10 {
            let page = try await client.listResumes(message, metadata: context.rpcMetadata)
            resumes += page.resumes.map { ResumeBody(Resume(proto: $0)) }
            if page.nextPageToken.isEmpty { break }
            message.pageToken = page.nextPageToken
        }
        if resumes.isEmpty {
            throw CoachError(.resumeNotFound, "no resumes for user: \(name)", details: ["user": .string(name)])
        }
        return .json(UserResumes(user: name, count: resumes.count, resumes: resumes))
    }

    @Sendable func update(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let key = try context.pathParameter("unique_key")
        let content = try decodeRequestBody(ResumeContent.self, from: Data(try await request.bodyData(context: context)))
        var message = Interviewcoach_V1_UpdateResumeRequest()
        message.uniqueKey = key
        message.content = try content.validated().proto
        let resume = try await client.updateResume(message, metadata: context.rpcMetadata)
        return .json(ResumeBody(Resume(proto: resume)))
    }

    /// ResumeService deletes the resume's generated data with it (`ResumeOperations.delete`).
    @Sendable func delete(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_DeleteResumeRequest()
        message.uniqueKey = try context.pathParameter("unique_key")
        _ = try await client.deleteResume(message, metadata: context.rpcMetadata)
        return Response(status: .noContent)
    }

    @Sendable func serviceHealth(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        await CoachEdge.serviceHealth(
            health, service: Interviewcoach_V1_ResumeService.descriptor.fullyQualifiedService, name: "resume-service")
    }

    static func percentEncoded(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}

extension EdgeRequestContext {
    /// Metadata sent with every upstream call.
    var rpcMetadata: Metadata {
        var metadata: Metadata = ["x-request-id": "\(requestID)"]
        if let apiKey { metadata.addString("Bearer \(apiKey)", forKey: "authorization") }
        return metadata
    }
}

// MARK: - Response bodies

struct ResumeCreated: Encodable {
    var message: String
    var resumeID: String
    var uniqueKey: String

    enum CodingKeys: String, CodingKey {
        case message
        case resumeID = "resume_id"
        case uniqueKey = "unique_key"
    }
}

/// A resume as REST returns it: every body field plus `id`, `unique_key` and the times.
struct ResumeBody: Encodable {
    var resume: Resume

    init(_ resume: Resume) { self.resume = resume }

    enum CodingKeys: String, CodingKey {
        case id
        case uniqueKey = "unique_key"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        try resume.content.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resume.id, forKey: .id)
        try container.encode(resume.uniqueKey, forKey: .uniqueKey)
        try container.encode(resume.createdAt.rfc3339, forKey: .createdAt)
        try container.encode(resume.updatedAt.rfc3339, forKey: .updatedAt)
    }
}

struct ResumeList: Encodable {
    var resumes: [ResumeBody]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case resumes
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resumes, forKey: .resumes)
        // Always present: null on the last page.
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

struct UserResumes: Encodable {
    var user: String
    var count: Int
    var resumes: [ResumeBody]
}

struct ServiceHealth: Encodable {
    var service: String
    var status: String
    var timestamp: String
}
