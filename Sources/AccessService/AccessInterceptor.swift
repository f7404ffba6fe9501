import CoachAccess
import CoachCore
import CoachWire
import GRPCCore

/// Checks every call but health: the key in `authorization: Bearer <key>`, the scope the method
/// needs, and the key's limits; then runs the handler (and a streaming response's producer)
/// with `RPCCaller.current` set. Errors are the contract's: UNAUTHENTICATED, PERMISSION_DENIED,
/// RESOURCE_EXHAUSTED (with `RetryInfo`).
public struct AccessInterceptor: ServerInterceptor {
    private let verifier: KeyVerifier
    private let policy: AccessPolicy

    public init(verifier: KeyVerifier, policy: AccessPolicy) {
        self.verifier = verifier
        self.policy = policy
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let rule = MethodAccess.rule(for: context.descriptor)
        guard let scope = rule.scope else { return try await next(request, context) }
        let caller: Caller
        let slot: StreamSlot?
        do {
            caller = try Self.effectiveCaller(
                try await verifier.caller(presented: AccessMetadata.bearerKey(request.metadata)), metadata: request.metadata)
            guard caller.scopes.contains(scope) else { throw CoachError.missingScope(scope) }
            try await policy.admit(caller, generation: rule.generates)
            slot = rule.streams ? try policy.openStream(caller) : nil
        } catch let error as CoachError {
            return StreamingServerResponse(error: RPCError(error))
        }
        var response = try await RPCCaller.$current.withValue(caller) { try await next(request, context) }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                defer { slot?.release() }
                return try await RPCCaller.$current.withValue(caller) { try await producer(writer) }
            }
            response.accepted = .success(contents)
        case .failure:
            slot?.release()
        }
        return response
    }

    /// An admin-scoped key may act for another tenant (`x-coach-tenant`): how roles call each
    /// other with the admin key on behalf of the tenant whose request they serve. A server
    /// without keys ignores it (there, roles send none), so an open server never serves one
    /// tenant's data to whoever names it.
    static func effectiveCaller(_ caller: Caller, metadata: Metadata) throws(CoachError) -> Caller {
        guard let text = metadata[stringValues: AccessMetadata.tenant].first(where: { _ in true }) else { return caller }
        guard caller.identity != .open, caller.scopes.contains(.admin) else { return caller }
        guard let tenant = Tenant(rawValue: text) else { throw CoachError.badRequest("x-coach-tenant is not a tenant") }
        var acting = caller
        acting.tenant = tenant
        return acting
    }
}

/// What each method needs: its scope (`nil`: open to all, the health service), whether it
/// starts a generation (counted against `generations_per_day`), whether it is a stream.
public struct MethodAccess: Sendable {
    public var scope: AccessScope?
    public var generates = false
    public var streams = false

    static let open = MethodAccess(scope: nil)

    public static func rule(for method: MethodDescriptor) -> MethodAccess {
        switch method.service.fullyQualifiedService {
        case "grpc.health.v1.Health": return .open
        case "interviewcoach.v1.ResumeService":
            return MethodAccess(scope: method.method.hasPrefix("Get") || method.method.hasPrefix("List") ? .resumesRead : .resumesWrite)
        case "interviewcoach.v1.InterviewService", "interviewcoach.v1.LearningService":
            if method.method.hasPrefix("Generate") || method.method.hasPrefix("Start") {
                return MethodAccess(scope: .generate, generates: true)
            }
            if method.method.hasPrefix("Delete") { return MethodAccess(scope: .resumesWrite) }
            return MethodAccess(scope: .resumesRead)
        case "interviewcoach.v1.TaskService":
            return MethodAccess(scope: .resumesRead, streams: method.method == "WatchTask")
        case "interviewcoach.v1.PracticeService":
            // A practice conversation is held open as long as the candidate takes: a stream.
            return MethodAccess(scope: .generate, streams: method.method == "Practice")
        case "interviewcoach.v1.ProviderService": return MethodAccess(scope: .generate)
        default: return MethodAccess(scope: .admin)
        }
    }
}
