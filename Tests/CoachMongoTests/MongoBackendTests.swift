// Built only with the MongoDB trait (`swift build --traits MongoDB`).
#if MongoDB
import CoachCore
import CoachStoreTesting
import Foundation
import Logging
import Testing

@testable import CoachMongo

/// What only the MongoDB backend has: real BSON fields, its indexes, and failing fast when the
/// server is down.
@Suite struct MongoBackendTests {
    @Test func downServerFailsFastWithServiceUnavailable() async throws {
        let port = try closedLoopbackPort()
        let started = ContinuousClock.now
        await #expect(throws: CoachError(.serviceUnavailable, "database unavailable")) {
            _ = try await MongoStores.connect(
                uri: "mongodb://127.0.0.1:\(port)", database: "down", logger: Logger(label: "test"))
        }
        // serverSelectionTimeoutMS (1.5 s by default) bounds the wait; the loose bound here only
        // proves nothing hangs (timings on a loaded 2-core machine are not assertions).
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func malformedURIIsRejected() async throws {
        await #expect(throws: CoachError.self) {
            _ = try await MongoStores.connect(uri: "postgres://nowhere", database: "x", logger: Logger(label: "test"))
        }
    }

    @Test func extendedJSONEscapesStringsAndKeepsKeyOrder() {
        let value: BSON = [
            "b": "q\"\\\n\u{1}é", "a": [1, .double(2.5), true, .null], "c": .date(1_800_000_000_123),
            "d": .int(5_000_000_000),
        ]
        #expect(
            value.extendedJSON
                == #"{"b":"q\"\\\n\u0001é","a":[1,2.5,true,null],"c":{"$date": {"$numberLong": "1800000000123"}},"d":{"$numberLong": "5000000000"}}"#
        )
    }

    @Test(arguments: [
        ("2027-01-15T08:00:00Z", Int64(1_800_000_000_000)), ("2027-01-15T08:00:00.123Z", 1_800_000_000_123),
        ("1970-01-01T00:00:00.5Z", 500),
    ])
    func readsRelaxedExtendedJSONDates(text: String, millis: Int64) {
        #expect(JSONValue.object(["$date": .string(text)]).bsonDateMillis == millis)
        #expect(JSONValue.object(["$date": .object(["$numberLong": .string("\(millis)")])]).bsonDateMillis == millis)
    }

    @Test func documentsCarryRealBSONFieldsAndTheIndexesExist() async throws {
        guard let uri = Backend.mongoURI else { return }
        let name = "coach_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let stores = try await MongoStores.connect(uri: uri, database: name, logger: Logger(label: "test"))
        do {
            let resume = try await stores.resumes.create(content(), tenant: .default, at: Date(timeIntervalSince1970: 1_800_000_000.5))
            _ = try await stores.questionSets.save(questionSet(task: "t1"), tenant: .default)
            _ = try await stores.questionSets.save(questionSet(), tenant: .default)
            _ = try await stores.tasks.create(task("t1", idempotencyKey: "k"))
            let (stored, set, record, indexes) = try await stores.database.run { session in
                (
                    try session.collection("resumes").findOne(["unique_key": "Kim_1"]),
                    try session.collection("interview_questions").find(["unique_key": "Kim_1"], sort: ["task_id": 1]),
                    try session.collection("tasks").findOne(["task_id": "t1"]),
                    try session.command(["listIndexes": "tasks"])
                )
            }
            #expect(stored?["_id"]?.stringValue == resume.id)
            #expect(stored?["name"]?.stringValue == "Kim")
            #expect(stored?["summary"]?.stringValue == "Backend engineer with Kafka.")
            #expect(stored?["created_at"]?["$date"] != nil)
            #expect(stored?["created_at"]?.bsonDateMillis == 1_800_000_000_500)
            #expect(stored?["updated_at"]?["$date"] != nil)
            #expect(set.count == 2)
            #expect(set.first?["task_id"] == nil)
            #expect(set.last?["task_id"]?.stringValue == "t1")
            #expect(set.last?["resume_id"]?.stringValue == "r1")
            #expect(set.last?["created_at"]?["$date"] != nil)
            #expect(record?["_id"]?.stringValue == "t1")
            #expect(record?["kind"]?.stringValue == "interview")
            #expect(record?["state"]?.stringValue == "PENDING")
            #expect(record?["idempotency_key"]?.stringValue == "k")
            let names = Set(indexes["cursor"]?["firstBatch"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
            #expect(
                names.isSuperset(of: ["task_id_1", "kind_1_idempotency_key_1", "tenant_1_kind_1_state_1_created_at_-1__id_-1"]))
            #expect(record?["tenant"]?.stringValue == "default")
        } catch {
            try? await stores.database.drop()
            throw error
        }
        try await stores.database.drop()
    }
}

/// A loopback port nothing listens on (bound, then released).
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw CoachError.internal("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
#endif  // MongoDB
