import Foundation

/// A stored API key: everything but the secret, which is kept only as a peppered hash.
public struct APIKeyRecord: Sendable, Hashable, Codable {
    /// 16 lowercase hex characters; the visible part of the key (`ic_<id>_<secret>`).
    public var id: String
    public var tenant: Tenant
    public var scopes: [AccessScope]
    /// A label for people.
    public var name: String
    public var limits: KeyLimits
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// The actor that created it (`Caller.actor`).
    public var createdBy: String
    /// Hex HMAC-SHA-256 of the secret under the server's pepper.
    public var secretHash: String

    public init(
        id: String, tenant: Tenant, scopes: [AccessScope], name: String, limits: KeyLimits, createdAt: Date,
        expiresAt: Date?, revokedAt: Date? = nil, createdBy: String, secretHash: String
    ) {
        self.id = id
        self.tenant = tenant
        self.scopes = scopes
        self.name = name
        self.limits = limits
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdBy = createdBy
        self.secretHash = secretHash
    }

    /// What a list shows: `ic_<id>`.
    public var prefix: String { "ic_\(id)" }

    /// Whether the key is usable at `date`.
    public func isActive(at date: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { date < $0 } ?? true)
    }
}

/// One administrative action: who did what to which key, when. Never a secret.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: String
    public var at: Date
    /// `Caller.actor` of the one who acted.
    public var actor: String
    /// `key.create`, `key.revoke`, `key.rotate`.
    public var action: String
    /// The key id acted on.
    public var target: String
    public var tenant: Tenant

    public init(id: String, at: Date, actor: String, action: String, target: String, tenant: Tenant) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.tenant = tenant
    }
}
