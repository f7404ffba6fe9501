import CoachCore
import Foundation

/// Where resumes live. Two implementations fit it: SQLite (embedded default) and MongoDB.
///
/// Every resume belongs to one tenant and every method works inside one: a key of another
/// tenant is `RESUME_NOT_FOUND`, and keys are numbered per tenant (two tenants may both have
/// `Alex Kim_1`).
///
/// Every method throws `CoachError`: `RESUME_NOT_FOUND` for an unknown key,
/// `DATABASE_OPERATION_FAILED` / `SERVICE_UNAVAILABLE` when the backend fails.
public protocol ResumeStore: Sendable {
    /// Stores validated content under a newly allocated `{name}_{n}` key. Allocation is atomic
    /// per tenant and name: concurrent creates never collide and a deleted key is never handed
    /// out again.
    func create(_ content: ResumeContent, tenant: Tenant, at date: Date) async throws -> Resume
    func get(tenant: Tenant, uniqueKey: String) async throws -> Resume
    /// Newest first; `name` filters by exact (trimmed) name.
    func list(tenant: Tenant, name: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<Resume>
    /// Replaces the content; `unique_key`, `id` and `created_at` stay.
    func update(tenant: Tenant, uniqueKey: String, content: ResumeContent, at date: Date) async throws -> Resume
    func delete(tenant: Tenant, uniqueKey: String) async throws
    /// A cheap round trip to the backend, for health checks.
    func ping() async throws
}
