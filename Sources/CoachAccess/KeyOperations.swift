import CoachCore
import CoachStore
import Foundation
import Logging

/// The key administration use cases (admin scope): create, list, show, revoke, rotate, and the
/// audit log every change is written to.
public struct KeyOperations: Sendable {
    private let store: any APIKeyStore
    private let codec: KeyCodec
    private let verifier: KeyVerifier?
    private let logger: Logger
    private let now: @Sendable () -> Date

    public init(
        store: any APIKeyStore, codec: KeyCodec, verifier: KeyVerifier?, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.codec = codec
        self.verifier = verifier
        self.logger = logger
        self.now = now
    }

    /// What a new key is made of, as a client asks for it.
    public struct NewKey: Sendable {
        public var tenant: String
        public var scopes: [String]
        public var name: String
        public var limits: KeyLimits
        public var expiresAt: Date?

        public init(tenant: String, scopes: [String], name: String, limits: KeyLimits, expiresAt: Date?) {
            self.tenant = tenant
            self.scopes = scopes
            self.name = name
            self.limits = limits
            self.expiresAt = expiresAt
        }
    }

    /// Stores a new key and returns it with its secret, which is never shown again.
    public func create(_ request: NewKey, by caller: Caller) async throws -> (key: APIKeyRecord, secret: String) {
        let date = now()
        var violations: [FieldViolation] = []
        let tenant = Tenant(rawValue: request.tenant)
        if tenant == nil {
            violations.append(FieldViolation(field: "tenant", message: "must match [a-z0-9][a-z0-9_-]{0,62}"))
        }
        var scopes: [AccessScope] = []
        for (index, text) in request.scopes.enumerated() {
            if let scope = AccessScope(rawValue: text) {
                if !scopes.contains(scope) { scopes.append(scope) }
            } else {
                violations.append(
                    FieldViolation(
                        field: "scopes[\(index)]",
                        message: "must be one of \(AccessScope.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        if request.scopes.isEmpty { violations.append(FieldViolation(field: "scopes", message: "at least one scope is required")) }
        if TextRules.length(request.name) > 100 || request.name.unicodeScalars.contains(where: TextRules.isControl) {
            violations.append(FieldViolation(field: "name", message: "at most 100 characters, no control characters"))
        }
        let limits = request.limits
        for (field, value) in [
            ("limits.requests_per_minute", limits.requestsPerMinute.map(Int64.init)),
            ("limits.generations_per_day", limits.generationsPerDay.map(Int64.init)), ("limits.monthly_tokens", limits.monthlyTokens),
            ("limits.max_streams", limits.maxStreams.map(Int64.init)),
        ] where (value ?? 1) < 1 {
            violations.append(FieldViolation(field: field, message: "must be positive (leave it out for no limit)"))
        }
        if let expiresAt = request.expiresAt, expiresAt <= date {
            violations.append(FieldViolation(field: "expires_at", message: "must be in the future"))
        }
        guard violations.isEmpty, let tenant else { throw CoachError.validation(violations) }
        let (id, secret) = codec.generate()
        let parsed = KeyCodec.parse(secret)!
        let record = APIKeyRecord(
            id: id, tenant: tenant, scopes: scopes.sorted(), name: TextRules.trimmed(request.name), limits: limits, createdAt: date,
            expiresAt: request.expiresAt, createdBy: caller.actor, secretHash: codec.hash(id: id, secret: parsed.secret))
        try await store.insert(record)
        try await audit("key.create", target: record, by: caller, at: date)
        return (record, secret)
    }

    /// Newest first; `tenant` empty or nil lists every tenant's keys.
    public func list(tenant: String?, includeRevoked: Bool, pageSize: Int, pageToken: String?) async throws -> Page<APIKeyRecord> {
        var filter: Tenant?
        if let tenant, !tenant.isEmpty {
            guard let parsed = Tenant(rawValue: tenant) else {
                throw CoachError.badRequest("tenant must match [a-z0-9][a-z0-9_-]{0,62}", field: "tenant")
            }
            filter = parsed
        }
        let (limit, cursor) = try PageSize.request(pageSize: pageSize, pageToken: pageToken)
        return try await store.list(tenant: filter, includeRevoked: includeRevoked, limit: limit, after: cursor)
    }

    public func get(id: String) async throws -> APIKeyRecord {
        guard Self.isKeyID(id), let record = try await store.find(id: id) else { throw Self.notFound(id) }
        return record
    }

    /// Revokes the key (again is fine: the first revocation time stays).
    public func revoke(id: String, by caller: Caller) async throws -> APIKeyRecord {
        guard Self.isKeyID(id), let record = try await store.revoke(id: id, at: now()) else { throw Self.notFound(id) }
        verifier?.forget(id: id)
        try await audit("key.revoke", target: record, by: caller, at: now())
        return record
    }

    /// A new key with the same tenant, scopes, name, limits and expiry; the old one is revoked.
    public func rotate(id: String, by caller: Caller) async throws -> (key: APIKeyRecord, secret: String) {
        let old = try await get(id: id)
        guard old.revokedAt == nil else { throw CoachError(.conflict, "key \(id) is revoked; create a new one") }
        let date = now()
        let (newID, secret) = codec.generate()
        let parsed = KeyCodec.parse(secret)!
        var record = old
        record.id = newID
        record.createdAt = date
        record.createdBy = caller.actor
        record.revokedAt = nil
        record.secretHash = codec.hash(id: newID, secret: parsed.secret)
        try await store.insert(record)
        _ = try await store.revoke(id: id, at: date)
        verifier?.forget(id: id)
        try await audit("key.rotate", target: old, by: caller, at: date, detail: newID)
        return (record, secret)
    }

    public func auditLog(pageSize: Int, pageToken: String?) async throws -> Page<AuditEntry> {
        let (limit, cursor) = try PageSize.request(pageSize: pageSize, pageToken: pageToken)
        return try await store.auditLog(limit: limit, after: cursor)
    }

    private func audit(_ action: String, target: APIKeyRecord, by caller: Caller, at date: Date, detail: String? = nil) async throws {
        let entry = AuditEntry(
            id: DocumentID.make(at: date), at: date, actor: caller.actor, action: action, target: target.id, tenant: target.tenant)
        try await store.append(entry)
        var metadata: Logger.Metadata = [
            "audit.actor": "\(entry.actor)", "audit.action": "\(action)", "audit.target": "\(target.prefix)",
            "audit.tenant": "\(target.tenant)",
        ]
        if let detail { metadata["audit.new_key"] = "ic_\(detail)" }
        logger.notice("admin action", metadata: metadata)
    }

    static func isKeyID(_ id: String) -> Bool {
        id.utf8.count == 16 && id.utf8.allSatisfy { KeyCodec.hex.contains($0) }
    }

    private static func notFound(_ id: String) -> CoachError {
        CoachError(.notFound, "key not found", details: ["key_id": .string(String(id.prefix(64)))])
    }

}
