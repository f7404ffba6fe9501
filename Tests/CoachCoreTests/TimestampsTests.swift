import Foundation
import Testing

@testable import CoachCore

/// Stores keep milliseconds, rounded down (the edge's `OperationsRoutesTests` hold a whole
/// millisecond to itself through text, `Date` and a protobuf `Timestamp`).
@Suite struct TimestampsTests {
    @Test func timesBetweenMillisecondsAreRoundedDown() {
        #expect(Date(timeIntervalSince1970: 1_796_165_542.6805).millisecondsSince1970 == 1_796_165_542_680)
        #expect(Date(timeIntervalSince1970: 1_796_165_542.6805).rfc3339 == "2026-12-01T22:52:22.680Z")
    }
}
