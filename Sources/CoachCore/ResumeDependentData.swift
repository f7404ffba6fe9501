/// Data another service keeps for a resume (question sets, learning paths, their tasks). Deleting
/// a resume deletes it first, whichever transport asked for the deletion (`ResumeOperations`).
public protocol ResumeDependentData: Sendable {
    /// Deletes everything kept for `uniqueKey`; deleting what is already gone succeeds.
    func deleteData(tenant: Tenant, uniqueKey: String) async throws
}
