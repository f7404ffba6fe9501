import CoachCore
import CoachStore
import Foundation

/// The resume use cases, independent of transport: validation, then the store; deleting a
/// resume deletes what other services generated for it first.
public struct ResumeOperations: Sendable {
    private let store: any ResumeStore
    private let dependents: [any ResumeDependentData]
    private let now: @Sendable () -> Date

    public init(
        store: any ResumeStore, dependents: [any ResumeDependentData] = [], now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.dependents = dependents
        self.now = now
    }

    public func create(_ content: ResumeContent, tenant: Tenant) async throws -> Resume {
        try await store.create(content.validated(), tenant: tenant, at: now())
    }

    public func get(tenant: Tenant, uniqueKey: String) async throws -> Resume {
        try await store.get(tenant: tenant, uniqueKey: try Self.checkedKey(uniqueKey))
    }

    /// `pageSize` 0 means the default; `name`, when given, must be a valid name.
    public func list(tenant: Tenant, name: String?, pageSize: Int, pageToken: String?) async throws -> Page<Resume> {
        var violations: [FieldViolation] = []
        if !(0...PageSize.maximum).contains(pageSize) {
            violations.append(FieldViolation(field: "page_size", message: "must be between 1 and \(PageSize.maximum)"))
        }
        var cursor: PageCursor?
        if let pageToken, !TextRules.isBlank(pageToken) {
            do { cursor = try PageCursor(token: pageToken, field: "page_token") } catch { violations += error.violations }
        }
        var filter: String?
        if let name {
            do { filter = try validatedPersonName(name) } catch { violations += error.violations }
        }
        if !violations.isEmpty { throw CoachError.validation(violations) }
        return try await store.list(tenant: tenant, name: filter, limit: pageSize == 0 ? PageSize.default : pageSize, after: cursor)
    }

    public func update(tenant: Tenant, uniqueKey: String, content: ResumeContent) async throws -> Resume {
        let key = try Self.checkedKey(uniqueKey)
        return try await store.update(tenant: tenant, uniqueKey: key, content: content.validated(), at: now())
    }

    /// Deletes the resume and everything generated for it. The generated data goes first: if a
    /// service is down the resume stays, and the deletion can be repeated.
    public func delete(tenant: Tenant, uniqueKey: String) async throws {
        let key = try Self.checkedKey(uniqueKey)
        _ = try await store.get(tenant: tenant, uniqueKey: key)
        for dependent in dependents {
            try await dependent.deleteData(tenant: tenant, uniqueKey: key)
        }
        try await store.delete(tenant: tenant, uniqueKey: key)
    }

    public func ping() async throws {
        try await store.ping()
    }

    static func checkedKey(_ key: String) throws(CoachError) -> String {
        if key.isEmpty { throw CoachError.badRequest("unique_key is required", field: "unique_key") }
        if TextRules.length(key) > ResumeLimits.maxUniqueKeyLength {
            throw CoachError.resumeNotFound(String(Substring(key.unicodeScalars.prefix(ResumeLimits.maxUniqueKeyLength))))
        }
        return key
    }
}
