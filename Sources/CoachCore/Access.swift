import Foundation

/// Whose data a request touches. Every resume, result, task and idempotency key belongs to one
/// tenant; another tenant's key sees them as not found. Data from before keys existed belongs to
/// `default`, as does everything when the server runs without keys.
public struct Tenant: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// The tenant of a server without keys, and of data stored before tenants existed.
    public static let `default` = Tenant(unchecked: "default")

    /// `[a-z0-9][a-z0-9_-]{0,62}`: safe in keys, logs and URLs.
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        return alnum(bytes[0]) && bytes.dropFirst().allSatisfy { alnum($0) || $0 == 0x5F || $0 == 0x2D }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let tenant = Tenant(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid tenant"))
        }
        self = tenant
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// What a key may do. Each RPC needs one scope (`docs/SECURITY.md` lists them per route).
public enum AccessScope: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Read resumes and what was generated for them, tasks and their progress.
    case resumesRead = "resumes:read"
    /// Create, replace and delete resumes (and, through deletion, their generated data).
    case resumesWrite = "resumes:write"
    /// Start generations (synchronous or background): the scope that spends LLM money.
    case generate
    /// Manage keys, act for any tenant, read provider state.
    case admin

    public static func < (lhs: AccessScope, rhs: AccessScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What a key may spend; `nil` means unlimited.
public struct KeyLimits: Sendable, Hashable, Codable {
    public var requestsPerMinute: Int?
    public var generationsPerDay: Int?
    /// LLM tokens (input + output, as providers reported them) per calendar month, UTC.
    public var monthlyTokens: Int64?
    /// Concurrent streams: task watches (WatchTask; SSE clients on the edge) and practice
    /// conversations (Practice; live sockets on the edge).
    public var maxStreams: Int?

    public init(requestsPerMinute: Int? = nil, generationsPerDay: Int? = nil, monthlyTokens: Int64? = nil, maxStreams: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.generationsPerDay = generationsPerDay
        self.monthlyTokens = monthlyTokens
        self.maxStreams = maxStreams
    }

    public static let unlimited = KeyLimits()

    enum CodingKeys: String, CodingKey {
        case requestsPerMinute = "requests_per_minute"
        case generationsPerDay = "generations_per_day"
        case monthlyTokens = "monthly_tokens"
        case maxStreams = "max_streams"
    }
}

/// Who is calling: the verified key (or the admin key, or nobody when the server runs without
/// keys), its tenant and scopes. Handlers read the tenant from it; they never take one from the
/// request body.
public struct Caller: Sendable, Hashable {
    public enum Identity: Sendable, Hashable {
        /// The server runs without keys: every request is the default tenant's with every scope.
        case open
        /// `COACH_ADMIN_KEY`.
        case adminKey
        /// A stored key, by id.
        case key(id: String)
    }

    public var identity: Identity
    public var tenant: Tenant
    public var scopes: Set<AccessScope>
    public var limits: KeyLimits

    public init(identity: Identity, tenant: Tenant, scopes: Set<AccessScope>, limits: KeyLimits = .unlimited) {
        self.identity = identity
        self.tenant = tenant
        self.scopes = scopes
        self.limits = limits
    }

    /// A server without keys.
    public static let open = Caller(identity: .open, tenant: .default, scopes: Set(AccessScope.allCases))

    /// The id shown in audit entries and logs: a key id, `admin` or `open`.
    public var actor: String {
        switch identity {
        case .open: "open"
        case .adminKey: "admin"
        case .key(let id): id
        }
    }

    /// The key id whose limits apply, if any (the admin key and an open server have none).
    public var limitedKeyID: String? {
        if case .key(let id) = identity { return id }
        return nil
    }
}

extension CoachError {
    /// 401 / UNAUTHENTICATED: no key, or one that is unknown, revoked or expired. The message
    /// never says which, so keys cannot be probed.
    public static let unauthenticated = CoachError(.unauthorized, "a valid API key is required (Authorization: Bearer <key>)")

    /// 403 / PERMISSION_DENIED: the key is valid but lacks `scope`.
    public static func missingScope(_ scope: AccessScope) -> CoachError {
        CoachError(.forbidden, "this key lacks the \(scope.rawValue) scope", details: ["scope": .string(scope.rawValue)])
    }

    /// 429 / RESOURCE_EXHAUSTED with when to retry (`retry_after_seconds`) and the limit that
    /// was hit, for `Retry-After` and the `RateLimit-*` headers.
    public static func limitExceeded(_ limit: String, allowed: Int64, resetSeconds: Int64) -> CoachError {
        CoachError(
            .rateLimited, "\(limit) limit reached; retry in \(resetSeconds) s",
            details: [
                "limit": .string(limit), "limit_value": .number(Double(allowed)), "retry_after_seconds": .number(Double(resetSeconds)),
            ])
    }
}

/// Where the tokens a generation spent are charged (to the key that asked for it, for its
/// monthly budget). The access policy implements it; without keys nothing is charged.
public protocol UsageMeter: Sendable {
    func record(usage: Usage, keyID: String?, at date: Date) async
}
