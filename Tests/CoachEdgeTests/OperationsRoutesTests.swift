@testable import CoachEdge
import CoachCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwiftProtobuf
import Testing

@Suite struct OperationsRoutesTests {
    /// Every RFC 3339 form a client may send, and what is not one.
    @Test(arguments: [
        ("2026-12-01T09:00:00Z", 1_796_115_600.0),
        ("2026-12-01t09:00:00z", 1_796_115_600.0),
        ("2026-12-01 09:00:00Z", 1_796_115_600.0),
        ("2026-12-01T09:00:00.250Z", 1_796_115_600.25),
        ("2026-12-01T09:00:00.123456789+00:00", 1_796_115_600.123456789),
        ("2026-12-01T18:30:00+09:30", 1_796_115_600.0),
        ("2026-12-01T00:00:00-09:00", 1_796_115_600.0),
    ])
    func readsEveryRFC3339Form(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.date(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test(arguments: [
        "", "2026-12-01", "2026-12-01T09:00Z", "2026-13-01T09:00:00Z", "2026-02-30T09:00:00Z", "2026-12-01T24:00:01Z",
        "2026-12-01T09:00:00", "2026-12-01T09:00:00+24:00", "2026-12-01T09:00:00.Z", " 2026-12-01T09:00:00Z", "yesterday",
    ])
    func refusesWhatIsNotAnRFC3339DateTime(text: String) {
        #expect(RFC3339.date(text) == nil)
    }

    /// A filter's bound that is a whole millisecond (`created_after` of a task's own `created_at`
    /// plus 1 ms, say) reaches the store as that millisecond: read from text, sent as a protobuf
    /// `Timestamp`, read back as a `Date`. Through `Double` it can come back a hair below it, and
    /// rounded down it would start a millisecond early (a CI run caught the filter including the
    /// task it was built to exclude).
    @Test func aWholeMillisecondBoundStaysThatMillisecondOnItsWayToTheStore() throws {
        let start: Int64 = 1_796_165_542_000  // 2026-12-01T22:52:22Z
        for millis in start..<(start + 3_000) {
            let text = Date(millisecondsSince1970: millis).rfc3339
            let date = try #require(RFC3339.date(text))
            #expect(Google_Protobuf_Timestamp(date: date).date.millisecondsSince1970 == millis, "\(text)")
        }
    }

    /// A filter the server cannot apply is a 422 naming it, never an empty list.
    @Test func badFiltersAreRefusedNamingTheParameter() async throws {
        try await withEdge { client in
            let cases: [(String, String)] = [
                ("state=DONE", "state"), ("state=", "state"), ("state=FAILURE,,SUCCESS", "state"), ("kind=cover-letter", "kind"),
                ("tenant=Not%20A%20Tenant", "tenant"), ("created_after=2026-13-01T00:00:00Z", "created_after"),
                ("created_before=", "created_before"), ("page_size=0", "page_size"), ("page_token=%21%21", "page_token"),
                ("error_code=%07bell", "error_code"),
            ]
            for (query, field) in cases {
                let response = try await client.execute(uri: "/api/v1/operations/tasks?\(query)", method: .get)
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(try violatedFields(response) == [field], "\(query)")
            }
            let window = try await client.execute(uri: "/api/v1/operations/overview?window=2h", method: .get)
            #expect(window.status == .unprocessableContent)
            #expect(try violatedFields(window) == ["window"])
        }
    }

    @Test func aTaskOfAnUnknownKindOrIdIsNotFound() async throws {
        try await withEdge { client in
            let kind = try await client.execute(uri: "/api/v1/operations/tasks/cover-letter/abc", method: .get)
            #expect(kind.status == .notFound)
            let task = try await client.execute(uri: "/api/v1/operations/tasks/interview/abc", method: .get)
            #expect(task.status == .notFound)
            #expect(try json(task)["error_code"] as? String == "TASK_NOT_FOUND")
            let letter = try await client.execute(uri: "/api/v1/operations/dead-letters/interview/1-0/drop", method: .post)
            #expect(letter.status == .notFound)
        }
    }
}
