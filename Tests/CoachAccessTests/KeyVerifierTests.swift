@testable import CoachAccess
import CoachCore
import CoachStore
import Foundation
import Logging
import Testing

func temporaryKeyStore() throws -> SQLiteAPIKeyStore {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).sqlite").path
    return SQLiteAPIKeyStore(database: try SQLiteDatabase(path: path, logger: Logger(label: "test")))
}

let acme = Tenant(rawValue: "acme")!

@Suite struct KeyCodecTests {
    @Test func aGeneratedKeyParsesBackToItsId() {
        let codec = KeyCodec(pepper: "pepper")
        let (id, key) = codec.generate()
        #expect(key.hasPrefix("ic_\(id)_"))
        #expect(KeyCodec.parse(key)?.id == id)
        #expect(KeyCodec.parse(key)?.secret.count == 32)
    }

    @Test(arguments: [
        "", "ic_", "ic_0123456789abcdef", "ic_0123456789abcdeg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ic_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "sk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "ic_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-", "ic_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_x",
    ])
    func malformedKeysDoNotParse(key: String) {
        #expect(KeyCodec.parse(key) == nil)
    }

    @Test func theStoredHashDependsOnThePepperAndTheId() {
        let one = KeyCodec(pepper: "one")
        let two = KeyCodec(pepper: "two")
        #expect(one.hash(id: "a", secret: "s") == one.hash(id: "a", secret: "s"))
        #expect(one.hash(id: "a", secret: "s") != two.hash(id: "a", secret: "s"))
        #expect(one.hash(id: "a", secret: "s") != one.hash(id: "b", secret: "s"))
        #expect(one.hash(id: "a", secret: "s").count == 64)
    }

    @Test func constantTimeComparisonStillCompares() {
        #expect(KeyCodec.constantTimeEqual("abc", "abc"))
        #expect(!KeyCodec.constantTimeEqual("abc", "abd"))
        #expect(!KeyCodec.constantTimeEqual("abc", "abcd"))
    }
}

@Suite struct KeyVerifierTests {
    let codec = KeyCodec(pepper: "a-server-side-pepper")

    func operations(_ store: SQLiteAPIKeyStore, verifier: KeyVerifier? = nil) -> KeyOperations {
        KeyOperations(store: store, codec: codec, verifier: verifier, logger: Logger(label: "test"))
    }

    @Test func aServerWithoutKeysTreatsEveryCallAsTheDefaultTenant() async throws {
        #expect(try await KeyVerifier.open.caller(presented: nil) == .open)
        #expect(try await KeyVerifier.open.caller(presented: "anything") == .open)
    }

    @Test func aCreatedKeyIsItsTenantWithItsScopesAndLimits() async throws {
        let store = try temporaryKeyStore()
        let verifier = KeyVerifier(enforcing: true, store: store, adminKey: nil, codec: codec)
        let limits = KeyLimits(requestsPerMinute: 10, maxStreams: 2)
        let created = try await operations(store).create(
            .init(tenant: "acme", scopes: ["resumes:read", "generate"], name: "ci", limits: limits, expiresAt: nil), by: .open)
        let caller = try await verifier.caller(presented: created.secret)
        #expect(caller.identity == .key(id: created.key.id))
        #expect(caller.tenant == acme)
        #expect(caller.scopes == [.resumesRead, .generate])
        #expect(caller.limits == limits)
        #expect(created.key.secretHash != created.secret && !created.key.secretHash.contains(created.secret))
    }

    @Test func missingWrongAndForgedKeysAreAllUnauthenticatedAlike() async throws {
        let store = try temporaryKeyStore()
        let verifier = KeyVerifier(enforcing: true, store: store, adminKey: "the-admin-key-0123456789", codec: codec)
        let created = try await operations(store).create(
            .init(tenant: "acme", scopes: ["admin"], name: "", limits: .unlimited, expiresAt: nil), by: .open)
        // The right id with another secret, a made-up id, garbage, nothing.
        let forged = "ic_\(created.key.id)_" + String(repeating: "A", count: 32)
        for presented in [forged, "ic_0123456789abcdef_" + String(repeating: "B", count: 32), "garbage", "", nil] as [String?] {
            await #expect(throws: CoachError.unauthenticated) { try await verifier.caller(presented: presented) }
        }
        let admin = try await verifier.caller(presented: "the-admin-key-0123456789")
        #expect(admin.identity == .adminKey && admin.scopes == Set(AccessScope.allCases) && admin.limitedKeyID == nil)
    }

    @Test func aRevokedKeyStopsWorkingOnceTheCacheExpires() async throws {
        let store = try temporaryKeyStore()
        let verifier = KeyVerifier(enforcing: true, store: store, adminKey: nil, codec: codec, cacheTTL: .milliseconds(200))
        // Another process revokes: this verifier is not told and learns it from the store.
        let elsewhere = operations(store)
        let created = try await elsewhere.create(
            .init(tenant: "acme", scopes: ["resumes:read"], name: "", limits: .unlimited, expiresAt: nil), by: .open)
        _ = try await verifier.caller(presented: created.secret)
        _ = try await elsewhere.revoke(id: created.key.id, by: .open)
        try await Task.sleep(for: .milliseconds(300))
        await #expect(throws: CoachError.unauthenticated) { try await verifier.caller(presented: created.secret) }
    }

    @Test func anExpiredKeyIsRefused() async throws {
        let store = try temporaryKeyStore()
        let verifier = KeyVerifier(enforcing: true, store: store, adminKey: nil, codec: codec)
        let created = try await operations(store).create(
            .init(tenant: "acme", scopes: ["resumes:read"], name: "", limits: .unlimited, expiresAt: Date().addingTimeInterval(3600)),
            by: .open)
        _ = try await verifier.caller(presented: created.secret, at: Date())
        await #expect(throws: CoachError.unauthenticated) {
            try await verifier.caller(presented: created.secret, at: Date().addingTimeInterval(7200))
        }
    }
}

@Suite struct KeyOperationsTests {
    let codec = KeyCodec(pepper: "pepper")

    @Test func badRequestsNameEveryBadField() async throws {
        let operations = KeyOperations(store: try temporaryKeyStore(), codec: codec, verifier: nil, logger: Logger(label: "test"))
        do {
            _ = try await operations.create(
                .init(
                    tenant: "Acme Corp", scopes: ["read", "admin"], name: "bad\u{7}", limits: KeyLimits(requestsPerMinute: 0),
                    expiresAt: Date(timeIntervalSince1970: 0)),
                by: .open)
            Issue.record("expected a validation error")
        } catch let error as CoachError {
            #expect(error.code == .validationError)
            #expect(error.violations.map(\.field) == ["tenant", "scopes[0]", "name", "limits.requests_per_minute", "expires_at"])
        }
    }

    @Test func rotationRevokesTheOldKeyAndEveryChangeIsAudited() async throws {
        let store = try temporaryKeyStore()
        let verifier = KeyVerifier(enforcing: true, store: store, adminKey: nil, codec: codec)
        let operations = KeyOperations(store: store, codec: codec, verifier: verifier, logger: Logger(label: "test"))
        let actor = Caller(identity: .key(id: "00000000000000aa"), tenant: .default, scopes: [.admin])
        let old = try await operations.create(
            .init(tenant: "acme", scopes: ["generate"], name: "bot", limits: KeyLimits(generationsPerDay: 3), expiresAt: nil), by: actor)
        let new = try await operations.rotate(id: old.key.id, by: actor)
        #expect(new.key.tenant == acme && new.key.scopes == [.generate] && new.key.limits == old.key.limits)
        await #expect(throws: CoachError.unauthenticated) { try await verifier.caller(presented: old.secret) }
        #expect(try await verifier.caller(presented: new.secret).tenant == acme)
        await #expect(throws: CoachError.self) { try await operations.rotate(id: old.key.id, by: actor) }
        let log = try await operations.auditLog(pageSize: 10, pageToken: nil).items
        #expect(Set(log.map(\.action)) == ["key.create", "key.rotate"])
        #expect(log.allSatisfy { $0.actor == "00000000000000aa" && $0.target == old.key.id })
        let listed = try await operations.list(tenant: "acme", includeRevoked: true, pageSize: 10, pageToken: nil).items
        #expect(Set(listed.map(\.id)) == [old.key.id, new.key.id])
        await #expect(throws: CoachError.self) { try await operations.get(id: "../../etc") }
    }
}

@Suite struct KeyCodecHexTests {
    @Test func hexRoundTripsAndRefusesWhatIsNotHex() {
        let bytes: [UInt8] = [0x00, 0x0f, 0xa5, 0xff]
        #expect(KeyCodec.hex(bytes) == "000fa5ff")
        #expect(KeyCodec.bytes(hex: "000fa5ff") == bytes)
        #expect(KeyCodec.bytes(hex: "0g") == nil)
        #expect(KeyCodec.bytes(hex: "abc") == nil)
    }
}
