import CoachCore
import Testing

@testable import CoachEdge

/// How every REST listing reads the page it is asked for.
@Suite struct PageQueryTests {
    @Test func sizeAndTokenAreReadUnderTheListingsOwnNames() throws {
        var violations: [FieldViolation] = []
        let operations = PageQuery(
            ["page_size": "7", "page_token": "1764580800000.9f2c", "limit": "9"], size: "page_size", token: "page_token",
            violations: &violations)
        #expect(operations.size == 7 && operations.token == "1764580800000.9f2c" && violations.isEmpty)
        let resumes = try PageQuery(["limit": "100", "cursor": "  "])
        #expect(resumes.size == 100 && resumes.token == "")  // a blank cursor is the first page
        let defaults = try PageQuery([:])
        #expect(defaults.size == 0 && defaults.token == "")  // 0: the service's default size
    }

    @Test func everyBadParameterIsReportedByItsNameBesideTheRoutesOthers() {
        var violations = [FieldViolation(field: "unique_key", message: "already wrong")]
        _ = PageQuery(["limit": "0", "cursor": "!!"], violations: &violations)
        #expect(violations.map(\.field) == ["unique_key", "limit", "cursor"])
        for size in ["101", "-1", "ten", ""] {
            #expect(throws: CoachError.self) { try PageQuery(["limit": size]) }
        }
    }
}
