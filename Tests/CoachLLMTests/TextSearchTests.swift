import Testing

@testable import CoachLLM

@Suite struct TextSearchTests {
    @Test func findsTheFirstOccurrenceAndLaterOnesFromAnIndex() throws {
        let text = "kafka consumers and kafka streams"
        let first = try #require(TextSearch.range(of: "kafka", in: text))
        #expect(text[first] == "kafka")
        #expect(text.distance(from: text.startIndex, to: first.lowerBound) == 0)
        let second = try #require(TextSearch.range(of: "kafka", in: text, from: first.upperBound))
        #expect(text.distance(from: text.startIndex, to: second.lowerBound) == 20)
        #expect(TextSearch.range(of: "kafka", in: text, from: second.upperBound) == nil)
    }

    @Test func matchesMultiByteTextAndKeepsCharacterBoundaries() throws {
        let text = "대용량 트래픽을 Go와 Kafka로 처리"
        let range = try #require(TextSearch.range(of: "트래픽", in: text))
        #expect(text[range] == "트래픽")
        #expect(text[range.upperBound] == "을")
        #expect(TextSearch.contains(text, "Go와"))
        #expect(!TextSearch.contains(text, "go와"))  // exact bytes: callers lowercase both sides
    }

    @Test func emptyOrLongerNeedlesAreNotFound() {
        #expect(!TextSearch.contains("abc", ""))
        #expect(!TextSearch.contains("ab", "abc"))
        #expect(!TextSearch.contains("", "a"))
    }
}
