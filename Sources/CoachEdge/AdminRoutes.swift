import CoachCore
import CoachProtos
import CoachWire
import Foundation
import GRPCCore
import Hummingbird
import SwiftProtobuf

/// `/api/v1/admin/...`: API keys and the audit log over `AdminService` (admin scope; the
/// service checks it).
struct AdminRoutes<Transport: ClientTransport> {
    let client: Interviewcoach_V1_AdminService.Client<Transport>

    func register(on table: inout RouteTable) {
        let id = EdgeRoute.Parameter(
            name: "key_id", location: "path", schema: ParameterSchema.identifier, description: "The key's id (16 hex characters)",
            required: true)
        let page: [EdgeRoute.Parameter] = [
            .init(name: "limit", location: "query", schema: ParameterSchema.pageSize, description: "1-100, default 20", required: false),
            .init(
                name: "cursor", location: "query", schema: ParameterSchema.pageCursor, description: "`next_cursor` of the previous page",
                required: false),
        ]
        let denied: [Int: (String, String?)] = [401: ("No valid key", "Error"), 403: ("The key lacks the admin scope", "Error")]
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/admin/keys", tag: "admin", summary: "Create an API key (its secret is shown only here)",
                requestSchema: "KeyCreate",
                responses: denied.merging([201: ("Created, with the secret", "KeyCreated"), 422: ("Invalid body", "Error")]) { $1 }),
            create)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/admin/keys", tag: "admin", summary: "List API keys, newest first (never their secrets)",
                parameters: [
                    .init(
                        name: "tenant", location: "query", schema: ParameterSchema.tenant, description: "Only this tenant's keys",
                        required: false),
                    .init(
                        name: "include_revoked", location: "query", schema: ParameterSchema.boolean, description: "Also revoked keys",
                        required: false),
                ] + page,
                responses: denied.merging([200: ("A page of keys", "KeyList"), 422: ("Bad parameters", "Error")]) { $1 }),
            list)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/admin/keys/{key_id}", tag: "admin",
                summary: "Show an API key (a revoked one only with include_revoked)",
                parameters: [
                    id,
                    .init(
                        name: "include_revoked", location: "query", schema: ParameterSchema.boolean,
                        description: "Show the key even when revoked (DELETE revokes: the key is then gone from this route)",
                        required: false),
                ],
                responses: denied.merging([200: ("The key", "Key"), 404: ("No such key, or revoked", "Error")]) { $1 }),
            get)
        table.add(
            EdgeRoute(
                method: .delete, path: "/api/v1/admin/keys/{key_id}", tag: "admin",
                summary: "Revoke an API key (refused everywhere within seconds)", parameters: [id],
                responses: denied.merging([200: ("The revoked key", "Key"), 404: ("No such key", "Error")]) { $1 }),
            revoke)
        table.add(
            EdgeRoute(
                method: .post, path: "/api/v1/admin/keys/{key_id}/rotate", tag: "admin",
                summary: "Replace a key: a new secret with the same tenant, scopes and limits; the old key is revoked",
                parameters: [id],
                responses: denied.merging([
                    201: ("The new key, with its secret", "KeyCreated"), 404: ("No such key", "Error"), 409: ("The key is revoked", "Error"),
                ]) { $1 }),
            rotate)
        table.add(
            EdgeRoute(
                method: .get, path: "/api/v1/admin/audit", tag: "admin", summary: "The audit log of key changes, newest first",
                parameters: page, responses: denied.merging([200: ("A page of entries", "AuditList"), 422: ("Bad parameters", "Error")]) { $1 }),
            audit)
    }


    @Sendable func create(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let body = try decodeRequestBody(KeyCreateBody.self, from: Data(try await request.bodyData(context: context)))
        var message = Interviewcoach_V1_CreateKeyRequest()
        message.tenant = body.tenant
        message.scopes = body.scopes
        message.name = body.name ?? ""
        message.limits = (body.limits ?? .unlimited).proto
        if let days = body.expiresInDays {
            message.expiresAt = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(Double(days) * 86_400))
        }
        let created = try await client.createKey(message, metadata: context.rpcMetadata)
        return .json(KeyBody(created.key, secret: created.secret), status: .created)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_ListKeysRequest()
        let query = request.query
        var violations: [FieldViolation] = []
        let requested = PageQuery(query, violations: &violations)
        (message.pageSize, message.pageToken) = (requested.size, requested.token)
        if let tenant = query["tenant"] {
            if Tenant(rawValue: tenant) == nil {
                violations.append(FieldViolation(field: "tenant", message: "must match [a-z0-9][a-z0-9_-]{0,62}"))
            }
            message.tenant = tenant
        }
        do {
            message.includeRevoked = try request.booleanQuery("include_revoked")
        } catch { violations += error.violations }
        if !violations.isEmpty { throw CoachError.validation(violations) }
        let page = try await client.listKeys(message, metadata: context.rpcMetadata)
        return .json(KeyList(keys: page.keys.map { KeyBody($0) }, nextCursor: page.nextPageToken.isEmpty ? nil : page.nextPageToken))
    }

    @Sendable func get(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_GetKeyRequest()
        message.id = try context.pathParameter("key_id")
        let includeRevoked = try request.booleanQuery("include_revoked")
        let key = try await client.getKey(message, metadata: context.rpcMetadata)
        // DELETE revoked it: as far as this resource goes it is gone; the record stays for audit.
        if key.hasRevokedAt && !includeRevoked {
            throw CoachError(.notFound, "key not found", details: ["key_id": .string(key.id)])
        }
        return .json(KeyBody(key))
    }

    @Sendable func revoke(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_RevokeKeyRequest()
        message.id = try context.pathParameter("key_id")
        return .json(KeyBody(try await client.revokeKey(message, metadata: context.rpcMetadata)))
    }

    @Sendable func rotate(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_RotateKeyRequest()
        message.id = try context.pathParameter("key_id")
        let created = try await client.rotateKey(message, metadata: context.rpcMetadata)
        return .json(KeyBody(created.key, secret: created.secret), status: .created)
    }

    @Sendable func audit(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var message = Interviewcoach_V1_ListAuditEntriesRequest()
        let requested = try PageQuery(request.query)
        (message.pageSize, message.pageToken) = (requested.size, requested.token)
        let page = try await client.listAuditEntries(message, metadata: context.rpcMetadata)
        return .json(
            AuditList(
                entries: page.entries.map {
                    AuditBody(id: $0.id, at: $0.at.date.rfc3339, actor: $0.actor, action: $0.action, target: $0.target, tenant: $0.tenant)
                },
                nextCursor: page.nextPageToken.isEmpty ? nil : page.nextPageToken))
    }
}

// MARK: - Bodies

/// `POST /api/v1/admin/keys`.
struct KeyCreateBody: Decodable {
    var tenant: String
    var scopes: [String]
    var name: String?
    var limits: KeyLimits?
    var expiresInDays: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tenant, scopes, name, limits
        case expiresInDays = "expires_in_days"
    }

    init(from decoder: any Swift.Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tenant = try c.decode(String.self, forKey: .tenant)
        scopes = try c.decode([String].self, forKey: .scopes)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        limits = try c.decodeIfPresent(KeyLimitsBody.self, forKey: .limits)?.limits
        expiresInDays = try c.decodeIfPresent(Int.self, forKey: .expiresInDays)
        if let days = expiresInDays, !(1...3650).contains(days) {
            throw DecodingError.dataCorruptedError(forKey: .expiresInDays, in: c, debugDescription: "must be 1-3650")
        }
    }
}

/// The `limits` object: each limit positive, or absent for none.
struct KeyLimitsBody: Decodable {
    var limits: KeyLimits

    enum CodingKeys: String, CodingKey, CaseIterable {
        case requestsPerMinute = "requests_per_minute"
        case generationsPerDay = "generations_per_day"
        case monthlyTokens = "monthly_tokens"
        case maxStreams = "max_streams"
    }

    init(from decoder: any Swift.Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func limit(_ key: CodingKeys, max: Int64) throws -> Int64? {
            guard let value = try c.decodeIfPresent(Int64.self, forKey: key) else { return nil }
            guard (1...max).contains(value) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be 1-\(max)")
            }
            return value
        }
        limits = KeyLimits(
            requestsPerMinute: try limit(.requestsPerMinute, max: Int64(Int32.max)).map(Int.init),
            generationsPerDay: try limit(.generationsPerDay, max: Int64(Int32.max)).map(Int.init),
            monthlyTokens: try limit(.monthlyTokens, max: 1_000_000_000_000),
            maxStreams: try limit(.maxStreams, max: Int64(Int32.max)).map(Int.init))
    }
}

/// A key as REST shows it; `key` (the secret) only when just created or rotated.
struct KeyBody: Encodable {
    var key: String?
    var id: String
    var prefix: String
    var tenant: String
    var scopes: [String]
    var name: String
    var limits: KeyLimits
    var createdAt: String
    var expiresAt: String?
    var revokedAt: String?
    var createdBy: String

    init(_ message: Interviewcoach_V1_ApiKey, secret: String? = nil) {
        key = secret
        id = message.id
        prefix = message.prefix
        tenant = message.tenant
        scopes = message.scopes
        name = message.name
        limits = KeyLimits(proto: message.limits)
        createdAt = message.createdAt.date.rfc3339
        expiresAt = message.hasExpiresAt ? message.expiresAt.date.rfc3339 : nil
        revokedAt = message.hasRevokedAt ? message.revokedAt.date.rfc3339 : nil
        createdBy = message.createdBy
    }

    enum CodingKeys: String, CodingKey {
        case key, id, prefix, tenant, scopes, name, limits
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case createdBy = "created_by"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let key { try c.encode(key, forKey: .key) }
        try c.encode(id, forKey: .id)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(tenant, forKey: .tenant)
        try c.encode(scopes, forKey: .scopes)
        try c.encode(name, forKey: .name)
        try c.encode(limits, forKey: .limits)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(revokedAt, forKey: .revokedAt)
        try c.encode(createdBy, forKey: .createdBy)
    }
}

struct KeyList: Encodable {
    var keys: [KeyBody]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case keys
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(keys, forKey: .keys)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

struct AuditBody: Encodable {
    var id: String
    var at: String
    var actor: String
    var action: String
    var target: String
    var tenant: String
}

struct AuditList: Encodable {
    var entries: [AuditBody]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case entries
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries, forKey: .entries)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}
