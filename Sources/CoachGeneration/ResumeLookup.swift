import CoachCore

/// How generation finds a resume: through ResumeService (over gRPC in every deployment:
/// `GRPCResumeLookup`), never through its storage.
public protocol ResumeLookup: Sendable {
    /// Throws `RESUME_NOT_FOUND` for an unknown key.
    func resume(tenant: Tenant, uniqueKey: String) async throws -> Resume
}
