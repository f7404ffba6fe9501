@testable import AccessService
import CoachAccess
import CoachCore
import CoachMesh
import CoachProtos
import CoachStore
import CoachStoreTesting
import CoachWire
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import ResumeService
import Testing

/// ResumeService and AdminService behind the access interceptor on grpc-swift's in-process
/// transport, with keys on: what every role's gRPC port does.
struct KeyedServices {
    static let adminKey = "admin-key-for-tests-0123456789"
    let resumes: Interviewcoach_V1_ResumeService.Client<InProcessTransport.Client>
    let admin: Interviewcoach_V1_AdminService.Client<InProcessTransport.Client>
    let health: Grpc_Health_V1_Health.Client<InProcessTransport.Client>

    static func run(limits: KeyLimits = .unlimited, _ body: @escaping @Sendable (KeyedServices) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID().uuidString).sqlite").path
        let database = try SQLiteDatabase(path: path, logger: Logger(label: "test"))
        let keys = SQLiteAPIKeyStore(database: database)
        let codec = KeyCodec(pepper: adminKey)
        let verifier = KeyVerifier(enforcing: true, store: keys, adminKey: adminKey, codec: codec)
        let transport = InProcessTransport()
        let statuses = HealthStatuses(serving: [Interviewcoach_V1_ResumeService.descriptor.fullyQualifiedService])
        let server = GRPCServer(
            transport: transport.server,
            services: [
                ResumeGRPCService(operations: ResumeOperations(store: SQLiteResumeStore(database: database))),
                AdminGRPCService(operations: KeyOperations(store: keys, codec: codec, verifier: verifier, logger: Logger(label: "test"))),
                HealthGRPCService(statuses: statuses) { true },
            ],
            interceptors: [AccessInterceptor(verifier: verifier, policy: AccessPolicy(limiter: InProcessRateLimiter()))])
        let client = GRPCClient(transport: transport.client)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            group.addTask { try await client.runConnections() }
            defer {
                client.beginGracefulShutdown()
                server.beginGracefulShutdown()
            }
            try await body(
                KeyedServices(
                    resumes: .init(wrapping: client), admin: .init(wrapping: client), health: .init(wrapping: client)))
        }
    }

    static func bearer(_ key: String, tenant: String? = nil) -> Metadata {
        var metadata: Metadata = ["authorization": "Bearer \(key)"]
        if let tenant { metadata.addString(tenant, forKey: "x-coach-tenant") }
        return metadata
    }

    func key(tenant: String, scopes: [String], limits: KeyLimits = .unlimited) async throws -> String {
        var request = Interviewcoach_V1_CreateKeyRequest()
        request.tenant = tenant
        request.scopes = scopes
        request.limits = limits.proto
        return try await admin.createKey(request, metadata: Self.bearer(Self.adminKey)).secret
    }

    func create(_ name: String, key: String) async throws -> Interviewcoach_V1_Resume {
        var request = Interviewcoach_V1_CreateResumeRequest()
        request.content = content(name: name).proto
        return try await resumes.createResume(request, metadata: Self.bearer(key))
    }

    func get(_ uniqueKey: String, key: String, tenant: String? = nil) async throws -> Interviewcoach_V1_Resume {
        var request = Interviewcoach_V1_GetResumeRequest()
        request.uniqueKey = uniqueKey
        return try await resumes.getResume(request, metadata: Self.bearer(key, tenant: tenant))
    }
}

func expectCode(_ code: RPCError.Code, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(code)")
    } catch let error as RPCError {
        #expect(error.code == code)
    } catch {
        Issue.record("unexpected \(error)")
    }
}

@Suite struct AccessInterceptorTests {
    @Test func healthIsOpenAndEverythingElseNeedsAKey() async throws {
        try await KeyedServices.run { services in
            let reply = try await services.health.check(Grpc_Health_V1_HealthCheckRequest())
            #expect(reply.status == .serving)
            await expectCode(.unauthenticated) { _ = try await services.resumes.listResumes(Interviewcoach_V1_ListResumesRequest()) }
            await expectCode(.unauthenticated) {
                _ = try await services.resumes.listResumes(.init(), metadata: KeyedServices.bearer("ic_0123456789abcdef_" + String(repeating: "x", count: 32)))
            }
            await expectCode(.unauthenticated) { _ = try await services.admin.listKeys(.init()) }
        }
    }

    @Test func aKeyWithoutTheScopeIsDenied() async throws {
        try await KeyedServices.run { services in
            let reader = try await services.key(tenant: "acme", scopes: ["resumes:read"])
            await expectCode(.permissionDenied) { _ = try await services.create("Kim", key: reader) }
            await expectCode(.permissionDenied) { _ = try await services.admin.listKeys(.init(), metadata: KeyedServices.bearer(reader)) }
            _ = try await services.resumes.listResumes(.init(), metadata: KeyedServices.bearer(reader))
        }
    }

    @Test func anotherTenantsResumeIsNotFoundAndOnlyAdminsActForATenant() async throws {
        try await KeyedServices.run { services in
            let acme = try await services.key(tenant: "acme", scopes: ["resumes:read", "resumes:write"])
            let globex = try await services.key(tenant: "globex", scopes: ["resumes:read", "resumes:write"])
            let created = try await services.create("Kim", key: acme)
            #expect(created.uniqueKey == "Kim_1")
            #expect(try await services.get("Kim_1", key: acme).id == created.id)
            await expectCode(.notFound) { _ = try await services.get("Kim_1", key: globex) }
            // Naming a tenant is ignored for a non-admin key, honoured for the admin key.
            await expectCode(.notFound) { _ = try await services.get("Kim_1", key: globex, tenant: "acme") }
            #expect(try await services.get("Kim_1", key: KeyedServices.adminKey, tenant: "acme").id == created.id)
            let listed = try await services.resumes.listResumes(.init(), metadata: KeyedServices.bearer(globex))
            #expect(listed.resumes.isEmpty)
        }
    }

    @Test func aKeyPastItsRequestLimitIsExhaustedWithWhenToRetry() async throws {
        try await KeyedServices.run { services in
            let key = try await services.key(tenant: "acme", scopes: ["resumes:read"], limits: KeyLimits(requestsPerMinute: 2))
            // Keep the calls inside one minute window.
            let second = Calendar.current.component(.second, from: Date())
            if second > 50 { try await Task.sleep(for: .seconds(61 - second)) }
            for _ in 0..<2 { _ = try await services.resumes.listResumes(.init(), metadata: KeyedServices.bearer(key)) }
            do {
                _ = try await services.resumes.listResumes(.init(), metadata: KeyedServices.bearer(key))
                Issue.record("expected RESOURCE_EXHAUSTED")
            } catch let error as RPCError {
                #expect(error.code == .resourceExhausted)
                #expect(CoachError(rpcError: error).details["limit"] == .string("requests_per_minute"))
            }
        }
    }
}

@Suite struct OnBehalfOfTests {
    @Test func onlyAKeyWithAdminScopeActsForAnotherTenant() throws {
        let metadata: Metadata = ["x-coach-tenant": "acme"]
        let admin = Caller(identity: .adminKey, tenant: .default, scopes: Set(AccessScope.allCases))
        #expect(try AccessInterceptor.effectiveCaller(admin, metadata: metadata).tenant == Tenant(rawValue: "acme"))
        let member = Caller(identity: .key(id: "0123456789abcdef"), tenant: .default, scopes: [.resumesRead])
        #expect(try AccessInterceptor.effectiveCaller(member, metadata: metadata).tenant == .default)
        // A server without keys ignores the header: naming a tenant reads nobody's data.
        #expect(try AccessInterceptor.effectiveCaller(.open, metadata: metadata).tenant == .default)
        #expect(throws: CoachError.self) { try AccessInterceptor.effectiveCaller(admin, metadata: ["x-coach-tenant": "Not A Tenant"]) }
    }
}
