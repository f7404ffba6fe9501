import CoachCore
import CoachStore
import Foundation
import Synchronization

/// Turns a presented key into a `Caller`. Keys come from the store through a short cache, so
/// the hot path does not read the store and a revocation still reaches every role within
/// `cacheTTL`.
public final class KeyVerifier: Sendable {
    /// Whether keys are enforced: false only for a server started without keys (loopback or
    /// `--insecure-no-auth`), where every call is `Caller.open`.
    public let enforcing: Bool
    private let store: (any APIKeyStore)?
    private let adminKey: String?
    private let codec: KeyCodec
    private let cacheTTL: Duration
    private let cache = Mutex<[String: Cached]>([:])

    private struct Cached {
        var record: APIKeyRecord?
        /// The record's hash, decoded once.
        var hash: [UInt8]
        var fetched: ContinuousClock.Instant
    }

    /// How many ids the cache keeps before it starts over (a flood of made-up ids cannot grow it).
    static let cacheLimit = 10_000

    /// - Parameters:
    ///   - store: where keys live; `nil` on a role without the stores (the edge), which then
    ///     accepts only the admin key (it forwards every other key to the services that check it).
    ///   - adminKey: `COACH_ADMIN_KEY`, a key with every scope in the default tenant.
    public init(
        enforcing: Bool, store: (any APIKeyStore)?, adminKey: String?, codec: KeyCodec, cacheTTL: Duration = .seconds(2)
    ) {
        self.enforcing = enforcing
        self.store = store
        self.adminKey = adminKey
        self.codec = codec
        self.cacheTTL = cacheTTL
    }

    /// A verifier for a server without keys.
    public static let open = KeyVerifier(enforcing: false, store: nil, adminKey: nil, codec: KeyCodec(pepper: ""))

    /// The caller `presented` (the bare key) stands for. Throws `UNAUTHORIZED` for a missing,
    /// malformed, unknown, revoked or expired key, all alike.
    public func caller(presented: String?, at date: Date = Date()) async throws -> Caller {
        guard enforcing else { return .open }
        guard let presented, !presented.isEmpty else { throw CoachError.unauthenticated }
        if let adminKey, KeyCodec.constantTimeEqual(presented, adminKey) {
            return Caller(identity: .adminKey, tenant: .default, scopes: Set(AccessScope.allCases))
        }
        guard let (id, secret) = KeyCodec.parse(presented), let (record, hash) = try await record(id: id),
            KeyCodec.constantTimeEqual(codec.mac(id: id, secret: secret), hash), record.isActive(at: date)
        else { throw CoachError.unauthenticated }
        return Caller(identity: .key(id: record.id), tenant: record.tenant, scopes: Set(record.scopes), limits: record.limits)
    }

    /// Forgets a key at once in this process (after a revocation here); other processes follow
    /// within `cacheTTL`.
    public func forget(id: String) {
        cache.withLock { _ = $0.removeValue(forKey: id) }
    }

    private func record(id: String) async throws -> (APIKeyRecord, [UInt8])? {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[id] }), now - cached.fetched < cacheTTL {
            return cached.record.map { ($0, cached.hash) }
        }
        guard let store else { return nil }
        let record = try await store.find(id: id)
        let hash = record.flatMap { KeyCodec.bytes(hex: $0.secretHash) } ?? []
        cache.withLock { entries in
            if entries.count >= Self.cacheLimit { entries.removeAll(keepingCapacity: true) }
            entries[id] = Cached(record: record, hash: hash, fetched: now)
        }
        return record.map { ($0, hash) }
    }
}
