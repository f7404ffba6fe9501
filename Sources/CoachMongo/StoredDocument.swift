import CoachCore
import Foundation

/// How domain values become MongoDB documents and back. A value is encoded to JSON (dates as
/// milliseconds), its top-level fields get the snake_case names a third-party client expects
/// (`unique_key`, `created_at`, `task_id`, …), its times become BSON dates and its id `_id`.
/// Nested fields keep the domain's own JSON names.
enum StoredDocument {
    /// Domain JSON key → stored field name, for the top-level keys that differ.
    private static let storedNames: [String: String] = [
        "taskID": "task_id", "resumeID": "resume_id", "resultID": "result_id", "uniqueKey": "unique_key",
        "idempotencyKey": "idempotency_key", "createdAt": "created_at", "updatedAt": "updated_at",
    ]
    private static let domainNames: [String: String] = Dictionary(uniqueKeysWithValues: storedNames.map { ($1, $0) })
    /// Stored fields that hold BSON dates.
    private static let dateFields: Set<String> = ["created_at", "updated_at"]

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder.trustedDocuments()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    /// The domain JSON of `value`, which must encode as an object.
    static func fields(of value: some Encodable) throws -> [String: JSONValue] {
        let data = try encoder.encode(value)
        guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: data) else {
            throw CoachError(.databaseOperationFailed, "document does not encode as an object")
        }
        return fields
    }

    /// The stored document: `_id` first, then the fields under their stored names (nulls
    /// dropped, so sparse indexes skip absent optionals; times as BSON dates).
    static func document(id: String, fields: [String: JSONValue]) -> BSON {
        var members: [(key: String, value: BSON)] = [("_id", .string(id))]
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if case .null = value { continue }
            let name = storedNames[key] ?? key
            if dateFields.contains(name), case .number(let millis) = value {
                members.append((name, .date(Int64(millis.rounded(.down)))))
            } else {
                members.append((name, BSON(value)))
            }
        }
        return .document(members)
    }

    /// The domain JSON of a stored document, `_id` left out and times back to milliseconds.
    static func fields(ofStored document: JSONValue) throws -> [String: JSONValue] {
        guard case .object(let members) = document else {
            throw CoachError(.databaseOperationFailed, "stored document is unreadable")
        }
        var fields: [String: JSONValue] = [:]
        for (name, value) in members where name != "_id" {
            if dateFields.contains(name) {
                guard let millis = value.bsonDateMillis else {
                    throw CoachError(.databaseOperationFailed, "stored document is unreadable")
                }
                fields[domainNames[name] ?? name] = .number(Double(millis))
            } else {
                fields[domainNames[name] ?? name] = value
            }
        }
        return fields
    }

    static func decode<T: Decodable>(_ type: T.Type, from fields: [String: JSONValue]) throws -> T {
        do {
            let data = try JSONEncoder().encode(JSONValue.object(fields))
            return try decoder.decode(T.self, from: data)
        } catch {
            throw CoachError(.databaseOperationFailed, "stored document is unreadable")
        }
    }

    /// The `_id` of a stored document, when it is a string.
    static func id(of document: JSONValue) -> String? { document["_id"]?.stringValue }
}

/// Query pieces shared by the stores.
enum MongoQuery {
    /// Newest first: (created_at desc, _id desc), the order `PageCursor` walks.
    static let newestFirst: BSON = ["created_at": -1, "_id": -1]
    static let oldestFirst: BSON = ["created_at": 1, "_id": 1]

    /// `filter` narrowed to the items after `cursor` in newest-first order.
    static func filter(_ filter: [(key: String, value: BSON)], after cursor: PageCursor?) -> BSON {
        var members = filter
        if let cursor {
            let date = BSON.date(cursor.createdAtMillis)
            members.append(
                ("$or", [["created_at": ["$lt": date]], ["created_at": date, "_id": ["$lt": .string(cursor.id)]]]))
        }
        return .document(members)
    }

    /// Cuts `limit + 1` fetched documents into a page, the cursor taken from the last item kept.
    static func page<Item: Sendable>(
        _ documents: [JSONValue], limit: Int, decode: (JSONValue) throws -> Item, position: (Item) -> PageCursor
    ) throws -> Page<Item> {
        let items = try documents.prefix(limit).map(decode)
        let next = documents.count > limit ? items.last.map(position) : nil
        return Page(items: items, next: next)
    }
}
