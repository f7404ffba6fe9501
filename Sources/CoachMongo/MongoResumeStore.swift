import CoachCore
import CoachStore
import Foundation

/// Resumes in the `resumes` collection: the content's fields as top-level BSON fields plus
/// `_id` (the 24-hex id), `tenant`, `unique_key`, `created_at` and `updated_at` (BSON dates).
/// Keys come from per-tenant, per-name counters in `counters`, bumped atomically, so they never
/// collide and a deleted key is never handed out again.
public struct MongoResumeStore: ResumeStore {
    private let database: MongoDatabase

    static let collection = "resumes"
    static let counters = "counters"

    /// A store over `database` (indexes are created by `MongoStores.connect`).
    public init(database: MongoDatabase) {
        self.database = database
    }

    public func create(_ content: ResumeContent, tenant: Tenant, at date: Date) async throws -> Resume {
        let fields = try StoredDocument.fields(of: content)
        let id = DocumentID.make(at: date)
        let millis = date.millisecondsSince1970
        return try await database.run { session in
            let sequence = try Self.nextSequence(
                counter: Self.counterID(tenant: tenant, name: content.name), counters: session.collection(Self.counters))
            let key = UniqueKey.make(name: content.name, sequence: sequence)
            var stored = fields
            stored["tenant"] = .string(tenant.rawValue)
            stored["uniqueKey"] = .string(key)
            stored["createdAt"] = .number(Double(millis))
            stored["updatedAt"] = .number(Double(millis))
            try session.collection(Self.collection).insertOne(StoredDocument.document(id: id, fields: stored))
            let created = Date(millisecondsSince1970: millis)
            return Resume(id: id, uniqueKey: key, content: content, createdAt: created, updatedAt: created)
        }
    }

    /// The next number for `name`: `$inc` in one `findAndModify`, atomic per name, so keys
    /// never collide and never go back. The increment itself never upserts: two first-ever
    /// upserts of one name race on `_id`, and a server may then apply the increment yet not
    /// return the document (SecantusDB does), losing a number. So a missing counter is first
    /// created at 0 with `$setOnInsert` (harmless to repeat; a lost race is a duplicate key),
    /// then incremented.
    static func nextSequence(counter: String, counters: MongoCollection) throws -> Int64 {
        let filter: BSON = ["_id": .string(counter)]
        for _ in 0..<3 {
            if let counter = try counters.findOneAndUpdate(filter, update: ["$inc": ["seq": 1]], upsert: false) {
                guard case .number(let sequence)? = counter["seq"] else {
                    throw MongoFailure(local: "counter without a sequence")
                }
                return Int64(sequence)
            }
            do {
                _ = try counters.findOneAndUpdate(filter, update: ["$setOnInsert": ["seq": 0]], upsert: true)
            } catch let failure as MongoFailure where failure.isDuplicateKey {
                // Another create made the counter first: fine.
            }
        }
        throw MongoFailure(local: "counter could not be created")
    }

    /// The counter of a name: the bare name for the default tenant (so counters from before
    /// tenants keep counting), `tenant U+001F name` for others (names refuse control characters).
    static func counterID(tenant: Tenant, name: String) -> String {
        tenant == .default ? name : "\(tenant.rawValue)\u{1F}\(name)"
    }

    public func get(tenant: Tenant, uniqueKey: String) async throws -> Resume {
        let document = try await database.run { session in
            try session.collection(Self.collection).findOne(["tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey)])
        }
        guard let document else { throw CoachError.resumeNotFound(uniqueKey) }
        return try Self.resume(from: document)
    }

    public func list(tenant: Tenant, name: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<Resume> {
        var conditions: [(key: String, value: BSON)] = [("tenant", .string(tenant.rawValue))]
        if let name { conditions.append(("name", .string(name))) }
        let filter = MongoQuery.filter(conditions, after: cursor)
        let documents = try await database.run { session in
            try session.collection(Self.collection).find(filter, sort: MongoQuery.newestFirst, limit: max(limit, 0) + 1)
        }
        return try MongoQuery.page(documents, limit: limit, decode: Self.resume) {
            PageCursor(createdAtMillis: $0.createdAt.millisecondsSince1970, id: $0.id)
        }
    }

    public func update(tenant: Tenant, uniqueKey: String, content: ResumeContent, at date: Date) async throws -> Resume {
        let fields = try StoredDocument.fields(of: content)
        let millis = date.millisecondsSince1970
        let updated = try await database.run { session -> Resume? in
            let resumes = session.collection(Self.collection)
            // The replacement must carry the key, id and creation time, so read them first;
            // matching on `_id` and the key makes a concurrent delete a not-found, not a resurrection.
            guard let current = try resumes.findOne(["tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey)]),
                let id = StoredDocument.id(of: current),
                let createdAt = current["created_at"]?.bsonDateMillis
            else { return nil }
            var stored = fields
            stored["tenant"] = .string(tenant.rawValue)
            stored["uniqueKey"] = .string(uniqueKey)
            stored["createdAt"] = .number(Double(createdAt))
            stored["updatedAt"] = .number(Double(millis))
            let matched = try resumes.replaceOne(
                ["_id": .string(id), "tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey)],
                with: StoredDocument.document(id: id, fields: stored))
            guard matched == 1 else { return nil }
            return Resume(
                id: id, uniqueKey: uniqueKey, content: content, createdAt: Date(millisecondsSince1970: createdAt),
                updatedAt: Date(millisecondsSince1970: millis))
        }
        guard let updated else { throw CoachError.resumeNotFound(uniqueKey) }
        return updated
    }

    public func delete(tenant: Tenant, uniqueKey: String) async throws {
        let deleted = try await database.run { session in
            try session.collection(Self.collection).deleteOne(["tenant": .string(tenant.rawValue), "unique_key": .string(uniqueKey)])
        }
        if deleted == 0 { throw CoachError.resumeNotFound(uniqueKey) }
    }

    public func ping() async throws {
        try await database.ping()
    }

    private static func resume(from document: JSONValue) throws -> Resume {
        var fields = try StoredDocument.fields(ofStored: document)
        fields.removeValue(forKey: "tenant")
        guard let id = StoredDocument.id(of: document),
            let uniqueKey = fields.removeValue(forKey: "uniqueKey")?.stringValue,
            let createdAt = fields.removeValue(forKey: "createdAt")?.bsonDateMillis,
            let updatedAt = fields.removeValue(forKey: "updatedAt")?.bsonDateMillis
        else { throw CoachError(.databaseOperationFailed, "stored resume is unreadable") }
        let content = try StoredDocument.decode(ResumeContent.self, from: fields)
        return Resume(
            id: id, uniqueKey: uniqueKey, content: content, createdAt: Date(millisecondsSince1970: createdAt),
            updatedAt: Date(millisecondsSince1970: updatedAt))
    }
}
